"""The whole flow driven through the widgets: new case, evidence dropped, registry, own rules, scan, attribution,
export and preview of the PDF; then cancel and resume. Screenshots of each main view go to tests/screenshots/."""

from __future__ import annotations

import json
import re

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox

from workbench.engine.store.reader import CaseReader
from workbench.gui.casedb import case_state
from workbench.gui.dialogs.export import ExportDialog
from workbench.gui.dialogs.new_case import NewCaseDialog
from workbench.gui.dialogs.registry import RegistryDialog
from workbench.gui.dialogs.rules import RulesDialog

from .conftest import SCREENSHOTS

OWN_RULE = """rule chu_rennes_export : hospital
{
    meta:
        description = "An export of CHU de Rennes' patient system (facility code in HL7 messages)"
        severity = "warning"
    strings:
        $fac = "CHURENNES"
    condition:
        $fac
}
"""


def _shot(window, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SCREENSHOTS / f"{name}.png"))


def _drop(widget, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def _ok(dialog) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def _wait_job(qtbot, window, timeout=240_000) -> None:
    qtbot.waitUntil(lambda: not window._busy() and window.job_kind is None, timeout=timeout)


def test_new_case_to_pdf_report(qtbot, window, demo, tmp_path):
    w = window
    rules = tmp_path / "own_rules"
    rules.mkdir()
    (rules / "hospital.yar").write_text(OWN_RULE, encoding="utf-8")
    reports = tmp_path / "reports"
    seen: list[str] = []

    def drive(dialog) -> int:
        seen.append(type(dialog).__name__)
        if isinstance(dialog, NewCaseDialog):
            dialog.case_number.setText("CSIRT-2026-014")
            dialog.title.setText("Fuite sur un forum")
            dialog.analyst.setText("A. Le Goff")
            dialog.organisation.setText("CERT Santé Bretagne")
            dialog.folder.setText(str(tmp_path / "case"))
            _shot(dialog, "dialog-new-case")
        elif isinstance(dialog, RegistryDialog):
            assert dialog.load(demo.registry)
            assert dialog.authority.text().startswith("GCS e-Santé Bretagne")
            assert dialog.table.rowCount() >= 6 and "SHA256" in dialog.fingerprint.text().upper()
            _shot(dialog, "dialog-registry")
        elif isinstance(dialog, RulesDialog):
            dialog.add_paths([rules])
            _shot(dialog, "dialog-rules")
        elif isinstance(dialog, ExportDialog):
            dialog.folder.setText(str(reports))
            dialog.lang.setCurrentIndex(1)
            _shot(dialog, "dialog-export")
        _ok(dialog)
        return dialog.result()

    w.exec_dialog = drive
    w.show()
    _shot(w, "start")
    qtbot.mouseClick(w.start.welcome.new_button, Qt.MouseButton.LeftButton)
    assert w.case_dir == (tmp_path / "case").resolve()
    assert case_state(w.reader).meta["case_number"] == "CSIRT-2026-014"

    _drop(w.start.case.evidence, [demo.evidence / "leak.zip", demo.evidence / "extraction_registre_cancers.csv"])
    assert len(w.start.case.evidence.pending()) == 2
    qtbot.mouseClick(w.start.case.registry_button, Qt.MouseButton.LeftButton)
    assert w.registry_path == demo.registry
    qtbot.mouseClick(w.start.case.rules_button, Qt.MouseButton.LeftButton)
    assert w.user_rules == [(rules, True)]
    assert w.start.case.scan_button.isEnabled()

    qtbot.mouseClick(w.start.case.scan_button, Qt.MouseButton.LeftButton)
    assert w._busy() and w.start.case.cancel_button.isEnabled() and not w.start.case.scan_button.isEnabled()
    _wait_job(qtbot, w)
    assert not w.errors, w.errors
    assert w.last_summary.completed and w.last_summary.items > 50
    _shot(w, "case-after-scan")
    assert "Scan complete" in w.start.case.scan_state.text()
    assert "verified unchanged" in w.status_evidence.text()

    # Views: the tree, the findings of the analyst's own rule, records masked, beacons, attribution.
    w.tabs.setCurrentIndex(1)
    tree = w.tree.model()
    assert tree.rowCount() == 2
    zip_index = next(tree.index(r, 0) for r in range(2) if tree.index(r, 0).data() == "leak.zip")
    w.tree.expand(zip_index)
    csv_index = None
    stack = [zip_index]
    while stack and csv_index is None:
        parent = stack.pop()
        while tree.canFetchMore(parent):
            tree.fetchMore(parent)
        for r in range(tree.rowCount(parent)):
            idx = tree.index(r, 0, parent)
            if str(tree.index(r, 1, parent).data()).startswith("csv") and tree.index(r, 4, parent).data():
                csv_index = idx
                break
            if tree.hasChildren(idx):
                stack.append(idx)
    assert csv_index is not None
    w.tree.setCurrentIndex(csv_index)
    qtbot.waitUntil(lambda: w.viewer.table.rowCount() > 0, timeout=30_000)
    _shot(w, "evidence")

    findings = w.findings_page.model
    w.findings_page.filter.setText("chu_rennes_export")
    w.findings_page.apply_filter()
    assert findings.rowCount() > 0
    w.findings_page.view.setCurrentIndex(findings.index(0, 0))
    assert "chu_rennes_export" in w.details.toPlainText()
    w.tabs.setCurrentWidget(w.findings_page)
    _shot(w, "findings")

    records = w.records_page.model
    assert records.rowCount() == case_state(w.reader).records > 1000
    w.records_page.view.setCurrentIndex(records.index(0, 2))
    w.tabs.setCurrentWidget(w.records_page)
    _shot(w, "records")

    beacons = w.beacons_page.model
    assert beacons.rowCount() > 0 and w.watermarks_page.model.rowCount() == 1
    w.beacons_page.view.setCurrentIndex(beacons.index(0, 0))
    assert "canary" in w.details.toPlainText().lower()
    w.tabs.setCurrentIndex(4)
    _shot(w, "beacons")

    qtbot.waitUntil(lambda: w.dashboard.report is not None, timeout=60_000)
    truth = json.loads(demo.truth.read_text(encoding="utf-8"))
    shown = {w.dashboard.table.item(r, 0).text() for r in range(w.dashboard.table.rowCount())}
    assert set(truth["planted_canaries"]) <= shown
    w.dashboard.table.selectRow(0)
    assert "FINESS" in w.details.toPlainText()
    w.tabs.setCurrentWidget(w.dashboard)
    _shot(w, "attribution")

    # Masking toggle: identifiers in clear on request, masked again after.
    col = [c.key for c in records.columns].index("nir")
    row = next(r for r in range(200) if records.row_tuple(r)[col + 1])
    clear = records.row_tuple(row)[col + 1]
    assert records.index(row, col).data() != clear
    w.act_clear.trigger()
    assert records.index(row, col).data() == clear and "CLEAR" in w.status_mask.text()
    w.act_clear.trigger()
    assert records.index(row, col).data() != clear

    # Report: export dialog, PDF in English previewed inside the window.
    qtbot.mouseClick(w.report_view.export_button, Qt.MouseButton.LeftButton)
    _wait_job(qtbot, w, timeout=180_000)
    assert not w.errors, w.errors
    assert (reports / "report-en.pdf").is_file() and (reports / "report.json").is_file()
    assert (reports / "records.csv").is_file()
    assert w.report_view.document.pageCount() > 3
    assert w.tabs.currentWidget() is w.report_view
    qtbot.wait(2500)  # QPdfView renders pages on its own threads
    _shot(w, "report")
    assert set(seen) == {"NewCaseDialog", "RegistryDialog", "RulesDialog", "ExportDialog"}


def test_cancel_then_resume(qtbot, window, demo, tmp_path):
    w = window
    w.jobs = 1
    assert w.create_case(tmp_path / "case", {"case_number": "C-1", "analyst": "test"})
    w.add_evidence([demo.evidence])
    w.registry_path = demo.registry
    progress = []
    assert w.start_scan()
    w.job.progressed.connect(progress.append)
    qtbot.waitUntil(lambda: any(p.items_done > 0 for p in progress), timeout=120_000)
    qtbot.mouseClick(w.start.case.cancel_button, Qt.MouseButton.LeftButton)
    _wait_job(qtbot, w)
    assert w.last_summary.cancelled and not w.last_summary.completed
    state = case_state(w.reader)
    assert state.interrupted and state.items > 0
    done_before = state.tasks_done
    assert w.start.case.resume_button.isEnabled()
    _shot(w, "case-interrupted")

    qtbot.mouseClick(w.start.case.resume_button, Qt.MouseButton.LeftButton)
    _wait_job(qtbot, w)
    assert w.last_summary.completed and not w.errors
    assert not w.start.case.resume_button.isEnabled()
    with CaseReader(demo.case) as ref:
        expected = (ref.counts().items, ref.counts().records)
    state = case_state(w.reader)
    assert (state.items, state.records) == expected  # nothing lost, nothing counted twice
    custody = [c["action"] for c in w.reader.custody()]
    assert "scan-cancelled" in custody and custody.count("scan-finished") == 1
    assert ("scan-resumed" in custody) == (done_before > 0)  # finished tasks are skipped, not redone


def test_errors_are_shown_and_nothing_is_lost(qtbot, window, tmp_path):
    w = window
    assert w.create_case(tmp_path / "case", {"case_number": "C-2", "analyst": "test"})
    bad = tmp_path / "bad.yar"
    bad.write_text("rule ok { condition: true }\n\nrule broken {\n  strings: $a = \"x\"\n  condition: $b\n}\n")
    dialog = RulesDialog(w, [(bad, True)])
    qtbot.addWidget(dialog)
    assert dialog.check()  # a file that does not compile is skipped by the scan, and listed as not applied
    where = re.search(r"NOT APPLIED \S*bad\.yar:(\d+): undefined string", dialog.outcome.text())
    assert where and int(where.group(1)) in (5, 6)  # YARA names the line of the condition or the rule's end
    gone = tmp_path / "gone.yar"
    w.user_rules = [(gone, True)]  # a rule file that is not there stops the scan before it starts
    dump = tmp_path / "dump.csv"
    dump.write_text("nom;prenom\nDUPONT;Jean\n", encoding="cp1252")
    w.add_evidence([dump])
    assert not w.start_scan()
    assert w.errors and f"{gone}: no such rule file or folder" in w.errors[-1][1]
    assert w.start.case.evidence.pending() == [dump.resolve()]  # the inputs stay as they were
    w.add_evidence([tmp_path])  # a folder holding the case is refused
    assert "case folder" in w.errors[-1][1]
    assert not RegistryDialog(w).load(dump)
    assert w.open_case(tmp_path / "nowhere") is False
    assert w.case_dir == (tmp_path / "case").resolve()


def test_recent_cases_and_layout_are_remembered(qtbot, settings, demo, tmp_path):
    from workbench.gui.window import MainWindow

    w = MainWindow(settings, language="en")
    qtbot.addWidget(w)
    w.show()
    w.resize(771, 555)
    qtbot.waitUntil(lambda: w.width() == 771)
    assert w.open_case(demo.case)
    w.close()
    w2 = MainWindow(settings, language="en")
    qtbot.addWidget(w2)
    assert w2.start.welcome.recent.count() == 1
    assert w2.recent_menu.actions()[0].text() == str(demo.case.resolve())
    assert (w2.width(), w2.height()) == (771, 555)
    w2.start.welcome.recent.itemActivated.emit(w2.start.welcome.recent.item(0))
    assert w2.case_dir == demo.case.resolve()
    assert w2.registry_path == demo.registry.resolve() or w2.registry_path == demo.registry
    assert w2.start.currentIndex() == 1 and w2.tabs.isTabEnabled(3)
