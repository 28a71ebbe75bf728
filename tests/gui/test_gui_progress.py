"""Issue 13.7 in the window: a single zip moves the bar while it is scanned; at the end the panel says done, and the
items it counts are those of the status bar."""

from __future__ import annotations

from PySide6.QtCore import QLocale

from tests.engine.test_scan_progress import write_patient_zip


def test_progress_on_a_single_zip(qtbot, window, tmp_path):
    w = window
    archive = write_patient_zip(tmp_path / "export.zip")
    assert w.create_case(tmp_path / "case", {"case_number": "T-13-7", "analyst": "A. Le Goff"})
    assert w.add_evidence([archive]) == 1
    panel = w.start.case.progress
    values: list[int] = []
    panel.bar.valueChanged.connect(values.append)
    assert w.start_scan()
    qtbot.waitUntil(lambda: w.job is None, timeout=300_000)
    assert w.errors == []
    assert any(0 < v < panel.bar.maximum() for v in values), values  # it moved during the scan
    assert values == sorted(values)
    assert panel.bar.value() == panel.bar.maximum()
    assert panel.phase.text() == "done" and panel.eta.text() == "–"
    items = w.last_summary.items
    shown = QLocale().toString(items)
    assert panel.items.text().startswith(f"{shown} items")
    assert f"{shown} items" in w.status_case.text()


def test_an_opened_case_shows_how_its_last_scan_ended(qtbot, window, settings, tmp_path):
    """A finished case opened again shows its finished scan (full bar, "done", its figures), not 0%; a new case
    shows nothing yet; a case whose scan never logged its end says "incomplete"."""
    from workbench.engine.store.metadata import CaseStore
    from workbench.gui.window import MainWindow

    w = window
    archive = write_patient_zip(tmp_path / "export.zip")
    assert w.create_case(tmp_path / "case", {"case_number": "T-10-3"})
    panel = w.start.case.progress
    assert panel.bar.value() == 0 and panel.phase.text() == "–"  # never scanned
    assert w.add_evidence([archive]) == 1
    assert w.start_scan()
    qtbot.waitUntil(lambda: w.job is None, timeout=300_000)
    assert w.errors == []
    items, bytes_shown = w.last_summary.items, panel.bytes.text()

    w2 = MainWindow(settings, language="en")
    qtbot.addWidget(w2)
    assert w2.open_case(tmp_path / "case")
    p2 = w2.start.case.progress
    assert p2.bar.value() == p2.bar.maximum()
    assert p2.phase.text() == "done"
    assert p2.items.text() == f"{QLocale().toString(items)} items, tasks done: 1 of 1"  # "1 tâche(s) sur 2" no more
    assert p2.bytes.text() == bytes_shown
    done, total = p2.bytes.text().split(" / ")
    assert done == total
    w2.close()

    with CaseStore(tmp_path / "case") as store:  # a second scan started, whose process then died
        store.log("balise", "scan-started", {})
        store.commit()
    w3 = MainWindow(settings, language="en")
    qtbot.addWidget(w3)
    assert w3.open_case(tmp_path / "case")
    assert w3.start.case.progress.phase.text() == "incomplete: resume to finish"
    w3.close()
