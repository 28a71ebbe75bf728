import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from tests.engine.records._support import records
from tests.engine.records.test_records_csv import PEOPLE, make_nir
from workbench.engine.records import PatientCounter, RecordsError, count_patients, map_columns, sources


def _workbook() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Patients"
    ws.append(["Export DPI du 12/03/2024"])  # a title row: the first non-empty row is the header
    ws.delete_rows(1)
    ws.append(["nom", "prénom", "date_naissance", "num_secu", "finess", "cp", "date_entree", "poids"])
    for i, p in enumerate(PEOPLE):
        ws.append([p[0], p[2], dt.datetime.strptime(p[3], "%d/%m/%Y"), p[5], p[12], p[10],
                   dt.datetime(2024, 3, 10 + i, 8, 30), 61.5 + i])
    ws.append([None] * 8)  # an empty row is not a record
    ws.append(["GOURIOU", "Tanguy", "1955-04-01", make_nir(1, 1955, 4, "29", 19, 2), 50031244, 1500,
               None, 80])
    ws.cell(row=ws.max_row, column=5).number_format = "000000000"  # FINESS typed as a number, zero-padded
    other = wb.create_sheet("Séjours 2024")
    other.append(["IPP", "NDA", "DATE_SORTIE"])
    other.append(["00012345", "24B001", dt.date(2024, 3, 20)])
    wb.create_sheet("Vide")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_sheets_locators_dates_and_leading_zeros():
    df = records("xlsx", _workbook())
    assert list(df.locator) == ["sheet:Patients/row:1", "sheet:Patients/row:2", "sheet:Patients/row:3",
                                "sheet:Patients/row:4", "sheet:Séjours 2024/row:1"]
    patients = df[df.table == "Patients"]
    assert list(patients.birth_date) == ["1987-02-03", "1954-11-28", "2001-01-01", "1955-04-01"]
    assert list(patients["src.date_naissance"])[:1] == ["1987-02-03"]
    assert list(patients.facility_finess) == ["290000017", "350005179", "350005179", "050031244"]
    assert list(patients.postcode) == ["29200", "01500", "35000", "01500"]
    assert list(patients["src.date_entree"])[:1] == ["2024-03-10 08:30:00"]
    assert patients.event_first.iloc[2] == "2024-03-12" and patients.event_first.iloc[3] is None
    assert list(patients["src.poids"]) == ["61.5", "62.5", "63.5", "80"]
    stays = df[df.table == "Séjours 2024"].iloc[0]
    assert stays.ipp == "00012345" and stays.nda == "24B001" and stays.event_last == "2024-03-20"


def test_corrupt_xlsx():
    data = _workbook()
    with pytest.raises(RecordsError):
        records("xlsx", data[: len(data) // 2])
    with pytest.raises(RecordsError):
        records("xlsx", b"PK\x03\x04 not really a zip")


@pytest.mark.parametrize("header,target", [
    ("NOM_USUEL", "family_name"), ("Nom de naissance", "birth_name"), ("nom_jf", "birth_name"),
    ("Prénom", "given_name"), ("PRENOM_PATIENT", "given_name"), ("ddn", "birth_date"),
    ("Date_Naissance", "birth_date"), ("dt_naiss", "birth_date"), ("DateNaissancePatient", "birth_date"),
    ("nir", "nir"), ("num_secu", "nir"), ("no_ss", "nir"), ("INS", "nir"), ("matricule_ins", "nir"),
    ("ipp", "ipp"), ("num_patient", "ipp"), ("sexe", "sex"), ("tel", "phone"), ("téléphone", "phone"),
    ("portable", "phone"), ("mail", "email"), ("Adresse", "address"), ("cp", "postcode"),
    ("code_postal", "postcode"), ("ville", "city"), ("finess", "facility_finess"),
    ("etablissement", "facility_name"), ("date_entree", "event_date"), ("date_prelevement", "event_date"),
    ("diag", "health-diagnosis"), ("cim10", "health-diagnosis"), ("analyse", "health-result"),
    ("resultat", "health-result"), ("last_name", "family_name"), ("surname", "family_name"),
    ("first_name", "given_name"), ("dob", "birth_date"), ("birth_date", "birth_date"), ("ssn", "nir"),
    ("mrn", "ipp"), ("gender", "sex"), ("phone", "phone"), ("email", "email"), ("zip", "postcode"),
    ("admission_date", "event_date"), ("NOM", "family_name"),
])
def test_map_columns_by_header(header, target):
    mapping = map_columns(["x_unrelated", header], [])
    assert mapping.get(target) == header


def test_map_columns_by_content_and_foreign_keys():
    rows = [[str(i + 1), make_nir(2, 1950 + i, 1 + i % 12, "35", 10 + i, 1 + i), f"{1 + i % 28:02d}/05/19{50 + i}",
             f"2024-01-{1 + i % 28:02d}", "F" if i % 2 else "M", f"3500{i % 10}", f"a{i}@b.fr"] for i in range(30)]
    mapping = map_columns(["patient_id", "c1", "c2", "c3", "c4", "c5", "c6"], rows)
    assert mapping["nir"] == "c1" and mapping["birth_date"] == "c2" and sources(mapping, "event_date") == ["c3"]
    assert mapping["sex"] == "c4" and mapping["postcode"] == "c5" and mapping["email"] == "c6"
    assert "ipp" not in mapping and mapping["patient_ref"] == "patient_id"  # 1, 2, 3...: a row reference
    assert map_columns(["patient_id"], [["RN0001"], ["RN0002"]]) == {"ipp": "patient_id"}


def test_patient_counting():
    a = make_nir(2, 1961, 5, "29", 232, 41)
    frame = pd.DataFrame({
        "nir": [a, f"{a[0]} {a[1:3]} {a[3:5]} {a[5:7]} {a[7:10]} {a[10:13]} {a[13:]}", None, None, None, None],
        "family_name": ["Le Gall", "LE GALL", "Hénaff", "HENAFF", "Hénaff", None],
        "birth_name": [None, None, None, None, None, "Morvan"],
        "given_name": ["Anaïs", "Anais", "Loïc", "loic", "Loïc", "Soazig"],
        "birth_date": ["1961-05-02", "1961-05-02", "2001-01-01", "2001-01-01", "2001-01-02", "1950-01-01"],
    }, dtype=object)
    # a: once (NIR); Hénaff Loïc 2001-01-01 twice with different case/accents: once; 2001-01-02: another;
    # Morvan (birth name only): one more
    assert count_patients(frame) == 4
    counter = PatientCounter()
    counter.add(frame.iloc[:3])
    counter.add(frame.iloc[3:])
    counter.add(pd.DataFrame({"nir": [None], "family_name": ["LE GALL"], "given_name": ["Anaïs"],
                              "birth_date": ["1961-05-02"]}, dtype=object))  # same person, seen without NIR
    assert counter.count == 4
    assert count_patients([{"nir": a}, {"nir": a}, {"family_name": "X", "given_name": "Y"}]) == 1


def test_ods_through_odfpy():
    frame = pd.DataFrame({"NOM": ["LE GALL", "MORVAN"], "PRENOM": ["Anaïs", "Soazig"],
                          "NIR": [PEOPLE[0][5], PEOPLE[1][5]], "IPP": ["000017", "000018"]})
    out = io.BytesIO()
    frame.to_excel(out, engine="odf", sheet_name="Extraction", index=False)
    df = records("ods", out.getvalue())
    assert list(df.locator) == ["sheet:Extraction/row:1", "sheet:Extraction/row:2"]
    assert list(df.nir) == [PEOPLE[0][5], PEOPLE[1][5]] and list(df.ipp) == ["000017", "000018"]
