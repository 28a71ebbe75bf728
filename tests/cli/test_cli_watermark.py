"""``balise watermark embed|detect`` against a real signed registry, for a table and a DICOM file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid

from tests.beacons.test_tabular_mark_gen import make_patient_table
from workbench.beacons import mark_io
from workbench.beacons.registry import KIND_IMAGE_WATERMARK, KIND_TABLE_WATERMARK, Registry
from workbench.cli import watermark
from workbench.synth.establishments import DEMO_ESTABLISHMENTS
from workbench.synth.formats.dicom import write_study
from workbench.synth.people import PeopleFactory

EST_A, EST_B = DEMO_ESTABLISHMENTS[0], DEMO_ESTABLISHMENTS[1]


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="balise")
    watermark.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.fixture()
def registry(tmp_path: Path) -> Path:
    path = tmp_path / "registry.json"
    reg = Registry.init(path, "GCS e-santé Bretagne (test)")
    for est in (EST_A, EST_B):
        reg.add_establishment(est.finess, est.name, recipients=["Biorance", "Equipe recherche"])
    reg.save(str(path) + ".key")
    return path


def test_table_embed_then_detect(tmp_path: Path, registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "export.csv", tmp_path / "export_biorance.csv"
    mark_io.write_csv(make_patient_table(400, seed=3), src, encoding="cp1252")
    before = Registry.load(registry).version
    assert cli("watermark", "embed", str(src), "--registry", str(registry), "--establishment", EST_B.finess,
               "--recipient", "Biorance", "--out", str(out)) == 0
    text = capsys.readouterr().out
    assert "cells changed" in text and "TELEPHONE [phone]" in text and "re-signed" in text
    reg = Registry.load(registry)  # the signature still verifies after re-signing
    assert reg.version > before
    (beacon,) = [b for b in reg.beacons.values() if b.kind == KIND_TABLE_WATERMARK]
    assert beacon.establishment == EST_B.finess and beacon.recipient == "Biorance"

    leaked = tmp_path / "leak.xlsx"  # the recipient converts a subset to a spreadsheet
    mark_io.write_xlsx(mark_io.read_csv(out).sample(250, random_state=1), leaked, typed_datetimes=True)
    assert cli("watermark", "detect", str(leaked), "--registry", str(registry)) == 0
    lines = capsys.readouterr().out.splitlines()
    detected = [ln for ln in lines if ln.endswith(" DETECTED")]
    assert len(detected) == 1 and EST_B.finess in detected[0] and "recipient=Biorance" in detected[0]
    # the other recipients of EST_B share its code: its mark is present, the Tardos score accuses nobody else
    assert sum(ln.endswith("mark present, not accused") for ln in lines) == 2
    assert sum(ln.endswith("not detected") for ln in lines) == 3  # EST_A's keys
    assert any("Tardos accusation over" in ln and "P(any innocent accused) <= 1e-06" in ln
               and "accused 'Biorance'" in ln for ln in lines)
    assert lines[-1] == "1 key(s) detected"

    assert cli("watermark", "detect", str(src), "--registry", str(registry)) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 key(s) detected"


def test_dicom_embed_then_detect(tmp_path: Path, registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = PeopleFactory(4).record(EST_A)
    src, out = tmp_path / "ct.dcm", tmp_path / "ct_marked.dcm"
    src.write_bytes(write_study(record, None, images=1, rows=256, cols=256, bits=12)[0])
    assert cli("watermark", "embed", str(src), "--registry", str(registry), "--establishment", EST_A.finess,
               "--recipient", "Equipe recherche", "--out", str(out)) == 0
    text = capsys.readouterr().out
    assert "PSNR" in text and "12-bit" in text
    reg = Registry.load(registry)
    (beacon,) = [b for b in reg.beacons.values() if b.kind == KIND_IMAGE_WATERMARK]
    assert beacon.beacon_id in text and beacon.meta["psnr_db"] > 45

    assert cli("watermark", "detect", str(out), "--registry", str(registry)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln for ln in lines if ln.endswith(" DETECTED")][0].count("recipient=Equipe recherche") == 1
    assert any(f"beacon {beacon.beacon_id} (registered to {EST_A.finess}), signature valid" in ln for ln in lines)

    ds = pydicom.dcmread(out)  # anonymised copy: new UID, no private block, no institution
    ds.SOPInstanceUID = generate_uid()
    ds.remove_private_tags()
    del ds.InstitutionName
    ds.save_as(tmp_path / "anon.dcm")
    assert cli("watermark", "detect", str(tmp_path / "anon.dcm"), "--registry", str(registry)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum(ln.endswith(" DETECTED") for ln in lines) == 1 and "fragile block: absent" in "\n".join(lines)


def test_refusals(tmp_path: Path, registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "export.csv"
    mark_io.write_csv(make_patient_table(50, seed=3), src)
    assert cli("watermark", "embed", str(src), "--registry", str(registry), "--establishment", "999999999",
               "--out", str(tmp_path / "o.csv")) == 1
    assert "not in the registry" in capsys.readouterr().err
    doc = json.loads(registry.read_text(encoding="utf-8"))
    doc["payload"]["authority"] = "forged"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc), encoding="utf-8")
    assert cli("watermark", "detect", str(src), "--registry", str(tampered)) == 1
    err = capsys.readouterr().err
    assert "SIGNATURE INVALID" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


def test_lab_results_table_is_marked(tmp_path: Path, registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The most common research extract (no time of day, phone or address) is marked by its measurements."""
    from tests.beacons.test_tabular_mark_gen import make_lab_table

    src, out = tmp_path / "resultats.csv", tmp_path / "resultats_biorance.csv"
    mark_io.write_csv(make_lab_table(500, seed=4), src, encoding="cp1252", delimiter=";")
    args = ("--registry", str(registry), "--establishment", EST_A.finess, "--recipient", "Biorance")
    assert cli("watermark", "embed", str(src), *args, "--out", str(tmp_path / "x.csv"), "--no-numeric",
               "--no-dates") == 1  # (without --no-dates its sample date carries the mark)
    assert "no column can carry the mark" in capsys.readouterr().err
    table = tmp_path / "thresholds.json"
    table.write_text(json.dumps([{"name": "glucose", "hint": "glyc", "lo": 2, "hi": 30, "values": [7.0]}]))
    assert cli("watermark", "embed", str(src), *args, "--out", str(out), "--thresholds", str(table)) == 0
    text = capsys.readouterr().out
    assert "GLYCEMIE_MMOL_L [num]" in text and "mean" in text and "re-signed" in text
    table.write_text("{not json")
    assert cli("watermark", "embed", str(src), *args, "--out", str(tmp_path / "y.csv"),
               "--thresholds", str(table)) == 2
    assert "thresholds.json" in capsys.readouterr().err
    assert cli("watermark", "detect", str(out), "--registry", str(registry)) == 0
    lines = capsys.readouterr().out.splitlines()
    detected = [ln for ln in lines if ln.endswith(" DETECTED")]
    assert len(detected) == 1 and EST_A.finess in detected[0] and "recipient=Biorance" in detected[0]
    assert "measurements and dates:" in detected[0]
