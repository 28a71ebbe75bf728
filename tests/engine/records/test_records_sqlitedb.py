"""SQLite database files as records: read-only on disk (immutable URI), from memory when inside an archive."""

from __future__ import annotations

import os
import sqlite3

import pytest

from tests.engine.records.test_records_csv import make_nir
from workbench.engine import kinds
from workbench.engine.blob import Blob
from workbench.engine.records import RecordsError, parse, sqlitedb

NIR = make_nir(2, 1961, 5, "29", 232, 41)


def _make_db(path, *, wal: bool = False) -> None:
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, ipp TEXT, nir TEXT, nom TEXT, prenom TEXT, "
                "ddn TEXT, poids REAL, photo BLOB)")
    con.execute("CREATE TABLE settings (k TEXT, v TEXT)")
    con.execute("CREATE VIEW v_patients AS SELECT nom FROM patients")
    con.executemany("INSERT INTO patients VALUES (?,?,?,?,?,?,?,?)", [
        (1, "00042", NIR, "LE BRIS", "Annaïg", "1961-05-02", 61.5, b"\x89PNG\x00"),
        (2, "00043", None, "O'NEILL", "Erwan", "1978-12-24", None, None),
    ])
    con.execute("INSERT INTO settings VALUES ('version', '3')")
    con.commit()
    con.close()


def _frames(blob: Blob, name: str = "app.db"):
    info = kinds.sniff(blob.head(65536), name)
    assert info.kind == "sqlite"
    return list(parse(info.kind, blob, info, name))


def _check(frames) -> None:
    (frame,) = frames  # settings: no personal column; the view is not a table
    assert frame["locator"].tolist() == ["table:patients/row:1", "table:patients/row:2"]
    assert frame["ipp"].tolist() == ["00042", "00043"] and frame["nir"].tolist() == [NIR, None]
    assert frame["src.photo"].tolist() == ["X'89504E4700'", None] and frame["src.poids"][0] == "61.5"


def test_a_database_file_is_read_in_place_and_left_untouched(tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    path = folder / "app.sqlite"
    _make_db(path, wal=True)
    before = sorted(os.listdir(folder)), path.read_bytes()
    os.chmod(folder, 0o555)
    try:
        with Blob.from_path(path) as blob:
            assert blob.file_name() == str(path)
            _check(_frames(blob, "app.sqlite"))
    finally:
        os.chmod(folder, 0o755)
    assert (sorted(os.listdir(folder)), path.read_bytes()) == before  # no -wal/-shm/-journal made


def test_a_database_inside_an_archive_is_read_from_memory(tmp_path):
    _make_db(tmp_path / "a.db")
    with Blob.from_bytes((tmp_path / "a.db").read_bytes()) as blob:
        assert blob.file_name() is None
        _check(_frames(blob))


def test_a_spooled_member_is_read_from_its_mapped_spool_file(tmp_path):
    _make_db(tmp_path / "a.db")
    with open(tmp_path / "a.db", "rb") as fh, Blob.spool(fh, tmp_path, memory_limit=1024) as blob:
        assert blob.file_name() is None
        _check(_frames(blob))


def test_typed_by_its_header_not_its_name(tmp_path):
    _make_db(tmp_path / "a.db")
    head = (tmp_path / "a.db").read_bytes()[:65536]
    assert kinds.sniff(head, "export.bin").kind == "sqlite"
    assert kinds.sniff(b"SQLite format 2 is not this", "x.db").kind != "sqlite"


def test_a_corrupt_database_is_one_records_error(tmp_path, monkeypatch):
    _make_db(tmp_path / "a.db")
    data = bytearray((tmp_path / "a.db").read_bytes())
    data[100:len(data)] = b"\xff" * (len(data) - 100)  # every page after the header overwritten
    with Blob.from_bytes(bytes(data)) as blob, pytest.raises(RecordsError):
        list(parse("sqlite", blob, kinds.sniff(blob.head(), "a.db"), "a.db"))
    monkeypatch.setattr(sqlitedb, "MAX_MEMORY_BYTES", 100)
    with Blob.from_bytes(bytes((tmp_path / "a.db").read_bytes())) as blob, pytest.raises(RecordsError,
                                                                                          match="limit"):
        list(parse("sqlite", blob, kinds.sniff(blob.head(), "a.db"), "a.db"))
