"""SQL dumps in the styles of mysqldump 8, pg_dump 16 and the sqlite3 shell's `.dump`.

The three tools write one table after the other; records arrive as one stream, so the rows of the second and
third tables are spooled (memory up to `spool_bytes`, then an anonymous temporary file in `tmp_dir`) and
copied after the first table.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import BinaryIO

from workbench.synth.formats._common import IdSink, sink_or_noop
from workbench.synth.people import PatientRecord

Value = str | int | None

TABLES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    # column, MySQL type, PostgreSQL type, SQLite type
    "patients": (
        ("id", "int NOT NULL AUTO_INCREMENT", "integer NOT NULL", "INTEGER PRIMARY KEY"),
        ("ipp", "varchar(20) NOT NULL", "character varying(20) NOT NULL", "TEXT NOT NULL"),
        ("nir", "char(15) DEFAULT NULL", "character(15)", "TEXT"),
        ("nom", "varchar(80) NOT NULL", "character varying(80) NOT NULL", "TEXT NOT NULL"),
        ("nom_naissance", "varchar(80) DEFAULT NULL", "character varying(80)", "TEXT"),
        ("prenom", "varchar(80) NOT NULL", "character varying(80) NOT NULL", "TEXT NOT NULL"),
        ("sexe", "char(1) NOT NULL", "character(1) NOT NULL", "TEXT NOT NULL"),
        ("date_naissance", "date NOT NULL", "date NOT NULL", "TEXT NOT NULL"),
        ("adresse", "varchar(200) DEFAULT NULL", "character varying(200)", "TEXT"),
        ("code_postal", "varchar(5) DEFAULT NULL", "character varying(5)", "TEXT"),
        ("ville", "varchar(80) DEFAULT NULL", "character varying(80)", "TEXT"),
        ("telephone", "varchar(20) DEFAULT NULL", "character varying(20)", "TEXT"),
        ("email", "varchar(120) DEFAULT NULL", "character varying(120)", "TEXT"),
        ("iban", "varchar(34) DEFAULT NULL", "character varying(34)", "TEXT"),
    ),
    "sejours": (
        ("id", "int NOT NULL AUTO_INCREMENT", "integer NOT NULL", "INTEGER PRIMARY KEY"),
        ("patient_id", "int NOT NULL", "integer NOT NULL", "INTEGER NOT NULL"),
        ("nda", "varchar(20) NOT NULL", "character varying(20) NOT NULL", "TEXT NOT NULL"),
        ("finess", "char(9) NOT NULL", "character(9) NOT NULL", "TEXT NOT NULL"),
        ("date_entree", "datetime NOT NULL", "timestamp without time zone NOT NULL", "TEXT NOT NULL"),
        ("date_sortie", "datetime DEFAULT NULL", "timestamp without time zone", "TEXT"),
        ("unite", "varchar(80) DEFAULT NULL", "character varying(80)", "TEXT"),
        ("diag_principal", "varchar(8) DEFAULT NULL", "character varying(8)", "TEXT"),
        ("libelle_diag", "varchar(255) DEFAULT NULL", "character varying(255)", "TEXT"),
        ("medecin_rpps", "char(11) DEFAULT NULL", "character(11)", "TEXT"),
    ),
    "resultats": (
        ("id", "int NOT NULL AUTO_INCREMENT", "integer NOT NULL", "INTEGER PRIMARY KEY"),
        ("patient_id", "int NOT NULL", "integer NOT NULL", "INTEGER NOT NULL"),
        ("date_prelevement", "datetime NOT NULL", "timestamp without time zone NOT NULL", "TEXT NOT NULL"),
        ("code_loinc", "varchar(10) NOT NULL", "character varying(10) NOT NULL", "TEXT NOT NULL"),
        ("libelle", "varchar(120) NOT NULL", "character varying(120) NOT NULL", "TEXT NOT NULL"),
        ("valeur", "varchar(20) NOT NULL", "character varying(20) NOT NULL", "TEXT NOT NULL"),
        ("unite", "varchar(20) DEFAULT NULL", "character varying(20)", "TEXT"),
        ("ref_basse", "varchar(20) DEFAULT NULL", "character varying(20)", "TEXT"),
        ("ref_haute", "varchar(20) DEFAULT NULL", "character varying(20)", "TEXT"),
        ("flag", "char(1) DEFAULT NULL", "character(1)", "TEXT"),
    ),
}
TABLE_ORDER = ("patients", "sejours", "resultats")
DEFAULT_DUMP_TIME = datetime(2025, 7, 1, 2, 14, 7)


def _ts(d: datetime) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d}"


def iter_rows(records: Iterable[PatientRecord], emit: IdSink) -> Iterator[tuple[str, tuple[Value, ...]]]:
    """(table, row) for every row of the three tables, patients first for each record."""
    sid = rid = 0
    for pid, rec in enumerate(records, 1):
        p = rec.patient
        yield "patients", (pid, p.ipp, p.nir, p.family_name.upper(), p.birth_name.upper(), p.given_name, p.sex,
                           p.birth_date.isoformat(), p.address, p.postcode, p.city, p.phone, p.email, p.iban)
        emit("nir", p.nir)
        if p.phone:
            emit("phone", p.phone)
        if p.email:
            emit("email", p.email)
        if p.iban:
            emit("iban", p.iban)
        for s in rec.stays:
            sid += 1
            rpps = s.doctor.rpps if s.doctor else None
            yield "sejours", (sid, pid, s.nda, s.finess, _ts(s.admit), _ts(s.discharge), s.unit, s.diagnosis_code,
                              s.diagnosis_label, rpps)
            emit("finess", s.finess)
            if rpps:
                emit("rpps", rpps)
        for r in rec.results:
            rid += 1
            yield "resultats", (rid, pid, _ts(r.when), r.code, r.label, r.value, r.unit, r.ref_low, r.ref_high, r.flag)


class _Spools:
    """One output stream per table after the first: the first goes straight to the caller's file."""

    def __init__(self, tmp_dir: str | None, spool_bytes: int) -> None:
        self.files = {t: tempfile.SpooledTemporaryFile(max_size=spool_bytes, dir=tmp_dir)  # noqa: SIM115 (closed by close())
                      for t in TABLE_ORDER[1:]}

    def close(self) -> None:
        for f in self.files.values():
            f.close()

    def copy_to(self, table: str, fh: BinaryIO) -> None:
        f = self.files[table]
        f.seek(0)
        shutil.copyfileobj(f, fh, 1 << 20)


def _table_rows(records: Iterable[PatientRecord], sink: IdSink | None, fh: BinaryIO, spools: _Spools,
                first: Callable[[tuple[Value, ...]], None], render: Callable[[str, tuple[Value, ...]], bytes],
                counts: dict[str, int]) -> None:
    emit = sink_or_noop(sink)
    for table, row in iter_rows(records, emit):
        counts[table] += 1
        if table == TABLE_ORDER[0]:
            first(row)
        else:
            spools.files[table].write(render(table, row))


# --------------------------------------------------------------------------------------------- MySQL

_MYSQL_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\0": "\\0",
                                "\x1a": "\\Z"})


_MYSQL_SPECIAL = re.compile(r"[\\'\"\n\r\0\x1a]")


def _mysql_value(v: Value) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + (v.translate(_MYSQL_ESCAPES) if _MYSQL_SPECIAL.search(v) else v) + "'"


def _mysql_tuple(row: tuple[Value, ...]) -> str:
    return "(" + ",".join(_mysql_value(v) for v in row) + ")"


def _mysql_create(table: str, name: str) -> str:
    cols = ",\n".join(f"  `{c}` {t}" for c, t, _, _ in TABLES[table])
    keys = "  PRIMARY KEY (`id`)"
    if table != "patients":
        keys += f",\n  KEY `idx_{name}_patient` (`patient_id`)"
    return (f"--\n-- Table structure for table `{name}`\n--\n\nDROP TABLE IF EXISTS `{name}`;\n"
            "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
            "/*!50503 SET character_set_client = utf8mb4 */;\n"
            f"CREATE TABLE `{name}` (\n{cols},\n{keys}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
            "COLLATE=utf8mb4_0900_ai_ci;\n/*!40101 SET character_set_client = @saved_cs_client */;\n\n")


class _MysqlInserts:
    """Extended INSERTs, a new statement every ~`limit` bytes as mysqldump does (net_buffer_length)."""

    def __init__(self, out: BinaryIO, table: str, limit: int = 1_000_000) -> None:
        self.out, self.table, self.limit, self.size = out, table, limit, 0

    def add(self, row: tuple[Value, ...]) -> None:
        tup = _mysql_tuple(row).encode("utf-8")
        if self.size and self.size + len(tup) > self.limit:
            self.out.write(b";\n")
            self.size = 0
        if not self.size:
            head = f"INSERT INTO `{self.table}` VALUES ".encode()
            self.out.write(head)
            self.size = len(head)
        else:
            self.out.write(b",")
        self.out.write(tup)
        self.size += len(tup) + 1

    def close(self) -> None:
        if self.size:
            self.out.write(b";\n")
            self.size = 0


def write_mysql_dump(records: Iterable[PatientRecord], fh: BinaryIO, *, database: str, table_prefix: str = "",
                     sink: IdSink | None = None, dumped_at: datetime = DEFAULT_DUMP_TIME, tmp_dir: str | None = None,
                     spool_bytes: int = 64 << 20) -> dict[str, int]:
    """A mysqldump 8.0 dump of the `patients`, `sejours`, `resultats` tables; returns rows per table."""
    w = fh.write
    w(("-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n"
       f"-- Host: localhost    Database: {database}\n"
       "-- ------------------------------------------------------\n-- Server version\t8.0.36\n\n"
       "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
       "/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;\n"
       "/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;\n"
       "/*!50503 SET NAMES utf8mb4 */;\n/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n"
       "/*!40103 SET TIME_ZONE='+00:00' */;\n"
       "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
       "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
       "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
       "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n\n").encode())
    counts = dict.fromkeys(TABLE_ORDER, 0)
    spools = _Spools(tmp_dir, spool_bytes)
    try:
        inserts = {t: _MysqlInserts(spools.files[t] if t != "patients" else fh, table_prefix + t) for t in TABLE_ORDER}
        first = table_prefix + TABLE_ORDER[0]
        w(_mysql_create(TABLE_ORDER[0], first).encode())
        w((f"--\n-- Dumping data for table `{first}`\n--\n\nLOCK TABLES `{first}` WRITE;\n"
           f"/*!40000 ALTER TABLE `{first}` DISABLE KEYS */;\n").encode())
        emit = sink_or_noop(sink)
        for table, row in iter_rows(records, emit):
            counts[table] += 1
            inserts[table].add(row)
        for ins in inserts.values():
            ins.close()
        w(f"/*!40000 ALTER TABLE `{first}` ENABLE KEYS */;\nUNLOCK TABLES;\n\n".encode())
        for t in TABLE_ORDER[1:]:
            name = table_prefix + t
            w(_mysql_create(t, name).encode())
            w((f"--\n-- Dumping data for table `{name}`\n--\n\nLOCK TABLES `{name}` WRITE;\n"
               f"/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;\n").encode())
            spools.copy_to(t, fh)
            w(f"/*!40000 ALTER TABLE `{name}` ENABLE KEYS */;\nUNLOCK TABLES;\n".encode())
    finally:
        spools.close()
    w(("/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n\n/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n"
       "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n"
       "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n"
       "/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;\n"
       "/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;\n/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n"
       f"-- Dump completed on {dumped_at:%Y-%m-%d %H:%M:%S}\n").encode())
    return counts


# ----------------------------------------------------------------------------------------- PostgreSQL

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_line(row: tuple[Value, ...]) -> bytes:
    return ("\t".join("\\N" if v is None else str(v).translate(_COPY_ESCAPES) for v in row) + "\n").encode()


def write_postgres_dump(records: Iterable[PatientRecord], fh: BinaryIO, *, owner: str = "dpi",
                        sink: IdSink | None = None, tmp_dir: str | None = None, spool_bytes: int = 64 << 20,
                        restrict_key: str | None = None) -> dict[str, int]:
    """A plain-format pg_dump 16.10 dump (with the `\\restrict` line of 16.10+); returns rows per table."""
    key = restrict_key or hashlib.sha256(f"{owner}:restrict".encode()).hexdigest()[:48]
    w = fh.write
    w(("--\n-- PostgreSQL database dump\n--\n\n"
       f"\\restrict {key}\n\n"
       "-- Dumped from database version 16.10\n-- Dumped by pg_dump version 16.10\n\n"
       "SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET idle_in_transaction_session_timeout = 0;\n"
       "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n"
       "SELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;\n"
       "SET xmloption = content;\nSET client_min_messages = warning;\nSET row_security = off;\n\n"
       "SET default_tablespace = '';\n\nSET default_table_access_method = heap;\n\n").encode())
    for t in TABLE_ORDER:
        cols = ",\n".join(f"    {c} {pt}" for c, _, pt, _ in TABLES[t])
        w((f"--\n-- Name: {t}; Type: TABLE; Schema: public; Owner: {owner}\n--\n\n"
           f"CREATE TABLE public.{t} (\n{cols}\n);\n\n\nALTER TABLE public.{t} OWNER TO {owner};\n\n").encode())
    counts = dict.fromkeys(TABLE_ORDER, 0)
    spools = _Spools(tmp_dir, spool_bytes)

    def header(t: str) -> bytes:
        cols = ", ".join(c for c, _, _, _ in TABLES[t])
        return (f"--\n-- Data for Name: {t}; Type: TABLE DATA; Schema: public; Owner: {owner}\n--\n\n"
                f"COPY public.{t} ({cols}) FROM stdin;\n").encode()

    try:
        w(header("patients"))
        _table_rows(records, sink, fh, spools, lambda row: w(_copy_line(row)), lambda _t, row: _copy_line(row),
                    counts)
        w(b"\\.\n\n\n")
        for t in TABLE_ORDER[1:]:
            w(header(t))
            spools.copy_to(t, fh)
            w(b"\\.\n\n\n")
    finally:
        spools.close()
    for t in TABLE_ORDER:
        w((f"--\n-- Name: {t} {t}_pkey; Type: CONSTRAINT; Schema: public; Owner: {owner}\n--\n\n"
           f"ALTER TABLE ONLY public.{t}\n    ADD CONSTRAINT {t}_pkey PRIMARY KEY (id);\n\n\n").encode())
    w(f"--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict {key}\n\n".encode())
    return counts


# --------------------------------------------------------------------------------------------- SQLite


def _sqlite_value(v: Value) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + v.replace("'", "''") + "'"


def _sqlite_insert(table: str, row: tuple[Value, ...]) -> bytes:
    return f"INSERT INTO {table} VALUES({','.join(_sqlite_value(v) for v in row)});\n".encode()


def write_sqlite_dump(records: Iterable[PatientRecord], fh: BinaryIO, *, sink: IdSink | None = None,
                      tmp_dir: str | None = None, spool_bytes: int = 64 << 20) -> dict[str, int]:
    """The sqlite3 shell's `.dump` of the three tables; returns rows per table."""
    w = fh.write
    w(b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
    counts = dict.fromkeys(TABLE_ORDER, 0)
    spools = _Spools(tmp_dir, spool_bytes)

    def create(t: str) -> bytes:
        cols = ", ".join(f"{c} {st}" for c, _, _, st in TABLES[t])
        return f"CREATE TABLE {t} ({cols});\n".encode()

    try:
        w(create("patients"))
        _table_rows(records, sink, fh, spools, lambda row: w(_sqlite_insert("patients", row)), _sqlite_insert, counts)
        for t in TABLE_ORDER[1:]:
            w(create(t))
            spools.copy_to(t, fh)
    finally:
        spools.close()
    w(b"CREATE INDEX idx_sejours_patient ON sejours (patient_id);\nCOMMIT;\n")
    return counts
