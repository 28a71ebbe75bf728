"""One big CSV (plain or gzip) scanned as byte ranges gives the case one task over the whole file gives.

The CSVs are written with the csv module the way a spreadsheet export writes them (``;``, CRLF, quotes only where
needed, doubled quotes, line breaks inside quoted comments, blank lines) and gzipped as ``gzip -6`` does; the
oracle of every boundary is the csv module reading the whole file.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
from pathlib import Path

import pytest

from tests.casesql import case_sql
from tests.engine.fixtures_kinds import nir
from workbench.engine import pipeline, text_split
from workbench.engine.bounds import Bounds
from workbench.engine.pipeline import run_scan
from workbench.synth.establishments import make_finess

pytestmark = pytest.mark.slow

SPLIT = Bounds(split_text_min_bytes=100_000, split_text_chunk_bytes=300_000)
WHOLE = Bounds(split_text_min_bytes=1 << 62)
COMMENTS = ["", "RAS", 'dit "ok"\nrappeler; demain', "voir FINESS", "ligne1\r\nligne2\n\nfin", "allergie; pénicilline"]


def _export(rows: int, seed: int = 3, *, long_note_at: int | None = None) -> bytes:
    """A patients export: FINESS first, a comment last (often ``voir FINESS``, the context keyword of the next
    row's FINESS, across the line end); a blank line now and then."""
    rng = random.Random(seed)
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(["FINESS", "NIR", "NOM", "PRENOM", "DATE_NAISSANCE", "EMAIL", "TEL", "COMMENTAIRE"])
    for i in range(rows):
        sex, year, month = rng.choice((1, 2)), rng.randint(1930, 2010), rng.randint(1, 12)
        comment = rng.choice(COMMENTS)
        if i == long_note_at:  # a quoted note of 120 KB of short lines: a planned boundary falls inside it
            comment = "\r\n".join(f"ligne {k} du compte rendu" for k in range(5000))
        w.writerow([make_finess(f"35{i % 997:06d}"), nir(sex, year, month, "35", rng.randint(1, 300), i % 999 + 1),
                    f"LE GALL{i}", "Maëlle", f"{year}-{month:02d}-{rng.randint(1, 28):02d}", f"p{i}@exemple.fr",
                    f"06 {i % 100:02d} {i // 100 % 100:02d} 34 56", comment])
        if i % 997 == 5:
            out.write("\r\n")
    return out.getvalue().encode("utf-8")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data, compresslevel=6) if path.suffix == ".gz" else data)
    return path


def _case(case: Path) -> dict:
    q = case_sql(case)
    return {
        "items": q.execute("SELECT vpath, parent_vpath, kind, format, size, sha256, status, error, records, findings, "
                           "mtime FROM items i LEFT JOIN (SELECT id AS pid, vpath AS parent_vpath FROM items) p "
                           "ON p.pid = i.parent_id ORDER BY vpath").fetchall(),
        "records": q.execute("SELECT * EXCLUDE (rid) FROM records ORDER BY item, locator").fetchall(),
        "identifiers": q.execute("SELECT item, type, value, SUM(count), MIN(first_offset) FROM identifiers "
                                 "GROUP BY ALL ORDER BY ALL").fetchall(),
        "findings": q.execute("SELECT detector, rule, meta FROM findings ORDER BY ALL").fetchall(),
        "errors": q.execute("SELECT * FROM errors").fetchall(),
    }


@pytest.mark.parametrize(("name", "executor"), [("patients.csv", "local"), ("patients.csv.gz", "dask")])
def test_a_split_csv_gives_the_case_of_the_whole_file(tmp_path, name, executor):
    """Split (the gzip on the dask executor: its seek index travels as a path) against whole, local."""
    from workbench.report.model import build_report_model, report_json

    data = _export(12_000)
    evidence = _write(tmp_path / name, data)
    split = run_scan(tmp_path / "split", [evidence], jobs=2, bounds=SPLIT, verify_at_end=False, executor=executor)
    whole = run_scan(tmp_path / "whole", [evidence], jobs=2, bounds=WHOLE, verify_at_end=False)
    assert split.completed and whole.completed
    assert whole.tasks_total == 1 and split.tasks_total >= 4  # about 1.2 MB of CSV in ranges of 300 KB
    assert split.records == whole.records == 12_000
    assert split.identifiers == whole.identifiers and split.identifiers["finess"]["hits"] > 0
    assert split.findings_by_rule == whole.findings_by_rule and split.errors == whole.errors == 0
    a, b = _case(tmp_path / "split"), _case(tmp_path / "whole")
    for part in a:
        assert a[part] == b[part], part
    locators = {r[0] for r in case_sql(tmp_path / "split").execute("SELECT locator FROM records").fetchall()}
    assert locators == {f"row:{n}" for n in range(1, 12_001)}
    parts = ("summary", "identifiers", "establishments", "findings_total", "categories", "date_span")
    ja, jb = (report_json(build_report_model(tmp_path / c)) for c in ("split", "whole"))
    assert {k: ja[k] for k in parts} == {k: jb[k] for k in parts}


def test_a_context_keyword_across_a_boundary_counts_once(tmp_path):
    """A FINESS is counted only with a keyword within 64 bytes: ranges starting with a FINESS whose keyword ends
    the range before exist in this file, and every FINESS is counted as in one pass."""
    data = _export(12_000)
    path = _write(tmp_path / "p.csv", data)
    planned = text_split.plan(path, path.name, Bounds(split_text_chunk_bytes=50_000), tmp_path / "idx", 2)
    assert planned is not None
    across = [c for c in planned.chunks[1:] if b"FINESS" in data[c.start - 40:c.start]]
    assert across, "the file should have a keyword right before a boundary"
    from workbench.engine.identifiers.scanner import IdentifierScanner

    scanner = IdentifierScanner()
    whole = scanner.count(data, "x").counts
    parts: dict = {}
    for c in planned.chunks:
        got = scanner.count_range(data, "x", c.start, c.end)
        for t, per in got.counts.items():
            for v, n in per.items():
                parts.setdefault(t, {}).setdefault(v, 0)
                parts[t][v] += n
    assert parts == whole


def _oracle_rows(data: bytes) -> list[list[str]]:
    return [r for r in csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=";") if r]


@pytest.mark.parametrize("name", ["notes.csv", "notes.csv.gz"])
def test_boundaries_are_record_starts_outside_quotes(tmp_path, name):
    """A quoted note of 5,000 lines lies across the first planned boundary: the boundary moves past it. Each
    range read alone by the csv module gives the rows of the whole file, numbered from its ``rows_before``."""
    data = _export(5_000, long_note_at=2_000)
    first_target = 300_000
    assert data.find(b"ligne 0 du compte") < first_target < data.find(b"ligne 4999 du compte")
    path = _write(tmp_path / name, data)
    planned = text_split.plan(path, path.name, SPLIT, tmp_path / "idx" / "n.idx", 2)
    assert planned is not None and len(planned.chunks) >= 2
    assert planned.chunks[1].start > data.find(b"ligne 4999 du compte")
    whole = _oracle_rows(data)[1:]  # the header excluded
    assert planned.chunks[0].start == 0 and planned.chunks[-1].end == len(data)
    for c in planned.chunks:
        rows = _oracle_rows(data[c.start:c.end])
        if c.start == 0:
            rows = rows[1:]
        assert rows == whole[c.rows_before:c.rows_before + len(rows)]
    assert sum(len(_oracle_rows(data[c.start:c.end])) for c in planned.chunks) == len(whole) + 1
    split = run_scan(tmp_path / "split", [path], jobs=2, bounds=SPLIT, verify_at_end=False)
    one = run_scan(tmp_path / "whole", [path], jobs=1, bounds=WHOLE, verify_at_end=False)
    assert split.tasks_total == len(planned.chunks) and one.tasks_total == 1
    assert _case(tmp_path / "split") == _case(tmp_path / "whole")


def test_the_first_range_holds_the_watermark_sample(tmp_path):
    data = _export(12_000)
    path = _write(tmp_path / "p.csv", data)
    planned = text_split.plan(path, path.name, SPLIT, tmp_path / "idx", 2, min_first_rows=7_000)
    assert planned is not None and planned.chunks[1].rows_before >= 7_000
    assert text_split.plan(path, path.name, SPLIT, tmp_path / "idx", 2, min_first_rows=20_000) is None


def _unsafe(data: bytes) -> dict[str, bytes]:
    lines = data.split(b"\r\n")
    mid = len(lines) // 2
    stray = list(lines)
    stray[mid] = stray[mid].replace(b"LE GALL", b'LE 5" GALL', 1)  # a literal quote in an unquoted field
    lone_cr = list(lines)
    lone_cr[mid] = lone_cr[mid] + b"\rX"
    garbage = data[: len(data) // 2] + random.Random(1).randbytes(200_000) + data[len(data) // 2:]
    return {
        "stray_quote": b"\r\n".join(stray),
        "lone_cr": b"\r\n".join(lone_cr),
        "binary_middle": garbage,
        "unterminated": data + b'999999999;"never closed\r\n' + b"x;y\r\n" * 10,
        "utf16": data.decode("utf-8").encode("utf-16"),
        "not_utf8": data[: len(data) // 2] + b"\xe9t\xe9;" + data[len(data) // 2:],
    }


def test_files_unsafe_to_split_are_one_task(tmp_path):
    data = _export(6_000)
    assert text_split.plan(_write(tmp_path / "ok.csv", data), "ok.csv", SPLIT, tmp_path / "i", 2) is not None
    for label, body in _unsafe(data).items():
        path = _write(tmp_path / f"{label}.csv", body)
        assert text_split.plan(path, path.name, SPLIT, tmp_path / "i", 2) is None, label


def test_hostile_files_scan_to_the_end_in_one_task(tmp_path):
    """A file with binary garbage in its middle and a truncated gzip: not split, no traceback; the cut gzip is
    one recorded line, as without splitting."""
    data = _export(6_000)
    ev = tmp_path / "ev"
    ev.mkdir()
    _write(ev / "binary_middle.csv", _unsafe(data)["binary_middle"])
    gz = gzip.compress(data, compresslevel=6)
    cut = ev / "cut.csv.gz"
    cut.write_bytes(gz[: len(gz) * 2 // 3])
    assert cut.stat().st_size > 4 * SPLIT.split_text_min_bytes // 10
    bounds = Bounds(split_text_min_bytes=10_000, split_text_chunk_bytes=100_000)
    for path in ev.iterdir():  # rapidgzip reads the cut gzip without a word: its trailer refuses the split
        assert text_split.plan(path, path.name, bounds, tmp_path / "i" / "x", 2) is None, path.name
    whole = tmp_path / "whole.csv.gz"
    whole.write_bytes(gz)
    assert text_split.plan(whole, whole.name, bounds, tmp_path / "i" / "x", 2) is not None
    summary = run_scan(tmp_path / "case", [ev], jobs=2, bounds=bounds, verify_at_end=False)
    assert summary.completed and summary.tasks_total == 2
    errors = case_sql(tmp_path / "case").execute("SELECT vpath, stage, error FROM errors").fetchall()
    assert len(errors) == 1 and "cut.csv.gz" in errors[0][0], errors
    assert "Traceback" not in errors[0][2]


def test_a_split_csv_is_attributed_as_the_whole_file(tmp_path, monkeypatch):
    """Canaries of an establishment among a CSV export's rows: the same attribution split or not."""
    from workbench.beacons.canaries import mint
    from workbench.beacons.registry import Registry
    from workbench.report.model import build_report_model, report_json
    from workbench.synth.establishments import DEMO_ESTABLISHMENTS
    from workbench.synth.formats.csv_export import write_csv
    from workbench.synth.people import PeopleFactory

    est = DEMO_ESTABLISHMENTS[0]
    reg_path = tmp_path / "registry.json"
    registry = Registry.init(reg_path, "ARS Bretagne (test)")
    registry.add_establishment(est.finess, est.name, hl7_facility_codes=[est.hl7_facility],
                               dicom_uid_roots=[est.dicom_uid_root], ipp_patterns=[est.ipp_pattern],
                               name_variants=list(est.name_variants), recipients=["Labo"])
    canaries = mint(registry, est.finess, recipient="Labo", count=4, target_format="csv", seed=1)
    registry.save(tmp_path / "registry.json.key")
    people = PeopleFactory(77)
    rows = [people.record(est) for _ in range(4_000)]
    for k, c in enumerate(canaries):  # one canary in each part of the file
        rows.insert(k * 1_000 + 500, c.record)
    buf = io.BytesIO()
    write_csv(rows, buf, dialect="dpi")
    evidence = tmp_path / "sejours.csv"
    evidence.write_bytes(buf.getvalue())
    # no table watermark in this export: the first range need not hold the watermark's vote sample
    monkeypatch.setattr(pipeline, "_text_split_min_rows", lambda registry: 0)
    split = run_scan(tmp_path / "split", [evidence], jobs=2, bounds=SPLIT, registry_path=reg_path,
                     verify_at_end=False)
    whole = run_scan(tmp_path / "whole", [evidence], jobs=2, bounds=WHOLE, registry_path=reg_path,
                     verify_at_end=False)
    assert split.tasks_total >= 3 and whole.tasks_total == 1
    q = {c: case_sql(tmp_path / c) for c in ("split", "whole")}
    hits = {c: q[c].execute("SELECT locator, establishment, recipient FROM beacon_hits ORDER BY ALL").fetchall()
            for c in q}
    assert len(hits["split"]) >= 4 and hits["split"] == hits["whole"]
    attributed = {c: q[c].execute("SELECT locator, establishment, basis FROM records "
                                  "WHERE establishment IS NOT NULL ORDER BY ALL").fetchall() for c in q}
    assert attributed["split"] and attributed["split"] == attributed["whole"]
    parts = ("summary", "identifiers", "establishments", "findings_total", "categories", "date_span")
    ja, jb = (report_json(build_report_model(tmp_path / c)) for c in ("split", "whole"))
    assert {k: ja[k] for k in parts} == {k: jb[k] for k in parts}


def test_the_window_reads_a_split_csv_in_its_own_order(tmp_path):
    """Unsorted, the window shows the records in storage order: the shards are named after their task's place
    in the plan, so a file cut into ranges reads from its first line to its last (named by the task alone, a
    5 GB dump's records began at line 3,501,578)."""
    from workbench.engine.store.browse import TablePager
    from workbench.engine.store.reader import CaseReader

    evidence = _write(tmp_path / "patients.csv", _export(12_000))
    summary = run_scan(tmp_path / "case", [evidence], jobs=2, verify_at_end=False,
                       bounds=Bounds(split_text_min_bytes=100_000, split_text_chunk_bytes=120_000))
    assert summary.completed and summary.tasks_total >= 7  # by chance in order: 1 in 5,040
    names = sorted(p.name for p in (tmp_path / "case" / "shards" / "records").glob("*.parquet"))
    assert len(names) >= 7 and all(n[:10].isdigit() and n[10] == "-" for n in names)
    with CaseReader(tmp_path / "case") as reader:
        pager = TablePager(reader, "records")
        n = pager.count()
        rows = [r for offset in range(0, n, 1000) for r in pager.page(offset, 1000)]
    locators = [r[2] for r in rows]
    assert len(locators) == n == summary.records
    assert [int(loc.split(":")[1]) for loc in locators] == sorted(int(loc.split(":")[1]) for loc in locators)
