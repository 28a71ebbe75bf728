"""Hash sets in a real scan: an NSRL RDS v3 database (SQLite, NIST's schema) and plain SHA-256/MD5 lists; known-good
items skipped and recorded as such (an archive not even opened), known-bad items flagged, each set's SHA-256 in
the case, its custody log and report.json."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from tests.casesql import case_sql
from workbench.engine.hashsets import HashSetError, load_spec
from workbench.engine.pipeline import ScanError, run_scan
from workbench.report.model import build_report_model, report_json

# NIST's RDS v3 layout (the "minimal" release): FILE keyed by sha256 first, upper-case hex digests.
RDS_SCHEMA = """
CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, crc32 VARCHAR NOT NULL,
  file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, package_id INTEGER NOT NULL,
  CONSTRAINT PK_FILE__FILE PRIMARY KEY (sha256, sha1, md5, crc32, file_name, file_size, package_id));
CREATE TABLE PKG (package_id INTEGER NOT NULL, name VARCHAR NOT NULL, version VARCHAR NOT NULL,
  operating_system_id INTEGER NOT NULL, manufacturer_id INTEGER NOT NULL, language VARCHAR NOT NULL,
  application_type VARCHAR NOT NULL);
CREATE TABLE VERSION (version VARCHAR UNIQUE NOT NULL, build_set VARCHAR NOT NULL,
  build_date TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL, release_date TIMESTAMP NOT NULL,
  description VARCHAR NOT NULL);
CREATE VIEW DISTINCT_HASH AS SELECT DISTINCT sha256, sha1, md5, crc32 FROM FILE;
"""


def write_rds(path: Path, files: dict[str, bytes]) -> None:
    con = sqlite3.connect(path)
    con.executescript(RDS_SCHEMA)
    for name, data in files.items():
        con.execute("INSERT INTO FILE VALUES (?,?,?,?,?,?,?)", (
            hashlib.sha256(data).hexdigest().upper(), hashlib.sha1(data).hexdigest().upper(),
            hashlib.md5(data).hexdigest().upper(), f"{zipfile.crc32(data):08X}", name, len(data), 1))
    con.execute("INSERT INTO PKG VALUES (1, 'Installer', '1.0', 1, 1, 'English', 'Utility')")
    con.execute("INSERT INTO VERSION VALUES ('2026.09.1', 'modern minimal', '2026-09-01', '2026-09-01', "
                "'RDS 2026.09.1 test')")
    con.commit()
    con.close()


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    root = tmp_path_factory.mktemp("hashsets")
    ev = root / "dump"
    ev.mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("setup/readme.txt", "Contact: jean.dupont@example.fr, 1 85 05 78 006 084 91\n")
        zf.writestr("setup/app.dll", b"MZ" + bytes(200))
    installer = buf.getvalue()
    (ev / "installer.zip").write_bytes(installer)
    (ev / "logo.txt").write_bytes(b"a logo nobody cares about, +33 6 12 34 56 78\n")
    (ev / "dropper.bin").write_bytes(b"\x7fELF" + bytes(64) + b"evil")
    (ev / "patients.csv").write_text("nom;nir\nDUPONT;185057800608491\n", encoding="utf-8")
    rds = root / "RDS_2026.09.1_modern_minimal.db"
    write_rds(rds, {"installer.zip": installer})
    good = root / "good.sha256"
    good.write_text(f"# our own known files\n{hashlib.sha256((ev / 'logo.txt').read_bytes()).hexdigest()}  logo.txt\n"
                    "not a hash line\n", encoding="utf-8")
    bad = root / "bad.md5"
    bad.write_text(hashlib.md5((ev / "dropper.bin").read_bytes()).hexdigest() + "\n", encoding="utf-8")
    case = root / "case"
    run_scan(case, [ev], jobs=1, known_good=[rds, good], known_bad=[bad])
    return case, {"rds": rds, "good": good, "bad": bad}


def test_known_good_items_are_skipped_and_recorded(scanned):
    case, _sets = scanned
    db = case_sql(case)
    status = dict(db.execute("SELECT name, status FROM items WHERE depth = 0").fetchall())
    assert status["installer.zip"] == "skipped" and status["logo.txt"] == "skipped"
    assert status["patients.csv"] == "done"
    assert not db.execute("SELECT vpath FROM items WHERE vpath LIKE '%installer.zip!/%'").fetchall()
    good = db.execute("SELECT i.name, f.meta FROM findings f JOIN items i ON i.id = f.item_id "
                      "WHERE f.detector = 'hashset' AND f.rule = 'known-good'").fetchall()
    sets = {name: json.loads(meta)["sets"] for name, meta in good}
    assert sets == {"installer.zip": ["RDS_2026.09.1_modern_minimal.db"], "logo.txt": ["good.sha256"]}
    # nothing of a skipped file is scanned: its phone number is not counted
    assert not db.execute("SELECT * FROM identifiers WHERE item LIKE '%logo.txt' OR item LIKE '%installer%'").fetchall()
    assert db.execute("SELECT COUNT(*) FROM identifiers WHERE item LIKE '%patients.csv'").fetchone()[0] > 0


def test_known_bad_items_are_flagged_and_still_scanned(scanned):
    case, _sets = scanned
    db = case_sql(case)
    rows = db.execute("SELECT i.name, i.status, f.severity, f.meta FROM findings f JOIN items i ON i.id = f.item_id "
                      "WHERE f.detector = 'hashset' AND f.rule = 'known-bad'").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("dropper.bin", "done", "high")]
    assert json.loads(rows[0][3])["sets"] == ["bad.md5"]


def test_each_set_hash_is_in_the_case_custody_and_report(scanned):
    case, sets = scanned
    db = case_sql(case)
    recorded = {Path(h["path"]).name: h for h in json.loads(
        db.execute("SELECT value FROM case_meta WHERE key = 'hash_sets'").fetchone()[0])}
    for path in sets.values():
        assert recorded[path.name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert recorded["RDS_2026.09.1_modern_minimal.db"]["format"] == "nsrl-rds-v3"
    assert recorded["RDS_2026.09.1_modern_minimal.db"]["version"].startswith("2026.09.1")
    assert recorded["good.sha256"]["ignored_lines"] == 1 and recorded["good.sha256"]["sha256_entries"] == 1
    logged = [json.loads(r[0]) for r in db.execute("SELECT detail FROM custody WHERE action = 'hash-set-loaded'")]
    assert {d["sha256"] for d in logged} == {h["sha256"] for h in recorded.values()}
    report = report_json(build_report_model(case))
    assert {h["sha256"] for h in report["hash_sets"]} == {h["sha256"] for h in recorded.values()}


def test_a_bad_hash_set_stops_the_scan_with_one_line(tmp_path):
    ev = tmp_path / "ev.txt"
    ev.write_text("x", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\nhello\n", encoding="utf-8")
    with pytest.raises(ScanError, match="no SHA-256 or MD5"):
        run_scan(tmp_path / "case", [ev], known_good=[empty])
    not_rds = tmp_path / "other.db"
    con = sqlite3.connect(not_rds)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(HashSetError, match="not an NSRL RDS v3"):
        load_spec(not_rds, "known-good")
    assert not (tmp_path / "case").exists()  # refused before the case was created


def test_a_big_known_good_zip_is_not_split_into_member_tasks(tmp_path):
    """A top-level zip past the split size (8 MiB) is normally scanned one member per task; in a known-good set it
    is walked whole and skipped, its members never read."""
    import os

    from workbench.engine.pipeline import ZIP_SPLIT_MIN_BYTES

    ev = tmp_path / "ev"
    ev.mkdir()
    with zipfile.ZipFile(ev / "vendor.zip", "w", compression=zipfile.ZIP_STORED) as zf:
        for i in range(3):
            zf.writestr(f"lib{i}.so", os.urandom(ZIP_SPLIT_MIN_BYTES // 2))
    good = tmp_path / "vendor.sha256"
    good.write_text(hashlib.sha256((ev / "vendor.zip").read_bytes()).hexdigest() + "  vendor.zip\n", encoding="utf-8")
    run_scan(tmp_path / "case", [ev], jobs=1, known_good=[good])
    db = case_sql(tmp_path / "case")
    assert dict(db.execute("SELECT name, status FROM items").fetchall()) == {"ev": "done", "vendor.zip": "skipped"}
    assert db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0] == 1


def test_the_pdf_report_names_each_set_with_its_hash(scanned, tmp_path):
    from pypdf import PdfReader

    from workbench.report.exports import write_reports

    case, sets = scanned
    pdf = write_reports(case, pdf_path=tmp_path / "report.pdf", lang="en")["pdf"]
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages).replace("\n", "")
    assert "Hash sets" in text and "known good" in text and "known bad" in text
    for path in sets.values():
        assert hashlib.sha256(path.read_bytes()).hexdigest()[:40] in text.replace(" ", "")
