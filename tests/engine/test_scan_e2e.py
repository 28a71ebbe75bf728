"""End to end: the CLI scans a generated leak; counts are checked against what the generator planted."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.casesql import case_sql
from workbench.engine.pipeline import run_scan
from workbench.engine.tasks import CancelToken
from workbench.synth.dump import build_dump

ROOT = Path(__file__).resolve().parents[2]
RECORD_KINDS = {"csv", "xlsx", "sql-dump", "hl7v2", "dicom", "fhir-json", "fhir-ndjson"}


def balise(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=600)


@pytest.fixture(scope="module")
def leak(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leak")
    truth = build_dump(folder / "leak.zip", target_bytes=3 * 2**20, seed=11, layout="zip")
    return folder / "leak.zip", truth


@pytest.fixture(scope="module")
def scanned(leak, tmp_path_factory):
    dump, truth = leak
    work = tmp_path_factory.mktemp("work")
    before = sorted(p for p in work.rglob("*"))
    proc = balise("scan", str(dump), "--case", str(work / "case"), "--jobs", "2", cwd=work)
    return proc, work, dump, truth, before


def test_cli_scan_completes_and_prints_a_summary(scanned):
    proc, work, dump, truth, _ = scanned
    assert proc.returncode == 0, proc.stderr
    assert "Scan completed" in proc.stdout
    assert "Identifiers (validated):" in proc.stdout
    assert "unchanged" in proc.stdout


def test_unique_identifiers_match_the_ground_truth(scanned):
    _, work, _, truth, _ = scanned
    db = case_sql(work / "case")
    for id_type in ("nir", "phone", "iban", "rpps", "finess", "email"):
        found = {r[0] for r in db.execute("SELECT DISTINCT value FROM identifiers WHERE type=?", (id_type,))}
        planted = truth.unique(id_type)
        assert found == planted, (id_type, sorted(planted - found)[:5], sorted(found - planted)[:5])


def test_record_counts_per_item_match_what_was_written(scanned):
    _, work, _, truth, _ = scanned
    db = case_sql(work / "case")
    got = {r[0]: r[1] for r in db.execute("SELECT vpath, records FROM items")}
    checked = 0
    for item in truth.items:
        if item.exact and item.kind in RECORD_KINDS and item.records:
            assert got.get(item.vpath) == item.records, item.vpath
            checked += 1
    assert checked >= 10


def test_hostile_items_are_recorded_and_the_scan_goes_on(scanned):
    _, work, _, truth, _ = scanned
    db = case_sql(work / "case")
    items = {r[0]: r for r in db.execute("SELECT vpath, kind, status, error_stage FROM items")}
    for item in truth.items:
        assert item.vpath in items, item.vpath
        if item.hostile == "truncated-gzip":
            errs = db.execute("SELECT COUNT(*) FROM errors WHERE vpath LIKE ?", (item.vpath + "%",)).fetchone()[0]
            assert errs >= 1
        elif item.hostile == "encrypted":
            enc = db.execute("SELECT COUNT(*) FROM items WHERE vpath LIKE ? AND status='encrypted'",
                             (item.vpath + "!/%",)).fetchone()[0]
            assert enc >= 1
        elif item.hostile == "empty":
            assert items[item.vpath][1] == "empty"
    # Lying extensions that name a specific type are flagged.
    mismatched = {r[0] for r in db.execute("SELECT vpath FROM items WHERE ext_mismatch=1")}
    assert any(v.endswith(".jpg") for v in mismatched)


def test_nothing_written_outside_the_case_folder(scanned):
    _, work, dump, _, before = scanned
    after = sorted(p for p in work.rglob("*") if not p.is_relative_to(work / "case"))
    assert after == [p for p in before if not p.is_relative_to(work / "case")]
    assert not any((work / "case" / "tmp").iterdir()), "spooled members must be deleted"


def test_report_json_carries_the_scan_facts(scanned):
    _, work, dump, truth, _ = scanned
    out = work / "report.json"
    proc = balise("report", "--case", str(work / "case"), "--json", str(out), cwd=work)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["evidence"][0]["sha256"] and report["evidence"][0]["unchanged"] is True
    assert report["identifiers"]["nir"]["unique"] == len(truth.unique("nir"))
    assert report["summary"]["items"] >= len(truth.items)
    assert report["errors"] and all({"item", "stage", "error"} <= set(e) for e in report["errors"])
    assert all(set(f) >= {"detector", "rule", "item", "offset"} for f in report["findings"])
    nirs = truth.unique("nir")
    text = out.read_text()
    assert not any(n in text for n in list(nirs)[:200]), "report.json must not hold NIRs in clear by default"


def test_case_verify_passes_then_detects_tampering(scanned):
    _, work, dump, _, _ = scanned
    proc = balise("case", "verify", str(work / "case"), cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = sqlite3.connect(work / "case" / "case.sqlite")  # tampering, as an attacker would
    db.execute("UPDATE custody SET actor='someone' WHERE seq=2")
    db.commit()
    db.close()
    proc = balise("case", "verify", str(work / "case"), cwd=work)
    assert proc.returncode == 1 and "BROKEN" in proc.stdout


def test_usage_and_fatal_exit_codes(tmp_path, leak):
    dump, _ = leak
    assert balise("scan", cwd=tmp_path).returncode == 2
    bad = tmp_path / "bad.yar"
    bad.write_text("rule ok { condition: true }\n\nrule broken {\n  strings: $a = \"x\"\n  condition: $b\n}\n")
    # by default such a file is skipped with one line (tests/cli/test_cli_scan_rules.py); --strict-rules refuses
    proc = balise("scan", str(dump), "--case", str(tmp_path / "c"), "--rules", str(bad), "--strict-rules",
                  cwd=tmp_path)
    assert proc.returncode == 1
    # YARA reports an undefined string at the end of the rule that uses it (line 6 here)
    assert re.search(r"bad\.yar:6: undefined string", proc.stderr), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "c" / "case.sqlite").exists(), "rules are checked before anything is scanned"


def _folder_evidence(tmp_path: Path) -> Path:
    ev = tmp_path / "seized"
    (ev / "exports").mkdir(parents=True)
    rows = "\r\n".join(f"LE GALL;Yann;0{i % 9 + 1} 02 03 04 0{i % 10}" for i in range(200))
    for i in range(6):
        (ev / "exports" / f"part{i}.csv").write_bytes(("NOM;PRENOM;TEL\r\n" + rows).encode("cp1252"))
    (ev / "poison.bin").write_bytes(b"\x00" * 4096)
    return ev


def test_a_worker_crash_loses_one_item_not_the_scan(tmp_path, monkeypatch):
    ev = _folder_evidence(tmp_path)
    monkeypatch.setenv("BALISE_FAULT_INJECT", "crash:poison.bin")
    summary = run_scan(tmp_path / "case", [ev], jobs=2)
    assert summary.completed
    db = case_sql(tmp_path / "case")
    status = dict(db.execute("SELECT name, status FROM items WHERE entry_type='file'").fetchall())
    assert status["poison.bin"] == "error"
    assert all(status[f"part{i}.csv"] == "done" for i in range(6))
    assert db.execute("SELECT COUNT(*) FROM errors WHERE stage='worker'").fetchone()[0] == 1


def test_cancel_then_resume_skips_finished_work(tmp_path):
    ev = _folder_evidence(tmp_path)
    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p.tasks_done)
        if p.tasks_done >= 2:
            token.cancel()

    first = run_scan(tmp_path / "case", [ev], jobs=1, progress=progress, cancel=token)
    assert first.cancelled and not first.completed
    second = run_scan(tmp_path / "case", [ev], jobs=2)
    assert second.completed and second.tasks_skipped >= 2
    db = case_sql(tmp_path / "case")
    assert db.execute("SELECT COUNT(*) FROM items WHERE entry_type='file'").fetchone()[0] == 7
    assert db.execute("SELECT COUNT(DISTINCT vpath) FROM items").fetchone()[0] == db.execute(
        "SELECT COUNT(*) FROM items").fetchone()[0]
    actions = [r[0] for r in db.execute("SELECT action FROM custody")]
    assert "scan-cancelled" in actions and "scan-resumed" in actions and actions[-1] == "scan-finished"
    assert all(_hashes_of_seized_files(tmp_path / "case").values()), "a resumed task's item keeps its file's hash"


def _hashes_of_seized_files(case: Path) -> dict[str, str | None]:
    """vpath -> SHA-256 of every file item of an evidence itself (depth 0), as the report's item annex reads it."""
    from workbench.engine.store.reader import CaseReader
    from workbench.engine.store.report_queries import iter_items

    with CaseReader(case) as reader:
        return {r["vpath"]: r["sha256"] for batch in iter_items(reader) for r in batch
                if r["depth"] == 0 and r["entry_type"] == "file"}


def test_files_of_the_evidence_itself_carry_their_sha256(tmp_path):
    """The workers map top-level files without hashing them: the item takes the intake's hash (it was NULL, and
    the PDF's item annex showed "-" for the very files the analyst seized)."""
    ev = _folder_evidence(tmp_path)
    single = tmp_path / "extraction.csv"
    single.write_bytes(b"NOM;PRENOM\r\nLE GALL;Yann\r\n")
    run_scan(tmp_path / "case", [ev, single], jobs=2)
    hashes = _hashes_of_seized_files(tmp_path / "case")
    expected = {f"seized/{p.relative_to(ev).as_posix()}": hashlib.sha256(p.read_bytes()).hexdigest()
                for p in ev.rglob("*") if p.is_file()}
    expected["extraction.csv"] = hashlib.sha256(single.read_bytes()).hexdigest()
    assert hashes == expected


@pytest.mark.slow
def test_sparse_2gb_file_scans_with_bounded_memory(tmp_path):
    ev = tmp_path / "disk"
    ev.mkdir()
    sparse = ev / "pagefile.sys"
    with open(sparse, "wb") as fh:
        fh.truncate(2 * 2**30)  # a 2 GB hole: no disk used, every byte reads as NUL
    (ev / "notes.csv").write_bytes("NOM;PRENOM;NIR\r\nLE GUEN;Rozenn;2 85 02 29 019 045 22\r\n".encode("cp1252"))
    summary = run_scan(tmp_path / "case", [ev], jobs=2)
    assert summary.completed and summary.errors == 0
    db = case_sql(tmp_path / "case")
    kind, size, status = db.execute("SELECT kind, size, status FROM items WHERE name='pagefile.sys'").fetchone()
    assert (kind, size, status) == ("binary", 2 * 2**30, "done")
    assert db.execute("SELECT size FROM evidence").fetchone()[0] == 2 * 2**30 + (ev / "notes.csv").stat().st_size
