"""Canaries survive what happens to a leaked table on its way to a dump: conversions, re-encoding, shuffling,
dropped and renamed columns, subsets. Every variant is attributed to the right establishment and recipient; a merged
table is reported as a conflict and its rows fall back on their own evidence; an outsider is never blamed."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from tests.casesql import case_sql
from workbench.beacons.canaries import mint
from workbench.beacons.mark_io import write_sql, write_xlsx
from workbench.beacons.registry import Registry
from workbench.engine.pipeline import ScanError, run_scan
from workbench.synth.establishments import DEMO_ESTABLISHMENTS, UNREGISTERED_ESTABLISHMENT
from workbench.synth.formats.csv_export import write_csv
from workbench.synth.people import PeopleFactory

A, B = DEMO_ESTABLISHMENTS[0], DEMO_ESTABLISHMENTS[1]
RECIPIENT = "Équipe de recherche ONCO-BZH"
FINESS_FREE = ["NOM", "NOM_NAISSANCE", "PRENOM", "DATE_NAISSANCE", "SEXE", "NIR", "IPP", "ADRESSE", "CP", "VILLE",
               "TELEPHONE", "EMAIL", "NDA", "DATE_ENTREE", "DATE_SORTIE", "UF", "DIAG_PRINCIPAL", "LIBELLE_DIAG"]


def _frame(records) -> pd.DataFrame:
    buf = io.BytesIO()
    write_csv(records, buf, dialect="dpi")
    return pd.read_csv(io.BytesIO(buf.getvalue()), sep=";", encoding="cp1252", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def leak(tmp_path_factory):
    root = tmp_path_factory.mktemp("transforms")
    reg_path = root / "registry.json"
    registry = Registry.init(reg_path, "ARS Bretagne (test)")
    for est in (A, B, DEMO_ESTABLISHMENTS[2]):
        registry.add_establishment(est.finess, est.name, hl7_facility_codes=[est.hl7_facility],
                                   dicom_uid_roots=[est.dicom_uid_root], ipp_patterns=[est.ipp_pattern],
                                   name_variants=list(est.name_variants),
                                   recipients=[RECIPIENT] if est is A else [])
    canaries_a = mint(registry, A.finess, recipient=RECIPIENT, count=3, target_format="csv", seed=1)
    canaries_b = mint(registry, B.finess, count=3, target_format="csv", seed=2)
    registry.save(root / "registry.json.key")

    people = PeopleFactory(77)
    a_rows = [people.record(A) for _ in range(250)]
    a_rows[10:10] = [canaries_a[0].record]
    a_rows[120:120] = [canaries_a[1].record]
    a_rows.append(canaries_a[2].record)
    df = _frame(a_rows)
    canary_nirs = {c.record.patient.nir for c in canaries_a}
    ev = root / "leak"
    ev.mkdir()
    df.to_csv(ev / "original.csv", sep=";", index=False, encoding="cp1252")
    df.to_csv(ev / "utf8_comma.csv", sep=",", index=False, encoding="utf-8")
    df.sample(frac=1, random_state=3).to_csv(ev / "shuffled.csv", sep=";", index=False, encoding="cp1252")
    df[FINESS_FREE[: len(FINESS_FREE) // 2 + 3]].to_csv(ev / "half_columns.csv", sep=";", index=False,
                                                         encoding="cp1252")
    renamed = df[FINESS_FREE].rename(columns={"NOM": "last_name", "PRENOM": "first_name", "DATE_NAISSANCE": "dob",
                                              "NIR": "ssn", "TELEPHONE": "phone", "EMAIL": "mail"})
    renamed[list(reversed(renamed.columns))].to_csv(ev / "renamed_reordered.tsv", sep="\t", index=False)
    keep = df[df["NIR"].isin(canary_nirs)]
    subset = pd.concat([keep, df[~df["NIR"].isin(canary_nirs)].head(40)]).sample(frac=1, random_state=4)
    subset[FINESS_FREE].to_csv(ev / "subset.csv", sep=";", index=False, encoding="cp1252")
    write_sql(df[FINESS_FREE], ev / "converted_mysql.sql", table="patients", dialect="mysql")
    write_sql(df[FINESS_FREE], ev / "converted_pg.sql", table="patients", dialect="postgresql")
    write_xlsx(df[FINESS_FREE], ev / "converted.xlsx")

    b_df = _frame([*[people.record(B) for _ in range(120)], *(c.record for c in canaries_b)])
    merged = pd.concat([df, b_df]).sample(frac=1, random_state=5)
    merged.to_csv(ev / "merged_a_b.csv", sep=";", index=False, encoding="cp1252")
    outsider = _frame([people.record(UNREGISTERED_ESTABLISHMENT) for _ in range(150)])
    outsider.to_csv(ev / "clinique.csv", sep=";", index=False, encoding="cp1252")

    case = root / "case"
    summary = run_scan(case, [ev], registry_path=reg_path, jobs=2)
    assert summary.completed
    return case, reg_path, len(df), len(b_df)


VARIANTS = ["original.csv", "utf8_comma.csv", "shuffled.csv", "half_columns.csv", "renamed_reordered.tsv",
            "subset.csv", "converted_mysql.sql", "converted_pg.sql", "converted.xlsx"]


@pytest.mark.parametrize("name", VARIANTS)
def test_each_variant_names_the_establishment_and_recipient(leak, name):
    case, _, n_rows, _ = leak
    db = case_sql(case)
    rows = db.execute("SELECT r.establishment, r.recipient, r.basis, COUNT(*) FROM records r JOIN items i "
                      "ON i.vpath=r.item WHERE i.vpath=? GROUP BY 1, 2, 3", (f"leak/{name}",)).fetchall()
    assert rows == [(A.finess, RECIPIENT, "canary", rows[0][3])], rows
    if name not in ("subset.csv",):
        assert rows[0][3] == n_rows
    confirmed = db.execute("SELECT COUNT(DISTINCT b.beacon_id) FROM beacon_hits b JOIN items i ON i.vpath=b.item "
                           "WHERE i.vpath=? AND b.status='confirmed'", (f"leak/{name}",)).fetchone()[0]
    assert confirmed == 3


def test_a_merged_table_is_a_conflict_resolved_row_by_row(leak):
    case, _, n_a, n_b = leak
    db = case_sql(case)
    conflicts = db.execute("SELECT container, establishments FROM attribution_conflicts").fetchall()
    assert any("merged_a_b.csv" in c and set(json.loads(e)) == {A.finess, B.finess} for c, e in conflicts)
    rows = dict(db.execute("SELECT r.establishment || '/' || r.basis, COUNT(*) FROM records r JOIN items i "
                           "ON i.vpath=r.item WHERE i.vpath='leak/merged_a_b.csv' GROUP BY 1").fetchall())
    assert rows == {f"{A.finess}/identifier": n_a, f"{B.finess}/identifier": n_b}


def test_the_outsider_is_never_blamed(leak):
    case, _, _, _ = leak
    db = case_sql(case)
    rows = db.execute("SELECT r.establishment, r.basis, COUNT(*) FROM records r JOIN items i ON i.vpath=r.item "
                      "WHERE i.vpath='leak/clinique.csv' GROUP BY 1, 2").fetchall()
    assert len(rows) == 1 and rows[0][:2] == (None, "none") and rows[0][2] >= 150  # one line per stay


def test_a_tampered_registry_is_refused_before_scanning(leak, tmp_path):
    _, reg_path, _, _ = leak
    data = json.loads(reg_path.read_text(encoding="utf-8"))
    data["payload"]["authority"] = "Someone else"
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ScanError, match="registry refused"):
        run_scan(tmp_path / "case", [reg_path], registry_path=bad)
    assert not (tmp_path / "case").exists()
