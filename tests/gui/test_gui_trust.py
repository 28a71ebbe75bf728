"""Issue 13 (window): masking true in every view, unmasking logged in custody, CRLF highlights in place, the
language switch keeps what the analyst was doing, findings lead to their item."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QModelIndex
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QLabel, QMenu

from workbench.engine.masking import mask_identifier
from workbench.engine.store import browse
from workbench.engine.store.reader import CaseReader
from workbench.gui.models.tree import VPATH_ROLE

from .conftest import SCREENSHOTS

CSV = "leak/extraction_registre_cancers.csv"  # the demo's watermarked export: cp1252, ';', CRLF line ends


@pytest.fixture
def case(demo, tmp_path):
    """A copy of the demo case (these tests write custody entries)."""
    return shutil.copytree(demo.case, tmp_path / "case")


def _open(qtbot, w, vpath, offset=None, locator=None):
    assert w.open_item_at(vpath, offset, locator)
    qtbot.waitUntil(lambda: w.viewer._current is not None and w.viewer._current["vpath"] == vpath
                    and "prepared" in w.viewer._current, timeout=60_000)


def _people(case_dir, vpath):
    with CaseReader(case_dir) as reader:
        rows = reader.rows("SELECT family_name, given_name, birth_date, nir FROM records WHERE item = ?", (vpath,))
    return [r for r in rows if r[0] and len(r[0]) >= 4]


def _hex_text(hex_dump: str) -> str:
    return "".join(line.rsplit("|", 2)[1] for line in hex_dump.splitlines() if line.count("|") >= 2)


def _custody(case_dir):
    with CaseReader(case_dir) as reader:
        return reader.custody()


def test_masking_holds_in_every_view_and_unmasking_is_logged(qtbot, window, case):
    w = window
    assert w.open_case(case)
    people = _people(case, CSV)
    assert len(people) > 100
    _open(qtbot, w, CSV)
    text = w.viewer.text.toPlainText()
    hex_ascii = _hex_text(w.viewer.hex.toPlainText())
    table = [w.viewer.table.item(r, c).text() for r in range(min(50, w.viewer.table.rowCount()))
             for c in range(w.viewer.table.columnCount()) if w.viewer.table.item(r, c)]
    for family, given, born, nir in people[:200]:
        assert family not in text and family not in hex_ascii and family not in table
        assert given not in text.split(";") and nir not in text and nir not in hex_ascii
        day = "/".join(reversed(born.split("-")))  # the file writes dd/mm/yyyy
        assert day not in text and day not in table
    records = w.records_page.model
    shown = {records.index(r, c).data() for r in range(100) for c in range(records.columnCount())}
    assert not shown & {p[0] for p in people} and not shown & {p[3] for p in people}
    w.records_page.apply_filter()
    w.records_page.view.setCurrentIndex(records.index(0, 0))
    details = w.details.toPlainText()
    rid = records.row_id(0)
    with CaseReader(case) as reader:
        first = reader.record(rid)
    assert first["family_name"] and first["family_name"] not in details
    idents = w.identifiers_page.model
    assert idents.rowCount() > 0
    keys = [c.key for c in idents.columns]
    for r in range(min(50, idents.rowCount())):
        raw = idents.row_tuple(r)
        value = raw[keys.index("value") + 1]
        shown_value = idents.index(r, keys.index("value")).data()
        if raw[keys.index("type") + 1] != "finess":
            assert shown_value != value and shown_value == mask_identifier(raw[keys.index("type") + 1], value)
    before = len(_custody(case))

    # Ctrl+Shift+M without a reason: nothing shown, nothing logged.
    w.ask_unmasking = lambda: None
    w.act_clear.trigger()
    assert w.masked and not w.act_clear.isChecked() and len(_custody(case)) == before
    assert people[0][0] not in w.viewer.text.toPlainText()

    # With a name and a reason: logged first, then shown.
    w.ask_unmasking = lambda: ("A. Le Goff", "vérifier le canari signalé par le DPO du CHU de Rennes")
    w.act_clear.trigger()
    assert not w.masked and "CLEAR" in w.status_mask.text()
    entries = _custody(case)
    assert len(entries) == before + 1
    last = entries[-1]
    detail = json.loads(last["detail"])
    assert last["action"] == "unmasking" and last["actor"] == "A. Le Goff"
    assert detail == {"who": "A. Le Goff", "reason": "vérifier le canari signalé par le DPO du CHU de Rennes",
                      "scope": "window"}
    assert last["ts_utc"].endswith("Z")
    text = w.viewer.text.toPlainText()
    assert people[0][0] in text and people[0][3] in text
    hex_clear = _hex_text(w.viewer.hex.toPlainText())  # the first 64 KiB, non-ASCII bytes as "."
    assert sum(p[0] in hex_clear for p in people if p[0].isascii()) > 20
    from workbench.engine.store.custody import verify_chain
    from workbench.engine.store.metadata import CaseStore

    with CaseStore(case, create=False) as store:
        assert verify_chain(store).ok
    # Masking again needs no reason; another case opens masked.
    w.act_clear.trigger()
    assert w.masked and people[0][0] not in w.viewer.text.toPlainText()
    w.ask_unmasking = lambda: ("A. Le Goff", "relecture")
    w.act_clear.trigger()
    assert not w.masked
    assert w.open_case(case)
    assert w.masked and not w.act_clear.isChecked()


def test_crlf_highlights_sit_on_their_identifiers(qtbot, window, case):
    w = window
    assert w.open_case(case)
    _open(qtbot, w, CSV)
    data = w.viewer._data
    assert data.count(b"\r\n") > 1000  # a CRLF file: the drift was one character per line
    doc = w.viewer.text.document()
    spans = [s for s in w.viewer.spans if s.hit.source == "identifier"]
    assert len(spans) > 1000
    assert doc.characterCount() - 1 == len(w.viewer.text.toPlainText())

    def check(masked: bool) -> None:
        for span in spans[:: max(1, len(spans) // 400)] + spans[-5:]:  # the last lines drifted the most
            cursor = QTextCursor(doc)
            cursor.setPosition(span.start)
            cursor.setPosition(span.end, QTextCursor.MoveMode.KeepAnchor)
            value = data[span.hit.start:span.hit.end].decode("cp1252")
            assert cursor.selectedText() == (mask_identifier(span.hit.label, value) if masked else value)
            block = doc.findBlock(span.start)
            starts = {(f.start, f.length) for f in block.layout().formats()}
            assert (span.start - block.position(), span.end - span.start) in starts

    check(masked=True)
    w.ask_unmasking = lambda: ("A. Le Goff", "contrôle des surlignages")
    w.act_clear.trigger()
    doc = w.viewer.text.document()
    spans = [s for s in w.viewer.spans if s.hit.source == "identifier"]
    check(masked=False)


def _status_labels(w) -> int:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    return len([lab for lab in w.statusBar().findChildren(QLabel) if lab.parent() is not None])


def test_language_switch_keeps_tab_and_filters_and_adds_no_labels(qtbot, window, demo):
    w = window
    w.show()
    assert w.open_case(demo.case)
    labels = _status_labels(w)
    finess = "350990016"
    w.show_establishment_records(finess)
    shown = w.records_page.model.rowCount()
    assert shown > 0
    w.beacons_page.filter.setText("confirmed")
    w.beacons_page.apply_filter()
    beacons = w.beacons_page.model.rowCount()
    for lang in ("fr", "en", "fr"):
        w.switch_language(lang)
        assert _status_labels(w) == labels, lang
        assert w.tabs.currentWidget() is w.records_page
        assert w.records_page.filter.text() == f"establishment:{finess}"
        assert w.records_page.model.condition == {"establishment": finess}
        assert w.records_page.model.rowCount() == shown
        assert w.beacons_page.model.rowCount() == beacons
    # French: stored codes, locators and numbers as a French reader reads them.
    assert w.tabs.tabText(0) == "Dossier"
    kinds = {w.beacons_page.model.index(r, 1).data() for r in range(beacons)}
    status = {w.beacons_page.model.index(r, 2).data() for r in range(beacons)}
    assert kinds == {"patient témoin"} and status == {"confirmé"}  # the report's term, not "canari"
    locators = {w.records_page.model.index(r, 1).data() for r in range(20)}
    assert all(loc.startswith(("ligne ", "message ", "entrée ", "fichier", "table ", "feuille ")) for loc in locators)
    fr = QLocale(QLocale.Language.French, QLocale.Country.France)
    with CaseReader(demo.case) as reader:
        records = reader.counts().records
    assert fr.toString(records) in w.status_case.text() and f"{records:,}" not in w.status_case.text()
    assert w.records_page.count.text() == f"{fr.toString(shown)} lignes"
    w.records_page.filter.setText(f"establishment:{finess} zzzz-nothing")
    w.records_page.apply_filter()
    assert w.records_page.count.text() == "0 ligne"
    w.tabs.setCurrentWidget(w.dashboard)
    qtbot.waitUntil(lambda: w.dashboard.report is not None, timeout=60_000)
    bases = w.dashboard.table.item(0, 4).text()
    assert "patient témoin\u00a0: " in bases and "canar" not in bases
    SCREENSHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SCREENSHOTS / "attribution-fr-after-switch.png"))


def test_findings_lead_to_their_item(qtbot, window, case, tmp_path):
    w = window
    w.show()
    assert w.open_case(case)
    findings = w.findings_page.model
    keys = [c.key for c in findings.columns]
    row = next(r for r in range(findings.rowCount())
               if findings.row_tuple(r)[keys.index("item") + 1] == CSV)
    loc = browse.finding_location(w.reader, findings.row_id(row))
    assert loc is not None and loc[0] == CSV and loc[2] == "raw"
    assert w.open_row_item(w.findings_page, row)  # what a double-click does
    assert w.tabs.currentWidget() is w.evidence_split
    assert w.tree.currentIndex().data(VPATH_ROLE) == CSV
    qtbot.waitUntil(lambda: "prepared" in (w.viewer._current or {}) and w.viewer.text.textCursor().hasSelection(),
                    timeout=60_000)
    assert w.viewer.tabs.currentWidget() is w.viewer.text
    cursor = w.viewer.text.textCursor()
    span = next(s for s in w.viewer.spans if s.start == cursor.selectionStart())
    assert span.hit.start <= loc[1] < span.hit.end or abs(span.hit.start - loc[1]) < 64

    # A record opens its item on its row.
    records = w.records_page.model
    w.records_page.filter.setText("row:25")
    w.records_page.apply_filter()
    rkeys = [c.key for c in records.columns]

    def rows_25():  # the filtered page may come a moment later on a loaded machine
        return [r for r in range(records.rowCount()) if records.row_tuple(r)[rkeys.index("item") + 1] == CSV
                and records.row_tuple(r)[rkeys.index("locator") + 1] == "row:25"]

    def found() -> bool:  # "row:25" also matches row:250...: other items' rows may fill the first pages
        while not rows_25() and records.canFetchMore(QModelIndex()):
            records.fetchMore(QModelIndex())
        return bool(rows_25())

    qtbot.waitUntil(found, timeout=60_000)
    row = rows_25()[0]
    assert w.open_row_item(w.records_page, row)
    qtbot.waitUntil(lambda: w.viewer.table.currentRow() == 24, timeout=60_000)
    assert w.viewer.tabs.currentWidget() is w.viewer.table

    # Context menu: copy the hash, copy the path (masked while masking is on), export the item.
    menu = QMenu(w)
    w.item_actions(CSV, menu)
    actions = {a.text(): a for a in menu.actions()}
    actions["Copy the item's SHA-256"].trigger()
    sha = browse.item_sha256(w.reader, CSV)
    assert QApplication.clipboard().text() == sha and len(sha) == 64
    actions["Copy the item's path"].trigger()
    assert QApplication.clipboard().text() == CSV  # no identifier in this path
    out = tmp_path / "exported.csv"
    assert w.export_item(CSV, out)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == sha
    last = _custody(case)[-1]
    assert last["action"] == "item-exported" and json.loads(last["detail"])["sha256"] == sha
    assert not w.export_item(CSV, case / "inside.csv") and w.errors  # never into the case folder

    # The details pane follows the tab in front.
    w.tabs.setCurrentWidget(w.records_page)
    w.records_page.view.setCurrentIndex(records.index(0, 0))
    assert "Record" in w.details.toPlainText()
    w.findings_page.view.setCurrentIndex(findings.index(0, 0))
    w.tabs.setCurrentWidget(w.findings_page)
    assert "Finding" in w.details.toPlainText()
    w.tabs.setCurrentWidget(w.records_page)
    assert "Record" in w.details.toPlainText()
    w.tabs.setCurrentIndex(0)
    assert "Select a finding" in w.details.toPlainText()

    # Item errors: one line per error of the case.
    with CaseReader(case) as reader:
        errors = reader.counts().errors
    assert w.errors_page.model.rowCount() == errors > 0
    assert not w.errors_page.model.canFetchMore(QModelIndex())
