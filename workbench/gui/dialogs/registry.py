"""Load a beacon registry: its signature is checked, then its authority, version, key and establishments shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from workbench.beacons.registry import Registry, RegistryError, RegistrySignatureError, format_fingerprint


class RegistryDialog(QDialog):
    def __init__(self, parent=None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Beacon registry"))
        self.registry: Registry | None = None
        self.path = QLineEdit(str(path) if path else "")
        self.path.setReadOnly(True)
        browse = QPushButton(self.tr("Choose a registry file…"))
        browse.clicked.connect(self._browse)
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(browse)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.authority = QLabel()
        self.version = QLabel()
        self.fingerprint = QLabel()
        self.fingerprint.setWordWrap(True)
        self.beacons = QLabel()
        form = QFormLayout()
        form.addRow(self.tr("Authority"), self.authority)
        form.addRow(self.tr("Version"), self.version)
        form.addRow(self.tr("Signing key"), self.fingerprint)
        form.addRow(self.tr("Beacons"), self.beacons)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("FINESS"), self.tr("Establishment"), self.tr("Group"),
                                              self.tr("City")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Use this registry"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.status)
        lay.addLayout(form)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.buttons)
        self.resize(760, 520)
        self._set_ok(False)
        if path:
            self.load(Path(path))

    def _set_ok(self, ok: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Beacon registry"), self.path.text(),
                                              self.tr("Registries (*.json);;All files (*)"))
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> bool:
        """Verify and show the registry at ``path``; False (and the reason shown) when it is refused."""
        self.path.setText(str(path))
        self.registry = None
        self.table.setRowCount(0)
        for w in (self.authority, self.version, self.fingerprint, self.beacons):
            w.clear()
        try:
            reg = Registry.load(path)
        except RegistrySignatureError as exc:
            self._refuse(self.tr("Signature refused: %1").replace("%1", str(exc)))
            return False
        except (RegistryError, OSError, ValueError) as exc:
            self._refuse(self.tr("Not a usable registry: %1").replace("%1", str(exc)))
            return False
        self.registry = reg
        self.status.setStyleSheet("color: #1b5e20; font-weight: bold")
        self.status.setText(self.tr("Signature valid (Ed25519)."))
        self.authority.setText(reg.authority)
        self.version.setText(str(reg.version))
        self.fingerprint.setText(format_fingerprint(reg.key_id) if reg.key_id else "")
        self.beacons.setText(str(len(reg.beacons)))
        ests = sorted(reg.establishments.values(), key=lambda e: e.finess)
        self.table.setRowCount(len(ests))
        for i, e in enumerate(ests):
            for j, v in enumerate((e.finess, e.name, e.group or "", e.city or "")):
                self.table.setItem(i, j, QTableWidgetItem(v))
        self._set_ok(True)
        return True

    def _refuse(self, message: str) -> None:
        self.status.setStyleSheet("color: #b00020; font-weight: bold")
        self.status.setText(message)
        self._set_ok(False)
