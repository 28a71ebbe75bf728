"""A corpus of hostile evidence, built the way attackers and broken tools build it (issue 14).

Each ``Case`` is one file: ``build()`` returns its bytes, ``expect`` says how the scan must record its hostile
feature. Expectations, all of which must hold:

- ``finding:RULE``          a finding with that rule on some item of the case
- ``error:TEXT``            an error line (errors table) containing TEXT (case-insensitive)
- ``item:TEXT``             an item whose virtual path contains TEXT
- ``kind:TEXT=KIND``        an item whose virtual path ends with TEXT has that kind

Big outputs (bombs, 3 GiB of whitespace) are built from deflate segments ended by a full flush and repeated:
the exact stream a streaming compressor writes, in milliseconds (see ``tests/engine/bombs.py``).
"""

from __future__ import annotations

import base64
import bz2
import functools
import gzip
import io
import lzma
import struct
import tarfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import zstandard

from tests.engine import bombs


@dataclass(frozen=True)
class Case:
    name: str  # file name in the corpus folder (its extension matters: typing compares it)
    build: Callable[[], bytes]
    expect: tuple[str, ...]
    family: str


# -- small writers ---------------------------------------------------------------------------------
def crc32_repeat(piece: bytes, reps: int) -> int:
    """CRC-32 of ``piece`` repeated ``reps`` times, by doubling."""
    total, power, plen = 0, zlib.crc32(piece), len(piece)
    while reps:
        if reps & 1:
            total = bombs.crc32_combine(total, power, plen)
        power = bombs.crc32_combine(power, power, plen)
        plen *= 2
        reps >>= 1
    return total


def _raw_deflate(data: bytes, finish: bool) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if finish else zlib.Z_FULL_FLUSH)


def padded_member(head: bytes, filler: bytes, reps: int, tail: bytes) -> tuple[bytes, int, int]:
    """(raw deflate, crc, size) of head + filler*reps + tail, built from a repeated history-free segment."""
    body = _raw_deflate(head, False) + _raw_deflate(filler, False) * reps + _raw_deflate(tail, True)
    crc = bombs.crc32_combine(bombs.crc32_combine(zlib.crc32(head), crc32_repeat(filler, reps),
                                                  len(filler) * reps), zlib.crc32(tail), len(tail))
    return body, crc, len(head) + len(filler) * reps + len(tail)


def zip_bytes(members: list[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    bio = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(bio, "w", compression) as zf:
        warnings.simplefilter("ignore")  # duplicate names are the point of some cases
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(2024, 3, 14, 9, 30, 0))
            zi.compress_type = compression
            zi.external_attr = (0o40755 << 16 | 0x10) if name.endswith("/") else 0o100644 << 16
            zf.writestr(zi, data)
    return bio.getvalue()


def tar_bytes(entries: list[tarfile.TarInfo | tuple[str, bytes]], fmt: int = tarfile.GNU_FORMAT) -> bytes:
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=fmt) as tf:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tf.addfile(entry)
            else:
                ti = tarfile.TarInfo(entry[0])
                ti.size, ti.mtime = len(entry[1]), 1710408600
                tf.addfile(ti, io.BytesIO(entry[1]))
    return bio.getvalue()


def tar_entry(name: str, kind: bytes, *, link: str = "", major: int = 0, minor: int = 0) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname, ti.mtime = kind, link, 1710408600
    ti.devmajor, ti.devminor = major, minor
    return ti


PATIENTS = (b"nom;prenom;email\nDUPONT;Jean;jean.dupont@example.fr\nMARTIN;Anne;anne.martin@example.fr\n")
TEXT_LINES = b"".join(b"patient %d contact jean.dupont%d@example.fr\n" % (i, i) for i in range(20000))


# -- archives ----------------------------------------------------------------------------------------
def tar_claiming(size: int) -> bytes:
    """A 4.6 KB tar whose only header claims ``size`` bytes (GNU base-256 size field)."""
    ti = tarfile.TarInfo("big.bin")
    ti.size, ti.mtime = size, 1710408600
    return ti.tobuf(format=tarfile.GNU_FORMAT) + b"hello " * 700


def tar_negative_size() -> bytes:
    """A header whose base-256 size field is -1: tarfile hands out an empty member."""
    block = bytearray(tarfile.TarInfo("neg.txt").tobuf(format=tarfile.GNU_FORMAT))
    block[124:136] = b"\xff" * 12
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\x00 " % sum(block)
    return bytes(block) + tar_bytes([("after.csv", PATIENTS)])


def zip_bad_utf8_name() -> bytes:
    """The UTF-8 flag set on a name whose bytes are cp1252: zipfile refuses the whole archive."""
    data = zip_bytes([("good.csv", PATIENTS), ("caf\u00e9.txt", b"hidden anne.martin@example.fr\n")])
    return data.replace("caf\u00e9.txt".encode(), b"caf\xe9x.txt")


def zip_symlink(target: str) -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as zf:
        zi = zipfile.ZipInfo("link")
        zi.create_system = 3
        zi.external_attr = (0o120777 << 16)
        zf.writestr(zi, target)
        zf.writestr("after.csv", PATIENTS)
    return bio.getvalue()


def zip_only_dirs(count: int = 3, pad: int = 0) -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as zf:
        for i in range(count):
            zi = zipfile.ZipInfo(f"d{i}/")
            zi.external_attr = 0o40755 << 16 | 0x10
            if pad:
                zi.extra = b"\x99\x99" + struct.pack("<H", pad) + bytes(pad)
            zf.writestr(zi, b"")
    return bio.getvalue()


def zip_bad_crc() -> bytes:
    data = bytearray(zip_bytes([("a.csv", PATIENTS)], compression=zipfile.ZIP_STORED))
    data[30 + len("a.csv") + 10] ^= 0xFF  # one byte of the stored data
    return bytes(data)


def zip_encrypted() -> bytes:
    """ZipCrypto by hand is long: a member flagged encrypted with random bytes is what a scanner meets."""
    data = bytearray(zip_bytes([("secret.csv", PATIENTS)], compression=zipfile.ZIP_STORED))
    struct.pack_into("<H", data, 6, 1)
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<H", data, cd + 8, 1)
    return bytes(data)


def zip_zeros_member(total: int = 1 << 30) -> bytes:
    return bombs.raw_zip([(b"zeros.csv", 8, bombs.zero_deflate(total), bombs.crc32_zeros(total), total)])


def nested(levels: int, wrap: Callable[[bytes, int], bytes], leaf: bytes = PATIENTS) -> bytes:
    data = leaf
    for i in range(levels):
        data = wrap(data, i)
    return data


def wrap_zip(data: bytes, i: int) -> bytes:
    return zip_bytes([(f"level{i}.zip" if i else "leaf.csv", data)])


def wrap_gzip(data: bytes, i: int) -> bytes:
    return gzip.compress(data, mtime=0)


def wrap_tar(data: bytes, i: int) -> bytes:
    return tar_bytes([(f"level{i}.tar" if i else "leaf.csv", data)])


def wrap_mixed(data: bytes, i: int) -> bytes:
    return (wrap_zip, wrap_tar, wrap_gzip)[i % 3](data, i)


def cut(data: bytes, fraction: float) -> bytes:
    return data[: int(len(data) * fraction)]


# -- compressed streams --------------------------------------------------------------------------------
@functools.cache
def zeros(n: int) -> bytes:
    return bytes(n)


def zstd_big_window() -> bytes:
    """A frame declaring a 2 GiB window (zstd --long=31, size unknown): decoding it would reserve that much."""
    params = zstandard.ZstdCompressionParameters(window_log=31, enable_ldm=True, write_content_size=False)
    bio = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(bio, closefd=False) as writer:
        writer.write(PATIENTS * 100)
    return bio.getvalue()


@functools.cache
def repeated_stream(fmt: str, piece: int = 8 << 20, count: int = 16) -> bytes:
    """``count`` concatenated streams of ``piece`` zeros: decompressors read them as one (multi-stream bz2,
    xz, zstd), so a 128 MiB bomb costs one 8 MiB compression."""
    one = {"bz2": lambda: bz2.compress(zeros(piece), 9), "xz": lambda: lzma.compress(zeros(piece), preset=6),
           "zst": lambda: zstandard.ZstdCompressor(level=3).compress(zeros(piece))}[fmt]()
    return one * count


def seven_zip(members: dict[str, bytes], password: str | None = None) -> bytes:
    import py7zr

    bio = io.BytesIO()
    with py7zr.SevenZipFile(bio, "w", password=password, header_encryption=bool(password)) as z:
        for name, data in members.items():
            z.writef(io.BytesIO(data), name)
    return bio.getvalue()


# -- office documents ---------------------------------------------------------------------------------
CT_XLSX = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
           b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
           b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')


@functools.cache
def xlsx_sample() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["nom", "prenom", "email"])
    ws.append(["DUPONT", "Jean", "jean.dupont@example.fr"])
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


@functools.cache
def docx_sample(text: str = "Compte rendu de jean.dupont@example.fr") -> bytes:
    body = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.'
            f'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
            f'</w:body></w:document>').encode()
    return docx_with(body)


def docx_with(document_xml: bytes) -> bytes:
    ct = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/'
          b'word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
          b'document.main+xml"/></Types>')
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    return zip_bytes([("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", document_xml)])


def replace_part(office: bytes, part: str, make: Callable[[bytes], tuple[bytes, int, int] | bytes]) -> bytes:
    """Rebuild an office zip with one part replaced (``make`` gets the old part, returns new plain bytes or a
    ready raw deflate stream ``(data, crc, size)``)."""
    src = zipfile.ZipFile(io.BytesIO(office))
    entries = []
    for zi in src.infolist():
        old = src.read(zi.filename)
        new = make(old) if zi.filename == part else old
        if isinstance(new, tuple):
            entries.append((zi.filename.encode(), 8, *new))
        else:
            entries.append((zi.filename.encode(), 8, _raw_deflate(new, True), zlib.crc32(new), len(new)))
    return bombs.raw_zip(entries)


def xlsx_whitespace_sheet(total: int) -> bytes:
    """An XLSX whose first sheet holds ``total`` bytes of whitespace inside <sheetData> (about 1 MB per GiB)."""
    def make(old: bytes) -> tuple[bytes, int, int]:
        i = old.index(b"</sheetData>")
        return padded_member(old[:i], b" " * (1 << 20), total >> 20, old[i:])

    return replace_part(xlsx_sample(), "xl/worksheets/sheet1.xml", make)


def docx_paragraph_flood(total: int) -> bytes:
    """A DOCX whose document.xml pads its body with ``total`` bytes of whitespace (past the layer's XML budget).
    (Padding with empty elements instead costs expat a Python call per element: minutes for 200 MiB.)"""
    para = b" " * (1 << 20)

    def make(old: bytes) -> tuple[bytes, int, int]:
        i = old.index(b"</w:body>")
        return padded_member(old[:i], para, total >> 20, old[i:])

    return replace_part(docx_sample(), "word/document.xml", make)


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                    b'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><w:document xmlns:w="http:'
       b'//schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>'
       b'</w:body></w:document>')
DOCTYPE_ONLY = (b'<?xml version="1.0"?><!DOCTYPE w><w:document xmlns:w="http://schemas.openxmlformats.org/'
                b'wordprocessingml/2006/main"><w:body/></w:document>')


def odt_entity_bomb() -> bytes:
    content = BILLION_LAUGHS.replace(b"<sst", b"<office:document-content xmlns:office=\"urn:oasis:names:tc:"
                                              b"opendocument:xmlns:office:1.0\"><sst").replace(
        b"</sst>", b"</sst></office:document-content>")
    return zip_bytes([("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", content)],
                     compression=zipfile.ZIP_STORED)


# -- PDF -----------------------------------------------------------------------------------------------
def pdf(objects: list[bytes], *, root: int = 1, prev_self: bool = False, extra_trailer: bytes = b"") -> bytes:
    """A PDF from object bodies (numbered from 1), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    prev = b" /Prev %d" % xref if prev_self else b""
    out += b"trailer\n<< /Size %d /Root %d 0 R%s%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, prev, extra_trailer, xref)
    return bytes(out)


def _page_objects(text: bytes = b"jean.dupont@example.fr", kids: bytes = b"[3 0 R]") -> list[bytes]:
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    return [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids " + kids + b" /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]


def pdf_ok() -> bytes:
    return pdf(_page_objects())


def pdf_kids_loop() -> bytes:
    return pdf(_page_objects(kids=b"[3 0 R 2 0 R]"))


def pdf_prev_loop() -> bytes:
    return pdf(_page_objects(), prev_self=True)


def pdf_huge_length() -> bytes:
    objs = _page_objects()
    objs[3] = b"<< /Length 999999999999 >>\nstream\n" + objs[3].split(b"stream\n", 1)[1]
    return pdf(objs)


def pdf_deep_arrays(depth: int = 100_000) -> bytes:
    objs = _page_objects()
    objs.append(b"[" * depth + b"]" * depth)
    return pdf(objs)


def pdf_self_parent() -> bytes:
    objs = _page_objects()
    objs[2] = objs[2].replace(b"/Parent 2 0 R", b"/Parent 3 0 R")
    return pdf(objs)


# -- DICOM ---------------------------------------------------------------------------------------------
@functools.cache
def dicom_file(rows: int = 16, cols: int = 16, implicit: bool = False) -> bytes:
    """A real Part 10 file written by pydicom (explicit VR little endian unless ``implicit``)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = "1.2.250.1.999.1.1.1"
    meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "DUPONT^Jean"
    ds.PatientID = "IPP000123"
    other = Dataset()
    other.PatientID = "IPP000123"
    other.IssuerOfPatientID = "HOSP"
    ds.OtherPatientIDsSequence = Sequence([other])
    ds.StudyInstanceUID = "1.2.250.1.999.1"
    ds.Modality = "CT"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = bytes(rows * cols * 2)
    bio = io.BytesIO()
    ds.save_as(bio, enforce_file_format=True)
    return bio.getvalue()


def _element_at(data: bytes, tag: tuple[int, int]) -> int:
    return data.index(struct.pack("<HH", *tag), 132)


def dicom_bad_vr_length() -> bytes:
    """Rows (US, 2 bytes) stored with a length of 3: every later element is read out of step."""
    data = bytearray(dicom_file())
    pos = _element_at(bytes(data), (0x0028, 0x0010))
    struct.pack_into("<H", data, pos + 6, 3)
    data[pos + 8:pos + 10] = b"\x10\x00\x00"  # one more byte, so that the file stays walkable
    return bytes(data)


def dicom_huge_length() -> bytes:
    """PatientName (PN, 2-byte length) turned into an OB-like 4-byte length of 0xFFFFFFF0."""
    data = bytearray(dicom_file())
    pos = _element_at(bytes(data), (0x0008, 0x0060))  # Modality
    data[pos + 4:pos + 6] = b"UN"
    return bytes(data[:pos + 6]) + b"\x00\x00" + struct.pack("<I", 0xFFFFFFF0) + bytes(data[pos + 8:])


def dicom_pixels_short() -> bytes:
    """Rows x Columns say 512 x 512 x 16 bits; the pixel data holds 16 x 16."""
    data = bytearray(dicom_file())
    for tag in ((0x0028, 0x0010), (0x0028, 0x0011)):
        pos = _element_at(bytes(data), tag)
        struct.pack_into("<H", data, pos + 8, 512)
    return bytes(data)


# -- e-mail --------------------------------------------------------------------------------------------
INNER_MAIL = (b"From: a@example.fr\r\nTo: b@example.fr\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\n"
              b"Contact anne.martin@example.fr\r\n")


def mail_with_part(part_headers: bytes, body: bytes) -> bytes:
    return (b"From: x@example.fr\r\nTo: y@example.fr\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\n"
            b"see attached\r\n--BB\r\n" + part_headers + b"\r\n" + body + b"\r\n--BB--\r\n")


def forwarded(levels: int, encoding: str = "base64") -> bytes:
    data = INNER_MAIL
    for _ in range(levels):
        if encoding == "base64":
            data = mail_with_part(b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n",
                                  base64.encodebytes(data))
        elif encoding == "quoted-printable":
            import quopri

            data = mail_with_part(b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: quoted-printable"
                                  b"\r\n", quopri.encodestring(data))
        else:
            data = mail_with_part(b"Content-Type: message/rfc822\r\n", data)
    return data


def mail_attachment_chain(levels: int) -> bytes:
    data = PATIENTS
    for i in range(levels):
        data = mail_with_part(b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
                              b"Content-Disposition: attachment; filename=\"level%d.eml\"\r\n" % i,
                              base64.encodebytes(data))
    return data


# -- the corpus ----------------------------------------------------------------------------------------
SLIP_NAMES = ["../../../../etc/passwd", "/etc/shadow", "..\\..\\Windows\\System32\\evil.dll",
              "C:/Users/Public/evil.bat", "a/../../b.txt", "line\nbreak.txt", "rtl\u202egnp.exe",
              "x" * 4000 + ".txt"]


def _slip_cases() -> list[Case]:
    out = []
    for i, name in enumerate(SLIP_NAMES):
        probe = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1][:40]
        out.append(Case(f"slip{i}.zip", functools.partial(zip_bytes, [(name, PATIENTS)]), (f"item:{probe}",),
                        "names"))
        out.append(Case(f"slip{i}.tar", functools.partial(tar_bytes, [(name, PATIENTS)]), (f"item:{probe}",),
                        "names"))
    out.append(Case("nul-name.zip", lambda: zip_bytes([("nul@byte.txt", PATIENTS)]).replace(b"nul@", b"nul\x00"),
                    ("item:byte.txt", "finding:bad-entry-name"), "names"))
    out.append(Case("dup-names.zip", functools.partial(zip_bytes, [("dup.csv", PATIENTS)] * 4),
                    ("item:dup.csv#4",), "names"))
    out.append(Case("dup-names.tar", functools.partial(tar_bytes, [("dup.csv", PATIENTS)] * 3),
                    ("item:dup.csv#3",), "names"))
    return out


def _links() -> list[Case]:
    sym = functools.partial(tar_bytes, [tar_entry("passwd", tarfile.SYMTYPE, link="/etc/passwd"),
                                        ("after.csv", PATIENTS)])
    hard = functools.partial(tar_bytes, [tar_entry("shadow", tarfile.LNKTYPE, link="../../etc/shadow")])
    through = functools.partial(tar_bytes, [tar_entry("evil", tarfile.SYMTYPE, link="/tmp"),
                                            ("evil/planted.csv", PATIENTS)])
    return [
        Case("symlink.tar", sym, ("kind:passwd=symlink", "kind:after.csv=csv"), "links"),
        Case("hardlink.tar", hard, ("kind:shadow=hardlink",), "links"),
        Case("through-link.tar", through, ("kind:evil=symlink", "kind:evil/planted.csv=csv"), "links"),
        Case("chardev.tar", functools.partial(tar_bytes, [tar_entry("null", tarfile.CHRTYPE, major=1, minor=3)]),
             ("kind:null=device",), "links"),
        Case("blockdev.tar", functools.partial(tar_bytes, [tar_entry("sda", tarfile.BLKTYPE, major=8)]),
             ("kind:sda=device",), "links"),
        Case("fifo-entry.tar", functools.partial(tar_bytes, [tar_entry("pipe", tarfile.FIFOTYPE)]),
             ("kind:pipe=fifo",), "links"),
        Case("symlink.zip", functools.partial(zip_symlink, "/etc/passwd"), ("kind:link=symlink",
                                                                            "kind:after.csv=csv"), "links"),
        Case("symlink-loop.zip", functools.partial(zip_symlink, "link"), ("kind:link=symlink",), "links"),
    ]


def _bombs() -> list[Case]:
    return [
        Case("fifield.zip", functools.partial(bombs.fifield_overlap_zip, 40, 1 << 20), ("finding:archive-bomb",),
             "bombs"),
        Case("shared-header.zip", functools.partial(bombs.shared_header_zip, 100, 1 << 20),
             ("finding:archive-bomb",), "bombs"),
        Case("42.zip", functools.partial(bombs.recursive_zip, 2, 4, 256 << 20), ("finding:archive-bomb",),
             "bombs"),
        Case("zeros.csv.gz", lambda: _gzip_zeros(1 << 30), ("finding:archive-bomb",), "bombs"),
        Case("zeros.tar.gz", functools.partial(bombs.tar_gz_zeros, 1 << 30), ("finding:archive-bomb",), "bombs"),
        Case("zeros.csv.bz2", functools.partial(repeated_stream, "bz2"), ("finding:archive-bomb",), "bombs"),
        Case("zeros.csv.xz", functools.partial(repeated_stream, "xz"), ("finding:archive-bomb",), "bombs"),
        Case("zeros.csv.zst", functools.partial(repeated_stream, "zst", 64 << 20, 8), ("finding:archive-bomb",),
             "bombs"),
        Case("zeros-member.zip", zip_zeros_member, ("finding:archive-bomb",), "bombs"),
        Case("bomb-in.7z", lambda: seven_zip({"zeros.csv.gz": _gzip_zeros(1 << 30)}), ("finding:archive-bomb",),
             "bombs"),
        Case("zstd-window.zst", zstd_big_window, ("error:too much memory",), "bombs"),
        Case("xlsx-whitespace-3g.xlsx", functools.partial(xlsx_whitespace_sheet, 3 << 30),
             ("finding:xml-size", "error:xml-size"), "bombs"),
        Case("docx-flood.docx", functools.partial(docx_paragraph_flood, 256 << 20), ("finding:xml-size",),
             "bombs"),
    ]


def _gzip_zeros(total: int) -> bytes:
    seg = bombs.zero_segment(16 << 20)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    return (b"\x1f\x8b\x08\x00" + struct.pack("<I", 1710408600) + b"\x02\x03" + seg * (total // (16 << 20))
            + tail.flush(zlib.Z_FINISH) + struct.pack("<II", bombs.crc32_zeros(total), total & 0xFFFFFFFF))


def _truncations() -> list[Case]:
    big_zip = functools.lru_cache(maxsize=None)(
        lambda: zip_bytes([(f"part{i}.csv", PATIENTS * 50 + bytes([i]) * 3000) for i in range(6)]))
    tar_data = functools.lru_cache(maxsize=None)(lambda: tar_bytes([("a.csv", TEXT_LINES), ("b.csv", PATIENTS)]))
    return [
        Case("cut-half.zip", lambda: cut(big_zip(), 0.5), ("error:truncated zip",), "truncations"),
        Case("cut-directory.zip", lambda: big_zip()[:-30], ("error:truncated zip",), "truncations"),
        Case("bad-crc.zip", zip_bad_crc, ("error:crc",), "truncations"),
        Case("cut.tar", lambda: cut(tar_data(), 0.5), ("error:truncated",), "truncations"),
        Case("cut.tar.gz", lambda: cut(gzip.compress(tar_data(), mtime=0), 0.6), ("error:truncated",),
             "truncations"),
        Case("cut.csv.gz", lambda: cut(gzip.compress(TEXT_LINES, mtime=0), 0.66),
             ("error:compressed file ended", "kind:cut.csv.gz!/cut.csv=text"), "truncations"),
        Case("cut.csv.xz", lambda: cut(lzma.compress(TEXT_LINES), 0.66),
             ("error:compressed file ended", "kind:cut.csv.xz!/cut.csv=text"), "truncations"),
        Case("cut.csv.zst", lambda: cut(zstandard.ZstdCompressor().compress(TEXT_LINES), 0.66),
             ("error:truncated zstd", "kind:cut.csv.zst!/cut.csv=text"), "truncations"),
        Case("cut.csv.bz2", lambda: cut(bz2.compress(TEXT_LINES), 0.66), ("error:ended",), "truncations"),
        Case("cut.7z", lambda: cut(seven_zip({"a.csv": TEXT_LINES}), 0.6), ("error:7z",), "truncations"),
        Case("cut.pdf", lambda: cut(pdf_ok(), 0.5), ("error:pdf",), "truncations"),
        Case("cut.xlsx", lambda: cut(xlsx_sample(), 0.6), ("error:",), "truncations"),
        Case("cut.docx", lambda: cut(docx_sample(), 0.6), ("error:",), "truncations"),
        Case("cut.dcm", lambda: cut(dicom_file(), 0.7), ("finding:dicom-truncated",), "truncations"),
        Case("empty.zip", lambda: b"PK\x05\x06" + bytes(18), ("kind:empty.zip=archive",), "truncations"),
        Case("zero-bytes.csv", lambda: b"", ("kind:zero-bytes.csv=empty",), "truncations"),
    ]


def _xml() -> list[Case]:
    return [
        Case("laughs.xlsx", lambda: replace_part(xlsx_sample(), "xl/sharedStrings.xml", lambda _old: BILLION_LAUGHS)
             if "xl/sharedStrings.xml" in zipfile.ZipFile(io.BytesIO(xlsx_sample())).namelist()
             else _xlsx_with_strings(BILLION_LAUGHS), ("error:",), "xml"),
        Case("xxe.docx", lambda: docx_with(XXE), ("error:xml refused",), "xml"),
        Case("doctype.docx", lambda: docx_with(DOCTYPE_ONLY), ("error:xml refused",), "xml"),
        Case("laughs.odt", odt_entity_bomb, ("error:",), "xml"),
    ]


def _xlsx_with_strings(strings: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(xlsx_sample()))
    members = [(n, src.read(n)) for n in src.namelist()] + [("xl/sharedStrings.xml", strings)]
    return zip_bytes(members)


def _pdfs() -> list[Case]:
    return [
        Case("kids-loop.pdf", pdf_kids_loop, ("error:",), "pdf"),
        Case("prev-loop.pdf", pdf_prev_loop, ("item:prev-loop.pdf",), "pdf"),
        Case("huge-length.pdf", pdf_huge_length, ("item:huge-length.pdf",), "pdf"),
        Case("deep-arrays.pdf", pdf_deep_arrays, ("item:deep-arrays.pdf",), "pdf"),
        Case("self-parent.pdf", pdf_self_parent, ("item:self-parent.pdf",), "pdf"),
        Case("pdf-named.txt", pdf_ok, ("finding:extension-mismatch",), "pdf"),
    ]


def _nesting() -> list[Case]:
    return [
        Case("deep.zip", lambda: nested(12, wrap_zip), ("finding:too-deep",), "nesting"),
        Case("deep.gz", lambda: nested(12, wrap_gzip), ("finding:too-deep",), "nesting"),
        Case("deep.tar", lambda: nested(12, wrap_tar), ("finding:too-deep",), "nesting"),
        Case("deep-mixed.zip", lambda: wrap_zip(nested(12, wrap_mixed), 99), ("finding:too-deep",), "nesting"),
        Case("deep-mail.eml", lambda: mail_attachment_chain(12), ("finding:too-deep",), "nesting"),
    ]


def _issue14() -> list[Case]:
    return [
        Case("claims-1tib.tar", lambda: tar_claiming(1 << 40), ("error:claims more data",), "issue14"),
        Case("claims-1tib.tar.gz", lambda: gzip.compress(tar_claiming(1 << 40), mtime=0),
             ("error:claims more data",), "issue14"),
        Case("negative-size.tar", tar_negative_size, ("finding:bad-entry-size", "kind:after.csv=csv"), "issue14"),
        Case("bad-utf8-name.zip", zip_bad_utf8_name, ("finding:bad-entry-name", "kind:good.csv=csv",
                                                      "kind:x.txt=text"), "issue14"),
        Case("only-dirs.zip", zip_only_dirs, ("kind:d2/=directory",), "issue14"),
        Case("only-dirs-big.zip", functools.partial(zip_only_dirs, 140, 65000), ("kind:d139/=directory",),
             "issue14"),
        Case("gzip-named.txt", lambda: gzip.compress(PATIENTS, mtime=0), ("finding:extension-mismatch",),
             "issue14"),
        Case("zip-named.csv", lambda: zip_bytes([("a.csv", PATIENTS)]), ("finding:extension-mismatch",), "issue14"),
        Case("vr-length.dcm", dicom_bad_vr_length, ("finding:dicom-bad-vr-length",), "issue14"),
        Case("huge-length.dcm", dicom_huge_length, ("finding:dicom-huge-length",), "issue14"),
        Case("pixels-short.dcm", dicom_pixels_short, ("finding:dicom-pixel-data-short",), "issue14"),
        Case("forward.eml", lambda: forwarded(1, "plain"), ("kind:part003.eml=email",), "issue14"),
        Case("forward-b64.eml", lambda: forwarded(1), ("kind:part003.eml=email",), "issue14"),
        Case("forward-qp.eml", lambda: forwarded(1, "quoted-printable"), ("kind:part003.eml=email",), "issue14"),
        Case("forward-b64x3.eml", lambda: forwarded(3), ("kind:part003.eml!/part003.eml!/part003.eml=email",),
             "issue14"),
        Case("encrypted.zip", zip_encrypted, ("finding:encrypted",), "issue14"),
        Case("encrypted.7z", lambda: seven_zip({"a.csv": PATIENTS}, password="secret"), ("error:",), "issue14"),
    ]


def _records() -> list[Case]:
    """Inputs whose parsers must not fall over; what they record is checked where a rule applies."""
    return [
        Case("nul-bytes.csv", lambda: PATIENTS.replace(b";", b"\x00;"), ("item:nul-bytes.csv",), "records"),
        Case("huge-field.csv", lambda: b"nom;note\nDUPONT;" + b"x" * (8 << 20) + b"\n", ("item:huge-field.csv",),
             "records"),
        Case("one-line.sql", lambda: b"INSERT INTO patients VALUES " + b",".join(
            b"(%d,'DUPONT','jean%d@example.fr')" % (i, i) for i in range(150_000)) + b";",
             ("kind:one-line.sql=sql-dump",), "records"),
        Case("open-quote.sql", lambda: b"INSERT INTO patients VALUES (1,'DUPONT" + b"x" * 100_000,
             ("item:open-quote.sql",), "records"),
        Case("bad-segments.hl7", lambda: b"MSH|^~\\&|A|B\rPID|||" + b"|" * 100_000 + b"\rZZZ\x00\x01\r",
             ("item:bad-segments.hl7",), "records"),
        Case("deep.json", lambda: b'{"resourceType":"Bundle","entry":' + b"[" * 200_000 + b"]" * 200_000 + b"}",
             ("item:deep.json",), "records"),
        Case("huge-number.json", lambda: b'{"resourceType":"Patient","id":' + b"9" * 100_000 + b"}",
             ("item:huge-number.json",), "records"),
        Case("bad-lines.ndjson", lambda: b'{"resourceType":"Patient","id":"1"}\n{not json\n\x00\x01\n',
             ("item:bad-lines.ndjson",), "records"),
        Case("utf16-nobom.csv", lambda: PATIENTS.decode().encode("utf-16-le"), ("item:utf16-nobom.csv",), "records"),
        Case("wide.csv", lambda: b";".join(b"c%d" % i for i in range(50_000)) + b"\n" + b";" * 49_999 + b"\n",
             ("item:wide.csv",), "records"),
        Case("lone-surrogates.fhir.json", lambda: b'{"resourceType":"Patient","name":[{"family":"\\ud800"}]}',
             ("item:lone-surrogates.fhir.json",), "records"),
        Case("random.bin", lambda: bytes((i * 7919 + 13) % 251 for i in range(1 << 20)), ("kind:random.bin=binary",),
             "records"),
    ]


def cases() -> list[Case]:
    """Every file case of the corpus (the folder-only cases, FIFOs and sockets, are made by the test)."""
    out = [*_bombs(), *_slip_cases(), *_links(), *_truncations(), *_xml(), *_pdfs(), *_nesting(), *_issue14(),
           *_records()]
    names = [c.name for c in out]
    assert len(names) == len(set(names)), "case names must be unique"
    return out
