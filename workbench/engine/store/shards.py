"""Worker side of the case store: one task's results written as Parquet shards, never row by row.

A task's records, distinct identifiers, canary hits and watermark detections go straight from the worker to
``CASE/shards/<table>/<seq>-<task>.parquet`` (zstd, dictionary-encoded strings): the main process never sees them, so
its event loop stays light however dense the dump. Each file is written as ``.parquet.part`` and renamed when the
task ends: a reader never sees a half-written shard, and a task that dies leaves only ``.part`` files, which
:func:`delete_task_shards` removes before the task runs again.

Measured (issue 10): one upsert per distinct identifier and one INSERT per record row made a PII-dense scan run at
about 1 MB/s with a case 7x the evidence; Parquet shards write a 20k-row batch in a few milliseconds at about
0.3x the bytes of the CSV they came from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from workbench.engine.frame_arrow import arrow_column
from workbench.engine.model import IdentifierCounts
from workbench.engine.store.schema import (
    BEACON_HITS,
    IDENTIFIERS,
    PART_SUFFIX,
    RECORD_COLUMNS,
    RECORDS,
    RID_TASK_SHIFT,
    SHARD_TABLES,
    SHARDS_DIR,
    WATERMARK_HITS,
)

# zstd level 1, not 3: on a PII-dense dump's shards level 1 wrote files 2% SMALLER (records 33.0 -> 32.5 MB,
# identifiers 19.9 -> 19.4 MB: dictionary and delta encodings leave zstd little to find) in 25% less time.
ZSTD_LEVEL = 1
ROW_GROUP_ROWS = 100_000  # rows per row group: bounded worker memory (~30 MB of records; 200k: 3% smaller files, +30 MB)
IDENTIFIER_FLUSH = 200_000  # buffered distinct identifiers before a row group is written


def shard_dir(case_dir: Path, table: str) -> Path:
    return Path(case_dir) / SHARDS_DIR / table


def shard_path(case_dir: Path, table: str, task_key: str, task_seq: int) -> Path:
    """``<seq>-<task>.parquet``: the task's sequence number first, so that the shards' name order is the order
    the tasks were planned in (a file's ranges one after the other) and the window's unsorted records read as
    the dump does. Named by the task alone, the 5 GB dump's records began at line 3,501,578 of its CSV."""
    return shard_dir(case_dir, table) / f"{int(task_seq):010d}-{task_key}.parquet"


def delete_task_shards(case_dir: Path, task_key: str, task_seq: int) -> None:
    """Remove what a task wrote (finished or half-written): it is about to run again, or it died. Also the
    files of a case made before the sequence number led the name (``<task>.parquet``). Exact names, no listing:
    a disk of many small files starts many tasks."""
    for table in SHARD_TABLES:
        current = shard_path(case_dir, table, task_key, task_seq)
        for path in (current, shard_dir(case_dir, table) / f"{task_key}.parquet"):
            path.unlink(missing_ok=True)
            path.with_name(path.name + PART_SUFFIX).unlink(missing_ok=True)


# Unique-per-row columns (NIR, e-mail, values) gain nothing from a dictionary, which Parquet gives up on after
# 1 MB anyway; ids and offsets grow steadily and delta-encode to a byte or two. Measured on a PII-dense dump
# (issue 10): records 20.3 -> 18.0 MB, identifiers 13.2 -> 11.1 MB for the same rows, and faster to write.
_DICTIONARY = {"item", "tbl", "sex", "facility_finess", "facility_code", "facility_name", "categories",
               "source_layout", "city", "postcode", "birth_date", "event_first", "event_last", "family_name",
               "given_name", "birth_name", "type", "kind", "establishment", "recipient", "status", "container",
               "beacon_id", "fields"}
_DELTA = {"rid", "first_offset", "count"}
_DELTA_LENGTH = {"value", "nir", "email", "phone", "patient_key", "address", "ipp", "nda",
                 "dicom_uid"}  # unique strings: lengths apart, bytes together, 8% smaller after zstd than plain
# Strings whose rows share a long head with the row before (``table:patients/row:1234``, a source row's JSON
# keys): each value stores the shared prefix's length and its new tail. Measured on one 430,000-row shard of a
# PII-dense dump, after zstd: locator 0.15 -> 0.04 MB, source 4.58 -> 3.87 MB.
_DELTA_PREFIX = {"source", "locator"}


def parquet_layout(schema: pa.Schema) -> tuple[list[str], dict[str, str]]:
    """Per-column encodings of a shard: dictionary for repeated values, deltas for growing integers."""
    dictionary = [f.name for f in schema if f.name in _DICTIONARY]
    encodings = {f.name: "DELTA_BINARY_PACKED" for f in schema if f.name in _DELTA}
    encodings.update({f.name: "DELTA_LENGTH_BYTE_ARRAY" for f in schema if f.name in _DELTA_LENGTH})
    encodings.update({f.name: "DELTA_BYTE_ARRAY" for f in schema if f.name in _DELTA_PREFIX})
    return dictionary, encodings


# A Parquet Bloom filter per row group on the records' NIR: the window's filter on one full NIR is an equality
# test that DuckDB answers by reading only the row groups whose filter may hold it (ten million records, 100 row
# groups: 0.17 s instead of 0.5-0.9 s for the whole column). fpp 0.2 asked: pyarrow rounds the bitset to 64 kB
# per 100,000 rows (0.66 B a record, 17% of row groups read for an absent NIR; 0.01 gives 128 kB, 1%, 0.13 s);
# sized by the chunk's values, so a 10-row shard pays 52 bytes.
BLOOM_FILTERS = {"nir": {"ndv": ROW_GROUP_ROWS, "fpp": 0.2}}
# zstd level 3 for the e-mails only: 8.73 -> 8.04 B a record on the dense benchmark's shards (the NIR, the phone
# and the identifiers' values get larger at level 3), which pays for the Bloom filter.
_LEVELS = {"email": 3}


def writer_options(schema: pa.Schema) -> dict:
    """The ``pq.ParquetWriter`` options of a shard of ``schema`` (the workers' shards and compaction's alike)."""
    dictionary, encodings = parquet_layout(schema)
    bloom = {c: o for c, o in BLOOM_FILTERS.items() if c in schema.names}
    return {"compression": "zstd", "compression_level": {f.name: _LEVELS.get(f.name, ZSTD_LEVEL) for f in schema},
            "use_dictionary": dictionary, "column_encoding": encodings, "write_statistics": True,
            "bloom_filter_options": bloom or None}


class _Shard:
    """One Parquet file of one table of one task, opened at its first batch."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.part = path.with_name(path.name + PART_SUFFIX)
        self.schema = schema
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self.writer is None:
            self.part.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.part, self.schema, **writer_options(self.schema))
        self.writer.write_table(table.cast(self.schema), row_group_size=ROW_GROUP_ROWS)
        self.rows += table.num_rows

    def close(self) -> int:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
            self.part.replace(self.path)
        return self.rows

    def abandon(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        self.part.unlink(missing_ok=True)


@dataclass(frozen=True)
class ShardFile:
    """A finished shard as the case registers it: the custody log seals the list, ``case verify`` re-hashes."""

    path: str  # relative to the case folder, with forward slashes
    table: str
    rows: int
    bytes: int
    sha256: str


def describe(case_dir: Path, path: Path, table: str, rows: int) -> ShardFile:
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return ShardFile(path.relative_to(case_dir).as_posix(), table, rows, path.stat().st_size, digest)


class TaskShards:
    """The results of one task, written column by column as they come."""

    def __init__(self, case_dir: Path, task_key: str, task_seq: int) -> None:
        self.case_dir = Path(case_dir)
        self.task_key = task_key
        self.rid_base = int(task_seq) << RID_TASK_SHIFT
        delete_task_shards(self.case_dir, task_key, task_seq)
        self._shards = {t: _Shard(shard_path(self.case_dir, t, task_key, task_seq), s)
                        for t, s in SHARD_TABLES.items()}
        self._ids: list[pa.Table] = []
        self._id_rows = 0
        self.records_per_item: dict[str, int] = {}
        self.files: list[ShardFile] = []
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._records_seen = 0

    # -- records ------------------------------------------------------------------------------------
    def add_records(self, vpath: str, frame) -> int:
        """A parsed batch (common columns + ``src.*``) as one Arrow table: no Python loop over its rows."""
        n = len(frame)
        if n == 0:
            return 0
        start = self.rid_base + self._records_seen
        self._records_seen += n
        self._pending.append(records_table(frame, vpath, start))
        self._pending_rows += n
        if self._pending_rows >= ROW_GROUP_ROWS:
            self._flush_records()
        self.records_per_item[vpath] = self.records_per_item.get(vpath, 0) + n
        return n

    def _flush_records(self) -> None:
        """Batches are gathered into row groups of ROW_GROUP_ROWS: one row group per 20k-row batch compressed
        15% worse and made the reader's scans slower."""
        if self._pending:
            self._shards["records"].write(pa.concat_tables(self._pending))
            self._pending, self._pending_rows = [], 0

    # -- identifiers --------------------------------------------------------------------------------
    def add_identifiers(self, counts: IdentifierCounts) -> None:
        """An item's distinct values per type: the scanner's Arrow table as it is, or Arrow columns straight from
        the counting dicts."""
        table = counts.table
        if table is not None and table.num_rows:
            self._ids.append(pa.table({
                "item": pa.repeat(pa.scalar(counts.vpath, pa.string()), table.num_rows),
                "type": table.column("type"), "value": table.column("value"), "count": table.column("count"),
                "first_offset": table.column("first_offset")}, schema=IDENTIFIERS))
            self._id_rows += table.num_rows
        for id_type, values in counts.counts.items():
            k = len(values)
            if not k:
                continue
            firsts = counts.first_offset.get(id_type, {})
            self._ids.append(pa.table({
                "item": pa.repeat(pa.scalar(counts.vpath, pa.string()), k),
                "type": pa.repeat(pa.scalar(id_type, pa.string()), k),
                "value": pa.array(list(values), pa.string()),
                "count": pa.array(list(values.values()), pa.int64()),
                "first_offset": pa.array(list(map(firsts.get, values)), pa.int64())}, schema=IDENTIFIERS))
            self._id_rows += k
        if self._id_rows >= IDENTIFIER_FLUSH:
            self._flush_identifiers()

    def _flush_identifiers(self) -> None:
        if not self._id_rows:
            return
        self._shards["identifiers"].write(pa.concat_tables(self._ids))
        self._ids, self._id_rows = [], 0

    # -- beacon evidence ----------------------------------------------------------------------------
    def add_beacon_hits(self, vpath: str, hits: list[dict]) -> None:
        rows = [{"beacon_id": h["beacon_id"], "kind": h["kind"], "establishment": h["establishment"],
                 "recipient": h.get("recipient"), "item": vpath, "locator": h["locator"],
                 "container": h.get("container", ""), "status": h["status"],
                 "fields": json.dumps(h.get("fields", []))} for h in hits]
        self._shards["beacon_hits"].write(pa.Table.from_pylist(rows, schema=BEACON_HITS))

    def add_watermark_hits(self, vpath: str, hits: list[dict]) -> None:
        rows = [{"item": vpath, "locator": h["locator"], "container": h.get("container", ""), "kind": h["kind"],
                 "establishment": h["establishment"], "recipient": h.get("recipient"), "rows": h.get("rows"),
                 "p_value": h["p_value"], "fraction": h.get("fraction"),
                 "detail": json.dumps(h.get("detail", {}), default=str)} for h in hits]
        self._shards["watermark_hits"].write(pa.Table.from_pylist(rows, schema=WATERMARK_HITS))

    # -- end of the task ----------------------------------------------------------------------------
    def close(self) -> dict[str, int]:
        """Finish every file (renamed into place); returns rows written per table."""
        self._flush_identifiers()
        self._flush_records()
        rows = {t: s.close() for t, s in self._shards.items()}
        self.files = [describe(self.case_dir, s.path, t, rows[t]) for t, s in self._shards.items() if rows[t]]
        return rows

    def abandon(self) -> None:
        for s in self._shards.values():
            s.abandon()


# -- records frames to Arrow ------------------------------------------------------------------------
_VALUE_COLUMNS = [c for c in RECORD_COLUMNS if c not in ("item", "patient_key")]


def _without_lone_surrogates(value):
    """A string with each lone surrogate (a JSON ``"\\ud800"`` escape decodes to one) as U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value


def _as_string(series) -> pa.Array:
    """A pandas column (object, string or dictionary-encoded) as an Arrow string array. A lone surrogate (valid
    JSON, not valid UTF-8: a FHIR export cut inside a character pair) becomes U+FFFD instead of failing the whole
    file's records."""
    try:
        arr = pa.array(series, from_pandas=True)
    except UnicodeEncodeError:
        arr = pa.array(series.map(_without_lone_surrogates), from_pandas=True)
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr if arr.type == pa.string() else pc.cast(arr, pa.string())


def _frame_string(frame, name: str) -> pa.Array:
    """A frame column as an Arrow string array: the parser's own Arrow form when it kept one (records.frame),
    else converted from the objects."""
    kept = arrow_column(frame, name)
    return kept if kept is not None else _as_string(frame[name])


def _string_column(frame, name: str) -> pa.Array:
    """A frame column as an Arrow string array with empty strings as nulls; absent columns are all null."""
    source = "table" if name == "tbl" else name
    if source not in frame.columns:
        return pa.nulls(len(frame), pa.string())
    arr = _frame_string(frame, source)
    if arr.null_count == len(arr):
        return arr
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _norm_names(arr: pa.Array) -> pa.Array:
    """Names folded like :func:`patient_key`: accents dropped, upper case, runs of non-alphanumerics as one space."""
    text = pc.utf8_normalize(arr.fill_null(""), "NFKD")
    text = pc.replace_substring_regex(text, r"\p{Mn}", "")
    text = pc.replace_substring(text, "ß", "SS")  # Python's upper(); Arrow's would give the capital sharp s
    text = pc.utf8_upper(text)
    text = pc.replace_substring_regex(text, r"[^\p{L}\p{N}]+", " ")
    return pc.utf8_trim_whitespace(text)


def patient_keys(nir: pa.Array, family: pa.Array, given: pa.Array, born: pa.Array) -> pa.Array:
    """Who each record is about, over whole columns: ``nir:`` + its NIR when it has 15 characters, else
    ``idt:FAMILY|GIVEN|BIRTH`` when family name and birth date are known, else null.

    Names are folded only for the rows without a NIR (Unicode normalisation was 8% of a worker's time on a
    table where every row has one)."""
    compact = pc.utf8_upper(pc.replace_substring(nir.fill_null(""), " ", ""))
    has_nir = pc.equal(pc.utf8_length(compact), 15)
    by_nir = pc.binary_join_element_wise("nir:", compact, "")
    missing = pc.invert(has_nir)
    n_missing = pc.sum(missing).as_py() or 0
    if n_missing == 0:
        return by_nir
    where = pc.indices_nonzero(missing)
    fam = _norm_names(pc.take(family, where))
    born_m = pc.take(born, where)
    has_identity = pc.and_(pc.not_equal(fam, ""), pc.is_valid(born_m))
    by_identity = pc.binary_join_element_wise("idt:", fam, "|", _norm_names(pc.take(given, where)), "|",
                                              born_m.fill_null(""), "")
    by_identity = pc.if_else(has_identity, by_identity, pa.scalar(None, pa.string()))
    out = pc.if_else(has_nir, by_nir, pa.scalar(None, pa.string()))
    return _scatter(out, where, by_identity)


def _scatter(base: pa.Array, where: pa.Array, values: pa.Array) -> pa.Array:
    """``base`` with ``values`` put at the positions ``where`` (vectorised, through numpy indices)."""
    positions = np.full(len(base), -1, dtype=np.int64)
    positions[where.to_numpy()] = np.arange(len(where), dtype=np.int64)
    pick = pa.array(positions, mask=positions < 0)
    return pc.coalesce(pc.take(values, pick), base)


def _same(src: pa.Array, common: pa.Array) -> bool:
    """Whether a common column carries a source field verbatim on every row (empty and missing alike)."""
    first = pc.index(pc.is_valid(common), True).as_py()
    if first >= 0 and src[first].as_py() != common[first].as_py():
        return False  # the usual answer, found on one value
    equal = pc.equal(src, common)
    both_empty = pc.and_(pc.is_null(common), pc.or_kleene(pc.is_null(src), pc.equal(src, "")))
    return bool(pc.all(pc.or_(equal.fill_null(False), both_empty.fill_null(False))).as_py())


def _matches(src: pa.Array, common: pa.Array) -> pa.Array:
    """Per row, whether the common column rebuilds the source field (as :func:`_same`, row by row)."""
    equal = pc.equal(src, common).fill_null(False)
    both_empty = pc.and_(pc.is_null(common), pc.or_kleene(pc.is_null(src), pc.equal(src, ""))).fill_null(False)
    return pc.or_(equal, both_empty)


def _mostly_spelled(raw: pa.Array, spellings: dict[str, pa.Array]) -> tuple[str, pa.Array] | None:
    """The phone spelling that rebuilds most of a source field's rows, with its per-row match, when it rebuilds
    at least half of them and every other row keeps a value of its own (stored verbatim, so a null could not
    say "derive me"). A dump mixing ``0612345678`` and ``06 12 34 56 78`` in one column (software and hand
    entry alike) matched no single spelling, and the column stayed whole in ``source``: 4 MB of a 33 MB
    records shard for 860,000 rows."""
    best: tuple[str, pa.Array, int] | None = None
    for alias, arr in spellings.items():
        match = _matches(raw, arr)
        hits = pc.sum(match).as_py() or 0
        if best is None or hits > best[2]:
            best = (alias, match, hits)
    if best is None or best[2] * 2 < len(raw):
        return None
    alias, match, _ = best
    if pc.any(pc.and_(pc.invert(match), pc.is_null(raw))).as_py():
        return None
    return alias, match


def _phone_spellings(phone: pa.Array) -> dict[str, pa.Array]:
    """French spellings of normalised phones (``+33DDDDDDDDD``) that source columns commonly hold.

    A dump keeps the phone as its software wrote it (``02 40 57 65 98``, ``0240576598``); the common ``phone``
    column holds it normalised. When a whole batch's source field is one of these spellings of the common
    column, the layout names the spelling and the value is not stored twice: on a PII-dense dump the phone was
    40% of the ``source`` column. Lossless by construction: the alias is kept only if every row compares equal.
    """
    tail = pc.utf8_slice_codeunits(phone, 3)
    french = pc.starts_with(phone, "+33")
    pairs = [pc.utf8_slice_codeunits(tail, i, i + 2) for i in range(1, 9, 2)]
    first = pc.binary_join_element_wise("0", pc.utf8_slice_codeunits(tail, 0, 1), "")
    out = {"national": pc.binary_join_element_wise("0", tail, ""),
           "spaced": pc.binary_join_element_wise(first, *pairs, " "),
           "dotted": pc.binary_join_element_wise(first, *pairs, ".")}
    return {k: pc.if_else(french, v, pa.scalar(None, pa.string())) for k, v in out.items()}


# alias -> (common column, spelling): a layout entry ``[field, "phone|spaced"]`` rebuilds the field from it.
_DERIVED = {f"phone|{k}": ("phone", k) for k in ("national", "spaced", "dotted")}


def _derived_value(alias: str, record: dict) -> str | None:
    column, spelling = _DERIVED[alias]
    value = record.get(column)
    if value is None:
        return None
    return _phone_spellings(pa.array([value], pa.string()))[spelling][0].as_py()


def records_table(frame, vpath: str, rid_start: int) -> pa.Table:
    """A records frame (common columns + ``src.*``) as the shard's Arrow table, built column-wise."""
    n = len(frame)
    cols: dict[str, pa.Array] = {"rid": pa.array(np.arange(rid_start, rid_start + n, dtype=np.int64))}
    cols["item"] = pa.repeat(pa.scalar(vpath, pa.string()), n)
    values = {c: _string_column(frame, c) for c in _VALUE_COLUMNS}
    for c in RECORD_COLUMNS[1:]:
        if c == "patient_key":
            keys = patient_keys(values["nir"], values["family_name"], values["given_name"], values["birth_date"])
            cols[c] = pc.if_else(pc.starts_with(keys, "nir:"), pa.scalar(None, pa.string()), keys)
        else:
            cols[c] = values[c]
    src_cols = [c for c in frame.columns if str(c).startswith("src.")]
    layout: list[list] = []
    kept: list[str] = []
    exceptions: dict[str, np.ndarray] = {}  # partly aliased fields: the rows whose own value is kept
    spellings: dict[str, pa.Array] | None = None
    for c in src_cols:
        raw = _frame_string(frame, c)
        alias = next((name for name, arr in values.items() if _same(raw, arr)), None)
        if alias is None:  # cheap: _same answers on the first value for all but the right spelling
            if spellings is None:
                spellings = {f"phone|{k}": v for k, v in _phone_spellings(values["phone"]).items()}
            alias = next((name for name, arr in spellings.items() if _same(raw, arr)), None)
            if alias is None and pc.any(pc.is_valid(values["phone"])).as_py():
                mostly = _mostly_spelled(raw, spellings)
                if mostly is not None:
                    alias = mostly[0]
                    exceptions[c] = mostly[1].to_numpy(zero_copy_only=False)
                    kept.append(c)
        layout.append([str(c)[4:], alias])
        if alias is None:
            kept.append(c)
    if kept:
        sub = frame[kept]
        if exceptions:
            sub = sub.copy()
            for c, derived in exceptions.items():
                sub[c] = sub[c].astype(object).where(~derived, None)
        text = sub.rename(columns=lambda c: str(c)[4:]).to_json(orient="records", lines=True, force_ascii=False)
        sources = pa.array(text.rstrip("\n").split("\n"), pa.string())  # JSON escapes newlines in values
    else:
        sources = pa.repeat(pa.scalar("{}", pa.string()), n)
    cols["source"] = sources
    cols["source_layout"] = pa.repeat(pa.scalar(json.dumps(layout, ensure_ascii=False), pa.string()), n)
    return pa.table(cols, schema=RECORDS)


def expand_source(record: dict) -> dict:
    """A record's whole source row, in the source's field order, from its JSON and its layout."""
    kept = json.loads(record.get("source") or "{}")
    layout = json.loads(record.get("source_layout") or "[]")
    if not layout:
        return kept
    # A field aliased to a spelling keeps its own value on the rows the spelling does not rebuild.
    return {name: (kept.get(name) if not alias or kept.get(name) is not None
                   else _derived_value(alias, record) if alias in _DERIVED else record.get(alias))
            for name, alias in layout}


def write_table(path: Path, table: pa.Table) -> None:
    """A whole small table written at once, atomically (post-scan results such as the attribution)."""
    part = path.with_name(path.name + PART_SUFFIX)
    part.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, part, compression="zstd", row_group_size=ROW_GROUP_ROWS)
    part.replace(path)



def patient_key(nir: str | None, family: str | None, given: str | None, born: str | None) -> str | None:
    """One record's key, as :func:`patient_keys` computes it over whole columns (tests, small callers)."""
    arr = patient_keys(pa.array([nir or None], pa.string()), pa.array([family or None], pa.string()),
                       pa.array([given or None], pa.string()), pa.array([born or None], pa.string()))
    return arr[0].as_py()
