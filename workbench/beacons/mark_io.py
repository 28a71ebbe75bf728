"""Table files for the watermark: read and rewrite CSV, XLSX and SQL dumps without disturbing them.

Embedding rewrites only the carrier cells: a CSV keeps its delimiter, encoding, quoting and line endings; an
XLSX keeps its cells, types and number formats (a date-time cell stays a date-time); a SQL dump keeps every
line that is not data as it was, and inside ``INSERT`` statements and ``COPY ... FROM stdin`` blocks only the
string literals that carry the mark are respelled. Files are read twice (classify, then rewrite), streaming
line by line; memory is bounded by one statement (SQL) or one sheet (XLSX, as openpyxl needs).
"""

from __future__ import annotations

import codecs
import csv
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from workbench.beacons import date_mark as dm
from workbench.beacons import numeric_mark as nm
from workbench.beacons.tabular_mark import (
    CLASSIFY_SAMPLE,
    KIND_DATE,
    KIND_NUM,
    ColumnDistortion,
    ColumnPlan,
    Distortion,
    MarkKey,
    NoCarrierError,
    TableMarkResult,
    UnitCollector,
    as_mark_key,
    classify_column,
    classify_numeric_column,
    date_anchor,
    date_distortion_name,
    identity_hash,
    mark_date,
    mark_number,
    mark_value,
)
from workbench.sql_names import column_names, table_name

FORMATS = ("csv", "xlsx", "sql")
MAX_STATEMENT_CHARS = 256 * 2**20
MAX_FIELD_CHARS = 16 * 2**20


class MarkIOError(ValueError):
    """A table file cannot be read or rewritten (unknown format, corrupt, too large a statement...)."""


# ---------------------------------------------------------------- format and encoding


def sniff_table_format(path: str | os.PathLike[str]) -> str:
    """``csv``, ``xlsx`` or ``sql`` from the file's content (not its name)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = head.decode("latin-1")
    if re.search(r"^\s*(INSERT\s+INTO|COPY\s+\S+.*FROM\s+stdin|CREATE\s+TABLE|BEGIN TRANSACTION;|"
                 r"-- MySQL dump|-- MariaDB dump|-- PostgreSQL database dump|PRAGMA )", text,
                 re.IGNORECASE | re.MULTILINE):
        return "sql"
    if b"\x00" in head:
        raise MarkIOError(f"{path}: binary content, not a CSV, XLSX or SQL dump")
    return "csv"


def detect_encoding(path: str | os.PathLike[str]) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp1252`` (the whole file is checked, incrementally)."""
    with open(path, "rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


# ---------------------------------------------------------------- CSV


@dataclass
class CsvStyle:
    encoding: str
    delimiter: str
    quotechar: str
    quoting: int
    lineterminator: str


def sniff_csv(path: str | os.PathLike[str], encoding: str | None = None) -> CsvStyle:
    encoding = encoding or detect_encoding(path)
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(65536)
    first = sample.split("\n", 1)[0]
    counts = {d: first.count(d) for d in ";,\t|"}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    lineterminator = "\r\n" if "\r\n" in sample else "\n"
    lines = [ln for ln in sample.splitlines()[:50] if ln]
    all_quoted = bool(lines) and all(
        all(f.startswith('"') and f.endswith('"') for f in ln.split(delimiter)) for ln in lines[:-1] or lines)
    quoting = csv.QUOTE_ALL if all_quoted else csv.QUOTE_MINIMAL
    return CsvStyle(encoding, delimiter, '"', quoting, lineterminator)


def _csv_rows(path: str | os.PathLike[str], style: CsvStyle) -> Iterator[list[str]]:
    csv.field_size_limit(MAX_FIELD_CHARS)
    with open(path, encoding=style.encoding, newline="") as fh:
        try:
            yield from csv.reader(fh, delimiter=style.delimiter, quotechar=style.quotechar)
        except csv.Error as exc:
            raise MarkIOError(f"{path}: malformed CSV: {exc}") from exc


def read_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A CSV as text cells (header row first), with its delimiter and encoding sniffed."""
    style = sniff_csv(path)
    rows = _csv_rows(path, style)
    header = next(rows, None)
    if header is None:
        return pd.DataFrame()
    data = [r + [""] * (len(header) - len(r)) if len(r) < len(header) else r[: len(header)] for r in rows]
    return pd.DataFrame(data, columns=_unique(header), dtype=str)


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str], *, encoding: str = "utf-8", delimiter: str = ";",
              quoting: int = csv.QUOTE_MINIMAL, lineterminator: str = "\r\n") -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, quoting=quoting, lineterminator=lineterminator)
        writer.writerow([str(c) for c in df.columns])
        writer.writerows(df.fillna("").astype(str).itertuples(index=False, name=None))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name}.{n}")
    return out


Thresholds = tuple[nm.Threshold, ...]


def _classify_columns(columns: Mapping[object, list[str]], numeric: bool = False,
                      headers: Mapping[object, str] | None = None,
                      thresholds: Thresholds = nm.DEFAULT_THRESHOLDS) -> dict[object, ColumnPlan]:
    plans = {}
    for key, values in columns.items():
        plan = classify_column(values)
        if plan is None and numeric:
            plan = classify_numeric_column(values, (headers or {}).get(key), thresholds=thresholds)
        if plan is not None:
            plans[key] = plan
    return plans


def _classify_dates(columns: Mapping[object, list[str]], headers: Mapping[object, str] | None,
                    policy: dm.DatePolicy | None, today: date | None) -> dict[object, dm.DatePlan]:
    if policy is None or not policy.enabled:
        return {}
    plans = {}
    for key, values in columns.items():
        plan = dm.plan_for_embedding([v for v in values if v and v.strip()], (headers or {}).get(key), policy,
                                     today=today)
        if plan is not None:
            plans[key] = plan
    return plans


def _anchor(cells: list[str]) -> str | None:
    return nm.row_anchor(identity_hash(c) if c and c.strip() else None for c in cells)


def _mark_dates_into(cells: list[str], date_plans: Mapping[object, dm.DatePlan], index: Mapping[object, int],
                     key: bytes | MarkKey, markers: Mapping[object, dm.DateMarker],
                     cols: Mapping[object, ColumnDistortion]) -> None:
    """Move the date cells of one row (``index`` maps a plan's key to the cell's position in ``cells``)."""
    anchor = date_anchor(cells)
    for k in date_plans:
        i = index[k]
        if i < len(cells) and cells[i] and cells[i].strip():
            new = mark_date(cells[i], anchor, key, markers[k], cols[k])
            if new is not None:
                cells[i] = new[0]


def _embed_csv(src: Path, dst: Path, key: bytes | MarkKey, numeric: bool = True,
               thresholds: Thresholds = nm.DEFAULT_THRESHOLDS, dates: dm.DatePolicy | None = None,
               today: date | None = None) -> Distortion:
    style = sniff_csv(src)
    rows = _csv_rows(src, style)
    header = next(rows, None)
    if header is None:
        raise NoCarrierError(f"{src}: empty CSV")
    sample: dict[object, list[str]] = {i: [] for i in range(len(header))}
    for n, row in enumerate(rows):
        if n >= CLASSIFY_SAMPLE:
            break
        for i, cell in enumerate(row[: len(header)]):
            sample[i].append(cell)
    plans = _classify_columns(sample, numeric, dict(enumerate(header)), thresholds)
    date_plans = _classify_dates(sample, dict(enumerate(header)), dates, today)
    if not plans and not date_plans:
        raise NoCarrierError(f"{src}: no column can carry the mark")
    dist = Distortion()
    cols = {i: ColumnDistortion(p.kind) for i, p in plans.items()}
    markers = {i: nm.NumericMarker(p.numeric) for i, p in plans.items() if p.numeric is not None}
    date_cols = {i: ColumnDistortion(KIND_DATE) for i in date_plans}
    date_markers = {i: dm.DateMarker(p) for i, p in date_plans.items()}
    date_index = {i: i for i in date_plans}
    with open(dst, "w", encoding=style.encoding, newline="") as out:
        writer = csv.writer(out, delimiter=style.delimiter, quotechar=style.quotechar, quoting=style.quoting,
                            lineterminator=style.lineterminator)
        rows = _csv_rows(src, style)
        writer.writerow(next(rows))
        for row in rows:
            dist.rows += 1
            if date_plans:  # dates first: the measurements' anchors are those of the marked row
                _mark_dates_into(row, date_plans, date_index, key, date_markers, date_cols)
            anchor = _anchor(row[: len(header)]) if markers else None
            for i, plan in plans.items():
                if i < len(row) and row[i].strip():
                    if i in markers:
                        new = mark_number(plan, row[i], anchor, key, markers[i], cols[i])
                        row[i] = row[i] if new is None else new
                    else:
                        _mark_into(row, i, plan, key, cols[i])
            writer.writerow(row)
    for i, col in date_cols.items():
        dist.columns[date_distortion_name(header[i], i in plans)] = col
    for i, col in cols.items():
        dist.columns[header[i]] = col
    return dist


def _mark_into(row: list[str], i: int, plan: ColumnPlan, key: bytes | MarkKey, col: ColumnDistortion) -> None:
    marked = mark_value(plan, row[i], key)
    if marked is None:
        return
    col.cells += 1
    if marked[0] != row[i]:
        col.changed += 1
        col.max_change = max(col.max_change, marked[1])
        row[i] = marked[0]


# ---------------------------------------------------------------- XLSX


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.microsecond >= 500000:
            value = value.replace(microsecond=0) + (datetime(2000, 1, 1, 0, 0, 1) - datetime(2000, 1, 1))
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Every sheet as text cells, first row as the header."""
    import openpyxl

    with open(path, "rb") as fh:  # a file object: openpyxl then judges the content, not the file name
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types on corrupt files
            raise MarkIOError(f"{path}: not a readable XLSX workbook: {exc}") from exc
        out = {}
        try:
            for ws in wb.worksheets:
                rows = ws.iter_rows(values_only=True)
                header = next(rows, None)
                if header is None:
                    continue
                names = _unique([_xlsx_text(h) or f"col{i + 1}" for i, h in enumerate(header)])
                data = [[_xlsx_text(v) for v in (list(r) + [None] * len(names))[: len(names)]] for r in rows]
                out[ws.title] = pd.DataFrame(data, columns=names, dtype=str)
        except Exception as exc:
            raise MarkIOError(f"{path}: corrupt XLSX workbook: {exc}") from exc
        finally:
            wb.close()
    return out


_XLSX_DATE_FORMATS = (  # text spelling -> (strptime format, the Excel number format a conversion gives it)
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"), "%Y-%m-%d %H:%M:%S", "yyyy-mm-dd h:mm:ss"),
    (re.compile(r"\d{2}/\d{2}/\d{4}"), "%d/%m/%Y", "dd/mm/yyyy"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d", "yyyy-mm-dd"),
)


def write_xlsx(df: pd.DataFrame, path: str | os.PathLike[str], *, sheet: str = "Export",
               typed_datetimes: bool = False, typed_dates: bool = False) -> None:
    """Write text cells (``typed_datetimes``: date-time texts become Excel date-time cells; ``typed_dates``:
    ``02/03/2024`` and ``2024-03-02`` become real date cells shown in that spelling, as a user's spreadsheet
    conversion of a CSV does)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)  # streams rows: memory stays flat on large exports
    ws = wb.create_sheet(title=sheet)
    ws.append([str(c) for c in df.columns])
    formats = _XLSX_DATE_FORMATS[: 1 if not typed_dates else 3][0 if typed_datetimes else 1 :]
    for row in df.fillna("").astype(str).itertuples(index=False, name=None):
        cells: list[object] = []
        for cell in row:
            spelled = next((f for f in formats if f[0].fullmatch(cell)), None)
            if spelled is None:
                cells.append(cell)
                continue
            try:
                value = datetime.strptime(cell, spelled[1])
            except ValueError:
                cells.append(cell)
                continue
            typed = WriteOnlyCell(ws, value=value)
            typed.number_format = spelled[2]
            cells.append(typed)
        ws.append(cells)
    wb.save(path)


def _embed_xlsx(src: Path, dst: Path, key: bytes | MarkKey, numeric: bool = True,
                thresholds: Thresholds = nm.DEFAULT_THRESHOLDS, dates: dm.DatePolicy | None = None,
                today: date | None = None) -> Distortion:
    import openpyxl

    try:
        with open(src, "rb") as fh:
            wb = openpyxl.load_workbook(fh)
    except Exception as exc:  # openpyxl raises many types on corrupt files
        raise MarkIOError(f"{src}: not a readable XLSX workbook: {exc}") from exc
    dist = Distortion()
    for ws in wb.worksheets:
        if ws.max_row < 2:
            continue
        n_rows, n_cols = ws.max_row, ws.max_column  # read before iterating: iter_* must not grow the sheet
        header = [_xlsx_text(c.value) or f"col{i + 1}" for i, c in enumerate(ws[1])]
        last = min(n_rows, CLASSIFY_SAMPLE + 1)
        texts = {i: [t for c in col if (t := _xlsx_text(c.value))] for i, col in
                 enumerate(ws.iter_cols(min_row=2, max_row=last, max_col=n_cols))}
        plans = _classify_columns(texts, numeric, dict(enumerate(header)), thresholds)
        date_plans = _classify_dates(texts, dict(enumerate(header)), dates, today)
        dist.rows += n_rows - 1
        if date_plans:  # dates first: the measurements' anchors are those of the marked rows
            _mark_xlsx_dates(ws, n_rows, n_cols, date_plans, key, dist, header, plans)
        anchors: list[str | None] = []
        if any(p.kind == KIND_NUM for p in plans.values()):
            anchors = [_anchor([_xlsx_text(v) for v in r]) for r in
                       ws.iter_rows(min_row=2, max_row=n_rows, max_col=n_cols, values_only=True)]
        for i, plan in plans.items():
            col = ColumnDistortion(plan.kind)
            if plan.numeric is not None:
                _mark_xlsx_numeric(ws, i, n_rows, plan, anchors, key, col)
                dist.columns[f"{ws.title}!{header[i] if i < len(header) else f'col{i + 1}'}"] = col
                continue
            for (cell,) in ws.iter_rows(min_row=2, max_row=n_rows, min_col=i + 1, max_col=i + 1):
                value = cell.value
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                text = _xlsx_text(value)
                marked = mark_value(plan, text, key)
                if marked is None:
                    continue
                col.cells += 1
                if marked[0] == text:
                    continue
                col.changed += 1
                col.max_change = max(col.max_change, marked[1])
                if isinstance(value, datetime):
                    cell.value = datetime.strptime(marked[0], "%Y-%m-%d %H:%M:%S")
                elif isinstance(value, str):
                    cell.value = marked[0]
                else:  # a number that reads as a carrier: leave its type alone
                    col.changed -= 1
            name = header[i] if i < len(header) else f"col{i + 1}"
            dist.columns[f"{ws.title}!{name}"] = col
    if not dist.columns:
        raise NoCarrierError(f"{src}: no column can carry the mark")
    wb.save(dst)
    return dist


def _mark_xlsx_dates(ws: object, n_rows: int, n_cols: int, date_plans: Mapping[int, dm.DatePlan],
                     key: bytes | MarkKey, dist: Distortion, header: list[str], plans: Mapping[int, ColumnPlan]
                     ) -> None:
    """Mark the date columns of a sheet: a real date cell stays a date (moved by whole days, its number format
    and time of day kept), a text date keeps its spelling."""
    anchors = [date_anchor([_xlsx_text(v) for v in r]) for r in
               ws.iter_rows(min_row=2, max_row=n_rows, max_col=n_cols, values_only=True)]  # type: ignore[attr-defined]
    for i, plan in date_plans.items():
        col = ColumnDistortion(KIND_DATE)
        marker = dm.DateMarker(plan)
        cells = ws.iter_rows(min_row=2, max_row=n_rows, min_col=i + 1, max_col=i + 1)  # type: ignore[attr-defined]
        for (cell,), anchor in zip(cells, anchors, strict=False):
            value = cell.value
            if not isinstance(value, (str, datetime)) or not (text := _xlsx_text(value)).strip():
                continue
            new = mark_date(text, anchor, key, marker, col)
            if new is None or not new[1]:
                continue
            cell.value = value + timedelta(days=new[1]) if isinstance(value, datetime) else new[0]
        name = header[i] if i < len(header) else f"col{i + 1}"
        dist.columns[f"{ws.title}!{date_distortion_name(name, i in plans)}"] = col  # type: ignore[attr-defined]


def _mark_xlsx_numeric(ws: object, i: int, n_rows: int, plan: ColumnPlan, anchors: list[str | None],
                       key: bytes | MarkKey, col: ColumnDistortion) -> None:
    """Mark one measurement column of a sheet: numbers stay numbers (same number format), texts stay texts."""
    assert plan.numeric is not None
    marker = nm.NumericMarker(plan.numeric)
    cells = ws.iter_rows(min_row=2, max_row=n_rows, min_col=i + 1, max_col=i + 1)  # type: ignore[attr-defined]
    for (cell,), anchor in zip(cells, anchors, strict=False):
        value = cell.value
        if value is None or isinstance(value, (bool, datetime)):
            continue
        text = _xlsx_text(value)
        if not text.strip():
            continue
        new = mark_number(plan, text, anchor, key, marker, col)
        if new is None or new == text:
            continue
        if isinstance(value, str):
            cell.value = new
        else:
            number = float(new.strip().replace(",", "."))
            cell.value = int(number) if plan.numeric.decimals == 0 else number


# ---------------------------------------------------------------- SQL dumps

_INSERT = re.compile(r"^\s*INSERT\s+(?:IGNORE\s+)?INTO\s+((?:`[^`]+`|\"[^\"]+\"|[\w$]+)"
                     r"(?:\.(?:`[^`]+`|\"[^\"]+\"|[\w$]+))?)", re.IGNORECASE)
_VALUES = re.compile(r"\bVALUES\b", re.IGNORECASE)
_COPY = re.compile(r"^COPY\s+((?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))?)\s*(?:\([^)]*\))?\s+"
                   r"FROM\s+stdin", re.IGNORECASE)
_MYSQL_UNESCAPE = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_COPY_UNESCAPE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def sql_dialect(head: str) -> str:
    """``mysql`` (backslash escapes in strings) or ``standard`` (PostgreSQL, SQLite: quotes doubled)."""
    if re.search(r"MySQL dump|MariaDB dump|ENGINE=|^INSERT INTO `|/\*!\d+", head, re.MULTILINE):
        return "mysql"
    return "standard"


@dataclass
class _Literal:
    col: int
    start: int
    end: int
    value: str
    row: int = 0
    quoted: bool = True  # False: a bare number (DECIMAL/INT columns of a dump are written unquoted)


_BARE_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?=\s*[,)])")


def _read_string(stmt: str, i: int, mysql: bool) -> tuple[str, int]:
    """Decode the string literal opening at ``stmt[i] == "'"``; returns (value, index after it)."""
    out: list[str] = []
    j = i + 1
    n = len(stmt)
    while j < n:
        ch = stmt[j]
        if ch == "\\" and mysql and j + 1 < n:
            nxt = stmt[j + 1]
            out.append(_MYSQL_UNESCAPE.get(nxt, nxt))
            j += 2
            continue
        if ch == "'":
            if j + 1 < n and stmt[j + 1] == "'":
                out.append("'")
                j += 2
                continue
            return "".join(out), j + 1
        out.append(ch)
        j += 1
    raise MarkIOError("unterminated string literal in an INSERT statement")


def _statement_complete(stmt: str, mysql: bool) -> bool:
    """True when ``stmt`` ends with a ``;`` outside any string literal."""
    in_str = False
    j, n = 0, len(stmt)
    last_semicolon = -1
    while j < n:
        ch = stmt[j]
        if in_str:
            if ch == "\\" and mysql:
                j += 2
                continue
            if ch == "'":
                if j + 1 < n and stmt[j + 1] == "'":
                    j += 2
                    continue
                in_str = False
        elif ch == "'":
            in_str = True
        elif ch == ";":
            last_semicolon = j
        j += 1
    return not in_str and last_semicolon >= 0 and not stmt[last_semicolon + 1 :].strip()


def _insert_literals(stmt: str, mysql: bool) -> tuple[list[_Literal], int]:
    """The string literals of the VALUES tuples of one INSERT, with their column index; and the row count."""
    m = _VALUES.search(stmt)
    if not m:
        return [], 0
    lits: list[_Literal] = []
    rows = 0
    depth = 0
    col = 0
    j, n = m.end(), len(stmt)
    while j < n:
        ch = stmt[j]
        if ch == "'":
            value, end = _read_string(stmt, j, mysql)
            if depth >= 1:
                lits.append(_Literal(col, j, end, value, rows))
            j = end
            continue
        if ch == "(":
            depth += 1
            if depth == 1:
                col = 0
        elif ch == ")":
            depth -= 1
            if depth == 0:
                rows += 1
        elif ch == "," and depth == 1:
            col += 1
        elif depth == 1 and (ch.isdigit() or ch in "+-"):
            num = _BARE_NUMBER.match(stmt, j)
            if num:
                lits.append(_Literal(col, j, num.end(), num[0], rows, quoted=False))
                j = num.end()
                continue
        elif depth == 0 and ch not in " \t\r\n,":
            break  # ; or ON CONFLICT ... : the rest is kept as is
        j += 1
    return lits, rows


def _quote(value: str, mysql: bool) -> str:
    if mysql:
        value = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
        value = value.replace("\0", "\\0").replace("\x1a", "\\Z")
        return f"'{value}'"
    return "'" + value.replace("'", "''") + "'"


def _copy_unescape(field: str) -> str | None:
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    return re.sub(r"\\(.)", lambda m: _COPY_UNESCAPE.get(m[1], m[1]), field)


def _copy_escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))


@dataclass
class SqlEvent:
    """One unit of a dump, in file order: a passthrough line, an INSERT statement or a COPY data line."""

    kind: str  # "line", "insert", "copy-row"
    text: str  # the raw text (with its line ending)
    table: str | None = None


def _iter_sql(path: str | os.PathLike[str], encoding: str) -> Iterator[SqlEvent]:
    with open(path, encoding=encoding, newline="") as fh:
        head = fh.read(65536)
        mysql = sql_dialect(head) == "mysql"
        fh.seek(0)
        copy_table: str | None = None
        for line in fh:
            if copy_table is not None:
                if line.rstrip("\r\n") == "\\.":
                    copy_table = None
                    yield SqlEvent("line", line)
                else:
                    yield SqlEvent("copy-row", line, copy_table)
                continue
            m = _INSERT.match(line)
            if m:
                stmt = line
                while not _statement_complete(stmt, mysql):
                    more = fh.readline()
                    if not more:
                        raise MarkIOError(f"{path}: truncated INSERT statement at the end of the dump")
                    stmt += more
                    if len(stmt) > MAX_STATEMENT_CHARS:
                        raise MarkIOError(f"{path}: an INSERT statement exceeds {MAX_STATEMENT_CHARS} chars")
                yield SqlEvent("insert", stmt, table_name(m[1]))
                continue
            c = _COPY.match(line)
            if c:
                copy_table = table_name(c[1])
            yield SqlEvent("line", line)


def _sql_cells(path: str | os.PathLike[str], encoding: str, mysql: bool
               ) -> Iterator[tuple[str, int, list[tuple[int, str]]]]:
    """(table, row count, [(column index, text)]) for each INSERT statement or COPY row."""
    for ev in _iter_sql(path, encoding):
        if ev.kind == "insert":
            lits, rows = _insert_literals(ev.text, mysql)
            yield ev.table or "", rows, [(lit.col, lit.value) for lit in lits]
        elif ev.kind == "copy-row":
            fields = ev.text.rstrip("\r\n").split("\t")
            yield ev.table or "", 1, [(i, v) for i, f in enumerate(fields) if (v := _copy_unescape(f)) is not None]


def _sql_setup(path: str | os.PathLike[str]) -> tuple[str, bool]:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        mysql = sql_dialect(fh.read(65536)) == "mysql"
    return encoding, mysql


def read_sql(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """The string and number cells of every table of a dump, by column position (``c1``, ``c2``...): what
    the watermark needs. NULLs are left out."""
    encoding, mysql = _sql_setup(path)
    tables: dict[str, list[dict[str, str]]] = {}
    for table, rows, cells in _sql_cells(path, encoding, mysql):
        if rows <= 1:
            tables.setdefault(table, []).append({f"c{c + 1}": v for c, v in cells})
        else:  # several tuples: rebuild rows from the column index restarting
            current: dict[str, str] = {}
            last = -1
            for c, v in cells:
                if c <= last:
                    tables.setdefault(table, []).append(current)
                    current = {}
                current[f"c{c + 1}"] = v
                last = c
            tables.setdefault(table, []).append(current)
    return {t: pd.DataFrame(rows, dtype=str).fillna("") for t, rows in tables.items()}


def write_sql(df: pd.DataFrame, path: str | os.PathLike[str], *, table: str = "patients",
              dialect: str = "mysql", encoding: str = "utf-8", rows_per_insert: int = 100) -> None:
    """A dump in the style of ``mysqldump`` (extended INSERTs), ``pg_dump`` (COPY) or ``sqlite3 .dump``."""
    cols = [str(c) for c in df.columns]
    with open(path, "w", encoding=encoding, newline="\n") as fh:
        values = df.fillna("").astype(str).itertuples(index=False, name=None)
        if dialect == "postgresql":
            fh.write("--\n-- PostgreSQL database dump\n--\n\nSET client_encoding = 'UTF8';\n\n")
            fh.write(f"CREATE TABLE public.{table} (\n" + ",\n".join(f"    {c.lower()} text" for c in cols)
                     + "\n);\n\n")
            fh.write(f"COPY public.{table} ({', '.join(c.lower() for c in cols)}) FROM stdin;\n")
            for row in values:
                fh.write("\t".join(_copy_escape(v) if v else "\\N" for v in row) + "\n")
            fh.write("\\.\n\n")
            return
        mysql = dialect == "mysql"
        if mysql:
            fh.write("-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost\n\n"
                     "/*!40101 SET NAMES utf8mb4 */;\n")
            fh.write(f"CREATE TABLE `{table}` (\n" + ",\n".join(f"  `{c}` varchar(255) DEFAULT NULL" for c in cols)
                     + "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\n")
            fh.write(f"LOCK TABLES `{table}` WRITE;\n")
            batch: list[str] = []
            for row in values:
                batch.append("(" + ",".join(_quote(v, True) if v else "NULL" for v in row) + ")")
                if len(batch) >= rows_per_insert:
                    fh.write(f"INSERT INTO `{table}` VALUES " + ",".join(batch) + ";\n")
                    batch = []
            if batch:
                fh.write(f"INSERT INTO `{table}` VALUES " + ",".join(batch) + ";\n")
            fh.write("UNLOCK TABLES;\n")
            return
        fh.write("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
        fh.write(f"CREATE TABLE {table} (" + ", ".join(f"{c} TEXT" for c in cols) + ");\n")
        for row in values:
            fh.write(f"INSERT INTO {table} VALUES(" + ",".join(_quote(v, False) if v else "NULL" for v in row)
                     + ");\n")
        fh.write("COMMIT;\n")


_CREATE = re.compile(r"^\s*CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
                     r"((?:`[^`]+`|\"[^\"]+\"|[\w$]+)(?:\.(?:`[^`]+`|\"[^\"]+\"|[\w$]+))?)\s*\(", re.IGNORECASE)
def sql_column_names(path: str | os.PathLike[str], encoding: str) -> dict[str, list[str]]:
    """The column names of each table of a dump, from its ``CREATE TABLE`` statement (the date policy's
    names and birth-date headers; the watermark itself reads columns by position)."""
    out: dict[str, list[str]] = {}
    stmt: str | None = None
    for ev in _iter_sql(path, encoding):
        if ev.kind != "line":
            continue
        if stmt is None and _CREATE.match(ev.text):
            stmt = ""
        if stmt is None:
            continue
        stmt += ev.text
        if len(stmt) > 1 << 20:
            stmt = None  # not a table definition a dump writes
            continue
        if not stmt.rstrip().endswith(";"):
            continue
        m = _CREATE.match(stmt)
        body = stmt[m.end() : stmt.rfind(")")] if m else ""
        if m:
            out[table_name(m[1])] = column_names(body)
        stmt = None
    return out


def _embed_sql(src: Path, dst: Path, key: bytes | MarkKey, numeric: bool = True,
               thresholds: Thresholds = nm.DEFAULT_THRESHOLDS, dates: dm.DatePolicy | None = None,
               today: date | None = None) -> Distortion:
    encoding, mysql = _sql_setup(src)
    sample: dict[object, list[str]] = {}
    rows_seen: dict[str, int] = {}
    for table, rows, cells in _sql_cells(src, encoding, mysql):
        if rows_seen.get(table, 0) >= CLASSIFY_SAMPLE:
            continue
        rows_seen[table] = rows_seen.get(table, 0) + rows
        for c, v in cells:
            sample.setdefault((table, c), []).append(v)
    plans = _classify_columns(sample, numeric, None, thresholds)
    date_plans: dict[object, dm.DatePlan] = {}
    if dates is not None and dates.enabled:
        names = sql_column_names(src, encoding)
        headers = {k: (names.get(k[0]) or [])[k[1]] if k[1] < len(names.get(k[0]) or []) else f"c{k[1] + 1}"
                   for k in sample}
        date_plans = _classify_dates(sample, headers, dates, today)
    if not plans and not date_plans:
        raise NoCarrierError(f"{src}: no column of the dump can carry the mark")
    cols = {k: ColumnDistortion(p.kind) for k, p in plans.items()}
    markers = {k: nm.NumericMarker(p.numeric) for k, p in plans.items() if p.numeric is not None}
    date_cols = {k: ColumnDistortion(KIND_DATE) for k in date_plans}
    date_markers = {k: dm.DateMarker(p) for k, p in date_plans.items()}
    dist = Distortion()
    with open(dst, "w", encoding=encoding, newline="") as out:
        for ev in _iter_sql(src, encoding):
            if ev.kind == "insert":
                lits, rows = _insert_literals(ev.text, mysql)
                dist.rows += rows
                values = [lit.value for lit in lits]
                if any(k[0] == ev.table for k in date_plans):  # dates first: anchors of the marked rows
                    by_row_idx: dict[int, list[int]] = {}
                    for n, lit in enumerate(lits):
                        by_row_idx.setdefault(lit.row, []).append(n)
                    for idxs in by_row_idx.values():
                        anchor = date_anchor([lits[n].value for n in idxs])
                        for n in idxs:
                            k = (ev.table, lits[n].col)
                            if k in date_plans and lits[n].quoted:
                                new = mark_date(lits[n].value, anchor, key, date_markers[k], date_cols[k])
                                values[n] = values[n] if new is None else new[0]
                anchors: dict[int, str | None] = {}
                if markers:
                    by_row: dict[int, list[str]] = {}
                    for lit, value in zip(lits, values, strict=True):
                        by_row.setdefault(lit.row, []).append(value)
                    anchors = {r: _anchor(v) for r, v in by_row.items()}
                parts, pos = [], 0
                for lit, value in zip(lits, values, strict=True):
                    plan = plans.get((ev.table, lit.col))
                    holder = [value]
                    if plan is not None and (lit.quoted or plan.kind == KIND_NUM):
                        # a bare number is only ever re-written as a number
                        if (ev.table, lit.col) in markers:
                            new = mark_number(plan, value, anchors.get(lit.row), key, markers[(ev.table, lit.col)],
                                              cols[(ev.table, lit.col)])
                            holder[0] = value if new is None else new
                        else:
                            _mark_into(holder, 0, plan, key, cols[(ev.table, lit.col)])
                    if holder[0] != lit.value:
                        parts += [ev.text[pos : lit.start], _quote(holder[0], mysql) if lit.quoted else holder[0]]
                        pos = lit.end
                out.write("".join(parts) + ev.text[pos:])
            elif ev.kind == "copy-row":
                dist.rows += 1
                body = ev.text.rstrip("\r\n")
                ending = ev.text[len(body):]
                fields = body.split("\t")
                mine = {k: p for k, p in date_plans.items() if k[0] == ev.table}
                if mine:
                    cells = [v or "" for v in map(_copy_unescape, fields)]
                    before = list(cells)
                    _mark_dates_into(cells, mine, {k: k[1] for k in mine}, key, date_markers, date_cols)
                    for i, (a, b) in enumerate(zip(before, cells, strict=True)):
                        if a != b:
                            fields[i] = _copy_escape(b)
                anchor = _anchor([v or "" for v in map(_copy_unescape, fields)]) if markers else None
                for i, f in enumerate(fields):
                    plan = plans.get((ev.table, i))
                    value = _copy_unescape(f) if plan else None
                    if value is None or plan is None:
                        continue
                    holder = [value]
                    if (ev.table, i) in markers:
                        new = mark_number(plan, value, anchor, key, markers[(ev.table, i)], cols[(ev.table, i)])
                        holder[0] = value if new is None else new
                    else:
                        _mark_into(holder, 0, plan, key, cols[(ev.table, i)])
                    if holder[0] != value:
                        fields[i] = _copy_escape(holder[0])
                out.write("\t".join(fields) + ending)
            else:
                out.write(ev.text)
    for (table, c), col in date_cols.items():
        dist.columns[date_distortion_name(f"{table}.c{c + 1}", (table, c) in plans)] = col
    for (table, c), col in cols.items():
        dist.columns[f"{table}.c{c + 1}"] = col
    return dist


_EMBEDDERS: dict[str, Callable[..., Distortion]] = {
    "csv": _embed_csv, "xlsx": _embed_xlsx, "sql": _embed_sql}


def embed_file(in_path: str | os.PathLike[str], out_path: str | os.PathLike[str], key: bytes | MarkKey, *,
               fmt: str | None = None, numeric: bool = True,
               thresholds: tuple[nm.Threshold, ...] = nm.DEFAULT_THRESHOLDS,
               dates: dm.DatePolicy | None = dm.DEFAULT_POLICY, today: date | None = None) -> Distortion:
    """Watermark a CSV, XLSX or SQL dump into ``out_path`` (a new file; never the input). ``numeric``
    (default) also marks measurement columns by the parity of their last digit, never across one of the
    clinical ``thresholds``; ``dates`` (default :data:`date_mark.DEFAULT_POLICY`: one day at most, never a
    birth or death date; None: no date) the date columns its policy allows; ``today`` is the reference of the
    birth-like test (default: the clock)."""
    src, dst = Path(in_path), Path(out_path)
    key = as_mark_key(key)
    if len(key.code) < 16 or len(key.recipient) < 16:
        raise ValueError("watermark key must be at least 16 bytes")
    if dst.exists() and src.resolve() == dst.resolve():
        raise MarkIOError("the output must be a different file from the input")
    fmt = fmt or sniff_table_format(src)
    if fmt not in _EMBEDDERS:
        raise MarkIOError(f"unsupported table format {fmt!r} (expected one of {', '.join(FORMATS)})")
    tmp = dst.with_name(f".{dst.name}.partial")
    try:
        dist = _EMBEDDERS[fmt](src, tmp, key, numeric, tuple(thresholds), dates, today)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return dist


def read_tables(path: str | os.PathLike[str], *, fmt: str | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a CSV, XLSX or SQL dump, as text cells."""
    fmt = fmt or sniff_table_format(path)
    if fmt == "csv":
        return {"csv": read_csv(path)}
    if fmt == "xlsx":
        return read_xlsx(path)
    if fmt == "sql":
        return read_sql(path)
    raise MarkIOError(f"unsupported table format {fmt!r}")


def collect_file(path: str | os.PathLike[str], *, fmt: str | None = None) -> UnitCollector:
    """The carrier units of all tables of a file (to test keys, then accuse recipients, on one read)."""
    collector = UnitCollector()
    for df in read_tables(path, fmt=fmt).values():
        collector.add_table(df)
    return collector


def detect_file(path: str | os.PathLike[str], keys: Mapping[str, bytes | MarkKey], *, fmt: str | None = None
                ) -> list[TableMarkResult]:
    """Test every key against all tables of a file together (one vote per carrier unit)."""
    return collect_file(path, fmt=fmt).test(keys)
