"""The item viewer: items read again through nested archives, text with hits, DICOM image, masking."""

from __future__ import annotations

import hashlib

import pytest

from workbench.engine.masking import mask_identifier
from workbench.gui.casedb import open_readonly
from workbench.gui.item_source import ItemSourceError, open_item
from workbench.gui.widgets.textview import Hit, hex_dump, identifier_hits, render_text
from workbench.synth.people import PeopleFactory


@pytest.fixture
def conn(demo):
    c = open_readonly(demo.case)
    yield c
    c.close()


def test_every_item_is_read_again_with_its_recorded_hash(conn, demo, tmp_path):
    rows = conn.execute("SELECT vpath, sha256, depth FROM items WHERE sha256 IS NOT NULL AND status='done' "
                        "AND kind NOT IN ('directory') ORDER BY depth DESC").fetchall()
    assert rows and rows[0][2] >= 2  # nested archives are part of it
    for vpath, sha, _depth in rows:
        with open_item(conn, vpath, tmp_path) as blob:
            assert hashlib.sha256(blob.view()).hexdigest() == sha, vpath
    assert list(tmp_path.iterdir()) == []  # spooled members are gone once closed


def test_unknown_or_vanished_items_raise_clearly(conn, demo, tmp_path):
    with pytest.raises(ItemSourceError, match="unknown item"):
        open_item(conn, "nope!/x", tmp_path)
    vpath = conn.execute("SELECT vpath FROM items WHERE depth >= 1 AND vpath LIKE '%!/%' LIMIT 1").fetchone()[0]
    parent, _, label = vpath.rpartition("!/")
    conn2 = conn  # same store, a label that is not in the archive
    with pytest.raises(ItemSourceError):
        open_item(conn2, vpath.replace(label, label + ".missing"), tmp_path)


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
    assert "Ç'est noté" in masked  # the rest of the text is decoded in its own encoding


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


def test_viewer_shows_dicom_image_and_masked_tags(qtbot, demo):
    from workbench.gui.widgets.viewer import ItemViewer

    conn = open_readonly(demo.case)
    vpath = conn.execute("SELECT vpath FROM items WHERE kind='dicom' AND status='done' LIMIT 1").fetchone()[0]
    viewer = ItemViewer()
    qtbot.addWidget(viewer)
    viewer.show_item(conn, demo.case, vpath)
    qtbot.waitUntil(lambda: viewer.tags.rowCount() > 0, timeout=30000)
    assert viewer.tabs.currentWidget() is viewer.image_page
    assert viewer.image.pixmap() is not None and not viewer.image.pixmap().isNull()
    tags = {viewer.tags.item(r, 1).text(): viewer.tags.item(r, 3).text() for r in range(viewer.tags.rowCount())}
    assert tags["PatientName"].endswith("***")
    conn.close()


def test_viewer_highlights_csv_and_shows_table(qtbot, demo):
    from workbench.gui.widgets.viewer import ItemViewer

    conn = open_readonly(demo.case)
    vpath = conn.execute("SELECT vpath FROM items WHERE kind='csv' AND findings > 0 LIMIT 1").fetchone()[0]
    viewer = ItemViewer()
    qtbot.addWidget(viewer)
    viewer.show_item(conn, demo.case, vpath)
    qtbot.waitUntil(lambda: viewer.table.rowCount() > 0, timeout=30000)
    assert "identifiers" in viewer.hits_label.text()
    assert viewer.text.toPlainText()
    conn.close()
