"""7z archives through py7zr, decompressed in memory and streamed member by member.

py7zr pushes decompressed bytes into writers made by a ``WriterFactory``; the walker pulls bytes from a
reader. One producer thread runs ``extractall(factory=...)`` and hands chunks through a small bounded queue
to the member being read, so memory stays at a few chunks whatever the member sizes, nothing touches the
disk, and a solid archive is decompressed once, in order. Member ``open`` is valid until the next member.

py7zr 1.1.4 specifics we rely on (pinned in pyproject.toml; the tests exercise each):
  - its extraction sanitises member names into output paths and refuses ``../`` names even in memory: we
    give it placeholder names and keep the stored names as labels;
  - ``Worker.register_filelike`` is where each member gets its in-memory writer: we hook it so each writer
    knows its member id;
  - ``get_memory_limit()`` sizes its decompression chunks (up to 128 MB each): we cap it at 1 MiB;
  - ``extract(targets=...)`` on an archive of several solid blocks skips (and never reads) each block that holds
    no target: a task of a 7z split by blocks decompresses its own blocks only (``stream_entries(only=...)``,
    sevenzip_split; measured in tests/engine/test_sevenzip_split.py).
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Collection, Iterator, Sequence
from typing import Any, BinaryIO

import py7zr
import py7zr.py7zr as _py7zr_impl
from py7zr.io import MemIO, Py7zIO, WriterFactory

from workbench.engine import model
from workbench.engine.archives._common import (
    DATA_ERRORS,
    ArchiveError,
    InputCounter,
    Member,
    clean_name,
    describe,
    iso_utc,
    raising_open,
)
from workbench.engine.blob import Blob
from workbench.engine.bounds import RULE_TOO_MANY_MEMBERS, BoundExceeded, Bounds, Budget, CountingReader

CHUNK_LIMIT = 1 << 20
QUEUE_CHUNKS = 4
PASSWORD_PROBE = 1 << 20
LINK_TARGET_MAX = 4096
_original_memory_limit = _py7zr_impl.get_memory_limit


def _capped_memory_limit() -> int:
    return min(_original_memory_limit(), CHUNK_LIMIT)


_py7zr_impl.get_memory_limit = _capped_memory_limit

# py7zr parsing a damaged (or wrongly decrypted) header can fail with almost anything (TypeError: Unknown field...).
SEVENZIP_ERRORS = (py7zr.exceptions.ArchiveError, py7zr.exceptions.PasswordRequired, TypeError, AttributeError,
                   ZeroDivisionError, *DATA_ERRORS)


class _Stop(Exception):
    """Raised inside the producer thread when the consumer went away."""


class _SeekableCounter(InputCounter):
    """The archive file for py7zr, counting compressed bytes read (the denominator of the running ratio)."""

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


class _Channel:
    """Events from the producer thread: ("start", id), ("data", bytes), ("end", id), ("done",), ("error", exc)."""

    def __init__(self) -> None:
        self.q: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
        self.stop = threading.Event()

    def put(self, event: tuple) -> None:
        while True:
            if self.stop.is_set():
                raise _Stop()
            try:
                self.q.put(event, timeout=0.1)
                return
            except queue.Full:
                continue

    def get(self, thread: threading.Thread) -> tuple:
        while True:
            try:
                return self.q.get(timeout=0.5)
            except queue.Empty:
                if not thread.is_alive() and self.q.empty():
                    return ("error", ArchiveError("7z extraction thread ended without a word"))


class _Writer(Py7zIO):
    def __init__(self, fid: int, channel: _Channel, probe_limit: int | None = None) -> None:
        self.fid = fid
        self.channel = channel
        self._size = 0
        self._probe_limit = probe_limit
        channel.put(("start", fid))

    def write(self, s: bytes | bytearray) -> int:
        n = len(s)
        self._size += n
        self.channel.put(("data", bytes(s)))
        return n

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return self._size

    def close(self) -> None:  # py7zr calls this only when the member decompressed and its CRC matched
        self.channel.put(("end", self.fid))


class _OneMemberFactory(WriterFactory):
    def __init__(self, fid: int, channel: _Channel) -> None:
        self.fid = fid
        self.channel = channel

    def create(self, filename: str) -> Py7zIO:
        return _Writer(self.fid, self.channel)


def _open_archive(blob: Blob, password: str | None) -> tuple[py7zr.SevenZipFile, _SeekableCounter]:
    fh = _SeekableCounter(blob.open())
    try:
        return py7zr.SevenZipFile(fh, mode="r", password=password), fh
    except BaseException:
        fh.close()
        raise


def _start(szf: py7zr.SevenZipFile, targets: Collection[int] | None = None) -> tuple[_Channel, threading.Thread]:
    """Run the extraction in a producer thread. ``targets``: the ids of the only members to decompress (py7zr
    then skips every solid block that holds none of them; a split 7z's task, see sevenzip_split)."""
    channel = _Channel()
    for f in szf.files:  # placeholder output names: py7zr refuses ../ or absolute names even in memory
        f._file_info["filename"] = f"m{f.id}"  # noqa: SLF001
    register = szf.worker.register_filelike

    def _register(fid: int, fileish: Any) -> None:
        if isinstance(fileish, MemIO):
            fileish.factory = _OneMemberFactory(fid, channel)
        register(fid, fileish)

    szf.worker.register_filelike = _register

    def _run() -> None:
        try:
            if targets is None:
                szf.extractall(factory=_OneMemberFactory(-1, channel))
            else:
                szf.extract(targets=[f"m{fid}" for fid in targets], factory=_OneMemberFactory(-1, channel))
            channel.put(("done",))
        except _Stop:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            try:
                channel.put(("error", exc))
            except _Stop:
                return

    thread = threading.Thread(target=_run, name="7z-extract", daemon=True)
    thread.start()
    return channel, thread


def _stop(channel: _Channel, thread: threading.Thread) -> None:
    channel.stop.set()
    while True:
        try:
            channel.q.get_nowait()
        except queue.Empty:
            break
    thread.join(timeout=10)


def _password_works(blob: Blob, password: str) -> bool:
    """Decompress up to PASSWORD_PROBE bytes (or the first member and its CRC) with ``password``."""
    try:
        szf, fh = _open_archive(blob, password)
    except SEVENZIP_ERRORS:
        return False
    with szf, fh:
        channel, thread = _start(szf)
        got = 0
        try:
            while got < PASSWORD_PROBE:
                event = channel.get(thread)
                if event[0] == "data":
                    got += len(event[1])
                elif event[0] == "end" or event[0] == "done":
                    return True
                elif event[0] == "error":
                    return False
            return True
        finally:
            _stop(channel, thread)


class _MemberReader(io.RawIOBase):
    """Pulls one member's chunks from the channel; raises ArchiveError if the extraction fails under it."""

    def __init__(self, channel: _Channel, thread: threading.Thread, label: str) -> None:
        super().__init__()
        self._channel = channel
        self._thread = thread
        self._label = label
        self._pending = memoryview(b"")
        self.finished = False
        self.failure: BaseException | None = None

    def readable(self) -> bool:
        return True

    def _fill(self) -> bool:
        while not self._pending and not self.finished:
            event = self._channel.get(self._thread)
            if event[0] == "data":
                self._pending = memoryview(event[1])
            elif event[0] == "end":
                self.finished = True
            elif event[0] == "error":
                self.finished = True
                self.failure = event[1]
                raise ArchiveError(f"{self._label}: {describe(event[1])}") from event[1]
            else:
                self.finished = True
                self.failure = ArchiveError(f"unexpected 7z event {event[0]!r} inside a member")
                raise self.failure
        return bool(self._pending)

    def readinto(self, buffer: Any) -> int:
        if self.failure is not None:
            raise ArchiveError(f"{self._label}: {describe(self.failure)}")
        if not self._fill():
            return 0
        mv = memoryview(buffer).cast("B")
        n = min(len(mv), len(self._pending))
        mv[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:  # the walker closes its reader; the remaining bytes are drained by the iterator
        super().close()


def _entry(f: Any) -> str:
    if f.is_directory:
        return model.ENTRY_DIR
    if f.is_symlink or f.is_junction:
        return model.ENTRY_SYMLINK
    if f.is_socket:
        return model.ENTRY_OTHER
    return model.ENTRY_FILE


def _mtime(f: Any) -> str | None:
    try:
        ts = f.lastwritetime
        return iso_utc(ts.totimestamp()) if ts is not None else None
    except (AttributeError, ValueError, OverflowError, OSError):
        return None


def iter_7z(blob: Blob, *, name: str, bounds: Bounds, budget: Budget, passwords: Sequence[bytes] = (),
            compressed_size: int | None = None) -> Iterator[Member]:
    password: str | None = None
    try:
        szf, fh = _open_archive(blob, None)
        needs = szf.needs_password()
    except py7zr.exceptions.PasswordRequired:
        szf, fh, needs = None, None, True  # encrypted headers: not even the names without the password
    except SEVENZIP_ERRORS as exc:
        raise ArchiveError(f"{name}: unreadable 7z: {describe(exc)}") from exc
    if needs:
        for candidate in passwords:
            text = candidate.decode("utf-8", errors="replace")
            if _password_works(blob, text):
                password = text
                break
        if szf is not None:
            szf.close()
            fh.close()
        if password is None:
            if szf is None:
                raise ArchiveError(f"{name}: encrypted 7z (headers too): no password of the list opens it")
            yield from _encrypted_listing(blob, name, bounds)
            return
        try:
            szf, fh = _open_archive(blob, password)
        except SEVENZIP_ERRORS as exc:
            raise ArchiveError(f"{name}: unreadable 7z: {describe(exc)}") from exc
    with szf, fh:
        yield from _stream_members(szf, fh, name=name, bounds=bounds, budget=budget, decrypted=needs)


def _encrypted_listing(blob: Blob, name: str, bounds: Bounds) -> Iterator[Member]:
    szf, fh = _open_archive(blob, None)
    with szf, fh:
        for count, f in enumerate(list(szf.files), 1):
            if count > bounds.max_members:
                raise BoundExceeded(RULE_TOO_MANY_MEMBERS, f"{name}: more than {bounds.max_members} entries")
            entry = _entry(f)
            fname = clean_name(f.filename)
            yield Member(name=fname, entry_type=entry, size_claimed=f.uncompressed if entry == model.ENTRY_FILE else None,
                         compressed_size=f.compressed, encrypted=entry == model.ENTRY_FILE, link_target=None,
                         mtime=_mtime(f), open=raising_open(f"{name}!/{fname}: encrypted, no password of the list opens it"))


def _stream_members(szf: py7zr.SevenZipFile, fh: _SeekableCounter, *, name: str, bounds: Bounds, budget: Budget,
                    decrypted: bool) -> Iterator[Member]:
    for _fid, member in stream_entries(szf, fh, name=name, bounds=bounds, budget=budget, decrypted=decrypted):
        yield member


def open_plain(blob: Blob) -> tuple[py7zr.SevenZipFile, _SeekableCounter]:
    """The archive opened without a password, its file counting the compressed bytes read (sevenzip_split)."""
    return _open_archive(blob, None)


def stream_entries(szf: py7zr.SevenZipFile, fh: _SeekableCounter, *, name: str, bounds: Bounds, budget: Budget,
                   decrypted: bool = False, only: frozenset[int] | None = None) -> Iterator[tuple[int, Member]]:
    """(member id, Member) in the order the archive is walked whole: folders and sockets first, then the members
    as py7zr decompresses them. ``only``: the ids to yield; py7zr decompresses no solid block without one of
    them (a task of a 7z split by solid blocks)."""
    files = {f.id: f for f in szf.files if only is None or f.id in only}
    names = {fid: clean_name(f.filename) for fid, f in files.items()}
    count = 0

    def _counted() -> None:
        nonlocal count
        count += 1
        if count > bounds.max_members:
            raise BoundExceeded(RULE_TOO_MANY_MEMBERS, f"{name}: more than {bounds.max_members} entries")

    # Entries py7zr does not hand to a writer: directories and sockets.
    for fid, f in files.items():
        if f.is_directory or f.is_socket:
            _counted()
            entry = _entry(f)
            yield fid, Member(name=names[fid], entry_type=entry, size_claimed=None, compressed_size=None,
                              encrypted=False, link_target=None, mtime=_mtime(f),
                              open=raising_open(f"{name}!/{names[fid]}: a {entry} entry has no content to read"))
    targets = None if only is None else [fid for fid, f in files.items() if not (f.is_directory or f.is_socket)]
    if targets == []:
        return
    channel, thread = _start(szf, targets)
    try:
        while True:
            event = channel.get(thread)
            if event[0] == "done":
                return
            if event[0] == "error":
                exc = event[1]
                raise ArchiveError(f"{name}: 7z extraction failed after {count} entries: {describe(exc)}") from exc
            if event[0] != "start":
                raise ArchiveError(f"{name}: unexpected 7z event {event[0]!r}")
            fid = event[1]
            f = files.get(fid)
            if f is None:
                raise ArchiveError(f"{name}: py7zr decompressed entry #{fid}, which was not asked for")
            label = f"{name}!/{names[fid]}"
            reader = _MemberReader(channel, thread, label)
            _counted()
            if _entry(f) == model.ENTRY_SYMLINK:
                target = _read_link(reader, bounds, budget, label)
                yield fid, Member(name=names[fid], entry_type=model.ENTRY_SYMLINK, size_claimed=None,
                                  compressed_size=None, encrypted=False, link_target=target, mtime=_mtime(f),
                                  open=raising_open(f"{label}: a symlink entry has no content to read"))
                continue
            counting = CountingReader(reader, bounds=bounds, budget=budget, compressed_size=fh.consumed, label=label)
            opened = [False]

            def _open(counting: CountingReader = counting, opened: list[bool] = opened) -> BinaryIO:
                if opened[0]:
                    raise ArchiveError(f"{counting.label}: a 7z member is a stream: it can be opened once")
                opened[0] = True
                return counting  # type: ignore[return-value]

            yield fid, Member(name=names[fid], entry_type=model.ENTRY_FILE, size_claimed=f.uncompressed,
                              compressed_size=f.compressed, encrypted=False, link_target=None, mtime=_mtime(f),
                              open=_open, decrypted=decrypted)
            _drain(reader, counting)
    finally:
        _stop(channel, thread)


def _drain(reader: _MemberReader, counting: CountingReader) -> None:
    """Read what the walker left of a member (counted and bounded) so the next member can start."""
    if reader.finished:
        if reader.failure is not None:
            raise ArchiveError(f"{counting.label}: {describe(reader.failure)}")
        return
    buf = bytearray(CHUNK_LIMIT)
    while True:
        n = reader.readinto(buf)
        if n == 0:
            return
        counting._account(n)  # noqa: SLF001 - the same bounds as if the walker had read them


def _read_link(reader: _MemberReader, bounds: Bounds, budget: Budget, label: str) -> str:
    counting = CountingReader(reader, bounds=bounds, budget=budget, label=label)
    data = bytearray()
    buf = bytearray(CHUNK_LIMIT)
    while n := counting.readinto(buf):
        if len(data) < LINK_TARGET_MAX:
            data += buf[:min(n, LINK_TARGET_MAX - len(data))]
    return clean_name(bytes(data).decode("utf-8", errors="replace"))
