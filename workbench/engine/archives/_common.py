"""Types and helpers shared by the archive handlers."""

from __future__ import annotations

import io
import lzma
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

import zstandard

from workbench.engine.bounds import BoundExceeded


class ArchiveError(Exception):
    """A corrupt, truncated, encrypted or unsupported archive or member. The walker records it and goes on."""


@dataclass
class Member:
    """One entry of an archive, as the container describes it. ``name`` is a label, never a host path."""

    name: str
    entry_type: str
    size_claimed: int | None
    compressed_size: int | None
    encrypted: bool
    link_target: str | None
    mtime: str | None
    open: Callable[[], BinaryIO]  # decompressed bytes in a CountingReader; stream formats: valid until the next member
    decrypted: bool = False  # it was encrypted and a password of the list opened it
    # What the container says about this entry that no honest tool writes (rule, detail): a negative size, a
    # name invalid in its declared encoding... The walker records each as a finding on the member's item.
    anomalies: tuple[tuple[str, str], ...] = ()


# Exceptions of the decompression libraries that mean "this data is corrupt or truncated".
DATA_ERRORS: tuple[type[BaseException], ...] = (
    zlib.error, EOFError, lzma.LZMAError, zipfile.BadZipFile, tarfile.TarError, zstandard.ZstdError,
    ValueError, OSError, RuntimeError, NotImplementedError, KeyError, IndexError, struct.error,
)


def describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"


class GuardedReader(io.RawIOBase):
    """Turns the decompressors' own exceptions into ``ArchiveError`` carrying the member's label."""

    def __init__(self, raw: Any, label: str) -> None:
        super().__init__()
        self._raw = raw
        self.label = label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        mv = memoryview(buffer).cast("B")
        try:
            # read1: at most one read of the layer below, so the bytes before a corrupt spot are handed out
            # before the error (a buffered read() that meets the error drops what it had gathered).
            read1 = getattr(self._raw, "read1", None)
            if read1 is not None:
                data = read1(len(mv))
            elif hasattr(self._raw, "readinto"):
                return self._raw.readinto(mv) or 0
            else:
                data = self._raw.read(len(mv))
        except (BoundExceeded, ArchiveError):
            raise
        except DATA_ERRORS as exc:
            raise ArchiveError(f"{self.label}: {describe(exc)}") from exc
        mv[:len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        try:
            read1 = getattr(self._raw, "read1", None)
            return read1(size) if read1 is not None else self._raw.read(size)
        except (BoundExceeded, ArchiveError):
            raise
        except DATA_ERRORS as exc:
            raise ArchiveError(f"{self.label}: {describe(exc)}") from exc

    def readall(self) -> bytes:
        chunks = []
        while data := self.read(1 << 20):
            chunks.append(data)
        return b"".join(chunks)

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            except DATA_ERRORS:
                pass
            finally:
                super().close()


class InputCounter(io.RawIOBase):
    """Counts compressed bytes read from ``raw``: the denominator of a stream's running ratio."""

    def __init__(self, raw: Any) -> None:
        super().__init__()
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer) or 0
        self.count += n
        return n

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        return data

    def consumed(self) -> int:
        return self.count


def raising_open(message: str) -> Callable[[], BinaryIO]:
    """An ``open`` for members that must not be read (links, devices, encrypted...)."""

    def _open() -> BinaryIO:
        raise ArchiveError(message)

    return _open


def clean_name(name: str) -> str:
    """A member name as stored, made safe to display and store: NULs become U+FFFD. Nothing else changes."""
    return name.replace("\x00", "\ufffd")


def unique_label(name: str, seen: dict[str, int]) -> str:
    """A member's label, made unique inside its archive (hostile archives repeat names): ``name#2`` for the
    second of a name, in the order the archive is walked. The walker and the split archives' planners share it:
    an item has the same virtual path whether its archive is walked whole or split into tasks."""
    label = (name or "unnamed").replace("\x00", "\ufffd")
    n = seen.get(label, 0) + 1
    seen[label] = n
    return label if n == 1 else f"{label}#{n}"


def decode_name(raw: bytes) -> str:
    """Names without a declared encoding: UTF-8 when valid, else cp1252 (French Windows tools)."""
    try:
        return clean_name(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return clean_name(raw.decode("cp1252", errors="replace"))


def iso_utc(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None
