"""Numeric carriers: the lab-results table is marked, within its distortion budget, found in 2 % mixtures,
after every attack, and never with a wrong key or on an unmarked table."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.beacons.test_tabular_mark_gen import LAB_HEADER, make_lab_table, make_patient_table
from workbench.beacons import mark_io
from workbench.beacons import numeric_mark as nm
from workbench.beacons import tabular_mark as tm

MEASURES = ["POIDS_KG", "TAILLE_CM", "CREATININE_UMOL_L", "GLYCEMIE_MMOL_L", "HEMOGLOBINE_G_DL", "PAS_MMHG"]
IDENTITY = ["IPP", "NOM", "PRENOM", "DATE_NAISSANCE", "VILLE", "DATE_PRELEVEMENT"]


def _key(*parts: object) -> bytes:
    return hashlib.sha256("/".join(map(str, parts)).encode()).digest()


KEY, WRONG = _key("CHU Rennes", "labo"), _key("CHU Rennes", "recherche")


@pytest.fixture(scope="module")
def lab() -> pd.DataFrame:
    return make_lab_table(2000, seed=3)


@pytest.fixture(scope="module")
def marked_lab(lab: pd.DataFrame) -> tuple[pd.DataFrame, tm.Distortion]:
    return tm.embed_table(lab, KEY, numeric=True)


def _values(col: pd.Series) -> np.ndarray:
    return col.str.replace(",", ".", regex=False).astype(float).to_numpy()


def _found(df: pd.DataFrame | Path) -> tuple[tm.TableMarkResult, tm.TableMarkResult]:
    keys = {"right": KEY, "wrong": WRONG}
    right, wrong = tm.detect_file(df, keys) if isinstance(df, Path) else tm.detect_table(df, keys)
    return right, wrong


def test_measurements_found_by_content_not_header(lab: pd.DataFrame) -> None:
    assert tm.plan_table(lab) == {}  # no invisible carrier: today's "no column can carry the mark"
    plans = tm.plan_table(lab, numeric=True)
    assert sorted(plans) == sorted(MEASURES)
    assert plans["TAILLE_CM"].numeric.decimals == 0 and plans["GLYCEMIE_MMOL_L"].numeric.decimals == 1
    renamed = lab.rename(columns={c: f"x{i}" for i, c in enumerate(lab.columns)})
    assert len(tm.plan_table(renamed, numeric=True)) == 6
    # never: years of birth, sex codes, postcodes, row numbers, codes with leading zeros
    other = pd.DataFrame({"annee": lab["DATE_NAISSANCE"].str[-4:], "sexe": ["1", "2"] * 1000,
                          "cp": ["35000", "29200"] * 1000, "rang": [str(i) for i in range(2000)],
                          "code": [f"0{i % 90 + 10}" for i in range(2000)]})
    assert tm.plan_table(other, numeric=True) == {}


def test_distortion_budget(lab: pd.DataFrame, marked_lab: tuple[pd.DataFrame, tm.Distortion]) -> None:
    marked, dist = marked_lab
    assert marked[IDENTITY].equals(lab[IDENTITY])  # birth dates, names, IPP untouched
    plans = tm.plan_table(lab, numeric=True)
    for col in MEASURES:
        before, after = _values(lab[col]), _values(marked[col])
        d = plans[col].numeric.decimals
        unit = 10.0**-d
        moved = np.abs(after - before)
        assert moved.max() <= unit * 1.0001, col
        assert 0.3 < (moved > unit / 2).mean() < 0.6, col  # about half the cells carry by moving
        n0, n1 = np.round(before * 10**d).astype(int), np.round(after * 10**d).astype(int)
        assert (n0 // 10 == n1 // 10).all(), col  # no carry: 9 -> 10 never happens
        for t in plans[col].numeric.thresholds:  # never across (or onto, or off) a clinical threshold
            assert ((n0 < t) == (n1 < t)).all() and ((n0 > t) == (n1 > t)).all(), (col, t)
        assert abs(after.mean() / before.mean() - 1) < 1e-3, col
        assert abs(after.std() / before.std() - 1) < 1e-3, col
        assert marked[col].str.match(r"^\d+$" if d == 0 else r"^\d+,\d$").all(), col  # same display
        assert abs(dist.columns[col].mean_change) < 1e-3 and abs(dist.columns[col].std_change) < 1e-3
    # glucose 7.0 mmol/L is a default threshold: 6.9 and 7.0 never move to the other side
    g0, g1 = _values(lab["GLYCEMIE_MMOL_L"]), _values(marked["GLYCEMIE_MMOL_L"])
    assert ((g0 < 7.0) == (g1 < 7.0)).all() and (g1[np.isclose(g0, 7.0)] == 7.0).all()
    assert "mean" in "\n".join(dist.lines())


def test_lab_csv_is_marked_and_found(tmp_path: Path, lab: pd.DataFrame) -> None:
    src, dst = tmp_path / "resultats.csv", tmp_path / "resultats_labo.csv"
    mark_io.write_csv(lab, src, encoding="cp1252", delimiter=";")
    dist = tm.embed_file(src, dst, KEY)  # by default the sample date carries too (never the birth date)
    assert sorted(dist.columns) == sorted([*MEASURES, "DATE_PRELEVEMENT"]) and dist.cells_changed > 4000
    raw = dst.read_bytes().decode("cp1252")
    assert raw.splitlines()[0] == ";".join(LAB_HEADER)
    back = mark_io.read_csv(dst)
    assert back[IDENTITY[:-1]].equals(lab[IDENTITY[:-1]])
    right, wrong = _found(dst)
    assert right.detected and right.num_log10_p < -100 and right.votes == 0 and right.date_votes > 1900
    assert not wrong.detected
    with pytest.raises(tm.NoCarrierError):
        tm.embed_file(src, tmp_path / "x.csv", KEY, numeric=False, dates=None)


def test_unmarked_tables_and_wrong_keys_are_never_detected(marked_lab: tuple[pd.DataFrame, tm.Distortion]
                                                            ) -> None:
    pool = make_lab_table(4000, seed=40, start_ipp=10**7)
    rng = np.random.default_rng(1)
    worst = 0.0
    for i in range(80):
        table = pool.sample(300, random_state=int(rng.integers(1 << 31)))
        if i % 2:  # rewritten like a marked table, with a foreign key
            table = tm.embed_table(table, _key("foreign", i), numeric=True)[0]
        (res,) = tm.detect_table(table, {"k": _key("null", i)})
        assert not res.detected
        worst = min(worst, res.combined_log10_p)
    assert worst > -5
    results = tm.detect_table(marked_lab[0].head(500), {str(i): _key("wrong", i) for i in range(200)})
    assert not any(r.detected for r in results)
    row_p = np.array([10**r.row_log10_p for r in results])
    assert (row_p < 0.05).mean() <= 0.1  # the grouped statistic is not anti-conservative


def test_row_grouped_null_is_exact() -> None:
    groups = {2: 300, 4: 500, 6: 200}
    pmf = nm.poisson_binomial_pmf(groups)
    assert pmf.sum() == pytest.approx(1.0) and (pmf * np.arange(len(pmf))).sum() == pytest.approx(
        300 / 4 + 500 / 16 + 200 / 64)
    rng = np.random.default_rng(0)
    draws = sum(rng.binomial(n, 2.0**-s, 300_000) for s, n in groups.items())
    for c in (120, 140, 150):
        assert np.exp(nm.pmf_log_sf(pmf, c)) == pytest.approx((draws >= c).mean(), abs=0.003)


def _mixture(pool_collector: tm.UnitCollector, i: int, rows: int) -> tm.TableMarkResult:
    key = _key("mixture", i)
    marked = tm.embed_table(make_lab_table(rows, seed=700 + i), key, numeric=True)[0]
    mine = tm.UnitCollector()
    mine.add_table(marked)
    right, wrong = pool_collector.merged(mine).test({"right": key, "wrong": _key("mixture-wrong", i)})
    assert not wrong.detected
    return right


@pytest.fixture(scope="module")
def pool_collector() -> tm.UnitCollector:
    collector = tm.UnitCollector()
    collector.add_table(make_lab_table(10_000, seed=41, start_ipp=10**7))
    return collector


def test_two_percent_mixture(pool_collector: tm.UnitCollector) -> None:
    for i in range(3):
        res = _mixture(pool_collector, i, 200)
        assert res.detected and res.row_log10_p < -8, res


@pytest.mark.slow
def test_two_percent_mixture_fifty_keys(pool_collector: tm.UnitCollector) -> None:
    found = [_mixture(pool_collector, 100 + i, 200) for i in range(50)]
    rate = np.mean([r.detected for r in found])
    print(f"2 % mixture: {rate:.0%} of 50 keys, worst log10 p {max(r.combined_log10_p for r in found):.1f}")
    assert rate >= 0.95


def _attacks_lab(marked: pd.DataFrame) -> dict[str, pd.DataFrame]:
    rounded = marked.copy()
    rounded["GLYCEMIE_MMOL_L"] = _values(marked["GLYCEMIE_MMOL_L"]).round().astype(int).astype(str)
    converted = marked.copy()  # creatinine in mg/dL instead of umol/L
    converted["CREATININE_UMOL_L"] = [f"{v / 88.4:.2f}" for v in _values(marked["CREATININE_UMOL_L"])]
    cols = list(marked.columns)[::-1]
    return {
        "rounded-one-column": rounded,
        "unit-converted": converted,
        "measure-dropped": marked.drop(columns=["POIDS_KG"]),
        "name-dropped": marked.drop(columns=["PRENOM"]),
        "sorted": marked.sort_values(["NOM", "GLYCEMIE_MMOL_L"]),
        "subset-150": marked.sample(150, random_state=1),
        "renamed-reordered": marked[cols].rename(columns={c: f"champ{i}" for i, c in enumerate(cols)}),
    }


def test_lab_attacks(marked_lab: tuple[pd.DataFrame, tm.Distortion]) -> None:
    for name, attacked in _attacks_lab(marked_lab[0]).items():
        right, wrong = _found(attacked)
        assert right.detected, name
        assert not wrong.detected, name


def test_numeric_mark_alone_proves_origin_after_invisible_carriers_are_scrubbed() -> None:
    marked = tm.embed_table(make_patient_table(1000, seed=8), KEY, numeric=True)[0]
    scrubbed = marked.copy()
    scrubbed["TELEPHONE"] = scrubbed["TELEPHONE"].str.replace(r"\D", "", regex=True).str.replace(
        r"^33", "0", regex=True)  # every phone re-spelled the same way
    scrubbed["DATE_ENTREE"] = scrubbed["DATE_ENTREE"].str.replace(r":\d{2}$", ":00", regex=True)
    scrubbed["ADRESSE"] = scrubbed["ADRESSE"].str.replace(",", "", regex=False)
    right, wrong = _found(scrubbed)
    assert right.log10_p > -6  # the invisible carriers are gone...
    assert right.detected and right.num_log10_p < -50  # ...the measurements still prove the origin
    assert not wrong.detected


def test_round_trip_csv_sql_xlsx(tmp_path: Path, lab: pd.DataFrame) -> None:
    src, dst = tmp_path / "lab.csv", tmp_path / "lab_marked.csv"
    mark_io.write_csv(lab.head(600), src, encoding="cp1252", delimiter=";")
    tm.embed_file(src, dst, KEY)
    mark_io.write_sql(mark_io.read_csv(dst), tmp_path / "lab.sql", dialect="mysql")
    mark_io.write_xlsx(mark_io.read_sql(tmp_path / "lab.sql")["patients"], tmp_path / "lab.xlsx")
    mark_io.write_sql(mark_io.read_xlsx(tmp_path / "lab.xlsx")["Export"], tmp_path / "pg.sql",
                      dialect="postgresql")
    for path in (dst, tmp_path / "lab.sql", tmp_path / "lab.xlsx", tmp_path / "pg.sql"):
        right, wrong = _found(path)
        assert right.detected and not wrong.detected, path.name


def test_xlsx_numbers_stay_numbers(tmp_path: Path, lab: pd.DataFrame) -> None:
    import openpyxl

    src, dst = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(LAB_HEADER)
    for row in lab.head(400).itertuples(index=False):
        ws.append([c if i < 6 else (int(c) if c.isdigit() else float(c.replace(",", ".")))
                   for i, c in enumerate(row)])
    for cell in ws["J"][1:]:
        cell.number_format = "0.0"
    wb.save(src)
    dist = tm.embed_file(src, dst, KEY)
    assert any(name.endswith("GLYCEMIE_MMOL_L") for name in dist.columns)
    out = openpyxl.load_workbook(dst).active
    assert all(isinstance(out.cell(row=r, column=8).value, int) for r in range(2, 402))
    assert all(isinstance(out.cell(row=r, column=10).value, (int, float)) for r in range(2, 402))
    assert any(isinstance(out.cell(row=r, column=10).value, float) for r in range(2, 402))
    assert out.cell(row=2, column=10).number_format == "0.0"
    right, wrong = _found(dst)
    assert right.detected and not wrong.detected


def test_sql_dump_numbers_marked_in_place(tmp_path: Path, lab: pd.DataFrame) -> None:
    src, dst = tmp_path / "in.sql", tmp_path / "out.sql"
    mark_io.write_sql(lab.head(400), src, dialect="postgresql")
    dist = tm.embed_file(src, dst, KEY)
    assert dist.cells_changed > 500
    before, after = src.read_text().splitlines(), dst.read_text().splitlines()
    assert len(before) == len(after)
    assert all(a == b for a, b in zip(before, after, strict=True) if not re.match(r"^\d{8}\t", a))
    right, wrong = _found(dst)
    assert right.detected and not wrong.detected


@pytest.fixture(scope="module")
def recipients_copies() -> tuple[pd.DataFrame, dict[str, bytes], dict[str, pd.DataFrame]]:
    src = make_lab_table(5000, seed=9)
    keys = {f"recipient-{i}": _key("collusion", i) for i in range(8)}
    copies = {r: tm.embed_table(src, keys[r], numeric=True)[0] for r in list(keys)[:3]}
    return src, keys, copies


def test_colluders_picking_cells_are_all_accused(recipients_copies: tuple) -> None:
    src, keys, copies = recipients_copies
    coalition = list(copies)[:2]
    stack = np.stack([copies[r].to_numpy() for r in coalition])
    pick = np.random.default_rng(0).integers(0, len(coalition), size=src.shape)  # each cell from one copy
    merged = pd.DataFrame(np.take_along_axis(stack, pick[None], 0)[0], columns=src.columns)
    accused = {r.label for r in tm.accused(tm.detect_table(merged, keys))}
    assert accused == set(coalition)


def test_colluders_averaging_values_are_all_accused(recipients_copies: tuple) -> None:
    src, keys, copies = recipients_copies
    averaged = src.copy()
    for col in MEASURES:
        mean = np.mean([_values(copies[r][col]) for r in copies], axis=0)
        decimals = 1 if "," in src[col].iloc[0] else 0
        averaged[col] = [f"{v:.{decimals}f}".replace(".", ",") for v in mean]  # back to the display
    accused = {r.label for r in tm.accused(tm.detect_table(averaged, keys))}
    assert accused == set(copies)


@pytest.mark.slow
def test_thousand_unmarked_lab_tables() -> None:
    """1,000 unmarked (or foreign-marked) lab tables against a fresh key each: never detected, and the
    numeric per-unit p-values are not anti-conservative."""
    pool = make_lab_table(5000, seed=42, start_ipp=2 * 10**7)
    rng = np.random.default_rng(11)
    unit_p, worst = [], 0.0
    for i in range(1000):
        table = pool.sample(200, random_state=int(rng.integers(1 << 31)))
        if i % 2:
            table = tm.embed_table(table, _key("foreign-lab", i), numeric=True)[0]
        (res,) = tm.detect_table(table, {"k": _key("null-lab", i)})
        assert not res.detected
        worst = min(worst, res.combined_log10_p)
        unit_p.append(10**res.num_log10_p)
    p = np.array(unit_p)
    print(f"1,000 unmarked lab tables: worst log10 p {worst:.2f}, {(p < 0.01).mean():.2%} below 0.01")
    assert (p < 0.01).mean() <= 0.02 and (p < 0.05).mean() <= 0.08


def test_mysqldump_with_unquoted_numbers(tmp_path: Path, lab: pd.DataFrame) -> None:
    """mysqldump writes DECIMAL and INT columns unquoted: they are read, marked and written back unquoted."""
    src, dst = tmp_path / "labo.sql", tmp_path / "labo_marked.sql"
    lines = ["-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)", "/*!40101 SET NAMES utf8mb4 */;",
             "CREATE TABLE `resultats` (`ipp` varchar(8), `nom` varchar(64), `prenom` varchar(64), "
             "`naissance` date, `ville` varchar(64), `prelevement` date, `poids` decimal(4,1), `taille` int, "
             "`creat` int, `gly` decimal(3,1), `hb` decimal(3,1), `pas` int) ENGINE=InnoDB;"]
    values = []
    for row in lab.head(500).itertuples(index=False):
        text = [f"'{v}'" for v in row[:6]] + [v.replace(",", ".") for v in row[6:]]
        values.append("(" + ",".join(text) + ")")
    for k in range(0, len(values), 100):
        lines.append("INSERT INTO `resultats` VALUES " + ",".join(values[k : k + 100]) + ";")
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dist = tm.embed_file(src, dst, KEY)
    # six measurements and the sample date (`prelevement`); never the birth date (`naissance`)
    assert len(dist.columns) == 7 and dist.cells_changed > 1000
    assert dist.columns["resultats.c6"].kind == "date" and "resultats.c4" not in dist.columns
    out = dst.read_text(encoding="utf-8")
    assert re.search(r",\d+\.\d,\d+,\d+,\d+\.\d,\d+\.\d,\d+\)", out) and "'72" not in out
    (frame,) = mark_io.read_sql(dst).values()
    assert frame.shape == (500, 12)
    right, wrong = _found(dst)
    assert right.detected and right.num_log10_p < -100 and not wrong.detected
