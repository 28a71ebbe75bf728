"""What the window reads of a case: paged, sorted and filtered tables, the item tree, the viewer's and the details
pane's rows. Qt-free; every query of the window is here (the only package that speaks SQL is this one).

Tables (:class:`TablePager`): ``records`` (Parquet shards + attribution, DuckDB), ``beacons`` and ``watermarks``
(small shard tables, DuckDB), ``findings`` (SQLite metadata, indexed). A pager answers, for an (order, filter,
condition), the count and any page of rows ``(id, *columns)``.

Records at ten million rows (issue 10's targets: first paint under 0.1 s, sort and filter under 1 s):

- unsorted, rows come in storage order (shard files in name order, rows in file order): DuckDB reads a page at any
  offset from the Parquet row-group counts, without a sort or a join; the page's attribution is then looked up for
  its 256 record ids only;
- sorted on a record column, the first and last pages are DuckDB top-N queries (one pass over one column);
- sorted on an attribution column (establishment, recipient, basis, confidence), one narrow join of every record id
  with its attribution is kept as a DuckDB temporary table (rebuilt when the shards change), sorted from there;
  a case with no attribution at all (scanned without a registry) sorts on the record ids alone;
- filtered (``ILIKE`` over the text columns), the first pages stream in storage order and stop at the first
  matches; a text with nothing to fold (a NIR, a date) is tested with ``contains`` on the columns long enough to
  hold it, and a full NIR becomes an equality test (the records' search index,
  :mod:`workbench.engine.store.search_index`, says no NIR is longer) that the shards' Bloom filters answer:
  20 matches among ten million records in about 0.15 s instead of a 2 s scan;
- any deeper page of a sorted or filtered view comes from the sorted order of the record ids, computed once per
  (order, filter, condition) into a DuckDB temporary table: paging is then a positional read of that table
  followed by a look-up of 256 ids.
"""

from __future__ import annotations

import itertools
import json
import os
import weakref
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.engine.model import Progress
from workbench.engine.store.causes import cause_sql
from workbench.engine.store.reader import WATERMARK_LOG10_P, CaseReader
from workbench.engine.store.schema import ATTRIBUTION_FILE, SHARDS_DIR
from workbench.engine.store.search_index import SearchIndex, open_search_index, search_path

__all__ = [
    "CaseOpenError", "TablePager", "TABLES", "beacon_detail", "create_case", "establishment_name", "evidence_location",
    "finding_detail", "finding_location", "item_chain", "item_sha256", "last_scan", "subtree_totals", "item_child_count", "item_children", "item_count", "item_row", "open_case", "pager",
    "raw_finding_spans", "record_detail", "watermark_detail",
]

Condition = Mapping[str, Any]  # column -> value that rows must equal (None: no value)

END_WINDOW = 4096  # pages this close to either end of a sorted view are top-N queries, no cached order
SMALL_TABLE = 100_000  # below this, every page is a plain ORDER BY ... LIMIT/OFFSET
INDEXED_MATCHES = 10_000  # record ids listed in a filter's SQL at most (more: the filter scans the shards)
MAX_ORDERS = 3  # cached sorted orders kept per pager (10M record ids: 80 MB each, spilled past DuckDB's limit)

RECORD_COLUMNS = ("item", "locator", "nir", "family_name", "given_name", "birth_date", "sex", "event_last",
                  "establishment", "recipient", "basis", "confidence")
ATTRIBUTION_VIEW_COLUMNS = ("establishment", "recipient", "basis", "confidence")
TABLES = ("records", "findings", "beacons", "watermarks", "identifiers", "errors")
# Text sorts as an analyst reads it: accents and case ignored (É with E, "le Goff" with "LE GOFF"); measured at
# ten million names, the collation costs nothing next to reading the column.
TEXT_ORDER = "COLLATE NOACCENT.NOCASE"
ATTRIBUTION_SEMI_JOIN = "(SELECT rid FROM attribution WHERE"  # how a test on an attribution column starts


def _fold(text: str) -> str:
    """Python's view of TEXT_ORDER (accents dropped, case folded)."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


class CaseOpenError(Exception):
    """The folder cannot be opened as a case (missing, unreadable, made by another version): one line."""


# ====================================================================================== opening
def open_case(case_dir: Path) -> CaseReader:
    """A reader of the case in ``case_dir``; raises :class:`CaseOpenError` with a one-line reason."""
    try:
        reader = CaseReader(Path(case_dir))
    except FileNotFoundError as exc:
        raise CaseOpenError(str(exc)) from exc
    except Exception as exc:  # OldCaseError, a damaged SQLite file, DuckDB refusing a shard...
        raise CaseOpenError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    try:
        reader.counts()
    except Exception as exc:
        reader.close()
        raise CaseOpenError(f"{type(exc).__name__}: {exc}") from exc
    return reader


def create_case(folder: Path, info: Mapping[str, str]) -> None:
    """A new case folder holding the analyst's case information (raises :class:`CaseOpenError`)."""
    from workbench.engine.store.metadata import CaseStore

    try:
        with CaseStore(Path(folder)) as store:
            store.set_case_info(info)
    except Exception as exc:
        raise CaseOpenError(f"{type(exc).__name__}: {exc}") from exc


# ====================================================================================== tables
def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _like_test(expr: str, text: str, op: str = "ILIKE") -> str:
    """``expr ILIKE ?`` for the pattern :func:`_like` makes of ``text``; the ESCAPE clause only when the text holds
    a wildcard (DuckDB's ILIKE with ESCAPE takes the slow path: 6 s instead of 3.5 s over ten million records)."""
    if any(ch in text for ch in "%_\\"):
        return f"{expr} {op} ? ESCAPE '\\'"
    return f"{expr} {op} ?"


def _equal(expr: str, value: Any, clauses: list[str], params: list[Any]) -> None:
    """``expr = ?`` (or ``IS NULL`` for None) added to a WHERE clause being built."""
    if value is None:
        clauses.append(f"{expr} IS NULL")
    else:
        clauses.append(f"{expr} = ?")
        params.append(value)


MAX_SPELLINGS = 16  # an ASCII text with up to 4 letters is looked up as its spellings in upper and lower case


def _spellings(text: str) -> list[str] | None:
    """An ASCII text's spellings in upper and lower case (``2a`` -> ``2a``, ``2A``): the whole values that
    ``ILIKE`` matches to it (ASCII case folding); None when there would be more than :data:`MAX_SPELLINGS`."""
    choices = [sorted({ch.lower(), ch.upper()}) for ch in text]
    if any(not ch.isascii() for ch in text) or 2 ** sum(len(c) - 1 for c in choices) > MAX_SPELLINGS:
        return None
    return ["".join(p) for p in itertools.product(*choices)]


def _ids(values: Sequence[int]) -> str:
    return ", ".join(str(int(v)) for v in values)


class TablePager(ABC):
    """Count and pages of one table of the window for any (order, filter, condition).

    ``order`` is ``(column, ascending)`` or None (the table's own order); ``filter`` a text searched (case
    insensitive) in the text columns; ``where`` column values rows must equal. A row is ``(id, *columns)``.
    """

    def __new__(cls, reader: CaseReader, table: str):
        if cls is TablePager:
            kinds = {"records": _RecordsPager, "findings": _FindingsPager, "beacons": _BeaconsPager,
                     "watermarks": _WatermarksPager, "identifiers": _IdentifiersPager, "errors": _ErrorsPager}
            if table not in kinds:
                raise KeyError(f"no table {table!r} (one of {', '.join(TABLES)})")
            return super().__new__(kinds[table])
        return super().__new__(cls)

    columns: tuple[str, ...] = ()
    filterable: frozenset[str] = frozenset()

    def __init__(self, reader: CaseReader, table: str) -> None:
        self.reader = reader
        self.table = table
        self._labels: dict[str, dict[str, str]] = {}  # column -> {stored code: shown label, case folded}

    def set_labels(self, labels: Mapping[str, Mapping[str, str]]) -> bool:
        """How the window shows the stored codes of some columns (``{"basis": {"none": "aucune", "canary":
        "patient témoin"}}``): a filter text then also matches the rows whose code is shown with a label holding
        it. The window shows codes in its language and the analyst types what is shown: "aucune" found nothing
        in a French window while "none" found 2,148 records of the demo. True when the labels changed."""
        folded = {c: {str(code): str(label).casefold() for code, label in m.items()}
                  for c, m in labels.items() if c in self.filterable}
        if folded == self._labels:
            return False
        self._labels = folded
        return True

    @property
    def labels(self) -> dict[str, dict[str, str]]:
        """The labels given by :meth:`set_labels` (case folded): another pager of the same table, on another
        reader, filters the same rows with them."""
        return {c: dict(m) for c, m in self._labels.items()}

    def _label_codes(self, column: str, text: str) -> list[str]:
        """The codes of ``column`` whose shown label holds ``text`` (case folded), in a stable order."""
        needle = text.casefold()
        return sorted(code for code, label in self._labels.get(column, {}).items() if needle in label)

    @abstractmethod
    def count(self, *, filter: str = "", where: Condition | None = None) -> int:
        """Rows of the table that pass ``filter`` and ``where``."""

    @abstractmethod
    def page(self, offset: int, limit: int, *, order: tuple[str, bool] | None = None, filter: str = "",
             where: Condition | None = None) -> list[tuple]:
        """``limit`` rows from ``offset`` in ``order``, each ``(id, *columns)``."""

    def sortable(self, column: str) -> bool:
        return column in self.columns

    def _check(self, order: tuple[str, bool] | None, where: Condition | None) -> None:
        if order is not None and order[0] not in self.columns:
            raise KeyError(f"no column {order[0]!r} in {self.table}")
        for k in where or {}:
            if k not in self.columns:
                raise KeyError(f"no column {k!r} in {self.table}")


class _SimplePager(TablePager):
    """A small table: one query per page (``ORDER BY ... LIMIT/OFFSET``), SQLite or DuckDB."""

    source = ""  # FROM clause
    id_expr = ""
    exprs: dict[str, str] = {}
    numeric: frozenset[str] = frozenset()
    like = "ILIKE"
    collate = TEXT_ORDER

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return self.reader.rows(sql, params)

    def _where(self, filter: str, where: Condition | None) -> tuple[str, list]:
        clauses: list[str] = []
        params: list[Any] = []
        for k, v in (where or {}).items():
            _equal(self.exprs[k], v, clauses, params)
        text = filter.strip()
        if text:
            parts = [_like_test(self.exprs[c], text, self.like) for c in self.columns if c in self.filterable]
            params += [_like(text)] * len(parts)
            for c in self.columns:
                codes = self._label_codes(c, text) if c in self.filterable else []
                if codes:
                    parts.append(f"{self.exprs[c]} IN ({', '.join('?' * len(codes))})")
                    params += codes
            clauses.append("(" + " OR ".join(parts) + ")")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def count(self, *, filter: str = "", where: Condition | None = None) -> int:
        self._check(None, where)
        sql, params = self._where(filter, where)
        rows = self._run(f"SELECT COUNT(*) FROM {self.source}{sql}", params)
        return int(rows[0][0]) if rows else 0

    def page(self, offset: int, limit: int, *, order: tuple[str, bool] | None = None, filter: str = "",
             where: Condition | None = None) -> list[tuple]:
        self._check(order, where)
        sql, params = self._where(filter, where)
        if order is None:
            by = f"{self.id_expr}"
        else:
            d = "ASC" if order[1] else "DESC"
            collate = self.collate if order[0] not in self.numeric else ""
            by = f"{self.exprs[order[0]]} {collate} {d} NULLS LAST, {self.id_expr} {d}"
        select = ", ".join([self.id_expr, *(self.exprs[c] for c in self.columns)])
        return [tuple(r) for r in self._run(f"SELECT {select} FROM {self.source}{sql} ORDER BY {by} "
                                            f"LIMIT {int(limit)} OFFSET {int(offset)}", params)]


class _FindingsPager(_SimplePager):
    columns = ("item", "detector", "rule", "severity", "layer", "offset", "excerpt")
    filterable = frozenset({"item", "detector", "rule", "severity", "layer", "excerpt"})
    source = "findings f LEFT JOIN items i ON i.id = f.item_id"
    id_expr = "f.id"
    exprs = {"item": "i.vpath", "detector": "f.detector", "rule": "f.rule", "severity": "f.severity",
             "layer": "f.layer", "offset": "f.offset", "excerpt": "f.excerpt"}
    numeric = frozenset({"offset"})
    like = "LIKE"  # SQLite: case-insensitive for ASCII
    collate = "COLLATE NOCASE"

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return [tuple(r) for r in self.reader.meta_rows(sql, params)]


# Beacon and watermark hits have no id of their own: a hit's id is its position in the table's stable order.
class _BeaconsPager(_SimplePager):
    columns = ("beacon_id", "kind", "status", "establishment", "recipient", "item", "locator")
    filterable = frozenset(columns)
    source = ("(SELECT row_number() OVER (ORDER BY item, locator, beacon_id, kind, status, container) AS id, * "
              "FROM beacon_hits) b")
    id_expr = "b.id"
    exprs = {c: f"b.{c}" for c in columns}


class _WatermarksPager(_SimplePager):
    columns = ("kind", "establishment", "recipient", "p_value", "rows", "item", "locator")
    filterable = frozenset({"kind", "establishment", "recipient", "item", "locator"})
    numeric = frozenset({"p_value", "rows"})
    source = ("(SELECT row_number() OVER (ORDER BY item, locator, kind, establishment, recipient, container) AS id, "
              "* FROM watermark_hits) w")
    id_expr = "w.id"
    # The p-value as its base-10 logarithm (the window showed "0" for an underflowed 10^-2700); sorting on it
    # orders the p-values.
    exprs = {c: f'w."{c}"' for c in columns} | {"p_value": WATERMARK_LOG10_P}


class _IdentifiersPager(_SimplePager):
    """Distinct identifiers per item (the shards' ``identifiers``: type, value, occurrences, first offset)."""

    columns = ("type", "value", "count", "item", "first_offset")
    filterable = frozenset({"type", "value", "item"})
    numeric = frozenset({"count", "first_offset"})
    source = "(SELECT row_number() OVER (ORDER BY item, type, value) AS id, * FROM identifiers) d"
    id_expr = "d.id"
    exprs = {c: f'd."{c}"' for c in columns}


class _ErrorsPager(_SimplePager):
    """Items that could not be read or parsed whole: one line each (stage, message), from the metadata."""

    columns = ("item", "stage", "cause", "error")
    filterable = frozenset(columns)
    source = "errors e"
    id_expr = "e.id"
    exprs = {"item": "e.vpath", "stage": "e.stage", "cause": cause_sql("e.error", "e.stage"), "error": "e.error"}
    like = "LIKE"
    collate = "COLLATE NOCASE"

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return [tuple(r) for r in self.reader.meta_rows(sql, params)]


class _RecordsPager(TablePager):
    """Records: Parquet shards and their attribution, at ten million rows (see the module's docstring)."""

    columns = RECORD_COLUMNS
    filterable = frozenset(c for c in RECORD_COLUMNS if c not in ("sex", "confidence"))

    def __init__(self, reader: CaseReader, table: str) -> None:
        super().__init__(reader, table)
        self._sig: object = None
        self._orders: OrderedDict[tuple, tuple[str, int]] = OrderedDict()  # key -> (temp table, rows)
        self._counts: dict[tuple, int] = {}
        self._attribution_rows: int | None = None
        self._attr_ready = False
        self._attr_name = f"_wb_attr_{id(self):x}"
        self._distinct: dict[str, list] = {}
        self._text_tests: dict[str, tuple[str, list]] = {}
        self._index: SearchIndex | None | bool = False  # False: not looked for since the shards changed
        self._serial = 0

    # -- cache life ------------------------------------------------------------------------------
    def set_labels(self, labels: Mapping[str, Mapping[str, str]]) -> bool:
        changed = super().set_labels(labels)
        if changed:
            self._sig = None  # the next read forgets the cached filter tests, counts and orders (see _fresh)
        return changed

    def _signature(self) -> object:
        base = self.reader.dir / SHARDS_DIR
        sig = []
        for p in (base / "records", base / ATTRIBUTION_FILE, search_path(self.reader.dir)):
            try:
                st = os.stat(p)
                sig.append((st.st_mtime_ns, st.st_ino, st.st_size))
            except OSError:
                sig.append(None)
        return tuple(sig)

    def _fresh(self) -> None:
        """Forget cached orders, counts and the attribution table once the shards changed (a scan goes on)."""
        sig = self._signature()
        if sig == self._sig:
            return
        self._sig = sig
        for name, _n in self._orders.values():
            self.reader.rows(f"DROP TABLE IF EXISTS {name}")
        self._orders.clear()
        self._counts.clear()
        self._attribution_rows = None
        self._distinct.clear()
        self._text_tests.clear()
        self._index = False
        if self._attr_ready:
            self.reader.rows(f"DROP TABLE IF EXISTS {self._attr_name}")
            self._attr_ready = False

    def _attr_table(self) -> str:
        if not self._attr_ready:
            self.reader.rows(
                f"CREATE OR REPLACE TEMP TABLE {self._attr_name} AS SELECT r.rid, a.establishment, a.recipient, "
                "COALESCE(a.basis, 'none') AS basis, COALESCE(a.confidence, '0') AS confidence "
                "FROM records_raw r LEFT JOIN attribution a ON a.rid = r.rid")
            self._attr_ready = True
        return self._attr_name

    # -- predicates ------------------------------------------------------------------------------
    def _predicate(self, filter: str, where: Condition | None) -> tuple[str, list]:
        """A test over ``records_raw`` (attribution columns through semi-joins on the attribution)."""
        clauses: list[str] = []
        params: list[Any] = []
        for k, v in (where or {}).items():
            if k in ATTRIBUTION_VIEW_COLUMNS:
                if k == "basis" and v == "none":
                    clauses.append(f"rid NOT IN {ATTRIBUTION_SEMI_JOIN} basis IS NOT NULL)")
                elif v is None:
                    clauses.append(f"rid NOT IN {ATTRIBUTION_SEMI_JOIN} {k} IS NOT NULL)")
                else:
                    clauses.append(f"rid IN {ATTRIBUTION_SEMI_JOIN} {k} = ?)")
                    params.append(v)
            else:
                _equal(f'"{k}"', v, clauses, params)
        text = filter.strip()
        if text:
            cached = self._text_tests.get(text)
            if cached is None:
                cached = self._text_tests[text] = self._text_test(text)
            clauses.append(cached[0])
            params += cached[1]
        return (" AND ".join(clauses)), params

    def _text_test(self, text: str) -> tuple[str, list]:
        """The filter text as a test over ``records_raw``: the text, case folded, anywhere in a filterable
        column. A text with nothing to fold (ASCII digits, punctuation) is tested with ``contains`` (the same
        rows, 30% cheaper than ILIKE); with a valid search index (:mod:`workbench.engine.store.search_index`) it
        also skips the columns too short to hold it or with too few digits and, when the indexed column can hold
        it only whole, becomes
        an equality test: a full NIR among ten million records is then found in about 0.15 s (the row groups
        skipped by their Bloom filters) instead of a 2 s scan.

        An ASCII text with a few letters (a Corsican NIR, ``2A``/``2B``, typed in either case) is treated alike:
        DuckDB folds case one code point into one code point and a non-ASCII code point takes at least two bytes,
        so a value can hold an ASCII text only if it is at least as many bytes long (and has at least as many
        digits: no letter folds into a digit), and holds it whole only if
        it is one of the text's spellings in upper and lower case (``"nir" IN (...)``, at most 16)."""
        parts: list[str] = []
        params: list[Any] = []
        index = self._search_index()
        plain = text.isascii() and text.lower() == text.upper()  # digits, punctuation: nothing to fold
        own = [c for c in RECORD_COLUMNS if c in self.filterable and c not in ATTRIBUTION_VIEW_COLUMNS]
        if text.isascii() and index is not None:
            need = sum(ch.isdigit() for ch in text)  # a value holding the text holds its digits (none from folding)
            own = [c for c in own if index.longest.get(c, len(text)) >= len(text) and index.digits.get(c, need) >= need
                   and index.may_hold(c, text)]
        # The attribution has a handful of distinct values: they are matched here, and the records joined
        # only when some match (an OR with a semi-join would keep DuckDB from streaming the first page).
        needle = text.casefold()
        attr: list[tuple[str, list]] = []
        for col in (c for c in ATTRIBUTION_VIEW_COLUMNS if c in self.filterable):
            shown = set(self._label_codes(col, text))
            hits = [v for v in self._attr_values(col) if v is not None and (needle in v.casefold() or v in shown)]
            if hits:
                attr.append((f"rid IN {ATTRIBUTION_SEMI_JOIN} {col} IN ({', '.join('?' * len(hits))}))",
                             hits))
        if "basis" in self.filterable and (needle in "none" or "none" in self._label_codes("basis", text)):
            attr.append((f"rid NOT IN {ATTRIBUTION_SEMI_JOIN} basis IS NOT NULL)", []))
        coded: list[tuple[str, list[str]]] = []  # own columns whose shown labels hold the text
        for c in RECORD_COLUMNS:
            if c in self.filterable and c not in ATTRIBUTION_VIEW_COLUMNS and self._label_codes(c, text):
                coded.append((c, self._label_codes(c, text)))
        if text.isascii() and index is not None and not attr and not coded:
            indexed = self._indexed_test(index, text, own)
            if indexed is not None:
                return indexed
        for c in own:
            if plain:
                parts.append(f'contains("{c}", ?)')
                params.append(text)
            else:
                parts.append(_like_test(f'"{c}"', text))
                params.append(_like(text))
        for c, codes in coded:
            parts.append(f'"{c}" IN ({", ".join("?" * len(codes))})')
            params += codes
        for sql, values in attr:
            parts.append(sql)
            params += values
        return ("(" + " OR ".join(parts) + ")") if parts else "FALSE", params

    def _indexed_test(self, index: SearchIndex, text: str, own: list[str]) -> tuple[str, list] | None:
        """The test of ``text`` (ASCII) when an indexed column can hold it only whole: each other column read
        alone (a single-column test is pushed into the Parquet scan: 20 ms for a dictionary-encoded name column);
        when none holds it, the indexed column's equality test (``"nir" = ?``, or ``IN`` the text's spellings in
        upper and lower case), which DuckDB answers from the shards' Bloom filters; else the list of the matching
        record ids. None when the index does not apply, the text has too many letters or the matches are too
        many to list (the streaming scan then finds the first screenful sooner).

        Why not always the list of ids (ten million records, 20 matches, 2 cores under load): a page of
        ``rid IN (...)`` took 0.9-1.1 s, DuckDB pruning row groups by the list's min..max only, which spans every
        shard; the page of the equality test took 0.45 s, its count 0.07-0.2 s."""
        whole = [c for c in own if c in index.indexed and index.longest.get(c, len(text) + 1) <= len(text)]
        spellings = _spellings(text)
        if not whole or spellings is None:
            return None
        plain = len(spellings) == 1
        found: set[int] = set()
        for c in own:
            if c not in whole:
                test, value = (f'contains("{c}", ?)', text) if plain else (_like_test(f'"{c}"', text), _like(text))
                found.update(r[0] for r in self.reader.rows(
                    f"SELECT rid FROM records_raw WHERE {test} LIMIT {INDEXED_MATCHES + 1}", [value]))
            if len(found) > INDEXED_MATCHES:
                return None
        if not found and len(whole) == 1:
            if plain:
                return f'"{whole[0]}" = ?', [text]
            return f'"{whole[0]}" IN ({", ".join("?" * len(spellings))})', spellings
        for c in whole:
            for value in spellings:
                found.update(index.lookup(self.reader, c, value))
        if len(found) > INDEXED_MATCHES:
            return None
        return (f"rid IN ({_ids(sorted(found))})" if found else "FALSE"), []

    def _search_index(self) -> SearchIndex | None:
        if self._index is False:
            self._index = open_search_index(self.reader.dir)
        return self._index

    def _nothing_attributed(self) -> bool:
        """Whether the case holds no attribution row (scanned without a registry, or nothing matched)."""
        if self._attribution_rows is None:
            self._attribution_rows = int(self.reader.one("SELECT COUNT(*) FROM attribution") or 0)
        return self._attribution_rows == 0

    def _attr_values(self, column: str) -> list[str | None]:
        values = self._distinct.get(column)
        if values is None:
            values = [r[0] for r in self.reader.rows(f"SELECT DISTINCT {column} FROM attribution")]  # dictionary
            self._distinct[column] = values
        return values

    @staticmethod
    def _key(order, filter: str, where: Condition | None) -> tuple:
        return (order, filter.strip(), tuple(sorted((where or {}).items(), key=lambda kv: kv[0])))

    # -- the pager -------------------------------------------------------------------------------
    def count(self, *, filter: str = "", where: Condition | None = None) -> int:
        self._check(None, where)
        self._fresh()
        key = self._key(None, filter, where)
        if key not in self._counts:
            pred, params = self._predicate(filter, where)
            if not pred:
                n = self.reader.record_count()
            elif not filter.strip() and len(where or {}) == 1 and next(iter(where or {})) in (
                    "establishment", "recipient", "confidence") and next(iter((where or {}).values())) is not None:
                col, value = next(iter((where or {}).items()))
                n = self.reader.one(f"SELECT COUNT(*) FROM attribution WHERE {col} = ?", (value,))
            else:
                n = self.reader.one(f"SELECT COUNT(*) FROM records_raw WHERE {pred}", params)
            self._counts[key] = int(n or 0)
        return self._counts[key]

    def page(self, offset: int, limit: int, *, order: tuple[str, bool] | None = None, filter: str = "",
             where: Condition | None = None) -> list[tuple]:
        self._check(order, where)
        offset, limit = max(0, int(offset)), max(0, int(limit))
        if limit == 0:
            return []
        with self.reader._lock:  # several statements, one view of the shards
            self._fresh()
            pred, params = self._predicate(filter, where)
            key = self._key(order, filter, where)
            if order is None and not pred:
                rows = self._own_rows(f"SELECT rid, {self._own_select()} FROM records_raw "
                                      f"LIMIT {limit} OFFSET {offset}", [])
                return self._with_attribution(rows)
            known = self._counts.get(self._key(None, filter, where))
            if not pred and known is None:
                known = self.count()
            small = known is not None and known <= SMALL_TABLE
            if order is None:
                if offset < END_WINDOW or small:
                    # The ids first, then their rows: a test that matches few records or none reads only the
                    # columns it tests (42.7 million records, no match: 0.23 s instead of 1.06 s reading every
                    # column it shows); a page of common matches costs 0.04 s more.
                    rids = [r[0] for r in self.reader.rows(f"SELECT rid FROM records_raw WHERE {pred}"
                                                           f"{_storage_order(pred)} LIMIT {limit} OFFSET {offset}",
                                                           params)]
                    return self._rows_of(rids)
                return self._from_cache(key, offset, limit)
            if offset < END_WINDOW and order[0] in ATTRIBUTION_VIEW_COLUMNS and not self._attr_ready:
                rids = self._attributed_first(order, pred, params, offset, limit)
                if rids is not None:
                    return self._rows_of(rids)
            if offset < END_WINDOW or small:
                return self._rows_of(self._sorted_rids(order, pred, params, offset, limit))
            if known is not None and offset >= known - END_WINDOW:
                start = max(0, known - offset - limit)
                n = min(limit, known - offset)
                if n <= 0:
                    return []
                rids = self._sorted_rids((order[0], not order[1]), pred, params, start, n, reverse=True)
                return self._rows_of(list(reversed(rids)))
            return self._from_cache(key, offset, limit)

    # -- pieces ----------------------------------------------------------------------------------
    @staticmethod
    def _own_select() -> str:
        return ", ".join(f'"{c}"' for c in RECORD_COLUMNS if c not in ATTRIBUTION_VIEW_COLUMNS)

    def _order_by(self, order: tuple[str, bool], reverse: bool = False) -> str:
        """``order`` in SQL; ``reverse`` gives the exact reverse of the opposite direction (nulls stay last)."""
        col, asc = order
        d = "ASC" if asc else "DESC"
        nulls = "NULLS FIRST" if reverse else "NULLS LAST"
        index = self._search_index()
        # A column whose values fold to themselves in the same order (the search index measured it: NIRs, dates,
        # locators) sorts in binary order: the same rows in the same order, 3 to 13 times faster to compute.
        folded = "" if index is not None and col in index.plain_order else f" {TEXT_ORDER}"
        # A position sorts as the analyst counts (line 2 before line 10, as the report lists them): shorter first,
        # the same prefix then reads in numeric order (42.7 million records: 0.59 s; a natural sort by rtrim: 6 s).
        by_length = f'length("{col}") {d} {nulls}, ' if col == "locator" else ""
        return f'{by_length}"{col}"{folded} {d} {nulls}, rid {d}'

    def _sorted_rids(self, order: tuple[str, bool], pred: str, params: list, offset: int, limit: int,
                     reverse: bool = False) -> list[int]:
        sql = self._sorted_sql(order, pred, reverse)
        return [r[0] for r in self.reader.rows(f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}", params)]

    def _attributed_first(self, order: tuple[str, bool], pred: str, params: list, offset: int,
                          limit: int) -> list[int] | None:
        """A first page sorted on an attribution column read from the attributed records alone, when it is
        certain that no unattributed record belongs on it (its values all sort before theirs); else None."""
        col, asc = order
        expr = {"basis": "COALESCE(basis, 'none')", "confidence": "COALESCE(confidence, '0')"}.get(col, col)
        where = f" AND rid IN (SELECT rid FROM records_raw WHERE {pred})" if pred else ""
        d = "ASC" if asc else "DESC"
        rows = self.reader.rows(f"SELECT rid, {expr} FROM attribution WHERE {expr} IS NOT NULL{where} "
                                f"ORDER BY {expr} {TEXT_ORDER} {d}, rid {d} LIMIT {int(limit)} OFFSET {int(offset)}",
                                params)
        if len(rows) < limit:
            return None
        sentinel = {"basis": "none", "confidence": "0"}.get(col)  # an unattributed record's value (else null)
        if sentinel is not None and not all((_fold(v) < sentinel) if asc else (_fold(v) > sentinel) for _r, v in rows):
            return None
        return [r[0] for r in rows]

    def _sorted_sql(self, order: tuple[str, bool], pred: str, reverse: bool = False) -> str:
        where = f" WHERE {pred}" if pred else ""
        if order[0] in ATTRIBUTION_VIEW_COLUMNS and self._nothing_attributed():
            # Every record has the same value (none): the order is the record ids' (ties go by rid). A case
            # scanned without a registry sorted on the establishment in 2.95 s at 42.7 million records (the
            # join below, for nothing); this reads one column: 0.1 s.
            return f"SELECT rid FROM records_raw{where} ORDER BY rid {'ASC' if order[1] else 'DESC'}"
        if order[0] in ATTRIBUTION_VIEW_COLUMNS:
            attr = self._attr_table()
            where = f" WHERE rid IN (SELECT rid FROM records_raw WHERE {pred})" if pred else ""
            return f"SELECT rid FROM {attr}{where} ORDER BY {self._order_by(order, reverse)}"
        return f"SELECT rid FROM records_raw{where} ORDER BY {self._order_by(order, reverse)}"

    def _from_cache(self, key: tuple, offset: int, limit: int) -> list[tuple]:
        entry = self._orders.get(key)
        if entry is None:
            order, filter, where = key
            pred, params = self._predicate(filter, dict(where))
            if order is None:
                sql = f"SELECT rid FROM records_raw WHERE {pred}{_storage_order(pred)}"
            else:
                sql = self._sorted_sql(order, pred)
            self._serial += 1
            name = f"_wb_order_{id(self):x}_{self._serial}"
            self.reader.rows(f"CREATE TEMP TABLE {name} AS {sql}", params)
            n = int(self.reader.one(f"SELECT COUNT(*) FROM {name}") or 0)
            entry = (name, n)
            self._orders[key] = entry
            self._counts.setdefault(self._key(None, filter, dict(where)), n)
            while len(self._orders) > MAX_ORDERS:
                old, _ = self._orders.popitem(last=False)[1]
                self.reader.rows(f"DROP TABLE IF EXISTS {old}")
        else:
            self._orders.move_to_end(key)
        name, n = entry
        if offset >= n:
            return []
        rids = [r[0] for r in self.reader.rows(f"SELECT rid FROM {name} LIMIT {int(limit)} OFFSET {int(offset)}")]
        return self._rows_of(rids)

    def _own_rows(self, sql: str, params: list) -> list[tuple]:
        return [tuple(r) for r in self.reader.rows(sql, params)]

    def _rows_of(self, rids: list[int]) -> list[tuple]:
        """The rows of these record ids, in this order."""
        if not rids:
            return []
        found = {r[0]: r for r in self._own_rows(
            f"SELECT rid, {self._own_select()} FROM records_raw WHERE rid IN ({_ids(rids)})", [])}
        return self._with_attribution([found[r] for r in rids if r in found])

    def _with_attribution(self, rows: list[tuple]) -> list[tuple]:
        """Own columns ``(rid, *own)`` completed with the attribution columns, in the table's column order."""
        if not rows:
            return []
        attr = {r[0]: r[1:] for r in self.reader.rows(
            "SELECT rid, establishment, recipient, COALESCE(basis, 'none'), COALESCE(confidence, '0') "
            f"FROM attribution WHERE rid IN ({_ids([r[0] for r in rows])})")}
        own = [c for c in RECORD_COLUMNS if c not in ATTRIBUTION_VIEW_COLUMNS]
        out = []
        none = (None, None, "none", "0")
        for r in rows:
            values = dict(zip(own, r[1:], strict=True))
            values.update(zip(ATTRIBUTION_VIEW_COLUMNS, attr.get(r[0], none), strict=True))
            out.append((r[0], *(values[c] for c in RECORD_COLUMNS)))
        return out


def _storage_order(pred: str) -> str:
    """The ``ORDER BY`` an unsorted view needs so that its pages follow one another: none for a test on the
    records alone (DuckDB keeps a filtered scan in storage order, and a first page streams without reading the
    rest), ``rid`` when the test is a semi-join on the attribution, whose parallel hash join gives its rows in
    no fixed order (a page could repeat rows of the previous one and skip others)."""
    return " ORDER BY rid" if ATTRIBUTION_SEMI_JOIN in pred else ""


_PAGERS: weakref.WeakKeyDictionary[CaseReader, dict[str, TablePager]] = weakref.WeakKeyDictionary()


def pager(reader: CaseReader, table: str) -> TablePager:
    """The reader's one pager of a table: models made again (after a scan, a language switch) share its cached
    orders instead of piling up temporary tables in the reader's DuckDB."""
    per_reader = _PAGERS.setdefault(reader, {})
    if table not in per_reader:
        per_reader[table] = TablePager(reader, table)
    return per_reader[table]


# ====================================================================================== the last scan
_SCAN_ENDS = {"scan-finished": "done", "scan-cancelled": "cancelled", "scan-incomplete": "incomplete"}


def last_scan(reader: CaseReader) -> Progress | None:
    """Where the case's last scan stands, as the scan panel shows it once the case is opened (it showed 0% for a
    finished case): figures of the planned tasks and items, phase from the custody log ("done" only when that
    scan logged its end as finished; a scan whose process died logged no end: "incomplete"). None before any
    scan."""
    row = reader.meta_rows("SELECT COUNT(*), COALESCE(SUM(status = 'done'), 0), COALESCE(SUM(size), 0), "
                           "COALESCE(SUM(CASE WHEN status = 'done' THEN size END), 0) FROM tasks")[0]
    tasks, done, size, size_done = (int(v or 0) for v in tuple(row))
    if not tasks:
        return None
    action = reader.meta_one("SELECT action FROM custody WHERE action IN ('scan-started', 'scan-finished', "
                             "'scan-cancelled', 'scan-incomplete') ORDER BY seq DESC LIMIT 1")
    phase = _SCAN_ENDS.get(action or "", "incomplete")
    if phase == "done":
        size_done = size
    return Progress(bytes_done=size_done, bytes_total=size, items_done=item_count(reader), tasks_done=done,
                    tasks_total=tasks, current="", rate_bps=0.0, eta_s=None, phase=phase)


# ====================================================================================== the item tree
_TREE_FIELDS = ("id", "vpath", "name", "kind", "format", "size", "status", "findings", "records", "error")


def item_count(reader: CaseReader) -> int:
    return int(reader.meta_one("SELECT COUNT(*) FROM items") or 0)


def item_child_count(reader: CaseReader, parent_id: int | None) -> int:
    if parent_id is None:
        return int(reader.meta_one("SELECT COUNT(*) FROM items WHERE parent_id IS NULL") or 0)
    return int(reader.meta_one("SELECT COUNT(*) FROM items WHERE parent_id=?", (parent_id,)) or 0)


def item_children(reader: CaseReader, parent_id: int | None, after_id: int, limit: int) -> list[tuple]:
    """Children of an item (top-level items for None) with ids above ``after_id``, in id order:
    ``(id, vpath, name, kind, format, size, status, findings, records, error, number of children)``."""
    cond = "i.parent_id IS NULL" if parent_id is None else "i.parent_id = ?"
    params: tuple = () if parent_id is None else (parent_id,)
    return [tuple(r) for r in reader.meta_rows(
        f"SELECT {', '.join('i.' + f for f in _TREE_FIELDS)}, "
        f"(SELECT COUNT(*) FROM items c WHERE c.parent_id = i.id) "
        f"FROM items i WHERE {cond} AND i.id > ? ORDER BY i.id LIMIT ?", (*params, after_id, int(limit)))]


# ====================================================================================== the item viewer
def item_sha256(reader: CaseReader, vpath: str) -> str | None:
    """The SHA-256 of an item (of the evidence file itself for a top-level file), as the context menu copies it."""
    return _item_sha256(reader, vpath)


def finding_location(reader: CaseReader, finding_id: int) -> tuple[str, int | None, str | None] | None:
    """(item, offset, layer) of one finding: where double-clicking it opens the item."""
    rows = reader.meta_rows("SELECT i.vpath, f.offset, f.layer FROM findings f JOIN items i ON i.id = f.item_id "
                            "WHERE f.id = ?", (int(finding_id),))
    return (rows[0][0], rows[0][1], rows[0][2]) if rows else None


def subtree_totals(reader: CaseReader, prefix: str) -> tuple[int, int]:
    """(findings, records) of every item whose path starts with ``prefix`` (a folder inside an archive,
    ``leak.zip!/chu-rennes/``), nested archives included; one range scan of the vpath index."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else ""
    row = reader.meta_rows("SELECT COALESCE(SUM(findings), 0), COALESCE(SUM(records), 0) FROM items "
                           "WHERE vpath >= ? AND vpath < ?", (prefix, upper))
    return (int(row[0][0]), int(row[0][1])) if row else (0, 0)


def item_row(reader: CaseReader, vpath: str) -> dict[str, Any] | None:
    rows = reader.meta_rows("SELECT id, kind, format, encoding, delimiter, size, status, sha256 FROM items "
                            "WHERE vpath=?", (vpath,))
    return dict(rows[0]) if rows else None


def raw_finding_spans(reader: CaseReader, item_id: int) -> list[tuple[int, int | None, str]]:
    """(offset, length, rule) of the item's findings placed in its raw bytes."""
    return [(r[0], r[1], r[2]) for r in reader.meta_rows(
        "SELECT offset, length, rule FROM findings WHERE item_id=? AND layer='raw' AND offset IS NOT NULL",
        (item_id,))]


_CHAIN_FIELDS = ("id", "parent_id", "vpath", "name", "kind", "format", "evidence_id", "depth")


def item_chain(reader: CaseReader, vpath: str) -> list[dict[str, Any]] | None:
    """The item and its ancestors, outermost first; None for an unknown item."""
    select = f"SELECT {', '.join(_CHAIN_FIELDS)} FROM items"
    rows = reader.meta_rows(f"{select} WHERE vpath=?", (vpath,))
    if not rows:
        return None
    out = []
    row = rows[0]
    while True:
        out.append(dict(zip(_CHAIN_FIELDS, tuple(row), strict=True)))
        if row["parent_id"] is None:
            break
        up = reader.meta_rows(f"{select} WHERE id=?", (row["parent_id"],))
        if not up:
            break
        row = up[0]
    return list(reversed(out))


def evidence_location(reader: CaseReader, evidence_id: int) -> tuple[Path, bool] | None:
    """(path on the host, is a folder) of one evidence."""
    rows = reader.meta_rows("SELECT path, is_dir FROM evidence WHERE id=?", (evidence_id,))
    return (Path(rows[0][0]), bool(rows[0][1])) if rows else None


# ====================================================================================== the details pane
def establishment_name(reader: CaseReader, finess: str | None) -> str | None:
    if not finess:
        return None
    return reader.meta_value(f"establishment:{finess}")


def finding_detail(reader: CaseReader, finding_id: int) -> dict[str, Any] | None:
    rows = reader.meta_rows(
        "SELECT f.detector, f.rule, f.namespace, f.tags, f.meta, f.offset, f.length, f.layer, f.excerpt, f.severity, "
        "i.vpath AS item FROM findings f LEFT JOIN items i ON i.id=f.item_id WHERE f.id=?", (finding_id,))
    if not rows:
        return None
    d = dict(rows[0])
    d["tags"] = json.loads(d["tags"] or "[]")
    d["meta"] = json.loads(d["meta"] or "{}")
    return d


def _hit(reader: CaseReader, pager: type[_SimplePager], hit_id: int) -> dict[str, Any] | None:
    table = reader.arrow(f"SELECT * FROM {pager.source} WHERE {pager.id_expr} = ?", (int(hit_id),))
    rows = table.to_pylist()
    return rows[0] if rows else None


def _item_sha256(reader: CaseReader, vpath: str | None) -> str | None:
    """The item's SHA-256; for a file of the evidence itself, the hash taken at intake."""
    if not vpath:
        return None
    rows = reader.meta_rows("SELECT sha256, evidence_id, depth FROM items WHERE vpath=?", (vpath,))
    if not rows:
        return None
    sha, evidence_id, depth = rows[0]
    if sha or depth != 0:
        return sha
    rel = vpath.partition("/")[2]
    if rel:
        return reader.meta_one("SELECT sha256 FROM evidence_files WHERE evidence_id=? AND relpath=?",
                               (evidence_id, rel))
    return reader.meta_one("SELECT sha256 FROM evidence WHERE id=?", (evidence_id,))


def beacon_detail(reader: CaseReader, hit_id: int) -> dict[str, Any] | None:
    """One canary hit (id as given by the beacons pager), its item's hash and how often the beacon was seen."""
    d = _hit(reader, _BeaconsPager, hit_id)
    if d is None:
        return None
    d["fields"] = json.loads(d.get("fields") or "[]")
    d["item_sha256"] = _item_sha256(reader, d.get("item"))
    d["sightings"] = int(reader.one("SELECT COUNT(*) FROM beacon_hits WHERE beacon_id = ?", (d["beacon_id"],)) or 0)
    return d


def watermark_detail(reader: CaseReader, hit_id: int) -> dict[str, Any] | None:
    d = _hit(reader, _WatermarksPager, hit_id)
    if d is None:
        return None
    d["detail"] = json.loads(d.get("detail") or "{}")
    return d


def record_detail(reader: CaseReader, rid: int) -> dict[str, Any] | None:
    """One record with its attribution (proof and source fields decoded)."""
    d = reader.record(int(rid))
    if d is None:
        return None
    d["basis"] = d.get("basis") or "none"
    proof = d.get("proof")
    d["proof"] = json.loads(proof) if isinstance(proof, str) and proof else proof
    source = d.get("source")
    d["source"] = json.loads(source) if isinstance(source, str) and source else (source or {})
    d.pop("source_layout", None)
    return d
