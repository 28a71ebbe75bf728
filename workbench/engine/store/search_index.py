"""The records' search index: the window's text filter answered without reading every record.

Why (issue 10, measured on ten million records in 20 shards, 2 cores): a filter text that matches a handful of
records, e.g. one patient's full NIR, made DuckDB decode every filterable column of every row group (an OR of
ILIKE tests is never pushed into the Parquet scan): 1.6 to 2.2 s, against a target of 1 s. A common name was fast
only because ``LIMIT`` stopped the scan at the first screenful.

What the index holds, written once at the end of a completed scan of at least ``INDEX_MIN_RECORDS`` records
(``CASE/shards/search.parquet``, registered and sealed like the attribution, so that ``balise case verify`` sees
it altered):

- every record's NIR with its record id, sorted by NIR, in row groups of 20,000 rows: the Parquet min/max
  statistics then let an equality lookup read one row group (about 20 ms instead of 0.3 s for the column);
  3.6 bytes a record after zstd for the test's ten million records (36 MB next to 283 MB of shards; each NIR
  there is found 20 times), about 10 bytes a record when every NIR is distinct;
- the longest stored value (in bytes) of each filterable record column, and a signature of the record shards it
  was built from (names, sizes, modification times): a stale index (a resumed scan, a compaction) is ignored.

What it changes is only the cost, never the answer: the filter stays "the text, case folded, anywhere in a
column". For a text of ASCII digits and punctuation (nothing to fold) a value can hold it only if the value is at
least as long, so a column whose longest value is shorter is skipped; a column whose longest value is no longer
than the text can hold it only as its whole value, which the sorted index finds.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.reader import CaseReader, CaseReadError, _quote
from workbench.engine.store.schema import PART_SUFFIX, SHARDS_DIR
from workbench.engine.store.shards import describe

SEARCH_FILE = "search.parquet"
SEARCH_TASK = "search-index"  # the task key under which the index file is registered in ``shards``
INDEXED = ("nir",)  # unique per record, not dictionary-encoded: the costly column to read
# Record columns the window's filter can test (their longest value is kept; others are always read).
MEASURED = ("item", "locator", "nir", "family_name", "given_name", "birth_date", "event_last")
INDEX_ROW_GROUP = 20_000  # 500 row groups for 10M records: a lookup reads one (about 260 kB)
# Below this many records a filter reads the shards fast enough (2M: about 0.35 s on 2 cores) and the index
# would only cost bytes: about 10 bytes a record for distinct NIRs (dense benchmark, 172k records: 1.7 MB for
# 20 MB of evidence, +0.085x of the case-size budget of 0.5x).
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
        lengths = reader.rows("SELECT " + ", ".join(f'max(strlen("{c}"))' for c in MEASURED) + " FROM records_raw")
        longest = {c: (0 if v is None else int(v)) for c, v in zip(MEASURED, lengths[0], strict=True)}
        meta = json.dumps({"records": signature, "longest": longest, "indexed": list(INDEXED)})
        part = path.with_name(path.name + PART_SUFFIX)
        part.parent.mkdir(parents=True, exist_ok=True)
        selects = " UNION ALL ".join(f"SELECT '{c}' AS col, \"{c}\" AS value, rid FROM records_raw "
                                     f"WHERE \"{c}\" IS NOT NULL" for c in INDEXED)
        reader.rows(f"COPY (SELECT * FROM ({selects}) ORDER BY col, value, rid) TO {_quote(part)} "
                    f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {INDEX_ROW_GROUP}, "
                    f"KV_METADATA {{'{_META_KEY.decode()}': {_sql_text(meta)}}})")
    part.replace(path)
    return path, pq.ParquetFile(path).metadata.num_rows


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class SearchIndex:
    """A valid index of the case's current records."""

    path: Path
    longest: dict[str, int]
    indexed: tuple[str, ...]

    def lookup(self, reader: CaseReader, column: str, value: str) -> list[int]:
        """Record ids whose ``column`` equals ``value``, in record-id order."""
        return [r[0] for r in reader.rows(
            f"SELECT rid FROM read_parquet({_quote(self.path)}) WHERE col = ? AND value = ? ORDER BY rid",
            [column, value])]


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
        return SearchIndex(path, {str(k): int(v) for k, v in meta["longest"].items()}, tuple(meta["indexed"]))
    except (ValueError, KeyError, TypeError):
        return None


def index_case(store: CaseStore, *, min_records: int = INDEX_MIN_RECORDS) -> int:
    """Write the case's search index and register it with the results (sealed, verified); returns its rows.

    Run at the end of a completed scan, after compaction (which renames record shards: an index written before
    would be stale). About 1.5 s per million records on 2 cores; memory bounded by DuckDB's limit (it spills
    inside the case folder)."""
    store.forget_shards(SEARCH_TASK)
    store.commit()
    try:
        written = write_search_index(store.dir, min_records=min_records)
    except (CaseReadError, duckdb.Error, OSError) as exc:  # the filter then reads the shards: slower, same rows
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
