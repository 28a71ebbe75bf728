"""DFXML listing of every item of a case (DFXML 2.0.0-beta.0 schema), for tools that read fiwalk's output.

One ``fileobject`` per item, in the case's order (parents before children): ``filename`` is the item's virtual
path (``dump.zip!/export/patients.sql.gz!/patients.sql``, masked like the report's), then ``id`` (the case's item
id), ``name_type`` (``r`` file, ``d`` folder, ``l`` link, ``c``/``b`` device, ``p`` fifo), ``filesize`` (bytes
read, decompressed), ``mtime`` (the archive member's time when it had one), ``libmagic`` (the content type),
``error`` (why an item could not be read) and ``hashdigest`` (SHA-256 of every file; MD5 and SHA-1 too for the
evidence files, hashed at intake). ``source`` names the evidence, ``creator`` the workbench.

Written as a stream (bounded memory: a million items make ~400 MB of XML, never held). Characters XML 1.0 cannot
carry (control characters in a hostile member name) are written as ``\\xNN``, so the file always parses.
Validated against the DFXML schema in the tests (vendored under tests/exports/dfxml_schema).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from workbench.exports.source import ExportSource

DFXML_NS = "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"
DFXML_VERSION = "2.0.0-beta.0"
_NAME_TYPE = {"file": "r", "dir": "d", "symlink": "l", "hardlink": "h", "device": "c", "fifo": "p"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DATETIME = re.compile(r"^-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def _text(value: Any) -> str:
    return escape(_NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value)))


def _element(fh: IO[str], name: str, value: Any, attrs: str = "", indent: str = "    ") -> None:
    if value is None or value == "":
        return
    fh.write(f"{indent}<{name}{attrs}>{_text(value)}</{name}>\n")


def _fileobject(fh: IO[str], source: ExportSource, row: dict[str, Any]) -> None:
    fh.write("  <fileobject>\n")
    _element(fh, "filename", source.label(row["vpath"]))
    if row.get("status") == "error" or row.get("error"):
        _element(fh, "error", source.label(row.get("error") or "unreadable"))
    _element(fh, "id", row["id"])
    _element(fh, "name_type", _NAME_TYPE.get(row.get("entry_type") or "file", "-"))
    _element(fh, "filesize", row.get("size"))
    mtime = row.get("mtime")
    if mtime and _DATETIME.match(str(mtime)):
        _element(fh, "mtime", mtime)
    _element(fh, "libmagic", row.get("mime") or row.get("kind"))
    for col, name in (("md5", "md5"), ("sha1", "sha1"), ("sha256", "sha256")):
        if row.get(col):
            _element(fh, "hashdigest", row[col], f" type={quoteattr(name)}")
    fh.write("  </fileobject>\n")


def write(source: ExportSource, out: Path) -> list[Path]:
    model = source.model
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    try:
        with open(part, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("<?xml version='1.0' encoding='UTF-8'?>\n")
            fh.write(f"<dfxml xmlns={quoteattr(DFXML_NS)} xmlns:dc='http://purl.org/dc/elements/1.1/' "
                     f"version={quoteattr(DFXML_VERSION)}>\n")
            fh.write("  <metadata>\n")
            _element(fh, "dc:type", "Item listing of a Balise Workbench case")
            _element(fh, "dc:identifier", source.case_name)
            fh.write("  </metadata>\n  <creator>\n")
            _element(fh, "program", model.tool["name"])
            _element(fh, "version", model.tool["version"])
            fh.write("  </creator>\n  <source>\n")
            for e in model.evidence:
                _element(fh, "image_filename", source.label(e.path))
            fh.write("  </source>\n")
            for row in source.items():
                _fileobject(fh, source, row)
            fh.write("</dfxml>\n")
        part.replace(out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return [out]
