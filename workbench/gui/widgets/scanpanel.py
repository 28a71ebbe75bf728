"""Scan progress: bytes, items, rate, ETA and the current item (masked), with Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QProgressBar, QWidget

from workbench.engine.masking import mask_text
from workbench.gui.display import human_bytes, human_duration, number


class ScanProgress(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.phase = QLabel()
        self.bytes = QLabel()
        self.items = QLabel()
        self.rate = QLabel()
        self.eta = QLabel()
        self.current = QLabel()
        self.current.setWordWrap(True)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.bar)
        form.addRow(self.tr("Phase"), self.phase)
        form.addRow(self.tr("Bytes"), self.bytes)
        form.addRow(self.tr("Items"), self.items)
        form.addRow(self.tr("Rate"), self.rate)
        form.addRow(self.tr("Time left"), self.eta)
        form.addRow(self.tr("Current item"), self.current)
        self.masked = True
        self.reset()

    def reset(self) -> None:
        self.bar.setValue(0)
        for w in (self.phase, self.bytes, self.items, self.rate, self.eta, self.current):
            w.setText("–")

    def phase_name(self, phase: str) -> str:
        names = {"intake": self.tr("evidence intake"), "scan": self.tr("scanning"),
                 "attribution": self.tr("attribution"), "verify": self.tr("re-verifying the evidence"),
                 "seal": self.tr("indexing and sealing the results"),
                 "summary": self.tr("counting the records and the people"),
                 "demo": self.tr("building the demo leak"), "done": self.tr("done"),
                 "cancelled": self.tr("cancelled: the case keeps what was scanned"),
                 "incomplete": self.tr("incomplete: resume to finish")}
        return names.get(phase, phase)

    def finish(self, *, cancelled: bool) -> None:
        """The job has ended: the phase says so even if its last event was "re-verifying"."""
        if self.phase.text() in ("", "–"):
            return
        last = "cancelled" if cancelled else "done"
        if self.phase.text() != self.phase_name("incomplete"):
            self.phase.setText(self.phase_name(last))
        if not cancelled and self.phase.text() == self.phase_name("done"):
            self.bar.setValue(self.bar.maximum())
        self.eta.setText("–")
        self.rate.setText("–")

    def update_progress(self, p) -> None:
        """Show one ``workbench.engine.pipeline.Progress``."""
        total = max(1, p.bytes_total)
        done = p.phase == "done"  # finished: full, even when the planned sizes were unknown (0 bytes)
        self.bar.setValue(self.bar.maximum() if done else int(1000 * min(p.bytes_done, total) / total))
        self.phase.setText(self.phase_name(p.phase))
        self.bytes.setText(f"{human_bytes(p.bytes_done)} / {human_bytes(p.bytes_total)}")
        self.items.setText(self.tr("%1, tasks done: %2 of %3").replace("%1", self.tr("%Ln item(s)", "", p.items_done))
                           .replace("%2", number(p.tasks_done)).replace("%3", number(p.tasks_total)))
        if p.phase not in ("intake", "scan", "demo"):  # after the scan no item is read: none is named
            self.current.setText("–")
        if p.phase in ("done", "cancelled", "incomplete"):
            self.rate.setText("–")
            self.eta.setText("–")
            return
        self.rate.setText(f"{human_bytes(p.rate_bps)}/s" if p.rate_bps else "–")
        self.eta.setText(human_duration(p.eta_s))
        if p.current:
            self.current.setText(mask_text(p.current) if self.masked else p.current)
