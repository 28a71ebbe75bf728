"""SQLite database files (``.sqlite``, ``.db``, typed by their ``SQLite format 3\\0`` header): tables as records.

Leaks often are an application's database file rather than a dump of it. Each ordinary table (not the
``sqlite_*`` internals, not views, not virtual tables whose module this build may lack) is read in file order
with its declared column names; values become text the way the SQL dump reader gives them (integers as
digits, reals as Python writes them, BLOBs as ``X'..'`` hex: bytes, never decoded as text, NULL as None).
Locators are ``table:NAME/row:N``, N counting the table's rows from 1 in rowid order (the order of the
pages, as ``SELECT *`` without ORDER BY gives it).

The evidence is never written: an evidence file on disk is opened through a ``file:...?mode=ro&immutable=1``
URI (read-only, no lock, no journal or WAL file created or read, no copy); an archive member (in memory, or
in its anonymous spool file past 32 MiB) is handed to ``sqlite3.Connection.deserialize`` in a private
in-memory database, refused over ``MAX_MEMORY_BYTES`` (256 MiB: SQLite holds its own copy). A file
that is not a readable database (corrupt pages, truncated, encrypted) raises one ``RecordsError``, after the
rows read before the fault.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pandas as pd

from workbench.engine.records.errors import RecordsError
from workbench.engine.records.tables import table_records

MAX_MEMORY_BYTES = 256 * 2**20  # a database read from memory is copied once into SQLite's own memory
FETCH_ROWS = 10_000


def _connect(blob: Any) -> sqlite3.Connection:
    name = blob.file_name() if hasattr(blob, "file_name") else None
    if name is not None:
        uri = f"file:{urllib.parse.quote(name)}?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True, check_same_thread=False)
    if blob.size > MAX_MEMORY_BYTES:
        raise RecordsError(f"SQLite database of {blob.size} bytes in memory: over the {MAX_MEMORY_BYTES}-byte limit")
    con = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        con.deserialize(blob.view())  # SQLite takes its own copy: no second one here
    except (sqlite3.Error, OverflowError, ValueError) as exc:
        con.close()
        raise RecordsError(f"not a readable SQLite database: {exc}") from exc
    return con


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return f"X'{value.hex().upper()}'"
    return str(value)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parse_sqlite(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    """Records of every ordinary table of a SQLite database file (see the module docstring)."""
    con = _connect(blob)
    try:
        con.execute("PRAGMA query_only = ON")
        con.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
        try:
            tables = [row[0] for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                "AND sql NOT LIKE 'CREATE VIRTUAL %' ORDER BY rowid")]
        except sqlite3.DatabaseError as exc:
            raise RecordsError(f"not a readable SQLite database: {exc}") from exc
        for table in tables:
            try:
                cursor = con.execute(f"SELECT * FROM {_quote(table)}")  # noqa: S608 - a quoted name of the file
                header = [d[0] for d in cursor.description]
            except sqlite3.DatabaseError as exc:
                raise RecordsError(f"table {table!r} unreadable: {exc}") from exc
            yield from table_records(header, _rows(cursor, table), item=vpath, table=table,
                                     locator_prefix=f"table:{table}/row:", batch_rows=batch_rows)
    finally:
        con.close()


def _rows(cursor: sqlite3.Cursor, table: str) -> Iterator[list[str | None]]:
    while True:
        try:
            batch = cursor.fetchmany(FETCH_ROWS)
        except sqlite3.DatabaseError as exc:
            raise RecordsError(f"table {table!r}: {exc}") from exc
        if not batch:
            return
        for row in batch:
            yield [_text(v) for v in row]
