"""Spreadsheet records: XLSX, XLSM, XLSB, XLS and ODS read by python-calamine (Rust), openpyxl where needed.

calamine reads a 200,000 x 10 XLSX about 13x faster than openpyxl's read-only mode (records of a 9.8 MB sheet:
5.2 s of CPU against 71 s; see tests/engine/records/test_records_sheets_calamine.py), and it also reads the
binary formats (XLS, XLSB) and ODS without building a DOM. It does not apply number formats, so a workbook
whose styles declare a zero-padding format (``000000000``: a NIR, a FINESS or a phone number stored as a
number) is read by openpyxl, which gives each cell its format and restores the leading zeros.
calamine holds one sheet at a time in memory (its cells, about 40 bytes each, plus their text): a sheet part
over ``MAX_CALAMINE_PART_BYTES`` uncompressed (as its zip entry declares) goes to openpyxl's streaming reader
(XLSX, XLSM) or is refused (XLSB, ODS: calamine reads ``content.xml`` whole); an XLS over that size is refused.

Locators are always ``sheet:NAME/row:N`` (even for a single sheet): N counts the non-empty data rows of the
sheet after its header row (the first non-empty row), 1-based. The ``table`` column holds the sheet name.
Cell values become text: dates ``yyyy-mm-dd`` (``yyyy-mm-dd HH:MM:SS`` when they carry a time), integral
numbers without ``.0``, numbers formatted ``000000000`` zero-padded to the width of the format, text as is
(cells typed as text keep their leading zeros); an empty cell is None.
"""

from __future__ import annotations

import datetime as _dt
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pandas as pd

from workbench.engine.records.errors import RecordsError
from workbench.engine.records.tables import table_records
from workbench.engine.records.zipguard import XmlBombError, load_workbook_guarded

MAX_STYLES_BYTES = 16 * 2**20  # xl/styles.xml read to look for zero-padding formats
MAX_CALAMINE_PART_BYTES = 256 * 2**20  # about 2.5 million rows of 10 cells: a few hundred MB in calamine
_ZERO_FORMAT = re.compile(r"0+")
_ZERO_FORMAT_CODE = re.compile(rb'formatCode="(?:&quot;|")?0{2,}(?:&quot;|")?"')


def cell_text(value: object, number_format: str | None = None) -> str | None:
    """Text of a spreadsheet cell value (see the module docstring)."""
    if value is None:
        return None
    if value.__class__ is float and not number_format and value.is_integer() and abs(value) < 1e18:
        return str(int(value))  # the commonest number cell first (calamine gives XLSX numbers as floats)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return repr(value)
        text = str(int(value))
        if number_format and _ZERO_FORMAT.fullmatch(number_format):
            text = text.zfill(len(number_format))
        return text
    return str(value)


def _non_empty(row: list[str | None]) -> bool:
    return any(v is not None and v != "" for v in row)


def _sheet_rows(rows: Iterator[list[str | None]]) -> tuple[list[str | None] | None, Iterator[list[str | None]]]:
    for row in rows:
        if _non_empty(row):
            return row, (r for r in rows if _non_empty(r))
    return None, iter(())


def _zero_padded_formats(fh: Any) -> bool:
    """True when an OOXML workbook declares a zero-padding number format (then openpyxl reads it)."""
    try:
        with zipfile.ZipFile(fh) as zf:
            info = zf.getinfo("xl/styles.xml")
            if info.file_size > MAX_STYLES_BYTES:
                return False
            return _ZERO_FORMAT_CODE.search(zf.read(info)) is not None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, RuntimeError):
        return False  # not a zip (XLSB parts are binary: no styles.xml), or no styles: calamine decides


def _largest_part(fh: Any, prefixes: tuple[str, ...]) -> int:
    """The largest declared uncompressed size of the zip entries under ``prefixes`` (0 when not a zip)."""
    try:
        with zipfile.ZipFile(fh) as zf:
            return max((i.file_size for i in zf.infolist() if i.filename.startswith(prefixes)), default=0)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        return 0


def parse_xlsx(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    """XLSX/XLSM/XLSB: calamine, or openpyxl when number formats must restore leading zeros or a sheet is huge."""
    with blob.open() as fh:
        padded = _zero_padded_formats(fh)
        fh.seek(0)
        largest = _largest_part(fh, ("xl/worksheets/",))
    binary = blob.head(65536).find(b"xl/workbook.bin") != -1
    if largest > MAX_CALAMINE_PART_BYTES and binary:
        raise RecordsError(f"XLSB sheet of {largest} bytes: over the {MAX_CALAMINE_PART_BYTES}-byte limit")
    if (padded or largest > MAX_CALAMINE_PART_BYTES) and not binary:
        yield from _parse_openpyxl(blob, vpath, batch_rows)
    else:
        yield from parse_calamine(blob, info, vpath, batch_rows=batch_rows)


def parse_calamine(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    """Every worksheet of a workbook calamine reads (XLSX, XLSM, XLSB, XLS, ODS), one sheet in memory at a time."""
    import python_calamine

    with blob.open() as fh:
        try:
            workbook = python_calamine.CalamineWorkbook.from_filelike(fh)
        except Exception as exc:  # calamine raises its own errors (zip, xml, cfb, password) and ValueError
            raise RecordsError(f"not a readable spreadsheet: {type(exc).__name__}: {exc}") from exc
        try:
            for meta in workbook.sheets_metadata:
                if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue  # chart, dialog and macro sheets hold no table
                try:
                    sheet = workbook.get_sheet_by_name(meta.name)
                    rows = sheet.iter_rows()  # Python objects made one row at a time
                except Exception as exc:
                    raise RecordsError(f"sheet {meta.name!r} unreadable: {type(exc).__name__}: {exc}") from exc
                cells = ([(v or None) if v.__class__ is str else cell_text(v) for v in row] for row in rows)
                yield from _sheet_frames(cells, meta.name, vpath, batch_rows)
                del rows, sheet
        finally:
            workbook.close()


def _parse_openpyxl(blob: Any, vpath: str, batch_rows: int) -> Iterator[pd.DataFrame]:

    with blob.open() as fh:
        try:
            workbook = load_workbook_guarded(fh, read_only=True, data_only=True, keep_links=False)
        except XmlBombError as exc:
            raise RecordsError(f"{exc.rule}: {exc}") from exc
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
            raise RecordsError(f"not a readable XLSX workbook: {exc}") from exc
        try:
            for sheet in workbook.worksheets:
                if not hasattr(sheet, "iter_rows"):
                    continue  # chartsheets
                sheet.reset_dimensions()  # do not trust the stored dimension: read every row there is
                cells = (
                    [cell_text(c.value, getattr(c, "number_format", None)) for c in row]
                    for row in sheet.iter_rows()
                )
                yield from _sheet_frames(cells, sheet.title, vpath, batch_rows)
        except XmlBombError as exc:
            raise RecordsError(f"{exc.rule}: {exc}") from exc
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, zipfile.LargeZipFile) as exc:
            raise RecordsError(f"corrupt XLSX workbook: {exc}") from exc
        finally:
            workbook.close()


def _sheet_frames(
    cells: Iterator[list[str | None]], title: str, vpath: str, batch_rows: int
) -> Iterator[pd.DataFrame]:
    header, rows = _sheet_rows(cells)
    if header is None:
        return
    yield from table_records(
        header, rows, item=vpath, table=title, locator_prefix=f"sheet:{title}/row:", batch_rows=batch_rows
    )


def parse_ods(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    """ODS (LibreOffice, OpenOffice): calamine."""
    with blob.open() as fh:
        largest = _largest_part(fh, ("content.xml",))
    if largest > MAX_CALAMINE_PART_BYTES:
        raise RecordsError(f"ODS content of {largest} bytes: over the {MAX_CALAMINE_PART_BYTES}-byte limit")
    yield from parse_calamine(blob, info, vpath, batch_rows=batch_rows)


def parse_xls(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    """XLS (Excel 97-2003, BIFF8 in an OLE2 compound file): calamine (at most 65,536 rows a sheet)."""
    if blob.size > MAX_CALAMINE_PART_BYTES:
        raise RecordsError(f"XLS of {blob.size} bytes: over the {MAX_CALAMINE_PART_BYTES}-byte limit")
    yield from parse_calamine(blob, info, vpath, batch_rows=batch_rows)
