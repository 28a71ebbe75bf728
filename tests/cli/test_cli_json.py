"""``--json`` outputs of the command line parsed back, the structured log, the Excel CSV, the help texts."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from pathlib import Path

import pytest

from workbench.cli import build_parser, main
from workbench.demo import WATERMARKED
from workbench.engine.store.reader import CaseReader
from workbench.report.exports import RECORDS_CSV_HEADER
from workbench.synth.establishments import DEMO_ESTABLISHMENTS
from workbench.synth.formats.csv_export import write_csv
from workbench.synth.people import PeopleFactory


def run_json(capsys, *argv: object) -> tuple[int, dict]:
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out = capsys.readouterr().out
    return rc, json.loads(out)


def registry_of(demo_case) -> Path:
    return demo_case.out / "registry" / "consortium.registry.json"


def test_case_verify_json(demo_case, capsys):
    rc, data = run_json(capsys, "case", "verify", demo_case.case, "--json")
    assert rc == 0 and data["ok"] is True and data["custody"]["ok"] is True
    assert data["evidence"] and all(len(e["sha256"]) == 64 and e["unchanged"] for e in data["evidence"])
    assert data["results"]["sealed"] is True and data["results"]["files"] > 0


def test_registry_verify_and_show_json(demo_case, capsys, tmp_path):
    rc, data = run_json(capsys, "registry", "verify", registry_of(demo_case), "--json")
    assert rc == 0 and data["ok"] is True and data["establishments"] >= 3 and sum(data["beacons"].values()) > 0
    rc, shown = run_json(capsys, "registry", "show", registry_of(demo_case), "--json")
    assert rc == 0 and WATERMARKED[0].finess in {e["finess"] for e in shown["establishments"]}
    assert "hmac" not in json.dumps(shown).lower()  # counts only, never a canary's value or digest
    tampered = tmp_path / "reg.json"
    text = registry_of(demo_case).read_text(encoding="utf-8")
    tampered.write_text(text.replace(WATERMARKED[0].name, WATERMARKED[0].name + " X", 1), encoding="utf-8")
    rc, data = run_json(capsys, "registry", "verify", tampered, "--json")
    assert rc == 1 and data["ok"] is False and data["error"]


def test_watermark_detect_json(demo_case, capsys):
    marked = demo_case.out / "leak" / "extraction_registre_cancers.csv"
    rc, data = run_json(capsys, "watermark", "detect", marked, "--registry", registry_of(demo_case), "--json")
    assert rc == 0 and data["kind"] == "table" and data["detected"] >= 1
    best = data["results"][0]
    assert best["detected"] and best["establishment"] == WATERMARKED[0].finess
    assert best["recipient"] == WATERMARKED[1] and best["log10_p"] < -6


@pytest.mark.parametrize(("lang", "sep"), [("fr", ";"), ("en", ",")])
def test_report_print_json_and_excel_csv(demo_case, capsys, tmp_path, lang, sep):
    out = tmp_path / "records.csv"
    rc, data = run_json(capsys, "report", "--case", demo_case.case, "--records-csv", out, "--excel",
                        "--lang", lang, "--print-json")
    assert rc == 0 and [w["kind"] for w in data["written"]] == ["records-csv"]
    assert data["written"][0]["path"] == str(out.resolve()) and len(data["written"][0]["sha256"]) == 64
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=sep))
    assert rows[0] == RECORDS_CSV_HEADER and len(rows) > 1000
    with CaseReader(demo_case.case) as reader:
        expected = {r[0] or "" for r in reader.rows("SELECT DISTINCT recipient FROM records")}
    assert {r[3] for r in rows[1:]} == expected and WATERMARKED[1] in expected  # read back exactly


def test_scan_json_and_a_log_without_identifiers(capsys, tmp_path):
    ev = tmp_path / "jean.dupont@chu-rennes.fr 1 85 05 78 006 084 91"  # a folder named after a patient
    ev.mkdir()
    with open(ev / "patients.csv", "wb") as fh:
        rows = write_csv(PeopleFactory(3).records(DEMO_ESTABLISHMENTS[0], 30, stays=(1, 1)), fh, dialect="dpi")
    log = tmp_path / "balise.log"
    rc, data = run_json(capsys, "--log-file", log, "-v", "scan", ev, "--case", tmp_path / "case", "--jobs", "1",
                        "--quiet", "--json")
    assert rc == 0 and data["state"] == "completed" and data["items"] >= 2 and data["records"] == rows
    assert data["identifiers"]["nir"]["unique"] > 0 and len(data["evidence"][0]["sha256"]) == 64
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    events = {x["event"] for x in lines}
    assert {"command-started", "scan-started", "scan-finished", "command-finished"} <= events
    text = log.read_text(encoding="utf-8")
    assert "jean.dupont@chu-rennes.fr" not in text and "185057800608491" not in text
    assert "1 85 05 78 006 084 91" not in text and "1 85 ** ** *** *** 91" in text


def _actions(parser: argparse.ArgumentParser, path: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            yield path, action


def test_every_option_has_help():
    missing = [f"{path} {a.option_strings or a.dest}" for path, a in _actions(build_parser(), "balise")
               if not (a.help or "").strip()]
    assert not missing, missing


def test_scan_help_has_examples_and_units(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["scan", "--help"])
    text = capsys.readouterr().out
    assert "examples:" in text and "balise scan leak.zip --case" in text
    assert "16 GiB" in text and "default: 8" in text


def test_export_json_and_unmasked_refused_without_reason(demo_case, capsys, tmp_path):
    out = tmp_path / "demo.dfxml"
    rc, data = run_json(capsys, "export", "--case", demo_case.case, "--format", "dfxml", "--out", out, "--json")
    assert rc == 0 and data["format"] == "dfxml" and list(data["files"]) == [str(out.resolve())]
    assert data["files"][str(out.resolve())] == hashlib.sha256(out.read_bytes()).hexdigest()
    capsys.readouterr()
    rc = main(["export", "--case", str(demo_case.case), "--format", "features", "--out", str(tmp_path / "f"),
               "--unmasked"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "--reason" in err
    rc = main(["export", "--case", str(tmp_path / "nothing"), "--format", "stix", "--out", str(tmp_path / "s.json")])
    assert rc == 1 and "no case" in capsys.readouterr().err
