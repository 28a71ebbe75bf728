"""The causes of error lines (engine/error_causes.py): the engine's own messages, as the hostile corpus and a
crashed worker give them, each in its cause; the store's SQL gives what the Python function gives."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest

from workbench.engine.error_causes import error_cause
from workbench.engine.store.causes import cause_sql

LINES = [  # (stage, message, status, cause): messages copied from real scans
    ("read", "ArchiveError: cut.csv.gz!/cut.csv: EOFError: Compressed file ended before the end-of-stream marker "
             "was reached", None, "truncated"),
    ("archive", "ArchiveError: cut.tar: truncated or corrupt tar after 1 entries: ReadError: unexpected end of data",
     None, "truncated"),
    ("records", "RecordsError: truncated SQL dump: the file ends inside a row", None, "truncated"),
    ("read", "ArchiveError: bad-crc.zip!/a.csv: BadZipFile: Bad CRC-32 for file 'a.csv'", None, "damaged"),
    ("layer", "LayerError: unreadable PDF page tree: PdfReadError: Detected cyclic page references.", None, "damaged"),
    ("archive", "ArchiveError: encrypted.7z: encrypted 7z (headers too): no password of the list opens it", None,
     "encrypted"),
    ("layer", "LayerError: word/document.xml: XML refused: DOCTYPE not allowed in an office document part", None,
     "limit"),
    ("read", "ArchiveError: zstd-window.zst!/zstd-window: ZstdError: zstd decompress error: Frame requires too much "
             "memory for decoding", None, "limit"),
    ("intake", "a fifo is not a regular file: not opened", "skipped", "special"),
    ("worker", "worker process died (exit code -11) while scanning this item", "error", "crashed"),
    (None, None, "encrypted", "encrypted"),
    (None, None, "partial", "limit"),  # a bomb stopped by a bound (the bound is a finding, not an error line)
    (None, None, "skipped", "limit"),  # past the nesting depth
    ("records", "KeyError: 'x'", None, "other"),
]


@pytest.mark.parametrize(("stage", "message", "status", "cause"), LINES)
def test_each_message_has_its_cause(stage, message, status, cause):
    assert error_cause(message, stage, status) == cause


def test_the_sql_cause_is_the_python_cause_in_sqlite_and_duckdb():
    expr = cause_sql("message", "stage", "status")
    rows = [(s, m, st) for s, m, st, _c in LINES]
    lite = sqlite3.connect(":memory:")
    lite.execute("CREATE TABLE t (stage TEXT, message TEXT, status TEXT)")
    lite.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    duck = duckdb.connect()
    duck.execute("CREATE TABLE t (stage TEXT, message TEXT, status TEXT)")
    duck.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    expected = [c for *_x, c in LINES]
    assert [r[0] for r in lite.execute(f"SELECT {expr} FROM t ORDER BY rowid")] == expected
    assert [r[0] for r in duck.execute(f"SELECT {expr} FROM t ORDER BY rowid").fetchall()] == expected
