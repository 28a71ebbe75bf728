"""RAR archives: recognised and listed, not extracted (issue 12, the choice and why).

No RAR decoder fits this project: RARLAB's UnRAR source is freeware whose licence forbids using it to
re-create the RAR compression algorithm (not an open-source licence), and python's ``rarfile`` (ISC) does not
decompress by itself: it runs an ``unrar``/``unar``/``7z``/``bsdtar`` binary found on the machine, which the
offline wheelhouse and the standalone bundle cannot carry under our licence terms, and whose presence would make
the result depend on the laptop. libarchive (BSD) reads RAR 4 and part of RAR 5 (no encryption, no multi-volume
RAR 5), but ``libarchive-c`` is a ctypes binding to a system library that no Windows or macOS wheel ships.

So a RAR archive is typed ``archive:rar`` and its headers are read here (RAR 1.5-4.x and RAR 5.0 block formats,
as documented by RARLAB's "RAR 5.0 archive format" and the RAR 4 technote): the version, whether the headers are
encrypted, solid, and the entries (names, sizes, encrypted or not) as far as the headers are readable. The walker
records all of that as one finding ``archive-not-supported`` on the archive (the members are not scanned), with
the advice to extract it with 7-Zip or unrar on an isolated machine and scan the folder.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from workbench.engine.archives._common import ArchiveError, Member
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget

RAR4_SIGNATURE = b"Rar!\x1a\x07\x00"
RAR5_SIGNATURE = b"Rar!\x1a\x07\x01\x00"
MAX_LISTED = 10_000  # entries read from the headers (a listing, not a walk: the member bound does not apply)
NAMES_IN_FINDING = 50


class ArchiveNotSupported(ArchiveError):
    """A recognised archive whose members cannot be read here; ``meta`` says what it holds."""

    def __init__(self, message: str, meta: dict) -> None:
        super().__init__(message)
        self.meta = meta


@dataclass
class RarEntry:
    name: str
    size: int
    encrypted: bool
    directory: bool


@dataclass
class RarListing:
    version: int  # 4 (RAR 1.5-4.x block format) or 5
    encrypted_headers: bool = False
    solid: bool = False
    volume: bool = False
    entries: list[RarEntry] = field(default_factory=list)
    complete: bool = False  # the end-of-archive block was reached


def rar_version(head: bytes) -> int | None:
    if head.startswith(RAR5_SIGNATURE):
        return 5
    if head.startswith(RAR4_SIGNATURE):
        return 4
    return None


def _vint(data: memoryview, pos: int) -> tuple[int, int]:
    """RAR 5 variable-length integer: 7 bits per byte, low bits first, high bit set when more follow."""
    value, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise IndexError("vint past the end")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7


def _list_rar5(data: memoryview) -> RarListing:
    out = RarListing(version=5)
    pos = len(RAR5_SIGNATURE)
    while pos + 4 < len(data) and len(out.entries) < MAX_LISTED:
        size, start = _vint(data, pos + 4)  # after the header CRC32
        end = start + size
        if size == 0 or end > len(data):
            break
        htype, p = _vint(data, start)
        hflags, p = _vint(data, p)
        extra = data_size = 0
        if hflags & 0x0001:
            extra, p = _vint(data, p)
        if hflags & 0x0002:
            data_size, p = _vint(data, p)
        if htype == 1:  # main archive header
            aflags, _ = _vint(data, p)
            out.volume, out.solid = bool(aflags & 0x0001), bool(aflags & 0x0004)
        elif htype == 4:  # archive encryption header: every header after it is encrypted
            out.encrypted_headers = True
            break
        elif htype == 2:  # file header
            fflags, p = _vint(data, p)
            unpacked, p = _vint(data, p)
            _attrs, p = _vint(data, p)
            p += 4 if fflags & 0x0002 else 0  # mtime
            p += 4 if fflags & 0x0004 else 0  # data CRC32
            _comp, p = _vint(data, p)
            _host, p = _vint(data, p)
            name_len, p = _vint(data, p)
            name = bytes(data[p:p + name_len]).decode("utf-8", errors="replace")
            encrypted = _rar5_has_record(data, end - extra, end, 0x01)
            out.entries.append(RarEntry(name, unpacked, encrypted, bool(fflags & 0x0001)))
        elif htype == 5:  # end of archive
            out.complete = True
            break
        pos = end + data_size
    return out


def _rar5_has_record(data: memoryview, pos: int, end: int, wanted: int) -> bool:
    while pos < end:
        size, p = _vint(data, pos)
        rtype, _ = _vint(data, p)
        if rtype == wanted:
            return True
        if size == 0:
            return False
        pos = p + size
    return False


_RAR4_BASE = struct.Struct("<HBHH")  # HEAD_CRC, HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE
_RAR4_FILE = struct.Struct("<IIBIIBBHI")  # PACK_SIZE, UNP_SIZE, HOST_OS, FILE_CRC, FTIME, UNP_VER, METHOD,
# NAME_SIZE, ATTR


def _list_rar4(data: memoryview) -> RarListing:
    out = RarListing(version=4)
    pos = len(RAR4_SIGNATURE)
    while pos + _RAR4_BASE.size <= len(data) and len(out.entries) < MAX_LISTED:
        _crc, htype, hflags, hsize = _RAR4_BASE.unpack_from(data, pos)
        if hsize < _RAR4_BASE.size or pos + hsize > len(data):
            break
        add = 0
        if htype == 0x73:  # main header
            out.volume, out.solid = bool(hflags & 0x0001), bool(hflags & 0x0008)
            if hflags & 0x0080:  # MHD_PASSWORD: the block headers that follow are encrypted
                out.encrypted_headers = True
                break
        elif htype == 0x74 and pos + _RAR4_BASE.size + _RAR4_FILE.size <= len(data):  # file header
            pack, unp, _os, _fcrc, _t, _v, _m, name_size, _attr = _RAR4_FILE.unpack_from(data, pos + _RAR4_BASE.size)
            p = pos + _RAR4_BASE.size + _RAR4_FILE.size
            if hflags & 0x0100:  # 64-bit sizes
                high_pack, high_unp = struct.unpack_from("<II", data, p)
                pack, unp, p = pack | high_pack << 32, unp | high_unp << 32, p + 8
            raw = bytes(data[p:p + name_size])
            if hflags & 0x0200:  # Unicode name: "ascii\0encoded"; the ascii part is the name's fallback
                raw = raw.split(b"\0", 1)[0]
            name = raw.decode("utf-8" if hflags & 0x0200 else "cp437", errors="replace")
            out.entries.append(RarEntry(name, unp, bool(hflags & 0x0004), hflags & 0x00E0 == 0x00E0))
            add = pack
        elif htype == 0x7B:  # end of archive
            out.complete = True
            break
        elif hflags & 0x8000:  # another block with data after its header
            add = struct.unpack_from("<I", data, pos + _RAR4_BASE.size)[0]
        pos += hsize + add
    return out


def list_rar(view: memoryview) -> RarListing | None:
    """What the headers of a RAR archive say, as far as they can be read; None if it is not one."""
    version = rar_version(bytes(view[:8]))
    if version is None:
        return None
    try:
        return _list_rar5(view) if version == 5 else _list_rar4(view)
    except (IndexError, struct.error):  # headers cut short: what was read so far
        return RarListing(version=version)


def iter_rar(blob: Blob, *, name: str, bounds: Bounds, budget: Budget, passwords: Sequence[bytes] = (),
             compressed_size: int | None = None) -> Iterator[Member]:
    """No members: raises ArchiveNotSupported with the listing (the walker records it as one finding)."""
    listing = list_rar(blob.view())
    if listing is None:
        raise ArchiveError(f"{name}: not a RAR archive")
    meta = {"format": f"rar{listing.version}", "encrypted_headers": listing.encrypted_headers,
            "solid": listing.solid, "volume": listing.volume, "entries": len(listing.entries),
            "encrypted_entries": sum(e.encrypted for e in listing.entries),
            "unpacked_bytes": sum(e.size for e in listing.entries),
            "names": [e.name for e in listing.entries[:NAMES_IN_FINDING]],
            "advice": "extract it with 7-Zip or unrar on an isolated machine, then scan the folder"}
    what = ("its headers are encrypted: entries unknown" if listing.encrypted_headers else
            f"{len(listing.entries)} entries, {meta['encrypted_entries']} encrypted")
    meta["detail"] = (f"RAR {'5' if listing.version == 5 else '1.5-4'} archive ({what}) not extracted: no RAR "
                      f"decoder under a licence the workbench can ship; {meta['advice']}")
    raise ArchiveNotSupported(f"{name}: {meta['detail']}", meta)
    yield  # a generator, like the other handlers  # type: ignore[unreachable]
