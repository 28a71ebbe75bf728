"""One big mysqldump scanned as byte ranges gives the case one task over the whole file gives (sql_split).

The dump is written the way mysqldump 8 writes one (``--hex-blob``, extended inserts cut at about
``--net-buffer-length``): header comments, ``/*!40101 SET .. */;``, ``DROP TABLE IF EXISTS``, ``CREATE TABLE``
with backticks and ``ENGINE=InnoDB``, ``LOCK TABLES``, ``INSERT INTO `t` VALUES (..),(..);`` lines with strings
escaped by ``mysql_real_escape_string`` (``\\'``, ``\\\\``, ``\\n``, ``\\r``, ``\\0``, ``\\Z``, ``\\"``),
``NULL``, numbers, ``0x..`` blobs, ``UNLOCK TABLES``, a trigger in a ``DELIMITER ;;`` block, several tables, the
patients' rows across several ranges.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.casesql import case_sql
from tests.engine.fixtures_kinds import nir
from tests.engine.test_text_split import _case
from workbench.engine import text_split
from workbench.engine.bounds import Bounds
from workbench.engine.pipeline import run_scan
from workbench.synth.establishments import make_finess

pytestmark = pytest.mark.slow

SPLIT = Bounds(split_text_min_bytes=100_000, split_text_chunk_bytes=250_000)
WHOLE = Bounds(split_text_min_bytes=1 << 62)
NET_BUFFER = 16_384  # mysqldump's --net-buffer-length: an INSERT line is cut past it
NOTES = ["", "RAS", "l'allergie \"sévère\"", "C:\\dossiers\\2024", "ligne1\nligne2\r\nfin", "voir FINESS",
         "texte \nINSERT INTO `patients` VALUES (1,'x');", "fin\\", "nul\0car", "ctrl\x1az"]

HEADER = """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: 10.29.4.12    Database: dpi_prod
-- ------------------------------------------------------
-- Server version\t8.0.36-0ubuntu0.22.04.1

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
"""

TRAILER = """/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2025-03-14  2:17:41
"""

TRIGGER = """/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`dpi`@`%`*/ /*!50003 TRIGGER `patients_audit` AFTER INSERT ON `patients` FOR EACH ROW INSERT INTO audit VALUES (NEW.id, NOW(), 'it''s') */;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
"""


def escape(value: str) -> str:
    """mysql_real_escape_string, as mysqldump writes strings."""
    table = {"\0": "\\0", "\n": "\\n", "\r": "\\r", "\\": "\\\\", "'": "\\'", '"': '\\"', "\x1a": "\\Z"}
    return "".join(table.get(ch, ch) for ch in value)


def sql_value(value: object, hex_blob: bool = True) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        if not hex_blob:  # mysqldump 8 without --hex-blob
            return "_binary '" + escape(value.decode("latin-1")) + "'"
        return "0x" + value.hex().upper()  # --hex-blob
    if isinstance(value, (int, float)):
        return repr(value)
    return f"'{escape(str(value))}'"


def table_dump(name: str, create_body: str, rows: list[tuple], *, columns: list[str] | None = None,
               after: str = "", extended: bool = True, hex_blob: bool = True) -> str:
    out = [f"\n--\n-- Table structure for table `{name}`\n--\n\nDROP TABLE IF EXISTS `{name}`;\n"
           "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
           "/*!50503 SET character_set_client = utf8mb4 */;\n"
           f"CREATE TABLE `{name}` (\n{create_body}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
           "COLLATE=utf8mb4_0900_ai_ci COMMENT='l''export';\n"
           "/*!40101 SET character_set_client = @saved_cs_client */;\n\n"
           f"--\n-- Dumping data for table `{name}`\n--\n\nLOCK TABLES `{name}` WRITE;\n"
           f"/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;\n"]
    cols = f" ({', '.join(f'`{c}`' for c in columns)})" if columns else ""
    prefix = f"INSERT INTO `{name}`{cols} VALUES "
    line: list[str] = []
    size = 0
    for row in rows:
        tup = "(" + ",".join(sql_value(v, hex_blob) for v in row) + ")"
        line.append(tup)
        size += len(tup) + 1
        if size > NET_BUFFER or not extended:  # --skip-extended-insert: one row per statement
            out.append(prefix + ",".join(line) + ";\n")
            line, size = [], 0
    if line:
        out.append(prefix + ",".join(line) + ";\n")
    out.append(f"/*!40000 ALTER TABLE `{name}` ENABLE KEYS */;\nUNLOCK TABLES;\n{after}")
    return "".join(out)


def mysqldump(patients: int = 9_000, stays: int = 9_000, seed: int = 5, *, extended: bool = True,
              hex_blob: bool = True, complete_insert: bool = False) -> bytes:
    rng = random.Random(seed)
    pat_rows = []
    for i in range(patients):
        sex, year, month = rng.choice((1, 2)), rng.randint(1930, 2010), rng.randint(1, 12)
        pat_rows.append((i + 1, nir(sex, year, month, "35", rng.randint(1, 300), i % 999 + 1), f"LE GALL{i}",
                         rng.choice(["Maëlle", "Yann", "Loïc", None]), f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
                         f"p{i}@exemple.fr" if i % 7 else None, f"06 {i % 100:02d} {i // 100 % 100:02d} 34 56",
                         make_finess(f"35{i % 997:06d}"), rng.choice(NOTES),
                         bytes(rng.randrange(0, 128) for _ in range(rng.randint(0, 12))) or None,
                         round(rng.uniform(40, 120), 1)))
    codes = [(i, f"C{i:03d}", rng.choice(["Grippe", "Fracture", "l'asthme"])) for i in range(300)]
    stay_rows = [(i + 1, rng.randint(1, patients), make_finess(f"29{i % 991:06d}"),
                  f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", rng.choice(["J45", "S72.0", None]),
                  rng.choice(NOTES)) for i in range(stays)]
    notes = [(i + 1, pat_rows[i][1], rng.choice(NOTES)) for i in range(600)]
    opts = {"extended": extended, "hex_blob": hex_blob}
    stay_columns = ["id", "patient_id", "finess", "date_entree", "diagnostic", "note"] if complete_insert else None
    return (HEADER
            + table_dump("codes", "  `id` int NOT NULL,\n  `code` varchar(8) NOT NULL,\n  `libelle` varchar(64) "
                         "DEFAULT NULL COMMENT 'le libellé ''court''',\n  PRIMARY KEY (`id`)", codes)
            + table_dump("patients", "  `id` int NOT NULL AUTO_INCREMENT,\n  `nir` char(15) NOT NULL,\n"
                         "  `nom` varchar(64) NOT NULL,\n  `prenom` varchar(64) DEFAULT NULL,\n"
                         "  `date_naissance` date NOT NULL,\n  `email` varchar(128) DEFAULT NULL,\n"
                         "  `telephone` varchar(20) DEFAULT NULL,\n  `finess` char(9) NOT NULL,\n"
                         "  `commentaire` text,\n  `photo` blob,\n  `poids` decimal(5,1) DEFAULT NULL,\n"
                         "  PRIMARY KEY (`id`),\n  KEY `idx_nir` (`nir`)", pat_rows, after=TRIGGER, **opts)
            + table_dump("sejours", "  `id` int NOT NULL,\n  `patient_id` int NOT NULL,\n  `finess` char(9),\n"
                         "  `date_entree` date,\n  `diagnostic` varchar(8),\n  `note` text,\n  PRIMARY KEY (`id`)",
                         stay_rows, columns=stay_columns, **opts)
            + table_dump("notes", "  `id` int NOT NULL,\n  `nir` char(15),\n  `texte` text", notes,
                         columns=["id", "nir", "texte"])
            + TRAILER).encode("utf-8")


ATTRIBUTED = "SELECT locator, establishment, basis FROM records WHERE establishment IS NOT NULL ORDER BY ALL"
REPORT_PARTS = ("summary", "identifiers", "establishments", "findings_total", "categories", "date_span")


def _assert_same_report(tmp_path: Path) -> None:
    """The report.json parts of the split case and of the whole-file case are equal."""
    from workbench.report.model import build_report_model, report_json

    split, whole = (report_json(build_report_model(tmp_path / c)) for c in ("split", "whole"))
    assert {k: split[k] for k in REPORT_PARTS} == {k: whole[k] for k in REPORT_PARTS}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_a_split_mysqldump_gives_the_case_of_the_whole_file(tmp_path, executor):
    """Split (on both executors: the dask one pickles each range's SqlRange) against whole, local."""

    data = mysqldump()
    evidence = _write(tmp_path / "dpi_prod.sql", data)
    planned = text_split.plan(evidence, evidence.name, SPLIT, tmp_path / "idx", 2)
    assert planned is not None and planned.kind == "sql-dump" and len(planned.chunks) >= 4
    assert any(c.state.preset is not None for c in planned.chunks)  # ranges inside the patients' run of rows
    split = run_scan(tmp_path / "split", [evidence], jobs=2, bounds=SPLIT, verify_at_end=False, executor=executor)
    whole = run_scan(tmp_path / "whole", [evidence], jobs=2, bounds=WHOLE, verify_at_end=False)
    assert split.completed and whole.completed
    assert whole.tasks_total == 1 and split.tasks_total == len(planned.chunks)
    assert split.records == whole.records == 9_000 + 9_000 + 600
    assert split.identifiers == whole.identifiers and split.identifiers["nir"]["hits"] > 0
    assert split.findings_by_rule == whole.findings_by_rule and split.errors == whole.errors == 0
    a, b = _case(tmp_path / "split"), _case(tmp_path / "whole")
    for part in a:
        assert a[part] == b[part], part
    locators = {r[0] for r in case_sql(tmp_path / "split").execute(
        "SELECT locator FROM records WHERE locator LIKE 'table:patients/%'").fetchall()}
    assert locators == {f"table:patients/row:{n}" for n in range(1, 9_001)}
    _assert_same_report(tmp_path)


@pytest.mark.parametrize("options", [{}, {"extended": False, "hex_blob": False, "complete_insert": True},
                                     {"crlf": True}], ids=["extended-hex-blob", "skip-extended-binary", "crlf"])
def test_ranges_start_at_insert_lines_with_the_rows_before_them(tmp_path, options):
    """Every range starts with an INSERT line; the reader run on each range alone, with the planner's counters,
    numbers the rows as the whole file (extended inserts and --hex-blob; --skip-extended-insert without --hex-blob,
    ``_binary '..'``, with --complete-insert column lists; CRLF line ends)."""
    from workbench.engine.blob import Blob
    from workbench.engine.kinds import sniff
    from workbench.engine.records import parse, parse_range

    options = dict(options)
    crlf = options.pop("crlf", False)
    data = mysqldump(patients=4_000, stays=3_000, **options)
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    path = _write(tmp_path / "d.sql", data)
    planned = text_split.plan(path, path.name, SPLIT, tmp_path / "idx", 2)
    assert planned is not None and len(planned.chunks) >= 3
    assert planned.chunks[0].start == 0 and planned.chunks[-1].end == len(data)
    assert any(c.state.preset is not None for c in planned.chunks)
    for c in planned.chunks[1:]:
        assert data[c.start - 1:c.start + 12] == b"\nINSERT INTO "
    with Blob(data) as blob:
        whole = [frame for frame in parse("sql-dump", blob, sniff(data[:65536], "d.sql"), "d.sql")]
    got = []
    for c in planned.chunks:
        with Blob(data[c.start:c.end]) as blob:
            got.extend(parse_range("sql-dump", blob, c.state, "d.sql", first_row=1, header=False))
    import pandas as pd

    a, b = pd.concat(whole, ignore_index=True), pd.concat(got, ignore_index=True)
    pd.testing.assert_frame_equal(a[sorted(a.columns)], b[sorted(b.columns)])


def _unsafe(data: bytes) -> dict[str, bytes]:
    mid = data.index(b"\nINSERT INTO `patients`", len(data) // 2) + 1
    line_end = data.index(b"\n", mid)
    raw_newline = data[:line_end - 1] + b",(99999,'texte\nINSERT INTO `patients` VALUES (1,''x'');')" + data[line_end - 1:]
    cut = data.rindex(b"'", mid, line_end)
    first_value = mid + len("INSERT INTO `patients` VALUES (")
    return {
        "raw_newline_in_string": raw_newline,
        "unterminated": data[:cut] + data[cut + 1:],
        "function_call": data[:first_value] + b"NOW()," + data[first_value:],
        "nul": data[:mid] + b"\0" + data[mid:],
        "not_utf8": data[:mid] + b"-- \xe9t\xe9\n" + data[mid:],
        "insert_ignore": data[:mid] + b"INSERT  IGNORE INTO `patients` VALUES (1,'a');\n" + data[mid:],
        "open_comment": data[:mid] + b"/* a comment\n" + data[mid:],
        "ragged_row": data[:data.index(b"),(", mid)] + b",7" + data[data.index(b"),(", mid):],
    }


def test_dumps_unsafe_to_split_are_one_task(tmp_path):
    data = mysqldump(patients=4_000, stays=3_000)
    assert text_split.plan(_write(tmp_path / "ok.sql", data), "ok.sql", SPLIT, tmp_path / "i", 2) is not None
    for label, body in _unsafe(data).items():
        path = _write(tmp_path / f"{label}.sql", body)
        assert text_split.plan(path, path.name, SPLIT, tmp_path / "i", 2) is None, label


PG_DUMP = """--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET standard_conforming_strings = on;

CREATE TABLE public.patients (
    id integer NOT NULL,
    nir character(15),
    nom text
);

COPY public.patients (id, nir, nom) FROM stdin;
{rows}\\.

"""


def test_refused_dumps_give_the_whole_file_results(tmp_path):
    """A string holding a line break and ``INSERT INTO`` text, an unterminated string, a pg_dump: one task,
    the case of the whole file."""
    data = mysqldump(patients=4_000, stays=3_000)
    unsafe = _unsafe(data)
    rng = random.Random(2)
    pg = PG_DUMP.format(rows="".join(f"{i}\t{nir(1, 1970, 5, '35', rng.randint(1, 300), i % 999 + 1)}\tNOM{i}\n"
                                     for i in range(8_000))).encode()
    for label, body in (("raw_newline_in_string", unsafe["raw_newline_in_string"]),
                        ("unterminated", unsafe["unterminated"]), ("pg_dump", pg)):
        ev = tmp_path / label
        ev.mkdir()
        _write(ev / f"{label}.sql", body)
        split = run_scan(tmp_path / f"{label}-split", [ev], jobs=2, bounds=SPLIT, verify_at_end=False)
        whole = run_scan(tmp_path / f"{label}-whole", [ev], jobs=2, bounds=WHOLE, verify_at_end=False)
        assert split.tasks_total == whole.tasks_total == 1, label
        assert _case(tmp_path / f"{label}-split") == _case(tmp_path / f"{label}-whole"), label


def test_each_table_votes_on_its_first_rows_in_one_range(tmp_path):
    """With a registry, table watermarks vote on each table's first rows: no boundary leaves a table that goes
    on after it with some, but fewer than that, rows before it."""
    data = mysqldump(patients=4_000, stays=3_000)
    path = _write(tmp_path / "d.sql", data)
    free = text_split.plan(path, path.name, SPLIT, tmp_path / "i", 2)
    held = text_split.plan(path, path.name, SPLIT, tmp_path / "i", 2, min_first_rows=2_500)
    assert free is not None and held is not None and len(held.chunks) < len(free.chunks)
    totals = {"codes": 300, "patients": 4_000, "sejours": 3_000, "notes": 600}
    for c in held.chunks:
        for name, rows in c.state.counters:
            assert rows == 0 or rows >= 2_500 or rows == totals[name], (name, rows)
    assert any(name == "patients" and rows for c in free.chunks for name, rows in c.state.counters
               if rows < 2_500)


def test_a_split_watermarked_dump_is_attributed_as_the_whole_file(tmp_path):
    """Two tables marked for one recipient (``watermark embed`` of a mysqldump): with the registry loaded no
    boundary falls inside a table's vote sample, each range votes for the tables that begin in it, and the
    watermark hits, attribution and report are those of the whole file."""
    from workbench.beacons import mark_io
    from workbench.beacons.registry import Registry
    from workbench.synth.establishments import DEMO_ESTABLISHMENTS

    est = DEMO_ESTABLISHMENTS[0]
    reg_path = tmp_path / "registry.json"
    registry = Registry.init(reg_path, "ARS Bretagne (test)")
    registry.add_establishment(est.finess, est.name, recipients=["Labo"])
    registry.save(tmp_path / "registry.json.key")
    plain = _write(tmp_path / "plain.sql", mysqldump(patients=3_000, stays=3_000))
    evidence = tmp_path / "ev" / "dpi_prod.sql"
    evidence.parent.mkdir()
    mark_io.embed_file(plain, evidence, registry.watermark_key(est.finess, "Labo"), fmt="sql")
    planned = text_split.plan(evidence, evidence.name, SPLIT, tmp_path / "i", 2, min_first_rows=200_000)
    assert planned is not None and len(planned.chunks) >= 2
    assert [dict(c.state.counters).get("sejours", 0) for c in planned.chunks][:2] == [0, 0]
    split = run_scan(tmp_path / "split", [evidence], jobs=2, bounds=SPLIT, registry_path=reg_path,
                     verify_at_end=False)
    whole = run_scan(tmp_path / "whole", [evidence], jobs=2, bounds=WHOLE, registry_path=reg_path,
                     verify_at_end=False)
    q = {c: case_sql(tmp_path / c) for c in ("split", "whole")}
    hits = {c: q[c].execute("SELECT * FROM watermark_hits ORDER BY ALL").fetchall() for c in q}
    assert {(h[1], h[3], h[5]) for h in hits["whole"]} == {("table:patients", "table-watermark", "Labo"),
                                                           ("table:sejours", "table-watermark", "Labo")}
    assert hits["split"] == hits["whole"]
    assert split.tasks_total == len(planned.chunks) and whole.tasks_total == 1
    a, b = _case(tmp_path / "split"), _case(tmp_path / "whole")
    for part in a:
        assert a[part] == b[part], part
    attributed = {c: q[c].execute(ATTRIBUTED).fetchall() for c in q}
    assert attributed["split"] and attributed["split"] == attributed["whole"]
    _assert_same_report(tmp_path)


def _piped_gzip(data: bytes) -> bytes:
    """``mysqldump ... | gzip``: the gzip command reading its standard input (no file name in the header)."""
    import shutil
    import subprocess

    if shutil.which("gzip") is None:
        import gzip

        return gzip.compress(data, compresslevel=6, mtime=0)
    return subprocess.run(["gzip", "-6", "-c"], input=data, capture_output=True, check=True).stdout


def test_a_gzipped_mysqldump_splits_as_the_plain_one(tmp_path):
    """``mysqldump | gzip > dpi_prod.sql.gz``: the same ranges as the plain dump (read through the seek index),
    and a scan of its ranges gives the case of the whole file walked in one task."""
    data = mysqldump(patients=6_000, stays=6_000)
    (tmp_path / "plain").mkdir()
    plain = _write(tmp_path / "plain" / "dpi_prod.sql", data)
    evidence = _write(tmp_path / "dpi_prod.sql.gz", _piped_gzip(data))
    a = text_split.plan(plain, plain.name, SPLIT, tmp_path / "i1", 2)
    b = text_split.plan(evidence, evidence.name, SPLIT, tmp_path / "i2", 2)
    assert a is not None and b is not None and len(b.chunks) >= 4
    assert (b.kind, b.compression, b.member, b.content_size) == ("sql-dump", "gzip", "dpi_prod.sql", len(data))
    assert b.chunks == a.chunks  # boundaries, rows before, counters, CREATE columns and run presets
    assert (tmp_path / "i2").stat().st_size > 0  # the seek index the range tasks read through
    split = run_scan(tmp_path / "split", [evidence], jobs=2, bounds=SPLIT, verify_at_end=False)
    whole = run_scan(tmp_path / "whole", [evidence], jobs=2, bounds=WHOLE, verify_at_end=False)
    assert split.completed and whole.completed
    assert whole.tasks_total == 1 and split.tasks_total == len(b.chunks)
    assert split.records == whole.records == 6_000 + 6_000 + 600
    assert split.identifiers == whole.identifiers and split.identifiers["nir"]["hits"] > 0
    assert split.errors == whole.errors == 0
    x, y = _case(tmp_path / "split"), _case(tmp_path / "whole")
    for part in x:
        assert x[part] == y[part], part
    items = {r[0]: r[1] for r in case_sql(tmp_path / "split").execute("SELECT vpath, kind FROM items").fetchall()}
    assert items == {"dpi_prod.sql.gz": "archive", "dpi_prod.sql.gz!/dpi_prod.sql": "sql-dump"}
    _assert_same_report(tmp_path)


def test_gzipped_dumps_unsafe_to_split_are_one_task(tmp_path):
    """A cut ``.sql.gz`` (rapidgzip reads it to its cut without a word: the trailer refuses it), a stream of
    two gzip members, and a gzipped dump the plain planner refuses: one task each, and the scan records the cut
    as one line."""
    data = mysqldump(patients=3_000, stays=3_000)
    gz = _piped_gzip(data)
    half = len(data) // 2
    ev = tmp_path / "ev"
    ev.mkdir()
    bodies = {
        "cut.sql.gz": gz[: len(gz) * 2 // 3],
        "members.sql.gz": _piped_gzip(data[:half]) + _piped_gzip(data[half:]),
        "unterminated.sql.gz": _piped_gzip(_unsafe(data)["unterminated"]),
    }
    for name, body in bodies.items():
        path = _write(ev / name, body)
        assert text_split.plan(path, name, SPLIT, tmp_path / "i" / name, 2) is None, name
    summary = run_scan(tmp_path / "case", [ev], jobs=2, bounds=SPLIT, verify_at_end=False)
    assert summary.completed and summary.tasks_total == 3
    errors = case_sql(tmp_path / "case").execute("SELECT vpath, error FROM errors").fetchall()
    assert [e[0] for e in errors if "cut.sql.gz" in e[0]] and all("Traceback" not in e[1] for e in errors)
