"""Attribution: the source establishment of every record, with its basis and confidence.

In order of strength (DESIGN.md): a confirmed canary proves its container (SQL table, file, DICOM study); a
watermark detected with p < 1e-6 proves its table or image; an explicit identifier (FINESS column, HL7 facility,
DICOM institution or UID root) proves its own record; a registered numbering pattern is weak evidence; else the
record stays unattributed. Only establishments of the registry are ever named: an unknown FINESS attributes nothing.

Two establishments' beacons in one container are a conflict: reported, and its records fall back on their own
evidence. A proof reaches beyond its container (the other tables of the same SQL dump, the other files of the
same DICOM study) only where nothing contradicts it: a record whose own identifier names another establishment,
or a DICOM file of another institution that shares the Study Instance UID, is left out of the claim and recorded
as a conflict.

This module holds the policy and works on the few things it decides on (beacon hits, containers, the distinct
facility values asked of the registry); the records themselves are attributed in one set-based pass by
:mod:`workbench.engine.store.attribution_queries` (DuckDB over the shards), never in a Python loop over rows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.engine.store import CaseReader, CaseStore
from workbench.engine.store import attribution_queries as q
from workbench.engine.store.schema import ATTRIBUTION_FILE, ATTRIBUTION_TASK, SHARDS_DIR
from workbench.engine.store.shards import describe

WATERMARK_THRESHOLD = 1e-6
CONFIDENCE = {"canary": "0.99", "watermark": "0.99", "identifier": "0.90", "pattern": "0.30", "none": "0"}
_RANK = {("canary", False): 1, ("canary", True): 2, ("watermark", False): 3, ("watermark", True): 4}
_IPP_MAX_LEN = 64


@dataclass(frozen=True)
class Container:
    """Records that one beacon vouches for: a table of an item, a whole item, or a DICOM study."""

    item: str
    table: str  # "" = the whole item
    study_uid: str | None = None

    def label(self) -> str:
        if self.study_uid:
            return f"study {self.study_uid}"
        return f"{self.item} table {self.table}" if self.table else self.item


def attribute_case(store: CaseStore, registry) -> dict[str, int]:
    """(Re)compute the attribution of every record of the case; returns record counts per basis."""
    store.clear_conflicts()
    store.forget_shards(ATTRIBUTION_TASK)
    store.commit()
    q.clear_attribution(store.dir)
    if registry is not None:
        _record_registry(store, registry)
        store.commit()
    with CaseReader(store.dir) as reader:
        if registry is None:
            counts = reader.basis_counts()
        else:
            claims = _claims(store, reader)
            maps = _explicit_maps(reader, registry)
            patterns, ipp_map = _patterns(reader, registry)
            result = q.write_attribution(reader, claims, maps, patterns, ipp_map, CONFIDENCE, _IPP_MAX_LEN)
            for c in result["contradictions"]:
                proof = json.loads(c["container"] or "{}")
                container = proof.get("container", c["item"])
                found = sorted({c["claimed"], *([c["establishment"]] if c["establishment"] else [])})
                store.add_conflict(c["item"], container, c["basis"], found,
                                   {"item": c["item"], "claimed_by": c["claimed"],
                                    "own_establishment": c["establishment"], "records": c["records"],
                                    "note": "the record points elsewhere: the claim was not extended to it"})
                store.log("balise", "attribution-conflict", {"container": container, "item": c["item"],
                                                             "basis": c["basis"], "establishments": found})
            counts = result["bases"]
    detail: dict = {"bases": counts, "registry": bool(registry)}
    path = store.dir / SHARDS_DIR / ATTRIBUTION_FILE
    if path.exists():
        shard = describe(store.dir, path, "attribution", pq.ParquetFile(path).metadata.num_rows)
        store.register_shards(ATTRIBUTION_TASK, [shard])
        detail["file"] = {"path": shard.path, "rows": shard.rows, "sha256": shard.sha256}
    store.commit()
    store.log("balise", "attribution", detail)
    return counts


def _record_registry(store: CaseStore, registry) -> None:
    store.set_meta("registry_authority", registry.authority)
    store.set_meta("registry_version", str(registry.version))
    store.set_meta("registry_key_id", registry.key_id or "")
    store.set_meta("registry_signature", "ok")
    for est in registry.establishments.values():
        store.set_meta(f"establishment:{est.finess}", est.name)


def _container_of(hit: dict) -> Container:
    if hit.get("kind") == "dicom" and hit.get("study_uid"):
        return Container(hit["item"], "", hit["study_uid"])
    return Container(hit["item"], hit.get("container") or "")


def _claims(store: CaseStore, reader: CaseReader) -> pa.Table:
    """Containers proven by beacons, as rows for the set-based pass; conflicts (two establishments in one
    container) are recorded and the container claimed by none."""
    canaries, marks = q.beacon_claim_inputs(reader, WATERMARK_THRESHOLD)
    rows: list[dict] = []
    for basis, hits in (("canary", canaries), ("watermark", marks)):
        by_container: dict[Container, list[dict]] = defaultdict(list)
        for h in hits:
            by_container[_container_of(h)].append(h)
        direct: list[tuple[Container, str, str | None, dict]] = []
        for container, group in by_container.items():
            establishments = sorted({h["establishment"] for h in group})
            if len(establishments) > 1:
                store.add_conflict(container.item, container.label(), basis, establishments, group)
                store.log("balise", "attribution-conflict", {"container": container.label(), "basis": basis,
                                                             "establishments": establishments})
                continue
            recipients = sorted({h["recipient"] or "" for h in group})
            recipient = _recipient_of(recipients)
            proof = _proof(basis, container, group, recipients)
            direct.append((container, establishments[0], recipient, proof))
            institution = next((h["institution"] for h in group if h.get("institution")), None)
            if container.study_uid:
                # The file that bears the beacon is proven; the rest of its study only where nothing contradicts.
                rows.append(_claim(basis, "item", container.item, "", None, None, establishments[0], recipient,
                                   proof, extends=False))
                rows.append(_claim(basis, "study", "", "", container.study_uid, institution, establishments[0],
                                   recipient, dict(proof, note="same DICOM study as the file where the beacon was "
                                                               "found"), extends=True))
            else:
                rows.append(_claim(basis, "table" if container.table else "item", container.item, container.table,
                                   None, None, establishments[0], recipient, proof, extends=False))
        rows.extend(_dump_extensions(store, basis, direct, {h["item"]: h.get("kind") for h in hits}))
    store.commit()
    return pa.Table.from_pylist(rows, schema=q.CLAIMS)


def _dump_extensions(store: CaseStore, basis: str, direct: list, kinds: dict[str, str | None]) -> list[dict]:
    """A SQL dump is one database taken from one system: a beacon proven in one of its tables vouches for the
    dump's other tables too (stays, results linked by patient number), unless its tables disagree."""
    by_item: dict[str, list] = defaultdict(list)
    for container, est, recipient, _ in direct:
        if kinds.get(container.item) == "sql-dump" and container.table and not container.study_uid:
            by_item[container.item].append((est, recipient, container.table))
    conflicted = set(store.conflict_items())
    out = []
    for item, claims in by_item.items():
        if len({c[0] for c in claims}) != 1 or item in conflicted:
            continue
        est, recipient, _ = claims[0]
        if len({c[1] for c in claims}) > 1:
            recipient = None
        table = min(c[2] for c in claims)
        proof = {"basis": basis, "container": f"{item} (database dump)", "item": item, "via_table": table,
                 "note": "same database dump as the table where the beacon was found"}
        out.append(_claim(basis, "item", item, "", None, None, est, recipient, proof, extends=True))
    return out


def _claim(basis: str, scope: str, item: str, table: str, study: str | None, institution: str | None, est: str,
           recipient: str | None, proof: dict, *, extends: bool) -> dict:
    return {"rank": _RANK[(basis, extends)], "basis": basis, "scope": scope, "item": item, "tbl": table,
            "study_uid": study, "institution": (institution or "").strip().upper() or None, "establishment": est,
            "recipient": recipient, "confidence": CONFIDENCE[basis],
            "proof": json.dumps(proof, ensure_ascii=False, default=str), "extends": extends}


RECIPIENTS_JOINER = " + "


def _recipient_of(recipients: list[str]) -> str | None:
    """The recipient a container's records came through: the one seen; several named recipients (a copy merged by
    colluders, a table of rows from two partners' exports) joined with " + "; None for the establishment itself,
    or when the establishment's own copy is among them. The report printed "the establishment itself" for a
    merged copy whose two colluders its fingerprint code had just named."""
    if len(recipients) == 1:
        return recipients[0] or None
    if "" in recipients:
        return None
    return RECIPIENTS_JOINER.join(recipients)


def _proof(basis: str, container: Container, hits: list[dict], recipients: list[str]) -> dict:
    proof: dict = {"basis": basis, "container": container.label(), "item": container.item}
    if basis == "canary":
        proof["beacons"] = sorted({h["beacon_id"] for h in hits})
        proof["found_at"] = sorted({h["locator"] for h in hits})[:20]
    else:
        best = min(hits, key=lambda h: (h["p_value"], json.loads(h.get("detail") or "{}").get("log10_p") or 0))
        detail = json.loads(best.get("detail") or "{}")
        proof.update({"p_value": best["p_value"], "fraction": best["fraction"], "rows": best["rows"],
                      "mark": best["mark"]})
        if detail.get("log10_p") is not None:  # the p-value itself underflows to 0 on large tables
            proof["log10_p"] = round(detail["log10_p"], 1)
    if len(recipients) > 1:
        proof["recipients_seen"] = [r or None for r in recipients]
    return proof


def _explicit_maps(reader: CaseReader, registry) -> dict[str, pa.Table]:
    """The registry's answer for each distinct facility value of the case (thousands of look-ups, not millions)."""
    finders = {"facility_finess": registry.by_finess, "facility_code": registry.by_hl7_facility,
               "dicom_uid": registry.by_dicom_uid, "facility_name": registry.by_name}
    maps = {}
    for field, finder in finders.items():
        values, ests = [], []
        for value in q.distinct_values(reader, field):
            try:
                est = finder(value)
            except (ValueError, TypeError):
                est = None
            if est is not None:
                values.append(value)
                ests.append(est.finess)
        maps[field] = pa.table({"value": values, "establishment": ests}, schema=q.VALUE_MAP)
    return maps


def _patterns(reader: CaseReader, registry) -> tuple[pa.Table, pa.Table]:
    """Registered IPP patterns DuckDB can match over the whole column; the rare Python-only pattern is matched
    per distinct IPP instead."""
    usable, python_only = [], []
    for est in registry.establishments.values():
        for pattern in est.ipp_patterns:
            (usable if q.pattern_is_usable(reader, pattern) else python_only).append((pattern, est.finess))
    patterns = pa.table({"pattern": [p for p, _ in usable], "establishment": [e for _, e in usable]},
                        schema=q.PATTERNS)
    values, ests = [], []
    if python_only:
        import re

        compiled = [(re.compile(p), e) for p, e in python_only]
        for ipp in q.distinct_values(reader, "ipp"):
            ipp = ipp.strip()
            if not ipp or len(ipp) > _IPP_MAX_LEN:
                continue
            for rx, est in compiled:
                if rx.fullmatch(ipp):
                    values.append(ipp)
                    ests.append(est)
    return patterns, pa.table({"value": values, "establishment": ests}, schema=q.VALUE_MAP)
