"""Tar archives, plain or compressed (gzip, bzip2, xz, zstd), read strictly as a stream.

Nothing is ever extracted (tarfile's extraction filters were bypassed several times in 2025). We
decompress ourselves and give tarfile the plain stream in mode 'r|': the same as 'r|*', plus zstd, and
every decompressed byte (headers, padding, skipped data included) goes through one CountingReader.
Each member's ``open`` is valid only until the next member is asked for.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from workbench.engine import model
from workbench.engine.archives._common import (
    DATA_ERRORS,
    ArchiveError,
    GuardedReader,
    InputCounter,
    Member,
    decode_name,
    describe,
    iso_utc,
    raising_open,
)
from workbench.engine.archives.compressed import open_decompressed, sniff_compression
from workbench.engine.blob import Blob
from workbench.engine.bounds import RULE_TOO_MANY_MEMBERS, BoundExceeded, Bounds, Budget, CountingReader


def _entry_type(ti: tarfile.TarInfo) -> str:
    if ti.isreg():
        return model.ENTRY_FILE
    if ti.isdir():
        return model.ENTRY_DIR
    if ti.issym():
        return model.ENTRY_SYMLINK
    if ti.islnk():
        return model.ENTRY_HARDLINK
    if ti.ischr() or ti.isblk():
        return model.ENTRY_DEVICE
    if ti.isfifo():
        return model.ENTRY_FIFO
    return model.ENTRY_OTHER


def _label_text(text: str) -> str:
    # tarfile decodes with surrogateescape: get the stored bytes back and decode them as labels.
    return decode_name(text.encode("utf-8", "surrogateescape"))


# tarfile skips a member's data by reading it in 10 KiB records and never looks at what came back: a 4.6 KB
# tar whose header claims 1 TiB would ask for 100 million empty reads after the end of the stream. A healthy
# walk reads past the end a handful of times (the end blocks, the final check); this many means a lying size.
MAX_READS_AT_END = 64


class _DeferredError(io.RawIOBase):
    """Ends the stream cleanly on a data error and keeps the error for later: tarfile reads ahead in
    10 KiB records, and a decompressor that fails at the cut must not take the last whole member with it.
    Reads that keep coming after the end raise: a header's claimed size runs past the archive."""

    def __init__(self, raw: Any) -> None:
        super().__init__()
        self._raw = raw
        self.error: ArchiveError | None = None
        self.reads_at_end = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = 0
        if self.error is None:
            try:
                n = self._raw.readinto(buffer) or 0
            except ArchiveError as exc:
                self.error = exc
        if n == 0 and len(memoryview(buffer)):
            self.reads_at_end += 1
            if self.reads_at_end > MAX_READS_AT_END:
                raise ArchiveError("the stream ended but an entry header claims more data (a size larger than the "
                                   "archive)")
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def iter_tar(blob: Blob, *, name: str, bounds: Bounds, budget: Budget, passwords: Sequence[bytes] = (),
             compressed_size: int | None = None) -> Iterator[Member]:
    counter = InputCounter(blob.open())
    compression = sniff_compression(blob.head(16))
    if compression is not None:
        source: BinaryIO = open_decompressed(compression, counter, blob.view())
        # Decompressed bytes count once, here: the evidence budget and the running ratio of the stream.
        deferred = _DeferredError(GuardedReader(source, name))
        stream = CountingReader(deferred, bounds=bounds, budget=budget, compressed_size=counter.consumed, label=name,
                                max_bytes=False)
    else:
        # Plain tar: these bytes were counted when they were decompressed (or are the evidence itself).
        deferred = _DeferredError(GuardedReader(counter, name))
        stream = CountingReader(deferred, bounds=bounds, budget=None, label=name, max_bytes=False)
    try:
        tf = tarfile.open(fileobj=stream, mode="r|", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    except (BoundExceeded, ArchiveError):
        stream.close()
        raise
    except DATA_ERRORS as exc:
        stream.close()
        why = deferred.error or exc
        raise ArchiveError(f"{name}: not a readable tar: {describe(why)}") from exc
    with tf, stream:
        count = 0
        current = [0]  # index of the member whose data tarfile's stream is positioned on
        while True:
            try:
                ti = tf.next()
            except BoundExceeded:
                raise
            except (ArchiveError, *DATA_ERRORS) as exc:
                why = deferred.error or exc
                raise ArchiveError(f"{name}: truncated or corrupt tar after {count} entries: {describe(why)}") from exc
            if ti is None:
                break
            tf.members.clear()  # stream mode would otherwise keep every TarInfo of the archive
            count += 1
            if count > bounds.max_members:
                raise BoundExceeded(RULE_TOO_MANY_MEMBERS, f"{name}: more than {bounds.max_members} entries")
            current[0] = count
            yield _member(tf, ti, count, current, name=name, bounds=bounds)
        if compression is not None:  # read to the end of the compressed stream: its CRC / truncation
            while stream.read(1 << 20):
                pass
        if deferred.error is not None:
            raise ArchiveError(f"{name}: truncated or corrupt tar after {count} entries: {deferred.error}")
        _check_end(stream, tf.offset, name, count)


def _member(tf: tarfile.TarFile, ti: tarfile.TarInfo, index: int, current: list[int], *, name: str,
            bounds: Bounds) -> Member:
    entry_type = _entry_type(ti)
    member_name = _label_text(ti.name)
    label = f"{name}!/{member_name}"
    link = _label_text(ti.linkname) if entry_type in (model.ENTRY_SYMLINK, model.ENTRY_HARDLINK) else None
    if entry_type != model.ENTRY_FILE:
        opener = raising_open(f"{label}: a {entry_type} entry has no content to read")
    else:
        def opener() -> BinaryIO:
            if current[0] != index:
                raise ArchiveError(f"{label}: a tar is a stream: this member can no longer be read")
            try:
                raw = tf.extractfile(ti)
            except DATA_ERRORS as exc:
                raise ArchiveError(f"{label}: {describe(exc)}") from exc
            if raw is None:
                raise ArchiveError(f"{label}: no data")
            # The budget was charged by the stream reader; here only the member's own size bound applies.
            return CountingReader(GuardedReader(raw, label), bounds=bounds, budget=None,  # type: ignore[return-value]
                                  label=label)
    anomalies: tuple[tuple[str, str], ...] = ()
    if ti.size < 0:  # base-256 size fields can be negative; tarfile then hands out an empty member
        anomalies = (("bad-entry-size", f"{label}: the header claims a negative size ({ti.size} bytes)"),)
    return Member(name=member_name, entry_type=entry_type, size_claimed=ti.size if ti.isreg() else None,
                  compressed_size=None, encrypted=False, link_target=link, mtime=iso_utc(ti.mtime), open=opener,
                  anomalies=anomalies)


def _check_end(stream: CountingReader, header_offset: int, name: str, count: int) -> None:
    """tarfile stops silently on a cut header: a complete tar has an end block where the walk stopped."""
    needed = header_offset + tarfile.BLOCKSIZE
    while stream.count < needed:
        if not stream.read(min(needed - stream.count, 1 << 20)):
            break
    if stream.count < needed:
        raise ArchiveError(f"{name}: truncated tar: the stream ends at byte {stream.count} inside the entry header "
                           f"or data expected at {header_offset}, after {count} entries")
