"""The evidence tree: items through nested archives, built lazily from ``items.parent_id``.

Each node loads its children in batches (``fetchMore``) with one indexed query that also counts
grandchildren (:func:`workbench.engine.store.browse.item_children`), so a folder of 100,000 files opens as fast
as one of ten.

The members of an archive are stored flat under it, labelled by their path inside it (``leak.zip!/chu/2021/
export.csv``); a scan that splits a big zip into member tasks names them by their last component only, so a case
scanned that way showed three ``export_patients_dpi.csv`` side by side. An archive's members (at most
``--max-members``, 100,000) are therefore loaded at once and nested under the folders their labels name, whichever
way the case was scanned, folders first; a folder shows the sum of its files' sizes, findings and records.
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

from workbench.engine.model import VPATH_SEP
from workbench.engine.store.browse import item_child_count, item_children, subtree_totals
from workbench.engine.store.reader import CaseReader
from workbench.gui.display import human_bytes, mask_value, number
from workbench.gui.labels import value_label
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
    __slots__ = ("item_id", "parent", "row", "data", "children", "total", "virtual")

    def __init__(self, item_id: int | None, parent: _Node | None, row: int, data: tuple | None, total: int) -> None:
        self.item_id = item_id
        self.parent = parent
        self.row = row
        self.data = data  # _FIELDS values
        self.children: list[_Node] = []
        self.total = total  # number of children in the store
        self.virtual = False  # a folder named by member paths inside an archive, not an item of the store


def _nest(owner: _Node, rows: list[tuple], prefix: str) -> None:
    """Place an archive's members (``item_children`` rows) under folders named by their labels."""
    folders: dict[str, _Node] = {}

    def folder(path: str) -> _Node:
        node = folders.get(path)
        if node is None:
            up, _, name = path.rpartition("/")
            parent = folder(up) if up else owner
            node = _Node(None, parent, 0, (None, prefix + path, name, "directory", None, 0, "", 0, 0, None), 0)
            node.virtual = True
            parent.children.append(node)
            folders[path] = node
        return node

    for r in rows:
        label = r[1][len(prefix):] if r[1].startswith(prefix) else r[2]
        clean = label.strip("/")
        up, _, name = clean.rpartition("/")
        parent = folder(up) if up else owner
        data = (r[0], r[1], name or label, *r[3:-1])
        if r[3] == "directory" and clean in folders:  # the zip's own entry for a folder made from member paths
            node = folders[clean]
            node.item_id, node.data, node.virtual = r[0], data, False
            continue
        node = _Node(r[0], parent, 0, data, r[-1])
        parent.children.append(node)
        if r[3] == "directory" and clean:
            folders[clean] = node
    _sum_and_sort(owner)


def _sum_and_sort(node: _Node) -> tuple[int, int, int]:
    """Folders first, then by name; a folder's size, findings and records are those of what it holds."""
    size = findings = records = 0
    for c in node.children:
        if c.children or (c.data is not None and c.data[3] == "directory"):
            s, f, r = _sum_and_sort(c)
            if c.data is not None and c.data[3] == "directory":
                c.data = (*c.data[:5], s, c.data[6], f, r, c.data[9])
                c.total = len(c.children)
        d = c.data or ()
        size += d[5] or 0 if d else 0
        findings += d[7] or 0 if d else 0
        records += d[8] or 0 if d else 0
    node.children.sort(key=lambda c: (c.data[3] != "directory", (c.data[2] or "").casefold()))
    for i, c in enumerate(node.children):
        c.row = i
    return size, findings, records


class EvidenceTreeModel(QAbstractItemModel):
    def __init__(self, reader: CaseReader, parent=None) -> None:
        super().__init__(parent)
        self._reader = reader
        self._notifying = False
        self._masked = True
        self._names: frozenset[str] = frozenset()
        self._root = _Node(None, None, 0, None, self._count_children(None))

    def set_masked(self, masked: bool) -> None:
        """File names masked like the tables' Item column (a file named after a NIR showed it in clear in the
        tree beside a records table that masked it), or in clear once the analyst asked (custody-logged)."""
        if masked != self._masked:
            self._masked = masked
            self._repaint()

    def set_names(self, names: frozenset[str]) -> None:
        """The case's people's names (folded): a file named after a patient ("CR_moreau_BIO.pdf") shows
        "CR_m*****_BIO.pdf" while masking is on, as in the PDF report."""
        if names != self._names:
            self._names = names
            if self._masked:
                self._repaint()

    def _repaint(self) -> None:
        if self._root.children:
            last = self._root.children[-1].row
            self.dataChanged.emit(self.index(0, 0), self.index(last, 0))  # the view repaints the rest

    def _shown(self, text: str) -> str:
        return (mask_value("item", text, self._names) or "") if self._masked else text

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
        if node.data is not None and node.data[3] == "archive" and not node.children:
            self._fetch_archive(parent, node)
            return
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

    def _fetch_archive(self, parent: QModelIndex | QPersistentModelIndex, node: _Node) -> None:
        rows = item_children(self._reader, node.item_id, -1, max(node.total, 1) + BATCH)
        holder = _Node(node.item_id, None, 0, None, 0)
        _nest(holder, rows, node.data[1] + VPATH_SEP)
        self._folder_totals(holder)
        if not holder.children:
            node.total = 0
            return
        self._notifying = True
        try:
            self.beginInsertRows(parent if parent.isValid() else QModelIndex(), 0, len(holder.children) - 1)
            for c in holder.children:
                c.parent = node
            node.children = holder.children
            node.total = len(node.children)
            self.endInsertRows()
        finally:
            self._notifying = False

    def locate(self, vpath: str) -> QModelIndex:
        """The index of an item (loading the levels above it), or an invalid index when it is not in the tree."""
        parent = QModelIndex()
        while True:
            node = self._node(parent)
            found = None
            start = 0
            while found is None:
                for c in node.children[start:]:
                    v = c.data[1]
                    if v == vpath:
                        return self.createIndex(c.row, 0, c)
                    if vpath.startswith(v + VPATH_SEP) or vpath.startswith(v + "/"):
                        found = c
                        break
                if found is not None or not self.canFetchMore(parent):
                    break
                start = len(node.children)
                self.fetchMore(parent)
                if node.data is not None and node.data[3] == "archive":
                    start = 0  # an archive's members are placed (sorted) at once
            if found is None:
                return QModelIndex()
            parent = self.createIndex(found.row, 0, found)

    def _folder_totals(self, node: _Node) -> None:
        """A folder inside an archive counts the findings and records of everything under it, nested archives
        included (the members of a ``.sql.gz`` in it are not loaded yet, but their records are the folder's)."""
        for c in node.children:
            if c.data is not None and c.data[3] == "directory":
                findings, records = subtree_totals(self._reader, c.data[1].rstrip("/") + "/")
                c.data = (*c.data[:7], findings, records, c.data[9])
                self._folder_totals(c)

    # -- data -------------------------------------------------------------------------------------
    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        d = dict(zip(_FIELDS, node.data, strict=True))
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return self._shown(d["name"] or d["vpath"])
            if col == 1:
                kind = value_label(d["kind"])
                same = (d["format"] or "").casefold() == (d["kind"] or "").casefold()
                return f"{kind} ({d['format']})" if d["format"] and d["kind"] != "directory" and not same else kind
            if col == 2:
                return human_bytes(d["size"]) if d["size"] is not None else ""
            if col == 3:
                return value_label(d["status"]) if d["status"] else ""
            if col == 4:
                return number(d["findings"] or 0)
            if col == 5:
                return number(d["records"] or 0)
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return kind_icon(d["kind"])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._shown(d["vpath"]) + (f"\n{self._shown(d['error'])}" if d["error"] else "")
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
