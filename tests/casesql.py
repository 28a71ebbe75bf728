"""Tests read a case through the one reading API: SQL over CaseReader's DuckDB views (records, identifiers,
beacon_hits, watermark_hits, attribution) and the metadata tables copied from SQLite."""

from __future__ import annotations

from pathlib import Path

from workbench.engine.store import CaseReader
from workbench.engine.store.reader import META_TABLES


class _Result:
    def __init__(self, rows: list[tuple]) -> None:
        self._rows = rows

    def fetchall(self) -> list[tuple]:
        return self._rows

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def __iter__(self):
        return iter(self._rows)


class CaseSQL:
    """``execute(sql, params)`` like a DB-API connection, over a case's reader (DuckDB dialect)."""

    def __init__(self, case_dir: Path) -> None:
        self.reader = CaseReader(case_dir)

    def execute(self, sql: str, params=()) -> _Result:
        needs = [t for t in META_TABLES if t in sql]
        return _Result(self.reader.rows(sql, tuple(params), needs=needs))

    def close(self) -> None:
        self.reader.close()


def case_sql(case_dir: Path) -> CaseSQL:
    return CaseSQL(Path(case_dir))
