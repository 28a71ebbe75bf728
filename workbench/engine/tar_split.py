"""Splitting a big tar or tar.gz into one task per member, so that ``--jobs`` cores share one archive.

A tar is a sequence of 512-byte headers each followed by its member's data: one pass over the headers gives
every regular member's data offset and size, and a task can then read its member alone. A plain tar is indexed
by seeking from header to header (a few milliseconds for thousands of members). A gzip stream has no random
access: the planning pass decompresses it once with rapidgzip (in parallel on every core) and keeps
rapidgzip's seek index (a checkpoint about every 4 MiB of output) in the case folder; each member task then
imports the index, seeks and decompresses only its own member, from the nearest checkpoint.

Before this, one 2 GB tar.gz was one task on one core whatever ``--jobs`` said.

The split is refused (the archive is then walked whole by one task, with every structural check of the tar
handler) when anything is unusual: fewer than two members, more members than the bounds allow, a member that
is not a regular file or a folder (links, devices, FIFOs are findings of the tar handler), a header tarfile
cannot read, a claimed size past the end of the stream, or a decompression error.
"""

from __future__ import annotations

import io
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from workbench.engine.bounds import Bounds

TAR_MAGIC_OFFSET = 257
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class PlannedMember:
    name: str  # as stored (tarfile's decoding; the caller cleans it into a label)
    offset: int
    size: int
    is_dir: bool


def _is_tar_header(block: bytes) -> bool:
    return len(block) >= 263 and block[TAR_MAGIC_OFFSET:TAR_MAGIC_OFFSET + 5] == b"ustar"


def _members(fileobj: BinaryIO, stream_size: int, bounds: Bounds) -> list[PlannedMember] | None:
    out: list[PlannedMember] = []
    try:
        with tarfile.open(fileobj=fileobj, mode="r:") as tf:
            for ti in tf:
                if len(out) >= bounds.max_members:
                    return None
                if not (ti.isreg() or ti.isdir()) or ti.size < 0:
                    return None
                if ti.isreg() and ti.offset_data + ti.size > stream_size:
                    return None  # a claimed size beyond the stream: the tar handler records it
                out.append(PlannedMember(ti.name, ti.offset_data, ti.size, ti.isdir()))
    except (tarfile.TarError, OSError, EOFError, ValueError, RuntimeError):
        return None
    return out if sum(not m.is_dir for m in out) >= 2 else None


def plan(host: Path, bounds: Bounds, index_path: Path, threads: int) -> tuple[str, list[PlannedMember]] | None:
    """``("tar" | "tar.gz", members)`` for a splittable archive, else None. For a tar.gz, the seek index is
    written to ``index_path`` (inside the case folder)."""
    try:
        with open(host, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return None
    if _is_tar_header(head):
        with open(host, "rb") as fh:
            members = _members(fh, os.fstat(fh.fileno()).st_size, bounds)
        return ("tar", members) if members else None
    if not head.startswith(GZIP_MAGIC):
        return None
    try:
        import rapidgzip
    except ImportError:
        return None
    try:
        with rapidgzip.open(str(host), parallelization=max(1, threads)) as gz:
            if not _is_tar_header(gz.read(512)):
                return None
            gz.seek(0, io.SEEK_END)  # decompresses the whole stream once (in parallel) and learns its size
            size = gz.tell()
            gz.seek(0)
            members = _members(gz, size, bounds)
            if not members:
                return None
            save_gzip_index(gz, index_path)
    except (OSError, ValueError, RuntimeError, EOFError):
        return None
    return "tar.gz", members


class _Window(io.RawIOBase):
    """``size`` bytes of ``raw`` from its current position; closes ``raw`` (and what it owns) on close."""

    def __init__(self, raw: BinaryIO, size: int, owned: tuple = ()) -> None:
        super().__init__()
        self._raw = raw
        self._left = size
        self._owned = owned

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: self._left]
        data = self._raw.read(len(view))
        n = len(data)
        if n == 0:
            raise EOFError(f"tar member cut short: {self._left} bytes missing")
        view[:n] = data
        self._left -= n
        return n

    def close(self) -> None:
        if not self.closed:
            for obj in (self._raw, *self._owned):
                obj.close()
        super().close()


def save_gzip_index(gz, index_path: Path) -> None:
    """rapidgzip's seek index of an open stream, written to ``index_path`` whole or not at all (a ``.part`` file
    renamed): a planning pass cut short never leaves a partial index for the member tasks to trust."""
    index_path.parent.mkdir(parents=True, exist_ok=True)
    part = index_path.with_name(index_path.name + ".part")
    with open(part, "wb") as out:
        gz.export_index(out)
    part.replace(index_path)


def open_member(host: str, offset: int, size: int, gzip_index: str | None) -> BinaryIO:
    """The member's bytes as a stream: a seek in a plain tar, or rapidgzip with the planning pass's index."""
    if gzip_index is None:
        fh = open(host, "rb")  # noqa: SIM115 - closed by the window
        fh.seek(offset)
        return io.BufferedReader(_Window(fh, size), 1 << 20)
    import rapidgzip

    gz = rapidgzip.open(host, parallelization=1)
    try:
        with open(gzip_index, "rb") as index:
            gz.import_index(index)
        gz.seek(offset)
    except BaseException:
        gz.close()
        raise
    return io.BufferedReader(_Window(gz, size), 1 << 20)
