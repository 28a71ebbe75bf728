"""Writes the exports of a case: report.json, the records CSV and (when available) the PDF."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from workbench.engine.casestore import CaseStore
from workbench.report.model import build_report

RECORDS_CSV_HEADER = ["item", "locator", "establishment", "recipient", "basis", "confidence"]


def write_json(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def write_records_csv(case_dir: Path, path: Path) -> int:
    """Stream every record's attribution to CSV (no identifiers: safe to share)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with CaseStore(case_dir, create=False) as store, open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(RECORDS_CSV_HEADER)
        for row in store.db.execute("SELECT i.vpath, r.locator, r.establishment, r.recipient, r.basis, r.confidence "
                                    "FROM records r JOIN items i ON i.id=r.item_id ORDER BY r.id"):
            writer.writerow([row[0], row[1], row[2] or "", row[3] or "", row[4] or "none", row[5] or ""])
            n += 1
    return n


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(2**20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_reports(case_dir: Path, *, json_path: Path | None = None, pdf_path: Path | None = None,
                  records_csv: Path | None = None, lang: str = "fr", unmasked: bool = False) -> dict[str, Path]:
    """Write the requested exports; each file written (PDF, its CSV item annex, JSON, records CSV) is logged in the
    custody log with its SHA-256."""
    written: dict[str, Path] = {}
    report = build_report(case_dir, unmasked=unmasked)
    if json_path is not None:
        write_json(report, json_path)
        written["json"] = json_path
    if records_csv is not None:
        write_records_csv(case_dir, records_csv)
        written["records-csv"] = records_csv
    if pdf_path is not None:
        from workbench.report.pdf import render_pdf

        for kind, path in render_pdf(case_dir, pdf_path, lang=lang, unmasked=unmasked).items():
            written[kind] = path
    with CaseStore(case_dir, create=False) as store:
        for kind, path in written.items():
            store.log("balise", "report-written", {"kind": kind, "path": str(Path(path).resolve()),
                                                   "sha256": _sha256(Path(path)), "lang": lang, "unmasked": unmasked})
    return written
