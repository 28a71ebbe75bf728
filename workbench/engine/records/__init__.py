"""Records: the people an item describes, parsed into pandas DataFrames with a common schema.

``parse(kind, blob, info, vpath)`` yields batches (at most ``batch_rows`` rows each) whose columns are
``COMMON_COLUMNS`` followed by the item's own columns prefixed ``src.`` (original header names; XLSX/CSV
repeated names get ``#2``, ``#3``; headerless CSV columns are ``col1``...). Every value is ``str`` or ``None``
(object dtype): identifiers keep their leading zeros. ``birth_date``/``event_*`` are ``yyyy-mm-dd`` when the
source value parses (the raw value stays in its ``src.`` column), ``sex`` is ``M``/``F``/``U``,
``categories`` lists the data categories of the record among ``CATEGORIES``.

Locators, 1-based in file order:
  - CSV/TSV ``row:N`` (data rows, header excluded, blank lines skipped);
  - XLSX/XLSM/XLSB/XLS/ODS ``sheet:NAME/row:N`` always (non-empty rows after the sheet's header row);
  - SQL dumps ``table:NAME/row:N`` (N counts the rows of that table across its INSERT/COPY statements);
    SQLite database files ``table:NAME/row:N`` too;
  - HL7 v2 ``msg:N`` (every message counts, records only for messages with a PID);
  - FHIR Bundle ``entry:N``, NDJSON ``line:N``, a single resource ``file``; DICOM ``file``.

Tables (CSV, sheets, SQL tables) with no column that maps to a personal field (see ``columns.py``) yield no
records: a lookup table of diagnosis codes or of settings is not a list of people.
Corrupt input raises ``RecordsError`` (the pipeline records it, stage ``records``), after the batches that
could be read were yielded. A lost part (a malformed SQL row, which keeps its number: the rows after it keep
theirs) or a format recognised but not read (a pg_dump custom archive) is a ``RecordNote`` put in ``notes``
(at most ``MAX_NOTES`` per item, then one note counting the rest): the scan records each as a finding.
"""

from __future__ import annotations

import codecs
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from workbench.engine.kind_traits import traits
from workbench.engine.records.columns import map_columns, sources
from workbench.engine.records.csvfile import csv_frames, parse_csv, text_encoding
from workbench.engine.records.dicom import parse_dicom
from workbench.engine.records.errors import RecordNote, RecordsError
from workbench.engine.records.fhir import parse_fhir_json, parse_fhir_ndjson
from workbench.engine.records.frame import CATEGORIES, COMMON_COLUMNS, SRC_PREFIX
from workbench.engine.records.hl7 import parse_hl7
from workbench.engine.records.patients import PatientCounter, count_patients
from workbench.engine.records.pgarchive import parse_pg_archive
from workbench.engine.records.sheets import parse_ods, parse_xls, parse_xlsx
from workbench.engine.records.sqldump import SkippedRow, SqlTable, detect_dialect, iter_sql_tables
from workbench.engine.records.sqlitedb import parse_sqlite
from workbench.engine.records.tables import block_records

__all__ = [
    "CATEGORIES", "COMMON_COLUMNS", "KINDS", "SRC_PREFIX", "PatientCounter", "RecordNote", "RecordsError", "SqlTable",
    "count_patients", "iter_sql_tables", "map_columns", "parse", "sources",
]

DEFAULT_BATCH_ROWS = 50_000
MAX_NOTES = 100  # per item: a dump of a million broken rows gives 100 findings and one count, not a million


def parse_sql(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame | RecordNote]:
    """Records of every table of a SQL dump that holds personal columns; a note per malformed row."""
    encoding = text_encoding(blob.head(65536), getattr(info, "encoding", None))
    dialect = sql_dialect(blob.head(65536), info, encoding)
    with blob.open() as fh:
        yield from _sql_records(fh, dialect, encoding, vpath, batch_rows, defaultdict(int))


def sql_dialect(head: bytes, info: Any, encoding: str) -> str:
    """The dialect ``parse_sql`` reads a dump with: the sniffed one, else detected from its first 64 KiB."""
    dialect = getattr(info, "format", None)
    if dialect not in ("mysql", "postgresql", "sqlite"):
        dialect = detect_dialect(head.decode(encoding, errors="replace"))
    return dialect


def _sql_records(fh: Any, dialect: str, encoding: str, vpath: str, batch_rows: int, counters: dict[str, int], *,
                 created: dict[str, list[str]] | None = None,
                 preset: tuple[str, list[str], dict[str, str]] | None = None) -> Iterator[pd.DataFrame | RecordNote]:
    """``counters``: rows of each table so far, lost ones included (updated). ``created`` and ``preset`` (the
    first run's table, column names and mapping): a range of a split dump starting mid-file (sql_split)."""
    for table in iter_sql_tables(fh, dialect, encoding=encoding, created=created):
        name = table.name
        blocks = iter(table.blocks if table.blocks is not None else [list(table.rows)])
        layout = None
        if preset is not None:
            if preset[0] != name:
                raise RecordsError(f"split SQL range: table {name!r} where {preset[0]!r} was planned")
            layout, preset = (preset[1], preset[2]), None
        while True:
            lost: list[SkippedRow] = []
            first = counters[name] + 1
            yield from block_records(
                table.columns, _until_skipped(blocks, lost, counters, name), item=vpath, table=name,
                locator_prefix=f"table:{name}/row:", batch_rows=batch_rows, first_number=first, preset=layout,
            )
            layout = None
            if not lost:
                break
            counters[name] += 1
            yield RecordNote("row-skipped", f"table:{name}/row:{counters[name]}", lost[0].reason)


def _until_skipped(blocks: Iterator[Any], lost: list[SkippedRow], counters: dict[str, int], name: str) -> Iterator[Any]:
    """The blocks up to the next skipped row (put in ``lost``), counting the rows of the table on the way."""
    for block in blocks:
        if isinstance(block, SkippedRow):
            lost.append(block)
            return
        counters[name] += block.num_rows if hasattr(block, "num_rows") else len(block)
        yield block


# One parser per kind marked ``has_records`` in ``kind_traits`` and no other (tests check it): the walker hands
# the records stage exactly those kinds. TSV is kind ``csv`` (format ``tsv``), as ``kinds.sniff`` types it.
KINDS: dict[str, Callable[..., Iterator[pd.DataFrame]]] = {
    "csv": parse_csv,
    "xlsx": parse_xlsx,
    "ods": parse_ods,
    "xls": parse_xls,
    "sql-dump": parse_sql,
    "sqlite": parse_sqlite,
    "pg-archive": parse_pg_archive,
    "hl7v2": parse_hl7,
    "fhir-json": parse_fhir_json,
    "fhir-ndjson": parse_fhir_ndjson,
    "dicom": parse_dicom,
}


def parse(kind: str, blob: Any, info: Any, vpath: str, *, batch_rows: int = DEFAULT_BATCH_ROWS,
          notes: list[RecordNote] | None = None) -> Iterator[pd.DataFrame]:
    """Record batches of one item (see the module docstring); nothing for kinds that hold no records.

    ``blob`` needs ``open()`` (a fresh seekable binary reader), ``head(n)`` and ``size``; ``info`` is a
    ``KindInfo`` or any object with its attributes (``encoding``, ``delimiter``, ``format`` are used).
    ``notes`` receives the parts lost and the formats not read (dropped when None).
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    parser = KINDS.get(kind) if traits(kind).has_records else None
    if parser is None:
        return iter(())
    encoding = getattr(info, "encoding", None)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise RecordsError(f"unknown text encoding {encoding!r}") from exc
    return _guarded(parser(blob, info, vpath, batch_rows=batch_rows), kind, notes if notes is not None else [])


def parse_range(kind: str, blob: Any, layout: Any, vpath: str, *, first_row: int, header: bool,
                batch_rows: int = DEFAULT_BATCH_ROWS, notes: list[RecordNote] | None = None) -> Iterator[pd.DataFrame]:
    """Record batches of one byte range of a split file (``text_split``), read with the whole file's ``layout``;
    its rows are numbered from ``first_row`` (global locators); ``header``: the range starts with the header.
    A SQL dump's range (``sql_split.SqlRange`` as ``layout``): its rows numbered from the rows of each table
    before it, its first run of rows read with the column mapping the whole file's parse sampled."""
    if kind == "sql-dump":
        return _guarded(_sql_range_records(blob, layout, vpath, batch_rows), kind, notes if notes is not None else [])
    if kind != "csv":
        raise ValueError(f"no range parser for {kind!r}")
    if not layout.describes_people:
        return iter(())
    frames = csv_frames(blob, layout, vpath, batch_rows=batch_rows, first_row=first_row, header=header)
    return _guarded(frames, kind, notes if notes is not None else [])


def _sql_range_records(blob: Any, layout: Any, vpath: str, batch_rows: int) -> Iterator[pd.DataFrame | RecordNote]:
    """A pg_dump range starts and ends inside a COPY block: the block's header line is read before it (``lead``)
    and its end line after it (``tail``), so that the reader meets whole statements (pg_split)."""
    with blob.open() as fh:
        if layout.lead or layout.tail:
            codec = "utf-8" if layout.encoding == "utf-8-sig" else layout.encoding  # no second BOM
            fh = io.BufferedReader(_Joined([io.BytesIO(layout.lead.encode(codec)), fh,
                                            io.BytesIO(layout.tail.encode(codec))]))
        yield from _sql_records(fh, layout.dialect, layout.encoding, vpath, batch_rows,
                                defaultdict(int, dict(layout.counters)),
                                created={name: list(cols) for name, cols in layout.created}, preset=layout.preset_args())


class _Joined(io.RawIOBase):
    """Streams read one after the other as one (a range between its COPY header and end lines)."""

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self.parts:
            data = self.parts[0].read(len(buffer))
            if data:
                buffer[:len(data)] = data
                return len(data)
            self.parts.pop(0)
        return 0


def _guarded(frames: Iterator[Any], kind: str, notes: list[RecordNote]) -> Iterator[pd.DataFrame]:
    """Frames only (notes go to ``notes``, bounded); decoding slips (a codec error deep in a reader) become
    RecordsError with the kind named."""
    over = 0
    try:
        for frame in frames:
            if not isinstance(frame, RecordNote):
                yield frame
            elif len(notes) < MAX_NOTES:
                notes.append(frame)
            else:
                over += 1
    except RecordsError:
        raise
    except (UnicodeError, EOFError) as exc:
        raise RecordsError(f"{kind}: {type(exc).__name__}: {exc}") from exc
    finally:
        if over:
            notes.append(RecordNote(notes[-1].rule, "file", f"{over} more like these not listed"))
