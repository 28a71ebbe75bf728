"""The scan: evidence intake, task planning, worker pool, case metadata writes, resume and cancel.

``run_scan`` is plain Python used by the CLI and by the GUI (on a worker thread): progress goes through a
callback, cancellation through a :class:`CancelToken`.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import json
import multiprocessing.connection
import os
import pickle
import shutil
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench.engine import case_registry, nested_zip, sevenzip_split, tar_split, text_split, yara_rules
from workbench.engine import evidence as evidence_mod
from workbench.engine.archives._common import clean_name
from workbench.engine.archives.zipfmt import check_overlaps, member_mtime
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Bounds
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
    WorkerEvent,
    WorkerFatal,
    WorkerReady,
)
from workbench.engine.hashsets import HashSetIndex
from workbench.engine.model import (
    ENTRY_DIR,
    STATUS_SKIPPED,
    VPATH_SEP,
    ItemError,
    ItemInfo,
    Progress,
    ScanError,
)
from workbench.engine.store import DB_NAME, CaseReader, CaseStore, OldCaseError, delete_task_shards
from workbench.engine.store.compaction import compact_shards
from workbench.engine.tasks import (
    CONTAINER_TASK,
    CancelToken,
    NestedZipRef,
    ScanTask,
    SevenZipRef,
    TarMemberRef,
    TextChunkRef,
    WorkerSetup,
)
from workbench.engine.worker import EventPipe, mp_context, worker_main

# A top-level zip is split into one task per member (parallel, crash-isolated) when it is at least this big.
ZIP_SPLIT_MIN_BYTES = 8 * 2**20
# A stored zip inside a split top-level zip is split into its members too from this size on (nested_zip).
NESTED_ZIP_SPLIT_MIN_BYTES = 8 * 2**20
# A DEFLATED zip inside a split top-level zip is decompressed once into the case folder and split from this
# size on (below it, one worker walks it whole: decompressing it is then most of its cost; nested_zip).
DEFLATED_NESTED_ZIP_SPLIT_MIN_BYTES = 256 * 2**20
NESTED_SCRATCH = "nested"  # under the case's tmp folder: deflated inner zips decompressed for the scan
MAX_START_DEATHS = 3  # workers in a row that die before they are ready: the scan stops (see _Pool)
TASK_COST_BYTES = 2 * 2**20  # what one task costs beyond its bytes (worker round trip, shard, parse set-up)


@dataclass
class ScanSummary:
    case_dir: str
    completed: bool
    cancelled: bool
    tasks_total: int
    tasks_done: int
    tasks_skipped: int
    items: int
    bytes_total: int
    elapsed_s: float
    items_by_kind: dict[str, int] = field(default_factory=dict)
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    identifiers: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: int = 0
    evidence: list[dict] = field(default_factory=list)
    records: int = 0
    case_key: str | None = None  # fingerprint of the key that signs the custody log: to write down elsewhere


EXECUTORS = ("local", "dask")


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def _label_for(path: Path, used: set[str]) -> str:
    label = path.name or "evidence"
    base, n = label, 1
    while label in used:
        n += 1
        label = f"{base}#{n}"
    used.add(label)
    return label


def _task_key(evidence_sha_hint: str, vpath: str) -> str:
    return hashlib.sha256(f"{evidence_sha_hint}\x00{vpath}".encode()).hexdigest()[:32]


def _zip_member_tasks(host: Path, vpath: str, parent: str | None, depth: int, evid: int, bounds: Bounds,
                      key_prefix: str, nested: bool = True,
                      scratch: Path | None = None) -> tuple[list[ScanTask], list[ItemInfo]] | None:
    """Split a large top-level zip into member tasks; None when it must be walked whole (the worker then
    applies every structural check: overlap bombs, encryption, member count). With ``nested``, a big stored
    zip among its members is split too (nested_zip), and with ``scratch`` (a folder of the case) a very big
    deflated one, decompressed there once; the items returned are made at plan time, parents first."""
    try:
        with open(host, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                return None
            with zipfile.ZipFile(fh) as zf:
                infos = zf.infolist()
                start_dir = zf.start_dir
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if len(infos) < 2 or len(infos) > bounds.max_members or any(zi.flag_bits & 1 for zi in infos):
        return None  # encryption or too many members: the zip handler deals with it in one task
    tasks, dirs = [], []
    with Blob.from_path(host) as blob:
        try:
            check_overlaps(infos, blob.view(), start_dir, vpath)
        except BoundExceeded:
            return None  # an overlapping-entry bomb: walked whole, so the handler records it
        for index, zi, label in _member_labels(infos):
            child = f"{vpath}{VPATH_SEP}{label}"
            if zi.is_dir():
                dirs.append(ItemInfo(vpath=child, name=label, depth=depth + 1, parent_vpath=vpath,
                                     entry_type=ENTRY_DIR, kind="directory", size=0))
                continue
            inner = None
            if nested and zi.file_size >= NESTED_ZIP_SPLIT_MIN_BYTES:
                inner = nested_zip.plan_inner(blob.view(), zi, label, depth + 1, bounds, child)
            if inner is None and nested and scratch is not None and zi.compress_type != zipfile.ZIP_STORED \
                    and zi.file_size >= DEFLATED_NESTED_ZIP_SPLIT_MIN_BYTES:
                inner = nested_zip.plan_deflated(host, zi, scratch / f"{_task_key(key_prefix, child)}.zip", label,
                                                 depth + 1, bounds, child, blob.size)
            if inner is not None:
                inner_tasks, inner_items = _nested_zip_tasks(inner, host, index, child, label, vpath, depth + 1,
                                                             evid, key_prefix)
                tasks.extend(inner_tasks)
                dirs.extend(inner_items)
                continue
            tasks.append(ScanTask(_task_key(key_prefix, child), evid, str(host), child, vpath, depth + 1,
                                  zi.compress_size, zip_member=index))
    # the zip's own bytes (comment, central directory) for the YARA rules, as an archive walked whole
    own = max(0, host.stat().st_size - sum(t.size for t in tasks))
    tasks.append(ScanTask(_task_key(key_prefix, f"{vpath}\x00container"), evid, str(host), vpath, parent, depth,
                          own, zip_member=CONTAINER_TASK))
    return tasks, dirs


def _member_labels(infos: list) -> Iterator[tuple[int, object, str]]:
    """(index, ZipInfo, label) of each member: its cleaned name, ``name#2`` for the second of the same name, as
    the zip handler labels them when it walks the zip whole (the items must be the same either way)."""
    seen: dict[str, int] = {}
    for index, zi in enumerate(infos):
        name = clean_name(zi.orig_filename)
        n = seen.get(name, 0) + 1
        seen[name] = n
        yield index, zi, name if n == 1 else f"{name}#{n}"


def _nested_zip_tasks(inner: nested_zip.InnerZip, host: Path, outer_index: int, vpath: str, label: str,
                      parent: str, depth: int, evid: int, key_prefix: str) -> tuple[list[ScanTask], list[ItemInfo]]:
    """A stored inner zip as one task for itself (typed, hashed, its own bytes scanned) and one per member,
    each found again by the worker through the two central directories (NestedZipRef). The inner zip and its
    folders are items from the plan on, as a split top-level zip's are."""
    items = [ItemInfo(vpath=vpath, name=label, depth=depth, parent_vpath=parent, kind="archive", format="zip",
                      size=inner.size)]
    tasks: list[ScanTask] = []
    for index, zi, child_label in _member_labels(inner.members):
        child = f"{vpath}{VPATH_SEP}{child_label}"
        if zi.is_dir():
            items.append(ItemInfo(vpath=child, name=child_label, depth=depth + 1, parent_vpath=vpath,
                                  entry_type=ENTRY_DIR, kind="directory", size_claimed=zi.file_size,
                                  mtime=member_mtime(zi)))  # no size: as the zip handler records a folder
            continue
        tasks.append(ScanTask(_task_key(key_prefix, child), evid, str(host), child, vpath, depth + 1,
                              zi.compress_size, nested_zip=NestedZipRef(outer_index, index, inner.extracted)))
    own = max(0, inner.size - sum(t.size for t in tasks))
    tasks.append(ScanTask(_task_key(key_prefix, f"{vpath}\x00container"), evid, str(host), vpath, parent, depth,
                          own, nested_zip=NestedZipRef(outer_index, CONTAINER_TASK, inner.extracted)))
    return tasks, items


class _Intake(threading.Thread):
    """Hashes evidence in the background while the workers already read it (the page cache is shared), through
    the executor's hasher: on the dask executor the files are hashed by the workers, where the bytes are."""

    def __init__(self, paths: list[Path], hasher: evidence_mod.FileHasher | None = None) -> None:
        super().__init__(daemon=True)
        self.paths = paths
        self.hasher = hasher
        self.results: dict[Path, evidence_mod.Evidence] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for p in self.paths:
                self.results[p] = evidence_mod.take_in(p, hasher=self.hasher)
        except BaseException as exc:  # reported by the main thread
            self.error = exc


def run_scan(case_dir: Path, evidence_paths: Sequence[Path], *, registry_path: Path | None = None,
             rule_paths: Sequence[Path] = (), jobs: int | None = None, bounds: Bounds | None = None,
             passwords: Sequence[bytes] = (), progress: Callable[[Progress], None] | None = None,
             cancel: CancelToken | None = None, verify_at_end: bool = True, bundled_rules: bool = True,
             executor: str = "local", scheduler: str | None = None, path_map: Sequence[str] = (),
             rule_defines: dict | None = None, strict_rules: bool = False,
             on_rule_skipped: Callable[[str], None] | None = None,
             trusted_keys: Sequence[str] = (), replace_registry: bool = False,
             known_good: Sequence[Path] = (), known_bad: Sequence[Path] = ()) -> ScanSummary:
    """Scan ``evidence_paths`` into the case (created if missing; a second run resumes).

    The registry: ``registry_path`` when given (its key checked against the pins, :mod:`workbench.beacons.trust`;
    ``trusted_keys`` accepts another key), else the one the case keeps (:mod:`workbench.engine.case_registry`);
    a case that has one is given another only with ``replace_registry``, which redoes every task.
    ``executor``: ``local`` (a process pool, the default) or ``dask`` (a Dask distributed cluster at
    ``scheduler``, or a LocalCluster of ``jobs`` workers; see dask_executor)."""
    if executor not in EXECUTORS:
        raise ScanError(f"unknown executor {executor!r}: choose one of {', '.join(EXECUTORS)}")
    started = time.monotonic()
    bounds = bounds or Bounds()
    cancel = cancel or CancelToken()
    case_dir = Path(case_dir)
    paths = [Path(p).resolve() for p in evidence_paths]
    for p in paths:
        if not p.exists():
            raise ScanError(f"evidence not found: {p}")
        if case_dir.resolve() == p or case_dir.resolve().is_relative_to(p) and p.is_dir():
            raise ScanError(f"the case folder must not be inside the evidence: {case_dir}")
        try:
            evidence_mod.check_evidence_path(p)  # a FIFO would block intake and a worker forever
        except (evidence_mod.EvidenceRefused, OSError) as exc:
            raise ScanError(str(exc)) from exc
    # Rules are compiled before anything else (once: the workers load them from the case's cache). A file that
    # does not compile is skipped with one line (or, strict, refuses the set); a missing path stops the scan.
    try:
        ruleset = yara_rules.compile_rules(list(rule_paths), bundled=bundled_rules, defines=rule_defines,
                                           strict=strict_rules, cache_dir=case_dir / yara_rules.CACHE_DIR)
    except yara_rules.RuleCompileError as exc:
        raise ScanError(str(exc)) from exc
    for skipped in ruleset.skipped:
        if on_rule_skipped is not None:
            on_rule_skipped(str(skipped))
    source = decision = None
    if registry_path is not None:
        # Read and verified once, its key checked against the pins before a case is made for it.
        source = case_registry.read_source(Path(registry_path))
        decision = case_registry.check_trust(source, _existing_meta(case_dir), trusted_keys)
    hash_sets = _load_hash_sets(known_good, known_bad)

    try:
        store = CaseStore(case_dir)
    except OldCaseError as exc:
        raise ScanError(str(exc)) from exc
    try:
        registry = case_registry.resolve_for_scan(store, source, trusted_keys=trusted_keys, replace=replace_registry,
                                                  decision=decision)
        used = None if registry is None else (source.path if source is not None else
                                              store.dir / case_registry.REGISTRY_COPY)
        if hash_sets:
            _record_hash_sets(store, hash_sets)
        return _run(store, paths, ruleset, used, registry, rule_paths, jobs, bounds, passwords, progress, cancel,
                    verify_at_end, started, bundled_rules, executor, scheduler, path_map, hash_sets=hash_sets)
    finally:
        store.close()


def _existing_meta(case_dir: Path) -> dict[str, str]:
    """The metadata of the case if it exists already (its registry pins), read-only."""
    if not (case_dir / DB_NAME).is_file():
        return {}
    try:
        with CaseStore(case_dir, create=False, readonly=True) as store:
            return store.all_meta()
    except OldCaseError as exc:
        raise ScanError(str(exc)) from exc


def _load_hash_sets(known_good: Sequence[Path], known_bad: Sequence[Path]) -> tuple:
    """Known-good and known-bad hash sets, checked and hashed before anything is written (a bad set: ScanError)."""
    from workbench.engine.hashsets import ROLE_BAD, ROLE_GOOD, HashSetError, load_spec

    try:
        return tuple([load_spec(Path(p), ROLE_GOOD) for p in known_good] + [load_spec(Path(p), ROLE_BAD) for p in known_bad])
    except HashSetError as exc:
        raise ScanError(str(exc)) from exc


def _record_hash_sets(store: CaseStore, hash_sets: tuple) -> None:
    """Each set with its SHA-256 in the case (``hash_sets`` meta, read by the report) and in the custody log."""
    previous = json.loads(store.meta("hash_sets") or "[]")
    sets = {(h["role"], h["sha256"]): h for h in previous}
    for spec in hash_sets:
        sets[(spec.role, spec.sha256)] = spec.to_json()
        store.log("balise", "hash-set-loaded", spec.to_json())
    store.set_meta("hash_sets", json.dumps(list(sets.values())))
    store.commit()


def _run(store: CaseStore, paths: list[Path], ruleset, registry_path, registry, rule_paths, jobs, bounds: Bounds, passwords,
         progress, cancel: CancelToken, verify_at_end: bool, started: float, bundled_rules: bool,
         executor: str = "local", scheduler: str | None = None, path_map: Sequence[str] = (),
         hash_sets: tuple = ()) -> ScanSummary:
    try:
        ruleset.save_cache(store.dir / yara_rules.CACHE_DIR)
    except OSError as exc:  # a full disk: the workers get the compiled rules pickled instead
        store.log("balise", "rules-cache-not-saved", {"error": str(exc)})
    store.set_rulesets(((s.name, s.path, s.sha256, s.origin) for s in ruleset.sources),
                       ((s.path, s.line, s.reason, s.sha256, s.origin) for s in ruleset.skipped))
    store.set_meta("rule_paths", json.dumps([str(Path(r).resolve()) for r in rule_paths]))
    store.log("balise", "scan-started", {
        "evidence": [str(p) for p in paths], "rulesets": [{"name": s.name, "sha256": s.sha256} for s in ruleset.sources],
        "rules_not_applied": [str(s) for s in ruleset.skipped], "rules_digest": ruleset.digest,
        "rule_defines": ruleset.defines,
        "registry": str(registry_path) if registry_path else None, "bounds": bounds.__dict__, "jobs": jobs,
        "executor": executor, "scheduler": scheduler})
    if registry_path is not None:
        store.set_meta("registry_path", str(Path(registry_path).resolve()))
    store.set_meta("bounds", json.dumps(bounds.__dict__))
    store.commit()

    # 1. Evidence rows (new ones are hashed in the background while the scan reads them).
    # An evidence without hashes was registered by a run that was killed before its hashes were stored (they
    # are taken while the scan reads it, stored at the end): hashed again now, or it would never be.
    new_paths = [p for p in paths if (row := store.evidence_by_path(str(p))) is None or row["sha256"] is None]
    # The executor exists from here on: the intake hashes through it (dask: on the workers).
    n_jobs = jobs if jobs is not None else default_jobs()
    dask_pool = None
    if executor == "dask":
        from workbench.engine.dask_executor import DaskExecutor, PathMap

        dask_pool = DaskExecutor(None, n_jobs, scheduler, PathMap.parse(path_map), scratch_dir=str(store.tmp_dir))
        hasher: evidence_mod.FileHasher = dask_pool.hash_files
    else:
        hasher = evidence_mod.LocalHasher(n_jobs)
    try:
        return _scan_and_record(store, paths, new_paths, hasher, dask_pool, n_jobs, ruleset, registry_path,
                                registry, rule_paths, jobs, bounds, passwords, progress, cancel, verify_at_end,
                                started, bundled_rules, hash_sets)
    finally:
        if dask_pool is not None:
            dask_pool.shutdown()


def _scan_and_record(store: CaseStore, paths: list[Path], new_paths: list[Path], hasher, dask_pool, n_jobs: int,
                     ruleset, registry_path, registry, rule_paths, jobs, bounds: Bounds, passwords, progress,
                     cancel: CancelToken, verify_at_end: bool, started: float, bundled_rules: bool,
                     hash_sets: tuple) -> ScanSummary:
    intake = _Intake(new_paths, hasher)
    intake.start()
    used_labels = {Path(r["path"]).name for r in store.evidence_list()}
    evidence_ids: dict[Path, int] = {}
    labels: dict[Path, str] = {}
    for p in paths:
        row = store.evidence_by_path(str(p))
        if row is None:
            evidence_ids[p] = store.register_evidence(str(p), p.is_dir())
            labels[p] = _label_for(p, used_labels)
        else:
            evidence_ids[p] = row["id"]
            labels[p] = store.evidence_label(row["id"]) or _label_for(p, used_labels)

    # 2. Plan tasks.
    threads = jobs if jobs is not None else default_jobs()
    tasks: list[ScanTask] = []
    hash_index = HashSetIndex(hash_sets) if hash_sets else None
    text_rows = _text_split_min_rows(registry)
    for p in paths:
        evid, label = evidence_ids[p], labels[p]
        if p.is_dir():
            store.put_item(ItemInfo(vpath=label, name=label, depth=0, entry_type=ENTRY_DIR, kind="directory"),
                           evidence_id=evid, task_key="plan")
            skipped: list[evidence_mod.SkippedEntry] = []
            for relpath, host, st in evidence_mod.iter_evidence_files(p, skipped):
                parts = relpath.split("/")
                for i in range(1, len(parts)):
                    d = "/".join([label, *parts[:i]])
                    if store.item_id(d) is None:
                        store.put_item(ItemInfo(vpath=d, name=parts[i - 1], depth=0, parent_vpath="/".join(
                            [label, *parts[:i - 1]]), entry_type=ENTRY_DIR, kind="directory"),
                            evidence_id=evid, task_key="plan")
                vpath = f"{label}/{relpath}"
                parent = vpath.rsplit("/", 1)[0]
                tasks.extend(_plan_file(host, vpath, parent, evid, st.st_size, bounds, store, threads, hash_index,
                                        text_rows))
            _record_skipped(store, label, evid, skipped)
        else:
            tasks.extend(_plan_file(p, label, None, evid, p.stat().st_size, bounds, store, threads, hash_index,
                                    text_rows))
    if hash_index is not None:
        hash_index.close()
    for t in tasks:
        store.upsert_task(t.key, t.evidence_id, [t.host_path, t.vpath, str(t.zip_member)], t.size)
    store.commit()
    tasks = [dataclasses.replace(t, seq=store.task_seq(t.key)) for t in tasks]
    done_keys = store.done_task_keys()
    todo = [t for t in tasks if t.key not in done_keys]
    skipped = len(tasks) - len(todo)
    if skipped:
        store.log("balise", "scan-resumed", {"tasks_done_before": skipped, "tasks_todo": len(todo)})
    todo.sort(key=lambda t: -t.size)  # big first: better packing of the pool
    bytes_total = sum(t.size for t in tasks)
    bytes_before = sum(t.size for t in tasks if t.key in done_keys)

    evidence_sizes = {evidence_ids[p]: (sum(f.stat().st_size for _r, f, _s in evidence_mod.iter_evidence_files(p)))
                      for p in paths}
    setup = WorkerSetup(tmp_dir=str(store.tmp_dir), case_dir=str(store.dir), bounds=bounds, rule_paths=tuple(str(r) for r in rule_paths),
                        passwords=tuple(passwords), registry_path=str(registry_path) if registry_path else None,
                        registry=registry,
                        evidence_sizes=evidence_sizes, bundled_rules=bundled_rules, ruleset=ruleset,
                        hash_sets=hash_sets)
    if dask_pool is not None:
        dask_pool.setup = setup
        pool = dask_pool  # shut down by the caller, after the re-verification that runs on it too
    else:
        pool = _Pool(setup, n_jobs)
    state = _RunState(store, bytes_total, bytes_before, len(tasks), skipped, progress, started)
    cancelled = False
    try:
        cancelled = pool.run(todo, state, cancel)
    finally:
        if dask_pool is None:
            pool.shutdown()
        store.commit()
        # deflated inner zips decompressed for the split (nested_zip): a resumed scan decompresses them again
        shutil.rmtree(store.tmp_dir / NESTED_SCRATCH, ignore_errors=True)

    # 3. Intake hashes, then post-scan passes.
    intake.join()
    if intake.error is not None:
        raise ScanError(f"evidence intake failed: {intake.error}")
    for p, ev in intake.results.items():
        store.store_intake(evidence_ids[p], ev)
    for p in paths:
        store.fill_file_hashes(evidence_ids[p], labels[p])
    completed = not cancelled and state.tasks_done + skipped == len(tasks)
    if completed:
        from workbench.engine.beacon_scan import post_scan

        state.report_phase("attribution")
        post_scan(store, registry)
        if verify_at_end:
            state.report_phase("verify")
            for p in paths:
                ev = store.load_evidence(evidence_ids[p])
                v = evidence_mod.verify(ev, hasher=hasher)
                store.set_verification(evidence_ids[p], v.unchanged, v.verified_utc, v.changes)
    state.report_phase("seal")  # 9 s of a 5 GB scan: compaction, the search index, the seal
    if completed:
        compact_shards(store)  # a disk of many small files: one file per task would slow every query
        # imported here, after the scan: search_index loads duckdb (~0.1 s of CPU), which at module level
        # delayed the start of every scan's workers
        from workbench.engine.store.search_index import index_case

        index_case(store)  # the window's filter finds one NIR among millions of records without a scan
    digest = store.seal_results()
    store.commit()
    state.items_done = store.count("items")
    # The summary's figures took 25 s of a 5 GB scan, after a "done" the window and the console had already
    # shown: they get their own phase, and "done" (never "verify") is the last event, once they are counted.
    state.report_phase("summary")
    from workbench.engine.store.counted import log_counted  # after the scan, as above
    from workbench.engine.store.report_queries import record_figures

    with CaseReader(store.dir) as reader:
        counts = reader.counts()
        # Counted once here and logged beside the seal: the console's summary and every report read them from
        # the signed entry while the results stay as sealed (store.counted), 24 s of each 5 GB report.
        records, identifiers = record_figures(reader), reader.identifier_totals()
        figures = {"items_by_kind": reader.items_by_kind(), "findings_by_rule": reader.findings_by_rule(),
                   "identifiers": identifiers,
                   "evidence": [{"path": r["path"], "sha256": r["sha256"],
                                 "unchanged": None if r["unchanged"] is None else bool(r["unchanged"])}
                                for r in reader.evidence()]}
    log_counted(store, digest, records, identifiers)
    elapsed = time.monotonic() - started  # the whole scan, its summary figures included: what the analyst waited
    state.report_phase("done" if completed else ("cancelled" if cancelled else "incomplete"))
    summary = ScanSummary(
        case_dir=str(store.dir), completed=completed, cancelled=cancelled, tasks_total=len(tasks),
        tasks_done=state.tasks_done + skipped, tasks_skipped=skipped, items=counts.items,
        bytes_total=bytes_total, elapsed_s=elapsed, errors=counts.errors, records=counts.records,
        case_key=store.meta("case_key_id"), **figures)
    store.log("balise", "scan-finished" if completed else ("scan-cancelled" if cancelled else "scan-incomplete"),
              {"items": summary.items, "errors": summary.errors, "elapsed_s": round(elapsed, 2),
               "tasks_done": summary.tasks_done, "tasks_total": summary.tasks_total})
    return summary


def _tar_member_tasks(host: Path, vpath: str, parent: str | None, depth: int, evid: int, bounds: Bounds,
                      key_prefix: str, store: CaseStore, threads: int) -> list[ScanTask] | None:
    """A big tar or tar.gz as one task per member (tar_split); the archive and its folders become items here."""
    index_path = store.dir / "index" / f"{_task_key(key_prefix, vpath)}.gzidx"
    planned = tar_split.plan(host, bounds, index_path, threads)
    if planned is None:
        return None
    fmt, members = planned
    gzip_index = str(index_path) if fmt == "tar.gz" else None
    store.put_item(ItemInfo(vpath=vpath, name=vpath.rsplit("/", 1)[-1], depth=depth, parent_vpath=parent,
                            kind="archive", format=fmt, size=host.stat().st_size,
                            extension=host.suffix.lower().lstrip(".")), evidence_id=evid, task_key="plan")
    tasks: list[ScanTask] = []
    seen: dict[str, int] = {}
    for m in members:
        name = clean_name(m.name)
        n = seen.get(name, 0) + 1
        seen[name] = n
        label = name if n == 1 else f"{name}#{n}"
        child = f"{vpath}{VPATH_SEP}{label}"
        if m.is_dir:
            store.put_item(ItemInfo(vpath=child, name=label, depth=depth + 1, parent_vpath=vpath, entry_type=ENTRY_DIR,
                                    kind="directory", size=0), evidence_id=evid, task_key="plan")
            continue
        tasks.append(ScanTask(_task_key(key_prefix, child), evid, str(host), child, vpath, depth + 1, m.size,
                              tar_member=TarMemberRef(m.offset, m.size, gzip_index)))
    return tasks


def _sevenzip_tasks(host: Path, vpath: str, parent: str | None, depth: int, evid: int, bounds: Bounds,
                    key_prefix: str, store: CaseStore) -> list[ScanTask] | None:
    """A big 7z of several solid blocks as one task per run of blocks and one for the archive itself
    (sevenzip_split); the archive becomes an item here so that the members of every task find their parent."""
    groups = sevenzip_split.plan(host, bounds, depth)
    if groups is None:
        return None
    size = host.stat().st_size
    store.put_item(ItemInfo(vpath=vpath, name=vpath.rsplit("/", 1)[-1], depth=depth, parent_vpath=parent,
                            kind="archive", format="7z", size=size, extension=host.suffix.lower().lstrip(".")),
                   evidence_id=evid, task_key="plan")
    tasks = [ScanTask(_task_key(key_prefix, f"{vpath}\x00blocks:{g.first}-{g.last}"), evid, str(host), vpath, parent,
                      depth, g.packed, sevenzip=SevenZipRef(g.first, g.last)) for g in groups]
    own = max(0, size - sum(t.size for t in tasks))
    tasks.append(ScanTask(_task_key(key_prefix, f"{vpath}\x00container"), evid, str(host), vpath, parent, depth, own,
                          sevenzip=SevenZipRef(CONTAINER_TASK, CONTAINER_TASK)))
    return tasks


def _text_split_min_rows(registry) -> int:
    """Rows the first range of a split CSV must hold (text_split), and the rows before which a split mysqldump's
    table is never cut (sql_split): the table watermark's vote sample when the registry has establishments to
    test, else none."""
    from workbench.engine.beacon_scan import WATERMARK_SAMPLE_ROWS

    return WATERMARK_SAMPLE_ROWS if registry is not None and getattr(registry, "establishments", None) else 0


def _text_chunk_tasks(host: Path, vpath: str, parent: str | None, evid: int, size: int, bounds: Bounds,
                      key_prefix: str, store: CaseStore, threads: int, min_rows: int) -> list[ScanTask] | None:
    """A big CSV (plain or gzip) or plain mysqldump as one task per byte range (text_split, sql_split); its item
    (and a gzip's member) are stored here, so that every range's records and findings find it."""
    index_path = store.dir / "index" / f"{_task_key(key_prefix, vpath)}.txtidx"
    planned = text_split.plan(host, vpath.rsplit("/", 1)[-1], bounds, index_path, threads, min_rows)
    if planned is None:
        return None
    name = vpath.rsplit("/", 1)[-1]
    ext = host.suffix.lower().lstrip(".")
    item_vpath = vpath
    if planned.compression == "gzip":
        store.put_item(ItemInfo(vpath=vpath, name=name, depth=0, parent_vpath=parent, kind="archive", format="gzip",
                                size=size, extension=ext), evidence_id=evid, task_key="plan")
        label = (planned.member or "unnamed").replace("\x00", "\ufffd")
        item_vpath = f"{vpath}{VPATH_SEP}{label}"
        store.put_item(ItemInfo(vpath=item_vpath, name=label, depth=1, parent_vpath=vpath, kind=planned.kind,
                                size=planned.content_size), evidence_id=evid, task_key="plan")
    else:
        store.put_item(ItemInfo(vpath=vpath, name=name, depth=0, parent_vpath=parent, kind=planned.kind, size=size,
                                extension=ext), evidence_id=evid, task_key="plan")
    gzip_index = str(index_path) if planned.compression == "gzip" else None
    tasks, given = [], 0
    for i, chunk in enumerate(planned.chunks):
        share = (chunk.end - chunk.start) * size // planned.content_size  # evidence bytes, for progress
        if i == len(planned.chunks) - 1:
            share = size - given
        given += share
        ref = TextChunkRef(i, chunk.start, chunk.end, chunk.rows_before, planned.content_size,
                           planned.layout if chunk.state is None else chunk.state, item_vpath, gzip_index, planned.kind)
        tasks.append(ScanTask(_task_key(key_prefix, f"{vpath}\x00range{i}"), evid, str(host), vpath, parent, 0,
                              share, text_chunk=ref))
    store.log("balise", "file-split", {"item": item_vpath, "ranges": len(tasks), "bytes": planned.content_size})
    return tasks


def _plan_file(host: Path, vpath: str, parent: str | None, evid: int, size: int, bounds: Bounds,
               store: CaseStore, threads: int = 1, hash_index=None, text_rows: int = 0) -> list[ScanTask]:
    key_prefix = f"{evid}:{host}"
    depth = 0
    if size >= ZIP_SPLIT_MIN_BYTES:
        split = _zip_member_tasks(host, vpath, parent, depth, evid, bounds, key_prefix, nested=hash_index is None,
                                  scratch=store.tmp_dir / NESTED_SCRATCH)
        if split is not None and hash_index is not None and _in_hash_sets(host, hash_index):
            split = None  # only a zip about to be split is hashed here (the worker checks every other file)
        if split is not None:
            member_tasks, dirs = split
            info = ItemInfo(vpath=vpath, name=vpath.rsplit("/", 1)[-1], depth=depth, parent_vpath=parent,
                            kind="archive", format="zip", size=size, extension="zip" if host.suffix.lower() == ".zip" else host.suffix.lower().lstrip("."))
            store.put_item(info, evidence_id=evid, task_key="plan")
            for d in dirs:
                store.put_item(d, evidence_id=evid, task_key="plan")
            return member_tasks
        if hash_index is None or not _in_hash_sets(host, hash_index):  # a listed archive is walked whole
            split_tar = _tar_member_tasks(host, vpath, parent, depth, evid, bounds, key_prefix, store, threads)
            if split_tar is not None:
                return split_tar
            split_7z = _sevenzip_tasks(host, vpath, parent, depth, evid, bounds, key_prefix, store)
            if split_7z is not None:
                return split_7z
    if size >= bounds.split_text_min_bytes and hash_index is None:  # a file in a hash set is walked whole
        split_text = _text_chunk_tasks(host, vpath, parent, evid, size, bounds, key_prefix, store, threads, text_rows)
        if split_text is not None:
            return split_text
    return [ScanTask(_task_key(key_prefix, vpath), evid, str(host), vpath, parent, depth, size)]


def _record_skipped(store: CaseStore, label: str, evid: int, skipped: list[evidence_mod.SkippedEntry]) -> None:
    """FIFOs, devices, links and unreadable entries of a folder evidence: one item (skipped) and one error line
    each, so that what was not scanned is in the case; their parent folders are already items or the root."""
    for entry in skipped:
        vpath = f"{label}/{entry.relpath}"
        parent = vpath.rsplit("/", 1)[0]
        while store.item_id(parent) is None and "/" in parent:
            parent = parent.rsplit("/", 1)[0]
        store.put_item(ItemInfo(vpath=vpath, name=entry.relpath.rsplit("/", 1)[-1], depth=0, parent_vpath=parent,
                                entry_type=entry.entry_type, kind={"dir": "directory", "file": "unknown"}.get(
                                    entry.entry_type, entry.entry_type), status=STATUS_SKIPPED, error_stage="intake",
                                error=entry.detail), evidence_id=evid, task_key="plan")
        store.add_error(ItemError(vpath, "intake", entry.detail))


def _in_hash_sets(host: Path, hash_index) -> bool:
    """Whether a top-level zip is in a hash set: then it is walked whole by one task (skipped when known good,
    flagged when known bad) instead of being split into member tasks. Costs one more read of the zip, only when
    hash sets are loaded."""
    with Blob.from_path(host) as blob:
        md5 = hashlib.md5(blob.view(), usedforsecurity=False).hexdigest() if hash_index.needs_md5 and blob.size else None
        verdict = hash_index.match(hashlib.sha256(blob.view()).hexdigest() if blob.size else blob.sha256, md5)
    return bool(verdict.good or verdict.bad)


class _RunState:
    """Applies worker events to the case store and reports progress."""

    def __init__(self, store: CaseStore, bytes_total: int, bytes_before: int, tasks_total: int, skipped: int,
                 progress, started: float) -> None:
        self.store = store
        self.bytes_total = bytes_total
        self.bytes_done = bytes_before
        self.tasks_total = tasks_total
        self.tasks_done = 0
        self.skipped = skipped
        # Items as the case counts them (planned folders and earlier runs included): the progress panel and the
        # window's status bar showed 83 and 162 for the same scan when this counted only this run's events.
        self.items_done = store.count("items")
        self.progress = progress
        self.started = time.monotonic()
        self.bytes_at_start = bytes_before
        self.current = ""
        self.task_bytes: dict[str, int] = {}
        self.task_size: dict[str, int] = {}
        self.evidence_of: dict[str, int] = {}
        self.last_report = 0.0
        self.pending_writes = 0
        self.range_trouble: dict[str, ItemError] = {}  # split file -> first error of a range (RangeScanned)

    def begin(self, task: ScanTask) -> None:
        self.store.start_task(task.key)
        self.task_size[task.key] = task.size
        self.task_bytes[task.key] = 0
        self.evidence_of[task.key] = task.evidence_id

    def apply(self, event: WorkerEvent) -> None:
        store = self.store
        if isinstance(event, ItemScanned):
            info = event.info
            if store.item_id(info.vpath) is None:
                self.items_done += 1
            store.put_item(info, evidence_id=self.evidence_of[event.task_key], task_key=event.task_key)
            if info.vpath in self.range_trouble:  # a range's error came before the item's own task ended
                trouble = self.range_trouble[info.vpath]
                store.mark_item_partial(info.vpath, trouble.stage, trouble.error)
            if event.findings:
                store.add_findings(event.findings)
            for err in event.errors:
                store.add_error(err)
            self.current = info.vpath
        elif isinstance(event, ContainerScanned):
            store.replace_findings(event.vpath, "yara", event.findings)
            for err in event.errors:
                store.add_error(err)
        elif isinstance(event, ErrorNoted):
            store.add_error(event.error)
        elif isinstance(event, RangeScanned):
            store.add_findings(event.findings)
            for err in event.errors:
                store.add_error(err)
                self.range_trouble.setdefault(event.vpath, err)
                store.mark_item_partial(event.vpath, err.stage, err.error)
        elif isinstance(event, ShardsWritten):
            store.set_record_counts(event.records_per_item)
            store.register_shards(event.task_key, event.files)
        elif isinstance(event, TaskProgress):
            key = event.task_key
            remaining = self.task_size.get(key, 0) - self.task_bytes.get(key, 0)
            step = max(0, min(event.nbytes, remaining))
            self.task_bytes[key] = self.task_bytes.get(key, 0) + step
            self.bytes_done += step
            self.current = event.current
        self.pending_writes += 1
        if self.pending_writes >= 500:
            store.commit()
            self.pending_writes = 0
        self.report()

    def finish(self, key: str, error: str | None, *, status: str = "done") -> None:
        """The task ended. ``done`` (a failed item inside it is recorded; the task is not redone) or
        ``crashed`` (its worker died twice on it: recorded, and a later run of the scan tries it again)."""
        remaining = self.task_size.get(key, 0) - self.task_bytes.get(key, 0)
        self.bytes_done += max(0, remaining)
        self.task_bytes[key] = self.task_size.get(key, 0)
        if error is not None:
            where = self.store.first_item_of_task(key) or self.store.task_route(key) or key
            self.store.add_error(ItemError(where, "worker", error))
        self.store.finish_task(key, status)
        self.store.commit()
        self.tasks_done += 1
        self.report(force=True)

    def retry(self, task: ScanTask, exitcode: int | None) -> None:
        """The worker died on this task for the first time: forget what it wrote; the task runs again. A
        worker killed from outside (the OOM killer, an analyst's ``kill``) is not the item's fault, and
        recording it as failed lost the task for good."""
        delete_task_shards(self.store.dir, task.key, self.store.task_seq(task.key))
        self.store.forget_shards(task.key)
        self.bytes_done -= self.task_bytes.get(task.key, 0)
        self.task_bytes[task.key] = 0
        self.store.log("balise", "worker-died", {"task": task.key, "item": task.vpath, "exitcode": exitcode,
                                                 "action": "retried"})

    def crashed(self, task: ScanTask, exitcode: int | None, reason: str | None = None) -> None:
        """The worker died on this task again (a native crash on this item): record it against the task's top
        item; the task is marked ``crashed`` so that the next run of the scan tries it again."""
        msg = reason or f"worker process died (exit code {exitcode}) while scanning this item"
        delete_task_shards(self.store.dir, task.key, self.store.task_seq(task.key))  # its half-written results
        self.store.forget_shards(task.key)
        if self.store.item_id(task.vpath) is None:
            self.store.put_item(ItemInfo(vpath=task.vpath, name=task.vpath.rsplit("/", 1)[-1].rsplit("!/", 1)[-1],
                                         depth=task.depth, parent_vpath=task.parent_vpath, status="error",
                                         error_stage="worker", error=msg, size=task.size),
                                evidence_id=task.evidence_id, task_key=task.key)
        else:
            self.store.mark_item_error(task.vpath, "worker", msg)
        self.store.add_error(ItemError(task.vpath, "worker", msg))
        self.store.log("balise", "worker-crash", {"task": task.key, "exitcode": exitcode})
        self.finish(task.key, None, status="crashed")

    def report_phase(self, phase: str) -> None:
        if self.progress is not None:
            self.progress(Progress(self.bytes_done, self.bytes_total, self.items_done, self.tasks_done + self.skipped,
                                   self.tasks_total, "", 0.0, None, phase))

    def report(self, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if not force and now - self.last_report < 0.1:
            return
        self.last_report = now
        elapsed = max(1e-6, now - self.started)
        rate = (self.bytes_done - self.bytes_at_start) / elapsed
        self.progress(Progress(self.bytes_done, self.bytes_total, self.items_done, self.tasks_done + self.skipped,
                               self.tasks_total, self.current, rate, self.eta(elapsed)))

    def eta(self, elapsed: float) -> float | None:
        """Seconds left, from the share of work done counted in bytes *and* tasks.

        Tasks run biggest first, so a rate in bytes alone is high at the start and falls as the small items (whose
        cost is per item, not per byte) come: the demo's time left grew from 1:14 to 3:11. Each task is counted as
        ``TASK_COST_BYTES`` more bytes of work, and nothing is said before 2 s or 1 % of the work.
        """
        todo_tasks = self.tasks_total - self.skipped
        work_total = (self.bytes_total - self.bytes_at_start) + todo_tasks * TASK_COST_BYTES
        work_done = (self.bytes_done - self.bytes_at_start) + self.tasks_done * TASK_COST_BYTES
        if work_total <= 0 or elapsed < 2.0 or work_done < 0.01 * work_total:
            return None
        return max(0.0, elapsed * (work_total - work_done) / work_done)


class _Pool:
    """Worker processes fed one task at a time, so that a dead worker names the task that killed it."""

    def __init__(self, setup: WorkerSetup, jobs: int) -> None:
        self.setup = setup
        self.jobs = max(1, jobs)
        self.ctx = mp_context()
        self.cancel_event = self.ctx.Event()
        self.workers: dict[int, tuple] = {}  # id -> (process, task_queue)
        self.readers: dict[int, multiprocessing.connection.Connection] = {}  # id -> its events (EventPipe)
        self.inbox: collections.deque = collections.deque()  # (worker id, event) received, not yet handled
        self.next_id = 0
        self.deferred: collections.deque = collections.deque()
        self.retried: set[str] = set()  # tasks whose worker died once: a second death records the item as failed
        self.ready: set[int] = set()  # workers that reported ready at least once
        self.start_deaths = 0  # workers in a row that died before they were ready

    def _spawn(self) -> int:
        wid = self.next_id
        self.next_id += 1
        tq = self.ctx.Queue()
        reader, writer = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=worker_main, args=(wid, self.setup, tq, EventPipe(writer), self.cancel_event),
                                daemon=True, name=f"balise-worker-{wid}")
        proc.start()
        writer.close()  # the worker's end only: its death closes the pipe (EOF here)
        self.workers[wid] = (proc, tq)
        self.readers[wid] = reader
        return wid

    def _receive(self, wid: int, conn, limit: int = 64) -> None:
        """Up to ``limit`` events of one worker into the inbox; its pipe dropped at its end (the worker died or
        left) or when a message is spoilt (a death while writing)."""
        for _ in range(limit):
            try:
                if not conn.poll():
                    return
                self.inbox.append((wid, conn.recv()))
            except (EOFError, OSError, ValueError, TypeError, AttributeError, ImportError, IndexError,
                    pickle.UnpicklingError):
                conn.close()
                self.readers.pop(wid, None)
                return

    def _next_event(self, timeout: float) -> object | None:
        if not self.inbox and self.readers:
            ready = multiprocessing.connection.wait(list(self.readers.values()), timeout)
            for wid, conn in list(self.readers.items()):
                if conn in ready:
                    self._receive(wid, conn)
        elif not self.inbox:
            time.sleep(timeout)
        return self.inbox.popleft()[1] if self.inbox else None

    def run(self, todo: list[ScanTask], state: _RunState, cancel: CancelToken) -> bool:
        """Run every task; returns True when cancelled."""
        if not todo:
            return False
        pending = list(reversed(todo))  # pop() from the end = biggest first
        by_key = {t.key: t for t in todo}
        idle: list[int] = []
        busy: dict[int, str] = {}
        for _ in range(min(self.jobs, len(todo))):
            self._spawn()
        remaining = len(todo)
        cancelled = False
        last_check = time.monotonic()
        while remaining > 0:
            if cancel.cancelled and not cancelled:
                cancelled = True
                self.cancel_event.set()
                pending.clear()
            while idle and pending:
                wid = idle.pop()
                task = pending.pop()
                state.begin(task)
                busy[wid] = task.key
                self.workers[wid][1].put(task)
            event = self.deferred.popleft() if self.deferred else self._next_event(0.2)
            if event is not None:
                if isinstance(event, WorkerReady):
                    idle.append(event.worker_id)
                    self.ready.add(event.worker_id)
                    self.start_deaths = 0
                elif isinstance(event, WorkerFatal):
                    raise ScanError(f"a scan worker could not start: {event.error}")
                elif isinstance(event, TaskStarted):
                    pass
                elif isinstance(event, TaskDone):
                    busy.pop(event.worker_id, None)
                    state.finish(event.task_key, event.error)
                    remaining -= 1
                    idle.append(event.worker_id)
                elif isinstance(event, TaskCancelled):
                    busy.pop(event.worker_id, None)
                    state.store.finish_task(event.task_key, "cancelled")
                    remaining -= 1
                else:
                    state.apply(event)
                if time.monotonic() - last_check < 0.5:
                    continue
            last_check = time.monotonic()
            for wid, (proc, _tq) in list(self.workers.items()):
                if proc.is_alive():
                    continue
                del self.workers[wid]
                if wid not in self.ready:
                    self._died_at_start(proc.exitcode)
                key = busy.pop(wid, None)
                if wid in idle:
                    idle.remove(wid)
                if key is None:
                    self._forget(wid)
                else:
                    self._drain(state, wid)
                    if key not in self.retried and not cancelled:
                        self.retried.add(key)
                        state.retry(by_key[key], proc.exitcode)
                        pending.append(by_key[key])  # next to run
                    else:
                        state.crashed(by_key[key], proc.exitcode)
                        remaining -= 1
                if not cancelled and (pending or remaining > len(busy)):
                    self._spawn()
            if cancelled and not busy:
                break
            if not self.workers and remaining > 0 and not pending:
                break
        state.store.commit()
        return cancelled

    def _died_at_start(self, exitcode: int | None) -> None:
        """A worker died before it was ready (a broken install, a library that crashes on import, a script run
        without its ``if __name__ == "__main__"`` guard under spawn). A replacement would die the same way: the
        pool respawned such workers forever and the scan hung. Three in a row end the scan in one line."""
        self.start_deaths += 1
        if self.start_deaths >= MAX_START_DEATHS:
            raise ScanError(f"scan workers die as they start ({self.start_deaths} in a row, last exit code "
                            f"{exitcode}): check the installation with `balise doctor`")

    def _drain(self, state: _RunState, wid: int) -> None:
        """Apply what a dead worker managed to send before it died (before its task is forgotten or run again):
        its events already received, then what is left in its pipe."""
        conn = self.readers.get(wid)
        while conn is not None and wid in self.readers:
            before = len(self.inbox)
            self._receive(wid, conn, limit=1_000)
            if len(self.inbox) == before:
                break
        kept: collections.deque = collections.deque()
        for owner, event in self.inbox:
            if owner != wid:
                kept.append((owner, event))
            elif isinstance(event, ItemScanned | ContainerScanned | ErrorNoted | RangeScanned | ShardsWritten
                            | TaskProgress):
                state.apply(event)
            else:
                self.deferred.append(event)
        self.inbox = kept
        self._forget(wid)

    def _forget(self, wid: int) -> None:
        conn = self.readers.pop(wid, None)
        if conn is not None:
            conn.close()

    def shutdown(self) -> None:
        for _wid, (_proc, tq) in self.workers.items():
            with contextlib.suppress(OSError, ValueError):
                tq.put(None)
        deadline = time.monotonic() + 5
        for proc, _tq in self.workers.values():
            proc.join(timeout=max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=2)
        for wid in list(self.readers):
            self._forget(wid)
