"""Splitting one big mysqldump (plain or gzip) into byte-range tasks, so that ``--jobs`` cores share it (see text_split).

A seized database is often one ``mysqldump`` file: 40 GB on one core at about 4 MB/s is three hours. From
``Bounds.split_text_min_bytes`` on, a MySQL/MariaDB dump is cut at the starts of ``INSERT INTO`` lines into ranges
of about ``Bounds.split_text_chunk_bytes``; each range is one task and the results are those of the whole file
(records with the same ``table:NAME/row:N`` locators and columns, identifiers, findings, item), as the
differential tests check.

What the planner proves, in one pass over the file (numpy over blocks of whole lines, 16 MiB):

- Every line that starts with ``INSERT INTO `` is one whole data statement the reader reads from a statement
  start: its header is the reader's own (``sqldump.insert_header``), and its rows, outside strings, follow the
  grammar ``(v,v,..),(..)..;`` exactly, where a value ``v`` is a string ``'..'`` (backslash escapes: a quote
  after an odd run of backslashes is escaped; doubled quotes), ``_binary '..'``, or a bare token of
  ``[0-9A-Za-z_.+-]`` (numbers, ``NULL``, ``0x..`` of ``--hex-blob``). A string must close on its line
  (mysqldump writes a line break in data as ``\\n``). The grammar is checked as an automaton over the events of
  the block (opening and closing parentheses, commas, strings, tokens, the ``;``), so a row the reader would
  lose (a ``SkippedRow``, after which it samples the column mapping again) or read as a function call cannot
  pass: the rows of a line are counted exactly (one per opening parenthesis outside strings). Every row of a run
  of a table's INSERTs has as many values as its first (the reader's batches would otherwise carry an
  ``#extra`` column that depends on where they are cut).
- The text between two such lines (comments, ``/*!40101 SET ..*/;``, ``DROP TABLE``, ``CREATE TABLE``,
  ``LOCK TABLES``, triggers in ``DELIMITER ;;`` blocks) is read by the reader's own statement scanner followed
  by a sentinel INSERT: the sentinel must be the first data statement it meets. So that text holds no data
  statement the planner did not count (``REPLACE``, ``INSERT IGNORE``, ``COPY``, an INSERT on two lines), and
  leaves the reader at a statement start (no string, comment or statement left open). The CREATE TABLE columns
  are collected on the way, by the reader's code.

A gzipped dump (``mysqldump | gzip``, the common way a dump is kept) is decompressed whole once by a first pass
(rapidgzip on every core: its size, the bounds, the gzip trailer, the seek index), then planned the same way
through that index (``_GzipView``); each range task decompresses only its range. 50 MB of dense dump gzipped to
16.8 MB: 9.5 s with ``--jobs 2`` split, 15.3 s as one task (the plain file split: 8.9 s).

A pg_dump (dialect ``postgresql``) goes to ``pg_split.PgPlanner`` (rows of COPY blocks), unless its first data
line is an INSERT (``pg_dump --inserts``/``--column-inserts``: one statement per row): that dump is planned here,
its strings read as PostgreSQL's (standard strings: a quote doubled, a backslash a plain character; ``E'..'`` is
out of the grammar). pg_dump writes a line break inside a value raw there: such a dump is one task (a string left
open at a line end). 54 MB, 400,000 rows, ``--jobs 2``: 13.9 s as one task, 9.9 s in 5 ranges of 12 MB. The rest
of this doc is mysqldump's. Refused (the file is one task, as before): a sqlite ``.dump``,
a cut gzip or one of several members (its trailer does not match: ``pigz -i``, bgzip), a codec
other than UTF-8 or a single-byte one, bytes the codec cannot decode, a NUL byte, an INSERT line longer than
``MAX_LINE`` or out of the grammar, text between INSERT lines longer than ``MAX_RUN`` or not understood, fewer
than two ranges.

What each range gets (``SqlRange``): the rows of every table before it (its locators continue the whole file's
numbering), the CREATE TABLE columns seen before it (for the INSERTs without a column list), and, when it starts
inside a run of one table's INSERTs (the reader's ``SqlTable``: the mapping of a run is sampled from its first
``SAMPLE_LIMIT`` rows), that run's column names and mapping, computed by the planner with the reader from the
run's first line. A boundary is never within the first ``SAMPLE_LIMIT`` rows of a run (the range before it would
sample fewer rows). Table watermarks: each table votes on its first ``WATERMARK_SAMPLE_ROWS`` rows; with a
registry, a boundary is dropped when a table that goes on after it has fewer rows than that before it (but
some), and a range votes only for the tables that have no row before it. Identifiers and YARA: as for a CSV
(text_split).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.engine.bounds import Bounds
from workbench.engine.records.columns import SAMPLE_LIMIT
from workbench.engine.records.errors import RecordsError
from workbench.engine.records.sqldump import SkippedRow, first_data_statement, insert_header, iter_sql_tables
from workbench.engine.records.tables import sample_layout
from workbench.engine.tar_split import save_gzip_index

BLOCK = 16 * 2**20
MAX_LINE = 16 * 2**20  # an INSERT line (mysqldump's are about --net-buffer-length, 1 MB by default)
MAX_RUN = 64 * 2**20  # text between INSERT lines read by the statement scanner
MAX_PREFIX_CHANGES = 4096  # per block: INSERT lines that switch tables that often are not mysqldump's
INSERT_LINE = b"INSERT INTO "
SENTINEL = "__balise_split_sentinel__"
SENTINEL_LINES = {"mysql": f"INSERT INTO `{SENTINEL}` VALUES (1);\n",
                  "postgresql": f'INSERT INTO "{SENTINEL}" VALUES (1);\n'}
LF, QUOTE, BACKSLASH = 0x0A, 0x27, 0x5C

# events of the row grammar
START, OPEN, CLOSE, COMMA, SEMI, STR, TOK, BIN, END = range(1, 10)
_ALLOWED = np.zeros((10, 10), dtype=bool)
for _a, _b in {START: (OPEN,), OPEN: (STR, TOK, BIN), BIN: (STR,), STR: (COMMA, CLOSE), TOK: (COMMA, CLOSE),
               COMMA: (STR, TOK, BIN, OPEN), CLOSE: (COMMA, SEMI), SEMI: (END,), END: (START,)}.items():
    _ALLOWED[_a, list(_b)] = True
W_, T_, BAD = 0, 20, 255
_CLASS = np.full(256, BAD, dtype=np.uint8)  # a byte outside strings in the rows of an INSERT line
_CLASS[list(b" \t\r")] = W_
_CLASS[[ord("("), ord(")"), ord(","), ord(";")]] = [OPEN, CLOSE, COMMA, SEMI]
_CLASS[list(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.+-")] = T_
_CLASS_TABLE = _CLASS.tobytes()
_BINARY = np.frombuffer(b"_binary", dtype=np.uint8)


def _segments(n: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A mask of ``n`` bytes, True on ``[starts[i], ends[i])`` (sorted, disjoint), by ``np.repeat``."""
    edges = np.empty(2 * starts.size + 2, dtype=np.int64)
    edges[0], edges[-1] = 0, n
    edges[1:-1:2], edges[2:-1:2] = starts, ends
    values = np.zeros(edges.size - 1, dtype=bool)
    values[1::2] = True
    return np.repeat(values, np.diff(edges))


class _Refused(Exception):
    """The dump is not provably safe to split: one task, as before."""


@dataclass(frozen=True)
class SqlRange:
    """What a range of a split mysqldump needs to give the whole file's records (see the module doc)."""

    encoding: str
    counters: tuple[tuple[str, int], ...]  # rows of each table before the range
    created: tuple[tuple[str, tuple[str, ...]], ...]  # CREATE TABLE columns seen before the range, in dump order
    preset: tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]] | None = None  # (table, names, mapping)
    dialect: str = "mysql"  # or "postgresql" (pg_split)
    lead: str = ""  # read before the range: the header line of the COPY block it starts in (pg_split)
    tail: str = ""  # read after it: the end line of the COPY block it ends in (pg_split)

    def preset_args(self) -> tuple[str, list[str], dict[str, str]] | None:
        return None if self.preset is None else (self.preset[0], list(self.preset[1]), dict(self.preset[2]))

    def tables_begun(self) -> frozenset[str]:
        """Tables with rows before the range: their watermark vote is another range's."""
        return frozenset(name for name, rows in self.counters if rows)


@dataclass
class _Boundary:
    offset: int
    counters: dict[str, int]
    created: tuple[tuple[str, tuple[str, ...]], ...]
    preset: tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]] | None
    lead: str = ""  # text the range starting here reads first (pg_split: its COPY block's header line)
    tail_before: str = ""  # text the range ending here reads last (pg_split: the block's end line)


def _split_encoding(head: bytes, info) -> tuple[str, str] | None:
    """The dump's codec and dialect when the codec is one the planners split (UTF-8 or single-byte) and the
    dialect MySQL's or PostgreSQL's (pg_split); None otherwise (one task)."""
    from workbench.engine.identifiers.scanner import detect_utf16
    from workbench.engine.records import sql_dialect
    from workbench.engine.records.csvfile import text_encoding
    from workbench.engine.text_split import SPLIT_CODECS

    if detect_utf16(head[:4096]) is not None:
        return None
    encoding = text_encoding(head, getattr(info, "encoding", None))
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        return None
    if codec not in SPLIT_CODECS and encoding not in SPLIT_CODECS:
        return None
    dialect = sql_dialect(head, info, encoding)
    if dialect not in ("mysql", "postgresql"):
        return None  # sqlite dumps are one task
    return encoding, dialect


def _planned(view, found: tuple[str, str], bounds: Bounds, min_first_rows: int, compression: str | None,
             member: str | None):
    """The planner of the dialect run over the whole content (``view``: sliceable, ``len`` its size); its ranges
    as a TextPlan, or None (one task) when it refuses the dump or finds fewer than two ranges."""
    from workbench.engine.text_split import Chunk, TextPlan

    encoding, dialect = found
    size = len(view)
    try:
        if dialect == "postgresql":
            from workbench.engine.pg_split import PgPlanner

            copy = PgPlanner(view, encoding, bounds.split_text_chunk_bytes, min_first_rows)
            if _first_line_of(view, (b"COPY ", INSERT_LINE)) == INSERT_LINE:  # pg_dump --inserts/--column-inserts
                try:
                    boundaries = _Planner(view, encoding, bounds.split_text_chunk_bytes, min_first_rows,
                                          "postgresql").run()
                except _Refused:  # an "INSERT INTO" line inside a function body, say: the COPY planner's turn
                    boundaries = copy.run()
            else:
                boundaries = copy.run()
        else:
            boundaries = _Planner(view, encoding, bounds.split_text_chunk_bytes, min_first_rows).run()
    except (_Refused, RecordsError, UnicodeError, ValueError, MemoryError, OSError):
        return None
    except Exception:  # noqa: BLE001 - a planner fault on hostile bytes must not stop the scan: one task, as before
        return None
    if not boundaries:
        return None
    starts = [_Boundary(0, {}, (), None), *boundaries]
    chunks = []
    for i, b in enumerate(starts):
        end = starts[i + 1].offset if i + 1 < len(starts) else size
        tail = starts[i + 1].tail_before if i + 1 < len(starts) else ""
        state = SqlRange(encoding, tuple(b.counters.items()), b.created, b.preset, dialect, b.lead, tail)
        chunks.append(Chunk(b.offset, end, sum(b.counters.values()), state))
    return TextPlan("sql-dump", compression, member, size, None, tuple(chunks))


def _first_line_of(view, starts: tuple[bytes, ...]) -> bytes | None:
    """Which of ``starts`` begins the first line that begins with one of them, within ``MAX_RUN`` bytes (read a
    block at a time: a gzip's rest is not decompressed); None when none does."""
    size = min(len(view), MAX_RUN)
    keep = max(map(len, starts))  # a line start cut by two reads is found whole in the second
    tail = b"\n"  # the content's start is a line start
    at = 0
    while at < size:
        data = tail + bytes(view[at:min(size, at + BLOCK)])
        hits = [(i, s) for s in starts if (i := data.find(b"\n" + s)) >= 0]
        if hits:
            return min(hits)[1]
        tail = data[-keep:]
        at += BLOCK
    return None


def plan_plain(host: Path, head: bytes, size: int, bounds: Bounds, info, min_first_rows: int = 0):
    """The ranges of a big plain mysqldump, or None (one task). ``info``: its ``kinds.KindInfo``;
    ``min_first_rows``: the table watermark's vote sample (rows) when a registry is loaded."""
    from workbench.engine.blob import Blob

    found = _split_encoding(head, info)
    if found is None:
        return None
    try:
        with Blob.from_path(host) as blob:
            if blob.size != size:
                return None
            return _planned(blob.view(), found, bounds, min_first_rows, None, None)
    except OSError:
        return None


class _GzipView:
    """The decompressed content of a gzip as the planner reads it (``view[lo:hi]``, ``len``): a seek and a read
    of the rapidgzip stream, whose index (built by the first pass) makes a seek back cheap."""

    def __init__(self, gz, size: int) -> None:
        self.gz = gz
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, part: slice) -> bytes:
        lo, hi, _step = part.indices(self.size)
        if hi <= lo:
            return b""
        self.gz.seek(lo)
        data = self.gz.read(hi - lo)
        if len(data) != hi - lo:
            raise _Refused(f"the gzip gave {len(data)} bytes at offset {lo}, {hi - lo} expected")
        return data


class _ViewReader(io.RawIOBase):
    """A file over ``view[start:]`` read a block at a time: the reader samples a run of rows from there without
    the rest of a gzipped dump being decompressed."""

    def __init__(self, view, start: int) -> None:
        self.view = view
        self.pos = start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.view[self.pos:self.pos + len(buffer)]
        n = len(data)
        buffer[:n] = data
        self.pos += n
        return n


def plan_gzip(gz, host: Path, head: bytes, member: str, size_gz: int, bounds: Bounds, info, index_path: Path,
              min_first_rows: int = 0):
    """The ranges of a big gzipped mysqldump (``mysqldump | gzip``), or None (one task). ``gz``: the file opened
    with rapidgzip by ``text_split``; ``head``: its first decompressed bytes. A first pass decompresses it whole
    (on every core) to learn its size, check its bounds and its trailer (a cut or multi-member stream is one task)
    and build the seek index; the planner then reads it through that index, and each range task decompresses
    only its range (``text_split.open_range``)."""
    from workbench.engine.text_split import _blocks, _check_bounds, _check_trailer

    found = _split_encoding(head, info)
    if found is None:
        return None
    gz.seek(0)
    total = crc = 0
    for block, base, _next in _blocks(gz):
        _check_bounds(base + len(block), size_gz, bounds)
        crc = zlib.crc32(block, crc)
        total = base + len(block)
    _check_trailer(host, crc, total)
    planned = _planned(_GzipView(gz, total), found, bounds, min_first_rows, "gzip", member)
    if planned is not None:
        save_gzip_index(gz, index_path)
    return planned


class _Planner:
    """One pass over a dump of INSERT lines -> the boundaries of its ranges (module doc). ``dialect``: "mysql"
    (backslash escapes in strings) or "postgresql" (``pg_dump --inserts``: standard strings, a quote doubled,
    a backslash a plain character)."""

    def __init__(self, view: memoryview, encoding: str, chunk_bytes: int, min_rows: int,
                 dialect: str = "mysql") -> None:
        self.view = view
        self.dialect = dialect
        self.size = len(view)
        self.encoding = encoding
        self.chunk_bytes = chunk_bytes
        self.min_rows = min_rows
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.counters: dict[str, int] = {}
        self.created: dict[str, list[str]] = {}
        self.after = 0  # offset after the last INSERT line (where the text not yet read by the scanner starts)
        self.prefix = b""  # the header of the last INSERT line
        self.key: tuple[str, tuple[str, ...] | None] | None = None  # (table, explicit columns) of that header
        self.run_key: tuple[str, tuple[str, ...] | None] | None = None  # the reader's current run of a table
        self.run_start = 0
        self.run_rows = 0
        self.run_created: dict[str, list[str]] = {}
        self.run_width = 0  # values per row of the run (all its rows alike)
        self.target = chunk_bytes
        self.boundaries: list[_Boundary] = []

    def run(self) -> list[_Boundary]:
        base = 0
        while base < self.size:
            end = min(self.size, base + BLOCK)
            arr = np.frombuffer(self.view[base:end], dtype=np.uint8)
            if end < self.size:
                lf = np.flatnonzero(arr == LF)
                while lf.size == 0:
                    if end - base > BLOCK + MAX_LINE or end == self.size:
                        raise _Refused("a line longer than the planner reads")
                    end = min(self.size, end + MAX_LINE)
                    arr = np.frombuffer(self.view[base:end], dtype=np.uint8)
                    lf = np.flatnonzero(arr == LF)
                if end < self.size:
                    end = base + int(lf[-1]) + 1
                    arr = arr[:end - base]
            self._block(arr, base, end == self.size)
            base = end
        self._text_between(self.after, self.size, last=True)
        return kept_boundaries(self.boundaries, self.size, self.chunk_bytes, self.min_rows, self.counters)

    # -- one block of whole lines --------------------------------------------------------------------------
    def _block(self, arr: np.ndarray, base: int, final: bool) -> None:
        try:
            self.decoder.decode(memoryview(arr), final=final)
        except UnicodeDecodeError as exc:
            raise _Refused(f"bytes the codec cannot decode near offset {base + exc.start}") from None
        n = arr.size
        if n == 0:
            return
        if np.count_nonzero(arr == 0):
            raise _Refused("NUL bytes")
        lf = np.flatnonzero(arr == LF)
        starts = np.concatenate(([0], lf + 1))
        starts = starts[starts < n]
        ok = starts + len(INSERT_LINE) <= n
        cand = starts[ok]
        is_insert = np.ones(cand.size, dtype=bool)
        for j, byte in enumerate(INSERT_LINE):
            is_insert &= arr[cand + j] == byte
        ins = cand[is_insert]
        if ins.size == 0:
            return
        ends = np.full(ins.size, n, dtype=np.int64)  # the line's LF (or the end of the file)
        if lf.size:
            at = np.searchsorted(lf, ins)
            ends = np.where(at < lf.size, lf[np.minimum(at, lf.size - 1)], n)
        if np.any(ends - ins > MAX_LINE):
            raise _Refused("an INSERT line longer than MAX_LINE")
        keys, key_of, heads = self._headers(arr, ins, ends)
        rows, widths = self._rows(arr, ins + heads, ends)
        self._lines(base + ins, base + ends, keys, key_of, rows, widths)

    def _headers(self, arr: np.ndarray, ins: np.ndarray, ends: np.ndarray) -> tuple[list, np.ndarray, np.ndarray]:
        """The (table, columns) keys of the block's INSERT lines; per line, the index of its key and the length of
        its header (the reader's, read again only where a line does not start with the previous line's)."""
        keys: list[tuple[str, tuple[str, ...] | None]] = []
        key_of = np.empty(ins.size, dtype=np.int64)
        heads = np.empty(ins.size, dtype=np.int64)
        i, changes = 0, 0
        while i < ins.size:
            if self.prefix:
                same = ins[i:] + len(self.prefix) < ends[i:]
                for j, byte in enumerate(self.prefix):
                    same &= arr[np.minimum(ins[i:] + j, arr.size - 1)] == byte
                k = i + (int(np.argmin(same)) if not same.all() else same.size)
                if k > i:
                    if not keys or keys[-1] != self.key:
                        keys.append(self.key)
                    key_of[i:k] = len(keys) - 1
                    heads[i:k] = len(self.prefix)
                    i = k
                    if i >= ins.size:
                        break
            changes += 1
            if changes > MAX_PREFIX_CHANGES:
                raise _Refused("INSERT lines switching tables too often")
            s, e = int(ins[i]), int(ends[i])
            text = bytes(arr[s:min(e, s + 65536)]).decode(self.encoding, errors="replace")  # may cut a character
            header = insert_header(text)
            if header is None:
                raise _Refused("an INSERT line the reader does not read as one")
            name, cols, chars = header
            prefix = text[:chars].encode("utf-8" if self.encoding == "utf-8-sig" else self.encoding)
            if bytes(arr[s:s + len(prefix)]) != prefix or len(prefix) >= e - s or prefix == self.prefix:
                raise _Refused("an INSERT line without rows")
            self.prefix, self.key = prefix, (name, None if cols is None else tuple(cols))
        return keys, key_of, heads

    def _rows(self, arr: np.ndarray, rs: np.ndarray, re_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows and values per row of each INSERT line's data ``[rs, re_)``, checked against the row grammar
        (module doc)."""
        n = arr.size
        region = _segments(n, rs, re_)
        q = np.flatnonzero(arr == QUOTE)
        q = q[region[q]]
        after_bs = np.flatnonzero(arr[q - 1] == BACKSLASH) if self.dialect == "mysql" else q[:0]
        if after_bs.size:  # only a quote right after a backslash may be escaped (a third of the time went on all)
            b = np.flatnonzero(arr == BACKSLASH)
            b = b[region[b]]
            brk = np.flatnonzero(np.diff(b) != 1)
            run_start = b[np.concatenate(([0], brk + 1))]
            run_end = b[np.concatenate((brk, [b.size - 1]))]
            cand = q[after_bs]
            k = np.searchsorted(run_end, cand - 1)  # the run of backslashes ending right before the quote
            q = np.delete(q, after_bs[((run_end[k] - run_start[k] + 1) & 1) == 1])  # an odd run escapes it
        if np.any(np.searchsorted(q, re_) & 1):  # quotes before each line's end: an even number
            raise _Refused("a string left open at the end of an INSERT line")
        opening, closing = q[0::2], q[1::2]
        inside = _segments(n, opening, closing + 1)  # strings, quotes included
        codes = np.empty(n + 1, dtype=np.uint8)  # an event's code at its byte (END at a line's LF)
        codes[n] = 0
        cls = codes[:n]
        cls[:] = np.frombuffer(arr.tobytes().translate(_CLASS_TABLE), dtype=np.uint8)  # bytes.translate: ~1 GB/s
        cls *= region.view(np.uint8) & ~inside.view(np.uint8)  # strings and what is not a line's data: nothing
        doubled = np.zeros(opening.size, dtype=bool)  # 'it''s': the second quote pair continues the string
        doubled[1:] = closing[:-1] == opening[1:] - 1
        codes[opening[~doubled]] = STR
        codes[rs - 1] = START  # the header's last byte (the data starts with its opening parenthesis)
        codes[re_] = END
        ev = np.flatnonzero(codes)  # events, token bytes and bytes out of the grammar
        typ = codes[ev]
        if np.any(typ == BAD):
            raise _Refused("a byte outside the row grammar of mysqldump in an INSERT line")
        tok = typ == T_
        adjacent = np.zeros(ev.size, dtype=bool)  # a token byte right after another: not an event
        adjacent[1:] = (ev[1:] == ev[:-1] + 1) & tok[:-1] & tok[1:]
        last = tok & ~np.concatenate((adjacent[1:], [False]))
        t_end = ev[last]
        keep = ~adjacent
        pos, typ = ev[keep], typ[keep]
        first = np.flatnonzero(typ == T_)
        t_start = pos[first]
        typ[first] = TOK
        seven = np.flatnonzero((t_end - t_start + 1) == _BINARY.size)
        if seven.size:
            idx = t_start[seven][:, None] + np.arange(_BINARY.size)
            typ[first[seven[np.all(arr[idx] == _BINARY, axis=1)]]] = BIN
        if typ[0] != START or typ[-1] != END or not _ALLOWED[typ[:-1], typ[1:]].all():
            raise _Refused("an INSERT line out of the row grammar")
        comma = np.flatnonzero(typ == COMMA)
        if np.any((typ[comma - 1] == CLOSE) != (typ[comma + 1] == OPEN)):
            raise _Refused("an INSERT line out of the row grammar")
        is_open = typ == OPEN
        line_of_open = np.searchsorted(rs, pos[is_open], side="right") - 1
        rows = np.bincount(line_of_open, minlength=rs.size)
        # values per row (a _binary prefix and its string are one): every row of a line as wide as its first,
        # else the reader's batches would differ in their ``#extra`` column from one cut to another
        tuple_of = np.cumsum(is_open) - 1
        values = np.bincount(tuple_of[(typ == STR) | (typ == TOK)], minlength=int(is_open.sum()))
        first_of_line = np.concatenate(([0], np.cumsum(rows)[:-1]))
        widths = values[first_of_line]
        if np.any(values != np.repeat(widths, rows)):
            raise _Refused("rows of different widths in an INSERT line")
        return rows, widths

    # -- the sequence of statements ------------------------------------------------------------------------
    def _lines(self, starts: np.ndarray, ends: np.ndarray, keys: list, key_of: np.ndarray, rows: np.ndarray,
               widths: np.ndarray) -> None:
        """INSERT lines of a block in order (absolute offsets), in groups of adjacent lines of one key."""
        cut = np.ones(starts.size, dtype=bool)
        cut[1:] = (starts[1:] != ends[:-1] + 1) | (key_of[1:] != key_of[:-1])
        cuts = np.concatenate((np.flatnonzero(cut), [starts.size]))
        for g in range(cuts.size - 1):
            lo, hi = int(cuts[g]), int(cuts[g + 1])
            self._group(starts[lo:hi], ends[lo:hi], keys[int(key_of[lo])], rows[lo:hi], widths[lo:hi])

    def _group(self, starts: np.ndarray, ends: np.ndarray, key, rows: np.ndarray, widths: np.ndarray) -> None:
        first = int(starts[0])
        if first > self.after:
            self._text_between(self.after, first, last=False)
        name = key[0]
        if key != self.run_key:
            self.run_key, self.run_start, self.run_rows = key, first, 0
            self.run_created = {k: list(v) for k, v in self.created.items()}
            self.run_width = int(widths[0])
        if np.any(widths != self.run_width):
            raise _Refused("rows of different widths in a run of INSERTs")
        before = np.concatenate(([0], np.cumsum(rows)[:-1]))
        run_before = self.run_rows + before
        table_before = self.counters.get(name, 0) + before
        valid = (run_before == 0) | (run_before >= SAMPLE_LIMIT)
        if self.min_rows:
            valid &= (table_before == 0) | (table_before >= self.min_rows)
        while True:
            i = int(np.searchsorted(starts, self.target))
            ok = np.flatnonzero(valid[i:])
            if ok.size == 0:
                break
            j = i + int(ok[0])
            counters = dict(self.counters)
            counters[name] = int(table_before[j])
            preset = self._preset(key) if run_before[j] else None
            created = tuple((k, tuple(v)) for k, v in self.created.items())
            self.boundaries.append(_Boundary(int(starts[j]), counters, created, preset))
            self.target = int(starts[j]) + self.chunk_bytes
        total = int(rows.sum())
        self.counters[name] = self.counters.get(name, 0) + total
        self.run_rows += total
        self.after = int(ends[-1]) + 1

    def _text_between(self, lo: int, hi: int, *, last: bool) -> None:
        """The text between INSERT lines, read by the reader's statement scanner (module doc)."""
        if hi <= lo:
            return
        if hi - lo > MAX_RUN:
            raise _Refused("too much text between INSERT lines")
        text = bytes(self.view[lo:hi]).decode(self.encoding)
        found = first_data_statement(text if last else text + SENTINEL_LINES[self.dialect], self.created,
                                     self.dialect)
        if found != (None if last else (SENTINEL, None)):
            raise _Refused("a data statement or an open statement between INSERT lines")
        if found is not None:
            self.created.pop(SENTINEL, None)

    def _preset(self, key) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]:
        """The column names and mapping the reader samples for the run of ``key`` that started at
        ``run_start``."""
        return sampled_layout(self.view, self.run_start, self.encoding, self.dialect, self.run_created, key[0])


def kept_boundaries(boundaries: list[_Boundary], size: int, chunk_bytes: int, min_rows: int,
                    totals: dict[str, int]) -> list[_Boundary]:
    """The boundaries a planner keeps: inside the file, no sliver of a last range (under a quarter of a range),
    and with a registry (``min_rows``: the watermark's vote sample) none after which a table goes on that has
    some, but fewer than ``min_rows``, rows before it (``totals``: every table's rows)."""
    bounds = [b for b in boundaries if b.offset < size]
    if bounds and size - bounds[-1].offset < chunk_bytes // 4:
        bounds.pop()
    if min_rows:
        bounds = [b for b in bounds if not any(0 < rows < min_rows and totals.get(name, 0) > rows
                                               for name, rows in b.counters.items())]
    return bounds


def sampled_layout(view, start: int, encoding: str, dialect: str, created: dict[str, list[str]],
                   name: str) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The column names and mapping the reader samples for the run of rows of table ``name`` whose statement
    starts at ``start``: read from there by the reader and ``tables.sample_layout``, as far as the sample needs
    (a gzip's rest is not decompressed)."""
    from workbench.engine.blob import Blob

    def blocks(table):
        for block in table.blocks:
            if isinstance(block, SkippedRow):
                raise _Refused("a row the reader loses")
            yield block

    if isinstance(view, memoryview):
        source = Blob(view[start:])
        fh = source.open()
    else:
        source = contextlib.nullcontext()
        fh = io.BufferedReader(_ViewReader(view, start), buffer_size=2**20)
    with source, fh:
        tables = iter_sql_tables(fh, dialect, encoding=encoding, created={k: list(v) for k, v in created.items()})
        table = next(tables, None)
        if table is None or table.name != name:
            raise _Refused("the run of a table not read back")
        names, mapping, _held = sample_layout(table.columns, blocks(table))
        tables.close()
    return name, tuple(names), tuple(mapping.items())
