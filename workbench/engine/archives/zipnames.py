"""Zip entry names that lie about their encoding, read anyway.

A central directory entry with the UTF-8 flag (general purpose bit 11) whose name bytes are not UTF-8 makes
Python's ``zipfile`` refuse the whole archive (UnicodeDecodeError while reading the directory): one bad name
would hide every other member, an easy way to keep content away from a scan. Here such entries are found in
the raw directory and their flag is cleared in a read-through overlay (the evidence is never touched), so
``zipfile`` reads their names as cp437 like any legacy name; the caller labels them with the UTF-8 bytes
decoded with replacement characters and records a finding.
"""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Any, BinaryIO

CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # zipfile's structCentralDir: 46 bytes
CENTRAL_SIG = b"PK\x01\x02"
FLAG_OFFSET = 8  # signature 4, version made by 2, version needed 2
LOCAL_FLAG_OFFSET = 6  # signature 4, version needed 2
UTF8_FLAG = 0x800
RULE_BAD_NAME = "bad-entry-name"


def directory_start(endrec: list[Any]) -> int:
    """Where the central directory begins in the file (the same arithmetic as zipfile, prefix data included)."""
    start = endrec[zipfile._ECD_LOCATION] - endrec[zipfile._ECD_SIZE]  # noqa: SLF001
    if endrec[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:  # noqa: SLF001
        start -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
    return start


def bad_utf8_names(view: memoryview, endrec: list[Any]) -> dict[int, bytes]:
    """Entries flagged UTF-8 whose name is not: {index in the directory: the name's bytes}."""
    pos = directory_start(endrec)
    end = pos + endrec[zipfile._ECD_SIZE]  # noqa: SLF001
    bad: dict[int, bytes] = {}
    index = 0
    while pos >= 0 and pos + CENTRAL.size <= min(end, len(view)):
        fields = CENTRAL.unpack(bytes(view[pos:pos + CENTRAL.size]))
        if fields[0] != CENTRAL_SIG:
            break
        flags, n, m, k = fields[5], fields[12], fields[13], fields[14]
        raw = bytes(view[pos + CENTRAL.size:pos + CENTRAL.size + n])
        if flags & UTF8_FLAG:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                bad[index] = raw
        pos += CENTRAL.size + n + m + k
        index += 1
    return bad


def flag_patches(view: memoryview, endrec: list[Any], indices: set[int]) -> dict[int, bytes]:
    """{file offset: new bytes} clearing the UTF-8 flag of the directory entries ``indices``."""
    pos, index, patches = directory_start(endrec), 0, {}
    concat = pos - endrec[zipfile._ECD_OFFSET]  # noqa: SLF001 - bytes before the zip (self-extractors)
    end = pos + endrec[zipfile._ECD_SIZE]  # noqa: SLF001
    while pos >= 0 and pos + CENTRAL.size <= min(end, len(view)) and len(patches) < 2 * len(indices):
        fields = CENTRAL.unpack(bytes(view[pos:pos + CENTRAL.size]))
        if fields[0] != CENTRAL_SIG:
            break
        if index in indices:
            patches[pos + FLAG_OFFSET] = struct.pack("<H", fields[5] & ~UTF8_FLAG)
            # zipfile decodes the local header's copy of the name by the local header's own flag
            local = fields[-1] + concat + LOCAL_FLAG_OFFSET
            if local >= 0 and local + 2 <= len(view):
                patches[local] = struct.pack("<H", struct.unpack("<H", view[local:local + 2])[0] & ~UTF8_FLAG)
        pos += CENTRAL.size + fields[12] + fields[13] + fields[14]
        index += 1
    return patches


class PatchedReader(io.RawIOBase):
    """A seekable reader over ``raw`` in which a few byte ranges read as ``patches`` say; nothing is written."""

    def __init__(self, raw: BinaryIO, patches: dict[int, bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._patches = sorted(patches.items())

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer: Any) -> int:
        mv = memoryview(buffer).cast("B")
        start = self._raw.tell()
        data = self._raw.read(len(mv))
        n = len(data)
        mv[:n] = data
        for at, new in self._patches:
            lo, hi = max(at, start), min(at + len(new), start + n)
            if lo < hi:
                mv[lo - start:hi - start] = new[lo - at:hi - at]
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def label_of(raw: bytes) -> str:
    """The label of a badly flagged name: its UTF-8 reading, invalid bytes as U+FFFD."""
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
