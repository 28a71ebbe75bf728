"""The bytes of one item, with random access and without copies.

A blob is either a read-only mmap of an evidence file, bytes in memory, or a stream spooled into memory
(small) or into an anonymous temporary file (large) created in a folder the caller owns. Evidence files
are never written: they are opened O_RDONLY (plus O_NOATIME when the kernel allows it, so that reading
does not change their access times).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import mmap
import os
import stat
import tempfile
from typing import Any, BinaryIO

SPOOL_CHUNK = 1 << 20
DEFAULT_MEMORY_LIMIT = 64 * 2**20


class _ViewReader(io.RawIOBase):
    """A seekable read-only stream over a memoryview (no copy of the whole content)."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = len(self._view) + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise OSError("negative seek position")
        self._pos = pos
        return pos

    def readinto(self, buffer: Any) -> int:
        mv = memoryview(buffer).cast("B")
        chunk = self._view[self._pos:self._pos + len(mv)]
        n = len(chunk)
        mv[:n] = chunk
        self._pos += n
        return n

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else self._pos + size
        data = bytes(self._view[self._pos:end])
        self._pos += len(data)
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def close(self) -> None:
        if not self.closed:
            self._view.release()
        super().close()


class Blob:
    """Bytes of one item. Use as a context manager, or call ``close()``."""

    def __init__(self, data: bytes | bytearray | mmap.mmap | None, *, sha256: str | None = None,
                 backing: Any = None) -> None:
        self._data = data if data is not None else b""
        self._backing = backing  # temp file kept open (and so alive) while the mmap is in use
        self.size = len(self._data)
        self.sha256 = sha256
        self.closed = False
        self.path: str | None = None  # the file mapped by ``from_path`` (readers that need a file name use it)
        self.cut: BaseException | None = None  # why a spooled stream ended early (see ``spool(keep_on=...)``)

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def from_path(cls, path: str | os.PathLike) -> Blob:
        """Map a file read-only. The file is never written and its atime is left alone when permitted."""
        # O_NONBLOCK: opening a FIFO planted in the evidence must not wait for a writer.
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
        noatime = getattr(os, "O_NOATIME", 0)
        try:
            fd = os.open(path, flags | noatime)
        except PermissionError:
            if not noatime:
                raise
            fd = os.open(path, flags)  # O_NOATIME needs ownership of the file (or CAP_FOWNER)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise ValueError(f"not a regular file: {os.fspath(path)!r}")
            size = st.st_size
            if size == 0:  # an empty file cannot be mapped
                return cls(b"")
            blob = cls(mmap.mmap(fd, 0, access=mmap.ACCESS_READ))
            blob.path = os.fspath(path)
            return blob
        finally:
            os.close(fd)

    @classmethod
    def from_bytes(cls, data: bytes) -> Blob:
        """Wrap bytes already in memory (attachments, tests). Hashed: cheap, and it names the item."""
        return cls(bytes(data), sha256=hashlib.sha256(data).hexdigest())

    @classmethod
    def spool(cls, stream: BinaryIO, tmp_dir: str | os.PathLike, *, memory_limit: int = DEFAULT_MEMORY_LIMIT,
              chunk_size: int = SPOOL_CHUNK, keep_on: tuple[type[BaseException], ...] = ()) -> Blob:
        """Copy ``stream`` to the end, hashing it (SHA-256) as it comes.

        Up to ``memory_limit`` bytes stay in memory; past that, everything goes to an anonymous temporary
        file created in ``tmp_dir`` (no name of ours or of the member; removed when the blob is closed).
        Exceptions of ``stream`` (bounds, corruption) propagate and nothing is left behind, except those of
        ``keep_on`` once some bytes came: the blob then holds what was read before, and ``cut`` the exception
        (a truncated .gz/.xz/.zst still gives its first megabytes to the scan).
        """
        cut: BaseException | None = None
        digest = hashlib.sha256()
        buf = bytearray()
        tmp: BinaryIO | None = None
        chunk = bytearray(chunk_size)
        view = memoryview(chunk)
        try:
            while True:
                try:
                    n = _read_into(stream, view)
                except keep_on as exc:
                    if tmp is None and not buf:
                        raise
                    cut = exc
                    break
                if n == 0:
                    break
                part = view[:n]
                digest.update(part)
                if tmp is None:
                    buf += part
                    if len(buf) > memory_limit:
                        tmp = tempfile.TemporaryFile(dir=os.fspath(tmp_dir))  # noqa: SIM115 - outlives this call
                        tmp.write(buf)
                        buf = bytearray()
                else:
                    tmp.write(part)
            if tmp is None:
                blob = cls(buf, sha256=digest.hexdigest())
            else:
                tmp.flush()
                size = tmp.tell()
                mapped = mmap.mmap(tmp.fileno(), size, access=mmap.ACCESS_READ)
                blob = cls(mapped, sha256=digest.hexdigest(), backing=tmp)
            blob.cut = cut
            return blob
        except BaseException:
            if tmp is not None:
                tmp.close()
            raise
        finally:
            view.release()

    # -- access -------------------------------------------------------------------------------
    def _check(self) -> None:
        if self.closed:
            raise ValueError("blob is closed")

    def view(self) -> memoryview:
        """The whole content, zero-copy and read-only."""
        self._check()
        return memoryview(self._data).toreadonly()

    def head(self, n: int = 65536) -> bytes:
        self._check()
        return bytes(self._data[:n])

    def file_name(self) -> str | None:
        """The file mapped by ``from_path`` (readers that need a name open it read-only, without copying); None
        for bytes in memory or in an anonymous spool file (SQLite resolves ``/proc/self/fd/N`` to the deleted
        name, which it cannot open)."""
        self._check()
        return self.path

    def open(self) -> BinaryIO:
        """A fresh seekable reader over the same bytes (independent position)."""
        self._check()
        return io.BufferedReader(_ViewReader(self.view()), buffer_size=SPOOL_CHUNK)  # type: ignore[return-value]

    def close(self) -> None:
        """Release the mapping and delete the temporary file, if any. Idempotent."""
        if self.closed:
            return
        self.closed = True
        data, self._data = self._data, b""
        if isinstance(data, mmap.mmap):
            # A view still exported keeps the mapping alive: it goes away with the last view.
            with contextlib.suppress(BufferError):
                data.close()
        if self._backing is not None:
            self._backing.close()
            self._backing = None

    def __enter__(self) -> Blob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        where = "mmap" if isinstance(self._data, mmap.mmap) else "memory"
        return f"<Blob {self.size} bytes in {where}{' (closed)' if self.closed else ''}>"


def _read_into(stream: Any, view: memoryview) -> int:
    """Fill part of ``view`` from ``stream``; 0 at the end of the stream."""
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        return readinto(view) or 0
    data = stream.read(len(view))
    view[:len(data)] = data
    return len(data)
