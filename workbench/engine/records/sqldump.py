"""A streaming reader of SQL dumps: the rows of every INSERT ... VALUES and COPY ... FROM stdin.

Dialects: ``mysql`` (mysqldump: extended INSERTs, backslash escapes in strings, backtick names),
``postgresql`` (pg_dump: ``COPY t (cols) FROM stdin;`` blocks ending with ``\\.``, tab separated, ``\\N`` null,
backslash escapes; ``--inserts`` dumps; the ``\\restrict KEY``/``\\unrestrict`` lines of pg_dump 15.14+;
dollar-quoted function bodies), ``sqlite`` (``.dump``/``iterdump``: ``INSERT INTO "t" VALUES(...)``, ``''``
escapes, ``X'..'`` blobs, ``replace(..., char(10))`` newlines). Statements may span lines; strings may hold
``;``, ``),(`` and newlines. Column names come from the INSERT/COPY column list, else from the ``CREATE TABLE``
seen earlier in the dump, else ``columns`` is empty (the rows are positional).

The text is read in chunks and consumed as it goes: memory holds one chunk plus the value being read
(a single value over ``MAX_VALUE_CHARS`` is refused).

``iter_sql_tables`` yields one ``SqlTable`` per run of consecutive data statements of one table (same name and
columns); a table that comes back later in the dump is yielded again with the same name. As with
``itertools.groupby``, a table's ``rows`` must be consumed before asking for the next table (the rest of its
rows are skipped otherwise). ``SqlTable.blocks`` gives the same rows in blocks (lists of rows, or Arrow tables
of string columns where ``sqlfast`` read a regular stretch in one go); read either ``rows`` or ``blocks``.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.engine.records import sqlfast
from workbench.engine.records.errors import RecordsError
from workbench.sql_names import NAME, column_names, split_top_level, table_name, unquote_identifier

CHUNK_CHARS = 1 << 20
MAX_VALUE_CHARS = 64 * 2**20
HEADER_WINDOW = 1 << 16
DIALECTS = ("mysql", "postgresql", "sqlite")


@dataclass
class SqlTable:
    """One run of rows of one table; ``rows`` yields lists of ``str | None`` in dump order."""

    name: str
    columns: list[str]
    rows: Iterator[list[str | None]]
    blocks: Iterator[Block | SkippedRow] | None = None  # the same rows in blocks, and the rows lost (read either)


# ------------------------------------------------------------------------------------------ regexes

_NAME = NAME
_INSERT = re.compile(
    rf"(?:INSERT|REPLACE)\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE|OR\s+\w+)\s+)*(?:INTO\s+)?"
    rf"({_NAME})\s*(?:\(([^()]*)\)\s*)?(?:OVERRIDING\s+(?:SYSTEM|USER)\s+VALUE\s+)?VALUES\s*",
    re.IGNORECASE,
)
_COPY = re.compile(
    rf"COPY\s+({_NAME})\s*(?:\(([^()]*)\)\s*)?FROM\s+stdin\b[^;]*;[^\n]*\n", re.IGNORECASE
)
_CREATE = re.compile(
    rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?({_NAME})\s*\(",
    re.IGNORECASE,
)
_KEYWORD = re.compile(r"[A-Za-z]+")
_WS = re.compile(r"\s*")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][\w]*)?\$")

_STR_BACKSLASH = r"'((?:[^'\\]++|\\.|'')*+)'"
_STR_STANDARD = r"'((?:[^']++|'')*+)'"
# A bare token: numbers (-1.5E-3), NULL, TRUE, 0x.. hex, function names. Never ``/`` or ``*``: a comment such as
# sakila's ``/*!50705 0x...,*/`` (MySQL runs the text of a versioned comment) must not be read as a value.
_BARE_TOKEN = r"([^,()\s'/*]+)"
# one value: a _binary string (group 1), a string (2), an E'' string (3), a bare token (4)
_VALUE = {
    "mysql": re.compile(rf"(?:(_binary)\s*|_[A-Za-z0-9]+\s*|[Nn])?{_STR_BACKSLASH}|()(?!)|{_BARE_TOKEN}",
                        re.DOTALL),
    "standard": re.compile(
        rf"()(?!)|(?:[Nn])?{_STR_STANDARD}|[Ee]{_STR_BACKSLASH}|{_BARE_TOKEN}", re.DOTALL
    ),
}
_STRING_START = re.compile(r"(?:_[A-Za-z0-9]+\s*|[NnEeXxBb])?'")
# Fast path: a whole row of plain values (strings, bare tokens, hex literals) matched at once, then split.
_FAST_VALUE = {
    "mysql": r"(?:(_binary)\s*|_[A-Za-z0-9]+\s*|[Nn])?'((?:[^'\\]++|\\.|'')*+)'|([XxBb]'[0-9A-Fa-f]*')|"
             r"([^,'\s()/*]+)",
    "standard": r"()(?!)|(?:[Nn])?'((?:[^']++|'')*+)'|([XxBb]'[0-9A-Fa-f]*')|([^,'\s()/*]+)",
}
_FAST_ROW = {
    dialect: re.compile(rf"\(\s*(?:(?:{v})\s*(?:,\s*(?:{v})\s*)*)?\)", re.DOTALL)
    for dialect, v in _FAST_VALUE.items()
}
_FAST_SPLIT = {dialect: re.compile(v, re.DOTALL) for dialect, v in _FAST_VALUE.items()}
FAST_LOOKAHEAD = 1 << 16
FAST_MIN_CHARS = 2048  # a stretch shorter than this is read the exact way
FAST_COOLDOWN_ROWS = 2000
FAST_RETRY_ROWS = 256
SLOW_BLOCK_ROWS = 4096
_COPY_END = re.compile(r"^\\\.\r?$", re.MULTILINE)
_HEX_STRING = re.compile(r"[XxBb]'([^']*)'")
_COMMENT_OPEN = re.compile(r"/\*!\d*|/\*(?!!)")
_ROW_END = re.compile(r"\)\s*(?=,\s*\(|;|\Z)")  # where a malformed row is taken to end: before ``,(`` or ``;``
_DELIMITER = re.compile(r"DELIMITER[ \t]+(\S+)[^\n]*\n?", re.IGNORECASE)
_DELIMITER_BACK = re.compile(r"^[ \t]*DELIMITER[ \t]+;", re.IGNORECASE | re.MULTILINE)
_CAST = re.compile(r"\s*::\s*(?:\"[^\"]*\"|[A-Za-z_][\w ]*?)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?(?=\s*[,)])")

_MYSQL_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "\\": "\\", "'": "'",
                  '"': '"', "%": "\\%", "_": "\\_"}
_MYSQL_ESCAPE = re.compile(r"\\(.)|''", re.DOTALL)
_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)


def _mysql_unescape(text: str) -> str:
    if "\\" not in text and "''" not in text:
        return text
    return _MYSQL_ESCAPE.sub(lambda m: "'" if m.group(1) is None else _MYSQL_ESCAPES.get(m.group(1), m.group(1)), text)


_E_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))|''",
                       re.DOTALL)


def _e_unescape(text: str) -> str:
    """A PostgreSQL ``E'..'`` string: C-style escapes, octal, hex and Unicode (``\\u00e9``), ``''``."""
    if "\\" not in text and "''" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        if m.group(0) == "''":
            return "'"
        octal, hexa, u4, u8, other = m.groups()
        try:
            if octal or hexa:
                return chr(int(octal, 8) if octal else int(hexa, 16))
            if u4 or u8:
                return chr(int(u4 or u8, 16))
        except (ValueError, OverflowError):
            return m.group(0)
        return _COPY_ESCAPES.get(other, other)

    return _E_ESCAPE.sub(one, text)


def _binary_hex(text: str) -> str:
    """A MySQL ``_binary '..'`` string kept as bytes: ``0x`` + hex (its bytes are data, not text to read)."""
    return "0x" + text.encode("utf-8", "surrogateescape").hex().upper() if text else ""


def _copy_unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return chr(int(m.group(1), 8))
        if m.group(2):
            return chr(int(m.group(2), 16))
        return _COPY_ESCAPES.get(m.group(3), m.group(3))

    return _COPY_ESCAPE.sub(one, text)


def detect_dialect(text: str) -> str:
    """mysql, postgresql or sqlite from the first part of a dump (sqlite when nothing says otherwise)."""
    if re.search(r"PostgreSQL database dump|^COPY \S+.*FROM stdin;|^\\restrict |SET standard_conforming_strings",
                 text, re.MULTILINE):
        return "postgresql"
    if re.search(r"MySQL dump|MariaDB dump|/\*!\d{5}|^LOCK TABLES|ENGINE=|INSERT INTO `", text, re.MULTILINE):
        return "mysql"
    return "sqlite"


# ------------------------------------------------------------------------------------------ the reader


class _Text:
    """A window over a text stream: ``buf[pos:]`` is what is left to read."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.buf = ""
        self.pos = 0
        self.base = 0  # characters dropped before ``buf``: ``base + pos`` is the absolute position
        self.eof = False

    def more(self, at_least: int = 0) -> bool:
        if self.eof:
            return False
        if self.pos:
            self.buf = self.buf[self.pos:]
            self.base += self.pos
            self.pos = 0
        chunk = self.stream.read(max(CHUNK_CHARS, at_least))
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def need(self, n: int) -> None:
        while len(self.buf) - self.pos < n and self.more():
            pass

    def match(
        self, regex: re.Pattern[str], limit: int | None = None, grow: re.Pattern[str] | None = None
    ) -> re.Match[str] | None:
        """Match at the position, reading more while the match could still grow.

        A failed match reads more only when ``grow`` matches here (a string is open and may end further on).
        """
        limit = MAX_VALUE_CHARS if limit is None else limit
        while True:
            m = regex.match(self.buf, self.pos)
            if self.eof or (m is not None and m.end() < len(self.buf)):
                return m
            if m is None and (grow is None or not grow.match(self.buf, self.pos)):
                return None
            ahead = len(self.buf) - self.pos
            if ahead > limit:
                raise RecordsError(f"SQL value longer than {limit} characters: refused")
            self.more(ahead)  # doubling: a long value is rescanned O(log n) times

    def skip_ws(self) -> None:
        while True:
            m = _WS.match(self.buf, self.pos)
            self.pos = m.end()
            if self.pos < len(self.buf) or not self.more():
                return

    def peek(self, n: int = 1) -> str:
        self.need(n)
        return self.buf[self.pos:self.pos + n]

    def skip_past(self, needle: str) -> bool:
        """Move past the next ``needle``; False (at the end) when there is none. Memory stays bounded."""
        while True:
            idx = self.buf.find(needle, self.pos)
            if idx != -1:
                self.pos = idx + len(needle)
                return True
            self.pos = max(self.pos, len(self.buf) - len(needle) + 1)
            if not self.more():
                self.pos = len(self.buf)
                return False

    def skip_to(self, regex: re.Pattern[str], overlap: int = 256) -> bool:
        """Move past the next match of ``regex`` (shorter than ``overlap``); False at the end. Memory bounded."""
        while True:
            m = regex.search(self.buf, self.pos)
            if m is not None and (m.end() < len(self.buf) or self.eof):
                self.pos = m.end()
                return True
            self.pos = max(self.pos, len(self.buf) - overlap)
            if not self.more():
                self.pos = len(self.buf)
                return False

    def line(self) -> str | None:
        """The next line without its end; None at the end of the text."""
        while True:
            idx = self.buf.find("\n", self.pos)
            if idx != -1:
                line = self.buf[self.pos:idx]
                self.pos = idx + 1
                return line[:-1] if line.endswith("\r") else line
            if len(self.buf) - self.pos > MAX_VALUE_CHARS:
                raise RecordsError(f"SQL dump line longer than {MAX_VALUE_CHARS} characters: refused")
            if not self.more(len(self.buf) - self.pos):
                if self.pos >= len(self.buf):
                    return None
                line = self.buf[self.pos:]
                self.pos = len(self.buf)
                return line


@dataclass
class _Header:
    kind: str  # "insert" or "copy"
    name: str
    columns: list[str] | None  # explicit column list, None when the statement has none
    text: str = ""  # INSERT: the statement text up to its first row (the fast path joins statements alike)


class _Parser:
    def __init__(self, text: _Text, dialect: str) -> None:
        self.text = text
        self.dialect = dialect
        self.backslash = dialect == "mysql"
        family = "mysql" if self.backslash else "standard"
        self.value_re = _VALUE[family]
        self.fast_row = _FAST_ROW[family]
        self.fast_split = _FAST_SPLIT[family]
        self.created: dict[str, list[str]] = {}
        self.pending: _Header | None = None
        self.cooldown = 0  # rows to read the exact way after a fast attempt failed
        self.open_comments = 0  # versioned comments (``/*!50705 ..``) opened inside the current row list

    # -- statements ------------------------------------------------------------------------------

    def next_data_statement(self) -> _Header | None:
        """Skip to the next INSERT/COPY, reading CREATE TABLEs on the way; None at the end."""
        if self.pending is not None:
            header, self.pending = self.pending, None
            return header
        t = self.text
        while True:
            t.skip_ws()
            t.need(HEADER_WINDOW)
            if t.pos >= len(t.buf):
                return None
            buf, pos = t.buf, t.pos
            if buf.startswith("--", pos) or (self.backslash and buf[pos] == "#"):
                t.skip_past("\n")
                continue
            if buf.startswith("/*", pos):
                t.pos += 2
                if not t.skip_past("*/"):
                    return None
                continue
            if buf[pos] == ";":
                t.pos += 1
                continue
            if buf[pos] == "\\":  # psql meta-command: \restrict KEY, \unrestrict KEY, \connect db...
                t.skip_past("\n")
                continue
            word = _KEYWORD.match(buf, pos)
            keyword = word.group(0).upper() if word else ""
            if keyword in ("INSERT", "REPLACE"):
                m = _INSERT.match(buf, pos)
                if m:
                    t.pos = m.end()
                    cols = [unquote_identifier(c) for c in split_top_level(m.group(2))] if m.group(2) else None
                    return _Header("insert", table_name(m.group(1)), cols, m.group(0))
            elif keyword == "COPY":
                m = _COPY.match(buf, pos)
                if m:
                    t.pos = m.end()
                    cols = [unquote_identifier(c) for c in split_top_level(m.group(2))] if m.group(2) else None
                    return _Header("copy", table_name(m.group(1)), cols)
            elif keyword == "DELIMITER":
                m = _DELIMITER.match(buf, pos)
                if m:
                    t.pos = m.end()
                    if m.group(1) != ";":  # mysqldump's triggers and routines: bodies hold ';' and INSERTs
                        t.skip_to(_DELIMITER_BACK)
                    continue
            elif keyword == "CREATE":
                m = _CREATE.match(buf, pos)
                if m:
                    t.pos = m.end()
                    self._read_create(table_name(m.group(1)))
                    continue
            self._skip_statement()

    def _read_create(self, name: str) -> None:
        """Column names of a CREATE TABLE (the body up to the matching parenthesis), then skip to its end."""
        t = self.text
        start = t.pos
        depth, i = 1, start
        while True:
            buf = t.buf
            while i < len(buf) and depth:
                ch = buf[i]
                if ch in "'\"`":
                    end = buf.find(ch, i + 1)
                    if end == -1:
                        break
                    i = end + 1
                    continue
                depth += 1 if ch == "(" else -1 if ch == ")" else 0
                i += 1
            if depth == 0:
                break
            if len(buf) - start > HEADER_WINDOW * 16 or t.eof:
                raise RecordsError(f"unterminated CREATE TABLE {name!r}")
            offset = t.pos
            t.more(len(buf) - t.pos)
            start -= offset - t.pos
            i -= offset - t.pos
        self.created[name] = column_names(t.buf[start:i - 1])
        t.pos = i
        self._skip_statement()

    def _skip_statement(self) -> None:
        """Move past the next ``;`` outside strings, quoted names, comments and dollar quotes."""
        t = self.text
        special = re.compile(r"[;'\"`$]|--|/\*")
        while True:
            m = special.search(t.buf, t.pos)
            if m is None:
                t.pos = len(t.buf)
                if not t.more():
                    return
                continue
            token = m.group(0)
            t.pos = m.start()
            if token == ";":
                t.pos += 1
                return
            if token == "--":
                t.skip_past("\n")
            elif token == "/*":
                t.pos += 2
                t.skip_past("*/")
            elif token == "$":
                t.need(256)
                tag = _DOLLAR_TAG.match(t.buf, t.pos)
                if tag and self.dialect == "postgresql":
                    t.pos = tag.end()
                    t.skip_past(tag.group(0))
                else:
                    t.pos += 1
            else:
                self._skip_quoted(token)

    def _skip_quoted(self, quote: str) -> None:
        t = self.text
        t.pos += 1
        while True:
            if not t.skip_past(quote):
                return
            if self.backslash and quote == "'" and _escaped(t.buf, t.pos - 1):
                continue
            t.need(1)
            if t.buf.startswith(quote, t.pos):  # doubled quote
                t.pos += 1
                continue
            return

    # -- rows ------------------------------------------------------------------------------------

    def insert_rows(self) -> Iterator[list[str | None]]:
        """The tuples of the current INSERT statement, up to its ``;``."""
        for block in self.insert_blocks(""):
            yield from block_rows(block)

    def insert_blocks(self, prefix: str) -> Iterator[Block | SkippedRow]:
        """The rows of the current INSERT statement, up to its ``;``, in blocks (see ``Block``).

        ``prefix`` is the statement text before its first row: the fast path also takes the following
        statements that begin with the very same text (same table, same columns).
        """
        slow: list[list[str | None]] = []
        try:
            yield from self._insert_blocks(prefix, slow)
        except RecordsError:
            if slow:  # the rows read before the fault
                yield slow
            raise

    def _insert_blocks(self, prefix: str, slow: list[list[str | None]]) -> Iterator[Block | SkippedRow]:
        t = self.text
        while True:
            t.skip_ws()
            if len(t.buf) - t.pos < FAST_LOOKAHEAD:
                t.need(FAST_LOOKAHEAD)
            table = self._fast_insert(prefix) if not self.cooldown else None
            if table is not None:
                if slow:
                    yield slow[:]
                    slow.clear()
                yield table
            else:
                if len(slow) >= SLOW_BLOCK_ROWS:
                    yield slow[:]
                    slow.clear()
                fast = self.fast_row.match(t.buf, t.pos)
                if fast is not None and fast.end() < len(t.buf):
                    t.pos = fast.end()
                    slow.append(self._split(fast.group(0)))
                else:
                    if t.peek() != "(":
                        raise RecordsError(f"malformed INSERT: expected '(' near {t.buf[t.pos:t.pos + 40]!r}")
                    start = t.base + t.pos
                    try:
                        t.pos += 1
                        slow.append(self._tuple())
                    except RecordsError as exc:
                        if "truncated" in str(exc) or "longer than" in str(exc) or not self._resync(start):
                            raise
                        if slow:
                            yield slow[:]
                            slow.clear()
                        # no excerpt of the row: it may hold identifiers, and findings are shown unmasked
                        yield SkippedRow(f"{str(exc).split(' near ', 1)[0]} (row starting at character {start})")
                self.cooldown = max(0, self.cooldown - 1)
            self._skip_inline()
            ch = t.peek()
            if ch == ",":
                t.pos += 1
                continue
            if slow:
                yield slow[:]
                slow.clear()
            if ch == ";" or ch == "":
                t.pos += len(ch)
                return
            if _KEYWORD.match(ch):  # ON DUPLICATE KEY UPDATE / ON CONFLICT ... RETURNING: rest of the statement
                self._skip_statement()
                return
            raise RecordsError(f"malformed INSERT: unexpected {t.buf[t.pos:t.pos + 40]!r} after a row")

    def _resync(self, start: int) -> bool:
        """After a malformed row that began at absolute position ``start``: move to its end (the next ``)``
        before ``,(`` or ``;``). False when there is no such end within ``MAX_VALUE_CHARS`` or before the end of
        the text (a truncated dump is not one bad row: the caller raises).
        """
        t = self.text
        start = max(start - t.base, 0)  # the reader may have dropped the row's beginning: go on from the buffer's
        t.pos = start
        while True:
            m = _ROW_END.search(t.buf, start + 1)
            if m is not None and (m.end() < len(t.buf) or t.eof):
                if m.end() >= len(t.buf):
                    return False
                t.pos = m.end()
                self.open_comments = 0
                return True
            if len(t.buf) - start > MAX_VALUE_CHARS or not t.more(len(t.buf) - t.pos):
                return False
            start = t.pos  # more() moved the buffer so that the row starts at t.pos

    def _skip_inline(self) -> None:
        """Whitespace and comments between values: a versioned ``/*!NNNNN`` opener and its ``*/`` are skipped
        (their text is read as values, as MySQL runs it), a plain ``/* .. */`` comment is dropped."""
        t = self.text
        while True:
            t.skip_ws()
            if t.pos < len(t.buf) and t.buf[t.pos] not in "/*":
                return  # the usual case, one test per value
            t.need(16)
            buf, pos = t.buf, t.pos
            if buf.startswith("/*", pos):
                m = _COMMENT_OPEN.match(buf, pos)
                if m is not None and m.group(0) != "/*":
                    t.pos = m.end()
                    self.open_comments += 1
                else:
                    t.pos += 2
                    t.skip_past("*/")
                continue
            if self.open_comments and buf.startswith("*/", pos):
                t.pos += 2
                self.open_comments -= 1
                continue
            return

    def _fast_insert(self, prefix: str) -> pa.Table | None:
        """Rows from here read by Arrow (``sqlfast``), the position moved past them; None when not worth it."""
        t = self.text
        if not prefix or t.buf.startswith("()", t.pos):
            return None
        regex = sqlfast.insert_run(self.backslash, prefix)
        run = regex.match(t.buf, t.pos)
        if run is not None and run.end() >= len(t.buf) and not t.eof:
            # The buffer ends right after a row (mysqldump's ~1 MB lines meet 1 MB chunks often), which may go on:
            # take the rows before it. Rejecting the run sent every following row of the buffer to the exact
            # reader, each after a regex run over the rest of the buffer (a 100 MB dump took 145 s, not 12).
            run = regex.match(t.buf, t.pos, len(t.buf) - 1)
        if run is None or run.end() - t.pos < FAST_MIN_CHARS:
            return None
        first = self.fast_row.match(t.buf, t.pos)
        if first is None:
            return None
        width = len(self._split(first.group(0)))
        table = sqlfast.insert_rows_table(run.group(0), prefix, self.backslash, width)
        if table is None:
            self.cooldown = FAST_COOLDOWN_ROWS
            return None
        t.pos = run.end()
        return table

    def _split(self, row: str) -> list[str | None]:
        """Values of a row the fast regex matched whole (no function calls, casts or E'' strings)."""
        out: list[str | None] = []
        backslash = self.backslash
        for binary, text, hexed, bare in self.fast_split.findall(row, 1, len(row) - 1):
            if bare:
                out.append(None if bare == "NULL" or bare == "null" else bare)
            elif hexed:
                out.append(hexed)
            elif binary:
                out.append(_binary_hex(_mysql_unescape(text)))
            elif backslash:
                out.append(_mysql_unescape(text))
            else:
                out.append(text.replace("''", "'") if "''" in text else text)
        return out

    def _tuple(self) -> list[str | None]:
        t = self.text
        row: list[str | None] = []
        while True:
            self._skip_inline()
            if t.peek() == ")" and not row:
                t.pos += 1
                return row
            row.append(self._value())
            self._skip_inline()
            ch = t.peek()
            if ch == ",":
                t.pos += 1
            elif ch == ")":
                t.pos += 1
                return row
            elif ch == "":
                raise RecordsError("truncated SQL dump: the file ends inside a row")
            else:
                raise RecordsError(f"malformed row: unexpected {t.buf[t.pos:t.pos + 40]!r}")

    def _value(self) -> str | None:
        t = self.text
        t.need(64)
        buf, pos = t.buf, t.pos
        if pos >= len(buf):
            raise RecordsError("truncated SQL dump: the file ends inside a row")
        value: str | None
        if buf[pos] in "XxBb" and buf.startswith("'", pos + 1):
            m = t.match(_HEX_STRING, grow=_STRING_START)
            if m is None:
                raise RecordsError(f"malformed hexadecimal literal near {t.buf[t.pos:t.pos + 40]!r}")
            t.pos = m.end()
            value = m.group(0)
        else:
            m = self.value_re.match(buf, pos)
            if m is None or m.end() >= len(buf):
                m = t.match(self.value_re, grow=_STRING_START)
            if m is None:
                if _STRING_START.match(t.buf, t.pos):
                    raise RecordsError("truncated SQL dump: the file ends inside a string")
                raise RecordsError(f"malformed value near {t.buf[t.pos:t.pos + 40]!r}")
            t.pos = m.end()
            if m.group(2) is not None:
                if not self.backslash:
                    value = m.group(2).replace("''", "'")
                elif m.group(1):
                    value = _binary_hex(_mysql_unescape(m.group(2)))
                else:
                    value = _mysql_unescape(m.group(2))
            elif m.group(3) is not None:
                value = _e_unescape(m.group(3))
            else:
                bare = m.group(4)
                t.skip_ws()
                if t.peek() == "(":
                    value = self._call(bare)
                elif bare.upper() == "NULL":
                    value = None
                else:
                    value = bare
        t.need(256)
        if t.buf.startswith("::", t.pos):
            cast = _CAST.match(t.buf, t.pos)
            if cast:
                t.pos = cast.end()
        return value

    def _call(self, name: str) -> str | None:
        """A function call used as a value: replace(), char(), unistr() are evaluated, others kept as text."""
        t = self.text
        t.pos += 1
        args = self._tuple()
        fn = name.lower()
        try:
            if fn == "replace" and len(args) == 3 and None not in args:
                return args[0].replace(args[1], args[2])  # type: ignore[union-attr]
            if fn == "char" and all(a is not None and a.isdigit() for a in args):
                return "".join(chr(int(a)) for a in args)  # type: ignore[union-attr]
            if fn == "unistr" and len(args) == 1 and args[0] is not None:
                return re.sub(r"\\u([0-9A-Fa-f]{4})|\\\\", lambda m: chr(int(m.group(1), 16)) if m.group(1)
                              else "\\", args[0])
        except (ValueError, OverflowError):
            pass
        return f"{name}({','.join('NULL' if a is None else a for a in args)})"

    def copy_rows(self, width: int | None = None) -> Iterator[list[str | None]]:
        """Rows of a COPY ... FROM stdin block, up to its ``\\.`` line."""
        for block in self.copy_blocks(width):
            yield from block_rows(block)

    def copy_blocks(self, width: int | None = None) -> Iterator[Block | SkippedRow]:
        """Rows of a COPY ... FROM stdin block, up to its ``\\.`` line, in blocks (see ``Block``).

        ``width``: the number of columns the COPY statement lists; a line with another number of fields is
        malformed (PostgreSQL refuses it too) and becomes a ``SkippedRow``.
        """
        t = self.text
        while True:
            table = self._fast_copy(width) if not self.cooldown else None
            if table is not None:
                yield table
                continue
            slow: list[list[str | None]] = []
            while len(slow) < FAST_RETRY_ROWS:
                line = t.line()
                if line is None:
                    if slow:
                        yield slow
                    raise RecordsError("truncated SQL dump: COPY data without its closing \\. line")
                if line == "\\.":
                    if slow:
                        yield slow
                    return
                fields = _copy_fields(line)
                self.cooldown = max(0, self.cooldown - 1)
                if width is not None and len(fields) != width:
                    if slow:
                        yield slow
                        slow = []
                    yield SkippedRow(f"malformed COPY line: {len(fields)} fields, {width} expected")
                    continue
                slow.append(fields)
            yield slow

    def _fast_copy(self, width: int | None = None) -> pa.Table | None:
        """Whole COPY lines from here read by Arrow, the position moved past them; None when not worth it."""
        t = self.text
        t.need(FAST_LOOKAHEAD)
        buf, start = t.buf, t.pos
        end = buf.rfind("\n", start) + 1
        stop = _COPY_END.search(buf, start, end)
        if stop is not None:
            end = stop.start()
        if end - start < FAST_MIN_CHARS:
            return None
        if width is None:
            width = buf.count("\t", start, buf.index("\n", start)) + 1
        table = sqlfast.copy_lines_table(buf[start:end], width)
        if table is None:
            self.cooldown = FAST_COOLDOWN_ROWS
            return None
        t.pos = end
        columns = []
        for column in table.columns:
            if pc.any(pc.match_substring(column, "\\")).as_py():
                values = column.to_numpy(zero_copy_only=False)
                for index in np.flatnonzero(pc.match_substring(column, "\\").fill_null(False).to_numpy(
                        zero_copy_only=False)):
                    values[index] = _copy_unescape(values[index])
                column = pa.array(values, type=pa.string())
            columns.append(column)
        return pa.table(columns, names=table.column_names)


def _copy_fields(line: str) -> list[str | None]:
    return [None if f == "\\N" else (_copy_unescape(f) if "\\" in f else f) for f in line.split("\t")]


Block = list[list[str | None]] | pa.Table
"""Rows in the order of the dump: a list of rows (ragged allowed) or an Arrow table of string columns."""


@dataclass(frozen=True)
class SkippedRow:
    """In a table's ``blocks``: one malformed row, lost, at its place in the dump; the rows after it are read."""

    reason: str


def block_rows(block: Block | SkippedRow) -> Iterator[list[str | None]]:
    """The rows of a block as lists (none for a ``SkippedRow``)."""
    if isinstance(block, SkippedRow):
        return
    if isinstance(block, pa.Table):
        columns = [column.to_pylist() for column in block.columns]
        yield from (list(row) for row in zip(*columns, strict=True))
    else:
        yield from block


def _escaped(buf: str, index: int) -> bool:
    """True when buf[index] is preceded by an odd number of backslashes."""
    count = 0
    while index - 1 - count >= 0 and buf[index - 1 - count] == "\\":
        count += 1
    return count % 2 == 1


def _text_stream(stream: IO[Any], encoding: str) -> IO[str]:
    probe = stream.read(0)
    if isinstance(probe, str):
        return stream
    return io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")


def iter_sql_tables(stream: IO[Any], dialect: str | None = None, *, encoding: str = "utf-8",
                    created: dict[str, list[str]] | None = None) -> Iterator[SqlTable]:
    """Tables of rows from a SQL dump, streaming (see the module docstring).

    ``stream`` is a text stream or a binary one (decoded with ``encoding``, undecodable bytes replaced).
    ``dialect`` is ``mysql``, ``postgresql``, ``sqlite`` or None to detect it from the first part of the text.
    ``created``: the columns of the CREATE TABLEs seen before ``stream`` (a range of a split dump, sql_split).
    Raises ``RecordsError`` on a malformed or truncated dump (after yielding the rows read before the fault).
    """
    codecs.lookup(encoding)
    text = _Text(_text_stream(stream, encoding))
    if dialect is None:
        text.need(HEADER_WINDOW)
        dialect = detect_dialect(text.buf[:HEADER_WINDOW])
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}: expected one of {DIALECTS}")
    parser = _Parser(text, dialect)
    if created:
        parser.created.update(created)
    while True:
        header = parser.next_data_statement()
        if header is None:
            return
        columns = header.columns if header.columns is not None else _created_columns(parser, header.name)
        segment = _Segment(parser, header)
        yield SqlTable(header.name, list(columns), segment.rows(), segment.blocks())
        segment.drain()


def insert_header(text: str) -> tuple[str, list[str] | None, int] | None:
    """The table, the explicit column list (None without one) and the end (in characters) of the INSERT header
    at the start of ``text``, as the mysql reader reads it; None when ``text`` starts with no INSERT header."""
    m = _INSERT.match(text)
    if m is None:
        return None
    cols = [unquote_identifier(c) for c in split_top_level(m.group(2))] if m.group(2) else None
    return table_name(m.group(1)), cols, m.end()


def copy_header(text: str) -> tuple[str, list[str] | None, int] | None:
    """The table, the explicit column list (None without one) and the end (in characters, past its line break) of
    the ``COPY .. FROM stdin;`` line at the start of ``text``, as the postgresql reader reads it; None otherwise."""
    m = _COPY.match(text)
    if m is None:
        return None
    cols = [unquote_identifier(c) for c in split_top_level(m.group(2))] if m.group(2) else None
    return table_name(m.group(1)), cols, m.end()


def first_data_statement(text: str, created: dict[str, list[str]],
                         dialect: str = "mysql") -> tuple[str, list[str] | None] | None:
    """The first INSERT/COPY of ``text``, as the reader of ``dialect`` meets it from a statement start: its table
    and explicit columns; None when there is none. The CREATE TABLEs read on the way are added to ``created``."""
    parser = _Parser(_Text(io.StringIO(text)), dialect)
    parser.created = created
    header = parser.next_data_statement()
    return None if header is None else (header.name, header.columns)


def _created_columns(parser: _Parser, name: str) -> list[str]:
    if name in parser.created:
        return parser.created[name]
    last = name.rsplit(".", 1)[-1]
    for created, columns in parser.created.items():
        if created.rsplit(".", 1)[-1] == last:
            return columns
    return []


class _Segment:
    """Rows of consecutive data statements of one table."""

    def __init__(self, parser: _Parser, header: _Header) -> None:
        self.parser = parser
        self.header = header
        self.generator = self._blocks()

    def blocks(self) -> Iterator[Block | SkippedRow]:
        return self.generator

    def rows(self) -> Iterator[list[str | None]]:
        for block in self.generator:
            yield from block_rows(block)

    def _blocks(self) -> Iterator[Block | SkippedRow]:
        parser, header = self.parser, self.header
        while True:
            yield from (parser.insert_blocks(header.text) if header.kind == "insert"
                        else parser.copy_blocks(len(header.columns) if header.columns else None))
            following = parser.next_data_statement()
            if following is None:
                return
            if following.name != header.name or following.columns != header.columns:
                parser.pending = following
                return
            header = following

    def drain(self) -> None:
        """Skip what the consumer left of this table."""
        for _ in self.generator:
            pass
