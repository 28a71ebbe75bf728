"""Result files are tamper-evident: registered with their SHA-256, sealed in the custody log, re-hashed by verify."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import pytest

from workbench.engine.pipeline import run_scan
from workbench.engine.store import CaseStore
from workbench.engine.store.custody import verify_case

ROWS = "NOM;PRENOM;NIR;DATE_NAISSANCE\n" + "".join(
    f"LE GOFF;Anne{i};2850229019045 22;1985-02-{1 + i % 28:02d}\n" for i in range(300))


@pytest.fixture
def case(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "patients.csv").write_text(ROWS, encoding="cp1252")
    (evidence / "notes.txt").write_text("contact: anne.legoff@chu-rennes.fr, 06 12 34 56 78\n", encoding="utf-8")
    summary = run_scan(tmp_path / "case", [evidence], jobs=1)
    assert summary.completed and summary.records == 300
    return tmp_path / "case"


def _shard(case, table):
    return next((case / "shards" / table).glob("*.parquet"))


def test_a_finished_scan_seals_its_results_and_verifies(case):
    check = verify_case(case)
    assert check.ok, check.results.problems
    assert check.results.sealed and check.results.files >= 2  # records and identifiers at least
    with CaseStore(case, create=False) as store:
        assert any(e["action"] == "results-sealed" for e in store.custody())
        tables = {r["tbl"] for r in store.registered_shards()}
    assert {"records", "identifiers"} <= tables


def test_an_edited_result_file_is_detected(case):
    path = _shard(case, "records")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    check = verify_case(case)
    assert not check.ok
    assert any("content changed" in p and path.name in p for p in check.results.problems)


def test_a_removed_or_added_result_file_is_detected(case):
    path = _shard(case, "identifiers")
    shutil.copy(path, path.with_name("planted.parquet"))
    path.unlink()
    problems = verify_case(case).results.problems
    assert any("missing" in p and path.name in p for p in problems)
    assert any("planted.parquet" in p and "no scan registered" in p for p in problems)


def test_an_edited_list_of_results_is_detected_by_the_seal(case):
    path = _shard(case, "records")
    path.unlink()  # removed, and its registration with it: the sealed digest no longer matches
    db = sqlite3.connect(case / "case.sqlite")
    db.execute("DELETE FROM shards WHERE path LIKE 'shards/records/%'")
    db.commit()
    db.close()
    check = verify_case(case)
    assert not check.ok
    assert any("sealed in the custody log" in p for p in check.results.problems)


def test_case_verify_says_what_is_wrong_in_one_line_each(case):
    path = _shard(case, "records")
    path.write_bytes(path.read_bytes()[:-10])
    proc = subprocess.run([sys.executable, "-m", "workbench", "case", "verify", str(case)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Result files:" in proc.stdout and "PROBLEMS" in proc.stdout and "content changed" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_damaged_result_file_stops_the_report_with_one_line(case, tmp_path):
    path = _shard(case, "records")
    path.write_bytes(path.read_bytes()[:100])
    proc = subprocess.run([sys.executable, "-m", "workbench", "report", "--case", str(case), "--json",
                           str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "cannot be read" in lines[0] and "case verify" in lines[0], proc.stderr
    assert not (tmp_path / "r.json").exists()


def test_the_report_states_the_result_files_check(case, tmp_path):
    import json

    from workbench.report.exports import write_reports

    write_reports(case, json_path=tmp_path / "ok.json", pdf_path=tmp_path / "ok.pdf")
    check = json.loads((tmp_path / "ok.json").read_text(encoding="utf-8"))["custody_check"]
    assert check["results_ok"] is True and check["result_files"] >= 2
    planted = _shard(case, "identifiers").with_name("planted.parquet")
    shutil.copy(_shard(case, "identifiers"), planted)  # readable, but no scan wrote it
    write_reports(case, json_path=tmp_path / "bad.json", pdf_path=tmp_path / "bad.pdf")
    check = json.loads((tmp_path / "bad.json").read_text(encoding="utf-8"))["custody_check"]
    assert check["results_ok"] is False and any("planted.parquet" in p for p in check["results_problems"])
