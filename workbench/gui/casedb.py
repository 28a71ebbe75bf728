"""The open case as the window sees it, read through :class:`workbench.engine.store.reader.CaseReader` (no SQL
here): a reader opened once per case, used from the UI thread and the viewer's job (it locks itself)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.engine.store.browse import CaseOpenError, create_case, open_case
from workbench.engine.store.reader import CaseReader
from workbench.engine.store.reader import is_case as _is_case

__all__ = ["CaseOpenError", "CaseState", "case_state", "create_case", "is_case", "open_case", "user_rule_paths"]


def is_case(folder: Path) -> bool:
    return _is_case(Path(folder))


@dataclass
class CaseState:
    meta: dict[str, str]
    evidence: list[dict]
    items: int
    records: int
    findings: int
    errors: int
    tasks_total: int
    tasks_done: int

    @property
    def interrupted(self) -> bool:
        """Some planned work was never finished: a second scan resumes it."""
        return self.tasks_total > self.tasks_done


def case_state(reader: CaseReader) -> CaseState:
    counts = reader.counts()
    cols = ("id", "path", "is_dir", "size", "sha256", "acquired_utc", "unchanged")
    evidence = [{k: e.get(k) for k in cols} for e in reader.evidence()]
    return CaseState(reader.meta(), evidence, counts.items, counts.records, counts.findings, counts.errors,
                     counts.tasks_total, counts.tasks_done)


def user_rule_paths(reader: CaseReader) -> list[Path]:
    """The analyst's own rule files used by the last scan (to resume with the same rules)."""
    return reader.user_rule_paths()
