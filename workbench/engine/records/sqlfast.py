"""Fast paths of the SQL dump reader: runs of plain rows handed to Arrow's CSV reader in one go.

``sqldump`` reads values one by one with regexes; that is exact but costs a Python step per value. The usual
dumps are regular (mysqldump extended INSERTs, SQLite ``.dump`` one-row INSERTs, pg_dump COPY blocks), so a
stretch of the text that a strict regex accepts whole is rewritten as CSV and parsed by Arrow. The strict
regex only accepts what the rewrite keeps exact:

- INSERT rows: values are plain strings (MySQL: only the ``\\\\``, ``\\'`` and ``\\"`` escapes; no raw line
  breaks) and bare tokens (numbers, NULL) without spaces or backslashes; rows separated by ``),(`` or
  ``);\\n`` + the very same ``INSERT ... VALUES`` text. With no line break inside any string, the only line
  breaks after rewriting the separators to ``\\n`` are row ends, and a ``\\n`` inside a value can only come from
  a ``),(`` of the original string (put back).
- COPY lines: no carriage return and no empty line; cells with a backslash are unescaped by ``sqldump``.

Anything else (casts, function calls, ``X''`` literals, other escapes, ragged rows...) is left to the exact
reader: these functions return None and read nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

_MYSQL_STRING = r"'(?:[^'\\\n\r]++|\\[\\'\"]|'')*+'"
_STANDARD_STRING = r"'(?:[^'\n\r]++|'')*+'"
_BARE = r"[^,'\s()\\;]++"
MIN_ROWS = 4  # below this the exact reader is as fast


@lru_cache(maxsize=64)
def insert_run(backslash: bool, prefix: str) -> re.Pattern[str]:
    """Rows from ``(`` to the last complete ``)`` of a run of INSERTs whose statement text is ``prefix``."""
    value = rf"(?:{_MYSQL_STRING if backslash else _STANDARD_STRING}|{_BARE})"
    values = rf"{value}(?:,{value})*+"
    return re.compile(rf"\({values}\)(?:(?:,\(|;\n{re.escape(prefix)}\(){values}\))*+")


def _options(names: list[str], *, delimiter: str, quote: str | bool, escape: str | bool,
             nulls: list[str]) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
    read = pacsv.ReadOptions(use_threads=False, column_names=names, block_size=1 << 26)
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char=quote, double_quote=bool(quote), escape_char=escape,
                               newlines_in_values=bool(quote), ignore_empty_lines=False)
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=nulls,
                                   strings_can_be_null=True, quoted_strings_can_be_null=False)
    return read, parse, convert


def _read(text: str, width: int, **kw: object) -> pa.Table | None:
    names = [f"c{i}" for i in range(width)]
    try:
        data = text.encode("utf-8")
        return pacsv.read_csv(pa.BufferReader(data), *_options(names, **kw))  # type: ignore[arg-type]
    except (pa.ArrowInvalid, UnicodeEncodeError):
        return None


def insert_rows_table(run: str, prefix: str, backslash: bool, width: int) -> pa.Table | None:
    """The rows of a stretch matched by ``insert_run`` (``width`` values each) as an Arrow table of strings."""
    statements = run.count(f");\n{prefix}(")
    body = run[1:-1].replace(f");\n{prefix}(", "\n") if statements else run[1:-1]
    separators = body.count("),(")
    body = body.replace("),(", "\n")  # strings hold no raw line break
    table = _read(body, width, delimiter=",", quote="'", escape="\\" if backslash else False,
                  nulls=["NULL", "null"])
    if table is None:
        return None
    if table.num_rows == statements + separators + 1:  # every "),(" was a row separator: nothing to put back
        return table
    columns = []
    for column in table.columns:
        if pc.any(pc.match_substring(column, "\n")).as_py():
            column = pc.replace_substring(column, "\n", "),(")
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def copy_lines_table(lines: str, width: int) -> pa.Table | None:
    """COPY data lines (each ending with a line feed) as an Arrow table; ``\\N`` is null, escapes left as is."""
    if "\r" in lines or "\n\n" in lines or lines.startswith("\n"):
        return None
    return _read(lines, width, delimiter="\t", quote=False, escape=False, nulls=["\\N"])
