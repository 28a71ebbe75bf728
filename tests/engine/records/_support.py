"""Helpers of the record parser tests: a blob over bytes and a KindInfo-like object."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from workbench.engine.blob import Blob
from workbench.engine.records import COMMON_COLUMNS, parse


def info(kind: str, *, encoding: str | None = None, delimiter: str | None = None, fmt: str | None = None):
    return SimpleNamespace(kind=kind, format=fmt, encoding=encoding, delimiter=delimiter)


def records(kind: str, data: bytes, *, batch_rows: int = 50_000, **kw) -> pd.DataFrame:
    """All the record batches of ``data`` concatenated (checks the schema of every batch on the way)."""
    frames = list(parse(kind, Blob.from_bytes(data), info(kind, **kw), "dump.zip!/item", batch_rows=batch_rows))
    for frame in frames:
        assert list(frame.columns[: len(COMMON_COLUMNS)]) == COMMON_COLUMNS
        assert all(c.startswith("src.") for c in frame.columns[len(COMMON_COLUMNS):])
        assert all(frame[c].dtype == object for c in frame.columns)
        for column in frame.columns:
            assert all(v is None or isinstance(v, str) for v in frame[column]), column
    if not frames:
        return pd.DataFrame(columns=COMMON_COLUMNS)
    return pd.concat(frames, ignore_index=True)
