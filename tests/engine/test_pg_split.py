"""One big pg_dump (plain SQL format, plain or gzip) scanned as byte ranges gives the case one task over the whole
file gives (engine/pg_split.py).

The dumps are written the way ``pg_dump`` 16 writes them: the header comments and SET lines, ``\\restrict`` (pg_dump
16.10+), a plpgsql function in dollar quotes holding ``;`` and the word COPY, CREATE TABLE / ALTER TABLE / CREATE
SEQUENCE, then one ``COPY public.t (cols) FROM stdin;`` block per table, rows as tab-separated text with ``\\N``
for NULL and tabs, line breaks, carriage returns and backslashes escaped (``\\t``, ``\\n``, ``\\r``, ``\\\\``),
closed by ``\\.``; constraints and ``setval`` after the data.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.casesql import case_sql
from tests.engine.fixtures_kinds import nir
from tests.engine.test_sql_split import SPLIT, WHOLE, _assert_same_report, _piped_gzip
from tests.engine.test_text_split import _case
from workbench.engine import text_split
from workbench.synth.establishments import make_finess

NOTES = ["", "RAS", "l'allergie \"sévère\"", "C:\\dossiers\\2024", "ligne1\nligne2\r\nfin", "col1\tcol2",
         "fin\\", "\\N littéral", "voir FINESS", "COPY public.x FROM stdin;"]

HEADER = """--
-- PostgreSQL database dump
--

\\restrict 4fQ2xYp8Lk1sVb7TzR0mWn3Hc6Jd9Ge5

-- Dumped from database version 16.10 (Debian 16.10-1.pgdg120+1)
-- Dumped by pg_dump version 16.10 (Debian 16.10-1.pgdg120+1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: maj_modifie(); Type: FUNCTION; Schema: public; Owner: dpi
--

CREATE FUNCTION public.maj_modifie() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.modifie := now(); -- COPY is not a statement here; neither is INSERT INTO t VALUES (1);
  RETURN NEW;
END;
$$;


ALTER FUNCTION public.maj_modifie() OWNER TO dpi;

SET default_tablespace = '';

SET default_table_access_method = heap;
"""

TRAILER = """
--
-- Name: patients patients_pkey; Type: CONSTRAINT; Schema: public; Owner: dpi
--

ALTER TABLE ONLY public.patients
    ADD CONSTRAINT patients_pkey PRIMARY KEY (id);

SELECT pg_catalog.setval('public.patients_id_seq', 9000, true);

--
-- PostgreSQL database dump complete
--

\\unrestrict 4fQ2xYp8Lk1sVb7TzR0mWn3Hc6Jd9Ge5

"""


def copy_text(value: object) -> str:
    """A value as pg_dump's COPY text writes it."""
    if value is None:
        return "\\N"
    text = str(value)
    table = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
    return "".join(table.get(ch, ch) for ch in text)


def insert_value(value: object) -> str:
    """A value as ``pg_dump --inserts`` writes it (pg_dump.c, dumpTableData_insert): NULL, numbers bare, booleans
    as true/false, anything else a standard string literal (a quote doubled, a backslash and a line break kept
    as they are: pg_dump sets standard_conforming_strings)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def table_dump(name: str, columns: list[tuple[str, str]], rows: list[tuple], mode: str = "copy") -> tuple[str, str]:
    """(the table's definition, its data) as pg_dump writes them: a COPY block (``mode`` "copy", the default), or
    one INSERT statement per row ("inserts": ``--inserts``; "column-inserts": ``--column-inserts``)."""
    body = ",\n".join(f"    {c} {t}" for c, t in columns)
    names = ", ".join(c for c, _t in columns)
    ddl = (f"\n--\n-- Name: {name}; Type: TABLE; Schema: public; Owner: dpi\n--\n\n"
           f"CREATE TABLE public.{name} (\n{body}\n);\n\n\nALTER TABLE public.{name} OWNER TO dpi;\n")
    data = [f"\n--\n-- Data for Name: {name}; Type: TABLE DATA; Schema: public; Owner: dpi\n--\n\n"]
    if mode == "copy":
        data.append(f"COPY public.{name} ({names}) FROM stdin;\n")
        data += ["\t".join(copy_text(v) for v in row) + "\n" for row in rows]
        data.append("\\.\n\n")
    else:
        head = f"INSERT INTO public.{name} " + (f"({names}) " if mode == "column-inserts" else "") + "VALUES ("
        data += [head + ", ".join(insert_value(v) for v in row) + ");\n" for row in rows]
        data.append("\n")
    return ddl, "".join(data)


def pg_dump(patients: int = 9_000, stays: int = 9_000, seed: int = 11, mode: str = "copy",
            notes: list[str] = NOTES) -> bytes:
    rng = random.Random(seed)
    pat = []
    for i in range(patients):
        sex, year, month = rng.choice((1, 2)), rng.randint(1930, 2010), rng.randint(1, 12)
        pat.append((i + 1, nir(sex, year, month, "29", rng.randint(1, 300), i % 999 + 1), f"LE BRIS{i}",
                    rng.choice(["Maëlle", "Yann", "Loïc", None]), f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
                    f"p{i}@exemple.fr" if i % 7 else None, f"06 {i % 100:02d} {i // 100 % 100:02d} 34 56",
                    make_finess(f"29{i % 997:06d}"), rng.choice(notes)))
    stays_rows = [(i + 1, rng.randint(1, patients), make_finess(f"35{i % 991:06d}"),
                   f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", rng.choice(["J45", "S72.0", None]),
                   rng.choice(notes)) for i in range(stays)]
    codes = [(i, f"C{i:03d}", rng.choice(["Grippe", "Fracture", "l'asthme"])) for i in range(300)]
    tables = [
        table_dump("codes", [("id", "integer NOT NULL"), ("code", "character varying(8)"), ("libelle", "text")],
                   codes, mode),
        table_dump("patients", [("id", "integer NOT NULL"), ("nir", "character(15) NOT NULL"), ("nom", "text"),
                                ("prenom", "text"), ("date_naissance", "date"), ("email", "text"),
                                ("telephone", "text"), ("finess", "character(9)"), ("commentaire", "text")], pat, mode),
        table_dump("sejours", [("id", "integer NOT NULL"), ("patient_id", "integer"), ("finess", "character(9)"),
                               ("date_entree", "date"), ("diagnostic", "text"), ("note", "text")], stays_rows, mode),
    ]
    sequence = ("\nCREATE SEQUENCE public.patients_id_seq\n    AS integer\n    START WITH 1\n    INCREMENT BY 1\n"
                "    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1;\n\n"
                "ALTER SEQUENCE public.patients_id_seq OWNED BY public.patients.id;\n")
    text = HEADER + "".join(d for d, _c in tables) + sequence + "".join(c for _d, c in tables) + TRAILER
    return text.encode("utf-8")


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_split_pg_dump_gives_the_case_of_the_whole_file(tmp_path):
    """Ranges start at rows inside COPY blocks, with the block's header line read first and its end line last;
    the split case (plain, and gzipped as ``pg_dump | gzip``) is the whole file's."""
    data = pg_dump()
    plain = _write(tmp_path / "plain" / "dpi.sql", data)
    planned = text_split.plan(plain, plain.name, SPLIT, tmp_path / "i1", 2)
    assert planned is not None and planned.kind == "sql-dump" and len(planned.chunks) >= 4
    states = [c.state for c in planned.chunks]
    assert {s.dialect for s in states} == {"postgresql"}
    assert all(s.lead.startswith("COPY public.") and s.preset is not None for s in states[1:])
    assert all(s.tail == "\\.\n" for s in states[:-1]) and states[-1].tail == ""
    for c in planned.chunks[1:]:
        assert data[c.start - 1:c.start] == b"\n" and data[c.start:c.start + 5] != b"COPY "
    evidence = _write(tmp_path / "dpi.sql.gz", _piped_gzip(data))
    gz_plan = text_split.plan(evidence, evidence.name, SPLIT, tmp_path / "i2", 2)
    assert gz_plan is not None and gz_plan.chunks == planned.chunks
    for name, ev in (("plain", plain), ("gzip", evidence)):
        _assert_split_is_whole(tmp_path, name, ev, len(planned.chunks), 9_000 + 9_000)  # codes describe no one
    _assert_locators_and_report(tmp_path, "gzip", "public.patients", 9_000)


def _assert_split_is_whole(tmp_path: Path, label: str, evidence: Path, ranges: int, records: int) -> None:
    """``evidence`` scanned in ``ranges`` range tasks (case ``LABEL-split``) and as one task (``LABEL-whole``):
    the same records, identifiers, items and errors."""
    split = run(tmp_path / f"{label}-split", evidence, SPLIT)
    whole = run(tmp_path / f"{label}-whole", evidence, WHOLE)
    assert whole.tasks_total == 1 and split.tasks_total == ranges, label
    assert split.records == whole.records == records, label
    assert split.identifiers == whole.identifiers and split.identifiers["nir"]["hits"] > 0, label
    assert split.errors == whole.errors == 0, label
    a, b = _case(tmp_path / f"{label}-split"), _case(tmp_path / f"{label}-whole")
    for part in a:
        assert a[part] == b[part], (label, part)


def _assert_locators_and_report(tmp_path: Path, label: str, table: str, rows: int) -> None:
    """The split case ``LABEL-split`` numbers ``table``'s rows 1..rows as the whole file does, and its report.json
    is the whole-file case's."""
    locators = {r[0] for r in case_sql(tmp_path / f"{label}-split").execute(
        f"SELECT locator FROM records WHERE locator LIKE 'table:{table}/%'").fetchall()}
    assert locators == {f"table:{table}/row:{n}" for n in range(1, rows + 1)}
    for c in ("split", "whole"):
        (tmp_path / c).symlink_to(tmp_path / f"{label}-{c}")
    _assert_same_report(tmp_path)


def run(case: Path, evidence: Path, bounds):
    from workbench.engine.pipeline import run_scan

    summary = run_scan(case, [evidence], jobs=2, bounds=bounds, verify_at_end=False)
    assert summary.completed
    return summary


def test_pg_dumps_unsafe_to_split_are_one_task_with_the_whole_file_results(tmp_path):
    """A line with a tab too many (a hand-edited dump), a raw carriage return, a COPY in CSV format, a block
    without its end line: one task each, and the case of the whole file."""
    data = pg_dump(patients=4_000, stays=3_000)
    assert text_split.plan(_write(tmp_path / "ok.sql", data), "ok.sql", SPLIT, tmp_path / "i", 2) is not None
    mid = data.index(b"\n", data.index(b"COPY public.patients") + 5_000) + 1
    unsafe = {
        "extra_tab": data[:mid] + b"1\t2\t" + data[mid:],
        "raw_cr": data[:mid] + data[mid:].replace(b"\n", b"\r\n", 1),
        "csv_format": data.replace(b"FROM stdin;", b"FROM stdin WITH (FORMAT csv);", 1),
        "no_end_line": data[:data.rindex(b"\\.\n")],
    }
    for label, body in unsafe.items():
        path = _write(tmp_path / label / f"{label}.sql", body)
        assert text_split.plan(path, path.name, SPLIT, tmp_path / "i", 2) is None, label
    for label in ("extra_tab", "no_end_line"):
        ev = tmp_path / label
        split, whole = run(tmp_path / f"{label}-split", ev, SPLIT), run(tmp_path / f"{label}-whole", ev, WHOLE)
        assert split.tasks_total == whole.tasks_total == 1, label
        assert _case(tmp_path / f"{label}-split") == _case(tmp_path / f"{label}-whole"), label


# pg_dump --inserts writes a line break inside a value as it is: such a dump is one task (below); the notes of the
# split dumps keep every other trap (a quote doubled, a backslash at a string's end, which a MySQL reader would
# take for an escaped quote, the words of a statement)
ONE_LINE_NOTES = [n for n in NOTES if "\n" not in n and "\r" not in n] + ["fin\\", "INSERT INTO public.x VALUES (1);"]


def test_a_pg_dump_of_insert_lines_splits_as_the_whole_file(tmp_path):
    """``pg_dump --inserts`` and ``--column-inserts`` (one INSERT statement per row, standard strings: a
    backslash is a plain character) split at INSERT lines; the split case is the whole file's, plain and
    gzipped."""
    for mode in ("inserts", "column-inserts"):
        data = pg_dump(patients=6_000, stays=6_000, mode=mode, notes=ONE_LINE_NOTES)
        assert b"\nCOPY " not in data and b"'fin\\'" in data
        plain = _write(tmp_path / mode / "dpi.sql", data)
        planned = text_split.plan(plain, plain.name, SPLIT, tmp_path / f"i-{mode}", 2)
        assert planned is not None and planned.kind == "sql-dump" and len(planned.chunks) >= 4, mode
        states = [c.state for c in planned.chunks]
        assert {s.dialect for s in states} == {"postgresql"} and {s.lead for s in states} == {""}, mode
        for c in planned.chunks[1:]:
            assert data[c.start - 1:c.start] == b"\n" and data[c.start:c.start + 19] == b"INSERT INTO public.", mode
        evidences = [plain]
        if mode == "inserts":
            gz = _write(tmp_path / "gz" / "dpi.sql.gz", _piped_gzip(data))
            gz_plan = text_split.plan(gz, gz.name, SPLIT, tmp_path / "i-gz", 2)
            assert gz_plan is not None and gz_plan.chunks == planned.chunks
            evidences.append(gz)
        for ev in evidences:
            _assert_split_is_whole(tmp_path, f"{mode}-{ev.suffix}", ev, len(planned.chunks), 12_000)
    _assert_locators_and_report(tmp_path, "inserts-.gz", "public.sejours", 6_000)


def test_pg_insert_dumps_unsafe_to_split_are_one_task(tmp_path):
    """A line break inside a value (pg_dump keeps it raw in an INSERT), a multi-row INSERT
    (``--rows-per-insert``), an E'' string: one task each."""
    data = pg_dump(patients=4_000, stays=3_000, mode="inserts", notes=ONE_LINE_NOTES)
    assert text_split.plan(_write(tmp_path / "ok.sql", data), "ok.sql", SPLIT, tmp_path / "i", 2) is not None
    mid = data.index(b"\nINSERT INTO public.patients", len(data) // 2) + 1
    line_end = data.index(b"\n", mid)
    multi_row = data[mid:line_end].replace(b"VALUES (", b"VALUES\n\t(", 1)
    unsafe = {
        "raw_line_break": data.replace(b"'RAS'", b"'ligne1\nINSERT INTO public.x VALUES (1);\nfin'", 1),
        "rows_per_insert": data[:mid] + multi_row + data[line_end:],
        "e_string": data.replace(b"'RAS'", b"E'R\\nAS'", 1),
    }
    for label, body in unsafe.items():
        assert body != data, label
        path = _write(tmp_path / label / f"{label}.sql", body)
        assert text_split.plan(path, path.name, SPLIT, tmp_path / "i", 2) is None, label
    ev = tmp_path / "raw_line_break"
    split, whole = run(tmp_path / "raw-split", ev, SPLIT), run(tmp_path / "raw-whole", ev, WHOLE)
    assert split.tasks_total == whole.tasks_total == 1
    assert split.records == whole.records == 7_000


def test_a_copy_dump_whose_function_body_has_an_insert_line_still_splits(tmp_path):
    """A plpgsql function whose body has a line starting with ``INSERT INTO`` (an audit trigger) before the first
    COPY block: the INSERT-line planner refuses the dump, the COPY planner splits it."""
    trigger = ("\nCREATE FUNCTION public.journal() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\nBEGIN\n"
               "INSERT INTO public.journal_log VALUES (now(), TG_OP);\nRETURN NEW;\nEND;\n$$;\n")
    data = pg_dump(patients=4_000, stays=3_000).replace(b"\nSET default_tablespace", trigger.encode() +
                                                        b"\nSET default_tablespace", 1)
    assert b"\nINSERT INTO public.journal_log" in data and data.index(b"\nINSERT INTO") < data.index(b"\nCOPY ")
    path = _write(tmp_path / "trigger.sql", data)
    planned = text_split.plan(path, path.name, SPLIT, tmp_path / "i", 2)
    assert planned is not None and len(planned.chunks) >= 2
    assert all(c.state.lead.startswith("COPY public.") for c in planned.chunks[1:])
