"""A table model over one of the case's tables (:class:`workbench.engine.store.browse.TablePager`), fetched in
pages: fluid with millions of rows.

Rows are addressed by position in the pager's order (the table's own order, or any column with ties broken by id);
the model keeps a small LRU of pages of ``PAGE`` rows, never the whole table. Unfiltered, ``rowCount`` is the exact
count and any row can be shown at once. Filtered (text searched in the text columns), rows come in with
``canFetchMore``/``fetchMore``, so that a filter never waits for a full count. Every column sorts: the pager
sorts the Parquet columns with DuckDB (or SQLite's small metadata tables). No SQL here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from workbench.engine.masking import mask_identifier
from workbench.engine.store.browse import TablePager
from workbench.gui.display import confidence_label, mask_value, number
from workbench.gui.labels import locator_label, value_label, value_labels
from workbench.report import numbers

PAGE = 256
FIRST_FILTERED_ROWS = 100  # rows brought with a new filter: a screenful (the pager stops reading once found)
FETCH_PAGES = 8  # pages brought by one fetchMore when filtered
MAX_PAGES = 64


@dataclass(frozen=True)
class Column:
    key: str  # the pager's column
    header: str  # source text, translated in context ``Columns``
    masked: str | None = None  # record column kind for display.mask_value; "@col": the identifier type in column col
    numeric: bool = False
    log10: bool = False  # the value is a base-10 logarithm, shown as the power of ten it stands for
    label: str | None = None  # "value": a stored code shown in the interface's language; "locator": a locator;
    # "confidence": an attribution's confidence, a decimal in the locale's sign, blank for an unattributed record


def power_of_ten(log10_value: float) -> str:
    """A p-value stored as its base-10 logarithm, written as the PDF report writes it (one rule for both, so
    that the window and the court's copy agree): ``1,2 × 10^-12`` in French, ``1.2 × 10^-12`` in English while
    a double holds it, else the bound ``< 10^-2760`` (the window said "10^-2864" where the report said
    "< 10^-2864", and "1.2e-12" in French)."""
    lang = "fr" if QLocale().language() == QLocale.Language.French else "en"
    p = 10 ** log10_value if log10_value > -300 else 0.0
    return numbers.pvalue(p, log10_value, lang)


class PagedModel(QAbstractTableModel):
    """The rows of one :class:`TablePager` shown page by page."""

    def __init__(self, pager: TablePager, *, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self._pager = pager
        self._columns = list(columns)
        missing = [c.key for c in self._columns if c.key not in pager.columns]
        if missing:
            raise KeyError(f"columns not in {pager.table}: {missing}")
        self._select = [pager.columns.index(c.key) + 1 for c in self._columns]
        shown = value_labels()  # the filter matches a code by the label the table shows for it, too
        pager.set_labels({c.key: shown for c in self._columns if c.label == "value"})
        self._filter = ""
        self._condition: dict[str, Any] | None = None
        self._order: tuple[int, bool] | None = None  # column index, ascending
        self._masked = True
        self._names: frozenset[str] = frozenset()  # the case's people's names, folded (set_names)
        self._pages: OrderedDict[int, list[tuple]] = OrderedDict()
        self._total: int | None = None
        self._loaded = 0
        self._exhausted = False
        self.decorate: Callable[[QModelIndex, tuple], object] | None = None
        self._notifying = False
        self._recount()

    # -- configuration ----------------------------------------------------------------------------
    @property
    def columns(self) -> list[Column]:
        return self._columns

    @property
    def pager(self) -> TablePager:
        return self._pager

    def set_masked(self, masked: bool) -> None:
        if masked != self._masked:
            self._masked = masked
            self._repaint_all()

    def set_names(self, names: frozenset[str]) -> None:
        """The case's people's names (folded): the words of item paths that are one of them are masked."""
        if names != self._names:
            self._names = names
            if self._masked:
                self._repaint_all()

    def _repaint_all(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def set_filter(self, text: str) -> None:
        text = text.strip()
        if text != self._filter:
            self._filter = text
            self.refresh()

    def set_query(self, condition: Mapping[str, Any] | None, text: str) -> None:
        """Condition and filter text at once (one read of the store)."""
        condition = dict(condition) if condition else None
        text = text.strip()
        if condition != self._condition or text != self._filter:
            self._condition, self._filter = condition, text
            self.refresh()

    def count_request(self) -> tuple[str, dict[str, dict[str, str]], str, dict[str, Any] | None]:
        """What :func:`workbench.gui.casedb.filtered_count` needs to count the rows shown: the table, the labels
        its filter matches codes by, the filter text and the condition."""
        return self._pager.table, self._pager.labels, self._filter, self._condition

    @property
    def filter_text(self) -> str:
        return self._filter

    def set_condition(self, condition: Mapping[str, Any] | None) -> None:
        """Column values the rows must equal, set by the window (e.g. one establishment's records)."""
        self._condition = dict(condition) if condition else None
        self.refresh()

    @property
    def condition(self) -> dict[str, Any] | None:
        return self._condition

    def is_sortable(self, column: int) -> bool:
        return 0 <= column < len(self._columns) and self._pager.sortable(self._columns[column].key)

    def refresh(self) -> None:
        """Read the store again (after a scan step, a new filter or order)."""
        self.beginResetModel()
        self._pages.clear()
        self._recount()
        if self._total is None:  # filtered: the first page comes with the reset
            self._load_next(rows=min(FIRST_FILTERED_ROWS, PAGE))
        self._notifying = True  # no fetchMore from listeners of modelReset/rowsInserted
        try:
            self.endResetModel()
        finally:
            self._notifying = False

    # -- reading ----------------------------------------------------------------------------------
    def _pager_order(self) -> tuple[str, bool] | None:
        if self._order is None:
            return None
        return self._columns[self._order[0]].key, self._order[1]

    def _recount(self) -> None:
        self._loaded = 0
        self._exhausted = False
        if self._filter:
            self._total = None
        else:
            self._total = self._pager.count(where=self._condition)

    def _fetch_rows(self, offset: int, limit: int) -> list[tuple]:
        rows = self._pager.page(offset, limit, order=self._pager_order(), filter=self._filter, where=self._condition)
        return [(r[0], *(r[i] for i in self._select)) for r in rows]

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

    def _load_next(self, notify: bool = False, rows: int = PAGE * FETCH_PAGES) -> None:
        """Filtered mode: the next ``rows`` rows (the first ones stream, deeper ones come from the pager's cached
        order); they fill the pages in order, a partly filled last page included."""
        start = self._loaded
        got = self._fetch_rows(start, rows)
        if len(got) < rows:
            self._exhausted = True
        if not got:
            return
        self._notifying = True  # listeners of the insertion signals must not fetch again meanwhile
        try:
            if notify:
                self.beginInsertRows(QModelIndex(), start, start + len(got) - 1)
            k = 0
            while k < len(got):
                page, pos = divmod(start + k, PAGE)
                if page not in self._pages:
                    self._pages[page] = self._fetch_page(page)[:pos] if pos else []
                rows_of_page = self._pages[page]
                del rows_of_page[pos:]
                take = got[k:k + PAGE - pos]
                rows_of_page.extend(take)
                self._pages.move_to_end(page)
                k += len(take)
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
            self._loaded += len(got)
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
        if col.log10:
            return power_of_ten(float(value))
        if col.numeric:
            return number(value)  # the locale's grouping: 45 638 in French, 45,638 in English
        text = str(value)
        if col.label == "value":
            text = value_label(text)
        elif col.label == "locator":
            text = locator_label(text)
        elif col.label == "confidence":
            text = confidence_label(text)
        if self._masked and col.masked and col.masked.startswith("@"):
            kind = next((t[i + 1] for i, c in enumerate(self._columns) if c.key == col.masked[1:]), None)
            text = mask_identifier(str(kind or ""), text)
        elif self._masked and col.masked:
            text = mask_value(col.masked, text, self._names) or ""
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
