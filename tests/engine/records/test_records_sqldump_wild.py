"""SQL dumps as the tools write them (tests/engine/records/dumps.py): every table read, malformed rows lost alone."""

import io
import struct

from tests.engine.records._support import records
from tests.engine.records.dumps import mysqldump, patient, pg_dump, wkb_point
from workbench.engine.blob import Blob
from workbench.engine.kinds import sniff
from workbench.engine.records import RecordNote, iter_sql_tables, parse
from workbench.engine.records.pgarchive import archive_header


def _tables(text: str) -> dict[str, tuple[list[str], list[list[str | None]]]]:
    return {t.name: (t.columns, list(t.rows)) for t in iter_sql_tables(io.StringIO(text), None)}


def test_mysqldump_hex_blob_geometry_and_binary_columns_are_bytes():
    text = mysqldump(1200, per_statement=400)
    tables = _tables(text)
    assert list(tables) == ["patients", "settings", "contacts"]  # routines and triggers are not tables
    columns, rows = tables["patients"]
    assert columns[-2:] == ["location", "last_update"] and len(rows) == 1200
    row = dict(zip(columns, rows[0], strict=True))
    assert row["location"] == "0x" + wkb_point(-4.48 + 1 / 1e4, 48.39).hex().upper()
    srid, order, kind, x, y = struct.unpack("<IBIdd", bytes.fromhex(row["location"][2:]))
    assert (srid, kind) == (4326, 1) and abs(y - 48.39) < 1e-9
    assert row["photo"].startswith("0xFFD8FFE0") and row["photo"].endswith("00275C3B292C28")  # ' \ ; ) , ( bytes
    assert row["badge"] == "0x" + (chr(1 % 90 + 32) + "\0'").encode().hex().upper()  # _binary '..'
    assert rows[2][columns.index("photo")] == ""  # an empty BLOB is '' in a --hex-blob dump
    assert rows[4][columns.index("poids")] == repr(-1.5e-3 * 5)  # negative exponent numbers as written
    assert rows[6][columns.index("nir")] is None
    assert tables["settings"][1] == [["version", "8.0"], ["threshold", "-2.5E-3"], ["blob", "0x00FF"]]
    df = records("sql-dump", text.encode())
    assert set(df.table) == {"patients", "contacts"} and (df.table == "patients").sum() == 1200
    assert df.loc[df.table == "patients", "ipp"].tolist()[:3] == ["00000001", "00000002", "00000003"]


def test_a_malformed_row_is_lost_alone_and_recorded_with_its_place():
    text = mysqldump(900, per_statement=300, malformed_at=450)
    notes: list[RecordNote] = []
    frames = list(parse("sql-dump", Blob.from_bytes(text.encode()), sniff(text.encode()[:65536], "dump.sql"),
                        "dump.sql", notes=notes))
    locators = [loc for f in frames for loc in f.locator]
    assert len([x for x in locators if x.startswith("table:patients/")]) == 899
    assert "table:patients/row:450" not in locators and "table:patients/row:451" in locators  # numbers kept
    assert "table:contacts/row:2" in locators  # the tables after it are read
    assert [(n.rule, n.locator) for n in notes] == [("row-skipped", "table:patients/row:450")]
    assert "malformed" in notes[0].detail


def test_sakila_versioned_comments_inside_rows_and_create_table():
    text = """CREATE TABLE address (
  address_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  address VARCHAR(50) NOT NULL,
  phone VARCHAR(20) NOT NULL,
  /*!50705 location GEOMETRY NOT NULL,*/
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY  (address_id),
  /*!50705 SPATIAL KEY `idx_location` (location),*/
  CONSTRAINT `fk_address_city` FOREIGN KEY (city_id) REFERENCES city (city_id)
)ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
SET AUTOCOMMIT=0;
INSERT INTO `address` VALUES (1,'47 MySakila Drive','',/*!50705 0x0000000001010000003E0A325D63345CC0761FDB8D99D94840,*/'2014-09-25 22:30:27'),
(2,'28 MySQL Boulevard','0298123456',/*!50705 0x0000000001010000008E10D4DF812463404EE08C5022A23BC0,*/'2014-09-25 22:30:09'),
(3,'23 Workhaven Lane','14033335568',/* a plain comment */'2014-09-25 22:30:27');
COMMIT;
"""
    (columns, rows), = _tables(text).values()
    assert columns == ["address_id", "address", "phone", "location", "last_update"]
    assert rows[0] == ["1", "47 MySakila Drive", "", "0x0000000001010000003E0A325D63345CC0761FDB8D99D94840",
                       "2014-09-25 22:30:27"]
    assert rows[2] == ["3", "23 Workhaven Lane", "14033335568", "2014-09-25 22:30:27"]


def test_pg_dump_copy_escapes_bytea_and_e_strings():
    text = pg_dump(3000)
    (columns, rows), = _tables(text).values()
    assert columns == ["id", "ipp", "nir", "nom", "prenom", "ddn", "photo", "note"]
    assert len(rows) == 3000
    assert rows[0][6] == "\\x89504e4700000001"  # bytea in its hex text form: bytes, not decoded
    assert rows[0][7] == "ligne 1\n\tsuite \\ fin 1" and rows[3][7] is None and rows[6][2] is None
    assert rows[1][3] == "O'NEILL" and rows[3][4] == "Maël"
    e_strings = ("SET standard_conforming_strings = off;\nCREATE TABLE t (a text, b text, c text);\n"
                 "INSERT INTO t VALUES (E'tab\\there\\nnl', E'\\101\\x42\\u00e9', E'it''s \\\\ ok');\n")
    assert _tables(e_strings)["t"][1] == [["tab\there\nnl", "ABé", "it's \\ ok"]]


def test_pg_dump_malformed_copy_line_lost_alone():
    notes: list[RecordNote] = []
    data = pg_dump(500, malformed_at=250).encode()
    frames = list(parse("sql-dump", Blob.from_bytes(data), sniff(data[:65536], "x.sql"), "x.sql", notes=notes))
    assert sum(len(f) for f in frames) == 499
    assert [(n.rule, n.locator) for n in notes] == [("row-skipped", "table:public.patients/row:250")]


def _pg_custom_header(db: str = "dpi") -> bytes:
    """The head of a ``pg_dump -Fc`` archive as WriteHead (pg_backup_archiver.c, archive 1.15) writes it."""
    def write_int(v: int) -> bytes:
        return bytes([1 if v < 0 else 0]) + abs(v).to_bytes(4, "little")

    def write_str(s: str) -> bytes:
        return write_int(len(s.encode())) + s.encode()

    head = b"PGDMP" + bytes([1, 15, 0, 4, 8, 1]) + bytes([1])  # version, intSize, offSize, custom, gzip
    head += b"".join(write_int(v) for v in (44, 12, 10, 30, 10, 126, 0))  # creation time
    return head + write_str(db) + write_str("16.10") + write_str("16.10") + b"\x00" * 200


def test_pg_dump_custom_archive_is_its_own_kind_with_the_pg_restore_command():
    data = _pg_custom_header()
    k = sniff(data, "backup.dump")
    assert (k.kind, k.format, k.ext_mismatch) == ("pg-archive", "custom", False)
    assert archive_header(data) == {"archive_version": "1.15.0", "format": "custom", "database": "dpi",
                                    "server_version": "16.10", "pg_dump_version": "16.10"}
    notes: list[RecordNote] = []
    assert list(parse(k.kind, Blob.from_bytes(data), k, "leak.zip!/db/backup.dump", notes=notes)) == []
    (note,) = notes
    assert note.rule == "pg-dump-archive" and note.meta["command"] == "pg_restore -f out.sql backup.dump"
    assert "pg_restore -f out.sql backup.dump" in note.detail and note.meta["database"] == "dpi"


def test_generated_patients_are_valid():
    assert patient(3)["nir"][:1] == "2" and len(patient(3)["nir"]) == 15


def test_routines_between_delimiters_are_not_data():
    text = """CREATE TABLE `t` (`ipp` varchar(8), `nom` varchar(20));
INSERT INTO `t` VALUES ('00000001','A');
delimiter $$
CREATE PROCEDURE p()
BEGIN
  DECLARE n INT;
  INSERT INTO t VALUES (n, CONCAT('x', n));
  INSERT INTO `other` VALUES (1,,2);
END $$
delimiter ;
INSERT INTO `t` VALUES ('00000002','B');
"""
    tables = [(t.name, list(t.rows)) for t in iter_sql_tables(io.StringIO(text), "mysql")]
    assert tables == [("t", [["00000001", "A"], ["00000002", "B"]])]  # the body of the procedure is skipped
