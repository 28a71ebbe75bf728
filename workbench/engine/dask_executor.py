"""The ``dask`` executor: the scan's tasks on a Dask distributed cluster, same tasks, same events, same case.

The local executor (the process pool in :mod:`workbench.engine.pipeline`) and this one run the same picklable
:class:`~workbench.engine.tasks.ScanTask` through the same :class:`~workbench.engine.worker.WorkerContext`, and
the coordinator applies the same typed events to the case store: the case is the same whichever ran it.

What travels over the network: the task descriptions (paths, sizes), the worker setup once per worker (bounds,
rule paths, the verified registry), small events (items with their findings and errors, progress) and each
task's outcome (row counts, the shard files' names and digests), and for intake and re-verification batches of
file paths one way and their digests the other (:meth:`DaskExecutor.hash_files`). Never the evidence bytes: each worker opens
the evidence and writes its shards through paths it sees itself, the case folder on a mount shared by all the
machines (``--path-map LOCAL=REMOTE`` when the mount points differ).

Events are buffered on the worker and sent to a named distributed Queue about every 0.3 s (one scheduler round
trip per batch, not per item: a zip of 200,000 members would otherwise cost minutes of round trips). Cancel is a
named distributed Event that the workers poll at most every 0.5 s. A worker that dies (a native crash on a
hostile file, a machine lost) makes the scheduler run its task once more elsewhere (``allowed-failures`` = 1);
a second death is recorded against the task as in the local executor. Without ``--scheduler`` a LocalCluster of
``--jobs`` single-threaded worker processes bound to 127.0.0.1 runs on this machine (the scheduler's HTTP
endpoint on a free loopback port: with no address it takes 8787 on every interface, or collides with another
cluster of the machine).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue as queue_mod
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
)
from workbench.engine.model import ScanError
from workbench.engine.tasks import Cancelled, CancelToken, ScanTask, WorkerSetup

FLUSH_EVERY_S = 0.3
# Hashing tasks: files are grouped so that a folder of 100,000 small files is not 100,000 scheduler round trips
# (about 1 ms each), while a batch stays small enough (256 MB, ~0.5 s of reading) to spread over the workers.
HASH_BATCH_BYTES = 256 * 2**20
HASH_BATCH_FILES = 512
CANCEL_POLL_S = 0.5
POLL_S = 0.25  # the coordinator applies the workers' events and checks for cancel this often
_WORKER_ID = -1  # events from dask tasks carry no local worker id


@dataclass(frozen=True)
class PathMap:
    """Prefix rewriting between the coordinator's paths and the workers' (``LOCAL=REMOTE``)."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, specs: Sequence[str]) -> PathMap:
        pairs = []
        for spec in specs:
            local, sep, remote = spec.partition("=")
            if not sep or not local or not remote:
                raise ScanError(f"--path-map {spec!r}: expected LOCAL=REMOTE (two absolute folder paths)")
            pairs.append((os.path.normpath(local), os.path.normpath(remote)))
        return cls(tuple(pairs))

    def to_worker(self, path: str) -> str:
        for local, remote in self.pairs:
            if path == local or path.startswith(local + os.sep):
                return remote + path[len(local):]
        return path

    def setup(self, setup: WorkerSetup) -> WorkerSetup:
        return dataclasses.replace(setup, tmp_dir=self.to_worker(setup.tmp_dir),
                                   case_dir=self.to_worker(setup.case_dir),
                                   rule_paths=tuple(self.to_worker(p) for p in setup.rule_paths))

    def task(self, task: ScanTask) -> ScanTask:
        ref = task.tar_member
        if ref is not None and ref.gzip_index:
            ref = dataclasses.replace(ref, gzip_index=self.to_worker(ref.gzip_index))
        nested = task.nested_zip
        if nested is not None and nested.extracted:
            nested = dataclasses.replace(nested, extracted=self.to_worker(nested.extracted))
        text = task.text_chunk
        if text is not None and text.gzip_index:
            text = dataclasses.replace(text, gzip_index=self.to_worker(text.gzip_index))
        return dataclasses.replace(task, host_path=self.to_worker(task.host_path), tar_member=ref, nested_zip=nested,
                                   text_chunk=text)


@dataclass(frozen=True)
class TaskOutcome:
    """What a dask task returns: its last events (the shards written, then done or cancelled)."""

    events: tuple


# -- worker side ------------------------------------------------------------------------------------------------

_CONTEXTS: dict[str, Any] = {}  # setup token -> WorkerContext, built once per worker process
_CONTEXT_LOCK = threading.Lock()


class _EventBatcher:
    """``put()`` as the worker's event queue; sends lists of events to the named Queue every FLUSH_EVERY_S."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.buffer: list = []
        self.last = time.monotonic()

    def put(self, event: Any) -> None:
        self.buffer.append(event)
        if time.monotonic() - self.last >= FLUSH_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.queue.put(self.buffer)
            self.buffer = []
        self.last = time.monotonic()


class _CancelPoll:
    """The distributed Event, asked at most every CANCEL_POLL_S (each ask is a scheduler round trip)."""

    def __init__(self, event: Any) -> None:
        self.event = event
        self.last = 0.0
        self.value = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.value and now - self.last >= CANCEL_POLL_S:
            self.last = now
            with contextlib.suppress(Exception):  # a slow scheduler answer is not a cancel
                self.value = bool(self.event.is_set())
        return self.value


def _context(token: str, setup: WorkerSetup):
    from workbench.engine.worker import WorkerContext

    with _CONTEXT_LOCK:
        ctx = _CONTEXTS.get(token)
        if ctx is None:
            with contextlib.suppress(AttributeError, OSError):
                os.nice(5)
            ctx = _CONTEXTS[token] = WorkerContext(setup)
        return ctx


def _the_setup(setup: WorkerSetup) -> WorkerSetup:
    """The scan's worker setup as a task result (see :meth:`DaskExecutor.run`)."""
    return setup


def run_dask_task(setup: WorkerSetup, token: str, task: ScanTask, queue_name: str, cancel_name: str
                  ) -> TaskOutcome:
    """One scan task inside a dask worker: the local worker's loop body, with the events batched."""
    from distributed import Event, Queue

    from workbench.engine.memory import release_memory
    from workbench.engine.store.shards import TaskShards
    from workbench.engine.walker import format_exception
    from workbench.engine.worker import ShardSink

    events = _EventBatcher(Queue(queue_name))
    cancelled = _CancelPoll(Event(cancel_name))
    events.put(TaskStarted(_WORKER_ID, task.key))
    # Sent at once, not with the first batch: a worker killed before its first batch left (a second) took
    # with it the only sign that its task had begun, and the task's rerun elsewhere was not logged as retried.
    events.flush()
    ctx = _context(token, setup)
    shards = TaskShards(setup.case_dir, task.key, task.seq)
    sink = ShardSink(events, task.key, shards)
    try:
        ctx.run(task, sink, cancelled)
        rows = shards.close()
        final = (ShardsWritten(task.key, rows, dict(shards.records_per_item), list(shards.files)),
                 TaskDone(_WORKER_ID, task.key, None))
    except Cancelled:
        shards.abandon()
        final = (TaskCancelled(_WORKER_ID, task.key),)
    except Exception as exc:
        shards.abandon()
        final = (TaskDone(_WORKER_ID, task.key, format_exception(exc)),)
    events.flush()
    release_memory()
    return TaskOutcome(final)


# -- coordinator side -------------------------------------------------------------------------------------------


class DaskExecutor:
    """Runs the scan's tasks on a Dask cluster; the same ``run``/``shutdown`` contract as the local pool."""

    def __init__(self, setup: WorkerSetup | None, jobs: int, scheduler: str | None = None,
                 path_map: PathMap | None = None, scratch_dir: str | None = None) -> None:
        self.setup = setup  # may be given later, before run(): hashing needs no setup
        self.jobs = max(1, jobs)
        self.scheduler = scheduler
        self.path_map = path_map or PathMap()
        self.scratch_dir = scratch_dir
        self.client = None
        self.cluster = None
        self._lock = threading.Lock()  # the intake thread and the scan connect from two threads
        self._failed: ScanError | None = None

    def _connect(self):
        with self._lock:
            if self._failed is not None:
                raise self._failed
            if self.client is None:
                try:
                    self._open()
                except ScanError as exc:
                    self._failed = exc
                    raise
            return self.client

    def _open(self) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise ScanError("--executor dask needs Dask distributed: pip install 'balise-workbench[dask]'") from None

        dask.config.set({"distributed.scheduler.allowed-failures": 1,
                         "distributed.worker.daemon": False,
                         "distributed.admin.tick.limit": "1h",
                         # Each of these wakes a worker's event loop thread, which then takes the GIL from the
                         # task's thread: the statistical profiler every 10 ms, the tick every 20 ms, the system
                         # monitor every 0.5 s. None of it is needed for a scan.
                         "distributed.worker.profile.enabled": False,
                         "distributed.admin.tick.interval": "1s",
                         "distributed.admin.system-monitor.interval": "2s",
                         "distributed.admin.system-monitor.gil.enabled": False,
                         # The nanny starts its workers with MALLOC_TRIM_THRESHOLD_=65536: glibc then gives freed
                         # memory back at once and the next Arrow/numpy buffer faults it in again (zeroed pages):
                         # 3,000 mmap/munmap in 8 s per worker, its system time 4x the local worker's. And a dask
                         # task runs in a thread, whose glibc arena (not the main one, as in a local worker)
                         # cost about 4 s more CPU on a 100 MB dump (34.0 s against 30.5 s with one arena, the
                         # local executor 27.6 s): one arena, as in the local worker.
                         "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1,
                                                                 "OPENBLAS_NUM_THREADS": 1,
                                                                 "MALLOC_ARENA_MAX": 1}})
        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout="30s", set_as_default=False)
            else:
                # Scratch space of the workers inside the case folder (nothing written outside it).
                scratch = self.scratch_dir or (self.setup.tmp_dir if self.setup is not None else None)
                self.cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address="127.0.0.1:0", memory_limit=0,
                                            local_directory=os.path.join(scratch, "dask") if scratch else None,
                                            silence_logs=50)
                self.client = Client(self.cluster, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            where = self.scheduler or "a local cluster"
            raise ScanError(f"cannot reach the Dask scheduler at {where}: {exc}") from exc

    def hash_files(self, paths: Sequence[str]) -> list:
        """Intake and re-verification hashing on the workers (an :data:`evidence.FileHasher`): batches of paths
        go out (mapped to the workers' view), MD5/SHA-1/SHA-256 and sizes come back, in the order given."""
        from workbench.engine.evidence import hash_batch

        if not paths:
            return []
        client = self._connect()
        batches: list[list[str]] = [[]]
        batch_bytes = 0
        for p in paths:
            try:
                size = os.stat(p).st_size
            except OSError:
                size = 0  # the worker says what is wrong with it
            if batches[-1] and (batch_bytes + size > HASH_BATCH_BYTES or len(batches[-1]) >= HASH_BATCH_FILES):
                batches.append([])
                batch_bytes = 0
            batches[-1].append(p)
            batch_bytes += size
        run_id = uuid.uuid4().hex[:12]
        futures = [client.submit(hash_batch, [self.path_map.to_worker(p) for p in batch], pure=False,
                                 key=f"balise-hash-{run_id}-{i}") for i, batch in enumerate(batches)]
        try:
            results = client.gather(futures)
        finally:
            client.cancel(futures)  # released either way; after an error, the others are not waited for
        return [d for batch in results for d in batch]

    def run(self, todo: list[ScanTask], state, cancel: CancelToken) -> bool:
        """Run every task; returns True when cancelled."""
        if not todo:
            return False
        from distributed import Event, Queue

        assert self.setup is not None, "setup is given before run()"
        client = self._connect()
        run_id = uuid.uuid4().hex[:12]
        queue = Queue(f"balise-events-{run_id}", client=client)
        cancel_event = Event(f"balise-cancel-{run_id}", client=client)
        setup = self.path_map.setup(self.setup)
        token = f"{run_id}"
        # The setup as a task's result, not scattered data: the scheduler can compute a task's result again when
        # the worker holding it dies, but it forgets scattered data at a worker's death (the story of a killed
        # worker: WorkerSetup 'memory' -> 'forgotten' in handle-worker-cleanup), and with it every task that
        # needs it: those ended 'cancelled', never run, and the scan stopped incomplete at 2 tasks of 4.
        setup_future = client.submit(_the_setup, setup, key=f"balise-setup-{run_id}", pure=False)
        by_key = {t.key: t for t in todo}
        futures = {}
        for t in todo:  # biggest first (the list is sorted that way): priority by size
            # Begun here, not when the worker says so: its TaskStarted may arrive after its shards are written,
            # and beginning a task forgets its earlier results.
            state.begin(t)
            futures[client.submit(run_dask_task, setup_future, token, self.path_map.task(t), queue.name,
                                  cancel_event.name, key=f"balise-{run_id}-{t.key}", pure=False,
                                  priority=t.size)] = t.key
        starts: dict[str, int] = {}
        cancelled = False
        pending = set(futures)
        # Futures say when they end through a local queue (their callbacks run in the client's thread): the
        # loop sleeps on it instead of asking the scheduler's event queue every 50 ms.
        finished: queue_mod.Queue = queue_mod.Queue()
        for f in futures:
            f.add_done_callback(finished.put)

        def apply_events(batch_timeout: float) -> None:
            try:
                batches = queue.get(timeout=batch_timeout, batch=True)
            except TimeoutError:
                return
            for batch in batches:
                for event in batch:
                    self._apply(event, state, by_key, starts)

        while pending:
            if cancel.cancelled and not cancelled:
                cancelled = True
                cancel_event.set()
                not_started = [f for f in pending if futures[f] not in starts]
                client.cancel(not_started)
                pending.difference_update(not_started)
                for f in not_started:
                    state.store.finish_task(futures[f], "cancelled")
            apply_events(0)
            with contextlib.suppress(queue_mod.Empty):
                finished.get(timeout=POLL_S)
            done = [f for f in pending if f.done()]
            if not done:
                continue
            apply_events(0)  # what the finished tasks sent before returning
            for f in done:
                pending.discard(f)
                key = futures[f]
                task = by_key[key]
                if f.status == "finished":
                    for event in f.result().events:
                        self._apply(event, state, by_key, starts)
                elif f.status == "cancelled":
                    f.release()
                    continue
                else:
                    exc = f.exception()
                    state.crashed(task, None, reason=f"{type(exc).__name__}: {exc}")
                # Taken: the scheduler forgets the result. Held, it is a result to restore when its worker dies
                # (killed, or restarted by its nanny), and the scheduler ran the finished task again, whose first
                # step deletes the task's shards: the scan ended with a registered shard missing from the case
                # (120,000 records of 480,000 lost in a test that kills a worker).
                f.release()
        apply_events(0)
        state.store.commit()
        return cancelled

    @staticmethod
    def _apply(event, state, by_key: dict[str, ScanTask], starts: dict[str, int]) -> None:
        if isinstance(event, TaskStarted):
            n = starts.get(event.task_key, 0) + 1
            starts[event.task_key] = n
            if n > 1:  # the scheduler runs a lost worker's task again: the first attempt's items are forgotten
                state.store.forget_task_items(event.task_key)  # (its unfinished .part shards are rewritten)
                state.store.log("balise", "task-retried", {"task": event.task_key, "attempt": n,
                                                           "reason": "worker lost"})
        elif isinstance(event, TaskDone):
            state.finish(event.task_key, event.error)
        elif isinstance(event, TaskCancelled):
            state.store.finish_task(event.task_key, "cancelled")
        elif isinstance(event, ItemScanned | ContainerScanned | ErrorNoted | RangeScanned | ShardsWritten | TaskProgress):
            state.apply(event)

    def shutdown(self) -> None:
        with self._lock:
            for closer in (self.client, self.cluster):
                if closer is not None:
                    with contextlib.suppress(Exception):
                        closer.close()
            self.client = self.cluster = None
