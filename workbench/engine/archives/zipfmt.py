"""Zip archives (zipfile, Zip64, ZipCrypto and WinZip AES passwords), with a structural zip-bomb check.

WinZip AES members (method 99, AE-1/AE-2, as 7-Zip, WinZip and leak tools write them with AES-256) are read
with pyzipper (MIT), opened on the same bytes only when the first AES member comes: the standard zipfile cannot
decrypt them. A password is taken when it passes AES's 2-byte verifier AND the first 64 KiB decrypt and
inflate (a short member is read to its end, where the HMAC-SHA1 authentication code is checked).

Before anything is yielded, the central directory is checked for overlapping entries (David Fifield,
"A better zip bomb", WOOT 2019): entries are sorted by local header offset and each entry's data must end
before the next local header and before the central directory. Python 3.11.7's zipfile does not do this
(CVE-2024-0450 was fixed later), so we do it for every version.

A zip whose end of central directory is missing (truncated download, carved file) is read from its local
headers, as far as they go, then ``ArchiveError`` says it was truncated.
"""

from __future__ import annotations

import stat
import struct
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from workbench.engine import model
from workbench.engine.archives._common import (
    DATA_ERRORS,
    ArchiveError,
    GuardedReader,
    Member,
    clean_name,
    describe,
    iso_utc,
    raising_open,
)
from workbench.engine.archives.zipnames import (
    RULE_BAD_NAME,
    PatchedReader,
    bad_utf8_names,
    flag_patches,
    label_of,
)
from workbench.engine.blob import Blob
from workbench.engine.bounds import (
    RULE_BOMB,
    RULE_TOO_MANY_MEMBERS,
    BoundExceeded,
    Bounds,
    Budget,
    CountingReader,
)

LOCAL_SIG = b"PK\x03\x04"
LOCAL_HEADER = struct.Struct("<4s5HL2L2H")  # sig, version, flags, method, time, date, crc, csize, usize, n, m
MAX_CENTRAL_DIRECTORY = 64 * 2**20  # zipfile holds every entry in memory: refuse larger directories
PASSWORD_PROBE = 64 * 1024  # bytes decompressed to confirm a password (the check byte passes 1 in 256 wrong ones)
LINK_TARGET_MAX = 4096
METHOD_AES = 99


class _AesArchive:
    """The same zip read by pyzipper, for the WinZip AES members only; created on first use."""

    def __init__(self, blob: Blob) -> None:
        self.blob = blob
        self._zf: Any = None
        self._by_offset: dict[int, Any] = {}

    def open(self, zi: zipfile.ZipInfo, pwd: bytes) -> BinaryIO:
        import pyzipper

        if self._zf is None:
            self._zf = pyzipper.AESZipFile(self.blob.open())
            self._by_offset = {info.header_offset: info for info in self._zf.infolist()}
        info = self._by_offset.get(zi.header_offset)
        if info is None:
            raise zipfile.BadZipFile("entry not found by pyzipper")
        return _AesStream(self._zf.open(info, pwd=pwd))  # type: ignore[return-value]


class _AesStream:
    """pyzipper's member stream, its own BadZipFile (a failed HMAC check) raised as zipfile's, which the guarded
    reader records as a data error."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def read1(self, size: int = -1) -> bytes:
        return self._translated(self._raw.read1, size)

    def read(self, size: int = -1) -> bytes:
        return self._translated(self._raw.read, size)

    def _translated(self, fn: Any, size: int) -> bytes:
        import pyzipper

        try:
            return fn(size)
        except pyzipper.BadZipFile as exc:
            raise zipfile.BadZipFile(str(exc)) from exc

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _AesStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_zip(blob: Blob, *, name: str, bounds: Bounds, budget: Budget, passwords: Sequence[bytes] = (),
             compressed_size: int | None = None) -> Iterator[Member]:
    fh = blob.open()
    try:
        endrec = zipfile._EndRecData(fh)  # noqa: SLF001 - the only way to see the directory size before parsing it
    except DATA_ERRORS as exc:
        raise ArchiveError(f"{name}: unreadable zip: {describe(exc)}") from exc
    if endrec is None:
        fh.close()
        yield from _recover_from_local_headers(blob, name=name, bounds=bounds, budget=budget)
        return
    if endrec[zipfile._ECD_SIZE] > MAX_CENTRAL_DIRECTORY:  # noqa: SLF001
        fh.close()
        raise BoundExceeded(RULE_TOO_MANY_MEMBERS, f"{name}: central directory of {endrec[zipfile._ECD_SIZE]} bytes "  # noqa: SLF001
                                                   f"(claims {endrec[zipfile._ECD_ENTRIES_TOTAL]} entries)")  # noqa: SLF001
    bad_names: dict[int, bytes] = {}
    try:
        zf = zipfile.ZipFile(fh)
    except UnicodeDecodeError:  # a name not valid in its declared UTF-8: read it as cp437, keep the others
        bad_names = bad_utf8_names(blob.view(), endrec)
        try:
            zf = zipfile.ZipFile(PatchedReader(fh, flag_patches(blob.view(), endrec, set(bad_names))))
        except DATA_ERRORS as exc:
            fh.close()
            raise ArchiveError(f"{name}: corrupt zip: {describe(exc)}") from exc
    except DATA_ERRORS as exc:
        fh.close()
        raise ArchiveError(f"{name}: corrupt zip: {describe(exc)}") from exc
    # Not closed here: zip members stay readable after the iteration (random access). The ZipFile reads
    # the blob's memory (no file descriptor) and goes away with the last member that refers to it.
    infos = zf.infolist()
    check_overlaps(infos, blob.view(), zf.start_dir, name)
    aes = _AesArchive(blob)
    for count, zi in enumerate(infos, 1):
        if count > bounds.max_members:
            raise BoundExceeded(RULE_TOO_MANY_MEMBERS, f"{name}: {len(infos)} entries, bound {bounds.max_members}")
        member = _member(zf, zi, name=name, bounds=bounds, budget=budget, passwords=passwords, aes=aes)
        if "\x00" in zi.orig_filename:  # zipfile itself cuts the name there: what follows would be hidden
            member.anomalies = (*member.anomalies, (RULE_BAD_NAME, f"{name}!/{member.name}: a NUL byte in the "
                                                                   f"entry name"))
        if count - 1 in bad_names:
            member.name = label_of(bad_names[count - 1])
            member.anomalies = (*member.anomalies, (RULE_BAD_NAME, f"{name}!/{member.name}: the entry says its "
                                                                   f"name is UTF-8 but its bytes are not "
                                                                   f"({bad_names[count - 1]!r}); read as cp437"))
        yield member


def check_overlaps(infos: Sequence[zipfile.ZipInfo], view: memoryview, start_dir: int, name: str) -> None:
    """Raise ``BoundExceeded("archive-bomb")`` when two entries share bytes (Fifield's overlapping bomb)."""
    spans = []
    for zi in infos:
        off = zi.header_offset
        header = bytes(view[off:off + LOCAL_HEADER.size]) if off >= 0 else b""
        if len(header) == LOCAL_HEADER.size and header[:4] == LOCAL_SIG:
            fields = LOCAL_HEADER.unpack(header)
            data_start = off + LOCAL_HEADER.size + fields[9] + fields[10]
        else:
            data_start = off + LOCAL_HEADER.size  # a bad header: its member fails alone when opened
        spans.append((off, data_start + zi.compress_size, zi.orig_filename))
    if not spans:
        return  # an empty zip (its end of central directory alone): nothing can overlap
    spans.sort()
    for (off, end, fname), nxt in zip(spans, spans[1:] + [(start_dir, start_dir, "central directory")], strict=True):
        if nxt[0] == off and nxt[2] != "central directory":
            raise BoundExceeded(RULE_BOMB, f"{name}: entries {fname!r} and {nxt[2]!r} share the local header "
                                           f"at offset {off} (overlapping-entry zip bomb)")
        if end > nxt[0]:
            raise BoundExceeded(RULE_BOMB, f"{name}: data of {fname!r} (offset {off}..{end}) overlaps {nxt[2]!r} "
                                           f"at offset {nxt[0]} (overlapping-entry zip bomb)")


def _entry_type(zi: zipfile.ZipInfo) -> str:
    mode = zi.external_attr >> 16 if zi.create_system == 3 else 0
    if zi.is_dir() or stat.S_ISDIR(mode):
        return model.ENTRY_DIR
    if stat.S_ISLNK(mode):
        return model.ENTRY_SYMLINK
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return model.ENTRY_DEVICE
    if stat.S_ISFIFO(mode):
        return model.ENTRY_FIFO
    if stat.S_ISSOCK(mode):
        return model.ENTRY_OTHER
    return model.ENTRY_FILE


def _mtime(zi: zipfile.ZipInfo) -> str | None:
    """UTC from the extended timestamp field (0x5455) when present; else the DOS time, whose zone is unknown."""
    extra, i = zi.extra, 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4:i + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            return iso_utc(struct.unpack_from("<i", body, 1)[0])
        i += 4 + size
    try:
        y, mo, d, h, mi, s = zi.date_time
        return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"
    except (TypeError, ValueError):
        return None


def member_mtime(zi: zipfile.ZipInfo) -> str | None:
    """A member's time as the zip handler records it (for members split into their own tasks)."""
    return _mtime(zi)


def _member(zf: zipfile.ZipFile, zi: zipfile.ZipInfo, *, name: str, bounds: Bounds, budget: Budget,
            passwords: Sequence[bytes], aes: _AesArchive) -> Member:
    label = f"{name}!/{clean_name(zi.orig_filename)}"
    entry_type = _entry_type(zi)
    encrypted = bool(zi.flag_bits & 0x1)
    common: dict[str, Any] = dict(name=clean_name(zi.orig_filename), size_claimed=zi.file_size,
                                  compressed_size=zi.compress_size, mtime=_mtime(zi), link_target=None)
    if entry_type != model.ENTRY_FILE:
        target = _link_target(zf, zi) if entry_type == model.ENTRY_SYMLINK and not encrypted else None
        common["link_target"] = target
        return Member(entry_type=entry_type, encrypted=encrypted,
                      open=raising_open(f"{label}: a {entry_type} entry has no content to read"), **common)
    pwd: bytes | None = None
    is_aes = encrypted and zi.compress_type == METHOD_AES
    opener = (lambda p: aes.open(zi, p)) if is_aes else (lambda p: zf.open(zi, pwd=p))
    if encrypted:
        pwd = _find_password(opener, passwords)
        if pwd is None:
            what = "WinZip AES" if is_aes else "ZipCrypto"
            return Member(entry_type=entry_type, encrypted=True,
                          open=raising_open(f"{label}: encrypted ({what}), no password of the list opens it"),
                          **common)
    ratio_base = max(zi.compress_size, 1)

    def _open() -> BinaryIO:
        try:
            raw = opener(pwd)
        except DATA_ERRORS as exc:
            raise ArchiveError(f"{label}: {describe(exc)}") from exc
        return CountingReader(GuardedReader(raw, label), bounds=bounds, budget=budget,  # type: ignore[return-value]
                              compressed_size=ratio_base, label=label)

    return Member(entry_type=entry_type, encrypted=False, open=_open, decrypted=encrypted, **common)


def _find_password(opener: Any, passwords: Sequence[bytes]) -> bytes | None:
    """The first password that passes the check byte (ZipCrypto) or verifier (AES) AND decompresses the start of
    the member (``opener(password)`` opens it)."""
    for pwd in passwords:
        try:
            with opener(pwd) as fh:
                fh.read(PASSWORD_PROBE)
            return pwd
        except (RuntimeError, zipfile.BadZipFile, *DATA_ERRORS):
            continue
    return None


def _link_target(zf: zipfile.ZipFile, zi: zipfile.ZipInfo) -> str | None:
    try:
        with zf.open(zi) as fh:
            data = fh.read(LINK_TARGET_MAX)
    except DATA_ERRORS:
        return None
    return clean_name(data.decode("utf-8", errors="replace"))


# -- truncated zips ---------------------------------------------------------------------------------
def _recover_from_local_headers(blob: Blob, *, name: str, bounds: Bounds, budget: Budget) -> Iterator[Member]:
    """Walk local headers from the start: what a truncated zip still holds."""
    view = blob.view()
    pos, found = 0, 0
    reason = "no end of central directory record (truncated or not a zip)"
    while pos + LOCAL_HEADER.size <= len(view) and bytes(view[pos:pos + 4]) == LOCAL_SIG:
        (_, _, flags, method, dtime, ddate, crc, csize, usize, n, m) = LOCAL_HEADER.unpack(
            bytes(view[pos:pos + LOCAL_HEADER.size]))
        raw_name = bytes(view[pos + LOCAL_HEADER.size:pos + LOCAL_HEADER.size + n])
        fname = clean_name(raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace"))
        data_start = pos + LOCAL_HEADER.size + n + m
        if flags & 0x8 and csize == 0:
            reason = f"entry {fname!r} has a data descriptor: its size is only in the lost central directory"
            break
        if found >= bounds.max_members:
            raise BoundExceeded(RULE_TOO_MANY_MEMBERS, f"{name}: more than {bounds.max_members} local headers")
        zi = zipfile.ZipInfo(fname)
        zi.flag_bits, zi.compress_type, zi.CRC = flags, method, crc
        zi.compress_size, zi.file_size = csize, usize
        zi.header_offset = pos
        label = f"{name}!/{fname}"
        is_dir = fname.endswith("/")
        truncated = data_start + csize > len(view)
        if is_dir:
            opener = raising_open(f"{label}: a dir entry has no content to read")
        elif flags & 0x1:
            opener = raising_open(f"{label}: encrypted (recovered from a truncated zip)")
        else:
            opener = _recovered_opener(blob, zi, data_start, label, bounds, budget)
        yield Member(name=fname, entry_type=model.ENTRY_DIR if is_dir else model.ENTRY_FILE, size_claimed=usize,
                     compressed_size=csize, encrypted=bool(flags & 0x1) and not is_dir, link_target=None,
                     mtime=_dos_time(ddate, dtime), open=opener)
        found += 1
        if truncated:
            reason = f"entry {fname!r} is cut short"
            break
        pos = data_start + csize + (_descriptor_length(view, data_start + csize) if flags & 0x8 else 0)
    raise ArchiveError(f"{name}: truncated zip: {reason}; {found} entries recovered from local headers")


def _descriptor_length(view: memoryview, pos: int) -> int:
    return 16 if bytes(view[pos:pos + 4]) == b"PK\x07\x08" else 12


def _dos_time(ddate: int, dtime: int) -> str | None:
    y, mo, d = (ddate >> 9) + 1980, (ddate >> 5) & 0xF, ddate & 0x1F
    h, mi, s = dtime >> 11, (dtime >> 5) & 0x3F, (dtime & 0x1F) * 2
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"


def _recovered_opener(blob: Blob, zi: zipfile.ZipInfo, data_start: int, label: str, bounds: Bounds,
                      budget: Budget):
    def _open() -> BinaryIO:
        fh = blob.open()
        fh.seek(data_start)
        try:
            raw = zipfile.ZipExtFile(fh, "r", zi, None, True)
        except DATA_ERRORS as exc:
            fh.close()
            raise ArchiveError(f"{label}: {describe(exc)}") from exc
        return CountingReader(GuardedReader(raw, label), bounds=bounds, budget=budget,  # type: ignore[return-value]
                              compressed_size=max(zi.compress_size, 1), label=label)

    return _open
