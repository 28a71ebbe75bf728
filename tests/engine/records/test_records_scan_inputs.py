"""``balise scan`` of the inputs of issue 12, each written the way its tool writes it: the expected records."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.casesql import CaseSQL
from tests.engine.records.dumps import mysqldump, pg_dump
from tests.engine.records.test_records_hl7_batch import _batch
from tests.engine.records.test_records_sheets_agree import csv_bytes, ods_bytes, xls_bytes, xlsx_bytes
from tests.engine.records.test_records_sqldump_wild import _pg_custom_header
from tests.engine.records.test_records_sqlitedb import _make_db
from tests.engine.test_scan_e2e import balise


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("inputs")
    ev = work / "ev"
    ev.mkdir()
    (ev / "dpi.sql").write_text(mysqldump(300, per_statement=100, malformed_at=150))
    (ev / "pg.sql").write_text(pg_dump(200))
    for name, write in (("patients.csv", csv_bytes), ("patients.xlsx", xlsx_bytes), ("patients.ods", ods_bytes),
                        ("patients.xls", xls_bytes)):
        (ev / name).write_bytes(write())
    (ev / "lot.hl7").write_bytes(_batch(3, "\r").encode("latin-1"))
    _make_db(ev / "app.db")
    (ev / "backup.dump").write_bytes(_pg_custom_header())
    with zipfile.ZipFile(ev / "inner.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(ev / "app.db", "db/app.sqlite")
    proc = balise("scan", str(ev), "--case", str(work / "case"), "--jobs", "1", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return work / "case"


def test_every_sample_gives_its_records(case):
    db = CaseSQL(case)
    counts = dict(db.execute("SELECT item, count(*) FROM records GROUP BY item").fetchall())
    assert counts == {"ev/dpi.sql": 299 + 2, "ev/pg.sql": 200, "ev/patients.csv": 25, "ev/patients.xlsx": 25,
                      "ev/patients.ods": 25, "ev/patients.xls": 25, "ev/lot.hl7": 3, "ev/app.db": 2,
                      "ev/inner.zip!/db/app.sqlite": 2}
    sheets = {}
    for item in ("ev/patients.csv", "ev/patients.xlsx", "ev/patients.ods", "ev/patients.xls"):
        sheets[item] = db.execute("SELECT nir, family_name, given_name, birth_date, ipp, facility_finess FROM records "
                                  "WHERE item = ? ORDER BY nir", [item]).fetchall()
    assert len({tuple(v) for v in sheets.values()}) == 1  # the same patients give the same records


def test_lost_rows_and_unread_archives_are_findings(case):
    db = CaseSQL(case)
    rows = db.execute("SELECT rule, meta FROM findings WHERE detector = 'records'").fetchall()
    found = {rule: json.loads(meta) for rule, meta in rows}
    assert len(rows) == 2
    assert found["row-skipped"]["locator"] == "table:patients/row:150"
    assert found["pg-dump-archive"]["command"] == "pg_restore -f out.sql backup.dump"
