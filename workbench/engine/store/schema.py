"""The shape of a case folder: SQLite metadata tables and the Arrow schemas of the Parquet result shards.

Why two stores (measured on a 20 MB PII-dense CSV, 2 cores, issue 10): the previous all-SQLite case spent 61% of
the coordinator's time in one upsert per distinct identifier and 21% of the workers' time inserting record rows,
and grew to 7x the evidence (135 MB for 20 MB). Results that come in millions (records, distinct identifiers,
beacon and watermark evidence) are now written by the workers as Arrow batches into Parquet shards (zstd,
dictionary-encoded), once per task, and queried with DuckDB. What comes in thousands and must be transactional
stays in SQLite (WAL): evidence, items, findings, errors, tasks, rule sets and the hash-chained custody log.
SQLite lets the window read while another process scans (DuckDB's own file format allows one writing process
and no concurrent reader), and the custody chain needs atomic appends.

Layout::

    CASE/case.sqlite                         metadata (this module's SQLITE_SCHEMA)
    CASE/custody.jsonl                       mirror of the custody log
    CASE/shards/<table>/<seq>-<task>.parquet results of one task (written as .parquet.part, then renamed)
    CASE/shards/attribution.parquet          the attribution of every attributed record (post-scan)
    CASE/tmp/                                spooled members, DuckDB's and SQLite's temporary files
"""

from __future__ import annotations

import pyarrow as pa

DB_NAME = "case.sqlite"
CUSTODY_MIRROR = "custody.jsonl"
SHARDS_DIR = "shards"
ATTRIBUTION_FILE = "attribution.parquet"
ATTRIBUTION_TASK = "attribution"  # the task key under which the attribution file is registered in ``shards``
PART_SUFFIX = ".part"
# 1: everything in SQLite (records, identifiers, beacon and watermark hits as rows). 2: results in Parquet shards.
SCHEMA_VERSION = 2
GENESIS = "0" * 64

# A record id is the task's sequence number (tasks.rowid) in the high 32 bits and the record's position in its
# task in the low 32 bits: unique across the case, stable across re-reads, computed by the worker alone.
RID_TASK_SHIFT = 32

RECORD_COLUMNS = [
    "item", "locator", "tbl", "nir", "family_name", "birth_name", "given_name", "birth_date", "sex", "ipp", "nda",
    "phone", "email", "address", "postcode", "city", "facility_finess", "facility_code", "facility_name",
    "dicom_uid", "event_first", "event_last", "categories", "patient_key",
]
ATTRIBUTION_COLUMNS = ["establishment", "recipient", "basis", "confidence", "proof"]

# ``source`` holds, as a JSON object, the source fields whose value no common column carries verbatim;
# ``source_layout`` (one value per batch: dictionary-encoded, so free) lists every source field in its order with
# the common column that carries it (``[["NOM", "family_name"], ["TEL", null]]``). The reader puts the whole
# source row back together (:func:`workbench.engine.store.shards.expand_source`). Measured on a PII-dense CSV:
# the source JSON of every field was 55% of the records shard; without the duplicated fields the case folder
# falls from 0.8x to about 0.35x of the evidence.
# ``patient_key`` is null where the record's NIR gives it (``nir:`` + the NIR): the reader's view fills it in.
RECORDS = pa.schema([pa.field("rid", pa.int64()), *(pa.field(c, pa.string()) for c in RECORD_COLUMNS),
                     pa.field("source", pa.string()), pa.field("source_layout", pa.string())])
IDENTIFIERS = pa.schema([("item", pa.string()), ("type", pa.string()), ("value", pa.string()),
                         ("count", pa.int64()), ("first_offset", pa.int64())])
BEACON_HITS = pa.schema([("beacon_id", pa.string()), ("kind", pa.string()), ("establishment", pa.string()),
                         ("recipient", pa.string()), ("item", pa.string()), ("locator", pa.string()),
                         ("container", pa.string()), ("status", pa.string()), ("fields", pa.string())])
WATERMARK_HITS = pa.schema([("item", pa.string()), ("locator", pa.string()), ("container", pa.string()),
                            ("kind", pa.string()), ("establishment", pa.string()), ("recipient", pa.string()),
                            ("rows", pa.int64()), ("p_value", pa.float64()), ("fraction", pa.float64()),
                            ("detail", pa.string())])
ATTRIBUTION = pa.schema([("rid", pa.int64()), ("establishment", pa.string()), ("recipient", pa.string()),
                         ("basis", pa.string()), ("confidence", pa.string()), ("proof", pa.string())])

SHARD_TABLES: dict[str, pa.Schema] = {
    "records": RECORDS, "identifiers": IDENTIFIERS, "beacon_hits": BEACON_HITS, "watermark_hits": WATERMARK_HITS,
}

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS case_meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, is_dir INTEGER, size INTEGER,
    md5 TEXT, sha1 TEXT, sha256 TEXT, acquired_utc TEXT,
    verified_utc TEXT, unchanged INTEGER, changes TEXT);
CREATE TABLE IF NOT EXISTS evidence_files (
    evidence_id INTEGER, relpath TEXT, size INTEGER, md5 TEXT, sha1 TEXT, sha256 TEXT, mtime_ns INTEGER,
    PRIMARY KEY (evidence_id, relpath));
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY, evidence_id INTEGER, parent_id INTEGER, task_key TEXT,
    vpath TEXT NOT NULL UNIQUE, name TEXT, depth INTEGER, entry_type TEXT, size INTEGER, size_claimed INTEGER,
    kind TEXT, format TEXT, mime TEXT, magic TEXT, extension TEXT, ext_mismatch INTEGER, encoding TEXT,
    delimiter TEXT, sha256 TEXT, status TEXT, error_stage TEXT, error TEXT, link_target TEXT, mtime TEXT,
    findings INTEGER DEFAULT 0, records INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS items_parent ON items(parent_id);
CREATE INDEX IF NOT EXISTS items_task ON items(task_key);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY, item_id INTEGER, detector TEXT, rule TEXT, namespace TEXT, tags TEXT, meta TEXT,
    offset INTEGER, length INTEGER, layer TEXT, excerpt TEXT, severity TEXT);
CREATE INDEX IF NOT EXISTS findings_item ON findings(item_id);
CREATE TABLE IF NOT EXISTS errors (id INTEGER PRIMARY KEY, item_id INTEGER, vpath TEXT, stage TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS rulesets (name TEXT PRIMARY KEY, path TEXT, sha256 TEXT, origin TEXT);
CREATE TABLE IF NOT EXISTS rules_skipped (path TEXT PRIMARY KEY, line INTEGER, reason TEXT, sha256 TEXT, origin TEXT);
CREATE TABLE IF NOT EXISTS tasks (
    key TEXT PRIMARY KEY, evidence_id INTEGER, route TEXT, size INTEGER, status TEXT,
    started_utc TEXT, finished_utc TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS custody (
    seq INTEGER PRIMARY KEY, ts_utc TEXT, actor TEXT, action TEXT, detail TEXT, prev_hash TEXT, hash TEXT);
CREATE TABLE IF NOT EXISTS shards (
    path TEXT PRIMARY KEY, task_key TEXT, tbl TEXT, rows INTEGER, bytes INTEGER, sha256 TEXT);
CREATE TABLE IF NOT EXISTS attribution_conflicts (
    id INTEGER PRIMARY KEY, item_id INTEGER, container TEXT, basis TEXT, establishments TEXT, detail TEXT);
"""

# Tables of a schema-1 case that now live in shards: their presence with rows marks a case to convert.
LEGACY_RESULT_TABLES = ("records", "identifiers", "beacon_hits", "watermark_hits")
