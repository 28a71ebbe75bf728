"""``balise registry`` end to end: run() through an argparse tree like the lead's, and one real subprocess."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.beacons.registry import KIND_CANARY, Registry
from workbench.cli import registry as cli_registry

REPO = Path(__file__).resolve().parents[2]


def balise(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="balise")
    sub = parser.add_subparsers(dest="command")
    cli_registry.add_parser(sub)
    args = parser.parse_args([str(a) for a in argv])
    return args.run(args)


def _init_with_two(tmp_path: Path) -> Path:
    reg = tmp_path / "reg.json"
    assert balise("registry", "init", reg, "--authority", "GCS e-santé Bretagne") == 0
    assert balise("registry", "add-establishment", reg, "--finess", "350990016", "--name", "CHU de Rennes (démo)",
                  "--group", "GHT Haute-Bretagne", "--city", "Rennes", "--dicom-uid-root", "1.2.250.1.999.1.1",
                  "--hl7-facility", "CHURENNES", "--ipp-pattern", r"RN\d{8}", "--name-variant", "CHU RENNES",
                  "--name-variant", "C.H.U. de Rennes") == 0
    assert balise("registry", "add-establishment", reg, "--finess", "290990024", "--name", "CHU de Brest (démo)",
                  "--hl7-facility", "CHUBREST", "--key", str(reg) + ".key") == 0
    return reg


def test_init_add_verify_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = _init_with_two(tmp_path)
    loaded = Registry.load(reg)
    assert loaded.version == 3 and set(loaded.establishments) == {"350990016", "290990024"}
    assert loaded.by_name("chu de rennes").finess == "350990016"
    capsys.readouterr()
    assert balise("registry", "verify", reg) == 0
    out = capsys.readouterr().out
    assert "signature  OK" in out and "GCS e-santé Bretagne" in out and "version    3" in out
    assert "establishments 2" in out and "canary-patient 0" in out
    assert balise("registry", "verify", reg, "--trusted-key", loaded.key_id) == 0
    capsys.readouterr()
    assert balise("registry", "show", reg) == 0
    out = capsys.readouterr().out
    assert "350990016  CHU de Rennes (démo)" in out and r"RN\d{8}" in out and "CHUBREST" in out
    est = loaded.establishment("350990016")
    assert est.watermark_secret not in out and "lookup_key" not in out


def test_verify_fails_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = _init_with_two(tmp_path)
    raw = reg.read_bytes()
    reg.write_bytes(raw.replace(b"CHU de Brest", b"CHU de Bresr"))
    capsys.readouterr()
    assert balise("registry", "verify", reg) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SIGNATURE INVALID" in err
    reg.write_bytes(raw)
    assert balise("registry", "verify", reg, "--trusted-key", "SHA256:" + "ab" * 32) == 1
    assert "untrusted key" in capsys.readouterr().err


def test_add_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = _init_with_two(tmp_path)
    capsys.readouterr()
    assert balise("registry", "add-establishment", reg, "--finess", "350990016", "--name", "again") == 1
    assert "already registered" in capsys.readouterr().err
    assert balise("registry", "init", reg, "--authority", "X") == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    other = tmp_path / "other.json"
    assert balise("registry", "init", other, "--authority", "GCS e-santé Bretagne") == 0
    assert balise("registry", "add-establishment", reg, "--finess", "560990036", "--name", "EHPAD",
                  "--key", str(other) + ".key") == 1  # not this registry's key
    assert "signed by" in capsys.readouterr().err
    assert Registry.load(reg).version == 3


def test_merge_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = _init_with_two(tmp_path)
    site = tmp_path / "site.json"
    site.write_bytes(reg.read_bytes())
    copy = Registry.load(site)
    copy.add_beacon(KIND_CANARY, "290990024", recipient="Biorance", fields={"nir": "0f" * 32})
    copy.save(str(reg) + ".key")
    capsys.readouterr()
    assert balise("registry", "merge", reg, site) == 0
    out = capsys.readouterr().out
    assert "beacons added: 1" in out and "version 5" in out
    assert len(Registry.load(reg).beacons) == 1
    # a copy re-signed by someone else's key is refused unless that key is named
    Registry.init(tmp_path / "rogue.json", "GCS e-santé Bretagne")
    forged = Registry.load(site)
    forged.save(tmp_path / "rogue.json.key", rotate_key=True)
    assert balise("registry", "merge", reg, site) == 1
    assert "--trusted-key" in capsys.readouterr().err
    assert balise("registry", "merge", reg, site, "--trusted-key", forged.key_id) == 0


def test_usage_without_action_is_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert balise("registry") == 2


def test_cli_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    reg = tmp_path / "r.json"
    code = ("import sys, argparse; from workbench.cli import registry as m; p=argparse.ArgumentParser(); "
            "s=p.add_subparsers(); m.add_parser(s); a=p.parse_args(sys.argv[1:]); sys.exit(a.run(a))")
    done = subprocess.run([sys.executable, "-c", code, "registry", "init", str(reg), "--authority", "ARS"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "SHA256:" in done.stdout
    reg.write_bytes(reg.read_bytes().replace(b'"ARS"', b'"ARZ"'))
    done = subprocess.run([sys.executable, "-c", code, "registry", "verify", str(reg)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "SIGNATURE INVALID" in done.stderr
