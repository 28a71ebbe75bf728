"""Spreadsheet records (XLSX with openpyxl read-only, ODS with odfpy through pandas).

Locators are always ``sheet:NAME/row:N`` (even for a single sheet): N counts the non-empty data rows of the
sheet after its header row (the first non-empty row), 1-based. The ``table`` column holds the sheet name.
Cell values become text: dates ``yyyy-mm-dd`` (``yyyy-mm-dd HH:MM:SS`` when they carry a time), integral
numbers without ``.0``, numbers formatted ``000000000`` zero-padded to the width of the format, text as is
(cells typed as text keep their leading zeros).
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

MAX_ODS_BYTES = 64 * 2**20  # odfpy builds a DOM of the whole document: refuse bigger ones
_ZERO_FORMAT = re.compile(r"0+")


def cell_text(value: object, number_format: str | None = None) -> str | None:
    """Text of a spreadsheet cell value (see the module docstring)."""
    if value is None:
        return None
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


def parse_xlsx(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
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
    if blob.size > MAX_ODS_BYTES:
        raise RecordsError(f"ODS of {blob.size} bytes: over the {MAX_ODS_BYTES}-byte limit of the ODS reader")
    with blob.open() as fh:
        try:
            sheets = pd.read_excel(fh, sheet_name=None, header=None, dtype=object, engine="odf")
        except Exception as exc:  # odfpy raises anything from zipfile/xml errors on bad input
            raise RecordsError(f"not a readable ODS spreadsheet: {exc}") from exc
    for title, frame in sheets.items():
        cells = (
            [None if pd.isna(v) else cell_text(v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
             for v in row]
            for row in frame.itertuples(index=False, name=None)
        )
        yield from _sheet_frames(cells, str(title), vpath, batch_rows)
