"""Realistic samples for the typing and content-layer tests, built in memory (no network, no test-data download).

French lab / hospital flavour: NIRs with valid keys, FINESS numbers, accents, cp1252 CSV with ';',
HL7 v2 ADT with \\r, SQL dumps as the real tools write them, DICOM with and without preamble,
office documents, e-mails with attachments and an mbox.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import random
import tarfile
import zipfile
from email.message import EmailMessage
from email.policy import SMTP

# --------------------------------------------------------------------------------------------- people


def nir(sex: int, year: int, month: int, dept: str, commune: int, order: int) -> str:
    """A NIR with its key: 97 - (N mod 97), Corsica 2A/2B as 19/18."""
    body = f"{sex}{year % 100:02d}{month:02d}{dept}{commune:03d}{order:03d}"
    numeric = int(body.replace("2A", "19").replace("2B", "18"))
    return f"{body}{97 - numeric % 97:02d}"


FAMILY = ["Le Gall", "Tanguy", "Le Goff", "Morvan", "Guéguen", "Kerbrat", "Le Bihan", "Hervé", "Cœuret", "Jézéquel"]
GIVEN = ["Maëlle", "Yann", "Gwenaëlle", "Loïc", "Anaïs", "Erwan", "Léa", "Ronan", "Zoé", "François"]
CITIES = ["Saint-Brieuc", "Rennes", "Brest", "Lannion", "Quimper", "Vannes", "Lorient", "Dinan"]


def people(n: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        sex = rng.choice((1, 2))
        year, month = rng.randint(1930, 2015), rng.randint(1, 12)
        dept = rng.choice(("22", "29", "35", "56", "2A"))
        rows.append(
            {
                "ipp": f"{220000000 + i}",
                "nom": rng.choice(FAMILY),
                "prenom": rng.choice(GIVEN),
                "sexe": "M" if sex == 1 else "F",
                "naissance": f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
                "nir": nir(sex, year, month, dept, rng.randint(1, 999), rng.randint(1, 999)),
                "ville": rng.choice(CITIES),
                "hb": f"{rng.uniform(9.5, 17.5):.1f}".replace(".", ","),
            }
        )
    return rows


FINESS_CHU = "220000020"  # 9 characters, department 22 (Côtes-d'Armor)

# ----------------------------------------------------------------------------------------- text kinds


def csv_cp1252(n: int = 200) -> bytes:
    lines = ["IPP;Nom;Prénom;Sexe;Date de naissance;NIR;Ville;Hémoglobine (g/dL);Service"]
    for p in people(n):
        lines.append(
            f"{p['ipp']};{p['nom']};{p['prenom']};{p['sexe']};{p['naissance']};{p['nir']};{p['ville']};"
            f"{p['hb']};Hématologie – CHU d’Armor"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def csv_utf16_bom(n: int = 100) -> bytes:
    """Excel's "Unicode text": UTF-16 LE with BOM, tab-separated."""
    lines = ["IPP\tNom\tPrénom\tNIR\tVille"]
    lines += [f"{p['ipp']}\t{p['nom']}\t{p['prenom']}\t{p['nir']}\t{p['ville']}" for p in people(n)]
    return "\r\n".join(lines).encode("utf-16")  # Python writes the BOM (LE on this platform)


def csv_utf8_comma_quoted(n: int = 50) -> bytes:
    lines = ['ipp,nom,prenom,adresse,nir']
    lines += [f'{p["ipp"]},"{p["nom"]}",{p["prenom"]},"12, rue de la Gare, {p["ville"]}",{p["nir"]}' for p in people(n)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def hl7_adt(n: int = 5, sep: str = "\r") -> bytes:
    msgs = []
    for i, p in enumerate(people(n)):
        segs = [
            f"MSH|^~\\&|SIH_CHU|{FINESS_CHU}|LABO|BIORANCE|20240312101500||ADT^A01^ADT_A01|MSG{i:05d}|P|2.5|||||FRA|UNICODE UTF-8",
            "EVN|A01|20240312101500",
            f"PID|1||{p['ipp']}^^^CHU_ARMOR^PI~{p['nir']}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS||"
            f"{p['nom'].upper()}^{p['prenom']}^^^^^L||{p['naissance'].replace('-', '')}|{p['sexe']}|||"
            f"3 rue de Brest^^{p['ville']}^^22000^FRA",
            f"PV1|1|I|{FINESS_CHU}^HEMATO^12^^^^^^^^CHU|||||||||||||||{900000 + i}",
        ]
        msgs.append(sep.join(segs) + sep)
    return "".join(msgs).encode("utf-8")


def mysql_dump(n: int = 30) -> bytes:
    rows = ",".join(
        f"({i},'{p['ipp']}','{p['nom'].replace(chr(39), chr(92) + chr(39))}','{p['prenom']}','{p['naissance']}','{p['nir']}')"
        for i, p in enumerate(people(n), 1)
    )
    return f"""-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: dpi
-- ------------------------------------------------------
-- Server version	8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;

--
-- Table structure for table `patients`
--

DROP TABLE IF EXISTS `patients`;
CREATE TABLE `patients` (
  `id` int NOT NULL AUTO_INCREMENT,
  `ipp` varchar(20) NOT NULL,
  `nom` varchar(80) DEFAULT NULL,
  `prenom` varchar(80) DEFAULT NULL,
  `date_naissance` date DEFAULT NULL,
  `nir` char(15) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `patients` WRITE;
INSERT INTO `patients` VALUES {rows};
UNLOCK TABLES;
""".encode()


def pg_dump(n: int = 30) -> bytes:
    rows = "\n".join(
        f"{i}\t{p['ipp']}\t{p['nom']}\t{p['prenom']}\t{p['naissance']}\t{p['nir']}" for i, p in enumerate(people(n), 1)
    )
    return f"""--
-- PostgreSQL database dump
--

\\restrict Xq3fVb8kTzW1pLmN0aRcYdGh2sJ4uE6iO9tKv5wByHn7

-- Dumped from database version 17.6
-- Dumped by pg_dump version 17.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);

CREATE TABLE public.patients (
    id integer NOT NULL,
    ipp character varying(20),
    nom character varying(80),
    prenom character varying(80),
    date_naissance date,
    nir character(15)
);

COPY public.patients (id, ipp, nom, prenom, date_naissance, nir) FROM stdin;
{rows}
\\.

\\unrestrict Xq3fVb8kTzW1pLmN0aRcYdGh2sJ4uE6iO9tKv5wByHn7
""".encode()


def pg_dump_data_only_tail() -> bytes:
    """A head that starts at a COPY block (e.g. a dump split in pieces)."""
    return b"COPY public.resultats (id, ipp, code, valeur) FROM stdin;\n1\t220000001\tHB\t13.5\n2\t220000002\tHB\t12.1\n"


def sqlite_dump(n: int = 20) -> bytes:
    rows = "\n".join(
        f"INSERT INTO patients VALUES({i},'{p['ipp']}','{p['nom'].replace(chr(39), chr(39) * 2)}','{p['nir']}');"
        for i, p in enumerate(people(n), 1)
    )
    return (
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        "CREATE TABLE patients(id INTEGER PRIMARY KEY, ipp TEXT, nom TEXT, nir TEXT);\n"
        f"{rows}\nCOMMIT;\n"
    ).encode()


def generic_sql() -> bytes:
    return (
        b"-- export manuel\n"
        b"INSERT INTO patients (ipp, nom, nir) VALUES ('220000001', 'Morvan', '185052203100147');\n"
        b"INSERT INTO patients (ipp, nom, nir) VALUES ('220000002', 'Tanguy', '285112903500233');\n"
    )


def fhir_bundle(n: int = 10) -> bytes:
    entries = [
        {
            "fullUrl": f"urn:uuid:pat-{i}",
            "resource": {
                "resourceType": "Patient",
                "id": f"pat-{i}",
                "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": p["nir"]}],
                "name": [{"family": p["nom"], "given": [p["prenom"]]}],
                "birthDate": p["naissance"],
            },
        }
        for i, p in enumerate(people(n))
    ]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}, indent=2,
                      ensure_ascii=False).encode()


def fhir_ndjson(n: int = 10) -> bytes:
    lines = [
        json.dumps({"resourceType": "Patient", "id": f"p{i}", "name": [{"family": p["nom"]}],
                    "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": p["nir"]}]},
                   ensure_ascii=False)
        for i, p in enumerate(people(n))
    ]
    return ("\n".join(lines) + "\n").encode()


def plain_json() -> bytes:
    return json.dumps({"export": "laboratoire", "lignes": [{"ipp": p["ipp"], "hb": p["hb"]} for p in people(5)]},
                      indent=1).encode()


def cda() -> bytes:
    p = people(1)[0]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <id root="1.2.250.1.213.1.1.9" extension="CR-BIO-0001"/>
  <title>Compte rendu de biologie</title>
  <recordTarget><patientRole>
    <id root="1.2.250.1.213.1.4.8" extension="{p['nir']}"/>
    <patient><name><family>{p['nom']}</family><given>{p['prenom']}</given></name></patient>
  </patientRole></recordTarget>
</ClinicalDocument>
""".encode()


def eml_simple() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Secrétariat Hémato <secretariat.hemato@chu-armor.fr>"
    msg["To"] = "dr.morvan@cabinet-lannion.fr"
    msg["Subject"] = "Résultats de Mme Le Gall"
    msg["Date"] = "Tue, 12 Mar 2024 10:15:00 +0100"
    msg["Message-ID"] = "<20240312101500.4242@chu-armor.fr>"
    msg.set_content("Bonjour,\nveuillez trouver les résultats.\n")
    return msg.as_bytes(policy=SMTP)


# ------------------------------------------------------------------------------------- binary kinds


def lab_report_pdf(patient: dict[str, str], pages: int = 2) -> bytes:
    """A French lab report (reportlab, compressed page streams), one patient, ``pages`` pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle("Compte rendu de biologie")
    c.setAuthor("Laboratoire Biorance Saint-Brieuc")
    for page in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(50, 800, "Laboratoire de biologie médicale – CHU d'Armor")
        c.setFont("Helvetica", 10)
        c.drawString(50, 780, f"FINESS {FINESS_CHU} · Page {page}/{pages}")
        c.drawString(50, 750, f"Patient : {patient['nom'].upper()} {patient['prenom']}  né(e) le {patient['naissance']}")
        c.drawString(50, 735, f"NIR : {patient['nir']}   IPP : {patient['ipp']}")
        y = 700
        for label, value, unit in (("Hémoglobine", patient["hb"], "g/dL"), ("Hématocrite", "41,2", "%"),
                                   ("Leucocytes", "6,8", "G/L"), ("Plaquettes", "245", "G/L")):
            c.drawString(60, y, f"{label}")
            c.drawString(260, y, f"{value} {unit}")
            y -= 15
        c.showPage()
    c.save()
    return buf.getvalue()


def _zip(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(entries):
            zf.writestr(zipfile.ZipInfo(name, (2024, 3, 12, 10, 15, 0)), data,
                        compress_type=zipfile.ZIP_STORED if stored_first and i == 0 else zipfile.ZIP_DEFLATED)
    return buf.getvalue()


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _w_para(text: str) -> str:
    return f'<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def docx(patient: dict[str, str], body_extra: str = "") -> bytes:
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    doc = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_W}><w:body>'
           + _w_para("Compte rendu d’hospitalisation")
           + _w_para(f"Patient : {patient['nom']} {patient['prenom']}")
           # a NIR split over two runs, with a tab inside a run: Word does this
           + f'<w:p><w:r><w:t>NIR : {patient["nir"][:7]}</w:t></w:r><w:r><w:t>{patient["nir"][7:]}</w:t></w:r>'
           + '<w:r><w:tab/><w:t>Hémoglobine 13,1 g/dL</w:t></w:r></w:p>'
           + '<w:p><w:del><w:r><w:delText>ancien n° 1850522031001</w:delText></w:r></w:del></w:p>'
           + body_extra + "</w:body></w:document>")
    header = f'<?xml version="1.0"?><w:hdr {_W}>' + _w_para(f"CHU d'Armor – FINESS {FINESS_CHU}") + "</w:hdr>"
    footer = f'<?xml version="1.0"?><w:ftr {_W}>' + _w_para("Document confidentiel – secret médical") + "</w:ftr>"
    core = ('<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Dr Yann Kerbrat'
            '</dc:creator><dc:title>CRH</dc:title></cp:coreProperties>')
    return _zip([("[Content_Types].xml", ct.encode()), ("_rels/.rels", rels.encode()),
                 ("word/document.xml", doc.encode()), ("word/header1.xml", header.encode()),
                 ("word/footer1.xml", footer.encode()), ("docProps/core.xml", core.encode())])


def xlsx_openpyxl(n: int = 50) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Export labo"
    ws.append(["IPP", "Nom", "Prénom", "NIR", "Hémoglobine"])
    for p in people(n):
        ws.append([int(p["ipp"]), p["nom"], p["prenom"], p["nir"], float(p["hb"].replace(",", "."))])
    ws2 = wb.create_sheet("Établissements")
    ws2.append(["FINESS", "Raison sociale"])
    ws2.append([FINESS_CHU, "CHU d'Armor"])
    wb.properties.creator = "Gwenaëlle Le Bihan"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_inline_strings(nir_value: str) -> bytes:
    """A hand-made workbook with an inline string cell and a formula, as some exporters write them."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    ct = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.sheet.main+xml"/></Types>')
    wb = f'<?xml version="1.0"?><workbook {ns} {rns}><sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    wbrels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    sheet = (f'<?xml version="1.0"?><worksheet {ns}><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>NIR</t></is></c><c r="B1" t="inlineStr"><is><t>Nom</t></is></c></row>'
             f'<row r="2"><c r="A2" t="inlineStr"><is><t>{nir_value}</t></is></c>'
             '<c r="B2" t="inlineStr"><is><r><t>Le </t></r><r><t>Goff</t></r></is></c>'
             '<c r="C2"><f>SUM(1,2)</f><v>3</v></c></row></sheetData></worksheet>')
    return _zip([("[Content_Types].xml", ct.encode()), ("xl/workbook.xml", wb.encode()),
                 ("xl/_rels/workbook.xml.rels", wbrels.encode()), ("xl/worksheets/sheet1.xml", sheet.encode())])


def ods_odfpy(n: int = 20) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Patients")
    for row_values in [["IPP", "Nom", "NIR", "Hémoglobine"]] + [[p["ipp"], p["nom"], p["nir"], p["hb"]] for p in people(n)]:
        tr = TableRow()
        for value in row_values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def odt_odfpy(patient: dict[str, str]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Lettre de liaison"))
    doc.text.addElement(P(text=f"Patiente : {patient['prenom']} {patient['nom']}, NIR {patient['nir']}."))
    doc.text.addElement(P(text="Hémoglobine à contrôler dans 15 jours."))
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def dicom(preamble: bool, patient: dict[str, str], implicit: bool = True) -> bytes:
    """A small CT image: Part 10 file (preamble + DICM + meta) or a raw dataset (no preamble, no meta)."""
    import numpy as np
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid(prefix="1.2.250.1.999.1.")
    ds.StudyDate = "20240312"
    ds.Modality = "CT"
    ds.InstitutionName = "CHU d'Armor"
    ds.PatientName = f"{patient['nom'].upper()}^{patient['prenom']}"
    ds.PatientID = patient["ipp"]
    ds.PatientBirthDate = patient["naissance"].replace("-", "")
    ds.PatientSex = patient["sexe"]
    ds.StudyInstanceUID = generate_uid(prefix="1.2.250.1.999.2.")
    ds.SeriesInstanceUID = generate_uid(prefix="1.2.250.1.999.3.")
    ds.Rows = ds.Columns = 16
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = (np.arange(256, dtype=np.uint16) * 7).tobytes()
    buf = io.BytesIO()
    if preamble:
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
        ds.file_meta = meta
        ds.preamble = b"\x00" * 128
        ds.save_as(buf, enforce_file_format=True, implicit_vr=implicit, little_endian=True)
    else:
        ds.save_as(buf, implicit_vr=implicit, little_endian=True)
    return buf.getvalue()


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (32, 32), 128).save(buf, format="PNG")
    return buf.getvalue()


def jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buf, format="JPEG")
    return buf.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    return _zip(list(files.items()))


def tar_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1710234900
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def v7_tar_of(files: dict[str, bytes]) -> bytes:
    """An old-style tar: no "ustar" magic, only the header checksum identifies it."""
    data = bytearray(tar_of(files))
    pos = 0
    while pos + 512 <= len(data) and data[pos:pos + 512].strip(b"\x00"):
        header = data[pos:pos + 512]
        header[257:265] = b"\x00" * 8
        header[148:156] = b" " * 8
        header[148:156] = b"%06o\x00 " % sum(header)
        data[pos:pos + 512] = header
        size = int(header[124:136].strip(b"\x00 ") or b"0", 8)
        pos += 512 + (size + 511) // 512 * 512
    return bytes(data)


def compressed(fmt: str, data: bytes) -> bytes:
    if fmt == "gzip":
        return gzip.compress(data, mtime=0)
    if fmt == "bzip2":
        return bz2.compress(data)
    if fmt == "xz":
        return lzma.compress(data)
    if fmt == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    if fmt == "7z":
        import py7zr

        buf = io.BytesIO()
        with py7zr.SevenZipFile(buf, "w") as archive:
            archive.writestr(data, "patients.csv")
        return buf.getvalue()
    raise ValueError(fmt)


def eml_with_pdf(patient: dict[str, str], pdf: bytes) -> bytes:
    """Latin-1 quoted-printable plain body + HTML alternative, a base64 PDF and a forwarded message."""
    from email.mime.application import MIMEApplication
    from email.mime.message import MIMEMessage
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.parser import BytesParser
    from email.policy import compat32

    body = (f"Bonjour Docteur,\n\nVeuillez trouver ci-joint le compte rendu de {patient['prenom']} "
            f"{patient['nom']} (NIR {patient['nir']}).\nHémoglobine à 9,8 g/dL : à contrôler.\n\nCordialement,\n"
            "Secrétariat d'hématologie\n")
    body = body.replace("œ", "oe").replace("Œ", "OE")  # not in latin-1
    plain = MIMEText(body, "plain", "iso-8859-1")  # quoted-printable for latin-1 in the stdlib
    html = MIMEText(f"<html><head><style>p{{color:red}}</style></head><body><p>Bonjour Docteur,</p>"
                    f"<p>Compte rendu de <b>{patient['prenom']} {patient['nom']}</b> &amp; suivi.</p></body></html>",
                    "html", "utf-8")
    alternative = MIMEMultipart("alternative")
    alternative.attach(plain)
    alternative.attach(html)
    attachment = MIMEApplication(pdf, "pdf")
    attachment.add_header("Content-Disposition", "attachment", filename=("iso-8859-1", "", "Compte rendu Hémato.pdf"))
    forwarded = BytesParser(policy=compat32).parsebytes(eml_simple())
    outer = MIMEMultipart("mixed")
    outer["From"] = "Laboratoire Biorance <resultats@biorance.example.fr>"
    outer["To"] = "Dr Ronan Morvan <ronan.morvan@cabinet-lannion.example.fr>"
    outer["Subject"] = "=?iso-8859-1?q?R=E9sultats_d=27analyses?="
    outer["Date"] = "Tue, 12 Mar 2024 11:02:00 +0100"
    outer["Message-ID"] = "<20240312110200.77@biorance.example.fr>"
    outer["MIME-Version"] = "1.0"
    outer.attach(alternative)
    outer.attach(attachment)
    outer.attach(MIMEMessage(forwarded))
    return outer.as_bytes()


def mbox_three(patients: list[dict[str, str]], csv_attachment: bytes) -> bytes:
    """Three messages with mboxrd quoting; the second carries a CSV attachment."""
    msgs = []
    for i, p in enumerate(patients[:3], 1):
        msg = EmailMessage()
        msg["From"] = f"agent{i}@ght-armor.example.fr"
        msg["To"] = "dim@ght-armor.example.fr"
        msg["Subject"] = f"Dossier {p['ipp']}"
        msg["Date"] = f"Wed, 13 Mar 2024 0{i}:00:00 +0100"
        msg["Message-ID"] = f"<m{i}@ght-armor.example.fr>"
        msg.set_content(f"Patient {p['nom']} {p['prenom']}, NIR {p['nir']}.\nFrom the ward: RAS.\n")
        if i == 2:
            msg.add_attachment(csv_attachment, maintype="text", subtype="csv", filename="export_dim.csv")
        raw = msg.as_bytes(policy=SMTP).replace(b"\r\n", b"\n")
        raw = raw.replace(b"\nFrom the ward", b"\n>From the ward")  # mboxrd quoting of a body line
        msgs.append(f"From agent{i}@ght-armor.example.fr Wed Mar 13 0{i}:00:00 2024\n".encode() + raw + b"\n")
    return b"".join(msgs)
