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


def table_dump(name: str, columns: list[tuple[str, str]], rows: list[tuple]) -> tuple[str, str]:
    """(the table's definition, its COPY block) as pg_dump writes them."""
    body = ",\n".join(f"    {c} {t}" for c, t in columns)
    ddl = (f"\n--\n-- Name: {name}; Type: TABLE; Schema: public; Owner: dpi\n--\n\n"
           f"CREATE TABLE public.{name} (\n{body}\n);\n\n\nALTER TABLE public.{name} OWNER TO dpi;\n")
    data = [f"\n--\n-- Data for Name: {name}; Type: TABLE DATA; Schema: public; Owner: dpi\n--\n\n"
            f"COPY public.{name} ({', '.join(c for c, _t in columns)}) FROM stdin;\n"]
    data += ["\t".join(copy_text(v) for v in row) + "\n" for row in rows]
    data.append("\\.\n\n")
    return ddl, "".join(data)


def pg_dump(patients: int = 9_000, stays: int = 9_000, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    pat = []
    for i in range(patients):
        sex, year, month = rng.choice((1, 2)), rng.randint(1930, 2010), rng.randint(1, 12)
        pat.append((i + 1, nir(sex, year, month, "29", rng.randint(1, 300), i % 999 + 1), f"LE BRIS{i}",
                    rng.choice(["Maëlle", "Yann", "Loïc", None]), f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
                    f"p{i}@exemple.fr" if i % 7 else None, f"06 {i % 100:02d} {i // 100 % 100:02d} 34 56",
                    make_finess(f"29{i % 997:06d}"), rng.choice(NOTES)))
    stays_rows = [(i + 1, rng.randint(1, patients), make_finess(f"35{i % 991:06d}"),
                   f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", rng.choice(["J45", "S72.0", None]),
                   rng.choice(NOTES)) for i in range(stays)]
    codes = [(i, f"C{i:03d}", rng.choice(["Grippe", "Fracture", "l'asthme"])) for i in range(300)]
    tables = [
        table_dump("codes", [("id", "integer NOT NULL"), ("code", "character varying(8)"), ("libelle", "text")],
                   codes),
        table_dump("patients", [("id", "integer NOT NULL"), ("nir", "character(15) NOT NULL"), ("nom", "text"),
                                ("prenom", "text"), ("date_naissance", "date"), ("email", "text"),
                                ("telephone", "text"), ("finess", "character(9)"), ("commentaire", "text")], pat),
        table_dump("sejours", [("id", "integer NOT NULL"), ("patient_id", "integer"), ("finess", "character(9)"),
                               ("date_entree", "date"), ("diagnostic", "text"), ("note", "text")], stays_rows),
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
        split = run(tmp_path / f"{name}-split", ev, SPLIT)
        whole = run(tmp_path / f"{name}-whole", ev, WHOLE)
        assert whole.tasks_total == 1 and split.tasks_total == len(planned.chunks), name
        assert split.records == whole.records == 9_000 + 9_000, name  # the codes table describes no one
        assert split.identifiers == whole.identifiers and split.identifiers["nir"]["hits"] > 0, name
        assert split.errors == whole.errors == 0, name
        a, b = _case(tmp_path / f"{name}-split"), _case(tmp_path / f"{name}-whole")
        for part in a:
            assert a[part] == b[part], (name, part)
    locators = {r[0] for r in case_sql(tmp_path / "gzip-split").execute(
        "SELECT locator FROM records WHERE locator LIKE 'table:public.patients/%'").fetchall()}
    assert locators == {f"table:public.patients/row:{n}" for n in range(1, 9_001)}
    for c in ("split", "whole"):
        (tmp_path / c).symlink_to(tmp_path / f"gzip-{c}")
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
