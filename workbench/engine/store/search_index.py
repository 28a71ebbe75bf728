"""The records' search index: the window's text filter answered without reading every record.

Why (issue 10, measured on ten million records in 20 shards, 2 cores): a filter text that matches a handful of
records, e.g. one patient's full NIR, made DuckDB decode every filterable column of every row group (an OR of
ILIKE tests is never pushed into the Parquet scan): 1.6 to 2.2 s, against a target of 1 s. A common name was fast
only because ``LIMIT`` stopped the scan at the first screenful.

What the index holds, written once at the end of a completed scan of at least ``INDEX_MIN_RECORDS`` records
(``CASE/shards/search.parquet``, registered and sealed like the attribution, so that ``balise case verify`` sees
it altered): the longest stored value (in bytes), the most ASCII digits in one value and the byte values held
(256 bits) of each filterable record column, the columns whose binary order is the window's folded order, and
a signature of the record shards it was built from (names, sizes, modification times): a stale index (a resumed
scan, a compaction) is ignored. A few kilobytes (3.8 kB for 20 shards), whatever the number of records. The
measuring pass took 9.1 s at the end of the 5 GB dump's scan (42.7 million records), 13.0 s with the byte sets.

What it changes is only the cost, never the answer: the filter stays "the text, case folded, anywhere in a
column". For a text of ASCII digits and punctuation (nothing to fold) a value can hold it only if the value is at
least as long, and only if it has at least as many ASCII digits (case folding never makes a digit): a column
whose values are all shorter, or all have fewer digits, is skipped (on the 1 GB benchmark a SQL dump's locators,
``table:patients/row:4743362``, are longer than a NIR but have 7 digits: reading them to look for a NIR took
1.2-1.6 s of a 1.3-1.7 s filter); a column whose longest value is no longer
than the text can hold it only as its whole value: an equality test, which DuckDB answers for the NIR from the
Parquet Bloom filters that the record shards carry (:data:`workbench.engine.store.shards.BLOOM_FILTERS`), reading
only the row groups whose filter may hold the value.

Measured for the window's full-NIR filter (ten million records, 100 row groups, 2 shared cores; bytes a record
for the dense benchmark's distinct NIRs):

- no index (7 columns read): 1.6-2.2 s, 0 B;
- the NIR column alone, ``nir = ?`` without Bloom filters (row-group min/max of random NIRs prune 0 of 100):
  0.5-0.9 s, 0 B;
- the previous index (every NIR with its record id, sorted, in this file): 0.26 s, 10 B a record
  (+0.085x of the evidence on the 1 GB benchmark);
- NIR as int64 (sorted, DELTA_BINARY_PACKED) -> (shard, row group), then those row groups read: 0.5-0.8 s,
  4.0 B a record;
- Bloom filters on the shards' NIR (64 kB per 100,000 rows) and this file: 0.13-0.17 s, 0.66 B a record, paid
  back by the e-mails at zstd level 3 (-0.70 B a record). The window's whole filter (count and first page):
  0.76 s in the slow GUI test under a load of 13-16 on 2 cores; 0.13-0.36 s on the 1 GB benchmark's case
  (8.5M records, 2 shards), whose folder stays 0.49x of the evidence (492.2 MB / 1000 MB).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.reader import CaseReader, CaseReadError
from workbench.engine.store.schema import PART_SUFFIX, SHARDS_DIR
from workbench.engine.store.shards import BLOOM_FILTERS, ROW_GROUP_ROWS, describe

SEARCH_FILE = "search.parquet"
SEARCH_TASK = "search-index"  # the task key under which the index file is registered in ``shards``
INDEXED = tuple(BLOOM_FILTERS)  # columns an equality test finds through the shards' Bloom filters
# Record columns the window's filter can test (their longest value and most digits are kept; others are
# always read).
MEASURED = ("item", "locator", "nir", "family_name", "given_name", "birth_date", "event_last")
# Below this many records a filter reads the shards fast enough (2M: about 0.35 s on 2 cores): the pass that
# measures the longest values and digits (see :func:`measure_columns`) is not worth it.
INDEX_MIN_RECORDS = 2_000_000
_META_KEY = b"balise.search"


def search_path(case_dir: Path) -> Path:
    return Path(case_dir) / SHARDS_DIR / SEARCH_FILE


def records_signature(case_dir: Path) -> list[list]:
    """The record shards as the index saw them: ``[[name, size, mtime_ns], ...]`` sorted by name."""
    folder = Path(case_dir) / SHARDS_DIR / "records"
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".parquet")]
    except OSError:
        return []
    out = []
    for e in entries:
        st = e.stat()
        out.append([e.name, st.st_size, st.st_mtime_ns])
    return sorted(out)


@dataclass(frozen=True)
class ColumnMeasures:
    """What :func:`measure_columns` finds, per measured column."""

    longest: dict[str, int]  # the longest value, in bytes
    digits: dict[str, int]  # the most ASCII digits in one value
    plain_order: tuple[str, ...]  # the columns whose binary order is the window's folded order (see _plain_order)
    present: dict[str, np.ndarray]  # the byte values each column's values hold (256 booleans)


def measure_columns(case_dir: Path, shard_names: list[str]) -> ColumnMeasures:
    """Per measured column, the longest value in bytes, the most ASCII digits in one value and whether its
    values sort alike with and without case and accent folding, over the named record shards: one batch of
    100,000 rows at a time, counted on the string arrays' bytes with numpy.

    Why not SQL (1 GB benchmark's case, 8.5M records, 2 cores under load): DuckDB's strlen of the 7 columns took
    3 s, but counting digits (``translate``, ``regexp_replace``, ``rtrim``) 11-18 s for each long column."""
    longest = dict.fromkeys(MEASURED, 0)
    digits = dict.fromkeys(MEASURED, 0)
    present = {c: np.zeros(256, dtype=bool) for c in MEASURED}  # the bytes each column holds
    folder = Path(case_dir) / SHARDS_DIR / "records"
    for name in shard_names:
        # The item (one path for a whole task's records) is read as its dictionary: 1.3 GB of repeated paths
        # in the 5 GB dump's case. A dictionary holds only values of its column chunk: the same measures.
        shard = pq.ParquetFile(folder / name, read_dictionary=["item"])
        for batch in shard.iter_batches(batch_size=ROW_GROUP_ROWS, columns=list(MEASURED)):
            for column in MEASURED:
                arr = batch.column(column)
                if pa.types.is_dictionary(arr.type):
                    arr = arr.dictionary
                n, d = _longest_and_digits(arr)
                longest[column] = max(longest[column], n)
                digits[column] = max(digits[column], d)
                present[column] |= _bytes_present(arr)
    return ColumnMeasures(longest, digits, tuple(c for c in MEASURED if _plain_order(present[c])), present)


def _bytes_present(arr: pa.Array) -> np.ndarray:
    """Which of the 256 byte values occur in a string array's values (one ``bincount``: 0.9 GB/s)."""
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    buffer = arr.buffers()[2]
    if buffer is None or len(arr) == 0:
        return np.zeros(256, dtype=bool)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(buffer, dtype=np.uint8)[offsets[0]:offsets[-1]]
    return np.bincount(data, minlength=256) > 0


def _plain_order(present: np.ndarray) -> bool:
    """Whether values made of these bytes sort the same in binary order as under the window's folding
    (``COLLATE NOACCENT.NOCASE``: lower case, accents dropped), ties included.

    ASCII only (no accent to drop), and lower-casing must keep both order and distinctness: true when no capital
    occurs (nothing changes), or when no small letter occurs and none of the six bytes between the two cases
    (``[``, backslash, ``]``, ``^``, ``_``, backquote), which lower-cased capitals would jump over. NIRs, ISO
    dates and locators qualify: a sort on them reads one column in binary order (the NIR at 42.7 million
    records: 0.24 s instead of 0.72 s)."""
    if present[0x80:].any():
        return False
    upper, between, lower = present[0x41:0x5B].any(), present[0x5B:0x61].any(), present[0x61:0x7B].any()
    return not upper or not (lower or between)


def _longest_and_digits(arr: pa.Array) -> tuple[int, int]:
    """The longest value (bytes) and the most ASCII digits in one value of a string array (nulls count 0)."""
    if len(arr) == 0 or arr.null_count == len(arr):
        return 0, 0
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1].astype(np.int64)
    buffer = arr.buffers()[2]
    data = (np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8))[
        offsets[0]:offsets[-1]]
    counted = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum((data >= ord("0")) & (data <= ord("9")), out=counted[1:])
    rel = offsets - offsets[0]
    lengths = np.diff(rel)
    in_digits = counted[rel[1:]] - counted[rel[:-1]]
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    return int(lengths[valid].max(initial=0)), int(in_digits[valid].max(initial=0))


def write_search_index(case_dir: Path, *, min_records: int = INDEX_MIN_RECORDS) -> tuple[Path, int] | None:
    """Write the index of the case's records; returns (path, rows), or None (and no index) when the case has
    fewer than ``min_records`` records."""
    path = search_path(case_dir)
    path.unlink(missing_ok=True)
    signature = records_signature(case_dir)
    if not signature:
        return None
    with CaseReader(Path(case_dir)) as reader:
        if reader.record_count() < max(1, min_records):
            return None
    measures = measure_columns(case_dir, [name for name, _size, _mtime in signature])
    longest, digits = measures.longest, measures.digits
    meta = json.dumps({"records": signature, "longest": longest, "digits": digits, "indexed": list(INDEXED),
                       "plain_order": list(measures.plain_order),
                       "bytes": {c: np.packbits(measures.present[c]).tobytes().hex() for c in MEASURED}})
    part = path.with_name(path.name + PART_SUFFIX)
    part.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({"col": pa.array(MEASURED, pa.string()),
                      "longest": pa.array([longest[c] for c in MEASURED], pa.int64()),
                      "digits": pa.array([digits[c] for c in MEASURED], pa.int64())})
    pq.write_table(table.replace_schema_metadata({_META_KEY: meta}), part, compression="zstd")
    part.replace(path)
    return path, pq.ParquetFile(path).metadata.num_rows


@dataclass(frozen=True)
class SearchIndex:
    """A valid index of the case's current records."""

    path: Path
    longest: dict[str, int]
    digits: dict[str, int]  # the most ASCII digits in one value (absent for an index of an earlier version)
    indexed: tuple[str, ...]
    plain_order: tuple[str, ...] = ()  # columns sorted in binary order (_plain_order; none in an earlier index)
    present: dict[str, frozenset[int]] | None = None  # the bytes each column holds (None in an earlier index)

    def may_hold(self, column: str, text: str) -> bool:
        """Whether a value of ``column`` can hold the ASCII ``text`` once case is folded, judged on the bytes the
        column's values hold: each character of the text must be there, a letter in either case. A column
        with non-ASCII values is judged on the text's non-letters only (DuckDB folds some non-ASCII code points
        into ASCII letters: the Kelvin sign into ``k``); no code point folds into a digit or punctuation.

        Why: a text that matches few records or none (``gmail`` among 42.7 million records) read every filterable
        column of every row group, 2.4 s; the name columns alone hold its letters."""
        held = None if self.present is None else self.present.get(column)
        if held is None or not text.isascii():  # a non-ASCII text is several bytes a character: not judged
            return True
        folds_in = any(b >= 0x80 for b in held)
        for ch in set(text):
            if ch.isalpha():
                if not folds_in and ord(ch.lower()) not in held and ord(ch.upper()) not in held:
                    return False
            elif ord(ch) not in held:
                return False
        return True

    def lookup(self, reader: CaseReader, column: str, value: str) -> list[int]:
        """Record ids whose ``column`` equals ``value``, in record-id order (the shards' Bloom filters let DuckDB
        skip the row groups that do not hold it)."""
        if column not in self.indexed:
            raise ValueError(f"{column} is not an indexed column")
        return [r[0] for r in reader.rows(f'SELECT rid FROM records_raw WHERE "{column}" = ? ORDER BY rid',
                                          [value])]


def open_search_index(case_dir: Path) -> SearchIndex | None:
    """The index if it was built from the record shards as they are now; else None (the filter reads them)."""
    path = search_path(case_dir)
    try:
        raw = (pq.read_metadata(path).metadata or {}).get(_META_KEY)
    except (OSError, ValueError, pa.ArrowException):  # absent, half-written or damaged: read the shards
        return None
    if raw is None:
        return None
    try:
        meta = json.loads(raw)
        if meta["records"] != records_signature(case_dir):
            return None
        return SearchIndex(path, {str(k): int(v) for k, v in meta["longest"].items()},
                           {str(k): int(v) for k, v in meta.get("digits", {}).items()}, tuple(meta["indexed"]),
                           tuple(str(c) for c in meta.get("plain_order", ())), _present(meta.get("bytes")))
    except (ValueError, KeyError, TypeError):
        return None


def _present(raw) -> dict[str, frozenset[int]] | None:
    """The index's byte sets (``{column: hex of 256 packed bits}``), or None if absent or malformed."""
    if not isinstance(raw, dict):
        return None
    out: dict[str, frozenset[int]] = {}
    for column, packed in raw.items():
        bits = np.unpackbits(np.frombuffer(bytes.fromhex(str(packed)), dtype=np.uint8))
        if bits.size != 256:
            return None
        out[str(column)] = frozenset(int(b) for b in np.flatnonzero(bits))
    return out


def index_case(store: CaseStore, *, min_records: int = INDEX_MIN_RECORDS) -> int:
    """Write the case's search index and register it with the results (sealed, verified); returns its rows.

    Run at the end of a completed scan, after compaction (which renames record shards: an index written before
    would be stale). One pass over the measured columns (:func:`measure_columns`)."""
    store.forget_shards(SEARCH_TASK)
    store.commit()
    try:
        written = write_search_index(store.dir, min_records=min_records)
    except (CaseReadError, duckdb.Error, pa.ArrowException, OSError) as exc:  # the filter then reads the shards: slower, same rows
        search_path(store.dir).with_name(SEARCH_FILE + PART_SUFFIX).unlink(missing_ok=True)
        store.log("balise", "search-index-skipped", {"reason": str(exc).splitlines()[0] if str(exc) else
                                                     type(exc).__name__})
        return 0
    if written is None:
        return 0
    path, rows = written
    store.register_shards(SEARCH_TASK, [describe(store.dir, path, "search", rows)])
    store.commit()
    return rows
