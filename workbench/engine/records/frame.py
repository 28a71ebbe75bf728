"""Build record DataFrames in the common schema: common columns first, then the source columns (``src.``).

Every column has ``object`` dtype and holds ``str`` or ``None``: identifiers are never numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.internals import create_dataframe_from_blocks

from workbench.engine.frame_arrow import keep_arrow
from workbench.engine.records import checks, fastnorm
from workbench.engine.records.columns import sources

COMMON_COLUMNS = [
    "item", "locator", "table", "nir", "family_name", "birth_name", "given_name", "birth_date", "sex", "ipp",
    "nda", "phone", "email", "address", "postcode", "city", "facility_finess", "facility_code",
    "facility_name", "dicom_uid", "event_first", "event_last", "categories",
]
CATEGORIES = (
    "identity", "contact", "nir", "health-diagnosis", "health-result", "health-imaging", "administrative",
)
SRC_PREFIX = "src."

IDENTITY_FIELDS = ("family_name", "birth_name", "given_name", "birth_date", "ipp")
CONTACT_FIELDS = ("phone", "email", "address", "postcode", "city")

NORMALISERS: dict[str, Callable[[object], str | None]] = {
    "nir": checks.norm_nir,
    "family_name": checks.norm_text,
    "birth_name": checks.norm_text,
    "given_name": checks.norm_text,
    "birth_date": checks.norm_date,
    "sex": checks.norm_sex,
    "ipp": checks.norm_text,
    "nda": checks.norm_text,
    "phone": checks.norm_phone,
    "email": checks.norm_email,
    "address": checks.norm_text,
    "postcode": checks.norm_postcode,
    "city": checks.norm_text,
    "facility_finess": checks.norm_finess,
    "facility_code": checks.norm_text,
    "facility_name": checks.norm_text,
    "dicom_uid": checks.norm_text,
}


def _objects(values: Iterable[object]) -> np.ndarray:
    """An object array of str/None (NaN and pandas NA become None)."""
    array = np.asarray(list(values) if not isinstance(values, np.ndarray | pd.Series) else values, dtype=object)
    if array.size:
        missing = pd.isna(array)
        if missing.any():
            array = array.copy()
            array[missing] = None
    return array


def _present(values: np.ndarray) -> np.ndarray:
    """None and "" are absent (src values are never NaN here)."""
    return values.astype(bool)


def _event_bounds(columns: Sequence[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest ``yyyy-mm-dd`` per row across the event columns (None when there is none)."""
    if not columns:
        return np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    if len(columns) == 1:
        return columns[0], columns[0].copy()
    high, low = "\uffff", ""
    first = np.full(n, high, dtype=object)
    last = np.full(n, low, dtype=object)
    for column in columns:
        missing = pd.isna(column)
        first = np.minimum(first, np.where(missing, high, column))
        last = np.maximum(last, np.where(missing, low, column))
    first[first == high] = None
    last[last == low] = None
    return first, last


def _categories(masks: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Comma-joined categories per row from one boolean mask per category."""
    code = np.zeros(n, dtype=np.int64)
    for bit, name in enumerate(CATEGORIES):
        mask = masks.get(name)
        if mask is not None:
            code |= mask.astype(np.int64) << bit
    return _CATEGORY_NAMES[code]


def _category_names() -> np.ndarray:
    names = np.full(1 << len(CATEGORIES), None, dtype=object)
    for value in range(1, len(names)):
        names[value] = ",".join(name for bit, name in enumerate(CATEGORIES) if value >> bit & 1)
    return names


_CATEGORY_NAMES = _category_names()


def tabular_frame(
    src: pd.DataFrame,
    mapping: Mapping[str, str],
    *,
    item: str,
    locators: Sequence[str],
    table: str | None = None,
) -> pd.DataFrame:
    """Records of a table batch: ``src`` has the source header names as columns (unique), one row per record."""
    columns = {name: src[name].to_numpy(dtype=object, copy=True) for name in src.columns}  # the frame owns them
    return columns_frame(columns, mapping, item=item, locators=locators, table=table)


Column = np.ndarray | pa.Array | pa.ChunkedArray


def columns_frame(
    columns: Mapping[str, Column],
    mapping: Mapping[str, str],
    *,
    item: str,
    locators: Sequence[str],
    table: str | None = None,
) -> pd.DataFrame:
    """Records of a table batch given column by column (object arrays of str/None, or Arrow string arrays)."""
    cols = {name: fastnorm.TextColumn(values if not isinstance(values, np.ndarray) else _objects(values))
            for name, values in columns.items()}
    raw = {name: col.values for name, col in cols.items()}
    n = len(locators)
    common: dict[str, np.ndarray] = {}
    arrow: dict[str, pa.Array] = {}  # output columns whose Arrow form is known: kept for the shard writer
    for field, fn in NORMALISERS.items():
        source = mapping.get(field)
        if source in cols:
            common[field] = cols[source].normalised(fn)
            if cols[source].normalised_arrow.get(fn) is not None:
                arrow[field] = cols[source].normalised_arrow[fn]
        else:
            common[field] = np.full(n, None, dtype=object)
            arrow[field] = pa.nulls(n, pa.string())
    events = [cols[s].normalised(checks.norm_date) for s in sources(dict(mapping), "event_date") if s in cols]
    first, last = _event_bounds(events, n)
    masks: dict[str, np.ndarray] = {
        "identity": _any(common, IDENTITY_FIELDS, n),
        "contact": _any(common, CONTACT_FIELDS, n),
        "nir": pd.notna(common["nir"]),
    }
    for category in ("health-diagnosis", "health-result", "health-imaging", "administrative"):
        mask = np.zeros(n, dtype=bool)
        for source in sources(dict(mapping), category):
            if source in raw:
                mask |= _present(raw[source])
        masks[category] = mask
    masks["administrative"] = masks["administrative"] | pd.notna(common["nda"])
    out: dict[str, np.ndarray] = {
        "item": np.full(n, item, dtype=object),
        "locator": np.asarray(locators, dtype=object),
        "table": np.full(n, table, dtype=object),
    }
    arrow["table"] = pa.nulls(n, pa.string()) if table is None else pa.repeat(pa.scalar(str(table), pa.string()), n)
    for field in COMMON_COLUMNS[3:]:
        if field in common:
            out[field] = common[field]
    out["event_first"], out["event_last"] = first, last
    if not events:
        arrow["event_first"] = arrow["event_last"] = pa.nulls(n, pa.string())
    out["categories"] = _categories(masks, n)
    for name, values in raw.items():
        out[SRC_PREFIX + str(name)] = values
        if cols[name].from_arrow:
            arrow[SRC_PREFIX + str(name)] = cols[name].arrow
    frame = _frame(out, n)
    keep_arrow(frame, {name: (out[name], values) for name, values in arrow.items()})
    return frame


def _frame(columns: dict[str, np.ndarray], n: int) -> pd.DataFrame:
    """A DataFrame of object columns, one block each (no consolidation copy)."""
    blocks = [(values.reshape(1, -1), np.array([i])) for i, values in enumerate(columns.values())]
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(n), columns=pd.Index(list(columns)))


def _any(common: Mapping[str, np.ndarray], fields: Sequence[str], n: int) -> np.ndarray:
    """Rows where one of the normalised fields is set (normalisers give None, never "")."""
    mask = np.zeros(n, dtype=bool)
    for field in fields:
        mask |= pd.notna(common[field])
    return mask


def locator_array(prefix: str, first: int, count: int) -> np.ndarray:
    """``prefix + str(k)`` for k from ``first``, as an object array."""
    numbers = pc.cast(pa.array(np.arange(first, first + count, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, numbers, "").to_numpy(zero_copy_only=False)


def rows_frame(rows: Sequence[Mapping[str, object]], item: str) -> pd.DataFrame:
    """Records from dicts holding normalised common fields, ``src.*`` values and an optional ``flags`` set.

    ``flags`` names categories the parser knows from the structure (an OBX segment: ``health-result``).
    ``event_dates`` (iterable of raw dates) gives ``event_first``/``event_last``.
    """
    columns = list(COMMON_COLUMNS)
    seen = set(columns)
    for row in rows:
        for key in row:
            if key.startswith(SRC_PREFIX) and key not in seen:
                seen.add(key)
                columns.append(key)
    data: dict[str, list[object]] = {c: [] for c in columns}
    for row in rows:
        dates = sorted(d for d in (checks.norm_date(v) for v in row.get("event_dates", ()) or ()) if d)
        flags = set(row.get("flags", ()) or ())
        values = {**row, "item": item, "event_first": dates[0] if dates else None,
                  "event_last": dates[-1] if dates else None}
        values["categories"] = row_categories(values, flags)
        for column in columns:
            value = values.get(column)
            data[column].append(None if value is None or value == "" else str(value))
    return pd.DataFrame({c: np.asarray(v, dtype=object) for c, v in data.items()}, columns=columns, dtype=object)


def row_categories(values: Mapping[str, object], flags: Iterable[str] = ()) -> str | None:
    present = set(flags)
    if any(values.get(f) for f in IDENTITY_FIELDS):
        present.add("identity")
    if any(values.get(f) for f in CONTACT_FIELDS):
        present.add("contact")
    if values.get("nir"):
        present.add("nir")
    if values.get("nda"):
        present.add("administrative")
    parts = [c for c in CATEGORIES if c in present]
    return ",".join(parts) if parts else None


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: np.empty(0, dtype=object) for c in COMMON_COLUMNS}, dtype=object)
