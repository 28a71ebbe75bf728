"""The export formats and the one function that writes an export of a case and logs it in the custody chain."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from pathlib import Path

from workbench.engine.store import CaseReader, CaseReadError, CaseStore, OldCaseError
from workbench.exports.source import ExportError, ExportOptions, ExportResult, ExportSource
from workbench.report.model import build_report_model

# format name -> (module with ``write(source: ExportSource, out: Path) -> list[Path]``, what it writes)
FORMATS: dict[str, tuple[str, str]] = {
    "stix": ("workbench.exports.stix", "STIX 2.1 bundle (JSON)"),
    "misp": ("workbench.exports.misp", "MISP event (JSON)"),
    "case-uco": ("workbench.exports.caseuco", "CASE/UCO provenance (JSON-LD)"),
    "dfxml": ("workbench.exports.dfxml", "DFXML listing of every item (XML)"),
    "features": ("workbench.exports.features", "bulk_extractor-style feature files (a folder)"),
}


def writer(fmt: str) -> Callable[[ExportSource, Path], list[Path]]:
    """The ``write`` function of one format (imported only when used: stix2 and pymisp take ~1 s to import)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    return importlib.import_module(FORMATS[fmt][0]).write


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(2**20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_case(case_dir: Path, fmt: str, out: Path, options: ExportOptions | None = None) -> ExportResult:
    """Write one export of a case. An unmasked export is refused without a reason; the reason is logged in the
    custody chain before anything is written, and every file written is logged with its SHA-256 after."""
    options = options or ExportOptions()
    case_dir = Path(case_dir)
    write = writer(fmt)
    if options.unmasked and not (options.reason or "").strip():
        raise ExportError("an unmasked export needs a reason (--reason)")
    if not (case_dir / "case.sqlite").is_file():
        raise ExportError(f"no case in {case_dir}")
    try:
        if options.unmasked:
            with CaseStore(case_dir, create=False) as store:
                store.log("balise", "export-unmasked", {"format": fmt, "path": str(Path(out).resolve()),
                                                        "reason": options.reason})
        with CaseReader(case_dir) as reader:
            source = ExportSource(case_dir, reader, build_report_model(reader), options)
            written = write(source, Path(out))
    except (CaseReadError, OldCaseError) as exc:
        raise ExportError(str(exc)) from exc
    files = {str(p.resolve()): _sha256(p) for p in written}
    with CaseStore(case_dir, create=False) as store:
        store.log("balise", "export-written", {"format": fmt, "files": files, "unmasked": options.unmasked,
                                               "tlp": options.tlp, "pap": options.pap})
    return ExportResult(fmt, Path(out), files)
