"""kinds.sniff: typing from content, encodings, extension mismatches, truncated heads, speed."""

from __future__ import annotations

import codecs
import random
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine import fixtures_kinds as F
from workbench.engine import kinds
from workbench.engine.kinds import detect_encoding, extension_of, sniff

HEAD = 65536
PATIENT = F.people(3)[1]


def _samples() -> dict[str, tuple[bytes, str, str | None]]:
    """name -> (content, expected kind, expected format)."""
    pdf = F.lab_report_pdf(PATIENT)
    csv_bytes = F.csv_cp1252(50)
    return {
        "patients.csv": (F.csv_cp1252(), "csv", "csv"),
        "export_unicode.csv": (F.csv_utf16_bom(), "csv", "tsv"),
        "adresses.csv": (F.csv_utf8_comma_quoted(), "csv", "csv"),
        "adt.hl7": (F.hl7_adt(), "hl7v2", None),
        "dpi.sql": (F.mysql_dump(), "sql-dump", "mysql"),
        "dpi_pg.sql": (F.pg_dump(), "sql-dump", "postgresql"),
        "piece2.sql": (F.pg_dump_data_only_tail(), "sql-dump", "postgresql"),
        "lite.sql": (F.sqlite_dump(), "sql-dump", "sqlite"),
        "manuel.sql": (F.generic_sql(), "sql-dump", "sql"),
        "bundle.json": (F.fhir_bundle(), "fhir-json", None),
        "patients.ndjson": (F.fhir_ndjson(), "fhir-ndjson", None),
        "labo.json": (F.plain_json(), "json", None),
        "crbio.xml": (F.cda(), "cda", None),
        "mail.eml": (F.eml_simple(), "email", None),
        "resultats.eml": (F.eml_with_pdf(PATIENT, pdf), "email", None),
        "boite.mbox": (F.mbox_three(F.people(3), csv_bytes), "mbox", None),
        "cr.pdf": (pdf, "pdf", None),
        "crh.docx": (F.docx(PATIENT), "docx", None),
        "export.xlsx": (F.xlsx_openpyxl(), "xlsx", None),
        "inline.xlsx": (F.xlsx_inline_strings(PATIENT["nir"]), "xlsx", None),
        "patients.ods": (F.ods_odfpy(), "ods", None),
        "lettre.odt": (F.odt_odfpy(PATIENT), "odt", None),
        "ct.dcm": (F.dicom(True, PATIENT), "dicom", "part10"),
        "ct_raw.dcm": (F.dicom(False, PATIENT), "dicom", "raw"),
        "ct_raw_explicit.dcm": (F.dicom(False, PATIENT, implicit=False), "dicom", "raw"),
        "scan.png": (F.png(), "image", "png"),
        "photo.jpg": (F.jpeg(), "image", "jpeg"),
        "dump.zip": (F.zip_of({"patients.csv": csv_bytes}), "archive", "zip"),
        "dump.tar": (F.tar_of({"patients.csv": csv_bytes}), "archive", "tar"),
        "old.tar": (F.v7_tar_of({"patients.csv": csv_bytes}), "archive", "tar"),
        "dump.tar.gz": (F.compressed("gzip", F.tar_of({"a.csv": csv_bytes})), "archive", "gzip"),
        "patients.csv.bz2": (F.compressed("bzip2", csv_bytes), "archive", "bzip2"),
        "patients.csv.xz": (F.compressed("xz", csv_bytes), "archive", "xz"),
        "patients.csv.zst": (F.compressed("zstd", csv_bytes), "archive", "zstd"),
        "dump.7z": (F.compressed("7z", csv_bytes), "archive", "7z"),
    }


SAMPLES = _samples()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_kind_from_content(name: str) -> None:
    data, kind, fmt = SAMPLES[name]
    info = sniff(data[:HEAD], name)
    assert (info.kind, info.format) == (kind, fmt)
    assert not info.ext_mismatch
    assert info.extension == extension_of(name)


# A wrong but specific extension for each sample: the mismatch must be flagged.
WRONG = {
    "csv": "report.pdf", "hl7v2": "adt.csv", "sql-dump": "data.json", "fhir-json": "bundle.xml",
    "fhir-ndjson": "patients.csv", "json": "labo.hl7", "cda": "cr.pdf", "email": "mail.docx", "mbox": "boite.eml",
    "pdf": "scan.jpg", "docx": "crh.xlsx", "xlsx": "export.csv", "ods": "patients.xlsx", "odt": "lettre.docx",
    "dicom": "ct.png", "image": "photo.pdf", "archive": "patients.csv",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_misnamed_items_are_flagged(name: str) -> None:
    data, kind, _ = SAMPLES[name]
    wrong = WRONG[kind]
    info = sniff(data[:HEAD], wrong)
    assert info.kind == kind
    assert info.ext_mismatch, (name, wrong)
    # generic extensions and no extension never mismatch
    for generic in ("dump.dat", "sans_extension", "fichier.bin", "journal.log"):
        assert not sniff(data[:HEAD], generic).ext_mismatch, generic
    # .txt promises text of some kind (issue 14: a gzip named .txt slipped past)
    textual = kind in ("csv", "hl7v2", "sql-dump", "fhir-json", "fhir-ndjson", "json", "cda", "email", "mbox")
    assert sniff(data[:HEAD], "export.txt").ext_mismatch is not textual, (name, kind)


def test_image_format_mismatch_and_office_in_zip() -> None:
    assert sniff(F.png(), "photo.jpg").ext_mismatch  # a PNG is not what .jpg says
    assert not sniff(F.docx(PATIENT), "crh.zip").ext_mismatch  # a docx is a zip: not a lie
    assert sniff(F.zip_of({"a.csv": b"x;y\n1;2\n"}), "crh.docx").ext_mismatch  # a plain zip is not a docx
    assert not sniff(F.compressed("gzip", b"abc"), "dump.sql.gz").ext_mismatch


def test_extension_of() -> None:
    assert extension_of("Dump.TAR.GZ") == "tar.gz"
    assert extension_of("dump.zip!/export/patients.sql.gz") == "sql.gz"
    assert extension_of(r"C:\Users\dim\Export.CSV") == "csv"
    assert extension_of(".bashrc") == ""
    assert extension_of("README") == ""
    assert extension_of("archive.tar") == "tar"
    assert extension_of("rapport final.pdf ") == "pdf"
    assert extension_of("x.") == ""


# ------------------------------------------------------------------------------------------ encodings


def test_cp1252_csv_with_semicolons_and_accents() -> None:
    info = sniff(F.csv_cp1252(), "patients.csv")
    assert info.encoding == "cp1252"  # ’ (0x92) and – (0x96) are cp1252 letters, not C1 controls
    assert info.delimiter == ";"
    assert info.mime == "text/csv"


def test_encoding_rules() -> None:
    assert detect_encoding("Hôpital;Brest\n".encode("latin-1")) == ("latin-1", False)  # no 0x80-0x9f byte
    assert detect_encoding("Cœur;Saint-Brieuc\n".encode("cp1252")) == ("cp1252", False)
    assert detect_encoding(b"abc\x81def\xe9") == ("latin-1", False)  # 0x81 is undefined in cp1252
    assert detect_encoding("Hémoglobine".encode()) == ("utf-8", False)
    assert detect_encoding(codecs.BOM_UTF8 + b"a;b\n") == ("utf-8-sig", True)
    assert detect_encoding(codecs.BOM_UTF16_BE + "a;b".encode("utf-16-be")) == ("utf-16-be", True)
    assert detect_encoding("a;b\n".encode("utf-32")) == ("utf-32-le", True)
    text = "IPP;Nom;NIR\n220000001;Guéguen;185052203100147\n" * 5
    assert detect_encoding(text.encode("utf-16-le")) == ("utf-16-le", False)
    assert detect_encoding(text.encode("utf-16-be")) == ("utf-16-be", False)


def test_utf16_csv_without_bom() -> None:
    text = "IPP;Nom;NIR\n" + "".join(f"{p['ipp']};{p['nom']};{p['nir']}\n" for p in F.people(20))
    info = sniff(text.encode("utf-16-be"), "export.csv")
    assert (info.kind, info.encoding, info.delimiter, info.bom) == ("csv", "utf-16-be", ";", False)


def test_utf32_bom_csv() -> None:
    data = "a;b;c\n1;2;3\n4;5;6\n".encode("utf-32")
    info = sniff(data, "x.csv")
    assert (info.kind, info.encoding, info.bom) == ("csv", "utf-32-le", True)


# ---------------------------------------------------------------------------------- truncated heads


def test_heads_cut_mid_character_and_mid_line() -> None:
    utf8_csv = "\n".join(["nom;prénom;ville"] + [f"{p['nom']};{p['prenom']};{p['ville']}" for p in F.people(400)])
    data = utf8_csv.encode()
    cut = data.index("é".encode(), 5000) + 1  # inside the two bytes of é
    info = sniff(data[:cut], "x.csv")
    assert (info.kind, info.encoding, info.delimiter) == ("csv", "utf-8", ";")
    utf16 = F.csv_utf16_bom(200)
    info = sniff(utf16[:3001], "x.csv")  # odd length: half a UTF-16 code unit
    assert (info.kind, info.encoding) == ("csv", "utf-16-le")
    for name in ("patients.ndjson", "adt.hl7", "dpi.sql", "dpi_pg.sql", "bundle.json", "mail.eml"):
        data, kind, fmt = SAMPLES[name]
        for n in (300, 1001, 4000):
            assert sniff(data[:n], name).kind == kind, (name, n)
    # a head shorter than the first NDJSON line cannot tell it from one JSON resource: FHIR either way
    assert sniff(SAMPLES["patients.ndjson"][0][:97], "p.ndjson").kind == "fhir-json"


def test_truncated_binary_heads() -> None:
    assert sniff(SAMPLES["cr.pdf"][0][:64], "cr.pdf").kind == "pdf"
    assert sniff(SAMPLES["ct.dcm"][0][:132], "ct.dcm").kind == "dicom"
    assert sniff(SAMPLES["ct_raw.dcm"][0][:40], "ct.dcm").kind == "dicom"
    docx = SAMPLES["crh.docx"][0]
    assert sniff(docx[:1024], "crh.docx").kind == "docx"  # [Content_Types].xml, first member, inflated
    assert sniff(docx[:1024].replace(b"word/", b"wxyz/"), "crh.docx").kind == "docx"  # its content alone
    assert sniff(SAMPLES["dump.zip"][0][:30], "dump.zip").kind == "archive"
    assert sniff(SAMPLES["dump.tar"][0][:512], "dump.tar").format == "tar"


def test_odf_from_mimetype_member() -> None:
    # ODF puts a stored "mimetype" member first: enough to tell ods from odt in a short head
    assert sniff(SAMPLES["patients.ods"][0][:120], "x.zip").kind == "ods"
    assert sniff(SAMPLES["lettre.odt"][0][:120], "x.zip").kind == "odt"


# ------------------------------------------------------------------------------------ text details


def test_hl7_variants() -> None:
    base = F.hl7_adt(2)
    assert sniff(b"\x0b" + base + b"\x1c\r", "feed.txt").kind == "hl7v2"  # MLLP framing
    assert sniff(codecs.BOM_UTF8 + base, "feed.txt").kind == "hl7v2"
    lf = F.hl7_adt(2, sep="\n")
    info = sniff(lf, "feed.txt")
    assert (info.kind, info.delimiter, info.ext_mismatch) == ("hl7v2", "|", False)  # .txt is generic
    batch = b"FHS|^~\\&|LAB|CHU|||20240312\rBHS|^~\\&|LAB\r" + base
    assert sniff(batch, "lot.hl7").kind == "hl7v2"
    assert sniff(b"MSH is the message header segment of HL7 v2.\n", "notes.txt").kind == "text"


def test_email_and_mbox_are_not_confused_with_text() -> None:
    assert sniff(b"From: a\nTo: b\n\nhello", "x").kind == "text"  # two headers, no strong one: not enough
    assert sniff(b"Received: from mx.chu.fr\nFrom: a@b.fr\n\nhello", "x").kind == "email"
    assert sniff(b"From someone in Brest we got this dump.\nIt has three lines.\n", "x").kind == "text"


def test_json_variants() -> None:
    ndjson = b'{"ipp": "1", "hb": 12}\n{"ipp": "2", "hb": 13}\n{"ipp": "3", "hb"'
    info = sniff(ndjson, "x.ndjson")
    assert (info.kind, info.format) == ("json", "ndjson")
    assert sniff(b'[{"resourceType": "Observation", "status": "final"}]', "x.json").kind == "fhir-json"
    assert sniff(b"[INFO] 2024-03-12 export started\n[INFO] done\n", "x.log").kind == "text"


def test_xml_and_html() -> None:
    assert sniff(b'<?xml version="1.0"?><Patient xmlns="http://hl7.org/fhir"><id value="1"/></Patient>',
                 "p.xml").format == "fhir"
    assert sniff(b"<?xml version='1.0'?><export><ligne/></export>", "e.xml").kind == "xml"
    info = sniff(b"<!DOCTYPE html><html><body><p>Bonjour</p></body></html>", "page.html")
    assert (info.kind, info.format, info.ext_mismatch) == ("text", "html", False)


def test_prose_is_text_not_csv() -> None:
    prose = (
        "Compte rendu de la réunion du GHT d'Armor.\n"
        "Les établissements présents ont validé la procédure de balisage des exports.\n"
        "Prochaine réunion à Saint-Brieuc, salle du conseil, le 4 avril.\n"
        "Les laboratoires transmettront leurs listes de patients témoins.\n"
    ).encode()
    info = sniff(prose, "cr.txt")
    assert info.kind == "text"
    assert info.encoding == "utf-8"


def test_csv_needs_consistent_fields() -> None:
    assert sniff(b"a;b;c\n1;2\n3;4;5;6\n7\n", "x.csv").kind == "text"
    decimal_commas = b"nom;valeur\nDupont;1,5\nMartin;2,25\nLe Gall;3,0\n"
    assert sniff(decimal_commas, "x.csv").delimiter == ";"
    pipes = b"ipp|nom|nir\n1|Morvan|185052203100147\n2|Tanguy|285112903500233\n"
    assert sniff(pipes, "x.psv").delimiter == "|"


# ------------------------------------------------------------------------------------ odd content


def test_empty_and_all_nul() -> None:
    empty = sniff(b"", "patients.csv")
    assert (empty.kind, empty.ext_mismatch) == ("empty", False)
    nul = sniff(b"\x00" * 4096, "patients.csv")
    assert (nul.kind, nul.magic, nul.ext_mismatch) == ("binary", "data", True)  # a wiped or encrypted CSV


def test_random_bytes_are_binary() -> None:
    for seed in range(5):
        info = sniff(random.Random(seed).randbytes(HEAD), "x.csv")
        assert info.kind == "binary"
        assert info.ext_mismatch


def test_ole2_and_sqlite() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000
    info = sniff(ole, "vieux.xls")
    assert (info.kind, info.format, info.ext_mismatch) == ("binary", "ole2", False)
    assert sniff(b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\x00" * 200, "dpi.db").kind == "sqlite"


def test_dicom_without_preamble_is_checked_structurally() -> None:
    raw = SAMPLES["ct_raw.dcm"][0]
    assert sniff(raw, "x").kind == "dicom"
    broken = raw[:4] + b"\x00\x00\x00\x7f" + raw[8:]  # (0008,0005) with an absurd length
    assert sniff(broken, "x").kind != "dicom"
    assert sniff(b"\x08\x00\x05\x00" + b"ABC", "x").kind != "dicom"
    swapped = raw[:8] + raw[8:] .replace(b"\x08\x00\x08\x00", b"\x08\x00\x01\x00", 1)  # tags out of order
    assert sniff(swapped, "x").kind != "dicom"


def test_without_libmagic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "_magic_instances", lambda: None)
    info = sniff(SAMPLES["cr.pdf"][0], "cr.pdf")
    assert (info.kind, info.magic) == ("pdf", None)
    assert sniff(b"plain words\n", "x").kind == "text"


def test_libmagic_errors_are_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def from_buffer(self, buf: bytes) -> str:
            raise RuntimeError("libmagic exploded")

    monkeypatch.setattr(kinds, "_magic_instances", lambda: (Broken(), Broken()))
    info = sniff(SAMPLES["dump.zip"][0], "dump.zip")
    assert (info.kind, info.format, info.magic) == ("archive", "zip", None)


# ------------------------------------------------------------------------------------------- speed


def test_sniff_speed_on_typical_heads() -> None:
    heads = {
        "csv": F.csv_cp1252(2000)[:HEAD],
        "sql": F.mysql_dump(2000)[:HEAD],
        "hl7": F.hl7_adt(200)[:HEAD],
        "zip": SAMPLES["dump.zip"][0][:HEAD],
    }
    rates = {}
    for label, head in heads.items():
        assert len(head) > 1000
        sniff(head, "x")
        n = 200
        start = time.perf_counter()
        for _ in range(n):
            sniff(head, "x")
        rates[label] = n / (time.perf_counter() - start)
    print("sniff calls/s:", {k: round(v) for k, v in rates.items()})
    assert min(rates.values()) > 200, rates


# --- DICOM data sets without preamble and file meta (issue 12) -------------------------------------------------


def _bare(ds, *, implicit: bool = True) -> bytes:
    """A data set written the way PACS exports and C-STORE dumps write it: no preamble, no file meta."""
    import io

    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=implicit, little_endian=True, enforce_file_format=False)
    return buf.getvalue()


def _minimal_datasets():
    from pydicom.dataset import Dataset
    from pydicom.uid import SecondaryCaptureImageStorage

    patient_only = Dataset()
    patient_only.PatientName, patient_only.PatientID = "LE GALL^Yann", "IPP0042"
    sop_only = Dataset()
    sop_only.SOPClassUID = SecondaryCaptureImageStorage
    sop_only.Modality = "OT"
    one = Dataset()
    one.StudyInstanceUID = "1.2.250.1.59.7"
    pixels_only = Dataset()
    pixels_only.Rows = pixels_only.Columns = 4
    pixels_only.BitsAllocated, pixels_only.BitsStored, pixels_only.HighBit = 16, 12, 11
    pixels_only.SamplesPerPixel, pixels_only.PhotometricInterpretation = 1, "MONOCHROME2"
    pixels_only.PixelRepresentation = 0
    pixels_only.PixelData = bytes(range(32))
    with_group_length = Dataset()
    with_group_length.add_new(0x00080000, "UL", 18)
    with_group_length.SOPInstanceUID = "1.2.250.1.59.7.1"
    with_group_length.Modality = "MR"
    return {"patient": patient_only, "sop": sop_only, "one-element": one, "pixels": pixels_only,
            "group-length": with_group_length}


@pytest.mark.parametrize("implicit", [True, False])
@pytest.mark.parametrize("which", ["patient", "sop", "one-element", "pixels", "group-length"])
def test_bare_dicom_datasets_are_typed(which: str, implicit: bool) -> None:
    data = _bare(_minimal_datasets()[which], implicit=implicit)
    info = sniff(data, "IM000123")
    assert (info.kind, info.format) == ("dicom", "raw"), data[:24]


def test_bare_ct_and_a_c_store_dump_with_its_command_set() -> None:
    from pydicom.dataset import Dataset
    from pydicom.uid import CTImageStorage

    ct = SAMPLES["ct_raw.dcm"][0]
    assert sniff(ct, "x").kind == "dicom"
    command = Dataset()  # C-STORE-RQ command set (PS3.7 9.3.1.1), always implicit VR little endian
    command.AffectedSOPClassUID = CTImageStorage
    command.CommandField = 0x0001
    command.MessageID = 7
    command.Priority = 0
    command.CommandDataSetType = 0x0000
    command.AffectedSOPInstanceUID = "1.2.250.1.59.7.1"
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset

    fp = DicomBytesIO()  # what pynetdicom does with a command set: write_dataset, implicit VR little endian
    fp.is_little_endian, fp.is_implicit_VR = True, True
    write_dataset(fp, command)
    body = fp.getvalue()
    dump = struct.pack("<HHII", 0, 0, 4, len(body)) + body + ct
    assert sniff(dump, "store.bin").kind == "dicom"


def test_random_and_lookalike_binary_is_not_dicom() -> None:
    """200,000 random heads, half of them starting with a real tag of the dictionary: none typed DICOM."""
    from workbench.engine.dicom_sniff import _dictionary, is_raw_dicom

    rnd = random.Random(12)
    tags = sorted(_dictionary())
    hits = []
    for i in range(200_000):
        head = rnd.randbytes(rnd.choice([8, 12, 16, 64, 256]))
        if i % 2:
            tag = rnd.choice(tags)
            head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + head[4:]
        if is_raw_dicom(head):
            hits.append(head)
    assert not hits, hits[:3]
    text = b"id;nom;prenom\n1;LE GALL;Yann\n"
    assert sniff(text, "x.csv").kind == "csv"


def test_the_sniffer_knows_the_dictionary_groups_without_pydicom() -> None:
    """The first-tag shortcut of is_raw_dicom holds the data dictionary's groups; a CSV or SQL head is typed
    without importing pydicom (0.6 s of every scan worker's start), and so are its records parsed."""
    from workbench.engine.dicom_sniff import DICTIONARY_GROUPS, _dictionary

    assert {tag >> 16 for tag in _dictionary()} == DICTIONARY_GROUPS
    code = ("import sys; from workbench.engine.kinds import sniff; import workbench.engine.records; "
            "assert sniff(b'nir;nom;prenom\\n185057800608491;LE GALL;Yann\\n', 'x.csv').kind == 'csv'; "
            "assert sniff(b'-- MySQL dump 10.13\\nINSERT INTO `p` VALUES (1);\\n', 'd.sql').kind == 'sql-dump'; "
            "assert 'pydicom' not in sys.modules, 'pydicom imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
