"""The report tab: the exported PDF previewed inside the window (QtPdf), or opened in the system viewer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class ReportView(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.label = QLabel(self.tr("No report exported yet: use Report ▸ Export."))
        self.label.setWordWrap(True)
        self.export_button = QPushButton(self.tr("Export…"))
        self.open_button = QPushButton(self.tr("Open in the system viewer"))
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_external)
        row = QHBoxLayout()
        row.addWidget(self.label, 1)
        row.addWidget(self.export_button)
        row.addWidget(self.open_button)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.view, 1)
        self.path: Path | None = None

    def show_pdf(self, path: Path) -> bool:
        self.document.close()
        status = self.document.load(str(path))
        if status != QPdfDocument.Error.None_:
            self.label.setText(self.tr("The PDF could not be previewed (%1): %2").replace("%1", str(status.name))
                               .replace("%2", str(path)))
            return False
        self.path = Path(path)
        self.label.setText(self.tr("%1 — %2").replace("%1", str(path))
                           .replace("%2", self.tr("%Ln page(s)", "", self.document.pageCount())))
        self.open_button.setEnabled(True)
        return True

    def open_external(self) -> None:
        if self.path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path)))
