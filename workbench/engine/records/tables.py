"""Turn a stream of table rows (header + rows of text) into record batches; shared by CSV, spreadsheets, SQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from workbench.engine.records.columns import PERSON_TARGETS, SAMPLE_LIMIT, map_columns
from workbench.engine.records.frame import tabular_frame

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
