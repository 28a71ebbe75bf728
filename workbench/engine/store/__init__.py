"""The case store: metadata in SQLite, results in Parquet shards, one reading API (DuckDB inside).

The only package of the project that speaks SQL. Writers: :class:`CaseStore` (the scan's main process:
evidence, items, findings, errors, tasks, custody) and :class:`TaskShards` (a worker: one task's records,
identifiers and beacon evidence). Reader: :class:`CaseReader`, for attribution, the report, the window and the CLI.
"""

from workbench.engine.store.metadata import CaseStore, OldCaseError
from workbench.engine.store.reader import CaseCounts, CaseReader, CaseReadError, is_case
from workbench.engine.store.schema import DB_NAME, RECORD_COLUMNS, SCHEMA_VERSION
from workbench.engine.store.shards import TaskShards, delete_task_shards

__all__ = [
    "CaseCounts", "CaseReadError", "CaseReader", "CaseStore", "DB_NAME", "OldCaseError", "RECORD_COLUMNS", "SCHEMA_VERSION",
    "TaskShards", "delete_task_shards", "is_case",
]
