"""Attribution: the source establishment of every record, with its basis and confidence.

In order of strength (DESIGN.md): a confirmed canary proves its container (SQL table, file, DICOM study); a
watermark detected with p < 1e-6 proves its table or image; an explicit identifier (FINESS column, HL7 facility,
DICOM institution or UID root) proves its own record; a registered numbering pattern is weak evidence; else the
record stays unattributed. Only establishments of the registry are ever named: an unknown FINESS attributes nothing.
Two establishments' beacons in one container are a conflict: reported, and its records fall back on their own
evidence.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.engine.casestore import CaseStore

WATERMARK_THRESHOLD = 1e-6
INDEXED_RECORD_COLUMNS = ("establishment", "basis")  # indexing every sortable column costs minutes on 10M rows
CONFIDENCE = {"canary": "0.99", "watermark": "0.99", "identifier": "0.90", "pattern": "0.30", "none": "0"}

CONFLICTS_SCHEMA = """CREATE TABLE IF NOT EXISTS attribution_conflicts (
    id INTEGER PRIMARY KEY, item_id INTEGER, container TEXT, basis TEXT, establishments TEXT, detail TEXT)"""


@dataclass(frozen=True)
class Container:
    """Records that one beacon vouches for: a table of an item, a whole item, or a DICOM study."""

    item_id: int | None
    table: str  # "" = the whole item
    study_uid: str | None = None

    def where(self) -> tuple[str, tuple]:
        if self.study_uid:
            return "dicom_uid=?", (self.study_uid,)
        if self.table:
            return "item_id=? AND tbl=?", (self.item_id, self.table)
        return "item_id=?", (self.item_id,)

    def label(self, vpath: str) -> str:
        if self.study_uid:
            return f"study {self.study_uid}"
        return f"{vpath} table {self.table}" if self.table else vpath


def attribute_case(store: CaseStore, registry) -> dict[str, int]:
    """(Re)compute the attribution of every record of the case; returns record counts per basis."""
    db = store.db
    db.execute(CONFLICTS_SCHEMA)
    db.execute("DELETE FROM attribution_conflicts")
    # Records arrive unattributed (column defaults): only a re-attribution has rows to reset, and rewriting
    # millions of untouched rows would cost minutes.
    db.execute("UPDATE records SET establishment=NULL, recipient=NULL, basis='none', confidence='0', proof=NULL "
               "WHERE basis IS NOT 'none' OR confidence IS NOT '0'")
    if registry is not None:
        _record_registry(store, registry)
        _attribute_by_beacons(store, "canary", _canary_claims(store))
        _extend_to_database_dumps(store, "canary")
        _attribute_by_beacons(store, "watermark", _watermark_claims(store))
        _extend_to_database_dumps(store, "watermark")
        _attribute_by_identifiers(store, registry)
    for column in INDEXED_RECORD_COLUMNS:  # the window sorts and filters millions of records on these
        db.execute(f"CREATE INDEX IF NOT EXISTS records_{column} ON records({column})")
    store.commit()
    counts = {r[0]: r[1] for r in db.execute("SELECT basis, COUNT(*) FROM records GROUP BY basis")}
    store.log("balise", "attribution", {"bases": counts, "registry": bool(registry)})
    return counts


def _record_registry(store: CaseStore, registry) -> None:
    store.set_meta("registry_authority", registry.authority)
    store.set_meta("registry_version", str(registry.version))
    store.set_meta("registry_key_id", registry.key_id or "")
    store.set_meta("registry_signature", "ok")
    for est in registry.establishments.values():
        store.set_meta(f"establishment:{est.finess}", est.name)


def _container_of(store: CaseStore, item_id: int, locator: str, table: str) -> Container:
    row = store.db.execute("SELECT kind FROM items WHERE id=?", (item_id,)).fetchone()
    if row is not None and row[0] == "dicom":
        rec = store.db.execute("SELECT dicom_uid FROM records WHERE item_id=? AND locator=?", (item_id, locator)).fetchone()
        if rec is not None and rec[0]:
            return Container(None, "", rec[0])
    return Container(item_id, table or "")


def _canary_claims(store: CaseStore) -> dict[Container, list[dict]]:
    claims: dict[Container, list[dict]] = defaultdict(list)
    for r in store.db.execute("SELECT beacon_id, establishment, recipient, item_id, locator, container FROM beacon_hits "
                              "WHERE status='confirmed' AND kind='canary-patient'").fetchall():
        c = _container_of(store, r["item_id"], r["locator"], r["container"])
        claims[c].append({"beacon_id": r["beacon_id"], "establishment": r["establishment"],
                          "recipient": r["recipient"], "locator": r["locator"]})
    return claims


def _watermark_claims(store: CaseStore) -> dict[Container, list[dict]]:
    claims: dict[Container, list[dict]] = defaultdict(list)
    for r in store.db.execute("SELECT item_id, locator, container, kind, establishment, recipient, p_value, fraction, "
                              "rows, detail FROM watermark_hits WHERE p_value < ?", (WATERMARK_THRESHOLD,)).fetchall():
        c = _container_of(store, r["item_id"], r["locator"], r["container"])
        detail = json.loads(r["detail"] or "{}")
        claims[c].append({"kind": r["kind"], "establishment": r["establishment"], "recipient": r["recipient"],
                          "p_value": r["p_value"], "log10_p": detail.get("log10_p"), "fraction": r["fraction"],
                          "rows": r["rows"]})
    return claims


def _attribute_by_beacons(store: CaseStore, basis: str, claims: dict[Container, list[dict]]) -> None:
    db = store.db
    for container, hits in claims.items():
        vpath = _vpath(store, container.item_id) if container.item_id else ""
        establishments = sorted({h["establishment"] for h in hits})
        if len(establishments) > 1:
            db.execute("INSERT INTO attribution_conflicts(item_id, container, basis, establishments, detail) "
                       "VALUES(?,?,?,?,?)", (container.item_id, container.label(vpath), basis,
                                             json.dumps(establishments), json.dumps(hits, default=str)))
            store.log("balise", "attribution-conflict", {"container": container.label(vpath), "basis": basis,
                                                         "establishments": establishments})
            continue
        recipients = sorted({h["recipient"] or "" for h in hits})
        recipient = recipients[0] or None if len(recipients) == 1 else None
        proof = {"basis": basis, "container": container.label(vpath), "item": vpath}
        if basis == "canary":
            proof["beacons"] = sorted({h["beacon_id"] for h in hits})
            proof["found_at"] = sorted({h["locator"] for h in hits})[:20]
        else:
            best = min(hits, key=lambda h: (h["p_value"], h.get("log10_p") or 0))
            proof.update({"p_value": best["p_value"], "fraction": best["fraction"], "rows": best["rows"],
                          "mark": best["kind"]})
            if best.get("log10_p") is not None:  # the p-value itself underflows to 0 on large tables
                proof["log10_p"] = round(best["log10_p"], 1)
        if len(recipients) > 1:
            proof["recipients_seen"] = [r or None for r in recipients]
        where, params = container.where()
        db.execute(f"UPDATE records SET establishment=?, recipient=?, basis=?, confidence=?, proof=? "
                   f"WHERE basis='none' AND {where}",
                   (establishments[0], recipient, basis, CONFIDENCE[basis], json.dumps(proof, ensure_ascii=False),
                    *params))


def _extend_to_database_dumps(store: CaseStore, basis: str) -> None:
    """A SQL dump is one database taken from one system: a beacon proven in one of its tables vouches for the
    dump's other tables too (stays, results linked by patient number), unless its tables disagree."""
    db = store.db
    rows = db.execute(
        "SELECT r.item_id, r.establishment, r.recipient, MIN(r.tbl) FROM records r JOIN items i ON i.id=r.item_id "
        "WHERE i.kind='sql-dump' AND r.basis=? GROUP BY r.item_id, r.establishment, r.recipient", (basis,)).fetchall()
    by_item: dict[int, list[tuple]] = defaultdict(list)
    for item_id, est, recipient, table in rows:
        by_item[item_id].append((est, recipient, table))
    for item_id, claims in by_item.items():
        conflicts = db.execute("SELECT COUNT(*) FROM attribution_conflicts WHERE item_id=?", (item_id,)).fetchone()[0]
        if len({c[0] for c in claims}) != 1 or conflicts:
            continue
        est, recipient, table = claims[0]
        if len({c[1] for c in claims}) > 1:
            recipient = None
        proof = {"basis": basis, "container": f"{_vpath(store, item_id)} (database dump)",
                 "item": _vpath(store, item_id), "via_table": table,
                 "note": "same database dump as the table where the beacon was found"}
        db.execute("UPDATE records SET establishment=?, recipient=?, basis=?, confidence=?, proof=? "
                   "WHERE item_id=? AND basis='none'",
                   (est, recipient, basis, CONFIDENCE[basis], json.dumps(proof, ensure_ascii=False), item_id))


def _vpath(store: CaseStore, item_id: int | None) -> str:
    row = store.db.execute("SELECT vpath FROM items WHERE id=?", (item_id,)).fetchone()
    return row[0] if row else ""


def _attribute_by_identifiers(store: CaseStore, registry) -> None:
    """Explicit identifiers inside each still-unattributed record, then registered numbering patterns."""
    db = store.db
    cache: dict[tuple[str, str], object] = {}

    def lookup(how: str, value: str):
        key = (how, value)
        if key not in cache:
            finder = {"finess": registry.by_finess, "hl7": registry.by_hl7_facility, "uid": registry.by_dicom_uid,
                      "name": registry.by_name}[how]
            try:
                cache[key] = finder(value)
            except (ValueError, TypeError):
                cache[key] = None
        return cache[key]

    updates: list[tuple] = []
    rows = db.execute("SELECT id, facility_finess, facility_code, facility_name, dicom_uid, ipp FROM records "
                      "WHERE basis='none'")
    while batch := rows.fetchmany(20_000):
        for rid, finess, code, name, uid, ipp in batch:
            found = _explicit(lookup, finess, code, uid, name)
            if found is not None:
                est, field, value = found
                proof = {"basis": "identifier", "field": field, "value": value}
                updates.append((est.finess, "identifier", CONFIDENCE["identifier"], json.dumps(proof), rid))
                continue
            if ipp:
                matches = registry.by_ipp(ipp)
                if len(matches) == 1:
                    proof = {"basis": "pattern", "field": "ipp", "note": "numbering format only: weak evidence"}
                    updates.append((matches[0].finess, "pattern", CONFIDENCE["pattern"], json.dumps(proof), rid))
    db.executemany("UPDATE records SET establishment=?, basis=?, confidence=?, proof=? WHERE id=?", updates)


def _explicit(lookup, finess: str | None, code: str | None, uid: str | None, name: str | None):
    candidates: Iterable[tuple[str, str | None, str]] = (
        ("finess", finess, "facility_finess"), ("hl7", code, "facility_code"), ("uid", uid, "dicom_uid"),
        ("name", name, "facility_name"))
    for how, value, field in candidates:
        if value:
            est = lookup(how, value)
            if est is not None:
                return est, field, value
    return None
