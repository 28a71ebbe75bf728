"""What the scan does with each kind of item: one table, consulted by every stage.

Before this table, each stage kept its own set of kinds (the walker's record, layered and decoded kinds, the
detectors' binary kinds, the layers' office kinds, the beacon scanner's record kinds, the viewer's text kinds),
and the sets drifted apart. The visible consequence: an ODS sheet of patients gave 0 records in a scan although
``records/sheets.py`` parses ODS, because the walker's record kinds listed ``xlsx`` and not ``ods``. A new kind,
or a new parser for an old one, is now one row here (and the tests check that the table covers every kind
``kinds.sniff`` returns and that the records registry has a parser for exactly the kinds marked ``has_records``).

Import-light on purpose (no pandas, no parsers, no Qt): the walker, the GUI and the report all read it.

Traits of a kind:
  - ``has_records``: the records stage parses it (``workbench.engine.records.parse`` has a parser for it);
  - ``has_text_layers``: ``workbench.engine.layers.extract`` yields text layers (and attachments) from it;
  - ``decoded``: its raw bytes are compressed or encoded (deflate streams, pixels): identifiers are counted in its
    decoded text layers only, since compressed streams produce chance look-alikes (an e-mail shape in deflate
    output). YARA still sees the raw bytes;
  - ``binary``: scanned with the YARA rule set without the atom-less identifier regexes, which YARA would try at
    every byte (14 MB/s on zeros); the validated identifier scanner still runs on it;
  - ``text``: shown as text in a viewer (else as hex);
  - ``table``: the viewer can preview it as a grid of cells;
  - ``office``: an office document (a zip of XML parts), whose text layers are read by ``layers/office.py``.

An unknown kind (``None``, a kind added to ``kinds.py`` and not yet here) gets conservative defaults: scanned as
raw bytes with every rule and identifier detector, no records, no layers, shown as hex. Nothing is skipped
because of a kind nobody described.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BINARY_KINDS", "DECODED_KINDS", "KIND_TRAITS", "KindTraits", "LAYER_KINDS", "OFFICE_KINDS", "RECORD_KINDS",
    "TABLE_KINDS", "TEXT_KINDS", "traits",
]


@dataclass(frozen=True)
class KindTraits:
    """What the scan and the viewer do with one kind (see the module docstring for each trait)."""

    kind: str
    has_records: bool = False
    has_text_layers: bool = False
    decoded: bool = False
    binary: bool = False
    text: bool = False
    table: bool = False
    office: bool = False


def _row(kind: str, *flags: str) -> tuple[str, KindTraits]:
    return kind, KindTraits(kind, **dict.fromkeys(flags, True))


_OFFICE = ("has_text_layers", "decoded", "office")

KIND_TRAITS: dict[str, KindTraits] = dict([
    # Tables and messages: text on disk, parsed into records.
    _row("csv", "has_records", "text", "table"),
    _row("sql-dump", "has_records", "text"),
    _row("hl7v2", "has_records", "text"),
    _row("fhir-json", "has_records", "text"),
    _row("fhir-ndjson", "has_records", "text"),
    _row("dicom", "has_records"),  # pixels and tags: the tags are parsed, the pixels go to the image watermarks
    # Office documents: zips of XML, read through their text layers; spreadsheets also hold records.
    _row("xlsx", *_OFFICE, "has_records", "table"),
    _row("ods", *_OFFICE, "has_records", "table"),
    _row("xls", "has_records", "binary"),  # Excel 97-2003 (BIFF8 in OLE2): cells read by calamine, no text layer
    _row("docx", *_OFFICE),
    _row("pptx", *_OFFICE),
    _row("odt", *_OFFICE),
    _row("odp", *_OFFICE),
    _row("pdf", "has_text_layers", "decoded"),
    # Mail: text on disk whose bodies (quoted-printable, base64) and attachments are layers.
    _row("email", "has_text_layers", "text"),
    _row("mbox", "has_text_layers", "text"),
    # Other text.
    _row("json", "text"),
    _row("xml", "text"),
    _row("cda", "text"),  # an HL7 CDA document: XML
    _row("text", "text"),
    # Binary content.
    _row("image", "decoded", "binary"),
    _row("binary", "binary"),
    _row("empty", "binary"),
    _row("sqlite", "has_records"),  # a database file: its tables are records; its pages are scanned with every rule
    _row("pg-archive", "has_records", "decoded", "binary"),  # pg_dump -Fc: compressed; records: a note (pg_restore)
    _row("archive"),  # walked member by member; not scanned as a leaf
    # Not content: entries of an archive or a folder that the walker types itself.
    _row("directory"),
    _row("encrypted"),
    _row("symlink"),
    _row("hardlink"),
    _row("device"),
    _row("fifo"),
    _row("other"),
    _row("unknown"),
])

_DEFAULT = KindTraits("unknown")


def traits(kind: str | None) -> KindTraits:
    """The traits of ``kind``; conservative defaults (everything scanned raw, nothing parsed) when unknown."""
    if kind is None:
        return _DEFAULT
    found = KIND_TRAITS.get(kind)
    return found if found is not None else KindTraits(kind)


def _kinds(trait: str) -> frozenset[str]:
    return frozenset(k for k, t in KIND_TRAITS.items() if getattr(t, trait))


RECORD_KINDS = _kinds("has_records")
LAYER_KINDS = _kinds("has_text_layers")
DECODED_KINDS = _kinds("decoded")
BINARY_KINDS = _kinds("binary")
TEXT_KINDS = _kinds("text")
TABLE_KINDS = _kinds("table")
OFFICE_KINDS = _kinds("office")
