"""Show identifiers in clear: who asks and why, written into the case's custody log before anything is shown."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit


class UnmaskDialog(QDialog):
    def __init__(self, parent=None, who: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Show identifiers in clear"))
        text = QLabel(self.tr("Names, NIR, birth dates and the other identifiers will be shown in clear in every "
                              "view. Who asks and why is written into the case's custody log, which the report "
                              "shows."))
        text.setWordWrap(True)
        self.who = QLineEdit(who)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("e.g. checking a canary match requested by the DPO of the CHU"))
        self.reason.setFixedHeight(90)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(text)
        form.addRow(self.tr("Analyst"), self.who)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.buttons)
        self.who.textChanged.connect(self._check)
        self.reason.textChanged.connect(self._check)
        self._check()
        self.resize(520, 260)

    def _check(self) -> None:
        ok = bool(self.who.text().strip()) and bool(self.reason.toPlainText().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def answer(self) -> tuple[str, str]:
        return self.who.text().strip(), self.reason.toPlainText().strip()
