"""``balise beacons mint`` end to end through run(): files written, registry re-signed, nothing in clear."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pandas as pd
import pytest

from workbench.beacons.canary_index import STATUS_CONFIRMED, CanaryIndex
from workbench.beacons.registry import KIND_CANARY, Registry
from workbench.cli import beacons as cli_beacons
from workbench.synth.establishments import DEMO_ESTABLISHMENTS

RENNES = DEMO_ESTABLISHMENTS[0]


def balise(*argv: object) -> int:
    parser = argparse.ArgumentParser(prog="balise")
    sub = parser.add_subparsers(dest="command")
    cli_beacons.add_parser(sub)
    args = parser.parse_args([str(a) for a in argv])
    return args.run(args)


@pytest.fixture
def reg_path(tmp_path: Path) -> Path:
    path = tmp_path / "reg.json"
    reg = Registry.init(path, "GCS e-santé Bretagne")
    reg.add_establishment(RENNES.finess, RENNES.name, ipp_patterns=[RENNES.ipp_pattern],
                          hl7_facility_codes=[RENNES.hl7_facility], dicom_uid_roots=[RENNES.dicom_uid_root])
    reg.save(str(path) + ".key")
    return path


def test_mint_csv(reg_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "canaries.csv"
    assert balise("beacons", "mint", "--registry", reg_path, "--establishment", RENNES.finess, "--recipient",
                  "Équipe IRSET", "--count", 5, "--format", "csv", "--out", out) == 0
    printed = capsys.readouterr().out
    reg = Registry.load(reg_path)
    assert reg.version == 3 and len(reg.beacons) == 5
    assert all(b.kind == KIND_CANARY and b.recipient == "Équipe IRSET" for b in reg.beacons.values())
    assert all(bid in printed for bid in reg.beacons)
    frame = pd.read_csv(io.BytesIO(out.read_bytes()), sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    for nir in frame["NIR"]:
        assert nir.replace(" ", "") not in printed  # masked on the console
    index = CanaryIndex.from_registry(reg)
    found = index.match_frame(frame.rename(columns={"NOM": "family_name", "PRENOM": "given_name", "NIR": "nir",
                                                    "DATE_NAISSANCE": "birth_date", "IPP": "ipp"}))
    assert {m.beacon_id for _, m in found if m.status == STATUS_CONFIRMED} == set(reg.beacons)


def test_mint_dicom_folder(reg_path: Path, tmp_path: Path) -> None:
    import pydicom

    out = tmp_path / "pacs"
    assert balise("beacons", "mint", "--registry", reg_path, "--establishment", RENNES.finess, "--count", 2,
                  "--format", "dicom", "--out", out) == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    ds = pydicom.dcmread(files[0], stop_before_pixels=True)
    assert str(ds.StudyInstanceUID).startswith(RENNES.dicom_uid_root)
    assert not list(tmp_path.glob(".*partial"))


def test_mint_failures_leave_no_orphans(reg_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = reg_path.read_bytes()
    out = tmp_path / "c.sql"
    assert balise("beacons", "mint", "--registry", reg_path, "--establishment", "290000000", "--count", 1,
                  "--format", "sql", "--out", out) == 1
    assert "not in the registry" in capsys.readouterr().err
    other = tmp_path / "other.json"
    Registry.init(other, "X")
    assert balise("beacons", "mint", "--registry", reg_path, "--establishment", RENNES.finess, "--count", 1,
                  "--format", "sql", "--out", out, "--key", str(other) + ".key") == 1
    assert "signed by" in capsys.readouterr().err
    out.write_text("precious")
    assert balise("beacons", "mint", "--registry", reg_path, "--establishment", RENNES.finess, "--count", 1,
                  "--format", "sql", "--out", out) == 1
    err = capsys.readouterr().err
    assert "overwrite" in err and err.count("\n") == 1
    assert out.read_text() == "precious" and reg_path.read_bytes() == before
    tampered = before.replace(b"CHU de Rennes", b"CHU de Rennez")
    reg_path.write_bytes(tampered)
    assert balise("beacons", "mint", "--registry", reg_path, "--establishment", RENNES.finess, "--count", 1,
                  "--format", "hl7", "--out", tmp_path / "a.hl7") == 1
    assert "SIGNATURE INVALID" in capsys.readouterr().err and not (tmp_path / "a.hl7").exists()


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert balise("beacons") == 2


def test_through_balise_main(tmp_path: Path) -> None:
    """The real entry point (``python -m workbench``): init, add-establishment, mint, verify."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    reg = tmp_path / "reg.json"

    def run(*argv: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "workbench", *map(str, argv)], env=env, capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)

    assert run("registry", "init", reg, "--authority", "GCS e-santé Bretagne").returncode == 0
    assert run("registry", "add-establishment", reg, "--finess", RENNES.finess, "--name", RENNES.name,
               "--ipp-pattern", RENNES.ipp_pattern).returncode == 0
    done = run("beacons", "mint", "--registry", reg, "--establishment", RENNES.finess, "--count", 2,
               "--format", "hl7", "--out", tmp_path / "adt.hl7")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("BCN-") == 2
    done = run("registry", "verify", reg)
    assert done.returncode == 0 and "canary-patient 2" in done.stdout
    assert run("beacons", "mint", "--registry", reg, "--establishment", RENNES.finess, "--count", 2,
               "--format", "xml", "--out", tmp_path / "x").returncode == 2
