"""Count unique patients across record batches: by NIR, else by family name + given name + birth date.

A person seen once with a NIR and once without (same names and birth date) counts once: names + birth date
keys of records that carried a NIR are remembered apart and not counted again. Keys are kept as 64-bit
SipHash digests (pandas' hash_array), so memory grows with the number of people (about 100 bytes each), not of records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.engine.records import checks


def _hashes(keys: np.ndarray) -> list[int]:
    """Deterministic 64-bit hashes of str keys (pandas' SipHash with its fixed key: stable across processes)."""
    return pd.util.hash_array(np.asarray(keys, dtype=object), categorize=False).tolist()


def _mapped(values: np.ndarray, fn: Callable[[object], str]) -> np.ndarray:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = [fn(u) for u in uniques]
    table[-1] = ""
    return table[codes]


class PatientCounter:
    """Incremental count of unique patients: ``add(frame)`` for each batch, then ``count``."""

    def __init__(self) -> None:
        self._nirs: set[int] = set()
        self._names_with_nir: set[int] = set()
        self._names_only: set[int] = set()

    def add(self, frame: pd.DataFrame) -> None:
        """Add the records of one batch (a DataFrame with the common columns)."""
        n = len(frame)
        if not n:
            return

        def column(name: str) -> np.ndarray:
            if name not in frame.columns:
                return np.full(n, None, dtype=object)
            return frame[name].to_numpy(dtype=object)

        nir = _mapped(column("nir"), lambda v: checks.clean_nir(v) if isinstance(v, str) else "")
        family = _mapped(np.where(pd.isna(column("family_name")), column("birth_name"), column("family_name")),
                         checks.name_key)
        given = _mapped(column("given_name"), checks.name_key)
        born = column("birth_date")
        has_nir = nir != ""
        has_name = (family != "") & (given != "") & pd.notna(born) & (born != "")
        if has_nir.any():
            self._nirs.update(_hashes(nir[has_nir]))
        both = has_nir & has_name
        alone = ~has_nir & has_name
        if both.any() or alone.any():
            keys = family + "|" + given + "|" + np.where(has_name, born, "")
            if both.any():
                self._names_with_nir.update(_hashes(keys[both]))
            if alone.any():
                self._names_only.update(_hashes(keys[alone]))

    def add_row(self, row: Mapping[str, Any]) -> None:
        """Add one record given as a mapping of common fields (slow: prefer ``add`` with a batch)."""
        self.add(_rows_frame([row]))

    @property
    def count(self) -> int:
        return len(self._nirs) + len(self._names_only - self._names_with_nir)


def count_patients(frames_or_rows: pd.DataFrame | Iterable[pd.DataFrame] | Iterable[Mapping[str, Any]]) -> int:
    """Unique patients in a DataFrame, an iterable of DataFrames, or an iterable of row mappings."""
    counter = PatientCounter()
    if isinstance(frames_or_rows, pd.DataFrame):
        counter.add(frames_or_rows)
        return counter.count
    rows: list[Mapping[str, Any]] = []
    for part in frames_or_rows:
        if isinstance(part, pd.DataFrame):
            counter.add(part)
        else:
            rows.append(part)
            if len(rows) >= 10_000:
                counter.add(_rows_frame(rows))
                rows = []
    if rows:
        counter.add(_rows_frame(rows))
    return counter.count


def _rows_frame(rows: list[Mapping[str, Any]]) -> pd.DataFrame:
    fields = ("nir", "family_name", "birth_name", "given_name", "birth_date")
    return pd.DataFrame({f: np.asarray([r.get(f) for r in rows], dtype=object) for f in fields}, dtype=object)
