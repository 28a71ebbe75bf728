"""Typed events a scan worker sends to the main process (picklable dataclasses, nothing else).

Results in bulk (records, identifiers, beacon evidence) never travel as events: the worker writes them into the
task's Parquet shards (:mod:`workbench.engine.store.shards`) and only says, at the end of the task, how many rows
each table got. Events stay small, so the bounded queue never holds more than a few megabytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.engine.model import Finding, ItemError, ItemInfo
from workbench.engine.store.shards import ShardFile


@dataclass(frozen=True)
class WorkerReady:
    worker_id: int


@dataclass(frozen=True)
class WorkerFatal:
    """The worker could not build its detectors (bad rules or registry): the scan stops."""

    worker_id: int
    error: str


@dataclass(frozen=True)
class TaskStarted:
    worker_id: int
    task_key: str


@dataclass(frozen=True)
class ItemScanned:
    """One item of the tree with its findings and errors (its identifiers went to the task's shard)."""

    task_key: str
    info: ItemInfo
    findings: list[Finding] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)


@dataclass(frozen=True)
class ContainerScanned:
    """The YARA findings on the own bytes of a zip split into member tasks (its item was stored by the plan):
    they replace any of an earlier, interrupted run."""

    task_key: str
    vpath: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)


@dataclass(frozen=True)
class ErrorNoted:
    """An error line about an item that another task records: a damaged solid block of a 7z split by blocks is
    the archive's error (as when one task walks it whole), found by the task reading that block."""

    task_key: str
    error: ItemError


@dataclass(frozen=True)
class RangeScanned:
    """What one range task of a split file found beyond its shards (text_split): findings and errors of the item,
    which the item's own task stores; an error makes the item partial, as in a walk of the whole file."""

    task_key: str
    vpath: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)


@dataclass(frozen=True)
class TaskProgress:
    task_key: str
    nbytes: int
    current: str


@dataclass(frozen=True)
class ShardsWritten:
    """The task's shards are in place: rows per table, records per item (for the item tree's counts)."""

    task_key: str
    rows: dict[str, int]
    records_per_item: dict[str, int]
    files: list[ShardFile] = field(default_factory=list)


@dataclass(frozen=True)
class TaskDone:
    worker_id: int
    task_key: str
    error: str | None = None


@dataclass(frozen=True)
class TaskCancelled:
    worker_id: int
    task_key: str


WorkerEvent = WorkerReady | WorkerFatal | TaskStarted | ItemScanned | ContainerScanned | ErrorNoted | RangeScanned \
    | TaskProgress | ShardsWritten | TaskDone | TaskCancelled

__all__ = ["ContainerScanned", "ErrorNoted", "ItemScanned", "RangeScanned", "ShardsWritten", "TaskCancelled", "TaskDone",
           "TaskProgress", "TaskStarted",
           "WorkerEvent", "WorkerFatal", "WorkerReady"]
