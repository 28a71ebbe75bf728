import io
import sqlite3

import pytest

from tests.engine.records._support import records
from tests.engine.records.test_records_csv import make_nir
from workbench.engine.records import RecordsError, iter_sql_tables, sqldump

NIR_A = make_nir(2, 1961, 5, "29", 232, 41)
NIR_B = make_nir(1, 1978, 12, "2B", 33, 8)

MYSQL = f"""-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: dpi
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!50503 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `patients`;
CREATE TABLE `patients` (
  `id` int NOT NULL AUTO_INCREMENT,
  `ipp` varchar(20) DEFAULT NULL,
  `nir` char(15) DEFAULT NULL COMMENT 'INS (matricule), voir ''doc''',
  `nom` varchar(80) DEFAULT NULL,
  `prenom` varchar(80) DEFAULT NULL,
  `ddn` date DEFAULT NULL,
  `commentaire` text,
  PRIMARY KEY (`id`),
  KEY `idx_nom` (`nom`,`prenom`),
  CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `x` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
LOCK TABLES `patients` WRITE;
/*!40000 ALTER TABLE `patients` DISABLE KEYS */;
INSERT INTO `patients` VALUES (1,'000123','{NIR_A}','O\\'NEILL','Anne-Laure','1961-05-02','allergie; pénicilline),(x'),(2,'000124','{NIR_B}','L''HOUR','Yann','1978-12-24','ligne 1
ligne 2\\nligne 3 \\\\ fin \\0'),(3,'000125',NULL,'MORVAN','Soazig','1990-07-14','');
INSERT INTO `patients` VALUES (4,'000126','{NIR_A}','TANGUY','Maël','2001-01-31',_binary 'bin\\'');
/*!40000 ALTER TABLE `patients` ENABLE KEYS */;
UNLOCK TABLES;
CREATE TABLE `parametres` (`cle` varchar(20), `valeur` text);
INSERT INTO `parametres` (`cle`, `valeur`) VALUES ('version','8.0'),('nom','x;y');
"""


def test_mysql_extended_inserts_with_escapes():
    tables = []
    for table in iter_sql_tables(io.StringIO(MYSQL), "mysql"):
        tables.append((table.name, table.columns, list(table.rows)))
    assert [t[0] for t in tables] == ["patients", "parametres"]
    name, columns, rows = tables[0]
    assert columns == ["id", "ipp", "nir", "nom", "prenom", "ddn", "commentaire"]
    assert len(rows) == 4
    assert rows[0][3] == "O'NEILL" and rows[0][6] == "allergie; pénicilline),(x"
    assert rows[1][3] == "L'HOUR" and rows[1][6] == "ligne 1\nligne 2\nligne 3 \\ fin \0"
    assert rows[2][2] is None and rows[2][6] == ""
    assert rows[3][6] == "0x62696E27"  # _binary '..': bytes, kept as hex, never decoded as text
    assert tables[1][2] == [["version", "8.0"], ["nom", "x;y"]]


def test_mysql_records_count_rows_across_statements():
    df = records("sql-dump", MYSQL.encode(), fmt="mysql")
    assert list(df.locator) == [f"table:patients/row:{k}" for k in range(1, 5)]  # parametres: no people
    assert list(df.nir) == [NIR_A, NIR_B, None, NIR_A]
    assert list(df.ipp) == ["000123", "000124", "000125", "000126"]
    assert set(df.table) == {"patients"}
    assert df["src.commentaire"][1].startswith("ligne 1\nligne 2")


PGDUMP = f"""--
-- PostgreSQL database dump
--

\\restrict 3QXkVZyQ1ZbU0kKp2iYxPjVq8f4dQz0lTjcbRk1aC9

-- Dumped from database version 16.10
SET statement_timeout = 0;
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);

CREATE FUNCTION public.touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $_$
BEGIN
  NEW.maj := now(); -- a ';' and a quote ' inside a dollar-quoted body
  RETURN NEW;
END $_$;

CREATE TABLE public.patients (
    id integer NOT NULL,
    ipp character varying(20),
    nir character(15),
    "Nom" text,
    prenom text,
    date_naissance date,
    note text
);

COPY public.patients (id, ipp, nir, "Nom", prenom, date_naissance, note) FROM stdin;
1\t0042\t{NIR_A}\tLE BRIS\tAnnaïg\t1961-05-02\tligne\\tavec tab\\net retour \\\\ fin
2\t0043\t\\N\tPRIGENT\tErwan\t1978-12-24\t\\N
\\.

INSERT INTO public.patients VALUES (3, '0044', '{NIR_B}', 'D''ARMOR', 'Nolwenn', '1990-07-14', 'a;b');
INSERT INTO public.patients (id, ipp, nir, "Nom", prenom, date_naissance, note) VALUES (4, '0045', NULL, 'GUEGUEN', 'Tanguy', '2001-01-31', NULL);

\\unrestrict 3QXkVZyQ1ZbU0kKp2iYxPjVq8f4dQz0lTjcbRk1aC9
"""


def test_pg_dump_copy_and_inserts_with_restrict_lines():
    tables = [(t.name, t.columns, list(t.rows)) for t in iter_sql_tables(io.StringIO(PGDUMP), None)]
    assert {t[0] for t in tables} == {"public.patients"}
    rows = [r for t in tables for r in t[2]]
    assert len(rows) == 4
    assert tables[0][1] == ["id", "ipp", "nir", "Nom", "prenom", "date_naissance", "note"]
    assert rows[0][6] == "ligne\tavec tab\net retour \\ fin"
    assert rows[1][2] is None and rows[1][6] is None
    assert rows[2][3] == "D'ARMOR" and rows[2][6] == "a;b"
    df = records("sql-dump", PGDUMP.encode())
    assert list(df.locator) == [f"table:public.patients/row:{k}" for k in range(1, 5)]
    assert list(df.ipp) == ["0042", "0043", "0044", "0045"]
    assert list(df.family_name) == ["LE BRIS", "PRIGENT", "D'ARMOR", "GUEGUEN"]


def test_sqlite_iterdump_of_a_real_database():
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, nir TEXT, nom TEXT, prenom TEXT, ddn TEXT, "
                "finess TEXT, poids REAL, photo BLOB, note TEXT)")
    rows = [(1, NIR_A, "LE GOFF", "Katell", "02/05/1961", "290000017", 61.5, b"\x00\xff", "it's; a),(test"),
            (2, NIR_B, "HÉNAFF", "Ronan", "24/12/1978", "050031244", None, None, "multi\nline\r\ntext"),
            (3, None, "O'BRIEN", "Seán", "14/07/1990", "350005179", 80.0, b"", None)]
    con.executemany("INSERT INTO patients VALUES (?,?,?,?,?,?,?,?,?)", rows)
    con.commit()
    dump = "\n".join(con.iterdump()) + "\n"
    tables = [(t.name, t.columns, list(t.rows)) for t in iter_sql_tables(io.StringIO(dump), "sqlite")]
    assert tables[0][1] == ["id", "nir", "nom", "prenom", "ddn", "finess", "poids", "photo", "note"]
    got = tables[0][2]
    assert [r[8] for r in got] == ["it's; a),(test", "multi\nline\r\ntext", None]
    assert got[0][7] == "X'00FF'" and got[1][6] is None and got[0][6] == "61.5"
    df = records("sql-dump", dump.encode())
    assert list(df.locator) == ["table:patients/row:1", "table:patients/row:2", "table:patients/row:3"]
    assert list(df.facility_finess) == ["290000017", "050031244", "350005179"]  # leading zero kept
    assert list(df.birth_date) == ["1961-05-02", "1978-12-24", "1990-07-14"]


def test_sqlite_shell_style_replace_char_newlines():
    dump = ("CREATE TABLE t(nom TEXT, note TEXT);\n"
            "INSERT INTO t VALUES('A',replace('l1\\nl2','\\n',char(10)));\n"
            "INSERT INTO t VALUES('B',unistr('caf\\u00e9'));\n")
    rows = [r for t in iter_sql_tables(io.StringIO(dump), "sqlite") for r in t.rows]
    assert rows == [["A", "l1\nl2"], ["B", "café"]]


def test_small_chunks_cross_every_token_boundary(monkeypatch):
    monkeypatch.setattr(sqldump, "CHUNK_CHARS", 7)
    monkeypatch.setattr(sqldump, "HEADER_WINDOW", 300)
    expected = [(t.name, list(t.rows)) for t in iter_sql_tables(io.StringIO(MYSQL), "mysql")]
    monkeypatch.setattr(sqldump, "CHUNK_CHARS", 3)
    again = [(t.name, list(t.rows)) for t in iter_sql_tables(io.StringIO(MYSQL), "mysql")]
    assert again == expected and len(again[0][1]) == 4


def test_binary_stream_and_unconsumed_tables_are_skipped():
    names = [t.name for t in iter_sql_tables(io.BytesIO(PGDUMP.encode()), "postgresql")]
    assert names == ["public.patients", "public.patients", "public.patients"]


@pytest.mark.parametrize("cut,rows_before", [(-40, 3), (-200, 1), (-260, 0)])
def test_truncated_dump_raises_after_the_rows_read(cut, rows_before):
    text = MYSQL[: MYSQL.index("/*!40000 ALTER TABLE `patients` ENABLE")] [:cut]
    seen = []
    with pytest.raises(RecordsError, match="truncated|malformed"):
        for table in iter_sql_tables(io.StringIO(text), "mysql"):
            seen.extend(table.rows)
    assert len(seen) == rows_before


def test_truncated_copy_block_raises():
    text = PGDUMP[: PGDUMP.index("\\.\n")]
    with pytest.raises(RecordsError, match="COPY"):
        records("sql-dump", text.encode(), fmt="postgresql")


def test_a_malformed_row_is_lost_alone():
    text = "INSERT INTO t VALUES (0,'a'),(1,,2),(3,'c');\nINSERT INTO t VALUES (4,'d');\n"
    blocks = [b for t in iter_sql_tables(io.StringIO(text), "mysql") for b in t.blocks]
    rows = [r for b in blocks for r in sqldump.block_rows(b)]
    assert rows == [["0", "a"], ["3", "c"], ["4", "d"]]
    reasons = [b.reason for b in blocks if isinstance(b, sqldump.SkippedRow)]
    assert reasons == ["malformed value (row starting at character 29)"]  # no excerpt: rows hold identifiers


def test_huge_value_is_refused(monkeypatch):
    monkeypatch.setattr(sqldump, "MAX_VALUE_CHARS", 10_000)
    monkeypatch.setattr(sqldump, "CHUNK_CHARS", 1000)
    text = "INSERT INTO t VALUES (1,'" + "a" * 200_000 + "');"
    with pytest.raises(RecordsError, match="longer than"):
        list(r for t in iter_sql_tables(io.StringIO(text), "mysql") for r in t.rows)
