import io
import json

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from tests.engine.records._support import records
from tests.engine.records.test_records_csv import make_nir
from workbench.engine.records import RecordsError

NIR_F = make_nir(2, 1947, 3, "22", 278, 112)
NIR_M = make_nir(1, 1983, 9, "56", 121, 33)

ADT = "\r".join([
    "MSH|^~\\&|DPI|CHUBREST^290000017^FINESS|EAI|CHUBREST|20240311081500||ADT^A01^ADT_A01|MSG0001|P|2.5|||||FRA|8859/1",
    "EVN|A01|20240311081500",
    f"PID|1||BR0004567^^^CHUBREST&1.2.250.1.71.4.2.2&ISO^PI~{NIR_F}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS"
    "||LE BRIS^Marie Anne^^^^^L~KERVELLA^Marie^^^^^D||19470312|F|||2 rue du Ch\\E\\teau^Appt 3^Plouha^^22580^FRA^H"
    "||02 96 20 30 40^PRN^PH~^NET^Internet^marie.kervella@wanadoo.fr",
    "PV1|1|I|CARDIO^204^1^CHUBREST-MORVAN||||||||||||||||24B0001234^^^CHUBREST^AN|||||||||||||||||||||||||"
    "20240311081500|20240315110000",
    "DG1|1||I21.4^Infarctus sous-endocardique^CIM10||20240311",
]) + "\r"
ACK = "MSH|^~\\&|EAI|CHUBREST|DPI|CHUBREST|20240311081501||ACK^A01|MSG0002|P|2.5\rMSA|AA|MSG0001\r"
ORU = "\r\n".join([
    "MSH|^~\\&|SIL|BIORANCE|DPI|CHUBREST|20240312100000||ORU^R01|LAB77|P|2.5",
    f"PID|1||L998877^^^BIORANCE^PI~{NIR_M}^^^^INS||GUEGUEN^Erwan||19830921|M",
    "OBR|1||77|2345-7^Glucose^LN|||20240312073000",
    "OBX|1|NM|2345-7^Glucose^LN||5.4|mmol/L|3.9-5.5|N|||F|||20240312073000",
])


def test_hl7_adt_ack_oru_messages():
    data = ("\x0b" + ADT + "\x1c\r" + ACK + ORU + "\r\n").encode("latin-1")
    df = records("hl7v2", data)
    assert list(df.locator) == ["msg:1", "msg:3"]  # the ACK (msg:2) has no patient
    adt, oru = df.iloc[0], df.iloc[1]
    assert adt.nir == NIR_F and adt.ipp == "BR0004567"
    assert adt.birth_name == "LE BRIS" and adt.family_name == "KERVELLA" and adt.given_name == "Marie"
    assert adt.birth_date == "1947-03-12" and adt.sex == "F"
    assert adt.address == "2 rue du Ch\\teau Appt 3" and adt.city == "Plouha" and adt.postcode == "22580"
    assert adt.phone == "+33296203040" and adt.email == "marie.kervella@wanadoo.fr"
    assert adt.nda == "24B0001234" and adt.facility_code == "CHUBREST-MORVAN"
    assert adt.facility_finess == "290000017"
    assert adt["src.MSH-4"] == "CHUBREST^290000017^FINESS"
    assert (adt.event_first, adt.event_last) == ("2024-03-11", "2024-03-15")
    assert adt.categories == "identity,contact,nir,health-diagnosis,administrative"
    assert oru.nir == NIR_M and oru.ipp == "L998877" and oru.facility_code == "BIORANCE"
    assert oru.categories == "identity,nir,health-result" and oru.event_first == "2024-03-12"


def test_hl7_batches_and_garbage():
    data = (ORU + "\r").encode() * 25
    frames = records("hl7v2", data, batch_rows=10)
    assert list(frames.locator) == [f"msg:{k}" for k in range(1, 26)]
    with pytest.raises(RecordsError, match="before the first MSH"):
        records("hl7v2", b"PID|1||X\rMSH|^~\\&|A\r")


def _bundle() -> dict:
    patient = {
        "resourceType": "Patient", "id": "p1",
        "identifier": [
            {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": NIR_F},
            {"type": {"coding": [{"code": "PI"}]}, "system": "urn:oid:1.2.250.1.71.4.2.2.290000017",
             "value": "BR0004567"},
        ],
        "name": [{"use": "official", "family": "LE BRIS", "given": ["Marie", "Anne"]},
                 {"use": "usual", "family": "KERVELLA", "given": ["Marie"]}],
        "gender": "female", "birthDate": "1947-03-12",
        "telecom": [{"system": "phone", "value": "0296203040"}, {"system": "email", "value": "MK@Wanadoo.fr"}],
        "address": [{"line": ["2 rue du Château"], "postalCode": "22580", "city": "Plouha"}],
        "managingOrganization": {"display": "CHU de Brest",
                                 "identifier": {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "290000017"}},
    }
    encounter = {"resourceType": "Encounter", "id": "e1", "subject": {"reference": "urn:uuid:aaaa-1"},
                 "identifier": [{"value": "24B0001234"}],
                 "period": {"start": "2024-03-11T08:15:00+01:00", "end": "2024-03-15T11:00:00+01:00"}}
    observation = {"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/p1"},
                   "effectiveDateTime": "2024-03-12T07:30:00+01:00"}
    orphan = {"resourceType": "Condition", "id": "c9", "subject": {"reference": "Patient/elsewhere"},
              "recordedDate": "2023-01-05"}
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:cccc", "resource": orphan},
        {"fullUrl": "urn:uuid:aaaa-1", "resource": patient},
        {"fullUrl": "urn:uuid:eeee", "resource": encounter},
        {"fullUrl": "urn:uuid:oooo", "resource": observation},
        {"fullUrl": "urn:uuid:pppp", "resource": {"resourceType": "Patient", "id": "p2",
                                                 "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8",
                                                                 "value": NIR_M}],
                                                 "name": [{"family": "GUEGUEN", "given": ["Erwan"]}]}},
    ]}


def test_fhir_bundle_one_record_per_patient_with_linked_events():
    df = records("fhir-json", json.dumps(_bundle()).encode())
    assert list(df.locator) == ["entry:2", "entry:5", "entry:1"]
    p1 = df.iloc[0]
    assert p1.nir == NIR_F and p1.ipp == "BR0004567" and p1["src.ipp_system"].endswith("290000017")
    assert (p1.family_name, p1.birth_name, p1.given_name) == ("KERVELLA", "LE BRIS", "Marie")
    assert p1.email == "mk@wanadoo.fr" and p1.phone == "+33296203040" and p1.postcode == "22580"
    assert p1.facility_finess == "290000017" and p1.facility_name == "CHU de Brest" and p1.nda == "24B0001234"
    assert (p1.event_first, p1.event_last) == ("2024-03-11", "2024-03-15")
    assert p1.categories == "identity,contact,nir,health-result,administrative"
    assert df.iloc[1].nir == NIR_M and df.iloc[1].event_first is None
    orphan = df.iloc[2]
    assert orphan["src.subject"] == "Patient/elsewhere" and orphan.categories == "health-diagnosis"


def test_fhir_ndjson_lines():
    entries = [e["resource"] for e in _bundle()["entry"]]
    entries[2]["subject"] = {"reference": "Patient/p1"}
    data = "\n".join(json.dumps(r) for r in entries).encode() + b"\n"
    df = records("fhir-ndjson", data)
    assert list(df.locator) == ["line:2", "line:5", "line:1"]
    assert df.iloc[0].nda == "24B0001234" and df.iloc[0].event_last == "2024-03-15"


def test_fhir_corrupt_input():
    with pytest.raises(RecordsError, match="invalid FHIR JSON"):
        records("fhir-json", b'{"resourceType": "Bundle", "entry": [')
    with pytest.raises(RecordsError, match="line 2"):
        records("fhir-ndjson", b'{"resourceType": "Patient"}\n{broken\n')


def _dicom_bytes(**values) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "LE BRIS^Marie Anne"
    ds.PatientID = "BR0004567"
    ds.IssuerOfPatientID = "CHUBREST"
    ds.PatientBirthDate = "19470312"
    ds.PatientSex = "F"
    ds.InstitutionName = "CHU de Brest - Hôpital Morvan"
    ds.StudyDate = "20240313"
    ds.SeriesDate = "20240314"
    ds.StudyInstanceUID = "1.2.250.1.59.2024.3.13.1"
    ds.SeriesInstanceUID = "1.2.250.1.59.2024.3.13.1.1"
    ds.Modality = "CT"
    other = Dataset()
    other.PatientID = NIR_F
    other.IssuerOfPatientID = "1.2.250.1.213.1.4.8"
    ds.OtherPatientIDsSequence = [other]
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 4, 4, 16, 12, 11
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PixelRepresentation = 1, "MONOCHROME2", 0
    ds.PixelData = bytes(32)
    for key, value in values.items():
        setattr(ds, key, value)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def test_dicom_header_record():
    df = records("dicom", _dicom_bytes())
    assert len(df) == 1
    r = df.iloc[0]
    assert r.locator == "file" and r.nir == NIR_F and r.ipp == "BR0004567" and r.facility_code == "CHUBREST"
    assert (r.family_name, r.given_name, r.birth_date, r.sex) == ("LE BRIS", "Marie Anne", "1947-03-12", "F")
    assert r.facility_name == "CHU de Brest - Hôpital Morvan" and r.dicom_uid == "1.2.250.1.59.2024.3.13.1"
    assert (r.event_first, r.event_last) == ("2024-03-13", "2024-03-14")
    assert r.categories == "identity,nir,health-imaging" and r["src.Modality"] == "CT"


def test_dicom_corrupt():
    data = _dicom_bytes()
    with pytest.raises(RecordsError):
        records("dicom", data[:200])
    with pytest.raises(RecordsError):
        records("dicom", b"\0" * 128 + b"DICM" + b"\xff" * 64)
    assert pydicom.dcmread(io.BytesIO(data)).PatientID == "BR0004567"


def _bare(ds: Dataset) -> bytes:
    out = io.BytesIO()
    ds.save_as(out, implicit_vr=True, little_endian=True, enforce_file_format=False)
    return out.getvalue()


def test_dicom_without_preamble_and_meta_gives_its_record():
    ds = pydicom.dcmread(io.BytesIO(_dicom_bytes()))
    del ds.file_meta
    ds.preamble = None
    assert b"DICM" not in _bare(ds)[:132]
    df = records("dicom", _bare(ds))
    assert len(df) == 1 and df.iloc[0].ipp == "BR0004567" and df.iloc[0].nir == NIR_F


def test_minimal_dicom_datasets_have_no_record_and_no_error():
    sop = Dataset()
    sop.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"  # secondary capture, nothing about a patient or a study
    sop.Modality = "OT"
    pixels = Dataset()
    pixels.Rows, pixels.Columns, pixels.BitsAllocated, pixels.BitsStored, pixels.HighBit = 2, 2, 16, 12, 11
    pixels.SamplesPerPixel, pixels.PhotometricInterpretation, pixels.PixelRepresentation = 1, "MONOCHROME2", 0
    pixels.PixelData = bytes(8)
    for ds in (sop, pixels):
        assert len(records("dicom", _bare(ds))) == 0
    part10 = io.BytesIO()
    sop.file_meta = FileMetaDataset()
    sop.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    sop.file_meta.MediaStorageSOPClassUID = sop.SOPClassUID
    sop.file_meta.MediaStorageSOPInstanceUID = generate_uid()  # in the meta only, not in the data set
    sop.save_as(part10, enforce_file_format=True)
    assert len(records("dicom", part10.getvalue())) == 0
