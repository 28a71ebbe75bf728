"""Typing an item from its content: ``sniff(head, name) -> KindInfo``.

Our own sniffers run first: exact binary signatures, then (once the head is known to be text and its
encoding is known) HL7 v2, e-mail, JSON/FHIR, XML/CDA, SQL dumps and CSV. libmagic is consulted for a
description of the binary formats we recognise and as the fallback for what we do not: its generic text
rules cost milliseconds per call (REFERENCE.md), so it never sees text we have already typed.

The head is the first bytes of the item (64 KiB by default); it may be cut mid-character or mid-line.
The name is only a label: the extension is recorded and compared with the content, never trusted.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import struct
import threading
import zlib
from collections import Counter
from dataclasses import dataclass

from workbench.engine.dicom_sniff import is_raw_dicom

__all__ = ["KindInfo", "sniff", "detect_encoding", "extension_of", "libmagic_describe"]


@dataclass
class KindInfo:
    """What an item is, from its content."""

    kind: str  # archive, csv, sql-dump, hl7v2, fhir-json, fhir-ndjson, dicom, pdf, xlsx, docx, pptx, ods, odt,
    # odp, email, mbox, json, xml, cda, image, sqlite, text, binary, empty
    format: str | None = None  # archive: zip/tar/gzip/bzip2/xz/zstd/7z/rar; sql-dump: mysql/postgresql/sqlite/sql;
    # image: png/jpeg/gif/tiff/...; csv: csv/tsv; dicom: part10/raw; json: ndjson; xml: fhir; text: html
    mime: str | None = None
    magic: str | None = None  # libmagic's description, when it was consulted
    encoding: str | None = None  # text kinds: utf-8, utf-8-sig, utf-16-le/be, utf-32-le/be, cp1252, latin-1
    delimiter: str | None = None  # csv: the field delimiter; hl7v2: the field separator (MSH-1)
    extension: str = ""  # lower-case, from the name, recorded only
    ext_mismatch: bool = False  # the extension says something else than the content
    bom: bool = False  # the text starts with a byte order mark (decoders must drop a leading U+FEFF)


# --------------------------------------------------------------------------------------------- libmagic

_magic_lock = threading.Lock()
_magic_pair: tuple[object, object] | None = None
_magic_failed = False


def _magic_instances() -> tuple[object, object] | None:
    """One mime and one description instance per process, created on first use."""
    global _magic_pair, _magic_failed
    if _magic_pair is None and not _magic_failed:
        with _magic_lock:
            if _magic_pair is None and not _magic_failed:
                try:
                    from workbench.engine.environment import configure_libmagic

                    configure_libmagic()  # a bundled libmagic (frozen app, Windows/macOS wheels) before the host's
                    import magic

                    _magic_pair = (magic.Magic(mime=True), magic.Magic())
                except Exception:  # libmagic missing or its database unreadable: type without it
                    _magic_failed = True
    return _magic_pair


def libmagic_describe(buf: bytes) -> tuple[str | None, str | None]:
    """(mime, description) from libmagic, or (None, None) when it is unavailable or fails."""
    pair = _magic_instances()
    if pair is None or not buf:
        return None, None
    mime_m, desc_m = pair
    try:
        mime = mime_m.from_buffer(buf)  # type: ignore[attr-defined]
    except Exception:
        mime = None
    try:
        desc = desc_m.from_buffer(buf)  # type: ignore[attr-defined]
    except Exception:
        desc = None
    return mime, desc


# Binary formats: libmagic reads their headers only, so a short buffer is enough and much faster.
_MAGIC_BINARY_BYTES = 4096
# Unknown content: libmagic runs all its rules when nothing matches, and its text rules cost milliseconds
# (measured here, busy machine: 3.5 ms on 1 KiB of UTF-8 prose, 12 ms on 16 KiB): small samples only.
_MAGIC_FALLBACK_TEXT_BYTES = 1024
_MAGIC_FALLBACK_BINARY_BYTES = 4096

# ------------------------------------------------------------------------------------------- extension

_COMPRESSION_SUFFIXES = {"gz", "bz2", "xz", "zst", "zstd", "lz4", "z", "lzma", "br"}
_SUFFIX_RE = re.compile(r"^[a-z0-9][a-z0-9_+-]{0,15}$")


def extension_of(name: str) -> str:
    """Lower-case suffix of the last path component; ``tar.gz`` style for compressed double suffixes."""
    base = re.split(r"[/\\]", name or "")[-1].strip().lower()
    parts = base.split(".")
    if len(parts) < 2 or not parts[0] and len(parts) == 2:  # no dot, or a dot-file such as ".bashrc"
        return ""
    last = parts[-1]
    if not _SUFFIX_RE.match(last):
        return ""
    if last in _COMPRESSION_SUFFIXES and len(parts) >= 3 and _SUFFIX_RE.match(parts[-2]) and parts[-3]:
        return f"{parts[-2]}.{last}"
    return last


# Extension -> the kinds (``kind`` or ``kind:format``) it may hold. Generic extensions (dat, bin, log, bak,
# tmp, out...) are absent: they never cause a mismatch. ``txt`` promises text of some kind: an archive, a PDF
# or an image named .txt is the oldest way to slip content past a reviewer (issue 14: a gzip named .txt).
_OFFICE_ZIP = {"docx", "xlsx", "pptx", "ods", "odt", "odp"}
_TEXTUAL = {"text", "csv", "sql-dump", "hl7v2", "json", "fhir-json", "fhir-ndjson", "xml", "cda", "email", "mbox"}
_EXPECTED: dict[str, set[str]] = {
    "txt": _TEXTUAL,
    "csv": {"csv", "text"},
    "tsv": {"csv", "text"},
    "tab": {"csv", "text"},
    "sql": {"sql-dump", "text"},
    "dump": {"sql-dump", "text", "binary", "pg-archive"},
    "backup": {"sql-dump", "pg-archive", "binary"},
    "hl7": {"hl7v2"},
    "er7": {"hl7v2"},
    "json": {"json", "fhir-json", "fhir-ndjson"},
    "ndjson": {"json", "fhir-json", "fhir-ndjson"},
    "jsonl": {"json", "fhir-json", "fhir-ndjson"},
    "fhir": {"json", "fhir-json", "fhir-ndjson", "xml"},
    "xml": {"xml", "cda"},
    "cda": {"cda", "xml"},
    "html": {"text:html", "xml"},
    "htm": {"text:html", "xml"},
    "eml": {"email"},
    "mbox": {"mbox"},
    "mbx": {"mbox"},
    "pdf": {"pdf"},
    "dcm": {"dicom"},
    "dicom": {"dicom"},
    "png": {"image:png"},
    "jpg": {"image:jpeg"},
    "jpeg": {"image:jpeg"},
    "jpe": {"image:jpeg"},
    "gif": {"image:gif"},
    "tif": {"image:tiff"},
    "tiff": {"image:tiff"},
    "bmp": {"image:bmp"},
    "webp": {"image:webp"},
    "xlsx": {"xlsx"},
    "xlsm": {"xlsx"},
    "docx": {"docx"},
    "docm": {"docx"},
    "pptx": {"pptx"},
    "ods": {"ods"},
    "odt": {"odt"},
    "odp": {"odp"},
    "xls": {"binary:ole2", "xls"},
    "doc": {"binary:ole2"},
    "ppt": {"binary:ole2"},
    "msg": {"binary:ole2"},
    "zip": {"archive:zip"} | _OFFICE_ZIP,
    "jar": {"archive:zip"},
    "tar": {"archive:tar"},
    "gz": {"archive:gzip"},
    "tgz": {"archive:gzip"},
    "bz2": {"archive:bzip2"},
    "tbz2": {"archive:bzip2"},
    "xz": {"archive:xz"},
    "txz": {"archive:xz"},
    "zst": {"archive:zstd"},
    "zstd": {"archive:zstd"},
    "7z": {"archive:7z"},
    "rar": {"archive:rar"},
    "sqlite": {"sqlite"},
    "sqlite3": {"sqlite"},
    "db": {"sqlite", "binary"},
}


def _mismatch(ext: str, kind: str, fmt: str | None) -> bool:
    if kind == "empty" or not ext:
        return False
    expected = _EXPECTED.get(ext)
    if expected is None and "." in ext:
        expected = _EXPECTED.get(ext.rsplit(".", 1)[1])
    if expected is None:
        return False
    return kind not in expected and f"{kind}:{fmt}" not in expected


# -------------------------------------------------------------------------------------------- encoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_C1 = bytes(range(0x80, 0xA0))
_NOT_C1 = bytes(b for b in range(256) if b not in _C1)


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    sample = sample[: len(sample) - (len(sample) % 2)]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    if odd_nul > 0.3 * pairs and even_nul < 0.02 * pairs:
        return "utf-16-le"
    if even_nul > 0.3 * pairs and odd_nul < 0.02 * pairs:
        return "utf-16-be"
    return None


def detect_encoding(head: bytes) -> tuple[str, bool]:
    """(encoding, has_bom) for bytes believed to be text.

    BOM first; then UTF-16 without BOM (NUL bytes at odd or even positions); then valid UTF-8 (a sequence
    cut by the end of the head is tolerated); then cp1252 when bytes 0x80-0x9f are present and all of them are
    cp1252 characters; else latin-1, which decodes anything.
    """
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc, True
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16, False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8", False
    except UnicodeDecodeError:
        pass
    c1 = head.translate(None, delete=_NOT_C1)
    if c1 and not (set(c1) & _CP1252_UNDEFINED):
        return "cp1252", False
    return "latin-1", False


def _decode(head: bytes, encoding: str, bom: bool) -> str:
    if encoding.startswith(("utf-16", "utf-32")):
        unit = 4 if encoding.startswith("utf-32") else 2
        data = head[: len(head) - len(head) % unit]
    else:
        data = head
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data, final=False)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


# Bytes that never occur in text (tab, LF, VT, FF, CR, MLLP's 0x0b/0x1c, ESC and DOS EOF 0x1a are allowed).
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x1A), 0x1D, 0x1E, 0x1F, 0x7F])
_TEXT_BYTES_ONLY = bytes(b for b in range(256) if b not in _BINARY_BYTES)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x19\x1d-\x1f\x7f]")


def _looks_binary(head: bytes, encoding: str, text: str) -> bool:
    sample = head[:8192]
    if encoding.startswith(("utf-16", "utf-32")):
        chunk = text[:4096]
        bad = len(_CONTROL_RE.findall(chunk))
        return bad > 0.01 * max(len(chunk), 1)
    bad = len(sample.translate(None, delete=_TEXT_BYTES_ONLY))
    if encoding == "latin-1":  # C1 controls: latin-1 text has none
        bad += sum(sample.count(b) for b in _C1)
    return bad > 0.01 * len(sample)


# ---------------------------------------------------------------------------------- binary signatures

_OOXML_MAIN = (
    (b"wordprocessingml.document.main", "docx"),
    (b"ms-word.document.macroenabled.main", "docx"),
    (b"wordprocessingml.template.main", "docx"),
    (b"spreadsheetml.sheet.main", "xlsx"),
    (b"ms-excel.sheet.macroenabled.main", "xlsx"),
    (b"spreadsheetml.template.main", "xlsx"),
    (b"presentationml.presentation.main", "pptx"),
    (b"ms-powerpoint.presentation.macroenabled.main", "pptx"),
)
_OOXML_PARTS = {b"word/document.xml": "docx", b"xl/workbook.xml": "xlsx", b"ppt/presentation.xml": "pptx"}
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}


def _office_kind_of_zip(head: bytes) -> str | None:
    """docx/xlsx/pptx/ods/odt/odp from the local file headers found in the head, else None."""
    pos = 0
    has_content_types = False
    prefixes: set[str] = set()
    for _ in range(256):
        i = head.find(b"PK\x03\x04", pos)
        if i < 0 or i + 30 > len(head):
            break
        pos = i + 4
        flags, method = struct.unpack_from("<HH", head, i + 6)
        csize = struct.unpack_from("<I", head, i + 18)[0]
        nlen, xlen = struct.unpack_from("<HH", head, i + 26)
        name = head[i + 30 : i + 30 + nlen]
        data = i + 30 + nlen + xlen
        if name == b"mimetype" and method == 0 and csize <= 128:
            kind = _ODF_MIMETYPES.get(head[data : data + csize].strip())
            if kind:
                return kind
        if name in _OOXML_PARTS:
            return _OOXML_PARTS[name]
        if name == b"[Content_Types].xml":
            has_content_types = True
            if not flags & 0x08 and csize > 0 and data + csize <= len(head) and method in (0, 8):
                raw = head[data : data + csize]
                try:
                    xml = raw if method == 0 else zlib.decompressobj(-15).decompress(raw, 1 << 20)
                except zlib.error:
                    xml = b""
                low = xml.lower()
                for marker, kind in _OOXML_MAIN:
                    if marker in low:
                        return kind
        for prefix, kind in ((b"word/", "docx"), (b"xl/", "xlsx"), (b"ppt/", "pptx")):
            if name.startswith(prefix):
                prefixes.add(kind)
    if has_content_types and len(prefixes) == 1:
        return prefixes.pop()
    return None


def office_kind_of_zip_names(names: list[str], read_mimetype=None) -> str | None:
    """docx/xlsx/pptx/ods/odt/odp from a zip's central directory: for office files whose marker parts come after
    the first 64 KiB (openpyxl's streaming writer puts ``xl/workbook.xml`` at the end)."""
    present = set(names)
    if "[Content_Types].xml" in present:
        for part, kind in _OOXML_PARTS.items():
            if part.decode() in present:
                return kind
    if "mimetype" in present and read_mimetype is not None:
        return _ODF_MIMETYPES.get(read_mimetype().strip())
    return None


def _is_tar(head: bytes) -> bool:
    if len(head) < 512:
        return False
    if head[257:262] == b"ustar":
        return True
    # Old (v7) tar: no magic, but the header checksum must match.
    field = head[148:156].replace(b"\x00", b" ").strip()
    if not field or not re.fullmatch(rb"[0-7]{1,7}", field) or not head[0:1].strip(b"\x00"):
        return False
    total = sum(head[:148]) + 8 * 0x20 + sum(head[156:512])
    return int(field, 8) == total


_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_IMAGE_MIME = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "tiff": "image/tiff"}
_ARCHIVE_MIME = {
    "zip": "application/zip",
    "tar": "application/x-tar",
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "zstd": "application/zstd",
    "7z": "application/x-7z-compressed",
    "rar": "application/vnd.rar",
}
_OFFICE_MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


_OLE2_WORKBOOK = ("Workbook", "Book")  # BIFF8 / BIFF5 stream names


def ole2_kind(data: bytes, read_at=None) -> str | None:
    """``xls`` when an OLE2 compound file's first directory sector names a Workbook stream, else None.

    The directory sector is read from ``data`` (the head) when it lies inside it, else through
    ``read_at(offset, size)`` when given (the walker reads one sector of the item).
    """
    if len(data) < 0x34:
        return None
    shift = int.from_bytes(data[0x1E:0x20], "little")
    sector = int.from_bytes(data[0x30:0x34], "little")
    if shift not in (9, 12) or sector >= 0xFFFFFFFA:
        return None
    offset, size = (sector + 1) << shift, 1 << shift
    block = data[offset:offset + size] if offset + size <= len(data) else (read_at(offset, size) if read_at else b"")
    for entry in range(0, len(block) - 127, 128):
        length = int.from_bytes(block[entry + 64:entry + 66], "little")
        name = block[entry:entry + max(0, min(length, 64) - 2)].decode("utf-16-le", errors="replace")
        if block[entry + 66] == 2 and name in _OLE2_WORKBOOK:  # type 2: a stream
            return "xls"
    return None


def _binary_signature(head: bytes) -> tuple[str, str | None, str] | None:
    """(kind, format, mime) for formats recognised by their leading bytes."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        office = _office_kind_of_zip(head)
        if office:
            return office, None, _OFFICE_MIME[office]
        return "archive", "zip", _ARCHIVE_MIME["zip"]
    if head.startswith(b"\x1f\x8b\x08"):
        return "archive", "gzip", _ARCHIVE_MIME["gzip"]
    if head.startswith(b"BZh") and len(head) >= 10 and head[3:4].isdigit() and head[4:10] in (
        b"1AY&SY",
        b"\x17rE8P\x90",
    ):
        return "archive", "bzip2", _ARCHIVE_MIME["bzip2"]
    if head.startswith(b"\xfd7zXZ\x00"):
        return "archive", "xz", _ARCHIVE_MIME["xz"]
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "archive", "zstd", _ARCHIVE_MIME["zstd"]
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "archive", "7z", _ARCHIVE_MIME["7z"]
    if head.startswith((b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")):  # RAR 1.5-4.x, RAR 5
        return "archive", "rar", _ARCHIVE_MIME["rar"]
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom", "part10", "application/dicom"
    if b"%PDF-" in head[:1024]:
        return "pdf", None, "application/pdf"
    for sig, fmt in _IMAGE_SIGNATURES:
        if head.startswith(sig):
            return "image", fmt, _IMAGE_MIME[fmt]
    if head.startswith(b"PGDMP") and len(head) >= 11 and head[10] in (1, 5):  # pg_dump -Fc, or -Fd's toc.dat
        return "pg-archive", "custom" if head[10] == 1 else "directory", "application/x-pg-dump"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite", "sqlite3", "application/vnd.sqlite3"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if ole2_kind(head) == "xls":
            return "xls", "biff8", "application/vnd.ms-excel"
        return "binary", "ole2", "application/x-ole-storage"
    if _is_tar(head):
        return "archive", "tar", _ARCHIVE_MIME["tar"]
    if is_raw_dicom(head):
        return "dicom", "raw", "application/dicom"
    return None


# ------------------------------------------------------------------------------------ text sniffers

_HL7_START_RE = re.compile(r"\A[\s\x0b]*(MSH|FHS|BHS)([^\w\s])([^\w\s]{3,5})\2")
_HEADER_LINE_RE = re.compile(r"([!-9;-~]+):[ \t]?(.*)")
_KNOWN_HEADERS = frozenset(
    ["from", "to", "cc", "bcc", "subject", "date", "reply-to", "sender", "message-id", "mime-version", "content-type", "content-transfer-encoding", "received", "return-path", "delivered-to", "dkim-signature", "in-reply-to", "references", "x-mailer", "user-agent", "thread-topic", "thread-index", "authentication-results", "arc-seal", "x-originating-ip", "list-id", "importance"]
)
_STRONG_HEADERS = frozenset(
    ["received", "message-id", "mime-version", "return-path", "delivered-to", "dkim-signature", "authentication-results", "arc-seal"]
)
_MBOX_FROM_RE = re.compile(r"\AFrom \S+ +\S.*\d{4}\s*\Z")


def _email_headers(lines: list[str]) -> bool:
    """The lines open with an RFC 5322 header block naming well-known fields."""
    known: set[str] = set()
    fields = 0
    for line in lines[:60]:
        if not line.strip():
            break
        if line[0] in " \t":
            if not fields:
                return False
            continue
        m = _HEADER_LINE_RE.fullmatch(line)
        if not m:
            return False
        fields += 1
        name = m.group(1).lower()
        if name in _KNOWN_HEADERS:
            known.add(name)
    return fields >= 2 and (len(known) >= 3 or bool(known & _STRONG_HEADERS))


_RESOURCE_TYPE_RE = re.compile(r'"resourceType"\s*:\s*"[A-Z][A-Za-z]+"')
_JSON_VALUE_START = frozenset('"{}[]-0123456789tfn')


def _sniff_json(text: str, stripped: str) -> tuple[str, str | None] | None:
    first = stripped[0]
    rest = stripped[1:].lstrip()
    if rest and rest[0] not in _JSON_VALUE_START:
        return None
    sample = stripped[:16384]
    raw_lines = [ln.strip() for ln in sample.splitlines()[:21]]
    raw_lines = [ln for ln in raw_lines if ln]
    cut = len(sample) < len(stripped) or not text.endswith(("\n", "\r"))
    # NDJSON: every complete line is one object, and a second line (perhaps cut by the head) follows.
    complete = raw_lines[:-1] if cut or len(raw_lines) > 20 else raw_lines
    if (
        first == "{"
        and len(raw_lines) >= 2
        and complete
        and all(ln.startswith("{") and ln.endswith("}") for ln in complete)
        and raw_lines[-1].startswith("{")
    ):
        try:
            objs = [json.loads(ln) for ln in complete[:20]]
        except ValueError:
            objs = []
        if objs and all(isinstance(o, dict) for o in objs):
            if all("resourceType" in o for o in objs):
                return "fhir-ndjson", None
            return "json", "ndjson"
    if _RESOURCE_TYPE_RE.search(stripped[:65536]):
        return "fhir-json", None
    return "json", None


def _sniff_xml(stripped: str) -> tuple[str, str | None, str] | None:
    start = stripped[:4096]
    low = start.lower()
    if low.startswith(("<!doctype html", "<html")) or ("<html" in low and "<?xml" not in low[:10]):
        return "text", "html", "text/html"
    if not (start.startswith("<?xml") or re.match(r"<(!--|!DOCTYPE|[A-Za-z_])", start)):
        return None
    if "ClinicalDocument" in start and "urn:hl7-org:v3" in start:
        return "cda", None, "application/xml"
    if 'xmlns="http://hl7.org/fhir"' in start:
        return "xml", "fhir", "application/fhir+xml"
    return "xml", None, "application/xml"


# (format, literal hints, pattern): the regex runs only when one of its hints is in the sample (the
# hints are plain substring searches, much cheaper than a multi-line regex over 16 KiB).
_SQL_MARKERS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("postgresql", ("PostgreSQL", "\\restrict", "statement_timeout", "FROM stdin;", "set_config("),
     re.compile(r"^-- PostgreSQL database dump|^\\restrict \S|^SET statement_timeout = |"
                r"^COPY [\w\".]+(?: \([^)]*\))? FROM stdin;|pg_catalog\.set_config\(", re.M)),
    ("mysql", ("MySQL", "MariaDB", "/*!40", "INSERT INTO `", "CREATE TABLE `", "LOCK TABLES `"),
     re.compile(r"^-- (?:MySQL|MariaDB) dump|^/\*!40\d{3} |^INSERT INTO `|^CREATE TABLE `|^LOCK TABLES `", re.M)),
    ("sqlite", ("PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;"),
     re.compile(r"^PRAGMA foreign_keys=OFF;\s*$|^BEGIN TRANSACTION;\s*$", re.M)),
    ("sql", ("INSERT", "insert", "Insert", "CREATE", "create", "Create"),
     re.compile(r"^[ \t]*INSERT\s+INTO\s+[\w\"\[\].`]+(?:\s*\([^)]*\))?\s*VALUES\b|"
                r"^[ \t]*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\w\"\[\].`]+\s*\(", re.M | re.I)),
)


def _sniff_sql(text: str) -> str | None:
    """Dump tools write their markers at the top: 4 KiB for them, 16 KiB for a generic INSERT/CREATE."""
    for fmt, hints, pattern in _SQL_MARKERS:
        sample = text[:16384] if fmt == "sql" else text[:4096]
        if any(h in sample for h in hints) and pattern.search(sample):
            return fmt
    return None


_CSV_DELIMITERS = (";", "\t", ",", "|")  # ties go to the first: ';' is the French default


def _sniff_delimiter(text: str) -> str | None:
    """The delimiter giving a consistent field count > 1 over the first lines (quote-aware)."""
    lines = text[:16384].splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]  # cut by the end of the head
    lines = [ln for ln in lines[:60] if ln.strip()]
    if len(lines) < 2:
        return None
    best: tuple[float, int, str] | None = None
    for delim in _CSV_DELIMITERS:
        if not any(delim in ln for ln in lines[:5]):
            continue
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delim, quotechar='"') if row]
        except csv.Error:
            continue
        if len(counts) < 2:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        share = freq / len(counts)
        if mode < 2 or share < 0.9 or counts[0] != mode:
            continue
        score = (share, -_CSV_DELIMITERS.index(delim))
        if best is None or score > (best[0], best[1]):
            best = (share, -_CSV_DELIMITERS.index(delim), delim)
    return best[2] if best else None


def _sniff_text(text: str) -> tuple[str, str | None, str | None, str | None] | None:
    """(kind, format, mime, delimiter) for text we know, else None."""
    stripped = text.lstrip("\ufeff \t\r\n\x0b")
    if not stripped:
        return None
    m = _HL7_START_RE.match(text.lstrip("\ufeff"))
    if m:
        return "hl7v2", None, "x-application/hl7-v2+er7", m.group(2)
    head_lines = stripped[:16384].splitlines()
    if _MBOX_FROM_RE.match(head_lines[0]) and len(head_lines) > 1 and _email_headers(head_lines[1:]):
        return "mbox", None, "application/mbox", None
    if _email_headers(head_lines):
        return "email", None, "message/rfc822", None
    if stripped[0] in "{[":
        json_kind = _sniff_json(text, stripped)
        if json_kind:
            kind, fmt = json_kind
            mime = {"fhir-json": "application/fhir+json", "fhir-ndjson": "application/fhir+ndjson"}.get(
                kind, "application/x-ndjson" if fmt == "ndjson" else "application/json"
            )
            return kind, fmt, mime, None
    if stripped[0] == "<":
        xml = _sniff_xml(stripped)
        if xml:
            return xml[0], xml[1], xml[2], None
    sql = _sniff_sql(stripped)
    if sql:
        return "sql-dump", sql, "application/sql", None
    delim = _sniff_delimiter(stripped)
    if delim:
        if delim == "\t":
            return "csv", "tsv", "text/tab-separated-values", delim
        return "csv", "csv", "text/csv", delim
    return None


# --------------------------------------------------------------------------------- libmagic fallback


# libmagic guesses these from a few loose header bytes: random data often "is" a Targa image.
_WEAK_IMAGE_MIMES = frozenset({"image/x-tga", "image/x-award-bioslogo", "image/x-icon", "image/vnd.microsoft.icon"})


def _kind_from_magic(mime: str | None) -> tuple[str, str | None] | None:
    if not mime:
        return None
    if mime.startswith("image/") and mime not in _WEAK_IMAGE_MIMES:
        sub = mime.split("/", 1)[1]
        return "image", sub[2:] if sub.startswith("x-") else sub
    if mime == "text/html":
        return "text", "html"
    if mime in ("application/json",):
        return "json", None
    if mime in ("text/xml", "application/xml"):
        return "xml", None
    return None


# ------------------------------------------------------------------------------------------------ sniff


def sniff(head: bytes, name: str) -> KindInfo:
    """Type an item from its first bytes; ``name`` only gives the extension that is compared."""
    head = bytes(head)
    ext = extension_of(name)

    def done(info: KindInfo) -> KindInfo:
        info.extension = ext
        info.ext_mismatch = _mismatch(ext, info.kind, info.format)
        return info

    if not head:
        return done(KindInfo(kind="empty", mime="application/x-empty", magic="empty"))
    if not head.strip(b"\x00"):
        return done(KindInfo(kind="binary", mime="application/octet-stream", magic="data"))

    sig = _binary_signature(head)
    if sig:
        kind, fmt, mime = sig
        if fmt == "raw":  # a DICOM dataset without preamble: libmagic knows nothing of it, and says so slowly
            return done(KindInfo(kind=kind, format=fmt, mime=mime))
        lm_mime, lm_desc = libmagic_describe(head[:_MAGIC_BINARY_BYTES])
        if kind == "binary" and lm_mime and lm_mime != "application/octet-stream":
            mime = lm_mime  # e.g. application/vnd.ms-excel for an OLE2 workbook
        return done(KindInfo(kind=kind, format=fmt, mime=mime, magic=lm_desc))

    encoding, bom = detect_encoding(head)
    wide = encoding.startswith(("utf-16", "utf-32"))
    text = _decode(head, encoding, bom) if wide or not _looks_binary(head, encoding, "") else None
    if text is not None and not (wide and _looks_binary(head, encoding, text)):
        known = _sniff_text(text)
        if known:
            kind, fmt, mime, delim = known
            return done(KindInfo(kind, fmt, mime, None, encoding, delim, bom=bom))
        lm_mime, lm_desc = libmagic_describe(head[:_MAGIC_FALLBACK_TEXT_BYTES])
        mapped = _kind_from_magic(lm_mime)
        kind, fmt = mapped if mapped else ("text", None)
        return done(KindInfo(kind, fmt, lm_mime or "text/plain", lm_desc, encoding, bom=bom))

    lm_mime, lm_desc = libmagic_describe(head[:_MAGIC_FALLBACK_BINARY_BYTES])
    mapped = _kind_from_magic(lm_mime)
    if mapped and mapped[0] == "image":
        return done(KindInfo("image", mapped[1], lm_mime, lm_desc))
    fmt = None
    if lm_mime and lm_mime not in ("application/octet-stream",):
        sub = lm_mime.split("/", 1)[1]
        fmt = sub[2:] if sub.startswith("x-") else sub
    return done(KindInfo("binary", fmt, lm_mime or "application/octet-stream", lm_desc))
