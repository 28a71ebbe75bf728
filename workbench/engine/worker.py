"""Scan worker: runs tasks in a child process and sends plain-data events to the main process.

A native crash on a hostile file kills this process only; the main process sees it die, records the task as
failed and starts another worker. Events go through a bounded queue, so a slow case store slows the workers
down instead of filling memory.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import zipfile
from typing import Any

from workbench.engine.beacon_scan import BeaconScanner
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Budget, CountingReader
from workbench.engine.detectors import ContentScanner
from workbench.engine.memory import release_memory
from workbench.engine.model import ENTRY_FILE, Finding, IdentifierCounts, ItemError, ItemInfo
from workbench.engine.record_spool import RecordSpool
from workbench.engine.tasks import Cancelled, ScanTask, WorkerSetup
from workbench.engine.walker import Walker, format_exception

# Event tuples (first element is the event name):
#   ("ready", worker_id)
#   ("start", worker_id, task_key)
#   ("item", task_key, ItemInfo, [Finding], IdentifierCounts | None, [ItemError])
#   ("identifiers", task_key, IdentifierCounts)  more distinct values of an item already sent
#   ("records-spool", task_key, path)            the task's records, spooled to a SQLite file
#   ("beacons", task_key, vpath, [dict])          canary hits of an item
#   ("watermarks", task_key, vpath, [dict])       watermark detections of an item
#   ("progress", task_key, nbytes, current_vpath)
#   ("done", worker_id, task_key, error_or_None)
#   ("cancelled", worker_id, task_key)


IDENTIFIER_CHUNK = 50_000  # distinct values per event


def _split_identifiers(counts: IdentifierCounts) -> list[IdentifierCounts]:
    total = sum(len(v) for v in counts.counts.values())
    if total <= IDENTIFIER_CHUNK:
        return [counts]
    chunks: list[IdentifierCounts] = []
    current = IdentifierCounts(counts.vpath)
    size = 0
    for id_type, values in counts.counts.items():
        firsts = counts.first_offset.get(id_type, {})
        for value, n in values.items():
            current.counts.setdefault(id_type, {})[value] = n
            if value in firsts:
                current.first_offset.setdefault(id_type, {})[value] = firsts[value]
            size += 1
            if size >= IDENTIFIER_CHUNK:
                chunks.append(current)
                current, size = IdentifierCounts(counts.vpath), 0
    if size:
        chunks.append(current)
    return chunks


class QueueSink:
    def __init__(self, queue: Any, task_key: str, spool: RecordSpool) -> None:
        self.queue = queue
        self.task_key = task_key
        self.spool = spool

    def item(self, info: ItemInfo, findings: list[Finding], identifiers: IdentifierCounts | None,
             errors: list[ItemError]) -> None:
        chunks = _split_identifiers(identifiers) if identifiers is not None else [None]
        self.queue.put(("item", self.task_key, info, findings, chunks[0], errors))
        for chunk in chunks[1:]:  # a dense item's distinct values, sent in slices: bounded pickles both sides
            self.queue.put(("identifiers", self.task_key, chunk))

    def identifiers(self, counts: IdentifierCounts) -> None:
        for chunk in _split_identifiers(counts):
            self.queue.put(("identifiers", self.task_key, chunk))

    def records(self, vpath: str, frame) -> None:
        self.spool.add(vpath, frame)

    def beacons(self, vpath: str, hits: list[dict]) -> None:
        self.queue.put(("beacons", self.task_key, vpath, hits))

    def watermarks(self, vpath: str, hits: list[dict]) -> None:
        self.queue.put(("watermarks", self.task_key, vpath, hits))

    def progress(self, nbytes: int, current: str) -> None:
        self.queue.put(("progress", self.task_key, nbytes, current))


class WorkerContext:
    """Detectors built once per worker process."""

    def __init__(self, setup: WorkerSetup) -> None:
        self.setup = setup
        self.scanner = ContentScanner(setup.rule_paths, bundled_rules=setup.bundled_rules)
        self.beacons = BeaconScanner.from_registry_path(setup.registry_path)

    def run(self, task: ScanTask, sink: QueueSink, cancelled) -> None:
        setup = self.setup
        _inject_fault(task.vpath)
        budget = Budget(setup.bounds, setup.evidence_sizes.get(task.evidence_id, task.size))
        walker = Walker(self.scanner, bounds=setup.bounds, budget=budget, tmp_dir=setup.tmp, sink=sink,
                        passwords=setup.passwords, spool_memory_limit=setup.spool_memory_limit, cancelled=cancelled,
                        record_hook=lambda vpath, payload: self.beacons.parse_records(vpath, payload, sink),
                        item_hook=lambda result, blob: self.beacons.scan_item(result, blob, sink))
        info = ItemInfo(vpath=task.vpath, name=task.vpath.rsplit("/", 1)[-1].rsplit("!/", 1)[-1],
                        depth=task.depth, parent_vpath=task.parent_vpath)
        try:
            if task.zip_member is None:
                with Blob.from_path(task.host_path) as blob:
                    walker.walk(blob, info)
            else:
                self._run_zip_member(task, info, walker, budget)
        except BoundExceeded:
            pass  # an evidence-level bound: recorded as a finding by the walker, the task ends here
        sink.progress(task.size, task.vpath)

    def _run_zip_member(self, task: ScanTask, info: ItemInfo, walker: Walker, budget: Budget) -> None:
        """One member of a top-level zip, reached by its index in the central directory."""
        with open(task.host_path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            zi = zf.infolist()[task.zip_member]
            info.size_claimed = zi.file_size
            info.entry_type = ENTRY_FILE
            raw = zf.open(zi, pwd=None)
            stream = CountingReader(raw, bounds=self.setup.bounds, budget=budget, compressed_size=zi.compress_size,
                                    label=info.vpath)
            try:
                spooled = Blob.spool(stream, self.setup.tmp, memory_limit=self.setup.spool_memory_limit)
            except BoundExceeded as exc:
                info.status = "partial"
                walker.sink.item(info, [Finding(info.vpath, "bounds", exc.rule, severity="high",
                                                meta={"detail": exc.detail})], None, [])
                return
            except Exception as exc:  # a corrupt member (bad CRC, truncated data): recorded, the scan goes on
                info.status, info.error_stage, info.error = "error", "read", format_exception(exc)
                walker.sink.item(info, [], None, [ItemError(info.vpath, "read", info.error)])
                return
            with spooled:
                walker.walk(spooled, info)


def _inject_fault(vpath: str) -> None:
    """Test hook: ``BALISE_FAULT_INJECT=crash:NAME`` kills this worker as a native crash would, on an item whose
    virtual path contains NAME. Used by the crash-isolation tests; inert unless the variable is set."""
    spec = os.environ.get("BALISE_FAULT_INJECT", "")
    if spec.startswith("crash:") and spec[6:] and spec[6:] in vpath:
        os.abort()


def worker_main(worker_id: int, setup: WorkerSetup, task_queue, event_queue, cancel_event) -> None:
    """Entry point of a worker process."""
    with contextlib.suppress(AttributeError, OSError):
        os.nice(5)  # keep the analyst's desktop responsive
    try:
        ctx = WorkerContext(setup)
    except Exception as exc:
        event_queue.put(("fatal", worker_id, format_exception(exc)))
        return
    event_queue.put(("ready", worker_id))
    while not cancel_event.is_set():
        task = task_queue.get()
        if task is None:
            break
        event_queue.put(("start", worker_id, task.key))
        spool = RecordSpool(setup.tmp, task.key)
        sink = QueueSink(event_queue, task.key, spool)
        try:
            ctx.run(task, sink, cancel_event.is_set)
            spooled = spool.close()
            if spooled is not None:
                event_queue.put(("records-spool", task.key, str(spooled)))
        except Cancelled:
            event_queue.put(("cancelled", worker_id, task.key))
            break
        except Exception as exc:
            event_queue.put(("done", worker_id, task.key, format_exception(exc)))
            release_memory()
            continue
        event_queue.put(("done", worker_id, task.key, None))
        release_memory()


def mp_context():
    """Spawn everywhere: forking a process that runs Qt or threads is unsafe, and Windows only spawns."""
    return mp.get_context("spawn")
