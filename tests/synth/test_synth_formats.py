import csv
import email
import email.policy
import io
import json
import sqlite3

import openpyxl
import pydicom
import pytest
from pypdf import PdfReader

from tests.synth._idscan import extract
from workbench.synth.establishments import DEMO_ESTABLISHMENTS, UNREGISTERED_ESTABLISHMENT
from workbench.synth.formats import csv_export, dicom, fhir, hl7, pdf, sql, xlsx
from workbench.synth.formats import email as eml
from workbench.synth.formats._common import spaced_nir
from workbench.synth.people import PeopleFactory
from workbench.synth.truth import ItemTruth

CHU, BREST, LAB, IMAGING, GHT, EHPAD = DEMO_ESTABLISHMENTS


@pytest.fixture(scope="module")
def records():
    f = PeopleFactory(2024)
    return [f.record(e, results=(1, 6)) for e in (CHU, LAB, EHPAD, UNREGISTERED_ESTABLISHMENT) for _ in range(60)]


def _truth():
    return ItemTruth(vpath="x", kind="k")


@pytest.mark.parametrize("dialect", ["dpi", "lab", "export_en"])
def test_csv_round_trip_cp1252(records, dialect):
    buf, it = io.BytesIO(), _truth()
    n = csv_export.write_csv(records, buf, dialect=dialect, sink=it.add)
    raw = buf.getvalue()
    assert b"\r\n" in raw and raw.count(b"\r\n") == n + 1
    rows = list(csv.reader(io.StringIO(raw.decode("cp1252"), newline=""), delimiter=";"))
    assert rows[0] == list(csv_export.DIALECT_HEADERS[dialect])
    assert len(rows) == n + 1
    if dialect == "dpi":
        assert n == sum(len(r.stays) for r in records)
        first = records[0].patient
        assert rows[1][5] == first.nir and rows[1][3] == first.birth_date.strftime("%d/%m/%Y")
    if dialect == "lab":
        assert n == sum(len(r.results) for r in records)
        assert any("," in row[10] for row in rows[1:])  # decimal comma
    assert extract(raw.decode("cp1252")) == it.identifiers


def test_csv_rejects_unknown_dialect(records):
    with pytest.raises(ValueError):
        csv_export.write_csv(records, io.BytesIO(), dialect="nope")


def test_sqlite_dump_executes_and_matches(records):
    buf, it = io.BytesIO(), _truth()
    counts = sql.write_sqlite_dump(records, buf, sink=it.add, spool_bytes=1024)  # force a real spool file
    text = buf.getvalue().decode()
    assert text.startswith("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n") and text.endswith("COMMIT;\n")
    con = sqlite3.connect(":memory:")
    con.executescript(text)
    assert con.execute("select count(*) from patients").fetchone()[0] == counts["patients"] == len(records)
    assert con.execute("select count(*) from sejours").fetchone()[0] == sum(len(r.stays) for r in records)
    assert con.execute("select count(*) from resultats").fetchone()[0] == sum(len(r.results) for r in records)
    nirs = {r[0] for r in con.execute("select nir from patients")}
    assert nirs == {r.patient.nir for r in records} == it.identifiers["nir"]
    # names with quotes survive
    assert con.execute("select count(*) from patients where nom like '%''%'").fetchone()[0] == sum(
        "'" in r.patient.family_name for r in records)
    assert extract(text) == it.identifiers


def test_mysql_dump_structure_and_escaping(records):
    buf, it = io.BytesIO(), _truth()
    counts = sql.write_mysql_dump(records, buf, database="dpi_prod", table_prefix="t_", sink=it.add)
    text = buf.getvalue().decode()
    assert text.startswith("-- MySQL dump 10.13")
    assert "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;" in text
    for t in ("t_patients", "t_sejours", "t_resultats"):
        assert f"CREATE TABLE `{t}`" in text and f"INSERT INTO `{t}` VALUES (" in text
    assert text.index("INSERT INTO `t_patients`") < text.index("CREATE TABLE `t_sejours`")
    assert text.rstrip().splitlines()[-1].startswith("-- Dump completed on")
    assert "\\'" in text or all("'" not in r.patient.family_name for r in records)
    assert counts["patients"] == len(records)
    assert extract(text) == it.identifiers


def test_postgres_dump_copy_blocks(records):
    buf, it = io.BytesIO(), _truth()
    counts = sql.write_postgres_dump(records, buf, sink=it.add)
    text = buf.getvalue().decode()
    lines = text.splitlines()
    assert lines[4].startswith("\\restrict ")
    key = lines[4].split()[1]
    assert text.rstrip().endswith(f"\\unrestrict {key}")
    for table, n in counts.items():
        start = text.index(f"COPY public.{table} (")
        block = text[start:text.index("\n\\.\n", start)].splitlines()[1:]
        assert len(block) == n
        width = len(sql.TABLES[table])
        assert all(len(row.split("\t")) == width for row in block)
    assert "\\N" in text  # NULLs (patients without e-mail)
    assert extract(text) == it.identifiers


def _hl7_messages(raw: bytes) -> list[list[str]]:
    text = raw.decode("iso-8859-1")
    msgs = [m for m in text.replace("\r\n", "\r\x00").split("\x00") if m.strip()]
    return [[s for s in m.split("\r") if s] for m in msgs]


def test_hl7_adt_fields(records):
    buf, it = io.BytesIO(), _truth()
    n = hl7.write_adt(records, buf, sink=it.add)
    msgs = _hl7_messages(buf.getvalue())
    assert len(msgs) == n == sum(len(r.stays) for r in records)
    first = records[0]
    msh, evn, pid, pv1 = (seg.split("|") for seg in msgs[0])
    assert msh[0] == "MSH" and msh[1] == "^~\\&" and msh[3] == CHU.hl7_facility and msh[8].startswith("ADT^A01")
    assert msh[11] == "2.5"
    ids = pid[3].split("~")
    assert ids[0] == f"{first.patient.ipp}^^^{CHU.hl7_facility}^PI"
    assert ids[1] == f"{first.patient.nir}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS"
    assert pid[7] == first.patient.birth_date.strftime("%Y%m%d") and pid[8] == first.patient.sex
    assert pv1[3].split("^")[3] == CHU.hl7_facility
    assert pv1[19].startswith(first.stays[0].nda)
    lab_msgs = [m for m in msgs if m[0].split("|")[3] == LAB.hl7_facility]
    assert lab_msgs and all("ADT^A04" in m[0] for m in lab_msgs)
    assert extract(buf.getvalue().decode("iso-8859-1")) == it.identifiers


def test_hl7_oru_obx(records):
    buf, it = io.BytesIO(), _truth()
    n = hl7.write_oru(records, buf, newline_between_messages=False, sink=it.add)
    raw = buf.getvalue()
    assert b"\n" not in raw
    msgs = [m for m in raw.decode("iso-8859-1").split("\rMSH|") if m]
    assert len(msgs) == n == sum(1 for r in records if r.results)
    obx = [s for s in raw.decode("iso-8859-1").split("\r") if s.startswith("OBX|")]
    assert len(obx) == sum(len(r.results) for r in records)
    assert obx[0].split("|")[3].endswith("^LN")
    assert extract(raw.decode("iso-8859-1")) == it.identifiers


def test_fhir_bundle_and_ndjson(records):
    buf, it = io.BytesIO(), _truth()
    n = fhir.write_bundle(records, buf, sink=it.add)
    bundle = json.loads(buf.getvalue())
    assert bundle["resourceType"] == "Bundle"
    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert types.count("Patient") == len(records)
    assert n == len(types) - types.count("Organization")
    orgs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Organization"]
    assert {o["identifier"][0]["value"] for o in orgs} == {r.establishment.finess for r in records}
    assert orgs[0]["identifier"][0]["system"] == fhir.FINESS_SYSTEM
    pat = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert pat["identifier"][0] == {**pat["identifier"][0], "system": "urn:oid:1.2.250.1.213.1.4.8",
                                    "value": records[0].patient.nir}
    assert pat["identifier"][1]["system"] == f"urn:oid:{CHU.dicom_uid_root}"
    assert extract(buf.getvalue().decode()) == it.identifiers
    buf2, it2 = io.BytesIO(), _truth()
    lines = fhir.write_ndjson(records, buf2, sink=it2.add)
    parsed = [json.loads(line) for line in buf2.getvalue().splitlines()]
    assert len(parsed) == lines == n
    assert extract(buf2.getvalue().decode()) == it2.identifiers


@pytest.mark.parametrize("bits", [8, 12])
def test_dicom_study_reads_back(records, tmp_path, bits):
    rec = records[0]
    files = dicom.write_study(rec, tmp_path, modality="MR", images=3, rows=32, cols=48, bits=bits)
    assert len(files) == 3 and sorted(p.name for p in tmp_path.iterdir()) == ["IM00001.dcm", "IM00002.dcm",
                                                                             "IM00003.dcm"]
    uids = set()
    for data in files:
        assert data[128:132] == b"DICM"
        ds = pydicom.dcmread(io.BytesIO(data))
        assert str(ds.PatientName) == f"{rec.patient.family_name.upper()}^{rec.patient.given_name}"
        assert ds.PatientID == rec.patient.ipp and ds.InstitutionName == CHU.institution_name
        assert ds.OtherPatientIDsSequence[0].PatientID == rec.patient.nir
        assert ds.StudyInstanceUID.startswith(CHU.dicom_uid_root + ".")
        assert len(ds.SOPInstanceUID) <= 64
        arr = ds.pixel_array
        assert arr.shape == (32, 48) and int(arr.max()) < (1 << bits) and arr.std() > 0
        uids.add(ds.SOPInstanceUID)
        assert extract(data.decode("latin-1")) == {"nir": {rec.patient.nir}}
    assert len(uids) == 3


def test_pdf_report_text_layer(records):
    rec = next(r for r in records if r.results and r.establishment is LAB)
    buf, it = io.BytesIO(), _truth()
    pdf.write_lab_report(rec, buf, sink=it.add)
    raw = buf.getvalue()
    assert raw.startswith(b"%PDF-") and b"/FlateDecode" in raw
    assert rec.patient.nir.encode() not in raw  # compressed streams
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)
    assert spaced_nir(rec.patient.nir) in text
    for line in pdf.report_text_lines(rec):
        assert line in text
    assert rec.results[0].label in text
    assert extract(text) == it.identifiers
    again = io.BytesIO()
    pdf.write_lab_report(rec, again)
    assert again.getvalue() == raw  # invariant output


def test_xlsx_identifiers_are_text(records, tmp_path):
    it = _truth()
    path = tmp_path / "export.xlsx"
    n = xlsx.write_xlsx(records, path, sink=it.add)
    ws = openpyxl.load_workbook(path, read_only=True)["Export"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == xlsx.HEADERS and len(rows) == n + 1
    assert all(isinstance(r[4], str) and len(r[4]) == 15 for r in rows[1:])
    assert all(isinstance(r[11], str) for r in rows[1:])
    text = "\n".join(" ; ".join("" if v is None else str(v) for v in r) for r in rows)
    assert extract(text) == it.identifiers


def test_eml_with_pdf_attachment(records):
    rec = next(r for r in records if r.results and r.establishment is LAB)
    buf, it, att = io.BytesIO(), _truth(), _truth()
    name = eml.write_eml(rec, buf, sink=it.add, pdf_sink=att.add)
    msg = email.message_from_bytes(buf.getvalue(), policy=email.policy.default)
    assert msg["To"].addresses[0].addr_spec == rec.prescriber.email
    assert "démo" in str(msg["From"])
    body = msg.get_body(("plain",)).get_content()
    assert spaced_nir(rec.patient.nir) in body
    parts = list(msg.iter_attachments())
    assert len(parts) == 1 and parts[0].get_filename() == name
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(parts[0].get_content())).pages)
    assert extract(pdf_text) == att.identifiers
    assert extract(buf.getvalue().decode("ascii")) == it.identifiers
    again = io.BytesIO()
    eml.write_eml(rec, again)
    assert again.getvalue() == buf.getvalue()
