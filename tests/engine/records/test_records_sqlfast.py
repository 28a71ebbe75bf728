"""The Arrow fast paths of the SQL reader give exactly the rows and records of the exact (value by value) reader."""

import io
import random
import sqlite3

import pandas as pd
import pyarrow as pa
import pytest

from tests.engine.records._support import records
from workbench.engine.records import iter_sql_tables, sqldump
from workbench.synth.establishments import DEMO_ESTABLISHMENTS
from workbench.synth.formats import sql
from workbench.synth.people import PeopleFactory


@pytest.fixture(scope="module")
def people():
    factory = PeopleFactory(7)
    return [factory.record(e, results=(1, 4)) for e in DEMO_ESTABLISHMENTS[:3] for _ in range(120)]


def _read(text: str, dialect: str) -> tuple[list, int]:
    """(name, columns, rows) of every table, and how many blocks came from Arrow."""
    tables, fast = [], 0
    for table in iter_sql_tables(io.StringIO(text), dialect):
        rows = []
        for block in table.blocks:
            fast += isinstance(block, pa.Table)
            rows.extend(sqldump.block_rows(block))
        tables.append((table.name, table.columns, rows))
    return tables, fast


def _exact(text: str, dialect: str, monkeypatch) -> list:
    with monkeypatch.context() as m:
        m.setattr(sqldump, "FAST_MIN_CHARS", 1 << 40)
        tables, fast = _read(text, dialect)
    assert fast == 0
    return tables


def _frames(data: bytes, dialect: str, monkeypatch, *, exact: bool) -> pd.DataFrame:
    with monkeypatch.context() as m:
        if exact:
            m.setattr(sqldump, "FAST_MIN_CHARS", 1 << 40)
        return records("sql-dump", data, fmt=dialect, batch_rows=700)


@pytest.mark.parametrize("dialect", ["mysql", "postgresql", "sqlite"])
def test_generated_dumps_fast_equals_exact(people, dialect, monkeypatch):
    buf = io.BytesIO()
    {"mysql": lambda: sql.write_mysql_dump(people, buf, database="dpi"),
     "postgresql": lambda: sql.write_postgres_dump(people, buf),
     "sqlite": lambda: sql.write_sqlite_dump(people, buf)}[dialect]()
    text = buf.getvalue().decode("utf-8")
    tables, fast = _read(text, dialect)
    assert fast > 0  # the fast path did the work
    assert tables == _exact(text, dialect, monkeypatch)
    got = _frames(buf.getvalue(), dialect, monkeypatch, exact=False)
    want = _frames(buf.getvalue(), dialect, monkeypatch, exact=True)
    pd.testing.assert_frame_equal(got, want)
    assert len(got) > 700  # several batches


def _mysql_value(rng: random.Random) -> str:
    return rng.choice([
        "NULL", "'NULL'", "''", "42", "-3.5e2", "'O\\'NEILL'", "'L''HOUR'", "'a),(b'", "'x);\\nINSERT'",
        "'back\\\\slash'", "'say \\\"hi\\\"'", "'tab\\there'", "'line\\nbreak'", "_binary 'bin'", "X'00FF'",
        "'café ; crème'", "0x1F", "'(paren)'", "'),('", "'end\\\\'", "N'nat'", "'emoji 😀'",
    ])


def _standard_value(rng: random.Random) -> str:
    return rng.choice([
        "NULL", "'NULL'", "''", "42", "61.5", "'O''BRIEN'", "'a),(b'", "'back\\slash'", "X'00ff'",
        "'multi\nline'", "'a);\nINSERT INTO \"t\" VALUES(''x'''", "replace('a\\nb','\\n',char(10))", "'(x)'",
    ])


@pytest.mark.parametrize("dialect", ["mysql", "sqlite"])
def test_hostile_values_fast_equals_exact(dialect, monkeypatch):
    """Escapes, separators inside strings, prefixes and ragged rows: the fast path steps aside where needed."""
    rng = random.Random(5)
    value = _mysql_value if dialect == "mysql" else _standard_value
    plain = ["'BRIS'", "'Anne'", "'1961-05-02'", "NULL", "7"]
    lines = ["CREATE TABLE t (id int, nom text, prenom text, ddn text, note text);"]
    for _statement in range(30):
        rows = []
        for k in range(rng.choice([1, 1, 50, 400])):
            width = 5 if rng.random() > 0.01 else rng.choice([4, 6])
            cells = [str(k)] + [value(rng) if rng.random() < 0.05 else rng.choice(plain) for _ in range(width - 1)]
            rows.append("(" + ",".join(cells) + ")")
        joiner = "," if dialect == "mysql" else ";\nINSERT INTO \"t\" VALUES"
        head = "INSERT INTO `t` VALUES " if dialect == "mysql" else 'INSERT INTO "t" VALUES'
        lines.append(head + joiner.join(rows) + ";")
    text = "\n".join(lines) + "\n"
    tables, fast = _read(text, dialect)
    assert fast > 0
    assert tables == _exact(text, dialect, monkeypatch)


def test_sqlite_iterdump_with_hostile_strings(monkeypatch):
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, nom TEXT, note TEXT, photo BLOB)")
    rng = random.Random(9)
    notes = ["ok", "it's", "a),(b", "x');\nINSERT INTO \"patients\" VALUES(99,'evil',NULL,NULL);", "l1\r\nl2", None,
             "NULL", "", "\\N"]
    con.executemany("INSERT INTO patients VALUES (?,?,?,?)",
                    [(i, f"NOM{i}", rng.choice(notes) if rng.random() < 0.03 else "ok",
                      b"\x00\x01" if rng.random() < 0.01 else None) for i in range(3000)])
    con.commit()
    text = "\n".join(con.iterdump()) + "\n"
    tables, fast = _read(text, "sqlite")
    assert fast > 0
    assert tables == _exact(text, "sqlite", monkeypatch)
    assert len(tables[0][2]) == 3000


def test_copy_block_with_escapes_and_a_ragged_line_lost(monkeypatch):
    lines = []
    for i in range(5000):
        note = ["plain", "tab\\there", "back\\\\slash", "\\N", "", "octal\\101", "nl\\nx"][i % 7]
        lines.append("\t".join([str(i), f"NOM{i}", note, "\\N" if i % 3 else "2020-01-02"]))
    lines.insert(2500, "ragged\tline")
    text = "COPY public.t (id, nom, note, d) FROM stdin;\n" + "\n".join(lines) + "\n\\.\n"
    tables, fast = _read(text, "postgresql")
    assert fast > 0
    assert tables == _exact(text, "postgresql", monkeypatch)
    rows = tables[0][2]
    assert rows[1][2] == "tab\there" and rows[3][2] is None and rows[5][2] == "octalA"
    assert len(rows) == 5000 and rows[2500][:2] == ["2500", "NOM2500"]  # the ragged line alone is lost
    lost = [b for t in iter_sql_tables(io.StringIO(text), "postgresql") for b in t.blocks
            if isinstance(b, sqldump.SkippedRow)]
    assert [b.reason for b in lost] == ["malformed COPY line: 2 fields, 4 expected"]


def test_truncated_run_keeps_rows_before_the_fault():
    row = "(1,'BRIS','Anne','1961-05-02',NULL)"
    text = "INSERT INTO `t` VALUES " + ",".join([row] * 300) + ",(2,'cut"
    seen = []
    with pytest.raises(sqldump.RecordsError, match="truncated"):
        for table in iter_sql_tables(io.StringIO(text), "mysql"):
            seen.extend(table.rows)
    assert len(seen) == 300


def test_a_chunk_ending_right_after_a_row_keeps_the_fast_path(monkeypatch):
    """mysqldump writes ~1 MB lines and the reader takes 1 MB chunks: a chunk often ends on a row's ')'. The
    rows after it must still be read by Arrow (they were read one by one, each after a regex run over the rest of
    the buffer: a 100 MB dump took 145 s instead of 12). Here every chunk ends right after a row."""
    head = "-- MySQL dump 10.13\nLOCK TABLES `patients` WRITE;\nINSERT INTO `patients` VALUES "
    head = "-- " + "x" * (101 - (len(head) + 4) % 100) + "\n" + head  # rows end at 100k - 1: on a chunk's end
    rows = []
    for i in range(3000):
        row = f"({i},'1850578006{i % 100000:05d}','NOM{i}','1985-05-0{1 + i % 9}','"
        rows.append(row + "n" * (99 - len(row) - 2) + "')")  # 99 characters, then ',' or ';'
    text = head + ",".join(rows) + ";\nUNLOCK TABLES;\n"
    assert len(head) % 100 == 1 and all(len(r) == 99 for r in rows)
    monkeypatch.setattr(sqldump, "CHUNK_CHARS", 1000)  # every chunk ends on a row's ')'
    split_calls = 0
    real_split = sqldump._Parser._split

    def counting_split(self, row):
        nonlocal split_calls
        split_calls += 1
        return real_split(self, row)

    monkeypatch.setattr(sqldump._Parser, "_split", counting_split)
    tables, fast = _read(text, "mysql")
    assert [len(t[2]) for t in tables] == [3000]
    assert tables[0][2][401][:3] == ["401", "185057800600401", "NOM401"]
    assert tables[0][2][2999][2] == "NOM2999"
    assert split_calls < 100, f"{split_calls} rows read the exact way"  # one per Arrow run, not one per row
