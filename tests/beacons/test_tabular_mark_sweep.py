"""Measured, not assumed: 100 keys x each attack, 1,000 unmarked tables, wrong keys, p-value calibration."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.beacons.test_tabular_mark_gen import make_patient_table
from workbench.beacons import mark_io
from workbench.beacons import tabular_mark as tm

pytestmark = pytest.mark.slow
CARRIERS = ["ADRESSE", "TELEPHONE", "DATE_ENTREE"]


def _key(*parts: object) -> bytes:
    return hashlib.sha256("/".join(map(str, parts)).encode()).digest()


def _attacks(marked: pd.DataFrame, pool: pd.DataFrame, rng: np.random.Generator, tmp: Path
             ) -> dict[str, pd.DataFrame | Path]:
    seed = int(rng.integers(1 << 31))
    cols = list(marked.columns)
    rng.shuffle(cols)
    others = [c for c in marked.columns if c not in CARRIERS]
    keep = [c for c in marked.columns if c in CARRIERS or c in set(rng.choice(others, len(others) // 2, False))]
    # conversion chain: CSV cp1252 -> MySQL dump -> XLSX (typed date-times) -> PostgreSQL COPY (utf-8)
    mark_io.write_csv(marked.sample(300, random_state=seed), tmp / "a.csv", encoding="cp1252")
    mark_io.write_sql(mark_io.read_csv(tmp / "a.csv"), tmp / "b.sql", dialect="mysql")
    mark_io.write_xlsx(mark_io.read_sql(tmp / "b.sql")["patients"], tmp / "c.xlsx", typed_datetimes=True)
    mark_io.write_sql(mark_io.read_xlsx(tmp / "c.xlsx")["Export"], tmp / "d.sql", dialect="postgresql")
    mixed = pd.concat([marked.sample(200, random_state=seed), pool.sample(3800, random_state=seed)])
    return {
        "subset-200": marked.sample(200, random_state=seed),
        "shuffled": marked.sample(frac=1.0, random_state=seed),
        "columns-renamed-reordered": marked[cols].rename(columns={c: f"c{i}" for i, c in enumerate(cols)}),
        "half-non-carriers-dropped": marked[keep],
        "300-rows-csv-sql-xlsx-copy-reencoded": tmp / "d.sql",
        "mixed-5%": mixed.sample(frac=1.0, random_state=seed),
    }


def test_hundred_keys_every_attack(tmp_path: Path) -> None:
    rng = np.random.default_rng(2024)
    pool = pd.concat([make_patient_table(1000, seed=900 + i, start_ipp=10**6 * (i + 1)) for i in range(6)])
    hits: dict[str, int] = {}
    wrong_detected = 0
    for i in range(100):
        finess, recipient = ["350005179", "290000017", "560008799"][i % 3], f"recipient-{i}"
        key = _key(finess, recipient)
        wrong = {"other-recipient": _key(finess, recipient + "x"), "other-est": _key("220000020", recipient)}
        marked = tm.embed_table(make_patient_table(500, seed=i), key)[0]
        for name, attacked in _attacks(marked, pool, rng, tmp_path).items():
            keys = {"right": key, **wrong}
            res = tm.detect_file(attacked, keys) if isinstance(attacked, Path) else tm.detect_table(attacked, keys)
            hits[name] = hits.get(name, 0) + res[0].detected
            wrong_detected += sum(r.detected for r in res[1:])
    print("detections per attack over 100 keys:", hits)
    assert all(n >= 99 for n in hits.values()), hits
    assert wrong_detected == 0


def test_thousand_unmarked_tables_are_calibrated() -> None:
    pool = pd.concat([make_patient_table(2000, seed=5000 + i, start_ipp=10**6 * i) for i in range(5)])
    rng = np.random.default_rng(7)
    pvals = []
    for i in range(1000):
        table = pool.sample(300, random_state=int(rng.integers(1 << 31)))
        if i % 2:  # half of them rewritten like marked ones, but with another key
            table = tm.embed_table(table, _key("foreign", i))[0]
        pvals.append(tm.detect_table(table, {"k": _key("null", i)})[0].p_value)
    p = np.array(pvals)
    assert p.min() > 1e-6
    below = (p < 0.01).mean()
    print(f"null tables: {below:.3%} below 0.01, {(p < 0.05).mean():.3%} below 0.05, min p {p.min():.2e}")
    assert 0.002 <= below <= 0.025
    assert 0.03 <= (p < 0.05).mean() <= 0.075
    assert stats.kstest(p, "uniform").statistic < 0.05


def test_thousand_wrong_keys_on_one_marked_table() -> None:
    marked = tm.embed_table(make_patient_table(1000, seed=77), _key("right"))[0]
    res = tm.detect_table(marked, {str(i): _key("wrong", i) for i in range(1000)})
    p = np.array([r.p_value for r in res])
    assert p.min() > 1e-6
    assert 0.002 <= (p < 0.01).mean() <= 0.025
    assert stats.kstest(p, "uniform").statistic < 0.05
