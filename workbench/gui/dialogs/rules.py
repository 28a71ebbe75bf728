"""The rules manager: bundled YARA rules and the analyst's own files, enabled or not, compiled before a scan.

Bundled rules are always part of a scan (``run_scan`` compiles them); the analyst's files can be added, enabled,
disabled and removed. A file that does not compile is listed with its file, line and reason: the scan skips it
(and the report says so); a missing file or folder is an error, and the scan cannot start until it is fixed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from workbench.engine.yara_externals import DefineError, parse_defines
from workbench.engine.yara_rules import RuleCompileError, bundled_rules_dir, compile_rules


def check_rules(paths: list[Path], defines: str = "") -> tuple[int, str | None, RuleCompileError | None]:
    """Compile the bundled rules and ``paths``: (number of rule files applied, warnings, error).

    A file that does not compile is not an error (the scan skips it, as ``balise scan`` does): its one line
    ``file:line: reason`` comes first among the warnings."""
    try:
        ruleset = compile_rules(paths, defines=parse_defines(defines.split()))
    except DefineError as exc:
        return 0, None, RuleCompileError("--rules-define", None, str(exc))
    except RuleCompileError as exc:
        return 0, None, exc
    except (OSError, FileNotFoundError) as exc:
        return 0, None, RuleCompileError(getattr(exc, "filename", "") or "?", None, str(exc))
    lines = [f"NOT APPLIED {s}" for s in ruleset.skipped] + ruleset.warnings
    return len(ruleset.sources), "\n".join(lines[:20]) or None, None


class RulesDialog(QDialog):
    def __init__(self, parent=None, user_rules: list[tuple[Path, bool]] | None = None, defines: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("YARA rules"))
        self.list = QListWidget()
        try:
            bundled = sorted(p for p in bundled_rules_dir().iterdir() if p.suffix.lower() in (".yar", ".yara"))
        except FileNotFoundError:
            bundled = []
        for p in bundled:
            item = QListWidgetItem(self.tr("%1 (bundled, always on)").replace("%1", p.name))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setData(Qt.ItemDataRole.UserRole, None)
            item.setToolTip(str(p))
            self.list.addItem(item)
        for path, enabled in user_rules or []:
            self._add_user(Path(path), enabled)
        add_files = QPushButton(self.tr("Add rule files…"))
        add_files.clicked.connect(self._add_files)
        add_folder = QPushButton(self.tr("Add a folder of rules…"))
        add_folder.clicked.connect(self._add_folder)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(self._remove)
        check = QPushButton(self.tr("Check (compile)"))
        check.clicked.connect(self.check)
        row = QHBoxLayout()
        for b in (add_files, add_folder, remove):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(check)
        self.defines = QLineEdit(defines)  # as `balise scan --rules-define` (yara -d), space-separated
        self.defines.setPlaceholderText(self.tr("External variables, e.g. site=CHU35 score=60"))
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list, 1)
        lay.addLayout(row)
        lay.addWidget(self.defines)
        lay.addWidget(self.outcome)
        lay.addWidget(self.buttons)
        self.resize(640, 460)

    def _add_user(self, path: Path, enabled: bool = True) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == str(path):
                return
        item = QListWidgetItem(str(path))
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
        item.setCheckState(Qt.CheckState.Checked if enabled else Qt.CheckState.Unchecked)
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        self.list.addItem(item)

    def add_paths(self, paths: list[Path]) -> None:
        for p in paths:
            self._add_user(Path(p))

    def _add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("YARA rule files"), "",
                                                self.tr("YARA rules (*.yar *.yara);;All files (*)"))
        self.add_paths([Path(f) for f in files])

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder of YARA rules"))
        if folder:
            self.add_paths([Path(folder)])

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            if item.data(Qt.ItemDataRole.UserRole) is not None:
                self.list.takeItem(self.list.row(item))

    def user_rules(self) -> list[tuple[Path, bool]]:
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            path = item.data(Qt.ItemDataRole.UserRole)
            if path is not None:
                out.append((Path(path), item.checkState() == Qt.CheckState.Checked))
        return out

    def defines_text(self) -> str:
        return " ".join(self.defines.text().split())

    def enabled_paths(self) -> list[Path]:
        return [p for p, on in self.user_rules() if on]

    def check(self) -> bool:
        """Compile the enabled rules; show the count, or the error with its file and line."""
        for i in range(self.list.count()):
            self.list.item(i).setForeground(QBrush())
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            n, warnings, error = check_rules(self.enabled_paths(), self.defines_text())
        finally:
            QGuiApplication.restoreOverrideCursor()
        if error is not None:
            where = f"{error.path}:{error.line}" if error.line is not None else str(error.path)
            self.outcome.setStyleSheet("color: #b00020")
            self.outcome.setText(self.tr("Compile error in %1: %2").replace("%1", where).replace("%2", error.message))
            for i in range(self.list.count()):
                item = self.list.item(i)
                path = item.data(Qt.ItemDataRole.UserRole)
                if path and (Path(path) == error.path or error.path.is_relative_to(Path(path))):
                    item.setForeground(QBrush(QColor("#b00020")))
            return False
        self.outcome.setStyleSheet("color: #1b5e20")
        text = self.tr("%Ln rule file(s) compiled without error.", "", n)
        if warnings:
            text += "\n" + self.tr("Warnings:") + "\n" + warnings
        self.outcome.setText(text)
        return True

    def _accept(self) -> None:
        if self.check():
            self.accept()
