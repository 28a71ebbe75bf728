"""Builds a realistic case for the report tests by writing the case store directly (no scan).

The evidence is real (a zip of CSV exports written by the synth writers, on disk in tmp_path, plus a folder);
the case holds what a scan with a registry would have produced: items with the members' real SHA-256 (SQLite),
records parsed from the CSV rows, canary and watermark hits and identifier counts (Parquet shards of one task,
written with :class:`TaskShards` like a worker does), the attribution of the records (attribution.parquet), YARA
findings, an item error, a conflict.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from workbench.engine.evidence import take_in
from workbench.engine.model import Finding, IdentifierCounts, ItemError, ItemInfo
from workbench.engine.store import schema
from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.shards import TaskShards, patient_keys, write_table
from workbench.synth.establishments import DEMO_ESTABLISHMENTS, UNREGISTERED_ESTABLISHMENT
from workbench.synth.formats.csv_export import write_csv
from workbench.synth.people import PeopleFactory

RENNES, BREST, BIORANCE = DEMO_ESTABLISHMENTS[0], DEMO_ESTABLISHMENTS[1], DEMO_ESTABLISHMENTS[2]
CANARY_IDS = ("bcn-7f3a9c21e0d4", "bcn-19b2c4d8aa01")
WATERMARK_P = 3.2e-14
BREST_RECIPIENT = "Laboratoire partenaire"
RENNES_RECIPIENT = "Unité de recherche clinique"


@dataclass
class BuiltCase:
    case_dir: Path
    evidence_paths: list[Path]
    nirs: list[str] = field(default_factory=list)
    family_names: list[str] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)  # establishment FINESS ("" = unattributed) -> rows
    patients: dict[str, int] = field(default_factory=dict)
    # (establishment FINESS, recipient or None) -> (earliest event date, latest event date), from the CSV rows
    spans: dict[tuple[str, str | None], tuple[str, str]] = field(default_factory=dict)
    items: int = 0

    def span(self, finess: str) -> tuple[str, str]:
        """Date span of all the records of one establishment."""
        parts = [v for (f, _), v in self.spans.items() if f == finess]
        return min(p[0] for p in parts), max(p[1] for p in parts)


def _csv_bytes(est, n: int, seed: int) -> tuple[bytes, list]:
    recs = list(PeopleFactory(seed).records(est, n, stays=(1, 2)))
    buf = io.BytesIO()
    write_csv(recs, buf, dialect="dpi")
    return buf.getvalue(), recs


def _iso(d) -> str:
    return d.strftime("%Y-%m-%d")


def build_case(tmp_path: Path, *, per_establishment: int = 40) -> BuiltCase:
    evidence_dir = tmp_path / "evidence"
    evidence_dir.mkdir(parents=True)
    leak = evidence_dir / "fuite_hopitaux_bretons.zip"
    plan = [(RENNES, "canary", 11), (BREST, "watermark", 12), (BIORANCE, "identifier", 13),
            (UNREGISTERED_ESTABLISHMENT, "none", 14)]
    members: list[tuple[str, bytes, object, str, list]] = []
    for est, basis, seed in plan:
        data, recs = _csv_bytes(est, per_establishment, seed)
        members.append((f"export/{est.short}/patients_{est.short}.csv", data, est, basis, recs))
    corrupt = b"\x1f\x8b\x08\x00" + bytes(range(60))  # a gzip header and garbage: truncated member
    with zipfile.ZipFile(leak, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data, *_ in members:
            zf.writestr(name, data)
        zf.writestr("export/archives/ancien_export.csv.gz", corrupt)
    share = evidence_dir / "partage_sortant"
    share.mkdir()
    (share / "LISEZMOI.txt").write_text("Export destiné au laboratoire partenaire.\n", encoding="utf-8")

    case_dir = tmp_path / "case"
    built = BuiltCase(case_dir, [leak, share])
    with CaseStore(case_dir) as store:
        store.set_case_info({"case_number": "CERT-2025-0427", "title": "Fuite de données de santé bretonnes",
                             "analyst": "Maëlle Le Goff", "organisation": "CERT Santé Bretagne"})
        ev_leak = store.add_evidence(take_in(leak))
        ev_share = store.add_evidence(take_in(share))
        with store.transaction():
            store.set_meta("registry_path", str(tmp_path / "registre_balise.json"))
            store.set_meta("registry_authority", "GCS e-Santé Bretagne (démo)")
            store.set_meta("registry_version", "3")
            store.set_meta("registry_signature", "ok")
            store.set_meta("registry_key_id", "5f1c-88ab-02de-9e47")
            store.set_meta("bounds", repr({"max_depth": 8, "max_member_bytes": 16 * 2**30,
                                           "max_evidence_bytes": 2**40, "max_ratio": 250.0,
                                           "ratio_grace_bytes": 64 * 2**20, "max_members": 100_000}))
            for est in DEMO_ESTABLISHMENTS:
                store.set_meta(f"establishment:{est.finess}", est.name)
            store.set_rulesets([("balise-sante-fr.yar", "resources/rules/balise-sante-fr.yar",
                                 hashlib.sha256(b"rules-fr").hexdigest(), "bundled"),
                                ("analyste-perso.yar", "/home/analyste/regles/analyste-perso.yar",
                                 hashlib.sha256(b"rules-analyst").hexdigest(), "analyst")])
            root = "fuite_hopitaux_bretons.zip"
            store.upsert_task("t1", ev_leak, [root], leak.stat().st_size)
            store.upsert_task("t2", ev_share, ["partage_sortant"], 0)
            store.put_item(ItemInfo(root, root, 0, kind="archive", format="zip", size=leak.stat().st_size,
                                    sha256=hashlib.sha256(leak.read_bytes()).hexdigest(), extension="zip"),
                           evidence_id=ev_leak, task_key="t1")
            store.put_item(ItemInfo("partage_sortant/LISEZMOI.txt", "LISEZMOI.txt", 0, kind="text",
                                    size=(share / "LISEZMOI.txt").stat().st_size, extension="txt",
                                    sha256=hashlib.sha256((share / "LISEZMOI.txt").read_bytes()).hexdigest()),
                           evidence_id=ev_share, task_key="t2")
            bad = f"{root}!/export/archives/ancien_export.csv.gz"
            store.put_item(ItemInfo(bad, "ancien_export.csv.gz", 1, parent_vpath=root, kind="archive",
                                    format="gzip", size=len(corrupt), status="error", error_stage="archive",
                                    error="truncated gzip stream", sha256=hashlib.sha256(corrupt).hexdigest(),
                                    extension="gz"), evidence_id=ev_leak, task_key="t1")
            store.add_error(ItemError(bad, "archive", "EOFError: Compressed file ended before the end-of-stream "
                                                      "marker was reached"))
            shards = TaskShards(case_dir, "t1", store.task_seq("t1"))
            attribution: list[dict] = []
            for name, data, est, basis, recs in members:
                vpath = f"{root}!/{name}"
                store.put_item(ItemInfo(vpath, name.rsplit("/", 1)[-1], 1, parent_vpath=root, kind="csv",
                                        format="csv", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                        encoding="cp1252", delimiter=";", extension="csv"),
                               evidence_id=ev_leak, task_key="t1")
                _add_records(shards, attribution, built, vpath, data, est, basis)
                _add_identifiers(shards, vpath, recs)
                store.add_findings([
                    Finding(vpath, "yara", "FR_NIR_unspaced", offset=212, length=15, namespace="balise",
                            tags=["pii", "nir"], meta={"matches": len(recs)}, excerpt="…;M;1 85 ** ** *** *** 36;…",
                            severity="high"),
                    Finding(vpath, "yara", "FR_patient_table_header", offset=0, length=40, namespace="balise",
                            tags=["health"], meta={"matches": 1}, excerpt="NOM;NOM_NAISSANCE;PRENOM;DATE_NAISSANCE",
                            severity="warning")])
            rennes_item = f"{root}!/export/{RENNES.short}/patients_{RENNES.short}.csv"
            shards.add_beacon_hits(rennes_item, [
                {"beacon_id": CANARY_IDS[0], "kind": "canary-patient", "establishment": RENNES.finess,
                 "recipient": None, "locator": "row:3", "container": "", "status": "confirmed",
                 "fields": ["birth_date", "family_name", "nir"]},
                {"beacon_id": CANARY_IDS[1], "kind": "canary-patient", "establishment": RENNES.finess,
                 "recipient": RENNES_RECIPIENT, "locator": "row:17", "container": "", "status": "partial",
                 "fields": ["phone"]}])
            brest_item = f"{root}!/export/{BREST.short}/patients_{BREST.short}.csv"
            shards.add_watermark_hits(brest_item, [
                {"locator": "file", "container": "", "kind": "table-watermark", "establishment": BREST.finess,
                 "recipient": BREST_RECIPIENT, "rows": built.records[BREST.finess], "p_value": WATERMARK_P,
                 "fraction": 0.48, "detail": {}}])
            store.set_record_counts(shards.records_per_item)
            shards.close()
            store.finish_task("t1", "done")
            store.finish_task("t2", "done")
            write_table(case_dir / schema.SHARDS_DIR / schema.ATTRIBUTION_FILE,
                        pa.Table.from_pylist(attribution, schema=schema.ATTRIBUTION))
            store.add_conflict(brest_item, f"{root}!/export/fusion.sql table patients", "canary",
                               [RENNES.finess, BREST.finess], [])
        built.items = store.count("items")
    return built


def _add_records(shards: TaskShards, attribution: list[dict], built: BuiltCase, vpath: str, data: bytes, est,
                 basis: str) -> None:
    """The CSV's rows as a records frame (like a parser's), written to the task's shard; their attribution kept
    for attribution.parquet (rids follow the shard's order)."""
    rows = list(csv.DictReader(io.StringIO(data.decode("cp1252")), delimiter=";"))
    attributed = basis != "none"
    finess = est.finess if attributed else None
    proof: dict
    if basis == "canary":
        proof = {"basis": "canary", "container": vpath, "item": vpath, "beacons": [CANARY_IDS[0]],
                 "found_at": ["row:3"]}
        confidence = "0.99"
    elif basis == "watermark":
        proof = {"basis": "watermark", "container": vpath, "item": vpath, "p_value": WATERMARK_P, "fraction": 0.48,
                 "rows": len(rows), "mark": "table-watermark"}
        confidence = "0.99"
    elif basis == "identifier":
        proof = {"basis": "identifier", "field": "facility_finess", "value": est.finess}
        confidence = "0.90"
    else:
        proof, confidence = {}, "0"
    frame: dict[str, list] = {c: [] for c in ("locator", "nir", "family_name", "given_name", "birth_date", "sex",
                                               "ipp", "nda", "phone", "email", "facility_finess", "event_first",
                                               "event_last", "categories")}
    rid = shards.rid_base + sum(shards.records_per_item.values())
    for n, row in enumerate(rows, start=1):
        d, m, y = row["DATE_NAISSANCE"].split("/")
        admit = row["DATE_ENTREE"][:10].split("/")
        leave = (row["DATE_SORTIE"] or row["DATE_ENTREE"])[:10].split("/")
        for col, value in (("locator", f"row:{n}"), ("nir", row["NIR"]), ("family_name", row["NOM"]),
                           ("given_name", row["PRENOM"]), ("birth_date", f"{y}-{m}-{d}"), ("sex", row["SEXE"]),
                           ("ipp", row["IPP"]), ("nda", row["NDA"]), ("phone", row["TELEPHONE"] or None),
                           ("email", row["EMAIL"] or None), ("facility_finess", row["FINESS"]),
                           ("event_first", f"{admit[2]}-{admit[1]}-{admit[0]}"),
                           ("event_last", f"{leave[2]}-{leave[1]}-{leave[0]}"),
                           ("categories", "identity,nir,contact,health-diagnosis,administrative")):
            frame[col].append(value)
        if attributed:
            rec_basis, rec_proof, rec_conf = basis, proof, confidence
            if basis == "identifier" and n % 10 == 0:  # a few records only match the IPP format: weak
                rec_basis, rec_conf = "pattern", "0.30"
                rec_proof = {"basis": "pattern", "field": "ipp", "note": "numbering format only: weak evidence"}
            # the watermark names its recipient on every other record only: two recipients, two date spans
            recipient = BREST_RECIPIENT if basis == "watermark" and n % 2 else None
            attribution.append({"rid": rid + n - 1, "establishment": finess, "recipient": recipient,
                                "basis": rec_basis, "confidence": rec_conf, "proof": json.dumps(rec_proof)})
            first, last = built.spans.get((finess, recipient), (frame["event_first"][-1], frame["event_last"][-1]))
            built.spans[(finess, recipient)] = (min(first, frame["event_first"][-1]),
                                                max(last, frame["event_last"][-1]))
        built.nirs.append(row["NIR"])
        built.family_names.append(row["NOM"])
    shards.add_records(vpath, pd.DataFrame(frame))
    keys = patient_keys(pa.array(frame["nir"], pa.string()), pa.array(frame["family_name"], pa.string()),
                        pa.array(frame["given_name"], pa.string()), pa.array(frame["birth_date"], pa.string()))
    built.records[finess or ""] = len(rows)
    built.patients[finess or ""] = len(set(keys.to_pylist()) - {None})


def _add_identifiers(shards: TaskShards, vpath: str, recs) -> None:
    counts = IdentifierCounts(vpath)
    for i, r in enumerate(recs):
        p = r.patient
        counts.add("nir", p.nir, 100 * i)
        if p.email:
            counts.add("email", p.email, 100 * i + 50)
        for s in r.stays:
            counts.add("finess", s.finess, 100 * i + 80)
    shards.add_identifiers(counts)
