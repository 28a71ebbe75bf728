"""The exports' queries (STIX, MISP, CASE/UCO, DFXML, feature files), read through a :class:`CaseReader`.

What the typed report model does not hold because it grows with the dump: every item with its hashes (DFXML
lists them all; a 1 TiB dump holds millions of members), and every distinct identifier with its first offset (the
feature files). Both are streamed in batches (keyset pages of SQLite for the items, an Arrow reader over DuckDB
for the identifiers), so an export's memory does not depend on the dump's size.

Top-level files of a folder evidence have no item hash of their own in ``items`` (they were hashed at intake into
``evidence_files``, MD5 + SHA-1 + SHA-256): the item rows take those hashes back by path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from workbench.engine.store.reader import CaseReader

EXPORT_ITEM_COLUMNS = ("id", "parent_id", "evidence_id", "vpath", "name", "depth", "entry_type", "kind", "format",
                       "mime", "size", "sha256", "md5", "sha1", "status", "error", "mtime")


def iter_export_items(reader: CaseReader, batch: int = 5_000) -> Iterator[list[dict[str, Any]]]:
    """Every item in id order with its hashes (an evidence file's MD5/SHA-1/SHA-256 from intake), in batches."""
    last = -1
    while True:
        rows = reader.meta_rows(
            "SELECT i.id, i.parent_id, i.evidence_id, i.vpath, i.name, i.depth, i.entry_type, i.kind, i.format, "
            "i.mime, i.size, COALESCE(i.sha256, f.sha256, e.sha256) AS sha256, COALESCE(f.md5, e.md5) AS md5, "
            "COALESCE(f.sha1, e.sha1) AS sha1, i.status, i.error, i.mtime FROM items i "
            "LEFT JOIN evidence e ON e.id = i.evidence_id AND i.parent_id IS NULL AND NOT e.is_dir "
            "LEFT JOIN evidence_files f ON f.evidence_id = i.evidence_id AND i.depth = 0 "
            "  AND instr(i.vpath, '!/') = 0 AND substr(i.vpath, instr(i.vpath, '/') + 1) = f.relpath "
            "WHERE i.id > ? ORDER BY i.id LIMIT ?", (last, batch))
        if not rows:
            return
        last = rows[-1]["id"]
        yield [{c: r[c] for c in EXPORT_ITEM_COLUMNS} for r in rows]


def identifier_features(reader: CaseReader, id_type: str, batch_rows: int = 100_000) -> Iterator[pa.RecordBatch]:
    """Every distinct identifier of one type in one item (``item, value, count, first_offset``), by item then
    offset, as Arrow batches."""
    with reader._lock:
        reader._ensure(())
        cur = reader.duck.cursor()
    try:
        rel = cur.sql("SELECT item, value, SUM(count) AS count, MIN(first_offset) AS first_offset FROM identifiers "
                      "WHERE type = ? GROUP BY item, value ORDER BY item, first_offset, value", params=[id_type])
        yield from rel.to_arrow_reader(batch_rows)
    finally:
        cur.close()


def identifier_histogram(reader: CaseReader, id_type: str, batch_rows: int = 100_000) -> Iterator[pa.RecordBatch]:
    """Each distinct identifier of one type with its total hits over the case, most frequent first."""
    with reader._lock:
        reader._ensure(())
        cur = reader.duck.cursor()
    try:
        rel = cur.sql("SELECT value, SUM(count) AS count FROM identifiers WHERE type = ? GROUP BY value "
                      "ORDER BY count DESC, value", params=[id_type])
        yield from rel.to_arrow_reader(batch_rows)
    finally:
        cur.close()


def all_findings(reader: CaseReader, batch: int = 5_000) -> Iterator[list[dict[str, Any]]]:
    """Every finding with its item's path and SHA-256, in id order, in batches (excerpts are stored masked)."""
    last = -1
    while True:
        rows = reader.meta_rows(
            "SELECT f.id, f.detector, f.rule, f.namespace, f.tags, f.meta, f.offset, f.length, f.layer, f.excerpt, "
            "f.severity, i.vpath, i.sha256 FROM findings f JOIN items i ON i.id = f.item_id WHERE f.id > ? "
            "ORDER BY f.id LIMIT ?", (last, batch))
        if not rows:
            return
        last = rows[-1]["id"]
        yield [dict(r) for r in rows]


def scan_tasks(reader: CaseReader) -> dict[str, Any]:
    """When the scan ran (first task started, last finished) and how many tasks it had."""
    row = reader.meta_rows("SELECT MIN(started_utc), MAX(finished_utc), COUNT(*) FROM tasks")[0]
    return {"started_utc": row[0], "finished_utc": row[1], "tasks": row[2]}
