"""Turn a stream of table rows (header + rows of text) into record batches; shared by CSV, spreadsheets, SQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.engine.records.columns import PERSON_TARGETS, SAMPLE_LIMIT, map_columns
from workbench.engine.records.frame import columns_frame, locator_array, tabular_frame
from workbench.engine.records.sqldump import Block

EXTRA_COLUMN = "#extra"


def unique_headers(headers: Sequence[object], width: int | None = None) -> list[str]:
    """Header names made usable as column names: empty ones become ``colN``, repeats ``name#2``..."""
    width = max(width or 0, len(headers))
    out: list[str] = []
    seen: set[str] = set()
    for index in range(width):
        raw = headers[index] if index < len(headers) else None
        name = "" if raw is None else str(raw).strip().lstrip("\ufeff")
        if not name:
            name = f"col{index + 1}"
        candidate, count = name, 1
        while candidate in seen:
            count += 1
            candidate = f"{name}#{count}"
        seen.add(candidate)
        out.append(candidate)
    return out


def is_person_table(mapping: dict[str, str]) -> bool:
    """A table describes people when one of its columns maps to a personal field."""
    return any(target in mapping for target in PERSON_TARGETS)


def rows_to_frame(
    headers: list[str], rows: Sequence[Sequence[str | None]], mapping: dict[str, str], *,
    item: str, locators: list[str], table: str | None, extra_sep: str = ",",
) -> pd.DataFrame:
    """One batch of rows (ragged rows are padded with None; surplus cells go to ``src.#extra``)."""
    width = len(headers)
    columns: dict[str, np.ndarray] = {}
    n = len(rows)
    if all(len(row) == width for row in rows):
        for name, values in zip(headers, zip(*rows, strict=True), strict=True):
            array = np.empty(n, dtype=object)
            array[:] = values
            columns[name] = array
    else:
        for index, name in enumerate(headers):
            columns[name] = np.fromiter(
                (row[index] if index < len(row) else None for row in rows), dtype=object, count=n
            )
    if any(len(row) > width for row in rows):
        columns[EXTRA_COLUMN] = np.fromiter(
            (extra_sep.join("" if v is None else v for v in row[width:]) if len(row) > width else None
             for row in rows), dtype=object, count=n,
        )
    src = pd.DataFrame(columns, columns=list(columns), dtype=object)
    return tabular_frame(src, mapping, item=item, locators=locators, table=table)


def table_records(
    headers: Sequence[object],
    rows: Iterable[Sequence[str | None]],
    *,
    item: str,
    table: str | None,
    locator_prefix: str,
    batch_rows: int,
    first_number: int = 1,
    extra_sep: str = ",",
) -> Iterator[pd.DataFrame]:
    """Record batches of one table; nothing when no column maps to a personal field.

    Rows are numbered from ``first_number`` (``locator_prefix`` + number).
    """
    iterator = iter(rows)
    sample = list(itertools.islice(iterator, SAMPLE_LIMIT))
    width = max([len(headers)] + [len(r) for r in sample]) if sample else len(headers)
    names = unique_headers(headers, width)
    mapping = map_columns(names, sample)
    if not is_person_table(mapping):
        for _ in iterator:  # drain: a streaming source must move past this table
            pass
        return
    number = first_number
    batch: list[Sequence[str | None]] = []
    for row in itertools.chain(sample, iterator):
        batch.append(row)
        if len(batch) >= batch_rows:
            yield rows_to_frame(names, batch, mapping, item=item, table=table, extra_sep=extra_sep,
                                locators=[f"{locator_prefix}{k}" for k in range(number, number + len(batch))])
            number += len(batch)
            batch = []
    if batch:
        yield rows_to_frame(names, batch, mapping, item=item, table=table, extra_sep=extra_sep,
                            locators=[f"{locator_prefix}{k}" for k in range(number, number + len(batch))])


def _head_rows(block: Block, n: int) -> list[list[str | None]]:
    if isinstance(block, pa.Table):
        block = block.slice(0, n)
        return [list(row) for row in zip(*(c.to_pylist() for c in block.columns), strict=True)]
    return list(block[:n])


def _piece_columns(piece: Block, width: int, extra: bool, extra_sep: str) -> list[np.ndarray | pa.ChunkedArray]:
    """Columns of one piece of a batch (``width`` of them, plus ``#extra`` when ``extra``)."""
    if isinstance(piece, pa.Table):
        columns: list[np.ndarray | pa.ChunkedArray] = list(piece.columns)
        if extra:
            columns.append(np.full(piece.num_rows, None, dtype=object))
        return columns
    n = len(piece)
    if all(len(row) == width for row in piece):
        columns = []
        for values in zip(*piece, strict=True):
            array = np.empty(n, dtype=object)
            array[:] = values
            columns.append(array)
        if not columns:
            columns = [np.empty(n, dtype=object) for _ in range(width)]
    else:
        columns = [np.fromiter((row[i] if i < len(row) else None for row in piece), dtype=object, count=n)
                   for i in range(width)]
    if extra:
        columns.append(np.fromiter(
            (extra_sep.join("" if v is None else v for v in row[width:]) if len(row) > width else None
             for row in piece), dtype=object, count=n))
    return columns


def _pieces_frame(
    pieces: list[Block], names: list[str], mapping: dict[str, str], *, item: str, table: str | None,
    locators: list[str], extra_sep: str,
) -> pd.DataFrame:
    """One batch from its pieces, as ``rows_to_frame`` would make it from the same rows."""
    width = len(names)
    extra = any(not isinstance(p, pa.Table) and any(len(row) > width for row in p) for p in pieces)
    parts = [_piece_columns(p, width, extra, extra_sep) for p in pieces]
    headers = names + [EXTRA_COLUMN] if extra else names
    columns: dict[str, np.ndarray | pa.ChunkedArray] = {}
    for index, name in enumerate(headers):
        chunks = [part[index] for part in parts]
        if all(isinstance(c, pa.ChunkedArray) for c in chunks):
            columns[name] = pa.chunked_array([a for c in chunks for a in c.chunks], type=pa.string())
        else:
            columns[name] = np.concatenate([
                c.to_numpy() if isinstance(c, pa.ChunkedArray) else c for c in chunks
            ]) if len(chunks) > 1 else (chunks[0].to_numpy() if isinstance(chunks[0], pa.ChunkedArray) else chunks[0])
    return columns_frame(columns, mapping, item=item, locators=locators, table=table)


def sample_layout(headers: Sequence[object], blocks: Iterator[Block]) -> tuple[list[str], dict[str, str], list[Block]]:
    """Column names and mapping of a table from its first ``SAMPLE_LIMIT`` rows; the blocks read for it."""
    held: list[Block] = []
    sample: list[list[str | None]] = []
    for block in blocks:
        held.append(block)
        sample.extend(_head_rows(block, SAMPLE_LIMIT - len(sample)))
        if len(sample) >= SAMPLE_LIMIT:
            break
    width = max([len(headers)] + [len(r) for r in sample]) if sample else len(headers)
    names = unique_headers(headers, width)
    return names, map_columns(names, sample), held


def block_records(
    headers: Sequence[object],
    blocks: Iterable[Block],
    *,
    item: str,
    table: str | None,
    locator_prefix: str,
    batch_rows: int,
    first_number: int = 1,
    extra_sep: str = ",",
    preset: tuple[list[str], dict[str, str]] | None = None,
) -> Iterator[pd.DataFrame]:
    """``table_records`` over blocks of rows (lists of rows or Arrow tables): the same batches, built by column.
    ``preset``: the column names and mapping to use instead of sampling the first rows (a range of a split SQL
    dump that starts inside a run of a table's rows gets those the whole file's parse sampled, ``sql_split``)."""
    iterator = iter(blocks)
    held: list[Block] = []
    if preset is None:
        names, mapping, held = sample_layout(headers, iterator)
    else:
        names, mapping = list(preset[0]), dict(preset[1])
    width = len(names)
    if not is_person_table(mapping):
        for _ in iterator:  # drain: a streaming source must move past this table
            pass
        return
    number = first_number
    pieces: list[Block] = []
    count = 0
    for block in itertools.chain(held, iterator):
        if isinstance(block, pa.Table) and block.num_columns != width:
            block = _head_rows(block, block.num_rows)  # ragged against the header: the row way
        offset, size = 0, len(block) if not isinstance(block, pa.Table) else block.num_rows
        while offset < size:
            take = min(batch_rows - count, size - offset)
            pieces.append(block.slice(offset, take) if isinstance(block, pa.Table) else block[offset:offset + take])
            offset += take
            count += take
            if count >= batch_rows:
                yield _pieces_frame(pieces, names, mapping, item=item, table=table, extra_sep=extra_sep,
                                    locators=locator_array(locator_prefix, number, count))
                number += count
                pieces, count = [], 0
    if count:
        yield _pieces_frame(pieces, names, mapping, item=item, table=table, extra_sep=extra_sep,
                            locators=locator_array(locator_prefix, number, count))
