"""The DFXML listing of the demo: valid against the DFXML schema (vendored, public domain), every item in it."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

from lxml import etree

from workbench.engine.masking import mask_text
from workbench.engine.store.reader import CaseReader
from workbench.exports import dfxml

SCHEMA = Path(__file__).parent / "dfxml_schema" / "dfxml.xsd"
NS = {"d": dfxml.DFXML_NS}


def test_dfxml_is_valid_against_the_schema(demo_exports):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    doc = etree.parse(str(demo_exports["dfxml"]))
    assert schema.validate(doc), str(schema.error_log)


def test_every_item_is_listed_with_its_hash_and_size(demo_case, demo_exports):
    doc = etree.parse(str(demo_exports["dfxml"]))
    listed = {}
    for fo in doc.getroot().iterfind("d:fileobject", NS):
        listed[fo.findtext("d:filename", namespaces=NS)] = (
            fo.findtext("d:filesize", namespaces=NS), fo.findtext("d:hashdigest[@type='sha256']", namespaces=NS))
    with CaseReader(demo_case.case) as reader:
        items = reader.meta_rows("SELECT vpath, size, sha256 FROM items WHERE entry_type = 'file'")
        evidence = {r[0] for r in reader.meta_rows("SELECT sha256 FROM evidence_files")}
        total = reader.meta_one("SELECT COUNT(*) FROM items")
    assert len(listed) == total
    for vpath, size, sha in items:
        vpath = mask_text(vpath)  # a member named with an 8-digit patient number is listed masked
        assert vpath in listed, vpath
        assert listed[vpath][0] == (str(size) if size is not None else None)
        if sha:
            assert listed[vpath][1] == sha
    assert evidence <= {h for _s, h in listed.values()}  # top-level files carry their intake hashes


def test_a_hostile_member_name_still_gives_well_formed_xml():
    source = SimpleNamespace(label=lambda t: t)
    fh = io.StringIO()
    fh.write(f"<dfxml xmlns='{dfxml.DFXML_NS}' version='x'>")
    dfxml._fileobject(fh, source, {"vpath": "a.zip!/\x01evil<>&\x1b[2J\ufffe.csv", "id": 7, "entry_type": "file",
                                   "size": 3, "sha256": "ab" * 32, "mtime": "not a date", "mime": "text/csv"})
    fh.write("</dfxml>")
    root = etree.fromstring(fh.getvalue().encode("utf-8"))
    name = root.findtext("d:fileobject/d:filename", namespaces=NS)
    assert name == "a.zip!/\\x01evil<>&\\x1b[2J\\xfffe.csv"
    assert root.find("d:fileobject/d:mtime", NS) is None
