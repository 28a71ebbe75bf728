"""Aggregates of a case read with SQL (bounded memory whatever the number of records or items).

Each function takes the case store's connection (rows as ``sqlite3.Row``) and returns plain data. The report
model (:mod:`workbench.report.model`) and the PDF sections are built from these.
"""

from __future__ import annotations

import ast
import json
import sqlite3
from typing import Any

from workbench.report.i18n import CATEGORIES

# A date the span and the histogram trust: yyyy-mm-dd with a plausible year.
_DATE_GLOB = "[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]*"
# String instances of a YARA finding (meta "matches"), 1 when the meta does not say.
_MATCHES = ("COALESCE(CASE WHEN json_valid({t}meta) THEN CAST(json_extract({t}meta, '$.matches') AS INTEGER) END, 1)")


def table_exists(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def category_counts(db: sqlite3.Connection, establishment: str | None = None) -> dict[str, dict[str, int]]:
    """Records and distinct patients per data category (optionally of one establishment)."""
    parts = []
    for cat in CATEGORIES:
        cond = f"(',' || REPLACE(categories, ' ', '') || ',') LIKE '%,{cat},%'"
        parts.append(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)")
        parts.append(f"COUNT(DISTINCT CASE WHEN {cond} THEN patient_key END)")
    where, params = ("WHERE establishment=?", (establishment,)) if establishment else ("", ())
    row = db.execute(f"SELECT {', '.join(parts)} FROM records {where}", params).fetchone()
    out = {}
    for i, cat in enumerate(CATEGORIES):
        out[cat] = {"records": row[2 * i] or 0, "patients": row[2 * i + 1] or 0}
    return out


def date_span(db: sqlite3.Connection, establishment: str | None = None) -> dict[str, str | None]:
    """Earliest and latest event dates of the records (yyyy-mm-dd); the latest bounds when the data was taken."""
    where = "AND establishment=?" if establishment else ""
    params = (establishment,) if establishment else ()
    first = db.execute(f"SELECT MIN(substr(event_first, 1, 10)) FROM records WHERE event_first GLOB ? {where}",
                       (_DATE_GLOB, *params)).fetchone()[0]
    last = db.execute(f"SELECT MAX(substr(COALESCE(event_last, event_first), 1, 10)) FROM records "
                      f"WHERE COALESCE(event_last, event_first) GLOB ? {where}", (_DATE_GLOB, *params)).fetchone()[0]
    if first is None:  # records with only an event_last
        first = db.execute(f"SELECT MIN(substr(event_last, 1, 10)) FROM records WHERE event_last GLOB ? {where}",
                           (_DATE_GLOB, *params)).fetchone()[0]
    return {"first": first, "last": last}


def date_histogram(db: sqlite3.Connection) -> dict[str, int]:
    """Records per month (``yyyy-mm``) of their latest date."""
    return {r[0]: r[1] for r in db.execute(
        "SELECT substr(COALESCE(event_last, event_first), 1, 7) AS m, COUNT(*) FROM records "
        "WHERE COALESCE(event_last, event_first) GLOB ? GROUP BY m ORDER BY m", (_DATE_GLOB,))}


def establishment_stats(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """Per attributed establishment: records, patients, bases (count and confidence range), recipients, span."""
    ests: dict[str, dict[str, Any]] = {}
    for r in db.execute("SELECT establishment, COUNT(*), COUNT(DISTINCT patient_key) FROM records "
                        "WHERE establishment IS NOT NULL GROUP BY establishment ORDER BY 2 DESC, 1"):
        ests[r[0]] = {"finess": r[0], "records": r[1], "patients": r[2], "bases": {}, "recipients": {}}
    for r in db.execute("SELECT establishment, COALESCE(basis, 'none'), COUNT(*), MIN(CAST(confidence AS REAL)), "
                        "MAX(CAST(confidence AS REAL)) FROM records WHERE establishment IS NOT NULL "
                        "GROUP BY 1, 2 ORDER BY 3 DESC"):
        ests[r[0]]["bases"][r[1]] = {"records": r[2], "confidence_min": r[3], "confidence_max": r[4]}
    for r in db.execute("SELECT establishment, recipient, COUNT(*) FROM records WHERE establishment IS NOT NULL "
                        "GROUP BY 1, 2 ORDER BY 3 DESC"):
        ests[r[0]]["recipients"][r[1] or ""] = r[2]
    for e in ests.values():
        e["name"] = _meta(db, f"establishment:{e['finess']}")
        e["span"] = date_span(db, e["finess"])
    return list(ests.values())


def unattributed(db: sqlite3.Connection) -> dict[str, int]:
    row = db.execute("SELECT COUNT(*), COUNT(DISTINCT patient_key) FROM records WHERE establishment IS NULL").fetchone()
    return {"records": row[0], "patients": row[1]}


def proof_samples(db: sqlite3.Connection, finess: str, basis: str, limit: int = 5) -> list[dict[str, Any]]:
    """A few distinct proofs of one establishment for one basis (identifier, pattern)."""
    seen: dict[str, dict[str, Any]] = {}
    for (text,) in db.execute("SELECT proof FROM records WHERE establishment=? AND basis=? AND proof IS NOT NULL "
                              "LIMIT 500", (finess, basis)):
        try:
            proof = json.loads(text)
        except (TypeError, ValueError):
            proof = {"proof": str(text)}
        key = json.dumps(proof, sort_keys=True, default=str)
        if key not in seen:
            seen[key] = proof if isinstance(proof, dict) else {"proof": proof}
        if len(seen) >= limit:
            break
    return list(seen.values())


def beacon_hits(db: sqlite3.Connection, finess: str, limit: int = 100,
                max_locators: int = 6) -> tuple[list[dict[str, Any]], int]:
    """Canary matches of one establishment grouped by (beacon, item, status), confirmed first, with the
    locators where each was found and the first matched record's person fields. Returns (groups, all groups)."""
    group = "GROUP BY b.beacon_id, b.item_id, b.status"
    total = db.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM beacon_hits b WHERE b.establishment=? {group})",
                       (finess,)).fetchone()[0]
    rows = db.execute(
        "SELECT b.beacon_id, b.status, b.item_id, MIN(b.id) AS first_id, COUNT(*) AS n, i.vpath "
        f"FROM beacon_hits b LEFT JOIN items i ON i.id=b.item_id WHERE b.establishment=? {group} "
        "ORDER BY CASE b.status WHEN 'confirmed' THEN 0 ELSE 1 END, MIN(b.id) LIMIT ?", (finess, limit)).fetchall()
    out = []
    for r in rows:
        first = db.execute("SELECT recipient, locator, container, kind, fields FROM beacon_hits WHERE id=?",
                           (r["first_id"],)).fetchone()
        locators = [x[0] for x in db.execute(
            "SELECT locator FROM beacon_hits WHERE establishment=? AND beacon_id=? AND item_id IS ? AND status=? "
            "ORDER BY id LIMIT ?", (finess, r["beacon_id"], r["item_id"], r["status"], max_locators))]
        person = db.execute("SELECT nir, family_name, given_name FROM records WHERE item_id=? AND locator=? LIMIT 1",
                            (r["item_id"], first["locator"])).fetchone()
        out.append({"beacon_id": r["beacon_id"], "kind": first["kind"], "recipient": first["recipient"],
                    "locators": locators, "hits": r["n"], "container": first["container"], "status": r["status"],
                    "fields": _json_list(first["fields"]), "item": r["vpath"],
                    "nir": person["nir"] if person else None,
                    "family_name": person["family_name"] if person else None,
                    "given_name": person["given_name"] if person else None})
    return out, total


def beacon_summary(db: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """Per establishment: distinct beacons confirmed and partial."""
    out: dict[str, dict[str, int]] = {}
    for r in db.execute("SELECT establishment, status, COUNT(DISTINCT beacon_id) FROM beacon_hits GROUP BY 1, 2"):
        out.setdefault(r[0], {})[r[1]] = r[2]
    return out


def watermark_hits(db: sqlite3.Connection, finess: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    where, params = ("WHERE w.establishment=?", (finess,)) if finess else ("", ())
    return [{"item": r["vpath"], "locator": r["locator"], "container": r["container"], "kind": r["kind"],
             "establishment": r["establishment"], "recipient": r["recipient"], "rows": r["rows"],
             "p_value": r["p_value"], "fraction": r["fraction"]}
            for r in db.execute(f"SELECT w.*, i.vpath FROM watermark_hits w LEFT JOIN items i ON i.id=w.item_id "
                                f"{where} ORDER BY w.p_value, w.id LIMIT ?", (*params, limit))]


def conflicts(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """Containers holding beacons of several establishments (the table exists only when attribution found some)."""
    if not table_exists(db, "attribution_conflicts"):
        return []
    cols = [r[1] for r in db.execute("PRAGMA table_info(attribution_conflicts)")]
    out = []
    for r in db.execute("SELECT * FROM attribution_conflicts LIMIT 500"):
        row = dict(zip(cols, r, strict=True))
        ests = row.get("establishments")
        try:
            parsed = json.loads(ests) if isinstance(ests, str) else ests
        except ValueError:
            parsed = [e.strip() for e in str(ests).split(",") if e.strip()]
        row["establishments"] = parsed if isinstance(parsed, list) else [str(parsed)]
        if "item_id" in row and "item" not in row:
            item = db.execute("SELECT vpath FROM items WHERE id=?", (row["item_id"],)).fetchone()
            row["item"] = item[0] if item else None
        out.append(row)
    return out


def registry_info(meta: dict[str, str]) -> dict[str, Any] | None:
    if not meta.get("registry_path") and not meta.get("registry_authority"):
        return None
    return {"path": meta.get("registry_path"), "authority": meta.get("registry_authority"),
            "version": meta.get("registry_version"), "signature": meta.get("registry_signature"),
            "key_id": meta.get("registry_key_id")}


def bounds_info(meta: dict[str, str]) -> dict[str, Any] | None:
    """The scan's bounds, stored as JSON or as a Python dict literal (never evaluated, only parsed)."""
    text = meta.get("bounds")
    if not text:
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, TypeError):
            continue
        if isinstance(value, dict):
            return value
    return {"bounds": text}


def rule_stats(db: sqlite3.Connection, limit: int = 60, top: int = 3) -> list[dict[str, Any]]:
    """Per (detector, rule): findings, items, matches, worst severity, the top items and the first excerpt."""
    rules = []
    for r in db.execute(
            "SELECT detector, rule, COUNT(*), COUNT(DISTINCT item_id), "
            f"SUM({_MATCHES.format(t='')}), "
            "MAX(CASE severity WHEN 'high' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END), MIN(id) "
            "FROM findings GROUP BY detector, rule ORDER BY 4 DESC, 3 DESC "
            "LIMIT ?", (limit,)):
        rules.append({"detector": r[0], "rule": r[1], "findings": r[2], "items": r[3], "matches": r[4],
                      "severity": ("info", "warning", "high")[r[5] or 0], "first_id": r[6], "top_items": []})
    for rule in rules:
        rule["top_items"] = [
            {"item": t[0], "matches": t[1]} for t in db.execute(
                f"SELECT i.vpath, SUM({_MATCHES.format(t='f.')}) AS n "
                "FROM findings f JOIN items i ON i.id=f.item_id WHERE f.detector=? AND f.rule=? "
                "GROUP BY f.item_id ORDER BY n DESC, f.item_id LIMIT ?",
                (rule["detector"], rule["rule"], top))]
        ex = db.execute("SELECT excerpt FROM findings WHERE id=?", (rule.pop("first_id"),)).fetchone()
        rule["excerpt"] = ex[0] if ex else None
    return rules


def rule_count(db: sqlite3.Connection) -> int:
    return db.execute("SELECT COUNT(*) FROM (SELECT 1 FROM findings GROUP BY detector, rule)").fetchone()[0]


def top_identifiers(db: sqlite3.Connection, types: tuple[str, ...] = ("nir", "iban", "email", "phone"),
                    per_type: int = 5) -> list[dict[str, Any]]:
    out = []
    for t in types:
        for r in db.execute("SELECT value, SUM(count) AS n, COUNT(DISTINCT item_id) FROM identifiers WHERE type=? "
                            "GROUP BY value ORDER BY n DESC, value LIMIT ?", (t, per_type)):
            out.append({"type": t, "value": r[0], "hits": r[1], "items": r[2]})
    return out


def item_status_counts(db: sqlite3.Connection) -> dict[str, int]:
    return {r[0] or "unknown": r[1] for r in db.execute("SELECT status, COUNT(*) FROM items GROUP BY status "
                                                        "ORDER BY 2 DESC")}


def evidence_file_counts(db: sqlite3.Connection) -> dict[int, int]:
    return {r[0]: r[1] for r in db.execute("SELECT evidence_id, COUNT(*) FROM evidence_files GROUP BY evidence_id")}


def detectors_seen(db: sqlite3.Connection) -> list[str]:
    seen = [r[0] for r in db.execute("SELECT DISTINCT detector FROM findings ORDER BY 1") if r[0]]
    if db.execute("SELECT 1 FROM identifiers LIMIT 1").fetchone():
        seen.append("identifiers")
    if db.execute("SELECT 1 FROM records LIMIT 1").fetchone():
        seen.append("records")
    if db.execute("SELECT 1 FROM beacon_hits LIMIT 1").fetchone():
        seen.append("canary")
    if db.execute("SELECT 1 FROM watermark_hits LIMIT 1").fetchone():
        seen.append("watermark")
    return sorted(set(seen))


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM case_meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def _json_list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return [str(text)]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
