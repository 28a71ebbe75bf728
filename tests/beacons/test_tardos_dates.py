"""The Tardos accusation on carriers other than measurements: 2-3 recipients of one establishment merge their
copies of a 5,000-row table whose marked cells are only dates (a lab table marked without its measurements), or
dates with the invisible carriers (times, phones, addresses of a stays export). Dates cannot be averaged, so the
coalition picks each cell from one copy, or takes the majority of three. The accused set holds a colluder and
no innocent among 20 recipients."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest

from tests.beacons.test_tabular_mark_gen import make_lab_table, make_patient_table
from workbench.beacons import date_mark as dm
from workbench.beacons import tabular_mark as tm
from workbench.beacons import tardos

RECIPIENTS = 20
MEASURES = ["POIDS_KG", "TAILLE_CM", "CREATININE_UMOL_L", "GLYCEMIE_MMOL_L", "HEMOGLOBINE_G_DL", "PAS_MMHG"]


def _key(*parts: object) -> bytes:
    return hashlib.sha256("/".join(map(str, parts)).encode()).digest()


def _keys(est: str) -> dict[str, tm.MarkKey]:
    code = _key("code", est)
    return {f"{est}|r{i}": tm.MarkKey(code, _key("recipient", est, i)) for i in range(RECIPIENTS)}


KEYS = _keys("290000017")


def pick_cells(copies: list[pd.DataFrame], seed: int) -> pd.DataFrame:
    """Each cell (a whole date, phone, address...) taken from one colluder's copy at random."""
    stack = np.stack([c.to_numpy() for c in copies])
    pick = np.random.default_rng(seed).integers(0, len(copies), size=copies[0].shape)
    return pd.DataFrame(np.take_along_axis(stack, pick[None], 0)[0], columns=copies[0].columns)


def majority_cells(copies: list[pd.DataFrame], seed: int) -> pd.DataFrame:
    """Each cell: the text most copies show (of three; a three-way tie picks one at random)."""
    stack = np.stack([c.to_numpy() for c in copies])
    rng = np.random.default_rng(seed)
    agree = (stack[:, None] == stack[None, :]).sum(axis=1) + rng.random(stack.shape) * 1e-3
    return pd.DataFrame(np.take_along_axis(stack, agree.argmax(axis=0)[None], 0)[0], columns=copies[0].columns)


def _marked(src: pd.DataFrame, labels: list[str]) -> dict[str, pd.DataFrame]:
    return {r: tm.embed_table(src, KEYS[r], numeric=False, dates=dm.DEFAULT_POLICY)[0] for r in labels}


@pytest.fixture(scope="module")
def lab_source() -> pd.DataFrame:
    return make_lab_table(5000, seed=51).drop(columns=MEASURES)


@pytest.fixture(scope="module")
def lab_dates(lab_source: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Copies of a 5,000-row lab table whose only marked cells are its sample dates (measurements removed)."""
    return _marked(lab_source, list(KEYS)[:3])


@pytest.fixture(scope="module")
def stays() -> dict[str, pd.DataFrame]:
    """Copies of a 5,000-row stays export marked in its dates and invisible carriers only (no measurement)."""
    src = make_patient_table(5000, seed=52).drop(columns=["POIDS_KG", "CREATININE_UMOL_L"])
    return _marked(src, list(KEYS)[:3])


def _accuse(table: pd.DataFrame) -> tardos.Accusation:
    collector = tm.UnitCollector()
    collector.add_table(table)
    return collector.accuse(KEYS)


def _check(acc: tardos.Accusation, coalition: list[str]) -> None:
    accused = {r.label for r in acc.accused}
    assert accused & set(coalition), (coalition, acc.threshold)
    assert not accused - set(coalition)  # no innocent among the 20 recipients
    for r in acc.accused:
        assert r.log10_bound <= math.log10(tardos.EPSILON)
    assert max(r.score for r in acc.results if r.label not in coalition) < acc.threshold


def test_the_cells_are_dates_only(lab_dates: dict[str, pd.DataFrame]) -> None:
    copies = list(lab_dates.values())
    assert (copies[0]["DATE_PRELEVEMENT"] != copies[1]["DATE_PRELEVEMENT"]).mean() > 0.3
    assert (copies[0]["DATE_NAISSANCE"] == copies[1]["DATE_NAISSANCE"]).all()
    collector = tm.UnitCollector()
    collector.add_table(copies[0])
    votes = collector.votes()
    assert {kind for kind, _, _ in votes} == {tm.KIND_DATE} and len(votes) > 4900


@pytest.mark.parametrize("c", [2, 3])
def test_dates_picked_among_copies(lab_dates: dict[str, pd.DataFrame], c: int) -> None:
    coalition = list(lab_dates)[:c]
    acc = _accuse(pick_cells([lab_dates[r] for r in coalition], seed=c))
    assert acc.cells > 4900
    _check(acc, coalition)


def test_dates_majority_of_three(lab_dates: dict[str, pd.DataFrame]) -> None:
    coalition = list(lab_dates)
    _check(_accuse(majority_cells([lab_dates[r] for r in coalition], seed=9)), coalition)


@pytest.mark.parametrize("c", [2, 3])
def test_dates_and_invisible_carriers_picked_among_copies(stays: dict[str, pd.DataFrame], c: int) -> None:
    coalition = list(stays)[:c]
    merged = pick_cells([stays[r] for r in coalition], seed=10 + c)
    collector = tm.UnitCollector()
    collector.add_table(merged)
    kinds = {kind for kind, _, _ in collector.votes()}
    assert kinds == {tm.KIND_DATE, tm.KIND_TS, tm.KIND_PHONE, tm.KIND_ADDR}
    acc = collector.accuse(KEYS)
    assert acc.cells > 20_000
    _check(acc, coalition)


def test_unmarked_and_single_copies(lab_source: pd.DataFrame, lab_dates: dict[str, pd.DataFrame]) -> None:
    assert not _accuse(lab_source).accused  # the unmarked source accuses nobody
    first = list(lab_dates)[0]
    assert {r.label for r in _accuse(lab_dates[first]).accused} == {first}
