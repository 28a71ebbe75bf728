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
