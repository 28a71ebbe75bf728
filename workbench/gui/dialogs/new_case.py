"""New case: case number, title, analyst, organisation and the (new or empty) folder that will hold it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from workbench.gui.casedb import is_case


class NewCaseDialog(QDialog):
    def __init__(self, parent=None, default_folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New case"))
        self.case_number = QLineEdit()
        self.case_number.setPlaceholderText(self.tr("e.g. CSIRT-2026-014"))
        self.title = QLineEdit()
        self.analyst = QLineEdit()
        self.organisation = QLineEdit()
        self.folder = QLineEdit(str(default_folder) if default_folder else "")
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        folder_box = QWidget()
        folder_box.setLayout(row)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("Case number"), self.case_number)
        form.addRow(self.tr("Title"), self.title)
        form.addRow(self.tr("Analyst"), self.analyst)
        form.addRow(self.tr("Organisation"), self.organisation)
        form.addRow(self.tr("Case folder"), folder_box)
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Create"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.resize(560, self.sizeHint().height())

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Case folder"), self.folder.text())
        if path:
            self.folder.setText(path)

    def info(self) -> dict[str, str]:
        return {"case_number": self.case_number.text().strip(), "title": self.title.text().strip(),
                "analyst": self.analyst.text().strip(), "organisation": self.organisation.text().strip()}

    def case_folder(self) -> Path:
        return Path(self.folder.text().strip()).expanduser()

    def problem(self) -> str | None:
        if not self.case_number.text().strip():
            return self.tr("The case number is required.")
        if not self.analyst.text().strip():
            return self.tr("The analyst's name is required.")
        text = self.folder.text().strip()
        if not text:
            return self.tr("Choose the folder that will hold the case.")
        folder = self.case_folder()
        if is_case(folder):
            return self.tr("This folder already holds a case: open it instead.")
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            return self.tr("The case folder must be new or empty.")
        return None

    def _accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        self.accept()
