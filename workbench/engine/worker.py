"""Scan worker: runs tasks in a child process, writes their results as Parquet shards, sends typed events.

A native crash on a hostile file kills this process only; the main process sees it die, records the task as
failed and starts another worker. Events go through a bounded queue, so a slow case store slows the workers
down instead of filling memory.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import multiprocessing as mp
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import zipfile
from typing import Any

from workbench.engine import nested_zip, sevenzip_split, tar_split, text_split
from workbench.engine.archives.zipfmt import member_mtime
from workbench.engine.beacon_scan import BeaconScanner
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Budget, CountingReader
from workbench.engine.detectors import ContentScanner
from workbench.engine.events import (
    ContainerScanned,
    ErrorNoted,
    ItemScanned,
    RangeScanned,
    ShardsWritten,
    TaskCancelled,
    TaskDone,
    TaskProgress,
    TaskStarted,
    WorkerFatal,
    WorkerReady,
)
from workbench.engine.hashsets import HashSetIndex
from workbench.engine.memory import release_memory
from workbench.engine.model import ENTRY_FILE, VPATH_SEP, Finding, IdentifierCounts, ItemError, ItemInfo
from workbench.engine.store.shards import TaskShards
from workbench.engine.tasks import CONTAINER_TASK, Cancelled, ScanTask, WorkerSetup
from workbench.engine.walker import Walker, format_exception


class ShardSink:
    """Where the walker and the beacon scanner put what they find: small things as events to the main process,
    results in bulk into the task's Parquet shards."""

    def __init__(self, queue: Any, task_key: str, shards: TaskShards) -> None:
        self.queue = queue
        self.task_key = task_key
        self.shards = shards

    def item(self, info: ItemInfo, findings: list[Finding], identifiers: IdentifierCounts | None,
             errors: list[ItemError]) -> None:
        if identifiers is not None and identifiers.counts:
            self.shards.add_identifiers(identifiers)
        self.queue.put(ItemScanned(self.task_key, info, findings, errors))

    def identifiers(self, counts: IdentifierCounts) -> None:
        """More distinct values of a big item, spilled as they pile up (bounded worker memory)."""
        self.shards.add_identifiers(counts)

    def records(self, vpath: str, frame) -> None:
        self.shards.add_records(vpath, frame)

    def beacons(self, vpath: str, hits: list[dict]) -> None:
        self.shards.add_beacon_hits(vpath, hits)

    def watermarks(self, vpath: str, hits: list[dict]) -> None:
        self.shards.add_watermark_hits(vpath, hits)

    def progress(self, nbytes: int, current: str) -> None:
        self.queue.put(TaskProgress(self.task_key, nbytes, current))


class WorkerContext:
    """Detectors built once per worker process."""

    def __init__(self, setup: WorkerSetup) -> None:
        self.setup = setup
        self.scanner = ContentScanner(setup.rule_paths, bundled_rules=setup.bundled_rules, ruleset=setup.ruleset)
        self.beacons = BeaconScanner(setup.registry)
        self.hashsets = HashSetIndex(setup.hash_sets) if setup.hash_sets else None

    def run(self, task: ScanTask, sink: ShardSink, cancelled) -> None:
        setup = self.setup
        _inject_fault(task.vpath)
        self.scanner.begin_task(task.vpath, task.host_path)
        budget = Budget(setup.bounds, setup.evidence_sizes.get(task.evidence_id, task.size))
        walker = Walker(self.scanner, bounds=setup.bounds, budget=budget, tmp_dir=setup.tmp, sink=sink,
                        passwords=setup.passwords, spool_memory_limit=setup.spool_memory_limit, cancelled=cancelled,
                        record_hook=lambda vpath, payload: self.beacons.parse_records(vpath, payload, sink),
                        item_hook=lambda result, blob: self.beacons.scan_item(result, blob, sink),
                        hashsets=self.hashsets)
        info = ItemInfo(vpath=task.vpath, name=task.vpath.rsplit("/", 1)[-1].rsplit("!/", 1)[-1],
                        depth=task.depth, parent_vpath=task.parent_vpath)
        try:
            if task.text_chunk is not None:
                self._run_text_range(task, info, walker, sink, cancelled)
            elif task.tar_member is not None:
                self._run_tar_member(task, info, walker, budget)
            elif task.nested_zip is not None:
                self._run_nested_zip(task, info, walker, budget)
            elif task.sevenzip is not None:
                self._run_sevenzip(task, info, walker, budget)
            elif task.zip_member == CONTAINER_TASK:
                self._run_container(task, info, sink)
            elif task.zip_member is None:
                with Blob.from_path(task.host_path) as blob:
                    walker.walk(blob, info)
            else:
                self._run_zip_member(task, info, walker, budget)
        except BoundExceeded:
            pass  # an evidence-level bound: recorded as a finding by the walker, the task ends here
        sink.progress(task.size, task.vpath)

    def _run_tar_member(self, task: ScanTask, info: ItemInfo, walker: Walker, budget: Budget) -> None:
        """One regular member of a big tar or tar.gz, read alone through its offset (tar_split)."""
        ref = task.tar_member
        info.size_claimed = ref.size
        info.entry_type = ENTRY_FILE
        try:
            raw = tar_split.open_member(task.host_path, ref.offset, ref.size, ref.gzip_index)
        except Exception as exc:  # the archive changed or the index is damaged: recorded, the scan goes on
            info.status, info.error_stage, info.error = "error", "read", format_exception(exc)
            walker.sink.item(info, [], None, [ItemError(info.vpath, "read", info.error)])
            return
        with raw:
            self._spool_and_walk(raw, ref.size, info, walker, budget)

    def _run_text_range(self, task: ScanTask, info: ItemInfo, walker: Walker, sink: ShardSink, cancelled) -> None:
        """One byte range of a big CSV or mysqldump (text_split, sql_split). Range 0: the file walked as always (typing, hash, YARA over
        the whole content, a gzip's member), its identifiers and records limited to the range. Any other range:
        its identifiers (each token counted in the range where it ends, judged on the bytes around it) and its
        records, numbered as in the whole file; what it finds is sent as one RangeScanned."""
        ref = task.text_chunk
        if ref.index == 0:
            walker.scanner = text_split.RangeScanner(self.scanner, ref.item_vpath, ref.start, ref.end)

            def records(vpath: str, payload) -> list[Finding]:
                if vpath != ref.item_vpath:
                    return self.beacons.parse_records(vpath, payload, sink)
                part = text_split.RangePart(ref.kind, Blob(payload[0].view()[ref.start:ref.end]), ref.layout, 1,
                                            ref.kind == "csv" and ref.layout.has_header)
                return self.beacons.parse_records(vpath, payload, sink, part=part)

            walker.record_hook = records
            with Blob.from_path(task.host_path) as blob:
                walker.walk(blob, info)
            return
        if cancelled():
            raise Cancelled()
        vpath = ref.item_vpath
        findings: list[Finding] = []
        errors: list[ItemError] = []
        try:
            span = text_split.open_range(task.host_path, ref.start, ref.end, ref.content_size, ref.gzip_index)
        except Exception as exc:  # the evidence changed since the plan, a damaged index: recorded, the scan goes on
            errors.append(ItemError(vpath, "read", format_exception(exc)))
        else:
            with span:
                try:
                    left = self.scanner.identifiers.count_range(span.view, vpath, span.own_from, span.own_to,
                                                                base_offset=span.base, spill=sink.identifiers)
                    if left.counts:
                        sink.identifiers(left)
                except Exception as exc:
                    errors.append(ItemError(vpath, "scan", f"{type(exc).__name__}: {exc}"))
                part = text_split.RangePart(ref.kind, Blob(span.view[span.own_from:span.own_to]), ref.layout,
                                            ref.rows_before + 1, False)
                try:
                    findings.extend(self.beacons.parse_records(vpath, (part.blob, None), sink, part=part))
                except Cancelled:
                    raise
                except Exception as exc:
                    findings.extend(getattr(exc, "findings", ()))
                    errors.append(ItemError(vpath, "records", f"{type(exc).__name__}: {exc}"))
        sink.queue.put(RangeScanned(task.key, vpath, findings, errors))

    def _spool_and_walk(self, raw, compressed_size: int, info: ItemInfo, walker: Walker, budget: Budget) -> None:
        stream = CountingReader(raw, bounds=self.setup.bounds, budget=budget, compressed_size=compressed_size,
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
    def _run_container(self, task: ScanTask, info: ItemInfo, sink: ShardSink) -> None:
        """The own bytes of a zip split into member tasks, as the walker scans an archive it walks whole."""
        info.kind, info.format = "archive", "zip"
        with Blob.from_path(task.host_path) as blob:
            findings, errors = self.scanner.scan_rules(blob.view(), item=info)
        sink.queue.put(ContainerScanned(task.key, task.vpath, findings,
                                        [ItemError(task.vpath, "scan", e) for e in errors]))

    def _run_nested_zip(self, task: ScanTask, info: ItemInfo, walker: Walker, budget: Budget) -> None:
        """A zip inside a top-level zip, split (nested_zip): the inner zip itself (typed, hashed, its own bytes
        scanned, its members left to their tasks) or one inner member, read through the mapped evidence (a stored
        inner zip) or the file the planner decompressed it into (a deflated one)."""
        ref = task.nested_zip
        info.entry_type = ENTRY_FILE
        with Blob.from_path(ref.extracted or task.host_path) as outer:
            try:
                inner = outer.view() if ref.extracted else nested_zip.inner_view(outer.view(), ref.outer_member)
            except Exception as exc:  # the evidence changed since the plan: recorded, the scan goes on
                info.status, info.error_stage, info.error = "error", "read", format_exception(exc)
                walker.sink.item(info, [], None, [ItemError(info.vpath, "read", info.error)])
                return
            if ref.inner_member == CONTAINER_TASK:
                info.size_claimed = len(inner)
                budget.add(len(inner))  # as when the member was spooled to be walked whole
                with Blob(inner, sha256=hashlib.sha256(inner).hexdigest()) as blob:
                    walker.walk(blob, info, descend=False)
                return
            with Blob(inner) as inner_blob, zipfile.ZipFile(inner_blob.open()) as zf:
                zi = zf.infolist()[ref.inner_member]
                info.size_claimed, info.mtime = zi.file_size, member_mtime(zi)
                info.name = task.vpath.rsplit(VPATH_SEP, 1)[-1]  # the member's path in the inner zip, as walked
                with zf.open(zi, pwd=None) as raw:
                    self._spool_and_walk(raw, zi.compress_size, info, walker, budget)

    def _run_sevenzip(self, task: ScanTask, info: ItemInfo, walker: Walker, budget: Budget) -> None:
        """Solid blocks of a 7z split by blocks (sevenzip_split), their members under the archive's item; or the
        archive itself (typed, hashed, its own bytes scanned) with the entries that lie in no block. A block
        that fails to decompress is the archive's error, as when the archive is walked whole."""
        ref = task.sevenzip
        if ref.first == CONTAINER_TASK:
            with Blob.from_path(task.host_path) as blob:
                walker.walk(blob, info, descend=False)
        members = sevenzip_split.iter_part(task.host_path, ref.first, ref.last, name=info.name,
                                           bounds=self.setup.bounds, budget=budget)
        try:
            walker.walk_members(info, members)
        except (Cancelled, BoundExceeded):
            raise
        except Exception as exc:  # ArchiveError: a damaged block; its members before the damage are recorded
            error = ItemError(info.vpath, "archive", f"{type(exc).__name__}: {exc}")
            walker.sink.queue.put(ErrorNoted(task.key, error))

    def _run_zip_member(self, task: ScanTask, info: ItemInfo, walker: Walker, budget: Budget) -> None:
        """One member of a top-level zip, reached by its index in the central directory."""
        with open(task.host_path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            zi = zf.infolist()[task.zip_member]
            info.size_claimed = zi.file_size
            info.entry_type = ENTRY_FILE
            with zf.open(zi, pwd=None) as raw:
                self._spool_and_walk(raw, zi.compress_size, info, walker, budget)


def _inject_fault(vpath: str) -> None:
    """Test hooks, inert unless ``BALISE_FAULT_INJECT`` is set. ``crash:NAME`` kills this worker as a native
    crash would, on an item whose virtual path contains NAME (crash isolation). ``stall:NAME:PIDFILE`` makes the
    worker write its pid to PIDFILE and sleep on that item, once (a PIDFILE already there means the item was
    stalled before): the fault tests ``kill -9`` that worker, or the main process, at a known moment."""
    spec = os.environ.get("BALISE_FAULT_INJECT", "")
    if spec.startswith("crash:") and spec[6:] and spec[6:] in vpath:
        os.abort()
    if spec.startswith("stall:"):
        name, _, pidfile = spec[6:].partition(":")
        if name and pidfile and name in vpath:
            try:
                fd = os.open(pidfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            time.sleep(120)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """End this worker when the process that started it dies, however it dies (``kill -9`` included).

    Two guards, because neither covers every case alone. On Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the
    kernel kills the worker the moment its parent exits (strictly: the parent *thread* that spawned it, which
    in the scan is the thread running :func:`run_scan` for its whole life). Everywhere (macOS, Windows), a
    daemon thread waits on the parent's sentinel (a pipe the parent holds; the OS closes it when the parent
    dies) and exits the process at once. Without them, a killed scan left workers reading the evidence and
    writing shards into a case nobody coordinated any more."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = mp.parent_process()
    if parent is None:
        return
    if not parent.is_alive():  # the parent died before prctl was in place
        os._exit(1)

    def watch() -> None:
        with contextlib.suppress(OSError, ValueError):
            multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="balise-parent-watchdog", daemon=True).start()


class EventPipe:
    """A worker's own channel to the main process: ``put`` sends the whole event from the calling thread.

    The workers once shared one ``multiprocessing.Queue``, whose feeder thread holds a lock shared by every worker
    while it writes. A worker killed while writing (``os.abort`` on a hostile item, a native crash, the OOM killer)
    left that lock taken forever: the other workers' events never arrived and the scan hung with every worker idle
    (``tests/engine/test_scan_e2e.py::test_a_worker_crash_loses_one_item_not_the_scan`` hung once in a full run).
    A pipe per worker has no shared lock; a death mid-message spoils only that worker's pipe, which the main
    process reads to its end (EOF) and drops. A full pipe (64 KiB) blocks the sender: the main process's pace
    bounds what is in flight, as the queue's 64 events did."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def put(self, event: object) -> None:
        self.conn.send(event)


def worker_main(worker_id: int, setup: WorkerSetup, task_queue, event_queue, cancel_event) -> None:
    """Entry point of a worker process."""
    die_with_parent()
    if os.environ.get("BALISE_FAULT_INJECT") == "crash-at-start":  # test hook: a worker that cannot start
        os.abort()
    with contextlib.suppress(AttributeError, OSError):
        os.nice(5)  # keep the analyst's desktop responsive
    try:
        ctx = WorkerContext(setup)
    except Exception as exc:
        event_queue.put(WorkerFatal(worker_id, format_exception(exc)))
        return
    event_queue.put(WorkerReady(worker_id))
    while not cancel_event.is_set():
        task = task_queue.get()
        if task is None:
            break
        event_queue.put(TaskStarted(worker_id, task.key))
        shards = TaskShards(setup.case_dir, task.key, task.seq)
        sink = ShardSink(event_queue, task.key, shards)
        try:
            ctx.run(task, sink, cancel_event.is_set)
            rows = shards.close()
            event_queue.put(ShardsWritten(task.key, rows, dict(shards.records_per_item), list(shards.files)))
        except Cancelled:
            shards.abandon()
            event_queue.put(TaskCancelled(worker_id, task.key))
            break
        except Exception as exc:
            shards.abandon()
            event_queue.put(TaskDone(worker_id, task.key, format_exception(exc)))
            release_memory()
            continue
        event_queue.put(TaskDone(worker_id, task.key, None))
        release_memory()


def mp_context():
    """Spawn everywhere: forking a process that runs Qt or threads is unsafe, and Windows only spawns."""
    return mp.get_context("spawn")
