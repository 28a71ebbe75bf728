"""Single-file compressors (gzip, bzip2, xz/lzma, zstd): one member, the decompressed stream.

Ratios are checked against the compressed bytes consumed *so far* (a running ratio), so a 10 GB gzip of
zeros trips as soon as the grace bytes are out instead of after 250 x its whole compressed size.
"""

from __future__ import annotations

import _compression
import bz2
import gzip
import io
import lzma
import struct
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

import zstandard

from workbench.engine import model
from workbench.engine.archives._common import (
    DATA_ERRORS,
    GuardedReader,
    InputCounter,
    Member,
    iso_utc,
)
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget, CountingReader

SINGLE_FORMATS = ("gzip", "bzip2", "xz", "zstd")
XZ_MEMLIMIT = 256 * 2**20  # xz -9 needs 65 MiB; a 1.5 GiB dictionary is a memory bomb
ZSTD_MAX_WINDOW = 2**27  # zstd's own default limit (128 MiB): refuse --long=31 windows explicitly
TAR_PEEK = 512

_SUFFIXES = {
    "gzip": {".gz": "", ".gzip": "", ".z": "", ".tgz": ".tar", ".taz": ".tar"},
    "bzip2": {".bz2": "", ".bz": "", ".tbz": ".tar", ".tbz2": ".tar", ".tb2": ".tar"},
    "xz": {".xz": "", ".lzma": "", ".txz": ".tar", ".tlz": ".tar"},
    "zstd": {".zst": "", ".zstd": "", ".tzst": ".tar"},
}


def sniff_compression(head: bytes) -> str | None:
    """The compressor of a stream from its magic bytes, or None."""
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh":
        return "bzip2"
    if head[:6] == b"\xfd7zXZ\x00" or head[:3] == b"\x5d\x00\x00":
        return "xz"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    return None


def zstd_truncation(view: memoryview) -> str | None:
    """Why a zstd stream is incomplete, or None. python-zstandard's stream reader reports a cut stream as
    a clean end, so the frames are walked here (headers and block sizes only, no decompression)."""
    pos, end = 0, len(view)
    while pos < end:
        if end - pos < 4:
            return f"{end - pos} stray bytes after the last frame"
        magic = int.from_bytes(view[pos:pos + 4], "little")
        if 0x184D2A50 <= magic <= 0x184D2A5F:  # skippable frame
            if end - pos < 8:
                return "cut inside a skippable frame header"
            pos += 8 + int.from_bytes(view[pos + 4:pos + 8], "little")
            continue
        if magic != 0xFD2FB528:
            return f"no zstd frame at byte {pos}"
        if pos + 5 > end:
            return "cut inside a frame header"
        fhd = view[pos + 4]
        single = bool(fhd & 0x20)
        fcs = (1 if single else 0, 2, 4, 8)[fhd >> 6]
        pos += 5 + (0 if single else 1) + (0, 1, 2, 4)[fhd & 3] + fcs
        while True:
            if pos + 3 > end:
                return f"cut inside a block header at byte {pos}"
            header = int.from_bytes(view[pos:pos + 3], "little")
            last, btype, size = header & 1, (header >> 1) & 3, header >> 3
            if btype == 3:
                return f"reserved block type at byte {pos}"
            pos += 3 + (1 if btype == 1 else size)
            if last:
                break
        pos += 4 if fhd & 0x04 else 0
        if pos > end:
            return "cut inside the last block or checksum"
    return None


class _CheckedEnd(io.RawIOBase):
    """Raises EOFError at the end of ``raw`` when ``problem()`` says the compressed stream was cut."""

    def __init__(self, raw: Any, problem: Any) -> None:
        super().__init__()
        self._raw = raw
        self._problem = problem

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer) or 0
        if n == 0 and len(buffer) and (why := self._problem()):
            raise EOFError(f"truncated zstd stream: {why}")
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def open_decompressed(fmt: str, raw: Any, view: memoryview | None = None) -> BinaryIO:
    """A reader of the decompressed bytes of ``raw`` (multi-member/multi-frame streams included).
    ``view``: the whole compressed bytes, to detect cut zstd streams (the library cannot)."""
    if fmt == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if fmt == "bzip2":
        return bz2.BZ2File(raw, mode="rb")  # type: ignore[return-value]
    if fmt == "xz":
        # LZMAFile has no memlimit: build the same reader it builds, with one.
        reader = _compression.DecompressReader(raw, lzma.LZMADecompressor, trailing_error=lzma.LZMAError,
                                               memlimit=XZ_MEMLIMIT)
        return io.BufferedReader(reader)  # type: ignore[return-value]
    if fmt == "zstd":
        dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        reader = dctx.stream_reader(raw, read_across_frames=True, closefd=True)
        if view is None:
            return reader  # type: ignore[return-value]
        return _CheckedEnd(reader, lambda: zstd_truncation(view))  # type: ignore[return-value]
    raise ValueError(f"not a single-file compressor: {fmt!r}")


def member_name(fmt: str, outer_name: str, head: bytes = b"") -> str:
    """The gzip header's original name when present, else the outer name minus the compressor's suffix."""
    if fmt == "gzip":
        original = gzip_header(head).get("name")
        if original:
            return original
    # The outer item's label may carry its archive folders (``backup/sil.sql.zst``): the member is its own file.
    outer_name = outer_name.replace("\\", "/").rsplit("/", 1)[-1] or outer_name
    lower = outer_name.lower()
    for suffix, replacement in sorted(_SUFFIXES.get(fmt, {}).items(), key=lambda kv: -len(kv[0])):
        if lower.endswith(suffix) and len(outer_name) > len(suffix):
            return outer_name[:-len(suffix)] + replacement
    return outer_name + ".out"


def gzip_header(head: bytes) -> dict[str, Any]:
    """Fields of a gzip member header (RFC 1952): mtime, name (latin-1, NUL-terminated)."""
    if len(head) < 10 or head[:3] != b"\x1f\x8b\x08":
        return {}
    flags = head[3]
    mtime = struct.unpack_from("<I", head, 4)[0]
    out: dict[str, Any] = {"mtime": mtime or None}
    pos = 10
    if flags & 0x04:  # FEXTRA
        if pos + 2 > len(head):
            return out
        pos += 2 + struct.unpack_from("<H", head, pos)[0]
    if flags & 0x08:  # FNAME
        end = head.find(b"\x00", pos)
        if end > pos:
            out["name"] = head[pos:end].decode("latin-1")
    return out


def detect_compressed_tar(fmt: str, blob: Blob) -> bool:
    """True when the decompressed content starts with a ustar/GNU tar header (magic at offset 257)."""
    if fmt == "tar":
        return True
    if fmt not in SINGLE_FORMATS:
        return False
    try:
        with open_decompressed(fmt, blob.open()) as dec:
            data = b""
            while len(data) < TAR_PEEK:
                part = dec.read(TAR_PEEK - len(data))
                if not part:
                    break
                data += part
    except DATA_ERRORS:
        return False
    return data[257:262] == b"ustar"


def iter_single(fmt: str, blob: Blob, *, name: str, bounds: Bounds, budget: Budget, passwords: Sequence[bytes] = (),
                compressed_size: int | None = None) -> Iterator[Member]:
    head = blob.head(65536)
    inner = member_name(fmt, name, head)
    label = f"{name}!/{inner}"
    size_claimed = None
    mtime = None
    if fmt == "gzip":
        mtime = iso_utc(gzip_header(head).get("mtime"))
        if blob.size >= 18:  # ISIZE: the size modulo 2**32 of the last member only: a claim, never used
            size_claimed = struct.unpack("<I", bytes(blob.view()[-4:]))[0]
    elif fmt == "zstd":
        try:
            claimed = zstandard.frame_content_size(head)
            size_claimed = claimed if claimed >= 0 else None
        except zstandard.ZstdError:
            size_claimed = None

    def _open() -> BinaryIO:
        counter = InputCounter(blob.open())
        dec = open_decompressed(fmt, counter, blob.view())
        return CountingReader(GuardedReader(dec, label), bounds=bounds, budget=budget,  # type: ignore[return-value]
                              compressed_size=counter.consumed, label=label)

    yield Member(name=inner, entry_type=model.ENTRY_FILE, size_claimed=size_claimed,
                 compressed_size=compressed_size if compressed_size is not None else blob.size,
                 encrypted=False, link_target=None, mtime=mtime, open=_open)
