"""``--excel`` records CSV: UTF-8 with a BOM (Excel then reads accents right) and ';' in French, ',' in English."""

from __future__ import annotations

import csv

import pytest

from tests.report.report_case import build_case
from workbench.engine.store.reader import CaseReader
from workbench.report.exports import RECORDS_CSV_HEADER, write_records_csv


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_case(tmp_path_factory.mktemp("excel"))


@pytest.mark.parametrize(("lang", "sep"), [("fr", ";"), ("en", ",")])
def test_excel_csv_has_bom_and_the_language_separator(built, tmp_path, lang, sep):
    path = tmp_path / "records.csv"
    n = write_records_csv(built.case_dir, path, excel=True, lang=lang)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].split(b"\r\n", 1)[0] == sep.join(RECORDS_CSV_HEADER).encode()
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=sep))
    assert len(rows) == n + 1
    with CaseReader(built.case_dir) as reader:
        expected = sorted(tuple("" if v is None else str(v) for v in r) for r in reader.rows(
            "SELECT item, locator, establishment, recipient, basis, confidence FROM records"))
    assert sorted(tuple(r) for r in rows[1:]) == expected  # every field read back as written


def test_plain_csv_is_unchanged(built, tmp_path):
    path = tmp_path / "records.csv"
    write_records_csv(built.case_dir, path)
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.startswith(",".join(RECORDS_CSV_HEADER).encode())
