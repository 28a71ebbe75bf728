"""Content layers: PDF text, office XML, e-mail bodies and attachments, mbox; bounds and hostile XML."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import pytest

from tests.engine import fixtures_kinds as F
from workbench.engine.blob import Blob
from workbench.engine.kinds import sniff
from workbench.engine.layers import Attachment, LayerError, LayerTruncated, TextLayer, extract
from workbench.engine.layers import mail as mail_layers
from workbench.engine.layers import office as office_layers
from workbench.engine.layers import pdf as pdf_layers
from workbench.engine.layers.htmltext import html_to_text

PATIENTS = F.people(5, seed=11)
P = PATIENTS[0]


def _run(kind: str, data: bytes) -> list[TextLayer | Attachment]:
    with Blob.from_bytes(data) as blob:
        return list(extract(kind, blob))


def _text(items: list[TextLayer | Attachment], name: str | None = None) -> str:
    return "\n".join(i.text for i in items if isinstance(i, TextLayer) and (name is None or i.name == name))


def _collect_until_error(kind: str, data: bytes) -> tuple[list[TextLayer | Attachment], Exception | None]:
    got: list[TextLayer | Attachment] = []
    with Blob.from_bytes(data) as blob:
        try:
            for item in extract(kind, blob):
                got.append(item)
        except LayerError as exc:
            return got, exc
    return got, None


# ------------------------------------------------------------------------------------------------ PDF


def test_pdf_lab_report_text() -> None:
    pdf = F.lab_report_pdf(P, pages=3)
    assert b"FlateDecode" in pdf  # the page streams really are compressed
    assert P["nir"].encode() not in pdf
    items = _run("pdf", pdf)
    assert [type(i) for i in items] == [TextLayer]
    text = items[0].text
    assert items[0].name == "pdf-text"
    assert P["nir"] in text
    assert "Hémoglobine" in text
    assert f"{P['hb']} g/dL" in text
    assert text.count("\f") == 2  # three pages
    assert text.split("\f")[2].count("Page 3/3") == 1


def test_pdf_embedded_file_is_an_attachment() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(F.lab_report_pdf(P, pages=1))))
    csv_bytes = F.csv_cp1252(10)
    writer.add_attachment("export_labo.csv", csv_bytes)
    buf = io.BytesIO()
    writer.write(buf)
    items = _run("pdf", buf.getvalue())
    atts = [i for i in items if isinstance(i, Attachment)]
    assert [(a.name, a.data) for a in atts] == [("export_labo.csv", csv_bytes)]
    assert P["nir"] in _text(items)


def test_pdf_encryption() -> None:
    from pypdf import PdfReader, PdfWriter

    def encrypted(user: str, owner: str) -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(F.lab_report_pdf(P, pages=1))))
        writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
        buf = io.BytesIO()
        writer.write(buf)
        return buf.getvalue()

    # owner password only: the empty user password opens it
    assert P["nir"] in _text(_run("pdf", encrypted("", "owner-secret")))
    with pytest.raises(LayerError, match="encrypted PDF"):
        _run("pdf", encrypted("patient-secret", "owner-secret"))


def test_pdf_corrupt_raises_clearly() -> None:
    with pytest.raises(LayerError, match="PDF"):
        _run("pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(LayerError):
        _run("pdf", b"")


def test_pdf_page_bound_yields_then_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_layers, "MAX_PAGES", 2)
    got, exc = _collect_until_error("pdf", F.lab_report_pdf(P, pages=4))
    assert isinstance(exc, LayerTruncated) and exc.rule == "pdf-pages"
    assert _text(got).count("\f") == 1  # two pages were read and yielded


def test_pdf_text_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_layers, "MAX_TEXT_CHARS", 500)
    got, exc = _collect_until_error("pdf", F.lab_report_pdf(P, pages=4))
    assert isinstance(exc, LayerTruncated) and exc.rule == "pdf-text-size"
    assert 0 < len(_text(got)) <= 500


# --------------------------------------------------------------------------------------------- office


def test_docx_text_with_headers_footers_runs_and_properties() -> None:
    items = _run("docx", F.docx(P))
    assert all(isinstance(i, TextLayer) and i.name == "office-text" for i in items)
    text = _text(items)
    assert f"NIR : {P['nir']}" in text  # the NIR was split over two runs
    assert "\tHémoglobine 13,1 g/dL" in text  # <w:tab/> inside a run
    assert "\nCompte rendu d’hospitalisation" not in text and text.startswith("Compte rendu")  # no pPr tabs
    assert "ancien n° 1850522031001" in text  # deleted text of a tracked change is evidence too
    assert "FINESS 220000020" in text and "secret médical" in text  # header and footer
    assert "creator: Dr Yann Kerbrat" in text


def test_xlsx_openpyxl_shared_strings_and_sheets() -> None:
    text = _text(_run("xlsx", F.xlsx_openpyxl(30)))
    lines = text.splitlines()
    assert lines[0] == "[Export labo]"
    assert lines[1] == "IPP\tNom\tPrénom\tNIR\tHémoglobine"
    people = F.people(30)
    assert lines[2].startswith(f"{people[0]['ipp']}\t{people[0]['nom']}\t{people[0]['prenom']}\t{people[0]['nir']}\t")
    assert all(p["nir"] in text for p in people)
    assert "[Établissements]" in text and "220000020\tCHU d'Armor" in text
    assert "creator: Gwenaëlle Le Bihan" in text


def test_xlsx_inline_strings_and_formulas() -> None:
    text = _text(_run("xlsx", F.xlsx_inline_strings(P["nir"])))
    assert f"{P['nir']}\tLe Goff\t3" in text  # rich inline runs joined, formula value kept
    assert "SUM" not in text


def test_ods_and_odt_with_odfpy() -> None:
    ods_text = _text(_run("ods", F.ods_odfpy(10)))
    rows = ods_text.splitlines()
    assert rows[0] == "IPP\tNom\tNIR\tHémoglobine\t"
    first = F.people(10)[0]
    assert f"{first['ipp']}\t{first['nom']}\t{first['nir']}\t{first['hb']}\t" in rows
    odt_text = _text(_run("odt", F.odt_odfpy(P)))
    assert "Lettre de liaison\n" in odt_text
    assert f"NIR {P['nir']}." in odt_text
    assert "Hémoglobine à contrôler" in odt_text


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]><lolz>&lol9;</lolz>"
).encode()


def _quadratic_blowup() -> bytes:
    big = "A" * 100_000
    return (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{big}">]><r>' + "&a;" * 70 + "</r>").encode()


def test_stdlib_elementtree_behaviour_on_entities() -> None:
    """What the stdlib alone does: expat >= 2.4 stops billion laughs, but lets 8 MiB of expansion through."""
    with pytest.raises(ET.ParseError, match="amplification"):
        for _ in ET.iterparse(io.BytesIO(BILLION_LAUGHS)):
            pass
    expanded = 0
    for _event, elem in ET.iterparse(io.BytesIO(_quadratic_blowup())):
        expanded = len(elem.text or "")
    assert expanded == 7_000_000  # 7 MB out of a 100 KB document (x70): hence our guard, which refuses it


def _docx_with_document(document_xml: bytes) -> bytes:
    data = F.docx(P)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info.filename, document_xml if info.filename == "word/document.xml" else src.read(info))
    return out.getvalue()


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, _quadratic_blowup()], ids=["billion-laughs", "quadratic"])
def test_office_xml_entities_are_refused(payload: bytes) -> None:
    with pytest.raises(LayerError, match="XML refused"):
        _run("docx", _docx_with_document(payload))


def test_office_doctype_without_entities_is_refused_and_clean_text_kept() -> None:
    doc = (b'<?xml version="1.0"?><!DOCTYPE w:document SYSTEM "http://evil.example/x.dtd">'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
    with pytest.raises(LayerError, match="DOCTYPE"):
        _run("docx", _docx_with_document(doc))


def test_office_corrupt_deflate_member() -> None:
    data = bytearray(F.docx(P))
    start = data.index(b"word/document.xml") + len(b"word/document.xml")
    for i in range(start + 20, start + 60):
        data[i] ^= 0x5A
    with pytest.raises(LayerError):
        _run("docx", bytes(data))


def test_office_external_entity_is_refused() -> None:
    xxe = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
           b"<w:t>&x;</w:t></w:r></w:p></w:body></w:document>")
    with pytest.raises(LayerError, match="XML refused"):
        _run("docx", _docx_with_document(xxe))


def test_office_zip_bomb_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office_layers, "MAX_XML_BYTES", 2 * 2**20)
    para = f"<w:p><w:r><w:t>Patient {P['nom']} NIR {P['nir']}</w:t></w:r></w:p>"
    body = para * 200_000  # ~14 MB of XML, compresses to a few hundred KB
    doc = ('<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           f"<w:body>{body}</w:body></w:document>").encode()
    bomb = _docx_with_document(doc)
    assert len(bomb) < len(doc) // 10
    got, exc = _collect_until_error("docx", bomb)
    assert isinstance(exc, LayerTruncated) and exc.rule == "xml-size"
    text = _text(got)
    assert P["nir"] in text  # what was read before the bound is kept
    assert len(text) < 2 * 2**20


def test_office_corrupt_inputs() -> None:
    with pytest.raises(LayerError, match="zip"):
        _run("xlsx", b"PK\x03\x04" + b"\x00" * 100)
    truncated = F.docx(P)[: len(F.docx(P)) // 2]
    with pytest.raises(LayerError):
        _run("docx", truncated)
    no_document = F.zip_of({"[Content_Types].xml": b"<Types/>", "word/styles.xml": b"<w:styles/>"})
    with pytest.raises(LayerError, match="document.xml"):
        _run("docx", no_document)
    malformed = _docx_with_document(b"<w:document xmlns:w='x'><w:body><w:p><w:t>Morvan</w:p>")
    got, exc = _collect_until_error("docx", malformed)
    assert exc is not None and "document.xml" in str(exc)


# --------------------------------------------------------------------------------------------- e-mail


def test_eml_body_headers_and_attachments() -> None:
    pdf = F.lab_report_pdf(P, pages=1)
    raw = F.eml_with_pdf(P, pdf)
    assert b"Content-Transfer-Encoding: quoted-printable" in raw and b"H=E9moglobine" in raw
    assert b"Content-Transfer-Encoding: base64" in raw
    items = _run("email", raw)
    bodies = [i for i in items if isinstance(i, TextLayer)]
    assert len(bodies) == 1 and bodies[0].name == "email-body"
    text = bodies[0].text
    assert "Subject: Résultats d'analyses" in text  # RFC 2047 decoded
    assert "From: Laboratoire Biorance <resultats@biorance.example.fr>" in text
    assert "To: Dr Ronan Morvan" in text
    assert "Hémoglobine à 9,8 g/dL" in text  # quoted-printable latin-1 decoded
    assert f"NIR {P['nir']}" in text
    assert "color:red" not in text  # the HTML alternative is not counted twice, its style never shows
    atts = [i for i in items if isinstance(i, Attachment)]
    assert [a.name for a in atts] == ["Compte rendu Hémato.pdf", "part005.eml"]
    assert atts[0].data == pdf
    nested = atts[1].data
    assert sniff(nested, atts[1].name).kind == "email"
    assert "Résultats de Mme Le Gall" in _text(_run("email", nested))


def test_html_only_mail_and_hostile_names() -> None:
    raw = (
        "From: dim@chu.example.fr\r\nTo: x@y.fr\r\nSubject: export\r\nMessage-ID: <1@chu>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        '--b1\r\nContent-Type: text/html; charset="windows-1252"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        "<html><head><script>alert(1)</script></head><body><p>Liste des patients&nbsp;:</p>"
        f"<table><tr><td>{P['nom']}</td><td>{P['nir']}</td></tr></table><p>C’est urgent</p></body></html>\r\n"
        '--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="../../etc/cron.d/x"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n"
        "--b1\r\nContent-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n\r\nYTtiCjE7Mgo=\r\n--b1--\r\n"
    ).encode("cp1252")
    items = _run("email", raw)
    text = _text(items)
    assert "alert(1)" not in text
    assert f"{P['nom']}\t{P['nir']}" in text
    assert "C’est urgent" in text  # windows-1252 charset honoured
    names = [i.name for i in items if isinstance(i, Attachment)]
    assert names == ["_.._etc_cron.d_x", "part004.csv"]
    assert all("/" not in n for n in names)


def test_html_to_text() -> None:
    html = "<div>Résultats&nbsp;:</div><ul><li>Hb&#160;: 12</li><li>Plaquettes &amp; VS</li></ul><style>x{}</style>"
    assert html_to_text(html) == "Résultats\xa0:\nHb\xa0: 12\nPlaquettes & VS"


def test_mbox_three_messages() -> None:
    csv_bytes = F.csv_cp1252(5)
    raw = F.mbox_three(PATIENTS, csv_bytes)
    assert raw.count(b"\nFrom agent") == 2 and raw.count(b">From the ward") == 3
    items = _run("mbox", raw)
    bodies = [i for i in items if isinstance(i, TextLayer)]
    assert len(bodies) == 3
    for body, person in zip(bodies, PATIENTS[:3], strict=True):
        assert f"Subject: Dossier {person['ipp']}" in body.text
        assert f"NIR {person['nir']}" in body.text
        assert "\nFrom the ward: RAS." in body.text  # mboxrd quoting undone
    atts = [i for i in items if isinstance(i, Attachment)]
    assert [(a.name, a.data) for a in atts] == [("msg0002/export_dim.csv", csv_bytes)]


def test_mbox_message_size_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail_layers, "MAX_MESSAGE_BYTES", 2000)
    big = F.mbox_three(PATIENTS, F.csv_cp1252(200))  # message 2 carries a ~20 KB attachment
    got, exc = _collect_until_error("mbox", big)
    assert isinstance(exc, LayerTruncated) and "msg0002" in str(exc)
    assert len([i for i in got if isinstance(i, TextLayer)]) == 3  # the other messages are complete


def test_mbox_stream_splitting_handles_long_lines() -> None:
    long_line = b"x" * (3 * mail_layers.MAX_LINE_READ) + b" From inside a long line\n"
    raw = (b"From a@b Wed Mar 13 01:00:00 2024\nSubject: un\n\n" + long_line
           + b"From c@d Wed Mar 13 02:00:00 2024\nSubject: deux\n\ncorps\n")
    messages = list(mail_layers.iter_mbox_messages(io.BytesIO(raw)))
    assert len(messages) == 2
    assert messages[0][0].endswith(long_line)


# ---------------------------------------------------------------------------------------- dispatching


def test_other_kinds_yield_nothing() -> None:
    for kind in ("csv", "sql-dump", "hl7v2", "dicom", "image", "binary", "text", "archive"):
        assert _run(kind, F.csv_cp1252(5)) == []


def test_sniff_then_extract_end_to_end() -> None:
    """The kind sniff() gives is the kind extract() understands, for every layered format."""
    first = F.people(5)[0]  # the spreadsheets are built from the default seed
    samples = {
        "a.pdf": (F.lab_report_pdf(P, pages=1), P), "b.docx": (F.docx(P), P), "c.xlsx": (F.xlsx_openpyxl(5), first),
        "d.ods": (F.ods_odfpy(5), first), "e.odt": (F.odt_odfpy(P), P),
        "f.eml": (F.eml_with_pdf(P, F.lab_report_pdf(P, 1)), P), "g.mbox": (F.mbox_three(PATIENTS, b"a;b\n"), P),
    }
    for name, (data, person) in samples.items():
        info = sniff(data[:65536], name)
        assert person["nir"] in _text(_run(info.kind, data)), name
