"""Table watermark: distortion, attacks, keys per establishment and recipient, honest p-values, file formats."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.beacons.test_tabular_mark_gen import make_patient_table
from workbench.beacons import mark_io
from workbench.beacons import tabular_mark as tm

CARRIERS = ["ADRESSE", "TELEPHONE", "DATE_ENTREE"]


def key_for(finess: str, recipient: str = "") -> bytes:
    return hashlib.sha256(f"test-key/{finess}/{recipient}".encode()).digest()


KEY = key_for("350005179", "CHU Rennes -> labo Biorance")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return make_patient_table(1000, seed=11)


@pytest.fixture(scope="module")
def marked(table: pd.DataFrame) -> pd.DataFrame:
    return tm.embed_table(table, KEY)[0]


def detected(df: pd.DataFrame, key: bytes = KEY) -> tm.TableMarkResult:
    return tm.detect_table(df, {"k": key})[0]


def test_carriers_found_by_content(table: pd.DataFrame) -> None:
    plans = tm.plan_table(table)
    assert sorted(plans) == sorted(CARRIERS)
    renamed = table.rename(columns={c: f"x{i}" for i, c in enumerate(table.columns)})
    assert len(tm.plan_table(renamed)) == 3


def test_no_clinically_meaningful_value_changes(table: pd.DataFrame) -> None:
    marked, dist = tm.embed_table(table, KEY)
    for col in table.columns:
        if col not in CARRIERS:
            assert marked[col].equals(table[col]), col
    assert (marked["TELEPHONE"].str.replace(r"\D", "", regex=True).str.replace(r"^33", "0", regex=True)
            == table["TELEPHONE"].str.replace(r"\D", "", regex=True)).all()
    assert (marked["ADRESSE"].str.replace(",", "", regex=False) == table["ADRESSE"]).all()
    before = pd.to_datetime(table["DATE_ENTREE"])
    after = pd.to_datetime(marked["DATE_ENTREE"])
    assert (before.dt.floor("min") == after.dt.floor("min")).all()
    assert (after - before).abs().max() <= pd.Timedelta(seconds=3)
    assert dist.rows == 1000 and dist.cells_changed > 1000
    assert dist.columns["DATE_ENTREE"].max_change <= 3
    assert dist.columns["TELEPHONE"].max_change == 0
    text = "\n".join(dist.lines())
    assert "TELEPHONE" in text and "cells changed" in text


def test_unmarked_and_marked(table: pd.DataFrame, marked: pd.DataFrame) -> None:
    assert not detected(table).detected
    res = detected(marked)
    assert res.detected and res.log10_p < -300
    assert res.marked_fraction_estimate > 0.97
    assert res.rows_tested == 1000
    assert set(res.votes_by_kind) == {"ts", "phone", "addr"}


def test_attacks_in_memory(table: pd.DataFrame, marked: pd.DataFrame) -> None:
    rng = np.random.default_rng(5)
    subset = marked.sample(200, random_state=1)
    shuffled = marked.sample(frac=1.0, random_state=2)
    cols = list(marked.columns)
    rng.shuffle(cols)
    renamed = marked[cols].rename(columns={c: f"champ_{i}" for i, c in enumerate(cols)})
    others = [c for c in marked.columns if c not in CARRIERS]
    dropped = marked.drop(columns=others[::2])
    for attacked in (subset, shuffled, renamed, dropped):
        res = detected(attacked)
        assert res.detected, res
        assert res.marked_fraction_estimate > 0.9


def test_mixture_at_five_percent(marked: pd.DataFrame) -> None:
    others = pd.concat([make_patient_table(1000, seed=100 + i) for i in range(12)])
    mix = pd.concat([marked.sample(600, random_state=3), others.sample(11400, random_state=4)])
    mix = mix.sample(frac=1.0, random_state=5)
    res = detected(mix)
    assert res.detected, res
    assert 0.02 < res.marked_fraction_estimate < 0.09


def test_recipient_is_named() -> None:
    keys = {f"{f}/{r}": key_for(f, r) for f in ("350005179", "290000017", "560008799")
            for r in ("", "labo", "recherche")}
    df = make_patient_table(400, seed=12)
    leaked = tm.embed_table(df, keys["290000017/labo"])[0].sample(250, random_state=0)
    results = {r.label: r for r in tm.detect_table(leaked, keys)}
    assert [k for k, r in results.items() if r.detected] == ["290000017/labo"]


def test_two_marked_tables_merged_both_named() -> None:
    a = tm.embed_table(make_patient_table(400, seed=21), key_for("A"))[0]
    b = tm.embed_table(make_patient_table(400, seed=22), key_for("B"))[0]
    res = tm.detect_table(pd.concat([a, b]).sample(frac=1.0, random_state=0),
                          {"A": key_for("A"), "B": key_for("B"), "C": key_for("C")})
    assert [r.label for r in res if r.detected] == ["A", "B"]
    assert all(0.35 < r.marked_fraction_estimate < 0.65 for r in res[:2])


def test_duplicated_rows_do_not_inflate_significance(table: pd.DataFrame) -> None:
    once = detected(table, key_for("x"))
    tenfold = detected(pd.concat([table] * 10), key_for("x"))
    assert tenfold.votes == once.votes and tenfold.p_value == once.p_value
    # a few marked rows copied many times count once each: the evidence is that of the few rows
    few = tm.embed_table(table.head(3), key_for("y"))[0]
    alone, copied = detected(few, key_for("y")), detected(pd.concat([few] * 200), key_for("y"))
    assert copied.votes == alone.votes <= 9 and copied.p_value == alone.p_value > 1e-6


def test_minute_precision_times_get_seconds_below_precision() -> None:
    df = make_patient_table(300, seed=13, seconds=False)
    plan = tm.plan_table(df)["DATE_ENTREE"]
    assert plan.minute_precision
    marked, dist = tm.embed_table(df, KEY)
    assert marked["DATE_ENTREE"].str.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$").all()
    assert (marked["DATE_ENTREE"].str[:16] == df["DATE_ENTREE"]).all()
    assert len(set(marked["DATE_ENTREE"].str[-2:])) > 30  # seconds spread over the minute, not a tell
    assert detected(marked[["DATE_ENTREE"]]).detected


def test_dates_and_midnight_datetimes_are_never_touched() -> None:
    df = make_patient_table(300, seed=14)
    df["DDN_DT"] = pd.to_datetime(df["DATE_NAISSANCE"], format="%d/%m/%Y").dt.strftime("%Y-%m-%d 00:00:00")
    marked, dist = tm.embed_table(df, KEY)
    assert marked["DDN_DT"].equals(df["DDN_DT"]) and marked["DATE_NAISSANCE"].equals(df["DATE_NAISSANCE"])
    assert "DDN_DT" not in dist.columns


def test_no_carrier_raises() -> None:
    df = make_patient_table(50, seed=15).drop(columns=CARRIERS)
    with pytest.raises(tm.NoCarrierError):
        tm.embed_table(df, KEY)
    assert detected(df).votes == 0 and detected(df).p_value == 1.0


def test_detect_dataframe_uses_source_columns(marked: pd.DataFrame) -> None:
    frame = marked.rename(columns={c: f"src.{c}" for c in marked.columns})
    frame.insert(0, "nir", marked["NIR"])
    frame.insert(0, "locator", [f"row:{i + 1}" for i in range(len(frame))])
    res = tm.detect_dataframe(frame, {"k": KEY, "other": key_for("other")})
    assert res[0].detected and not res[1].detected


def test_exact_null_distribution() -> None:
    # sum of Bin(n4, 1/4) and Bin(n2, 1/2) tail against scipy (one class) and Monte Carlo (two classes)
    assert tm.binomial_sum_sf(40, 120, 0) == pytest.approx(stats.binom.sf(39, 120, 0.25), rel=1e-9)
    assert tm.binomial_sum_sf(30, 0, 50) == pytest.approx(stats.binom.sf(29, 50, 0.5), rel=1e-9)
    rng = np.random.default_rng(0)
    draws = rng.binomial(60, 0.25, 400_000) + rng.binomial(30, 0.5, 400_000)
    for t in (25, 35, 40):
        assert tm.binomial_sum_sf(t, 60, 30) == pytest.approx((draws >= t).mean(), abs=0.003)
    assert tm.binomial_sum_logsf(900, 600, 300) == pytest.approx(600 * np.log(0.25) + 300 * np.log(0.5))


# ---------------------------------------------------------------- files


def _chain(tmp: Path, df: pd.DataFrame) -> dict[str, Path]:
    """CSV (cp1252) -> embed -> SQL (MySQL) -> XLSX (typed date-times) -> CSV utf-8 -> PostgreSQL COPY."""
    paths = {}
    src = tmp / "export.csv"
    mark_io.write_csv(df, src, encoding="cp1252", delimiter=";")
    paths["csv"] = tmp / "export_marked.csv"
    mark_io.embed_file(src, paths["csv"], KEY)
    step = mark_io.read_csv(paths["csv"])
    paths["mysql"] = tmp / "dump.sql"
    mark_io.write_sql(step, paths["mysql"], dialect="mysql")
    step = mark_io.read_sql(paths["mysql"])["patients"]
    paths["xlsx"] = tmp / "sheet.xlsx"
    mark_io.write_xlsx(step, paths["xlsx"], typed_datetimes=True)
    step = mark_io.read_xlsx(paths["xlsx"])["Export"]
    paths["csv-utf8"] = tmp / "again.csv"
    mark_io.write_csv(step, paths["csv-utf8"], encoding="utf-8", delimiter=",")
    paths["pg"] = tmp / "pg.sql"
    mark_io.write_sql(mark_io.read_csv(paths["csv-utf8"]), paths["pg"], dialect="postgresql")
    return paths


def test_conversions_and_reencoding(tmp_path: Path, table: pd.DataFrame) -> None:
    for fmt, path in _chain(tmp_path, table).items():
        res = tm.detect_file(path, {"k": KEY, "other": key_for("other")})
        assert res[0].detected, fmt
        assert not res[1].detected, fmt


def test_csv_embed_keeps_style(tmp_path: Path, table: pd.DataFrame) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    mark_io.write_csv(table, src, encoding="cp1252", delimiter=";", lineterminator="\r\n")
    dist = tm.embed_file(src, dst, KEY)
    raw_in, raw_out = src.read_bytes(), dst.read_bytes()
    assert raw_out.count(b"\r\n") == raw_in.count(b"\r\n")
    raw_out.decode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw_out.decode("utf-8")  # still cp1252: accents were not re-encoded
    lines_in, lines_out = raw_in.split(b"\r\n"), raw_out.split(b"\r\n")
    assert lines_in[0] == lines_out[0]
    changed = sum(a != b for a, b in zip(lines_in, lines_out, strict=True))
    assert 0 < changed <= 1000 and dist.cells_changed > 0


@pytest.mark.parametrize("dialect", ["mysql", "postgresql", "sqlite"])
def test_sql_dump_rewrites_only_data(tmp_path: Path, table: pd.DataFrame, dialect: str) -> None:
    df = table.head(300).copy()
    df.loc[df.index[0], "ADRESSE"] = "3 rue de l'Église"  # quotes must survive the respelling
    src, dst = tmp_path / "in.sql", tmp_path / "out.sql"
    mark_io.write_sql(df, src, dialect=dialect)
    dist = tm.embed_file(src, dst, KEY)
    assert dist.rows == 300
    data = re.compile(r"^(INSERT|\d{8}\t)")
    lines_in = src.read_text(encoding="utf-8").splitlines()
    lines_out = dst.read_text(encoding="utf-8").splitlines()
    assert len(lines_in) == len(lines_out)
    assert all(a == b for a, b in zip(lines_in, lines_out, strict=True) if not data.match(a))
    back = mark_io.read_sql(dst)
    (frame,) = back.values()
    assert "3, rue de l'Église" in set(frame.iloc[:, 6]) or "3 rue de l'Église" in set(frame.iloc[:, 6])
    assert tm.detect_file(dst, {"k": KEY})[0].detected


def test_xlsx_embed_keeps_types(tmp_path: Path, table: pd.DataFrame) -> None:
    import openpyxl

    src, dst = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    mark_io.write_xlsx(table.head(300), src, typed_datetimes=True)
    tm.embed_file(src, dst, KEY)
    ws = openpyxl.load_workbook(dst).active
    assert ws.max_row == 301
    assert all(hasattr(ws.cell(row=r, column=12).value, "second") for r in range(2, 302))
    assert tm.detect_file(dst, {"k": KEY})[0].detected


def test_hostile_files(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.sql"
    truncated.write_text("-- MySQL dump\nINSERT INTO `t` VALUES ('12 rue de Brest','02 99 ", encoding="utf-8")
    with pytest.raises(mark_io.MarkIOError):
        tm.embed_file(truncated, tmp_path / "o.sql", KEY)
    bad_xlsx = tmp_path / "bad.xlsx"
    bad_xlsx.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(mark_io.MarkIOError):
        tm.detect_file(bad_xlsx, {"k": KEY})
    with pytest.raises(mark_io.MarkIOError):
        tm.embed_file(bad_xlsx, tmp_path / "o.xlsx", KEY)
    assert not (tmp_path / "o.xlsx").exists() and not list(tmp_path.glob(".*partial"))
    same = tmp_path / "same.csv"
    mark_io.write_csv(make_patient_table(20, seed=1), same)
    with pytest.raises(mark_io.MarkIOError):
        tm.embed_file(same, same, KEY)
    with pytest.raises(ValueError):
        tm.embed_table(make_patient_table(5, seed=1), b"short")
