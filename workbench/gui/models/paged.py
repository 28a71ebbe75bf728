"""A table model over one SQL query, fetched in pages: fluid with millions of rows.

Rows are addressed by position in ``ORDER BY <sort column>, <id>``; the model keeps a small LRU of pages of
``PAGE`` rows (``LIMIT/OFFSET``), never the whole table. Unfiltered, ``rowCount`` is the exact ``COUNT(*)`` and any
row can be shown at once. Filtered (``LIKE`` over the text columns, which no index helps), rows come in with
``canFetchMore``/``fetchMore``, so that a filter never waits for a full count.

Sorting is offered on the columns SQLite can order without sorting the whole table (``id`` and columns leading
an index), or on any column while the table is small (``SMALL_TABLE`` rows).
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt

from workbench.gui.display import mask_value

PAGE = 256
FETCH_PAGES = 8  # pages brought by one fetchMore when filtered
MAX_PAGES = 64
SMALL_TABLE = 200_000


@dataclass(frozen=True)
class Column:
    key: str  # the name in the select list
    expr: str  # SQL expression
    header: str  # source text, translated in context ``Columns``
    table_column: str | None = None  # the base table's column (index look-up for sorting)
    filterable: bool = True
    masked: str | None = None  # record column kind for display.mask_value
    numeric: bool = False
    filter_sql: str | None = None  # the filter test with one "?" (default: ``expr LIKE ?``)
    joined: bool = False  # expr needs the join (sorting on it then needs the join in the id query)

    def filter_test(self) -> str:
        return self.filter_sql or f"{self.expr} LIKE ? ESCAPE '\\'"


class SqlPagedModel(QAbstractTableModel):
    """``SELECT <columns> FROM <source> [WHERE ...] ORDER BY ...`` shown page by page."""

    def __init__(self, conn: sqlite3.Connection, *, table: str, alias: str, join: str = "",
                 columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self._conn = conn
        self._table = table
        self._base = f"{table} {alias}"
        self._join = join
        self._id_expr = f"{alias}.id"
        self._columns = list(columns)
        self._filter = ""
        self._condition: tuple[str, tuple] | None = None
        self._order: tuple[int, bool] | None = None  # column index, ascending
        self._masked = True
        self._pages: OrderedDict[int, list[tuple]] = OrderedDict()
        self._total: int | None = None
        self._loaded = 0
        self._exhausted = False
        self._indexed = self._indexed_columns()
        self.decorate: Callable[[QModelIndex, tuple], object] | None = None
        self._notifying = False
        self._recount()

    # -- configuration ----------------------------------------------------------------------------
    @property
    def columns(self) -> list[Column]:
        return self._columns

    @property
    def id_expr(self) -> str:
        return self._id_expr

    def set_masked(self, masked: bool) -> None:
        if masked != self._masked:
            self._masked = masked
            if self.rowCount():
                self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def set_filter(self, text: str) -> None:
        text = text.strip()
        if text != self._filter:
            self._filter = text
            self.refresh()

    def set_condition(self, sql: str | None, params: tuple = ()) -> None:
        """An extra ``WHERE`` clause set by the window (e.g. one establishment's records)."""
        self._condition = (sql, params) if sql else None
        self.refresh()

    def is_sortable(self, column: int) -> bool:
        col = self._columns[column]
        if col.table_column in self._indexed or col.table_column == "id":
            return True
        return (self._total if self._total is not None else self._count()) <= SMALL_TABLE

    def refresh(self) -> None:
        """Read the store again (after a scan step, a new filter or order)."""
        self.beginResetModel()
        self._pages.clear()
        self._recount()
        if self._total is None:  # filtered: the first page comes with the reset
            self._load_next()
        self._notifying = True  # no fetchMore from listeners of modelReset/rowsInserted
        try:
            self.endResetModel()
        finally:
            self._notifying = False

    # -- SQL --------------------------------------------------------------------------------------
    def _indexed_columns(self) -> set[str]:
        cols: set[str] = set()
        for idx in self._conn.execute(f"PRAGMA index_list({self._table})").fetchall():
            info = self._conn.execute(f"PRAGMA index_info({idx[1]})").fetchall()
            if info:
                cols.add(min(info, key=lambda r: r[0])[2])
        return cols

    def _where(self) -> tuple[str, list]:
        clauses, params = [], []
        if self._condition is not None:
            clauses.append(f"({self._condition[0]})")
            params += list(self._condition[1])
        if self._filter:
            pattern = "%" + self._filter.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            parts = [c.filter_test() for c in self._columns if c.filterable]
            clauses.append("(" + " OR ".join(parts) + ")")
            params += [pattern] * len(parts)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _order_sql(self) -> str:
        if self._order is None:
            return f" ORDER BY {self._id_expr}"
        col, asc = self._order
        direction = "ASC" if asc else "DESC"
        # Filtered: "+expr" keeps SQLite from walking the whole index looking for rare matches (a scan of the
        # table then a sort of the matches is bounded); unfiltered, the index gives the order at once.
        expr = ("+" if self._filter else "") + self._columns[col].expr
        return f" ORDER BY {expr} {direction}, {self._id_expr} {direction}"

    def _from(self) -> str:
        needs_join = self._order is not None and self._columns[self._order[0]].joined
        return self._base + (" " + self._join if needs_join and self._join else "")

    def _count(self) -> int:
        where, params = self._where()
        return self._conn.execute(f"SELECT COUNT(*) FROM {self._from()}{where}", params).fetchone()[0]

    def _recount(self) -> None:
        self._loaded = 0
        self._exhausted = False
        if self._filter:
            self._total = None
        else:
            self._total = self._count()

    def _fetch_rows(self, offset: int, limit: int) -> list[tuple]:
        """Ids first (no join: skipped rows cost an index step, not a join), then the rows of those ids."""
        where, params = self._where()
        ids = [r[0] for r in self._conn.execute(
            f"SELECT {self._id_expr} FROM {self._from()}{where}{self._order_sql()} LIMIT {int(limit)} OFFSET {int(offset)}",
            params)]
        if not ids:
            return []
        select = ", ".join(c.expr for c in self._columns)
        found = {r[0]: r for r in self._conn.execute(
            f"SELECT {self._id_expr}, {select} FROM {self._base} {self._join} WHERE {self._id_expr} IN "
            f"({', '.join(map(str, ids))})")}
        return [found[i] for i in ids if i in found]

    def _fetch_page(self, page: int) -> list[tuple]:
        return self._fetch_rows(page * PAGE, PAGE)

    def _page(self, page: int) -> list[tuple]:
        rows = self._pages.get(page)
        if rows is None:
            rows = self._fetch_page(page)
            self._pages[page] = rows
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page)
        return rows

    def row_tuple(self, row: int) -> tuple | None:
        """(id, *column values) of a row, or None when the store changed under it."""
        if row < 0 or row >= self.rowCount():
            return None
        rows = self._page(row // PAGE)
        i = row % PAGE
        return rows[i] if i < len(rows) else None

    def row_id(self, row: int) -> int | None:
        t = self.row_tuple(row)
        return None if t is None else t[0]

    # -- Qt model ---------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return self._total if self._total is not None else self._loaded

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self._total is None and not self._exhausted

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if self._notifying or not self.canFetchMore(parent):
            return
        self._load_next(notify=True)

    def _load_next(self, notify: bool = False) -> None:
        """Filtered mode: the next FETCH_PAGES pages (each costs up to one scan of the table)."""
        page = self._loaded // PAGE
        rows = self._fetch_rows(page * PAGE, PAGE * FETCH_PAGES)
        if len(rows) < PAGE * FETCH_PAGES:
            self._exhausted = True
        if not rows:
            return
        self._notifying = True  # listeners of the insertion signals must not fetch again meanwhile
        try:
            if notify:
                self.beginInsertRows(QModelIndex(), self._loaded, self._loaded + len(rows) - 1)
            for k in range(0, len(rows), PAGE):
                self._pages[page + k // PAGE] = rows[k:k + PAGE]
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
            self._loaded += len(rows)
            if notify:
                self.endInsertRows()
        finally:
            self._notifying = False

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        col = self._columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if col.numeric else None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.DecorationRole):
            return None
        t = self.row_tuple(index.row())
        if t is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return self.decorate(index, t) if self.decorate is not None else None
        value = t[index.column() + 1]
        if value is None:
            return None
        if col.numeric:
            return value if role == Qt.ItemDataRole.DisplayRole else str(value)
        text = str(value)
        if self._masked and col.masked:
            text = mask_value(col.masked, text) or ""
        if role == Qt.ItemDataRole.DisplayRole and len(text) > 300:
            text = text[:300] + "…"
        return text

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._columns):
                return QCoreApplication.translate("Columns", self._columns[section].header)
            return None
        return section + 1

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column < 0 or column >= len(self._columns):
            new = None
        elif not self.is_sortable(column):
            return
        else:
            new = (column, order == Qt.SortOrder.AscendingOrder)
        if new != self._order:
            self._order = new
            self.refresh()
