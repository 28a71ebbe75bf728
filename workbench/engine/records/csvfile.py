"""CSV/TSV records: pyarrow's streaming reader (fast path), the csv module when a file is irregular.

Locators are ``row:N``: N counts data rows (header excluded, blank lines skipped), 1-based, in file order.
A file whose first row is not a header (no known column name and data-like cells) is read headerless and its
source columns are named ``col1``, ``col2``...

pyarrow rejects ragged rows and bytes the declared encoding cannot decode; on the first such problem the
rows already yielded stay as they are and the csv module takes over from the next row (ragged rows are kept:
short rows padded with None, surplus cells in ``src.#extra``), so the count of rows is exact either way.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from workbench.engine.records import checks
from workbench.engine.records.columns import SAMPLE_LIMIT, is_known_header, map_columns
from workbench.engine.records.errors import RecordsError
from workbench.engine.records.frame import columns_frame, locator_array
from workbench.engine.records.tables import is_person_table, rows_to_frame, unique_headers

MAX_LINE_CHARS = 64 * 2**20  # one physical line; beyond it the file is refused, not read into memory
ARROW_BLOCK = 4 * 2**20
csv.field_size_limit(MAX_LINE_CHARS)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def text_encoding(head: bytes, declared: str | None) -> str:
    """The codec to read a text item with: BOM first, then the declared encoding, then UTF-8 or cp1252."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if declared:
        try:
            return codecs.lookup(declared).name
        except LookupError:
            pass
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) >= 4:  # a character cut by the end of the head
            return "utf-8"
        return "cp1252"


def sniff_delimiter(text: str) -> str:
    """The candidate that splits the first lines most consistently (quotes are ignored: good enough here)."""
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_score = ",", 0.0
    for candidate in (";", ",", "\t", "|"):
        counts = [line.count(candidate) for line in lines]
        if not counts or min(counts) == 0:
            continue
        score = min(counts) + (1.0 if len(set(counts)) == 1 else 0.0)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _looks_like_header(first: list[str]) -> bool:
    """A known column name, or distinct non-empty cells none of which looks like data (date, number, NIR, e-mail)."""
    if any(is_known_header(cell) for cell in first):
        return True
    cells = [c.strip() for c in first]
    if not cells or any(not c for c in cells) or len(set(cells)) != len(cells):
        return False
    for cell in cells:
        if "@" in cell or checks.norm_date(cell) or cell.replace(" ", "").isdigit() or checks.is_valid_nir(cell):
            return False
    return True


def _bounded_lines(text: io.TextIOBase) -> Iterator[str]:
    while True:
        line = text.readline(MAX_LINE_CHARS)
        if not line:
            return
        if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise RecordsError(f"CSV line longer than {MAX_LINE_CHARS} characters: refused")
        yield line


def _csv_rows(blob: Any, encoding: str, delimiter: str) -> Iterator[list[str]]:
    """Rows of the file with the csv module, blank lines skipped (undecodable bytes replaced, not fatal)."""
    with blob.open() as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        reader = csv.reader(_bounded_lines(text), delimiter=delimiter)
        try:
            for row in reader:
                if row:  # blank lines are skipped (as pyarrow does); a row of empty cells is a row
                    if row[0].startswith("\ufeff"):
                        row[0] = row[0].lstrip("\ufeff")
                    yield row
        except csv.Error as exc:
            raise RecordsError(f"CSV parse error near line {reader.line_num}: {exc}") from exc


@dataclass(frozen=True)
class CsvLayout:
    """How a CSV file is read: decided once from its start (codec, delimiter, header, column mapping).

    A file split into byte ranges (``workbench.engine.text_split``) hands the layout of the whole file to
    every range, so that each range is read as the whole file would be."""

    encoding: str
    delimiter: str
    has_header: bool
    headers: tuple[str, ...]
    mapping: tuple[tuple[str, str], ...]  # common field -> source header (``map_columns``)
    arrow: bool  # the first row is as wide as the widest sampled row: pyarrow's reader first

    @property
    def describes_people(self) -> bool:
        return is_person_table(dict(self.mapping))


def csv_layout(blob: Any, info: Any) -> CsvLayout | None:
    """The layout of the CSV ``blob`` (from its head and its first ``SAMPLE_LIMIT`` rows); None without rows."""
    head = blob.head(65536)
    encoding = text_encoding(head, getattr(info, "encoding", None))
    head_text = head.decode(encoding, errors="replace")
    delimiter = getattr(info, "delimiter", None) or sniff_delimiter(head_text)
    if getattr(info, "format", None) == "tsv" and not getattr(info, "delimiter", None):
        delimiter = "\t"
    first_rows = list(itertools.islice(_csv_rows(blob, encoding, delimiter), SAMPLE_LIMIT + 1))
    if not first_rows:
        return None
    has_header = _looks_like_header(first_rows[0])
    sample = first_rows[1:] if has_header else first_rows
    width = max(len(r) for r in first_rows)
    headers = unique_headers(first_rows[0] if has_header else [], width)
    mapping = map_columns(headers, sample)
    return CsvLayout(encoding, delimiter, has_header, tuple(headers), tuple(mapping.items()),
                     width == len(first_rows[0]))


def first_rows(blob: Any, encoding: str, delimiter: str, n: int) -> list[list[str]]:
    """The first ``n`` rows of ``blob`` (blank lines skipped), as the parser reads them."""
    return list(itertools.islice(_csv_rows(blob, encoding, delimiter), n))


def parse_csv(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    layout = csv_layout(blob, info)
    if layout is None or not layout.describes_people:
        return
    yield from csv_frames(blob, layout, vpath, batch_rows=batch_rows)


def csv_frames(blob: Any, layout: CsvLayout, vpath: str, *, batch_rows: int, first_row: int = 1,
               header: bool | None = None) -> Iterator[pd.DataFrame]:
    """Record batches of ``blob`` read with ``layout``; its data rows are numbered from ``first_row``.
    ``header``: whether ``blob`` starts with the header row (default: the layout's; a later range: False)."""
    encoding, delimiter, headers = layout.encoding, layout.delimiter, list(layout.headers)
    mapping = dict(layout.mapping)
    has_header = layout.has_header if header is None else header
    done = 0
    if layout.arrow:
        arrow = _arrow_frames(blob, encoding, delimiter, has_header, headers, mapping, vpath, batch_rows,
                              first_row=first_row)
        while True:
            try:
                frame = next(arrow)
            except StopIteration:
                return
            except (pa.ArrowInvalid, UnicodeError, ValueError):
                break  # irregular from here on: the csv module goes on after the rows already yielded
            done += len(frame)
            yield frame
    rows = _csv_rows(blob, encoding, delimiter)
    skip = done + (1 if has_header else 0)
    batch: list[list[str]] = []
    number = first_row + done
    for row in itertools.islice(rows, skip, None):
        batch.append(row)
        if len(batch) >= batch_rows:
            yield rows_to_frame(headers, batch, mapping, item=vpath, table=None, extra_sep=delimiter,
                                locators=[f"row:{k}" for k in range(number, number + len(batch))])
            number += len(batch)
            batch = []
    if batch:
        yield rows_to_frame(headers, batch, mapping, item=vpath, table=None, extra_sep=delimiter,
                            locators=[f"row:{k}" for k in range(number, number + len(batch))])


def _arrow_frames(
    blob: Any, encoding: str, delimiter: str, has_header: bool, headers: list[str],
    mapping: dict[str, str], vpath: str, batch_rows: int, *, first_row: int = 1,
) -> Iterator[pd.DataFrame]:
    names = [f"c{i}" for i in range(len(headers))]

    def reject(_row: Any) -> str:
        return "error"

    read = pacsv.ReadOptions(
        use_threads=False, block_size=ARROW_BLOCK, column_names=names, skip_rows=0,
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
    )
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=reject)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False,
    )
    number = first_row
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    header_left = has_header
    with blob.open() as raw:
        reader = pacsv.open_csv(raw, read_options=read, parse_options=parse, convert_options=convert)
        for record_batch in itertools.chain(reader, [None]):
            if record_batch is not None:
                if header_left and record_batch.num_rows:
                    record_batch = record_batch.slice(1)
                    header_left = False
                pending.append(record_batch)
                pending_rows += record_batch.num_rows
                if pending_rows < batch_rows:
                    continue
            if not pending_rows:
                return
            table = pa.Table.from_batches(pending)
            offset = 0
            while table.num_rows - offset >= batch_rows or (record_batch is None and offset < table.num_rows):
                part = table.slice(offset, batch_rows)
                offset += part.num_rows
                yield columns_frame(dict(zip(headers, part.columns, strict=True)), mapping, item=vpath, table=None,
                                    locators=locator_array("row:", number, part.num_rows))
                number += part.num_rows
            rest = table.slice(offset)
            pending = rest.to_batches() if rest.num_rows else []
            pending_rows = rest.num_rows
            if record_batch is None:
                return

