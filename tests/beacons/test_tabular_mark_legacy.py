"""Tables marked by the first table scheme (``balise-table/1``, before the Tardos code) are still found and still
name their recipient. The fixture was marked by the code of that commit (tests/fixtures/watermark_v1/README.md),
not by a re-creation of it here."""

from __future__ import annotations

import argparse
import hashlib
import math
from pathlib import Path

import pandas as pd
import pytest

from tests.beacons.test_tabular_mark_gen import make_patient_table
from workbench.beacons import mark_accusation as ma
from workbench.beacons import mark_io
from workbench.beacons import tabular_mark as tm
from workbench.beacons.registry import Registry

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "watermark_v1"
FINESS, RECIPIENT = "350005179", "labo-recherche"


@pytest.fixture()
def keys() -> dict[str, tm.MarkKey]:
    reg = Registry.load(FIXTURE / "registre.json")
    out = {f"{FINESS}|": reg.table_mark_key(FINESS)}
    for recipient in reg.establishment(FINESS).recipients:
        out[f"{FINESS}|{recipient}"] = reg.table_mark_key(FINESS, recipient)
    return out


def _by_label(results: list[tm.TableMarkResult]) -> dict[str, tm.TableMarkResult]:
    return {r.label: r for r in results}


def test_previous_scheme_is_found(keys: dict[str, tm.MarkKey]) -> None:
    found = _by_label(mark_io.detect_file(FIXTURE / "sejours_v1.csv", keys))
    mine, other = found[f"{FINESS}|{RECIPIENT}"], found[f"{FINESS}|"]
    assert mine.own_log10_p > -3  # the current scheme sees nothing (the regression this guards against)...
    assert mine.detected and mine.decisive is mine.legacy and mine.decisive.scheme == tm.LEGACY_SCHEME
    assert mine.combined_log10_p < -100  # ...the previous scheme's symbols match every unit
    old = mine.legacy
    assert old.matches == old.votes > 1000 and old.num_matches > 0.95 * old.num_votes
    assert not other.detected  # the establishment's own key did not mark this copy


def test_previous_scheme_accuses_its_recipient(keys: dict[str, tm.MarkKey]) -> None:
    collector = mark_io.collect_file(FIXTURE / "sejours_v1.csv")
    (verdict,) = ma.verdicts(collector, keys)
    assert verdict.detected and verdict.scheme == tm.LEGACY_SCHEME
    acc = verdict.accusation
    assert [r.label for r in acc.accused] == [f"{FINESS}|{RECIPIENT}"]
    (r,) = acc.accused
    assert r.log10_bound < math.log10(acc.epsilon) and r.score >= acc.threshold


def test_previous_scheme_after_attacks(tmp_path: Path, keys: dict[str, tm.MarkKey]) -> None:
    marked = mark_io.read_csv(FIXTURE / "sejours_v1.csv")
    label = f"{FINESS}|{RECIPIENT}"
    xlsx = tmp_path / "leak.xlsx"
    mark_io.write_xlsx(marked.sample(200, random_state=3), xlsx, typed_datetimes=True)
    attacks = {"subset-sorted": marked.sample(120, random_state=1).sort_values("NOM"),
               "renamed": marked.set_axis([f"c{i}" for i in range(marked.shape[1])], axis=1),
               "xlsx": mark_io.read_xlsx(xlsx)["Export"]}
    for name, table in attacks.items():
        found = _by_label(tm.detect_table(table, keys))
        assert found[label].detected and found[label].decisive.scheme == tm.LEGACY_SCHEME, name
        assert not found[f"{FINESS}|"].detected, name


def test_previous_scheme_never_fires_by_chance() -> None:
    """The unmarked source of the fixture and tables marked today with other keys: no key detected under
    either scheme (each scheme has its share of the 1e-6 budget)."""
    src = make_patient_table(400, seed=2024)  # the fixture's unmarked source, as its README says
    assert (mark_io.read_csv(FIXTURE / "sejours_v1.csv")["NIR"] == src["NIR"]).all()
    keys = {str(i): hashlib.sha256(f"legacy-null/{i}".encode()).digest() for i in range(20)}
    marked_now = tm.embed_table(src, hashlib.sha256(b"another").digest(), numeric=True)[0]
    for table in (src, marked_now):
        for r in tm.detect_table(table, keys):
            assert not r.detected and r.legacy is not None and r.legacy.combined_log10_p > -4


def test_detect_cli_says_which_scheme(capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli import watermark

    parser = argparse.ArgumentParser(prog="balise")
    watermark.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["watermark", "detect", str(FIXTURE / "sejours_v1.csv"), "--registry",
                              str(FIXTURE / "registre.json")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert f"mark of the previous scheme {tm.LEGACY_SCHEME}" in out and f"accused '{RECIPIENT}'" in out
    (line,) = [ln for ln in out.splitlines() if ln.endswith(" DETECTED")]
    assert f"recipient={RECIPIENT}" in line and tm.LEGACY_SCHEME in line


def test_current_marks_keep_the_current_scheme() -> None:
    key = hashlib.sha256(b"now").digest()
    table = tm.embed_table(make_patient_table(300, seed=5), key, numeric=True)[0]
    (r,) = tm.detect_table(pd.DataFrame(table), {"k": key})
    assert r.detected and r.legacy is None and r.decisive.scheme == tm.SCHEME
