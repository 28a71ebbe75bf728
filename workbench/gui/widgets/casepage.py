"""The case page: a welcome screen without a case; with one, its details, inputs and the scan controls."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.gui.widgets.inputs import EvidenceList
from workbench.gui.widgets.scanpanel import ScanProgress


class WelcomePage(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        tagline = self.tr("Triage of leaked health-data dumps, offline.")
        title = QLabel(f"<h1>Balise Workbench</h1><p>{tagline}</p>")
        title.setWordWrap(True)
        self.new_button = QPushButton(self.tr("New case…"))
        self.open_button = QPushButton(self.tr("Open a case…"))
        self.demo_button = QPushButton(self.tr("Open the demo"))
        self.demo_button.setToolTip(self.tr("Builds a demo registry and leak, scans it and opens the case"))
        steps = QLabel(self.tr("1. Create a case.  2. Add the dump (files or folders, or drop them).  "
                               "3. Load the establishments' signed registry.  4. Scan.  5. Read the attribution "
                               "and export the report."))
        steps.setWordWrap(True)
        self.recent = QListWidget()
        buttons = QHBoxLayout()
        for b in (self.new_button, self.open_button, self.demo_button):
            b.setMinimumHeight(36)
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addLayout(buttons)
        lay.addWidget(steps)
        recent = self.tr("Recent cases")
        lay.addWidget(QLabel(f"<b>{recent}</b>"))
        lay.addWidget(self.recent, 1)


class CasePage(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        info_box = QGroupBox(self.tr("Case"))
        QVBoxLayout(info_box).addWidget(self.info)

        self.evidence = EvidenceList()
        self.add_files = QPushButton(self.tr("Add files…"))
        self.add_folder = QPushButton(self.tr("Add a folder…"))
        self.remove = QPushButton(self.tr("Remove"))
        ev_buttons = QHBoxLayout()
        for b in (self.add_files, self.add_folder, self.remove):
            ev_buttons.addWidget(b)
        ev_buttons.addStretch(1)
        ev_box = QGroupBox(self.tr("Evidence (drop files or folders here)"))
        ev_lay = QVBoxLayout(ev_box)
        ev_lay.addWidget(self.evidence, 1)
        ev_lay.addLayout(ev_buttons)

        self.registry = QLabel()
        self.registry.setWordWrap(True)
        # Authority, version and key fingerprint take up to four lines: a row of one line clipped the last ones.
        self.registry.setMinimumHeight(self.registry.fontMetrics().lineSpacing() * 4)
        self.registry_button = QPushButton(self.tr("Load a registry…"))
        self.rules = QLabel()
        self.rules.setWordWrap(True)
        self.rules_button = QPushButton(self.tr("Rules…"))
        inputs = QGroupBox(self.tr("Detection"))
        form = QFormLayout(inputs)
        row1 = QHBoxLayout()
        row1.addWidget(self.registry, 1)
        row1.addWidget(self.registry_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.rules, 1)
        row2.addWidget(self.rules_button)
        form.addRow(self.tr("Registry"), row1)
        form.addRow(self.tr("YARA rules"), row2)

        self.scan_button = QPushButton(self.tr("Scan"))
        self.resume_button = QPushButton(self.tr("Resume"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.scan_button.setMinimumHeight(34)
        self.progress = ScanProgress()
        self.scan_state = QLabel()
        self.scan_state.setWordWrap(True)
        scan_box = QGroupBox(self.tr("Scan"))
        scan_lay = QVBoxLayout(scan_box)
        row3 = QHBoxLayout()
        for b in (self.scan_button, self.resume_button, self.cancel_button):
            row3.addWidget(b)
        row3.addStretch(1)
        scan_lay.addLayout(row3)
        scan_lay.addWidget(self.scan_state)
        scan_lay.addWidget(self.progress)
        scan_lay.addStretch(1)

        left = QVBoxLayout()
        left.addWidget(info_box)
        left.addWidget(ev_box, 1)
        right = QVBoxLayout()
        right.addWidget(inputs)
        right.addWidget(scan_box)
        right.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addLayout(left, 1)
        lay.addLayout(right, 1)


class StartStack(QStackedWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.welcome = WelcomePage()
        self.case = CasePage()
        self.addWidget(self.welcome)
        self.addWidget(self.case)
