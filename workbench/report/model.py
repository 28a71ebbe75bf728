"""The report model: every fact of the report, read from the case store as plain data.

``report.json`` is this dictionary; the PDF and the CSV exports are views of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench import TOOL_NAME, __version__
from workbench.engine.casestore import CaseStore
from workbench.report import facts


def build_report(case_dir: Path, *, unmasked: bool = False, finding_limit: int = 10_000) -> dict[str, Any]:
    from workbench.engine.masking import mask_text

    with CaseStore(case_dir, create=False) as store:
        meta = store.all_meta()
        db = store.db
        evidence = [{"path": r["path"], "size": r["size"], "md5": r["md5"], "sha1": r["sha1"], "sha256": r["sha256"],
                     "acquired_utc": r["acquired_utc"], "verified_utc": r["verified_utc"],
                     "unchanged": None if r["unchanged"] is None else bool(r["unchanged"]),
                     "changes": json.loads(r["changes"]) if r["changes"] else []}
                    for r in store.evidence_list()]
        summary = {
            "items": store.count("items"),
            "bytes": sum(e["size"] or 0 for e in evidence),
            "errors": store.count("errors"),
            "records": store.count("records"),
            "patients": db.execute("SELECT COUNT(DISTINCT patient_key) FROM records WHERE patient_key IS NOT NULL")
            .fetchone()[0],
            "items_by_kind": store.items_by_kind(),
        }
        identifiers = {t: store.identifier_totals().get(t, {"hits": 0, "unique": 0})
                       for t in ("nir", "finess", "rpps", "iban", "email", "phone")}
        findings = []
        for r in db.execute("SELECT f.detector, f.rule, f.namespace, f.offset, f.layer, f.excerpt, f.severity, f.tags, "
                            "i.vpath FROM findings f JOIN items i ON i.id=f.item_id ORDER BY f.id LIMIT ?",
                            (finding_limit,)):
            findings.append({"detector": r["detector"], "rule": r["rule"], "namespace": r["namespace"],
                             "item": r["vpath"], "offset": r["offset"], "layer": r["layer"],
                             "severity": r["severity"], "tags": json.loads(r["tags"] or "[]"),
                             "excerpt": r["excerpt"] if unmasked else mask_text(r["excerpt"] or "")})
        errors = [{"item": r["vpath"], "stage": r["stage"], "error": r["error"]} for r in store.errors()]
        rulesets = [dict(r) for r in db.execute("SELECT name, path, sha256, origin FROM rulesets ORDER BY name")]
        establishments = _establishments(db)
        beacons = [{"beacon_id": r["beacon_id"], "kind": r["kind"], "establishment": r["establishment"],
                    "recipient": r["recipient"], "item": r["vpath"], "locator": r["locator"], "status": r["status"],
                    "fields": json.loads(r["fields"] or "[]")}
                   for r in db.execute("SELECT b.*, i.vpath FROM beacon_hits b JOIN items i ON i.id=b.item_id "
                                       "ORDER BY b.id")]
        watermarks = [{"item": r["vpath"], "locator": r["locator"], "kind": r["kind"],
                       "establishment": r["establishment"], "recipient": r["recipient"], "rows": r["rows"],
                       "p_value": r["p_value"], "fraction": r["fraction"]}
                      for r in db.execute("SELECT w.*, i.vpath FROM watermark_hits w JOIN items i ON i.id=w.item_id "
                                          "ORDER BY w.id")]
        return {
            "tool": {"name": TOOL_NAME, "version": __version__},
            "case": {k: meta.get(k) for k in ("case_number", "title", "analyst", "organisation", "created_utc",
                                               "registry_path", "custody_head", "custody_count")},
            "evidence": evidence,
            "summary": summary,
            "identifiers": identifiers,
            "rulesets": rulesets,
            "establishments": establishments,
            "beacons": beacons,
            "watermarks": watermarks,
            "findings": findings,
            "findings_total": store.count("findings"),
            "errors": errors,
            "categories": facts.category_counts(db),
            "date_span": facts.date_span(db),
            "unattributed": facts.unattributed(db),
            "registry": facts.registry_info(meta),
            "conflicts": [{k: v for k, v in c.items() if k != "detail"} for c in facts.conflicts(db)],
        }


def _establishments(db) -> list[dict[str, Any]]:
    out = []
    rows = db.execute("SELECT establishment, COUNT(*) AS n, COUNT(DISTINCT patient_key) AS p FROM records "
                      "WHERE establishment IS NOT NULL GROUP BY establishment ORDER BY n DESC").fetchall()
    for r in rows:
        bases = {b[0]: b[1] for b in db.execute(
            "SELECT basis, COUNT(*) FROM records WHERE establishment=? GROUP BY basis", (r["establishment"],))}
        name_row = db.execute("SELECT value FROM case_meta WHERE key=?", (f"establishment:{r['establishment']}",)).fetchone()
        proofs = db.execute("SELECT DISTINCT proof FROM records WHERE establishment=? AND proof IS NOT NULL LIMIT 50",
                            (r["establishment"],)).fetchall()
        out.append({"finess": r["establishment"], "name": name_row[0] if name_row else None, "records": r["n"],
                    "patients": r["p"], "bases": bases,
                    "evidence": [json.loads(p[0]) for p in proofs]})
    return out
