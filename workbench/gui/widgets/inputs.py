"""Evidence waiting to be scanned: added by dialog (files and folders) or dropped on the list, several at once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from workbench.gui.display import human_bytes
from workbench.gui.resources import kind_icon


class EvidenceList(QListWidget):
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setToolTip(self.tr("Drop dump files or folders here"))

    def paths(self) -> list[Path]:
        return [Path(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())]

    def add_paths(self, paths: list[Path], *, scanned: bool = False) -> int:
        """Add files and folders not listed yet; returns how many were added."""
        known = {str(p) for p in self.paths()}
        added = 0
        for p in paths:
            p = Path(p).resolve()
            if str(p) in known or not p.exists():
                continue
            known.add(str(p))
            size = "" if p.is_dir() else human_bytes(p.stat().st_size)
            state = self.tr("in the case") if scanned else self.tr("to scan")
            item = QListWidgetItem(kind_icon("directory" if p.is_dir() else "file"), f"{p}  ({size + ', ' if size else ''}{state})")
            item.setData(Qt.ItemDataRole.UserRole, str(p))
            item.setData(Qt.ItemDataRole.UserRole + 1, scanned)
            self.addItem(item)
            added += 1
        if added:
            self.changed.emit()
        return added

    def pending(self) -> list[Path]:
        return [Path(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())
                if not self.item(i).data(Qt.ItemDataRole.UserRole + 1)]

    def remove_selected(self) -> None:
        for item in self.selectedItems():
            if not item.data(Qt.ItemDataRole.UserRole + 1):  # evidence already in the case stays
                self.takeItem(self.row(item))
        self.changed.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.add_paths([Path(u.toLocalFile()) for u in urls])
            event.acceptProposedAction()
        else:
            super().dropEvent(event)
