"""What every exporter reads: the open case reader, the typed report model, and the export's options.

The masking of the exports is decided here once: identifiers (and anything that looks like one in an item's
path: a file named after a patient's NIR or e-mail) are masked unless the export was asked unmasked with a
reason. Hashes, sizes and establishment FINESS numbers are never masked (they identify files and
establishments, not persons).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.engine.masking import mask_text
from workbench.engine.store import export_queries
from workbench.engine.store.reader import CaseReader
from workbench.report.model import ReportModel

TLP_LEVELS = ("clear", "white", "green", "amber", "amber+strict", "red")
PAP_LEVELS = ("clear", "white", "green", "amber", "red")


class ExportError(Exception):
    """An export that cannot be written (unknown format, no case, unmasked without a reason): one line to show."""


@dataclass(frozen=True)
class ExportOptions:
    """``tlp``/``pap``: the sharing labels (TLP 2.0 and PAP) of STIX and MISP exports. Default amber: a leak of
    health data goes to the recipient's organisation and its clients on a need-to-know basis, not further."""
    tlp: str = "amber"
    pap: str = "amber"
    unmasked: bool = False
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.tlp not in TLP_LEVELS:
            raise ExportError(f"unknown TLP level {self.tlp!r} (one of {', '.join(TLP_LEVELS)})")
        if self.pap not in PAP_LEVELS:
            raise ExportError(f"unknown PAP level {self.pap!r} (one of {', '.join(PAP_LEVELS)})")


@dataclass(frozen=True)
class ExportResult:
    format: str
    out: Path
    files: dict[str, str] = field(default_factory=dict)  # absolute path -> SHA-256

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "out": str(self.out), "files": dict(self.files)}


@dataclass
class ExportSource:
    case_dir: Path
    reader: CaseReader
    model: ReportModel
    options: ExportOptions

    def label(self, text: str | None) -> str:
        """An item path or name as an export shows it: identifier-like tokens masked unless unmasked."""
        if text is None:
            return ""
        return text if self.options.unmasked else mask_text(text)

    def items(self) -> Iterator[dict[str, Any]]:
        """Every item with its hashes, in id order (streamed)."""
        for batch in export_queries.iter_export_items(self.reader):
            yield from batch

    def findings(self) -> Iterator[dict[str, Any]]:
        for batch in export_queries.all_findings(self.reader):
            yield from batch

    @property
    def scan_times(self) -> dict[str, Any]:
        return export_queries.scan_tasks(self.reader)

    @property
    def case_name(self) -> str:
        case = self.model.case
        return case.get("case_number") or case.get("title") or self.case_dir.name
