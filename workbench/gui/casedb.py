"""The open case as the window sees it, read through :class:`workbench.engine.store.reader.CaseReader` (no SQL
here): a reader opened once per case, used from the UI thread and the viewer's job (it locks itself)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.engine.store.browse import (
    CaseOpenError,
    Condition,
    TablePager,
    create_case,
    last_scan,
    open_case,
)
from workbench.engine.store.reader import CaseCounts, CaseReader
from workbench.engine.store.reader import is_case as _is_case

__all__ = ["CaseOpenError", "CaseState", "case_state", "create_case", "filtered_count", "is_case", "last_scan",
           "open_case", "person_names", "user_rule_paths"]


def is_case(folder: Path) -> bool:
    return _is_case(Path(folder))


@dataclass(frozen=True)
class CaseState:
    """What the window shows of a case: its metadata, its evidence and the reader's counts (``state.items``,
    ``state.records``, ``state.interrupted``... are those of :class:`CaseCounts`)."""

    meta: dict[str, str]
    evidence: list[dict]
    counts: CaseCounts

    def __getattr__(self, name: str):
        return getattr(self.counts, name)


def case_state(reader: CaseReader) -> CaseState:
    cols = ("id", "path", "is_dir", "size", "sha256", "acquired_utc", "unchanged")
    evidence = [{k: e.get(k) for k in cols} for e in reader.evidence()]
    return CaseState(reader.meta(), evidence, reader.counts())


def user_rule_paths(reader: CaseReader) -> list[Path]:
    """The analyst's own rule files used by the last scan (to resume with the same rules)."""
    return reader.user_rule_paths()


def person_names(case_dir: Path) -> frozenset[str]:
    """The names of the case's people (family, birth and given names, folded), with which item paths named after a
    patient are masked, as the PDF report masks them. Read through a reader of its own with one DuckDB thread: it
    runs on a job thread while the window's reader serves the tables (0.2 s for 858,506 records)."""
    from workbench.engine.store.report_queries import person_names as names_of

    with CaseReader(Path(case_dir), threads=1) as reader:
        return names_of(reader)


def filtered_count(case_dir: Path, table: str, labels: dict[str, dict[str, str]], text: str,
                   condition: Condition | None) -> int:
    """The exact number of rows of a filtered table, counted through a reader of its own with one DuckDB thread:
    it runs on a job thread while the window's reader serves the pages, which stream in without waiting for it
    (the first 100 matching rows are shown as "100+ rows" until this count arrives)."""
    with CaseReader(Path(case_dir), threads=1) as reader:
        pager = TablePager(reader, table)
        pager.set_labels(labels)
        return pager.count(filter=text, where=condition)
