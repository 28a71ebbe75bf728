"""The synth writers write N records in each format; parse() returns N records with the right NIRs."""

import io
import time

import pytest

from tests.engine.records._support import records
from workbench.engine.records import count_patients
from workbench.synth.establishments import DEMO_ESTABLISHMENTS
from workbench.synth.formats import csv_export, dicom, fhir, hl7, sql, xlsx
from workbench.synth.people import PeopleFactory

CHU, BREST, LAB, IMAGING, GHT, EHPAD = DEMO_ESTABLISHMENTS


@pytest.fixture(scope="module")
def people():
    factory = PeopleFactory(31)
    return [factory.record(e, results=(1, 5)) for e in (CHU, LAB, EHPAD) for _ in range(40)]


def _nirs(people):
    return {r.patient.nir for r in people}


@pytest.mark.parametrize("dialect", ["dpi", "lab", "export_en"])
def test_csv(people, dialect):
    buf = io.BytesIO()
    n = csv_export.write_csv(people, buf, dialect=dialect)
    df = records("csv", buf.getvalue(), encoding="cp1252", delimiter=";")
    assert len(df) == n and list(df.locator) == [f"row:{k}" for k in range(1, n + 1)]
    assert set(df.nir) == _nirs(people)
    assert count_patients(df) == len(people)


@pytest.mark.parametrize("dialect", ["mysql", "postgresql", "sqlite"])
def test_sql(people, dialect):
    buf = io.BytesIO()
    writer = {"mysql": lambda: sql.write_mysql_dump(people, buf, database="dpi"),
              "postgresql": lambda: sql.write_postgres_dump(people, buf),
              "sqlite": lambda: sql.write_sqlite_dump(people, buf)}[dialect]
    counts = writer()
    df = records("sql-dump", buf.getvalue(), fmt=dialect)
    per_table = {name.rsplit(".", 1)[-1]: size for name, size in df.groupby("table").size().items()}
    assert per_table == counts
    patients = df[df.table.str.endswith("patients")]
    assert set(patients.nir) == _nirs(people) and count_patients(df) == len(people)
    assert patients.locator.iloc[-1].endswith(f"patients/row:{len(people)}")


def test_hl7(people):
    for writer in (hl7.write_adt, hl7.write_oru):
        buf = io.BytesIO()
        n = writer(people, buf)
        df = records("hl7v2", buf.getvalue())
        assert len(df) == n and set(df.nir) <= _nirs(people)
    assert set(records("hl7v2", _adt(people)).nir) == _nirs(people)


def _adt(people):
    buf = io.BytesIO()
    hl7.write_adt(people, buf)
    return buf.getvalue()


def test_fhir(people):
    for kind, writer in (("fhir-json", fhir.write_bundle), ("fhir-ndjson", fhir.write_ndjson)):
        buf = io.BytesIO()
        writer(people, buf)
        df = records(kind, buf.getvalue())
        assert len(df) == len(people) and set(df.nir) == _nirs(people)
        assert df.event_first.notna().all()


def test_dicom_and_xlsx(people):
    for record in people[:3]:
        files = dicom.write_study(record, images=1, rows=8, cols=8)
        df = records("dicom", files[0])
        assert list(df.nir) == [record.patient.nir] and df.dicom_uid.iloc[0]
    buf = io.BytesIO()
    n = xlsx.write_xlsx(people, buf)
    df = records("xlsx", buf.getvalue())
    assert len(df) == n and set(df.nir) == _nirs(people)


@pytest.mark.slow
def test_throughput_csv_and_sql():
    """Rows per second of CPU time for CSV and a MySQL dump (printed; the floor only catches a collapse)."""
    factory = PeopleFactory(5)
    people = [factory.record(CHU, results=(2, 3)) for _ in range(6000)]
    for kind, fmt, write in (("csv", None, lambda b: csv_export.write_csv(people, b, dialect="dpi")),
                             ("sql-dump", "mysql", lambda b: sql.write_mysql_dump(people, b, database="d"))):
        buf = io.BytesIO()
        write(buf)
        start = time.process_time()
        df = records(kind, buf.getvalue(), fmt=fmt, encoding="cp1252" if kind == "csv" else None)
        spent = time.process_time() - start
        rate = len(df) / spent
        print(f"{kind}: {len(df)} rows, {len(buf.getvalue()) / 1e6:.1f} MB, {rate:,.0f} rows/s, "
              f"{len(buf.getvalue()) / spent / 1e6:.1f} MB/s")
        assert rate > 5_000
