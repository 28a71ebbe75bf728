"""The Arrow form of a records frame's columns, kept beside the frame by the parser that built it.

Records travel from the parsers to the beacon scanner and the shard writer as pandas frames of ``str``/``None``
objects (the beacon code reads them row-wise). Where the parser had a column in Arrow (a source column read by
pyarrow, a column all null or one constant), it keeps that form on the frame, and the shard writer takes it
instead of converting the objects back: ``pa.array`` over 20,000 Python objects costs 1-5 ms a column, 7% of a
worker's time on the PII-dense dump of ``benchmarks/throughput.py``.

Kept as a plain attribute of that one frame (not ``DataFrame.attrs``, which pandas deep-copies into every Series
and frame derived from it), never carried to a derived frame, and ignored when the column was replaced since.
A module of its own: the store reads it without importing the records package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

_ARROW_ATTR = "_balise_arrow_columns"


def keep_arrow(frame: Any, columns: Mapping[str, tuple[np.ndarray, pa.Array]]) -> None:
    """Remember, for each named column of ``frame``, its object values and the same values in Arrow."""
    object.__setattr__(frame, _ARROW_ATTR, dict(columns))


def arrow_column(frame: Any, name: str) -> pa.Array | None:
    """The kept Arrow form of a column, when the frame still holds the very values it was kept for."""
    kept = frame.__dict__.get(_ARROW_ATTR)
    if not kept or name not in kept:
        return None
    values, arrow = kept[name]
    current = frame[name].to_numpy()
    if (current.dtype != object or len(current) != len(values)
            or current.__array_interface__["data"][0] != values.__array_interface__["data"][0]):
        return None
    return arrow
