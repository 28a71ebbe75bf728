"""The evidence tree: items through nested archives, built lazily from ``items.parent_id``.

Each node loads its children in batches (``fetchMore``) with one indexed query that also counts
grandchildren (:func:`workbench.engine.store.browse.item_children`), so an archive of 100,000 members opens as fast
as one of ten.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractItemModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from workbench.engine.store.browse import item_child_count, item_children
from workbench.engine.store.reader import CaseReader
from workbench.gui.display import human_bytes
from workbench.gui.resources import kind_icon

BATCH = 500
_FIELDS = ("id", "vpath", "name", "kind", "format", "size", "status", "findings", "records", "error")
HEADERS = (QT_TRANSLATE_NOOP("Columns", "Name"), QT_TRANSLATE_NOOP("Columns", "Kind"),
           QT_TRANSLATE_NOOP("Columns", "Size"), QT_TRANSLATE_NOOP("Columns", "Status"),
           QT_TRANSLATE_NOOP("Columns", "Findings"), QT_TRANSLATE_NOOP("Columns", "Records"))
VPATH_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3
_STATUS_COLOURS = {"error": "#b00020", "partial": "#b26a00", "encrypted": "#6a1b9a", "skipped": "#666666"}


class _Node:
    __slots__ = ("item_id", "parent", "row", "data", "children", "total")

    def __init__(self, item_id: int | None, parent: _Node | None, row: int, data: tuple | None, total: int) -> None:
        self.item_id = item_id
        self.parent = parent
        self.row = row
        self.data = data  # _FIELDS values
        self.children: list[_Node] = []
        self.total = total  # number of children in the store


class EvidenceTreeModel(QAbstractItemModel):
    def __init__(self, reader: CaseReader, parent=None) -> None:
        super().__init__(parent)
        self._reader = reader
        self._notifying = False
        self._root = _Node(None, None, 0, None, self._count_children(None))

    def _count_children(self, item_id: int | None) -> int:
        return item_child_count(self._reader, item_id)

    def refresh(self) -> None:
        self.beginResetModel()
        self._root = _Node(None, None, 0, None, self._count_children(None))
        self.endResetModel()

    # -- structure --------------------------------------------------------------------------------
    def _node(self, index: QModelIndex | QPersistentModelIndex) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self._node(parent)
        if 0 <= row < len(node.children) and 0 <= column < len(HEADERS):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: QModelIndex | QPersistentModelIndex = QModelIndex()):  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node: _Node = index.internalPointer()
        up = node.parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return False
        return self._node(parent).total > 0

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self._node(parent)
        return len(node.children) < node.total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if self._notifying or not self.canFetchMore(parent):
            return
        node = self._node(parent)
        last = node.children[-1].item_id if node.children else -1
        rows = item_children(self._reader, node.item_id, last, BATCH)
        if not rows:
            node.total = len(node.children)  # the store changed: stop asking
            return
        first = len(node.children)
        self._notifying = True  # listeners of the insertion signals must not fetch again meanwhile
        try:
            self.beginInsertRows(parent if parent.isValid() else QModelIndex(), first, first + len(rows) - 1)
            for i, r in enumerate(rows):
                node.children.append(_Node(r[0], node, first + i, tuple(r[:-1]), r[-1]))
            self.endInsertRows()
        finally:
            self._notifying = False
        if len(rows) < BATCH:
            node.total = len(node.children)

    # -- data -------------------------------------------------------------------------------------
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        d = dict(zip(_FIELDS, node.data, strict=True))
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return d["name"] or d["vpath"]
            if col == 1:
                return f"{d['kind']} ({d['format']})" if d["format"] and d["kind"] != "directory" else d["kind"]
            if col == 2:
                return human_bytes(d["size"]) if d["size"] is not None else ""
            if col == 3:
                return d["status"] or ""
            if col == 4:
                return d["findings"] or 0
            if col == 5:
                return d["records"] or 0
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return kind_icon(d["kind"])
        if role == Qt.ItemDataRole.ToolTipRole:
            return d["vpath"] + (f"\n{d['error']}" if d["error"] else "")
        if role == Qt.ItemDataRole.ForegroundRole and col == 3 and d["status"] in _STATUS_COLOURS:
            return QBrush(QColor(_STATUS_COLOURS[d["status"]]))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == VPATH_ROLE:
            return d["vpath"]
        if role == ITEM_ID_ROLE:
            return d["id"]
        if role == KIND_ROLE:
            return d["kind"]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(HEADERS):
            return QCoreApplication.translate("Columns", HEADERS[section])
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
