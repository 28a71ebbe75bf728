"""The case keeps its registry (issue 13) and registry keys are pinned per authority (issue 14).

Real registries (Registry.init, canaries minted into a real CSV export), real scans through ``balise scan``
in-process; the impostor is what an attacker makes in one command: a registry of the same authority name and
establishments, signed by a key of their own."""

from __future__ import annotations

import io
import json
import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tests.casesql import case_sql
from workbench.beacons.canaries import mint
from workbench.beacons.registry import Registry, format_fingerprint
from workbench.beacons.trust import CONFIG_ENV, PINS_FILE
from workbench.cli import main
from workbench.synth.establishments import DEMO_ESTABLISHMENTS
from workbench.synth.formats.csv_export import write_csv
from workbench.synth.people import PeopleFactory

EST = DEMO_ESTABLISHMENTS[0]
AUTHORITY = "GCS test (pins)"


def _registry(path: Path) -> Registry:
    reg = Registry.init(path, AUTHORITY)
    reg.add_establishment(EST.finess, EST.name, hl7_facility_codes=[EST.hl7_facility], ipp_patterns=[EST.ipp_pattern])
    reg.save(Path(str(path) + ".key"))
    return reg


@pytest.fixture
def world(tmp_path):
    reg_path = tmp_path / "reg" / "registry.json"
    reg_path.parent.mkdir()
    registry = _registry(reg_path)
    canaries = mint(registry, EST.finess, count=3, target_format="csv", seed=5)
    registry.save(Path(str(reg_path) + ".key"))
    people = PeopleFactory(11)
    rows = [people.record(EST) for _ in range(120)] + [c.record for c in canaries]
    buf = io.BytesIO()
    write_csv(rows, buf, dialect="dpi")
    frame = pd.read_csv(io.BytesIO(buf.getvalue()), sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    ev = tmp_path / "leak"
    ev.mkdir()
    frame.drop(columns=[c for c in frame.columns if "FINESS" in c.upper()]).to_csv(
        ev / "export.csv", sep=";", index=False, encoding="cp1252")
    return {"registry": reg_path, "evidence": ev, "case": tmp_path / "case", "root": tmp_path}


def _scan(world, *extra, case=None) -> int:
    return main(["scan", str(world["evidence"]), "--case", str(case or world["case"]), "-q", "--jobs", "1", *extra])


def _attributed(case) -> dict:
    db = case_sql(case)
    try:
        return dict(db.execute("SELECT basis, COUNT(*) FROM records GROUP BY basis").fetchall())
    finally:
        db.close()


def _custody(case, action) -> list[dict]:
    db = sqlite3.connect(case / "case.sqlite")
    try:
        return [json.loads(r[0]) for r in db.execute("SELECT detail FROM custody WHERE action=? ORDER BY seq", (action,))]
    finally:
        db.close()


def _err(capsys) -> list[str]:
    return [x for x in capsys.readouterr().err.splitlines() if x.strip()]


def test_a_rescan_without_registry_keeps_the_case_registry_and_its_attribution(world, capsys):
    assert _scan(world, "--registry", str(world["registry"])) == 0
    first = _attributed(world["case"])
    assert set(first) == {"canary"} and first["canary"] > 120, first  # the canaries prove the whole table
    copy = world["case"] / "registry.json"
    assert copy.read_bytes() == world["registry"].read_bytes()
    adopted = _custody(world["case"], "registry-adopted")
    reg = Registry.load(world["registry"])
    assert len(adopted) == 1 and adopted[0]["key_id"] == reg.key_id and adopted[0]["sha256"] and \
        adopted[0]["tasks_redone"] == 0
    world["registry"].unlink()  # the original may be gone: the case has its copy
    assert _scan(world) == 0
    assert _attributed(world["case"]) == first
    assert main(["case", "verify", str(world["case"])]) == 0


def test_another_registry_is_an_explicit_choice_that_reattributes(world, capsys):
    assert _scan(world, "--registry", str(world["registry"])) == 0
    capsys.readouterr()
    newer = Registry.load(world["registry"])
    newer.add_establishment(DEMO_ESTABLISHMENTS[1].finess, DEMO_ESTABLISHMENTS[1].name)
    newer.save(Path(str(world["registry"]) + ".key"))  # same authority and key, new version: another file
    assert _scan(world, "--registry", str(world["registry"])) == 1
    err = _err(capsys)
    assert len(err) == 1 and "--replace-registry" in err[0] and "another registry" in err[0]
    assert _scan(world, "--registry", str(world["registry"]), "--replace-registry") == 0
    replaced = _custody(world["case"], "registry-replaced")
    assert len(replaced) == 1 and replaced[0]["version"] == newer.version and replaced[0]["tasks_redone"] >= 1
    assert replaced[0]["previous"]["sha256"] != replaced[0]["sha256"]
    assert set(_attributed(world["case"])) == {"canary"}
    assert main(["case", "verify", str(world["case"])]) == 0


def test_an_edited_registry_copy_is_refused_and_seen_by_verify(world, capsys):
    assert _scan(world, "--registry", str(world["registry"])) == 0
    copy = world["case"] / "registry.json"
    copy.write_bytes(copy.read_bytes().replace(b'"version":', b'"version": '))
    capsys.readouterr()
    assert _scan(world) == 1
    assert "changed since the case recorded it" in _err(capsys)[0]
    assert main(["case", "verify", str(world["case"])]) == 1
    assert "registry.json" in _err(capsys)[0]


def test_a_registry_resigned_by_another_key_is_refused_naming_both_keys(world, capsys):
    assert _scan(world, "--registry", str(world["registry"])) == 0
    genuine = Registry.load(world["registry"]).key_id
    pins = json.loads((Path(os.environ[CONFIG_ENV]) / PINS_FILE).read_text())
    assert pins["authorities"][AUTHORITY]["key_id"] == genuine
    impostor_path = world["root"] / "impostor.json"
    impostor = _registry(impostor_path)
    capsys.readouterr()
    # a new case: refused by the user's pin; no case is made
    assert _scan(world, "--registry", str(impostor_path), case=world["root"] / "case2") == 1
    err = _err(capsys)
    assert len(err) == 1 and format_fingerprint(genuine) in err[0] and format_fingerprint(impostor.key_id) in err[0]
    assert not (world["root"] / "case2" / "case.sqlite").exists()
    # the first case: refused by its own pin even when the user's settings are gone
    (Path(os.environ[CONFIG_ENV]) / PINS_FILE).unlink()
    assert _scan(world, "--registry", str(impostor_path), "--replace-registry") == 1
    err = _err(capsys)
    assert len(err) == 1 and "in this case" in err[0] and format_fingerprint(impostor.key_id) in err[0]
    # a wrong --trusted-key names both keys as well
    assert _scan(world, "--registry", str(impostor_path), "--trusted-key", genuine, case=world["root"] / "c3") == 1
    err = _err(capsys)
    assert len(err) == 1 and format_fingerprint(impostor.key_id) in err[0] and format_fingerprint(genuine) in err[0]


def test_trusted_key_accepts_a_new_key_and_replaces_the_pins(world, capsys):
    assert _scan(world, "--registry", str(world["registry"])) == 0
    rotated_path = world["root"] / "rotated.json"
    rotated = _registry(rotated_path)
    key_file = Path(str(rotated_path) + ".key")  # a key file, not a typed fingerprint
    assert _scan(world, "--registry", str(rotated_path), "--replace-registry", "--trusted-key", str(key_file)) == 0
    pins = json.loads((Path(os.environ[CONFIG_ENV]) / PINS_FILE).read_text())
    assert pins["authorities"][AUTHORITY] | {"pinned_utc": None} == {"key_id": rotated.key_id, "source": "trusted-key",
                                                                      "pinned_utc": None}
    pinned = [d for d in _custody(world["case"], "registry-key-pinned") if d["source"] == "trusted-key"]
    assert pinned and pinned[-1]["key_id"] == rotated.key_id
    # from now on the new key is the pinned one, without --trusted-key
    assert _scan(world, "--registry", str(rotated_path), case=world["root"] / "case4") == 0
