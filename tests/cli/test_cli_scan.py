"""``balise scan``: refuses a folder that is not a case, ends with the attribution and the failed items, counts
with thousands separators, a progress line of fixed width with paths cut in the middle."""

from __future__ import annotations

import io
import re

import pytest

from tests.report.report_case import BIORANCE, BREST, RENNES, build_case
from workbench.cli import main
from workbench.cli.scan import PATH_WIDTH, clock, middle_cut, print_attribution, progress_line
from workbench.engine.model import Progress


def test_case_folder_that_is_not_a_case_is_refused(tmp_path, capsys):
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("mes notes", encoding="utf-8")
    dump = tmp_path / "dump.csv"
    dump.write_text("a,b\n1,2\n", encoding="utf-8")
    rc = main(["scan", str(dump), "--case", str(folder), "-q"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "not a case" in err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]  # nothing written beside the user's files
    rc = main(["scan", str(dump), "--case", str(dump), "-q"])
    assert rc == 1 and "is a file" in capsys.readouterr().err


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return build_case(tmp_path_factory.mktemp("cli-scan"))


def test_attribution_and_failed_items_printed(case):
    out = io.StringIO()
    print_attribution(case.case_dir, out)
    text = out.getvalue()
    total = sum(case.records.values())
    assert f"Records: {total:,} describing" in text
    assert "Attribution: 3 establishments" in text
    for est in (RENNES, BREST, BIORANCE):
        assert re.search(rf"{est.finess}  .+: {case.records[est.finess]:,} records, \d[\d,]* people", text)
    assert "basis: canary" in text and "basis: watermark" in text and "basis: identifier" in text
    assert re.search(r"recipient: .+: [\d,]+ records", text)
    assert f"unattributed: {case.records['']:,} records" in text
    assert "Items not analysed in full: 1" in text and "EOFError" in text


def test_scan_end_to_end_prints_the_summary(case, tmp_path, capsys):
    rc = main(["scan", *map(str, case.evidence_paths), "--case", str(tmp_path / "new"), "-q", "--jobs", "1",
               "--no-verify"])
    out = capsys.readouterr().out
    assert rc == 0
    assert re.search(r"Records: [\d,]+ describing [\d,]+ people", out)
    assert "Attribution: no record attributed to an establishment (no registry: give --registry)" in out


def test_progress_line_keeps_its_width_and_cuts_paths_in_the_middle():
    path = "leak.zip!/chu-rennes/archives/exports_2022.tar.gz!/exports_2022/patients_2022_final.csv"
    cut = middle_cut(path, PATH_WIDTH)
    assert len(cut) == PATH_WIDTH and cut.startswith("leak.zip!/chu") and cut.endswith("patients_2022_final.csv"[-10:])
    assert "…" in cut and len(middle_cut("a.csv", PATH_WIDTH)) == PATH_WIDTH
    widths = set()
    for done, items, current, elapsed in [(0, 0, "", 0.0), (10_000, 3, "a.csv", 2.0),
                                          (3_900_000, 45_638, path, 40.0), (1_200_000_000, 1_234_567, path, 600)]:
        p = Progress(bytes_done=done, bytes_total=4_000_000_000, items_done=items, tasks_done=0, tasks_total=1,
                     current=current, rate_bps=0.0, eta_s=None)
        line = progress_line(p, elapsed)
        widths.add(len(line))
        if done:
            assert "--:--" not in line  # an estimate from the bytes done since the start, from the first bytes
    assert len(widths) == 1
    assert "45,638 items" in progress_line(Progress(1, 2, 45_638, 0, 1, "", 0.0, None), 1.0)
    assert clock(75) == "01:15" and clock(3725) == "1:02:05" and clock(None) == "--:--" and clock(4e6) == ">99h"
