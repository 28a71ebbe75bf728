"""Splitting one big CSV file (plain or gzip) into byte-range tasks, so that ``--jobs`` cores share it.

A seized export is often one file: a 20 GB CSV runs as one task on one core (the scan reads about 4 MB/s per
core), whatever ``--jobs`` says. From ``Bounds.split_text_min_bytes`` (64 MiB) on, a CSV is cut into ranges of
about ``Bounds.split_text_chunk_bytes`` (32 MiB) at record starts, and each range is one task; the results are
those of the whole file (records with the same global ``row:N`` locators, the same identifiers, findings and
item), as the differential tests check.

Where a range may start. A newline ends a record only outside quotes. The planner counts the quote characters
from the start of the file (numpy over 16 MiB blocks, several hundred MB/s) and takes a boundary only right
after a newline at even quote parity. Parity is the truth only when every quote sits where the CSV grammar of
the readers (pyarrow's and the csv module's) puts one: an opening quote at the start of a field (after the
delimiter, a newline or the start of the file), a closing quote at its end (before the delimiter, a newline or
the end of the file), or a doubled quote inside a quoted field. A quote anywhere else (``5" screen`` in an
unquoted field: a literal for the readers, a toggle for a parity count) refuses the split, and so do: an odd
number of quotes at the end (an unterminated field), a carriage return not followed by a line feed (a record
end the readers see and the count would not), a NUL byte, bytes the file's codec cannot decode, a codec in
which the quote and newline bytes can be parts of other characters (UTF-16: only single-byte codecs and UTF-8
are split), a file of fewer than two ranges. Refused, the file is one task, as before.

What each range gets from the planner: the file's layout (codec, delimiter, header row, column mapping, as the
record parser decided them from the file's first rows: ``records.csvfile.csv_layout``) and the number of data
rows before it (non-blank records before the boundary, the header excluded), so that its rows are numbered as
the whole file numbers them. Identifiers: a token belongs to the range where it ends and is judged on its real
neighbouring bytes (the identifier scanner's own window rule, with the whole file or 4 KiB around the range in
view), so one straddling a boundary is counted once, with its context keyword across the boundary.

The first range's task is the item's task: it walks the file as the walker always does (typing, SHA-256 of the
whole content, the YARA rules once over the whole content, bounds, the gzip member) and only limits the
identifier count and the records to its range. YARA is therefore never run per range: no finding is lost at a
boundary and none is counted twice (the cost: the rules read the whole file on one core, about 25 times faster
than the identifier and record work that the ranges share). Table watermarks are voted on the first
``WATERMARK_SAMPLE_ROWS`` rows: when the scan has a registry, the first range holds at least that many rows,
and the other ranges do not vote. A gzip file is decompressed once by the planner with rapidgzip (on every
core), whose seek index (in the case folder) lets each range task decompress only its range; its bounds are
checked on the whole decompressed size before splitting (a gzip past a bound is walked whole, and the walker
records the bound, as before). rapidgzip reads a truncated gzip to its cut without complaint: the planner checks
the gzip trailer (CRC-32 and size of what it decompressed) and refuses the split when it does not match (a cut
or damaged stream, or several gzip members: bgzip and ``pigz -i`` files are one task).

A mysqldump (MySQL/MariaDB) or a pg_dump (plain SQL format), plain or gzipped, is planned by ``sql_split`` and
``pg_split`` (``plan`` hands it over): cut at the starts of its ``INSERT INTO`` lines or at rows inside its COPY
blocks, each range given the rows of every table before it, the CREATE TABLE columns and the column mapping of the
run of rows it starts in; the same ``Chunk``/``TextPlan``, range tasks and range 0 rules. Not split (one task, as
before): sqlite dumps.
"""

from __future__ import annotations

import codecs
import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.engine import kinds
from workbench.engine.archives.compressed import member_name
from workbench.engine.bounds import Bounds
from workbench.engine.identifiers.scanner import detect_utf16
from workbench.engine.records.columns import SAMPLE_LIMIT
from workbench.engine.records.csvfile import CsvLayout, csv_layout, first_rows
from workbench.engine.tar_split import save_gzip_index

BLOCK = 16 * 2**20  # bytes examined per numpy pass of the planner
GZIP_MAGIC = b"\x1f\x8b"
PAD = 4096  # bytes read on each side of a gzip range: the identifier scanner's context (384) with room
HEAD = 65536
LAYOUT_PREFIX = 16 * 2**20  # decompressed bytes kept by the planner of a gzip to decide the layout
SPLIT_CODECS = frozenset({"utf-8", "utf-8-sig", "ascii", "cp1252", "iso8859-1", "iso8859-15", "latin-1"})
QUOTE, LF, CR = 0x22, 0x0A, 0x0D
EDGE = 256  # start or end of the data, where a quote may open or close


@dataclass(frozen=True)
class Chunk:
    start: int  # offset of the range in the (decompressed) content
    end: int
    rows_before: int  # data rows of the file before the range (header excluded; a SQL dump's: of all its tables)
    state: object = None  # what a SQL dump's range needs besides (sql_split.SqlRange)


@dataclass(frozen=True)
class TextPlan:
    kind: str  # "csv" or "sql-dump"
    compression: str | None  # "gzip" or None
    member: str | None  # the gzip member's label (the walker's), None for a plain file
    content_size: int  # bytes of the (decompressed) content
    layout: CsvLayout | None  # a CSV's (a SQL dump's ranges carry theirs in ``Chunk.state``)
    chunks: tuple[Chunk, ...]


class _Refused(Exception):
    """The file is not provably safe to split: one task, as before."""


class _Structure:
    """The planner's pass over the content: quote placement, record ends, boundaries (see the module doc)."""

    def __init__(self, delimiter: bytes, data_start: int, size: int, chunk_bytes: int, min_records: int,
                 encoding: str) -> None:
        self.good = np.zeros(EDGE + 1, dtype=bool)
        self.good[[delimiter[0], LF, CR, QUOTE, EDGE]] = True
        self.data_start = data_start
        self.size = size
        self.chunk_bytes = chunk_bytes
        self.min_records = min_records
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.parity = 0
        self.records = 0  # non-blank records ended so far
        self.prev2 = np.array([LF, LF], dtype=np.int16)  # the two bytes before the data: a line start
        self.target = chunk_bytes
        self.boundaries: list[tuple[int, int]] = []  # (offset, non-blank records before it)

    def feed(self, block: bytes, base: int, next_byte: int) -> None:
        """``block`` of the content at ``base``; ``next_byte``: the byte after it, or EDGE at the end."""
        try:
            self.decoder.decode(block, final=next_byte == EDGE)
        except UnicodeDecodeError as exc:
            raise _Refused(f"bytes the codec cannot decode near offset {base + exc.start}") from None
        arr = np.frombuffer(block, dtype=np.uint8)
        n = arr.size
        if n == 0:
            return
        if np.count_nonzero(arr == 0):
            raise _Refused("NUL bytes: not a text file")
        ext = np.empty(n + 3, dtype=np.int16)  # two bytes before, the block, the byte after
        ext[:2] = self.prev2
        ext[2:n + 2] = arr
        ext[n + 2] = next_byte
        cr = np.flatnonzero(arr == CR)
        if cr.size and np.any(ext[cr + 3] != LF):
            raise _Refused("a carriage return without a line feed")
        q = np.flatnonzero(arr == QUOTE)
        if q.size:
            opening = ((self.parity + np.arange(q.size)) & 1) == 0
            before = ext[q + 1].copy()
            before[(q + base) == self.data_start] = EDGE
            after = ext[q + 3]
            if np.any(opening & ~self.good[before]) or np.any(~opening & ~self.good[after]):
                raise _Refused("a quote inside a field")
        nl = np.flatnonzero(arr == LF)
        if nl.size:
            outside = nl[((self.parity + np.searchsorted(q, nl)) & 1) == 0]
            p1, p2 = ext[outside + 1], ext[outside]
            blank = (p1 == LF) | ((p1 == CR) & (p2 == LF))
            counted = np.cumsum(~blank) + self.records  # non-blank records ended up to and with each newline
            starts = outside + base + 1  # a record starts after each of these newlines
            self._choose(starts, counted)
            if counted.size:
                self.records = int(counted[-1])
        self.parity = (self.parity + q.size) & 1
        self.prev2 = ext[n:n + 2].copy()

    def _choose(self, starts: np.ndarray, counted: np.ndarray) -> None:
        while True:
            i = int(np.searchsorted(starts, self.target))
            if not self.boundaries and self.min_records:
                i = max(i, int(np.searchsorted(counted, self.min_records)))
            if i >= starts.size or starts[i] >= self.size:
                return
            at = int(starts[i])
            self.boundaries.append((at, int(counted[i])))
            self.target = at + self.chunk_bytes

    def finish(self) -> list[tuple[int, int]]:
        if self.parity:
            raise _Refused("an odd number of quotes: an unterminated field")
        bounds = [b for b in self.boundaries if b[0] < self.size]
        if bounds and self.size - bounds[-1][0] < self.chunk_bytes // 4:
            bounds.pop()  # no sliver of a last range: it joins the one before
        return bounds


def _layout_checked(blob, info: kinds.KindInfo) -> tuple[CsvLayout, bytes]:
    layout = csv_layout(blob, info)
    if layout is None:
        raise _Refused("no rows")
    if codecs.lookup(layout.encoding).name not in SPLIT_CODECS and layout.encoding not in SPLIT_CODECS:
        raise _Refused(f"codec {layout.encoding}")
    delim = layout.delimiter.encode("ascii", errors="ignore")
    if len(delim) != 1 or delim in (b'"', b"\n", b"\r"):
        raise _Refused(f"delimiter {layout.delimiter!r}")
    return layout, delim


def _data_start(head: bytes, encoding: str) -> int:
    return 3 if encoding == "utf-8-sig" and head.startswith(codecs.BOM_UTF8) else 0


def _sniffed(head: bytes, name: str, info: kinds.KindInfo | None = None) -> kinds.KindInfo:
    """The file's kind (``info`` when already sniffed) when it is a CSV the planner may split."""
    info = info if info is not None else kinds.sniff(head, name)
    if info.kind != "csv":
        raise _Refused(f"kind {info.kind}")
    if detect_utf16(head[:4096]) is not None:
        raise _Refused("UTF-16")
    return info


def _chunks(boundaries: list[tuple[int, int]], size: int, has_header: bool) -> tuple[Chunk, ...]:
    starts = [(0, 0), *boundaries]
    out = []
    for i, (start, records) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else size
        rows = max(0, records - (1 if has_header else 0)) if i else 0
        out.append(Chunk(start, end, rows))
    return tuple(out)


def plan(host: Path, name: str, bounds: Bounds, index_path: Path, threads: int,
         min_first_rows: int = 0) -> TextPlan | None:
    """The ranges of a big CSV (plain or gzip) when it is provably safe to split it; None otherwise (one task).
    ``name``: the item's label (its extension types it, as in the walker). For a gzip, the seek index is written
    to ``index_path``. ``min_first_rows``: data rows the first range must hold (table watermarks)."""
    try:
        with open(host, "rb") as fh:
            head = fh.read(HEAD)
            size = fh.seek(0, io.SEEK_END)
    except OSError:
        return None
    try:
        if head.startswith(GZIP_MAGIC):
            return _plan_gzip(host, name, head, size, bounds, index_path, threads, min_first_rows)
        info = kinds.sniff(head, name)
        if info.kind == "sql-dump":
            from workbench.engine import sql_split

            return sql_split.plan_plain(host, head, size, bounds, info, min_first_rows)
        return _plan_plain(host, name, head, size, bounds, min_first_rows)
    except (_Refused, OSError, ValueError, RuntimeError, EOFError, LookupError, UnicodeError, MemoryError):
        return None


def _plan_plain(host: Path, name: str, head: bytes, size: int, bounds: Bounds, min_first_rows: int) -> TextPlan | None:
    from workbench.engine.blob import Blob

    info = _sniffed(head, name)
    with Blob.from_path(host) as blob:
        layout, delim = _layout_checked(blob, info)
        start = _data_start(head, layout.encoding)
        st = _Structure(delim, start, size, bounds.split_text_chunk_bytes,
                        min_first_rows + 1 if min_first_rows else 0, layout.encoding)
        view = blob.view()
        for base in range(start, size, BLOCK):
            end = min(size, base + BLOCK)
            st.feed(view[base:end], base, view[end] if end < size else EDGE)
        boundaries = st.finish()
    if not boundaries:
        return None
    return TextPlan("csv", None, None, size, layout, _chunks(boundaries, size, layout.has_header))


class _PrefixBlob:
    """The first decompressed bytes of a gzip, as the record parser reads a blob (``head``, ``open``)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def head(self, n: int = HEAD) -> bytes:
        return self.data[:n]

    def open(self) -> io.BytesIO:
        return io.BytesIO(self.data)


def _plan_gzip(host: Path, name: str, head_gz: bytes, size_gz: int, bounds: Bounds, index_path: Path,
               threads: int, min_first_rows: int) -> TextPlan | None:
    try:
        import rapidgzip
    except ImportError:
        return None
    member = member_name("gzip", name, head_gz)
    with rapidgzip.open(str(host), parallelization=max(1, threads)) as gz:
        prefix = gz.read(HEAD)
        sniffed = kinds.sniff(prefix, member)
        if sniffed.kind == "sql-dump":  # ``mysqldump | gzip``
            from workbench.engine import sql_split

            return sql_split.plan_gzip(gz, host, prefix, member, size_gz, bounds, sniffed, index_path,
                                       min_first_rows)
        info = _sniffed(prefix, member, sniffed)  # before reading further: most big gzips are not CSVs
        prefix += gz.read(LAYOUT_PREFIX - len(prefix))
        was_cut = len(prefix) == LAYOUT_PREFIX
        if was_cut:  # the layout is read from whole lines of the file's start only
            prefix = prefix[:prefix.rfind(b"\n") + 1]
        layout, delim = _layout_checked(_PrefixBlob(prefix), info)
        if was_cut and len(first_rows(_PrefixBlob(prefix), layout.encoding, layout.delimiter,
                                      SAMPLE_LIMIT + 3)) < SAMPLE_LIMIT + 3:
            raise _Refused("rows too long for the layout prefix")  # the sampled rows might be cut: unsure
        start = _data_start(prefix, layout.encoding)
        gz.seek(0)
        blocks = _blocks(gz)
        # the decompressed size is unknown until the end: boundaries are chosen against an unbounded size and
        # the last ones checked once it is known
        st = _Structure(delim, start, 1 << 62, bounds.split_text_chunk_bytes,
                        min_first_rows + 1 if min_first_rows else 0, layout.encoding)
        total = crc = 0
        for block, base, nxt in blocks:
            _check_bounds(base + len(block), size_gz, bounds)
            if base == 0 and start:
                st.feed(block[start:], start, nxt)
            else:
                st.feed(block, base, nxt)
            crc = zlib.crc32(block, crc)
            total = base + len(block)
        _check_trailer(host, crc, total)
        st.size = total
        boundaries = st.finish()
        if not boundaries:
            return None
        save_gzip_index(gz, index_path)
    return TextPlan("csv", "gzip", member, total, layout, _chunks(boundaries, total, layout.has_header))


def _blocks(stream) -> Iterator[tuple[bytes, int, int]]:
    """``(block, offset, next byte or EDGE)`` over a stream, one block read ahead."""
    base = 0
    block = stream.read(BLOCK)
    while block:
        following = stream.read(BLOCK)
        yield block, base, following[0] if following else EDGE
        base += len(block)
        block = following


def _check_trailer(host: Path, crc: int, total: int) -> None:
    """The gzip ends with the trailer of what was decompressed (CRC-32 and size, RFC 1952): rapidgzip reads a
    truncated stream to its cut without a word, where the walker records the cut. A stream of several gzip members
    (bgzip, pigz -i) has only its last member's trailer there, and is not split either."""
    with open(host, "rb") as fh:
        fh.seek(-8, io.SEEK_END)
        tail = fh.read(8)
    if len(tail) != 8 or struct.unpack("<II", tail) != (crc & 0xFFFFFFFF, total & 0xFFFFFFFF):
        raise _Refused("the gzip trailer does not match its content (truncated, damaged or several members)")


def _check_bounds(produced: int, compressed: int, bounds: Bounds) -> None:
    """A gzip past a bound is not split: the walker walks it whole and records the bound, as before."""
    if produced > bounds.max_member_bytes or produced > bounds.max_evidence_bytes:
        raise _Refused("past a size bound")
    if produced > bounds.ratio_grace_bytes and produced > bounds.max_ratio * max(compressed, 1):
        raise _Refused("past the ratio bound")


# -- worker side ------------------------------------------------------------------------------------
@dataclass
class RangeBytes:
    """A range's bytes with context: ``view[own_from:own_to]`` is the range, ``base`` the offset of ``view[0]``
    in the content."""

    view: memoryview
    own_from: int
    own_to: int
    base: int
    owner: object = None  # what keeps ``view`` alive (a Blob), closed by ``close``

    def close(self) -> None:
        close = getattr(self.owner, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> RangeBytes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_range(host: str, start: int, end: int, content_size: int, gzip_index: str | None) -> RangeBytes:
    """The bytes of ``[start, end)`` of the content: the mapped file (plain), or the range and ``PAD`` bytes on
    each side decompressed through the planner's seek index (gzip). Raises when the evidence changed."""
    from workbench.engine.blob import Blob

    if gzip_index is None:
        blob = Blob.from_path(host)
        if blob.size != content_size:
            blob.close()
            raise ValueError(f"the file is {blob.size} bytes, {content_size} when the scan was planned "
                             "(the evidence changed?)")
        return RangeBytes(blob.view(), start, end, 0, blob)
    import rapidgzip

    lo = max(0, start - PAD)
    hi = min(content_size, end + PAD)
    with rapidgzip.open(host, parallelization=1) as gz:
        with open(gzip_index, "rb") as index:
            gz.import_index(index)
        gz.seek(lo)
        data = gz.read(hi - lo)
    if len(data) != hi - lo:
        raise EOFError(f"the gzip gave {len(data)} bytes at offset {lo}, {hi - lo} expected (the evidence changed?)")
    return RangeBytes(memoryview(data), start - lo, end - lo, lo)


@dataclass
class RangePart:
    """One range's records to parse (``BeaconScanner.parse_records(part=...)``): its bytes, the whole file's
    layout, the number of its first data row, and whether it starts with the header row (range 0)."""

    kind: str
    blob: object
    layout: CsvLayout
    first_row: int
    header: bool


class RangeScanner:
    """The content scanner of range 0's task: YARA over the whole item as always, identifiers of the split item
    counted in its range only (the other ranges count theirs); any other item is scanned as usual."""

    def __init__(self, inner, vpath: str, own_from: int, own_to: int) -> None:
        self.inner = inner
        self.vpath = vpath
        self.own_from = own_from
        self.own_to = own_to

    def scan(self, buf, *, vpath: str, layer: str = "raw", identifiers: bool = True, binary: bool = False,
             spill=None, item=None):
        if vpath != self.vpath or layer != "raw" or not identifiers:
            return self.inner.scan(buf, vpath=vpath, layer=layer, identifiers=identifiers, binary=binary,
                                   spill=spill, item=item)
        findings, _counts, _first, errors = self.inner.scan(buf, vpath=vpath, layer=layer, identifiers=False,
                                                            binary=binary, item=item)
        found = self.inner.identifiers.count_range(buf, vpath, self.own_from, self.own_to, spill=spill)
        return findings, found.counts, found.first_offset, errors

    def __getattr__(self, name: str):
        return getattr(self.inner, name)
