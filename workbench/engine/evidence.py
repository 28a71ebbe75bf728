"""Evidence intake: read-only hashing (MD5, SHA-1, SHA-256 in one read) and re-verification.

Each evidence byte is read once for the three digests: a reader thread feeds the same chunk to three hashing
threads (hashlib releases the GIL on large buffers), through small bounded queues so memory stays flat.
Files are opened with O_RDONLY | O_NOATIME where the kernel allows it, so reading leaves access times alone.

Where the files are hashed is the executor's choice (a :data:`FileHasher`): without one, here, one file after the
other (as before); the local executor hashes ``--jobs`` files at once in this process (:class:`LocalHasher`); the
dask executor sends batches of paths to its workers, which read the bytes where they are and send back only
the digests (:func:`hash_batch`). The coordinator lists the folder (names, sizes, mtimes: metadata only) and
records; the manifest and its digests are the same whoever hashed.
"""

from __future__ import annotations

import hashlib
import os
import queue
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

CHUNK = 8 * 2**20
_DONE = object()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def open_readonly(path: Path) -> int:
    """Open a file descriptor read-only, without updating its access time when permitted."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    if noatime:
        try:
            return os.open(path, flags | noatime)
        except PermissionError:
            pass  # O_NOATIME needs ownership or CAP_FOWNER
    return os.open(path, flags)


@dataclass
class Digests:
    size: int
    md5: str
    sha1: str
    sha256: str


def hash_file(path: Path, *, progress: Callable[[int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> Digests:
    """MD5, SHA-1 and SHA-256 of a file in a single read, the three digests computed in parallel threads."""
    algos = [hashlib.md5(), hashlib.sha1(), hashlib.sha256()]
    queues: list[queue.Queue] = [queue.Queue(maxsize=4) for _ in algos]

    def consume(h, q: queue.Queue) -> None:
        while (chunk := q.get()) is not _DONE:
            h.update(chunk)

    threads = [threading.Thread(target=consume, args=(h, q), daemon=True) for h, q in zip(algos, queues, strict=True)]
    for t in threads:
        t.start()
    size = 0
    fd = open_readonly(path)
    try:
        with os.fdopen(fd, "rb", buffering=0, closefd=True) as fh:
            while True:
                if cancelled is not None and cancelled():
                    raise InterruptedError("hashing cancelled")
                chunk = fh.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                for q in queues:
                    q.put(chunk)
                if progress is not None:
                    progress(len(chunk))
    finally:
        for q in queues:
            q.put(_DONE)
        for t in threads:
            t.join()
    md5, sha1, sha256 = (h.hexdigest() for h in algos)
    return Digests(size, md5, sha1, sha256)


FileHasher = Callable[[Sequence[str]], list[Digests]]
"""Hashes files given by their paths (as the coordinator sees them); the digests in the same order."""


def sha256_file(path: Path, *, progress: Callable[[int], None] | None = None) -> tuple[int, str]:
    """Size and SHA-256 of a file, for the check at the end of a scan, which compares these two only: MD5 and
    SHA-1 as well cost 0.40 s per 50 MB against 0.09 s for SHA-256 alone (session 6 reference dump), serial time
    of the coordinator after the workers are done."""
    h = hashlib.sha256()
    size = 0
    fd = open_readonly(path)
    with os.fdopen(fd, "rb", buffering=0, closefd=True) as fh:
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            h.update(chunk)
            if progress is not None:
                progress(len(chunk))
    return size, h.hexdigest()


def hash_batch(paths: Sequence[str]) -> list[Digests]:
    """The body of a hashing task: each file of the batch read once, where it is (on a dask worker: through
    the worker's own path to the evidence). Picklable, module-level."""
    return [hash_file(Path(p)) for p in paths]


class LocalHasher:
    """The local executor's hashing: ``jobs`` files at once in this process (the bytes are on this machine).
    hashlib and the reads release the GIL, so a folder of many small files, where one file at a time leaves the
    three digest threads mostly idle, uses more than one core."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = max(1, jobs)

    def __call__(self, paths: Sequence[str]) -> list[Digests]:
        if self.jobs == 1 or len(paths) < 2:
            return hash_batch(paths)
        with ThreadPoolExecutor(max_workers=min(self.jobs, len(paths)), thread_name_prefix="balise-hash") as pool:
            return list(pool.map(lambda p: hash_file(Path(p)), paths))

    def sha256s(self, paths: Sequence[str], progress: Callable[[int], None] | None = None) -> list[tuple[int, str]]:
        """Size and SHA-256 of each file, ``jobs`` files at once (what :func:`verify` compares)."""
        if self.jobs == 1 or len(paths) < 2:
            return [sha256_file(Path(p), progress=progress) for p in paths]
        with ThreadPoolExecutor(max_workers=min(self.jobs, len(paths)), thread_name_prefix="balise-hash") as pool:
            return list(pool.map(lambda p: sha256_file(Path(p), progress=progress), paths))


@dataclass
class EvidenceFile:
    """One file of the evidence (the evidence itself when it is a file)."""

    relpath: str  # "" for a file evidence; the path under the folder for a folder evidence
    size: int
    md5: str
    sha1: str
    sha256: str
    mtime_ns: int


@dataclass
class Evidence:
    path: str
    is_dir: bool
    size: int
    md5: str
    sha1: str
    sha256: str
    acquired_utc: str
    files: list[EvidenceFile] = field(default_factory=list)


@dataclass
class SkippedEntry:
    """An entry of a folder evidence that is not scanned: a FIFO, socket or device (opening a FIFO for reading
    blocks until a writer comes, forever), a symlink (never followed), or a file or folder we may not read."""

    relpath: str
    entry_type: str  # model.ENTRY_*: fifo, device, symlink, other (socket), file or dir (unreadable)
    detail: str


def special_kind(mode: int) -> str | None:
    """The entry type of anything that is neither a regular file nor a folder; None for those two."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "other"  # a socket, a door, a whiteout


def check_evidence_path(path: Path) -> None:
    """Refuse, with one line, an evidence that is not a regular file or a folder, or a file we may not read.
    Looks with lstat/stat only: a FIFO is never opened."""
    st = os.stat(path)
    kind = special_kind(st.st_mode)
    if kind is not None:
        raise EvidenceRefused(f"{path}: a {'socket or other special file' if kind == 'other' else kind} is not "
                              f"evidence (only regular files and folders are taken in; it was not opened)")
    if stat.S_ISREG(st.st_mode):
        _probe_readable(path)


class EvidenceRefused(ValueError):
    """An evidence path that cannot be taken in; the message is the one line shown to the analyst."""


def _probe_readable(path: Path) -> None:
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0)))
    except OSError as exc:
        raise EvidenceRefused(f"{path}: not readable ({exc.strerror or exc})") from exc


def iter_evidence_files(root: Path, skipped: list[SkippedEntry] | None = None
                        ) -> Iterator[tuple[str, Path, os.stat_result]]:
    """Regular, readable files of an evidence, sorted, symlinks never followed. Yields (relpath, path, stat).
    Everything else found in a folder is appended to ``skipped`` (never opened, except the probe that a
    regular file can be opened read-only, which reads nothing)."""
    if not root.is_dir():
        yield "", root, root.stat()
        return
    stack = [root]
    found: list[tuple[str, Path, os.stat_result]] = []
    others: list[SkippedEntry] = []
    while stack:
        folder = stack.pop()
        rel = Path(folder).relative_to(root).as_posix()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError as exc:
            if folder == root:
                raise
            others.append(SkippedEntry(rel, "dir", f"folder not readable: {exc.strerror or exc}"))
            continue
        for entry in listed:
            path = Path(entry.path)
            relpath = path.relative_to(root).as_posix()
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                others.append(SkippedEntry(relpath, "other", f"not readable: {exc.strerror or exc}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append(path)
            elif stat.S_ISREG(st.st_mode):
                try:
                    _probe_readable(path)
                except EvidenceRefused as exc:
                    others.append(SkippedEntry(relpath, "file", f"file not readable: {getattr(exc.__cause__, 'strerror', None) or exc}"))
                    continue
                found.append((relpath, path, st))
            else:
                kind = special_kind(st.st_mode) or "other"
                what = {"other": "socket or other special file", "device": "device file"}.get(kind, kind)
                why = "not followed" if kind == "symlink" else "not opened"
                others.append(SkippedEntry(relpath, kind, f"a {what} is not a regular file: {why}"))
    if skipped is not None:
        skipped.extend(sorted(others, key=lambda e: e.relpath))
    yield from sorted(found, key=lambda f: f[0])


def manifest_digests(files: list[EvidenceFile]) -> tuple[str, str, str]:
    """Folder evidence digests: MD5/SHA-1/SHA-256 of the sorted manifest ``relpath\\tsize\\tsha256\\n``."""
    manifest = "".join(f"{f.relpath}\t{f.size}\t{f.sha256}\n" for f in sorted(files, key=lambda f: f.relpath)).encode()
    return hashlib.md5(manifest).hexdigest(), hashlib.sha1(manifest).hexdigest(), hashlib.sha256(manifest).hexdigest()


def take_in(path: Path, *, progress: Callable[[int], None] | None = None,
            cancelled: Callable[[], bool] | None = None, hasher: FileHasher | None = None) -> Evidence:
    """Hash an evidence file or folder read-only. A folder's digests are those of its manifest.
    ``hasher``: where the files are hashed (the executor's); without it, here with progress and cancel."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"evidence not found: {path}")
    acquired = utc_now()
    files = []
    listed = list(iter_evidence_files(path))
    if hasher is None:
        digests = [hash_file(file_path, progress=progress, cancelled=cancelled) for _r, file_path, _s in listed]
    else:
        digests = hasher([str(file_path) for _r, file_path, _s in listed])
    for (relpath, _file_path, st), d in zip(listed, digests, strict=True):
        files.append(EvidenceFile(relpath, d.size, d.md5, d.sha1, d.sha256, st.st_mtime_ns))
    if path.is_dir():
        md5, sha1, sha256 = manifest_digests(files)
        size = sum(f.size for f in files)
    else:
        f = files[0]
        md5, sha1, sha256, size = f.md5, f.sha1, f.sha256, f.size
    return Evidence(str(path.resolve()), path.is_dir(), size, md5, sha1, sha256, acquired, files)


@dataclass
class Verification:
    unchanged: bool
    verified_utc: str
    changes: list[str]


def verify(evidence: Evidence, *, progress: Callable[[int], None] | None = None,
           hasher: FileHasher | None = None) -> Verification:
    """Re-hash the evidence and compare with what was taken in; say what changed. ``hasher`` as for take_in."""
    changes: list[str] = []
    path = Path(evidence.path)
    if not path.exists():
        return Verification(False, utc_now(), [f"missing: {path}"])
    known = {f.relpath: f for f in evidence.files}
    seen = set()
    to_hash: list[tuple[str, Path]] = []
    found: list[tuple[str, str]] = []  # (relpath, change), in the listing's order
    for relpath, file_path, _st in iter_evidence_files(path):
        seen.add(relpath)
        if relpath not in known:
            found.append((relpath, f"added: {relpath}"))
            continue
        to_hash.append((relpath, file_path))
    files = [str(file_path) for _r, file_path in to_hash]
    if hasher is None or isinstance(hasher, LocalHasher):  # SHA-256 alone: the only digest compared below
        # progress as before: only without a hasher (one file at a time, never from several threads)
        sizes_sha256 = (hasher or LocalHasher(1)).sha256s(files, progress if hasher is None else None)
    else:  # the dask hasher reads the files where they are: its three digests, as before
        sizes_sha256 = [(d.size, d.sha256) for d in hasher(files)]
    for (relpath, _file_path), (size, sha256) in zip(to_hash, sizes_sha256, strict=True):
        before = known[relpath]
        if sha256 != before.sha256 or size != before.size:
            found.append((relpath, f"modified: {relpath or path.name}"))
    changes.extend(change for _r, change in sorted(found))
    changes.extend(f"removed: {r}" for r in sorted(set(known) - seen))
    return Verification(not changes, utc_now(), changes)
