"""The symmetric Tardos code over table marks: coalitions of 2-4 recipients who interleave, average or vote
are traced, innocents never, and the threshold's Chernoff bound holds on innocents' scores."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest

from tests.beacons.test_tabular_mark_gen import make_lab_table
from workbench.beacons import mark_accusation as ma
from workbench.beacons import tabular_mark as tm
from workbench.beacons import tardos

MEASURES = ["POIDS_KG", "TAILLE_CM", "CREATININE_UMOL_L", "GLYCEMIE_MMOL_L", "HEMOGLOBINE_G_DL", "PAS_MMHG"]
RECIPIENTS = 20


def _key(*parts: object) -> bytes:
    return hashlib.sha256("/".join(map(str, parts)).encode()).digest()


def _keys(est: str, n: int = RECIPIENTS) -> dict[str, tm.MarkKey]:
    code = _key("code", est)
    return {f"{est}|r{i}": tm.MarkKey(code, _key("recipient", est, i)) for i in range(n)}


KEYS = _keys("350005179")


def _values(col: pd.Series) -> np.ndarray:
    return col.str.replace(",", ".", regex=False).astype(float).to_numpy()


def _display(values: np.ndarray, like: pd.Series) -> list[str]:
    decimals = 1 if "," in like.iloc[0] else 0
    return [f"{v:.{decimals}f}".replace(".", ",") for v in values]


def interleave(src: pd.DataFrame, copies: list[pd.DataFrame], seed: int) -> pd.DataFrame:
    """Each cell taken from one colluder's copy at random."""
    stack = np.stack([c.to_numpy() for c in copies])
    pick = np.random.default_rng(seed).integers(0, len(copies), size=src.shape)
    return pd.DataFrame(np.take_along_axis(stack, pick[None], 0)[0], columns=src.columns)


def average(src: pd.DataFrame, copies: list[pd.DataFrame], seed: int) -> pd.DataFrame:
    """Every measurement averaged over the copies and written back at its displayed precision."""
    out = src.copy()
    for col in MEASURES:
        out[col] = _display(np.mean([_values(c[col]) for c in copies], axis=0), src[col])
    return out


def majority(src: pd.DataFrame, copies: list[pd.DataFrame], seed: int) -> pd.DataFrame:
    """Every measurement: the value most copies show (ties broken at random)."""
    rng = np.random.default_rng(seed)
    out = src.copy()
    for col in MEASURES:
        v = np.array([_values(c[col]) for c in copies])
        jitter = rng.random(v.shape) * 1e-3  # random tie-break among equally frequent values
        counts = (v[:, None, :] == v[None, :, :]).sum(axis=1) + jitter
        out[col] = _display(v[counts.argmax(axis=0), np.arange(v.shape[1])], src[col])
    return out


ATTACKS = {"interleave": interleave, "average": average, "majority": majority}


@pytest.fixture(scope="module")
def lab() -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    src = make_lab_table(5000, seed=15)
    labels = list(KEYS)[:4]
    return src, {label: tm.embed_table(src, KEYS[label], numeric=True)[0] for label in labels}


def _accuse(table: pd.DataFrame, keys: dict[str, tm.MarkKey]) -> tardos.Accusation:
    collector = tm.UnitCollector()
    collector.add_table(table)
    return collector.accuse(keys)


def test_bias_is_exactly_symmetric_and_in_range() -> None:
    rng = np.random.default_rng(0)
    values = [int(v) for v in rng.integers(0, 2**63, 20_000, dtype=np.int64)]
    for v in values[:2000]:  # p and 1 - p are drawn by the top bit, exactly, as integers
        assert tardos.bias(v) + tardos.bias(v | (1 << 63)) == 1 << 64
    p = tardos.probabilities([tardos.bias(v | (int(b) << 63)) for v, b in zip(values, rng.integers(0, 2, 20_000),
                                                                                     strict=True)])
    assert p.min() >= tardos.CUTOFF * 0.999 and p.max() <= 1 - tardos.CUTOFF * 0.999
    assert abs(p.mean() - 0.5) < 0.01
    # Tardos' density 1/sqrt(p(1-p)): P(p < 0.1) = (2/pi) asin(sqrt 0.1) ~ 0.205 (before the cutoff)
    assert 0.17 < (p < 0.1).mean() < 0.22


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_coalitions_of_two_to_four_are_traced(lab: tuple, attack: str) -> None:
    src, copies = lab
    labels = list(copies)
    for c in (2, 3, 4):
        coalition = labels[:c]
        merged = ATTACKS[attack](src, [copies[r] for r in coalition], seed=c)
        acc = _accuse(merged, KEYS)
        accused = {r.label for r in acc.accused}
        assert accused & set(coalition), (attack, c, acc.threshold)
        assert not accused - set(coalition), (attack, c)  # no innocent among the 20 recipients
        assert acc.cells > 25_000 and acc.recipients == RECIPIENTS
        for r in acc.accused:  # each accusation's own bound is below the error bound
            assert r.log10_bound <= math.log10(tardos.EPSILON)
        innocent = max(r.score for r in acc.results if r.label not in coalition)
        assert innocent < acc.threshold


def test_erased_cells_are_skipped(lab: tuple) -> None:
    src, copies = lab
    merged = interleave(src, [copies[r] for r in list(copies)[:3]], seed=7)
    rng = np.random.default_rng(7)
    for col in MEASURES:  # a third of the measurements blanked or made unreadable
        mask = rng.random(len(merged)) < 0.33
        merged.loc[mask, col] = np.where(rng.random(mask.sum()) < 0.5, "", "n.d.")
    acc = _accuse(merged, KEYS)
    assert 15_000 < acc.cells < 25_000
    accused = {r.label for r in acc.accused}
    assert accused and accused <= set(list(copies)[:3])


def test_wrong_establishment_and_unmarked_tables_accuse_nobody(lab: tuple) -> None:
    src, copies = lab
    merged = average(src, [copies[r] for r in list(copies)[:2]], seed=1)
    other = _keys("290000017", 5)  # another establishment's recipients: another code key
    assert not _accuse(merged, other).accused
    assert not _accuse(src, KEYS).accused  # the unmarked source table
    collector = tm.UnitCollector()
    collector.add_table(merged)
    found = ma.verdicts(collector, {**KEYS, **other})
    assert [v.establishment for v in found if v.detected] == ["350005179"]
    (mine,) = [v for v in found if v.detected]
    assert {r.label for r in mine.accusation.accused} <= set(list(copies)[:2]) and mine.accusation.accused
    with pytest.raises(ValueError):
        collector.accuse({**KEYS, **other})


def test_threshold_bounds_innocent_scores() -> None:
    """The Chernoff bound against the scores of 100,000 innocent codewords drawn exactly as the code draws them,
    on a leaked copy built by a coalition: the observed tail never exceeds the bound, and the threshold is below
    Bernstein's for the same cells (mean 0, variance m, |g| <= sqrt((1-t)/t))."""
    rng = np.random.default_rng(3)
    m = 3000
    raw = zip(rng.integers(0, 2**63, m, dtype=np.int64).tolist(), rng.integers(0, 2, m).tolist(), strict=True)
    p = tardos.probabilities([tardos.bias(v | (b << 63)) for v, b in raw])
    colluders = (rng.random((3, m)) < p).astype(np.int8)
    y = (colluders.sum(axis=0) >= 2).astype(np.int8)  # majority of three
    bound = tardos.InnocentBound(y, p)
    scores = np.concatenate([tardos.scores(y, p, (rng.random((2_000, m)) < p).astype(np.int8))
                             for _ in range(50)])
    assert abs(scores.mean()) < 0.02 * math.sqrt(m) and abs(scores.var() / m - 1) < 0.03  # mean 0, variance m
    for s in np.quantile(scores, [0.9, 0.99, 0.999, 0.9999]):
        assert (scores >= s).mean() <= math.exp(bound.log_tail(float(s)))
    for eps in (1e-2, 1e-3, 1e-4):
        z = bound.threshold(math.log(1 / eps))
        assert (scores >= z).mean() <= eps
        g = math.sqrt((1 - tardos.CUTOFF) / tardos.CUTOFF)
        lg = math.log(1 / eps)
        bernstein = lg * g / 3 + math.sqrt((lg * g / 3) ** 2 + 2 * lg * m)
        assert z < bernstein
    assert scores.max() < bound.threshold(math.log(1 / 1e-6))


def test_innocents_on_random_tables_stay_below_threshold() -> None:
    """40 establishments (fresh code keys) x 10 recipients on one unmarked lab table and on one marked by a
    third establishment: nobody accused, and the highest innocent score stays well below its threshold."""
    plain = make_lab_table(800, seed=77)
    foreign = tm.embed_table(plain, _keys("foreign", 1)["foreign|r0"], numeric=True)[0]
    worst = 0.0
    for table in (plain, foreign):
        collector = tm.UnitCollector()
        collector.add_table(table)
        for e in range(20):
            acc = collector.accuse(_keys(f"random-{e}", 10))
            assert not acc.accused
            worst = max(worst, max(r.score for r in acc.results) / acc.threshold)
    assert worst < 0.8
