"""The item viewer: items read again through nested archives, text with hits, DICOM image, masking."""

from __future__ import annotations

import hashlib
import re

import pytest

from workbench.engine.masking import mask_identifier
from workbench.engine.store.reader import CaseReader
from workbench.gui.item_source import ItemSourceError, open_item
from workbench.gui.widgets.textview import Hit, hex_dump, identifier_hits, render_text
from workbench.synth.people import PeopleFactory


def _items(reader: CaseReader) -> list[dict]:
    """Every item of the case, walked through the tree's own query."""
    from workbench.engine.store.browse import item_children

    out, stack = [], [None]
    while stack:
        parent = stack.pop()
        for row in item_children(reader, parent, -1, 100_000):
            out.append(dict(zip(("id", "vpath", "name", "kind", "format", "size", "status", "findings", "records",
                                 "error"), row[:-1], strict=True)))
            stack.append(row[0])
    return out


@pytest.fixture(params=["shard_case", "demo"])
def reader(request):
    case = request.getfixturevalue(request.param).case
    r = CaseReader(case)
    yield r
    r.close()


def test_every_item_is_read_again_with_its_recorded_hash(reader, tmp_path):
    from workbench.engine.store.browse import item_row

    items = _items(reader)
    assert max(i["vpath"].count("!/") for i in items) >= 2  # nested archives are part of it
    checked = 0
    for i in items:
        row = item_row(reader, i["vpath"])
        if row["sha256"] is None or row["status"] != "done" or row["kind"] == "directory":
            continue
        with open_item(reader, i["vpath"], tmp_path) as blob:
            assert hashlib.sha256(blob.view()).hexdigest() == row["sha256"], i["vpath"]
        checked += 1
    assert checked
    assert list(tmp_path.iterdir()) == []  # spooled members are gone once closed


def test_unknown_or_vanished_items_raise_clearly(reader, tmp_path):
    with pytest.raises(ItemSourceError, match="unknown item"):
        open_item(reader, "nope!/x", tmp_path)
    vpath = next(i["vpath"] for i in _items(reader) if "!/" in i["vpath"])
    parent, _, label = vpath.rpartition("!/")
    with pytest.raises(ItemSourceError):  # same store, a label that is not in the archive
        open_item(reader, vpath.replace(label, label + ".missing"), tmp_path)


def test_text_hits_are_placed_and_masked():
    people = PeopleFactory(7)
    from workbench.synth.establishments import DEMO_ESTABLISHMENTS

    recs = [people.record(DEMO_ESTABLISHMENTS[0]) for _ in range(20)]
    pats = [r.patient for r in recs]
    lines = [f"{p.family_name};{p.given_name};{p.nir};{p.email or ''};Ç'est noté" for p in pats]
    data = ("\r\n".join(lines)).encode("cp1252", errors="replace")
    hits = identifier_hits(data)
    nirs = [h for h in hits if h.label == "nir"]
    assert len(nirs) == 20
    text, spans = render_text(data, "cp1252", hits, masked=False)
    for span in spans:
        assert text[span.start:span.end] == data[span.hit.start:span.hit.end].decode("cp1252")
    masked, mspans = render_text(data, "cp1252", hits, masked=True)
    for p in pats:
        assert p.nir not in masked
    nir_spans = [s for s in mspans if s.hit.label == "nir"]
    assert masked[nir_spans[0].start:nir_spans[0].end] == mask_identifier("nir", pats[0].nir)
    assert " noté" in masked  # the rest of the text is decoded in its own encoding
    for p in pats:  # names are masked as the Table view masks them (an initial)
        assert f"{p.family_name};{p.given_name}" not in masked


def test_rule_hit_in_utf8_text_lands_on_the_right_characters():
    data = "é" * 10 + "ALERTE" + "à" * 3
    raw = data.encode("utf-8")
    start = raw.index(b"ALERTE")
    text, spans = render_text(raw, "utf-8", [Hit(start, start + 6, "finding", "r")], masked=False)
    assert text[spans[0].start:spans[0].end] == "ALERTE"


def test_hex_dump_masks_digits():
    data = b"NIR=18505780\x00\x01"
    clear = hex_dump(data)
    assert "31 38 35" in clear and "|NIR=18505780..|" in clear
    masked = hex_dump(data, masked=True)
    assert "3d ** **" in masked and "|NIR=********..|" in masked


def test_hex_dump_keeps_a_format_signature_and_masks_the_name_after_it():
    """``%PDF-1.4``: the keyword PDF stays (the hyphen after it made "PDF-" a word to mask: ``%*****.*``); the
    version digits and a family name in capitals are still masked."""
    masked = hex_dump(b"%PDF-1.4\n% DUPONT-\n", masked=True)
    assert "|%PDF-*.*.% *****|" in masked and "|*-.|" in masked, masked  # every byte of the name


def test_viewer_shows_dicom_image_and_masked_tags(qtbot, demo):
    from workbench.gui.widgets.viewer import ItemViewer

    reader = CaseReader(demo.case)
    vpath = next(i["vpath"] for i in _items(reader) if i["kind"] == "dicom" and i["status"] == "done")
    viewer = ItemViewer()
    qtbot.addWidget(viewer)
    viewer.show_item(reader, demo.case, vpath)
    qtbot.waitUntil(lambda: viewer.tags.rowCount() > 0, timeout=30000)
    assert viewer.tabs.currentWidget() is viewer.image_page
    assert viewer.image.pixmap() is not None and not viewer.image.pixmap().isNull()
    tags = {viewer.tags.item(r, 1).text(): viewer.tags.item(r, 3).text() for r in range(viewer.tags.rowCount())}
    assert tags["PatientName"].endswith("***")
    viewer.wait()
    reader.close()


def test_viewer_highlights_csv_and_shows_table(qtbot, shard_case):
    from workbench.gui.widgets.viewer import ItemViewer

    reader = CaseReader(shard_case.case)
    vpath = next(i["vpath"] for i in _items(reader) if i["kind"] == "csv" and i["findings"])
    viewer = ItemViewer()
    qtbot.addWidget(viewer)
    viewer.show_item(reader, shard_case.case, vpath)
    qtbot.waitUntil(lambda: viewer.table.rowCount() > 0, timeout=30000)
    # "identifier(s)" when no window installed the English plural forms (this test alone): the count is the point
    assert re.search(r"\b[1-9][0-9]* identifier", viewer.hits_label.text()), viewer.hits_label.text()
    assert viewer.text.toPlainText()
    viewer.wait()
    reader.close()
