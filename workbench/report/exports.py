"""Writes the exports of a case: report.json, the records CSV and the PDF, all from one report model."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from workbench.engine.store import report_queries
from workbench.engine.store.custody import verify_case, verify_chain
from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.reader import CaseReader
from workbench.report.model import ReportModel, build_report_model, report_json, scope_to_establishment
from workbench.report.redact import Redactor

RECORDS_CSV_HEADER = ["item", "locator", "establishment", "recipient", "basis", "confidence"]
CSV_BATCH_ROWS = 50_000


def write_json(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


def csv_dialect(excel: bool, lang: str) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV output. For Excel: UTF-8 with a byte-order mark (without it Excel reads
    UTF-8 as Windows-1252 and garbles accents: ``UnitÃ©``), and ``;`` in French, where Excel's list separator is
    ``;`` because ``,`` is the decimal mark. Otherwise plain UTF-8 and ``,`` (RFC 4180)."""
    if not excel:
        return "utf-8", ","
    return "utf-8-sig", ";" if lang == "fr" else ","


def write_records_csv(source: Path | CaseReader, path: Path, *, establishment: str | None = None,
                      excel: bool = False, lang: str = "fr", unmasked: bool = False,
                      names: frozenset[str] | None = None) -> int:
    """Stream every record's attribution to CSV, one Arrow batch at a time (bounded memory; no identifier
    columns, item paths masked: safe to share). Unattributed records have an empty establishment and the basis
    ``none``. The file is written beside its final name and renamed when complete. ``excel``: see
    :func:`csv_dialect`.

    Item paths are masked like in the report (a file named after a patient's NIR or name,
    ``CR_moreau_BIO-7815491.pdf``) unless ``unmasked``; they are masked once per distinct path, not per record
    (a dump of millions of records has a few thousand items). ``names``: the case's people's names, read from
    the case when not given."""
    if not isinstance(source, CaseReader):
        with CaseReader(Path(source)) as reader:
            return write_records_csv(reader, path, establishment=establishment, excel=excel, lang=lang,
                                     unmasked=unmasked, names=names)
    if names is None and not unmasked:
        names = report_queries.person_names(source)
    shown = _PathMasker(Redactor(unmasked, names or frozenset()))
    encoding, delimiter = csv_dialect(excel, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    n = 0
    try:
        with open(part, "w", newline="", encoding=encoding) as fh:
            writer = csv.writer(fh, delimiter=delimiter)
            writer.writerow(RECORDS_CSV_HEADER)
            for batch in report_queries.record_columns(source, RECORDS_CSV_HEADER, establishment=establishment,
                                                       batch_rows=CSV_BATCH_ROWS):
                # whole columns to Python once per batch; the csv module writes the rows in C
                columns = [batch.column(c).to_pylist() for c in RECORDS_CSV_HEADER]
                columns[0] = shown(columns[0])
                writer.writerows(zip(*columns, strict=True))
                n += batch.num_rows
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return n


class _PathMasker:
    """A column of item paths as the report shows them (:meth:`Redactor.path`), each distinct path once."""

    def __init__(self, red: Redactor) -> None:
        self.red = red
        self.seen: dict[str | None, str | None] = {}

    def __call__(self, values: list) -> list:
        seen = self.seen
        for v in set(values) - seen.keys():
            seen[v] = self.red.path(v) if v else v
        return [seen[v] for v in values]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(2**20), b""):
            h.update(chunk)
    return h.hexdigest()


def verified_model(case_dir: Path) -> ReportModel:
    """The report model after a verification of the case (custody chain, and a re-hash of every evidence,
    recorded in the custody log when the chain is intact)."""
    check = verify_case(case_dir, record=True)
    with CaseStore(case_dir, create=False) as store:
        check.chain = verify_chain(store)  # again: the verification just appended its own entries
    return build_report_model(case_dir, check=check)


def write_reports(case_dir: Path, *, json_path: Path | None = None, pdf_path: Path | None = None,
                  records_csv: Path | None = None, lang: str = "fr", unmasked: bool = False,
                  establishment: str | None = None, excel: bool = False) -> dict[str, Path]:
    """Write the requested exports from one report model; each file written (PDF, its CSV item annex, JSON,
    records CSV) is logged in the custody log with its SHA-256.

    With a PDF, the case is first re-verified (evidence re-hashed) and the JSON carries that verification too.
    ``establishment`` (a FINESS): the report for that establishment's data controller only (its records and
    people in detail, the others as counts; the records CSV holds its records only); ``ValueError`` when no
    record is attributed to it."""
    case_dir = Path(case_dir)
    if pdf_path is not None:
        from workbench.report.i18n import Tr

        Tr(lang)  # an unknown language is refused before anything is re-hashed or written
    written: dict[str, Path] = {}
    model = verified_model(case_dir) if pdf_path is not None else build_report_model(case_dir)
    if establishment:
        with CaseReader(case_dir) as reader:
            model = scope_to_establishment(model, establishment, reader)
    names: frozenset[str] = frozenset()  # read once for every file: paths named after a patient are masked
    if not unmasked:
        with CaseReader(case_dir) as reader:
            names = report_queries.person_names(reader)
    if json_path is not None:
        write_json(report_json(model, unmasked=unmasked, names=names), json_path)
        written["json"] = json_path
    if records_csv is not None:
        write_records_csv(case_dir, records_csv, establishment=establishment or None, excel=excel, lang=lang,
                          unmasked=unmasked, names=names)
        written["records-csv"] = records_csv
    if pdf_path is not None:
        from workbench.report.pdf import render_pdf

        for kind, path in render_pdf(case_dir, pdf_path, lang=lang, unmasked=unmasked, model=model,
                                     names=names).items():
            written[kind] = path
    with CaseStore(case_dir, create=False) as store:
        for kind, path in written.items():
            store.log("balise", "report-written", {"kind": kind, "path": str(Path(path).resolve()),
                                                   "sha256": file_sha256(Path(path)), "lang": lang, "unmasked": unmasked,
                                                   **({"establishment": establishment} if establishment else {})})
    return written
