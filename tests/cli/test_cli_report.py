"""``balise report``: --unmasked needs a reason written to the custody log; --establishment; one-line errors."""

from __future__ import annotations

import json

import pytest

from tests.report.report_case import BREST, RENNES, build_case
from workbench.cli import main
from workbench.engine.store.metadata import CaseStore
from workbench.engine.unmasking import UnmaskingRefused, record_unmasking


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return build_case(tmp_path_factory.mktemp("cli-report"), per_establishment=8)


def _custody(case_dir):
    with CaseStore(case_dir, create=False) as store:
        return store.custody()


def test_unmasked_without_a_reason_is_refused_in_one_line(case, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    before = len(_custody(case.case_dir))
    rc = main(["report", "--case", str(case.case_dir), "--json", str(tmp_path / "r.json"), "--unmasked"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "--reason" in err and "Traceback" not in err
    assert not (tmp_path / "r.json").exists()
    assert len(_custody(case.case_dir)) == before  # nothing shown, nothing logged


def test_unmasking_is_written_to_the_custody_log_with_who_when_why(case, tmp_path, capsys):
    reason = "Réquisition judiciaire n° 2025/118 du parquet de Rennes"
    rc = main(["report", "--case", str(case.case_dir), "--json", str(tmp_path / "r.json"), "--unmasked",
               "--reason", reason])
    assert rc == 0, capsys.readouterr().err
    entries = _custody(case.case_dir)
    unmask = [e for e in entries if e["action"] == "unmasking"][-1]
    detail = json.loads(unmask["detail"])
    assert detail["reason"] == reason and detail["who"] == unmask["actor"] and "json" in detail["scope"]
    assert unmask["ts_utc"]
    written = [e for e in entries if e["action"] == "report-written"][-1]
    assert written["seq"] > unmask["seq"] and json.loads(written["detail"])["unmasked"] is True


def test_reason_prompted_on_a_terminal(case, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "Demande du DPO, dossier 42")
    rc = main(["report", "--case", str(case.case_dir), "--json", str(tmp_path / "r.json"), "--unmasked"])
    assert rc == 0, capsys.readouterr().err
    assert json.loads(_custody(case.case_dir)[-2]["detail"])["reason"] == "Demande du DPO, dossier 42"


def test_record_unmasking_refuses_an_empty_reason(case):
    with pytest.raises(UnmaskingRefused):
        record_unmasking(case.case_dir, "analyste", "  ", "window")
    with pytest.raises(UnmaskingRefused):
        record_unmasking(case.case_dir, "", "Réquisition", "window")
    h = record_unmasking(case.case_dir, "analyste", "Réquisition 12", "window")
    assert _custody(case.case_dir)[-1]["hash"] == h


def test_report_for_one_establishment_and_an_unknown_one(case, tmp_path, capsys):
    rc = main(["report", "--case", str(case.case_dir), "--json", str(tmp_path / "r.json"),
               "--establishment", RENNES.finess])
    assert rc == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [e["finess"] for e in report["establishments"]] == [RENNES.finess]
    assert BREST.finess in {o["finess"] for o in report["scope"]["others"]}
    capsys.readouterr()
    rc = main(["report", "--case", str(case.case_dir), "--json", str(tmp_path / "x.json"),
               "--establishment", "999999999"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "999999999" in err and not (tmp_path / "x.json").exists()
