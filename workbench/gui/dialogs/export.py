"""The export dialog: which files (PDF, JSON, records CSV), for whom (the whole case, or one establishment's data
controller), the language, masking, and where."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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


class ExportDialog(QDialog):
    def __init__(self, parent=None, folder: Path | None = None, lang: str = "fr",
                 establishments: Sequence[tuple[str, str | None]] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export the report"))
        self.pdf = QCheckBox(self.tr("PDF report"), checked=True)
        self.json = QCheckBox(self.tr("report.json"), checked=True)
        self.csv = QCheckBox(self.tr("Records CSV (attribution of each record, no identifiers)"), checked=True)
        self.lang = QComboBox()
        self.lang.addItem("Français", "fr")
        self.lang.addItem("English", "en")
        self.lang.setCurrentIndex(0 if lang == "fr" else 1)
        self.scope = QComboBox()  # a report per establishment: its records and people only, the others as counts
        self.scope.addItem(self.tr("The whole case"), None)
        for finess, name in establishments:
            self.scope.addItem(f"{name} (FINESS {finess})" if name else f"FINESS {finess}", finess)
        self.unmasked = QCheckBox(self.tr("Identifiers in clear (NIR, names…)"))
        self.warning = QLabel(self.tr("The report will hold personal health data in clear: share it only with "
                                      "those entitled to it."))
        self.warning.setStyleSheet("color: #b00020")
        self.warning.setWordWrap(True)
        self.warning.setVisible(False)
        self.unmasked.toggled.connect(self.warning.setVisible)
        self.folder = QLineEdit(str(folder) if folder else "")
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        box = QWidget()
        box.setLayout(row)
        form = QFormLayout(self)
        form.addRow(self.tr("Files"), self.pdf)
        form.addRow("", self.json)
        form.addRow("", self.csv)
        form.addRow(self.tr("For"), self.scope)
        form.addRow(self.tr("Language"), self.lang)
        form.addRow(self.tr("Masking"), self.unmasked)
        form.addRow(self.warning)
        form.addRow(self.tr("Folder"), box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(560, self.sizeHint().height())

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Folder for the reports"), self.folder.text())
        if path:
            self.folder.setText(path)

    def _accept(self) -> None:
        if self.folder.text().strip() and (self.pdf.isChecked() or self.json.isChecked() or self.csv.isChecked()):
            self.accept()

    def options(self) -> dict:
        """Keyword arguments for ``write_reports`` (paths inside the chosen folder)."""
        folder = Path(self.folder.text().strip()).expanduser()
        lang = self.lang.currentData()
        finess = self.scope.currentData()
        tag = f"-{finess}" if finess else ""
        return {
            "json_path": folder / f"report{tag}.json" if self.json.isChecked() else None,
            "pdf_path": folder / f"report{tag}-{lang}.pdf" if self.pdf.isChecked() else None,
            "records_csv": folder / f"records{tag}.csv" if self.csv.isChecked() else None,
            "lang": lang,
            "unmasked": self.unmasked.isChecked(),
            "establishment": finess,
        }
