"""Date carriers: the sample date of the lab-results table moves by one day at most, in its own spelling, the
column's mean date stays put, birth dates never move by default, and the dates alone prove the origin after
sorting, subsets, renamed columns, re-spelled dates, dropped times of day and CSV -> SQL -> XLSX (real dates)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.beacons.test_tabular_mark_gen import make_lab_table, make_patient_table
from workbench.beacons import date_mark as dm
from workbench.beacons import mark_io
from workbench.beacons import tabular_mark as tm

MEASURES = ["POIDS_KG", "TAILLE_CM", "CREATININE_UMOL_L", "GLYCEMIE_MMOL_L", "HEMOGLOBINE_G_DL", "PAS_MMHG"]
TODAY = date(2024, 6, 1)  # the birth-like test's reference day: fixed, the tests do not age


def _key(*parts: object) -> bytes:
    return hashlib.sha256("/".join(map(str, parts)).encode()).digest()


KEY, WRONG = _key("CHU Brest", "labo"), _key("CHU Brest", "recherche")


def _found(df: pd.DataFrame | Path) -> tuple[tm.TableMarkResult, tm.TableMarkResult]:
    keys = {"right": KEY, "wrong": WRONG}
    right, wrong = tm.detect_file(df, keys) if isinstance(df, Path) else tm.detect_table(df, keys)
    return right, wrong


def _days(col: pd.Series) -> np.ndarray:
    return np.array([dm.parse_date(t).ordinal for t in col], dtype=np.int64)


@pytest.fixture(scope="module")
def lab() -> pd.DataFrame:
    return make_lab_table(3000, seed=21)


@pytest.fixture(scope="module")
def marked(lab: pd.DataFrame) -> tuple[pd.DataFrame, tm.Distortion]:
    return tm.embed_table(lab, KEY, numeric=True, dates=dm.DEFAULT_POLICY, today=TODAY)


def test_which_columns_carry(lab: pd.DataFrame) -> None:
    assert list(tm.plan_dates(lab, dm.DEFAULT_POLICY, today=TODAY)) == ["DATE_PRELEVEMENT"]
    # birth dates: by name even when recent (a paediatric cohort), by content whatever the name
    kids = lab[["IPP", "NOM"]].assign(DDN=lab["DATE_PRELEVEMENT"], dob=lab["DATE_PRELEVEMENT"],
                                      date_de_naissance=lab["DATE_PRELEVEMENT"], Décès=lab["DATE_PRELEVEMENT"],
                                      colonne_4=lab["DATE_NAISSANCE"], evenement=lab["DATE_PRELEVEMENT"])
    assert list(tm.plan_dates(kids, dm.DEFAULT_POLICY, today=TODAY)) == ["evenement"]
    # explicit policy: allow beats name and content, deny beats everything, a budget of 0 days turns dates off
    policy = dm.load_policy({"allow": ["date naissance"], "deny": ["Date_Prelevement"]})
    assert list(tm.plan_dates(lab, policy, today=TODAY)) == ["DATE_NAISSANCE"]
    assert tm.plan_dates(lab, dm.load_policy({"max_shift_days": 0}), today=TODAY) == {}
    assert tm.plan_dates(lab, None) == {}
    # a column of sample dates decades old is birth-like by content until it is allowed
    old = lab[["IPP", "DATE_PRELEVEMENT"]]
    assert tm.plan_dates(old, dm.DEFAULT_POLICY, today=date(2060, 1, 1)) == {}
    assert list(tm.plan_dates(old, dm.with_columns(dm.DEFAULT_POLICY, allow=["date_prelevement"]),
                              today=date(2060, 1, 1))) == ["DATE_PRELEVEMENT"]
    for bad in ({"allow": "x"}, {"max_shift_days": -1}, {"max_shift_days": True}, {"shift": 1}, [1]):
        with pytest.raises(ValueError):
            dm.load_policy(bad)


def test_shift_budget_spelling_and_column_statistics(lab: pd.DataFrame,
                                                     marked: tuple[pd.DataFrame, tm.Distortion]) -> None:
    out, dist = marked
    assert out["DATE_NAISSANCE"].equals(lab["DATE_NAISSANCE"])  # never a birth date
    before, after = _days(lab["DATE_PRELEVEMENT"]), _days(out["DATE_PRELEVEMENT"])
    shift = after - before
    assert np.abs(shift).max() == 1 and 0.45 < (shift != 0).mean() < 0.55
    assert (before // dm.BLOCK_DAYS == after // dm.BLOCK_DAYS).all()  # the unit never moves
    assert out["DATE_PRELEVEMENT"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()  # its own spelling
    # keyed +/- shifts balance out: the mean date moves by a few thousandths of a day at most, the spread of
    # the dates (sd about 315 days) by far less than 0.1 %
    assert abs(shift.mean()) <= 3 / len(shift) and (shift == 1).sum() > 600 and (shift == -1).sum() > 600
    assert abs(after.std() / before.std() - 1) < 1e-4
    col = dist.columns["DATE_PRELEVEMENT"]
    assert col.kind == "date" and col.max_change == 1 and col.mean_change == pytest.approx(shift.mean())
    assert col.changed == (shift != 0).sum() and "day" in col.describe()


@pytest.mark.parametrize("text, moved", [
    ("02/03/2024", "03/03/2024"), ("2024-03-02", "2024-03-03"), ("2/3/2024", "3/3/2024"),
    ("2024/03/02 14:32", "2024/03/03 14:32"), ("02-03-2024 14:32:10", "03-03-2024 14:32:10"),
    (" 2024-03-02T08:05:00.25 ", " 2024-03-03T08:05:00.25 "), ("31.12.2023", "01.01.2024")])
def test_dates_keep_their_spelling(text: str, moved: str) -> None:
    cell = dm.parse_date(text)
    assert cell is not None and dm.format_date(cell, cell.ordinal + 1) == moved
    assert dm.parse_date(moved).ordinal == cell.ordinal + 1


def test_not_dates() -> None:
    for text in ("30/02/2024", "2024-13-01", "12/03/24", "02/03/2024 25:00", "1954", "35000", "2024-03-02x"):
        assert dm.parse_date(text) is None, text


def _dates_only(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in MEASURES if c in df.columns])


def test_dates_alone_after_attacks(marked: tuple[pd.DataFrame, tm.Distortion]) -> None:
    out = _dates_only(marked[0]).head(1500)
    iso = out.assign(DATE_PRELEVEMENT=pd.to_datetime(out["DATE_PRELEVEMENT"], format="%d/%m/%Y")
                     .dt.strftime("%Y-%m-%d"))
    cols = list(out.columns)[::-1]
    attacks = {
        "none": out,
        "sorted": out.sort_values(["NOM", "DATE_PRELEVEMENT"]),
        "subset-300": out.sample(300, random_state=2),
        "renamed-reordered": out[cols].rename(columns={c: f"champ{i}" for i, c in enumerate(cols)}),
        "re-spelled-iso": iso,
        "birth-date-dropped": out.drop(columns=["DATE_NAISSANCE"]),
        "first-name-dropped": out.drop(columns=["PRENOM"]),
    }
    for name, table in attacks.items():
        right, wrong = _found(table)
        assert right.detected and right.date_votes == right.num_votes > 0, name
        assert not wrong.detected, name


def test_time_of_day_dropped() -> None:
    """A stays export: the admission date-time carries seconds and, with its day, a date bit. The recipient
    drops the times of day, re-spells every phone, removes address commas and the measurements: the days alone
    still prove the origin."""
    src = make_patient_table(800, seed=31)
    out, dist = tm.embed_table(src, KEY, numeric=True, dates=dm.DEFAULT_POLICY, today=TODAY)
    assert "DATE_ENTREE (day)" in dist.columns and "DATE_ENTREE" in dist.columns
    assert "DATE_NAISSANCE" not in dist.columns and out["DATE_NAISSANCE"].equals(src["DATE_NAISSANCE"])
    shift = _days(out["DATE_ENTREE"]) - _days(src["DATE_ENTREE"])
    assert np.abs(shift).max() == 1 and (out["DATE_ENTREE"].str[10:16] == src["DATE_ENTREE"].str[10:16]).all()
    scrubbed = out.drop(columns=["POIDS_KG", "CREATININE_UMOL_L"]).assign(
        DATE_ENTREE=out["DATE_ENTREE"].str[:10],
        TELEPHONE=out["TELEPHONE"].str.replace(r"\D", "", regex=True).str.replace(r"^33", "0", regex=True),
        ADRESSE=out["ADRESSE"].str.replace(",", "", regex=False))
    right, wrong = _found(scrubbed)
    assert right.log10_p > -6 and right.date_votes > 750  # the invisible carriers are gone...
    assert right.detected and right.num_log10_p < -100  # ...the days prove the origin
    assert not wrong.detected


def test_csv_sql_xlsx_round_trip_with_real_dates(tmp_path: Path, lab: pd.DataFrame) -> None:
    import openpyxl

    src, dst = tmp_path / "resultats.csv", tmp_path / "resultats_marques.csv"
    mark_io.write_csv(lab.head(500), src, encoding="cp1252", delimiter=";")
    dist = tm.embed_file(src, dst, KEY, today=TODAY)
    assert "DATE_PRELEVEMENT" in dist.columns and "DATE_NAISSANCE" not in dist.columns
    mark_io.write_sql(mark_io.read_csv(dst), tmp_path / "lab.sql", dialect="mysql")
    xlsx = tmp_path / "lab.xlsx"
    sql = mark_io.read_sql(tmp_path / "lab.sql")["patients"]  # columns c1..c12: keep the six identity ones
    mark_io.write_xlsx(sql.iloc[:, :6].set_axis([c.lower() for c in _dates_only(lab).columns], axis=1), xlsx,
                       typed_dates=True)
    ws = openpyxl.load_workbook(xlsx).active
    assert isinstance(ws.cell(row=2, column=6).value, datetime)  # a real date cell...
    assert ws.cell(row=2, column=6).number_format == "dd/mm/yyyy"  # ...shown in the export's spelling
    mark_io.write_sql(mark_io.read_xlsx(xlsx)["Export"], tmp_path / "pg.sql", dialect="postgresql")
    for path in (dst, tmp_path / "lab.sql", xlsx, tmp_path / "pg.sql"):
        right, wrong = _found(path)
        assert right.detected and right.date_votes > 450 and not wrong.detected, path.name
    (back,) = mark_io.read_tables(xlsx).values()  # the dates alone: the XLSX has no measurement
    assert back.shape[1] == 6


def test_xlsx_real_date_cells_are_moved_as_dates(tmp_path: Path, lab: pd.DataFrame) -> None:
    import openpyxl

    src, dst = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["IPP", "NOM", "DATE_NAISSANCE", "DATE_PRELEVEMENT"])
    for row in lab.head(400).itertuples(index=False):
        ws.append([row.IPP, row.NOM, datetime.strptime(row.DATE_NAISSANCE, "%d/%m/%Y"),
                   datetime.strptime(row.DATE_PRELEVEMENT, "%d/%m/%Y")])
    for cell in ws["D"][1:]:
        cell.number_format = "dd/mm/yyyy"
    wb.save(src)
    dist = tm.embed_file(src, dst, KEY, today=TODAY)
    assert list(dist.columns) == ["Sheet!DATE_PRELEVEMENT"]
    before, after = openpyxl.load_workbook(src).active, openpyxl.load_workbook(dst).active
    shifts = []
    for r in range(2, 402):
        a, b = before.cell(row=r, column=4).value, after.cell(row=r, column=4).value
        assert isinstance(b, datetime) and after.cell(row=r, column=4).number_format == "dd/mm/yyyy"
        shifts.append((b - a).days)
        assert before.cell(row=r, column=3).value == after.cell(row=r, column=3).value
    assert set(shifts) == {-1, 0, 1}
    right, wrong = _found(dst)
    assert right.detected and not wrong.detected


def _pediatric_dump(tmp_path: Path, lab: pd.DataFrame, create: str) -> tuple[Path, Path]:
    """A mysqldump of 400 stays whose birth-date column holds recent dates (the sample dates): only the
    ``CREATE TABLE`` names say which column is the birth date. Returns the dump and the marked copy's path."""
    src, dst = tmp_path / "pediatrie.sql", tmp_path / "pediatrie_marque.sql"
    lines = ["-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)", create]
    rows = [f"('{r.IPP}','{r.NOM}','{r.DATE_PRELEVEMENT}','{r.DATE_PRELEVEMENT}')"
            for r in lab.head(400).itertuples(index=False)]
    lines += ["INSERT INTO `sejour` VALUES " + ",".join(rows[k : k + 100]) + ";" for k in range(0, 400, 100)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src, dst


_PLAIN_CREATE = ("CREATE TABLE `sejour` (\n  `ipp` varchar(8) NOT NULL,\n  `nom` varchar(64),\n"
                 "  `date_naissance` date,\n  `date_prelevement` date,\n  PRIMARY KEY (`ipp`)\n) ENGINE=InnoDB;")
# mysqldump writes comments and defaults as they were declared: a comma inside one is no column break, or every
# name after it shifts by one and the birth dates are taken for the sample dates and moved
_COMMENTED_CREATE = ("CREATE TABLE `sejour` (\n  `ipp` varchar(8) NOT NULL DEFAULT '0,0',\n"
                     "  `nom` varchar(64) COMMENT 'nom, prénom (usage)',\n"
                     "  `date_naissance` date /* jj/mm/aaaa, jamais modifiée */,\n  `date_prelevement` date,\n"
                     "  PRIMARY KEY (`ipp`),\n  KEY `idx_nom` (`nom`,`ipp`)\n) ENGINE=InnoDB;")


@pytest.mark.parametrize("create", [_PLAIN_CREATE, _COMMENTED_CREATE], ids=["plain", "commas-in-comments"])
def test_sql_dump_birth_date_named_in_create_table(tmp_path: Path, lab: pd.DataFrame, create: str) -> None:
    """A paediatric dump: its birth dates are recent, only the ``CREATE TABLE`` name says what they are."""
    src, dst = _pediatric_dump(tmp_path, lab, create)
    assert mark_io.sql_column_names(src, "utf-8") == {"sejour": ["ipp", "nom", "date_naissance",
                                                                 "date_prelevement"]}
    dist = tm.embed_file(src, dst, KEY, today=TODAY)
    assert list(dist.columns) == ["sejour.c4"]
    (frame,) = mark_io.read_sql(dst).values()
    assert (frame["c3"] == lab["DATE_PRELEVEMENT"].head(400).to_numpy()).all()
    assert (frame["c4"] != frame["c3"]).mean() > 0.4
    right, wrong = _found(dst)
    assert right.detected and not wrong.detected


def _null_tables(count: int) -> np.ndarray:
    """``count`` unmarked (or foreign-marked) 300-row date tables, each against a fresh key: never detected;
    returns the date statistic's p-values."""
    pool = _dates_only(make_lab_table(3000, seed=22, start_ipp=10**7))
    rng = np.random.default_rng(5)
    unit_p = []
    for i in range(count):
        table = pool.sample(300, random_state=int(rng.integers(1 << 31)))
        if i % 2:  # marked with a foreign key
            table = tm.embed_table(table, _key("foreign", i), dates=dm.DEFAULT_POLICY, today=TODAY)[0]
        (res,) = tm.detect_table(table, {"k": _key("null", i)})
        assert not res.detected and res.date_votes > 250
        unit_p.append(10**res.num_log10_p)
    return np.array(unit_p)


def test_unmarked_dates_and_wrong_keys_are_never_detected(marked: tuple[pd.DataFrame, tm.Distortion]) -> None:
    _null_tables(16)
    results = tm.detect_table(_dates_only(marked[0]).head(500), {str(i): _key("wrong", i) for i in range(50)})
    assert not any(r.detected for r in results)


@pytest.mark.slow
def test_thousand_unmarked_date_tables_are_calibrated() -> None:
    p = _null_tables(1000)
    print(f"1,000 unmarked date tables: {(p < 0.01).mean():.2%} below 0.01, {(p < 0.05).mean():.2%} below 0.05")
    assert (p < 0.01).mean() <= 0.02 and (p < 0.05).mean() <= 0.08


def test_cli_date_policy(tmp_path: Path, lab: pd.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from workbench.beacons.registry import Registry
    from workbench.cli import watermark

    def cli(*argv: str) -> int:
        parser = argparse.ArgumentParser(prog="balise")
        watermark.add_parser(parser.add_subparsers(dest="command"))
        args = parser.parse_args(list(argv))
        return args.func(args)

    registry = tmp_path / "registry.json"
    reg = Registry.init(registry, "GCS test")
    reg.add_establishment("290000017", "CHU Brest", recipients=["labo"])
    reg.save(str(registry) + ".key")
    src = tmp_path / "lab.csv"
    mark_io.write_csv(lab.head(300), src, encoding="cp1252", delimiter=";")
    base = ["watermark", "embed", str(src), "--registry", str(registry), "--establishment", "290000017",
            "--recipient", "labo"]
    assert cli(*base, "--out", str(tmp_path / "a.csv")) == 0
    assert "DATE_PRELEVEMENT [date]" in capsys.readouterr().out
    assert cli(*base, "--out", str(tmp_path / "b.csv"), "--date-deny", "date_prelevement") == 0
    assert "[date]" not in capsys.readouterr().out
    policy = tmp_path / "dates.json"
    policy.write_text(json.dumps({"allow": ["DATE_NAISSANCE"], "deny": ["DATE_PRELEVEMENT"]}), encoding="utf-8")
    assert cli(*base, "--out", str(tmp_path / "c.csv"), "--dates", str(policy)) == 0
    text = capsys.readouterr().out
    assert "DATE_NAISSANCE [date]" in text and "DATE_PRELEVEMENT [date]" not in text
    assert cli(*base, "--out", str(tmp_path / "d.csv"), "--no-dates") == 0
    assert "[date]" not in capsys.readouterr().out
    policy.write_text(json.dumps({"alow": ["x"]}), encoding="utf-8")
    assert cli(*base, "--out", str(tmp_path / "e.csv"), "--dates", str(policy)) == 2
    assert re.search(r"dates\.json: unknown date policy key\(s\): alow", capsys.readouterr().err)
    assert not (tmp_path / "e.csv").exists()
    assert cli("watermark", "detect", str(tmp_path / "a.csv"), "--registry", str(registry)) == 0
    out = capsys.readouterr().out
    assert "date votes" in out and "recipient=labo" in out and " DETECTED" in out
