"""Small picklable descriptions of scan work, and the cancel token shared by the shells."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.engine.bounds import Bounds


class Cancelled(Exception):
    """Raised inside a job when its cancel token is set."""


class CancelToken:
    """Set by a shell (Ctrl-C, a Cancel button); polled by long jobs between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


CONTAINER_TASK = -1  # ``ScanTask.zip_member`` of the task that scans a split zip's own bytes


@dataclass(frozen=True)
class TarMemberRef:
    """Where one member's bytes lie in a tar (plain, or gzip through a seek index): see tar_split."""

    offset: int  # of the member's data in the uncompressed tar stream
    size: int
    gzip_index: str | None = None  # rapidgzip seek index of a .tar.gz, in the case folder


@dataclass(frozen=True)
class NestedZipRef:
    """One member of a stored zip inside a top-level zip (nested_zip): found by the two central directories."""

    outer_member: int  # index in the outer zip's central directory of the inner zip
    inner_member: int  # index in the inner zip's central directory; CONTAINER_TASK: the inner zip itself
    extracted: str | None = None  # a deflated inner zip decompressed once into the case folder: read there


@dataclass(frozen=True)
class SevenZipRef:
    """Solid blocks ``first``..``last`` of a 7z split by blocks (sevenzip_split); ``first`` CONTAINER_TASK: the
    archive itself, its folder entries and empty files (they lie in no block)."""

    first: int
    last: int


@dataclass(frozen=True)
class TextChunkRef:
    """One byte range of a big CSV or mysqldump split into range tasks (text_split, sql_split). Range 0's task is the item's task: it
    walks the whole file (typing, hash, YARA, the gzip member) and counts identifiers and records of its range only.
    """

    index: int  # the range's number in the file
    start: int  # in the (decompressed) content
    end: int
    rows_before: int  # data rows of the file before the range: its first record is row rows_before + 1
    content_size: int
    layout: Any  # records.csvfile.CsvLayout of the whole file
    item_vpath: str  # the split item (the gzip member's vpath for a .csv.gz)
    gzip_index: str | None = None  # rapidgzip seek index of a .csv.gz, in the case folder
    kind: str = "csv"  # or "sql-dump" (its ``layout`` is then the range's sql_split.SqlRange)


@dataclass(frozen=True)
class ScanTask:
    """One unit of work: a file of an evidence, optionally one member of a top-level zip inside it."""

    key: str
    evidence_id: int
    host_path: str  # the file on the host, opened read-only
    vpath: str  # the item's virtual path
    parent_vpath: str | None
    depth: int
    size: int
    zip_member: int | None = None  # index in the zip's central directory when the task is one member
    # CONTAINER_TASK: the split zip's own bytes (comment, central directory), scanned with the YARA rules
    seq: int = 0  # the task's number in the case (tasks.rowid): the high bits of its records' ids
    tar_member: TarMemberRef | None = None  # one regular member of a big tar or tar.gz
    nested_zip: NestedZipRef | None = None  # one member of a stored zip inside a top-level zip
    sevenzip: SevenZipRef | None = None  # solid blocks of a 7z (the task's vpath is the archive's)
    text_chunk: TextChunkRef | None = None  # one byte range of a big CSV (text_split)


@dataclass
class WorkerSetup:
    """What each worker process needs to build its detectors once (picklable)."""

    tmp_dir: str
    case_dir: str = ""
    bounds: Bounds = field(default_factory=Bounds)
    rule_paths: tuple[str, ...] = ()
    passwords: tuple[bytes, ...] = ()
    registry_path: str | None = None
    # The registry as verified once by the main process (pickled to each worker): the workers neither read the
    # file again nor re-verify it, and cannot see a file swapped after the check.
    registry: Any = None
    spool_memory_limit: int = 16 * 2**20
    evidence_sizes: dict[int, int] = field(default_factory=dict)
    bundled_rules: bool = True
    # The rule set compiled once by the main process (yara_rules.RuleSet): pickled as the paths of its compiled
    # parts in the case's rules cache, which each worker loads instead of compiling.
    ruleset: Any = None
    hash_sets: tuple = ()  # HashSetSpec of the known-good and known-bad sets (workbench.engine.hashsets)

    @property
    def tmp(self) -> Path:
        return Path(self.tmp_dir)
