"""Small result files merged at the end of a scan, so that a seized disk of many small files stays fast to query.

One shard per task is right for a dump of big files, wrong for a disk of a hundred thousand small ones: DuckDB
pays about 0.2 ms per file per query (3,000 one-row shards: 0.5 s for a count; 100,000 would make every click
of the window take seconds). When a completed scan leaves more than ``MIN_FILES`` small shards in a table, they
are rewritten into files of up to ``TARGET_ROWS`` rows.

Crash safety: the merged file is written as ``.part``; then one SQLite transaction registers it, forgets the
small files and records a journal entry (``case_meta.compaction``); then the file is renamed into place and the
small ones deleted; then the journal entry is cleared. :func:`finish_compaction` (run when a case is opened for
writing) completes an interrupted step from its journal, so a reader never counts a row twice for long and the
registry always matches the files once the case is opened again. Only finished tasks' shards are merged: a
finished task never runs again, so nothing needs to find its rows by file name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.schema import PART_SUFFIX, SHARD_TABLES, SHARDS_DIR
from workbench.engine.store.shards import ROW_GROUP_ROWS, describe, writer_options

MIN_FILES = 32  # below this many small files a table is left as it is
SMALL_BYTES = 4 * 2**20  # a shard smaller than this is worth merging
TARGET_ROWS = 2_000_000  # rows per merged file
COMPACT_TASK = "compact"
_JOURNAL = "compaction"


def compact_shards(store: CaseStore) -> dict[str, tuple[int, int]]:
    """Merge the small shards of finished tasks; returns ``{table: (files merged, files written)}``."""
    done: dict[str, tuple[int, int]] = {}
    finished = store.done_task_keys()
    for table, schema in SHARD_TABLES.items():
        small = [r for r in store.registered_shards()
                 if r["tbl"] == table and (r["bytes"] or 0) < SMALL_BYTES and r["task_key"] in finished]
        if len(small) < MIN_FILES:
            continue
        groups: list[list] = [[]]
        rows = 0
        for r in small:
            if rows + (r["rows"] or 0) > TARGET_ROWS and groups[-1]:
                groups.append([])
                rows = 0
            groups[-1].append(r)
            rows += r["rows"] or 0
        written = 0
        for group in groups:
            if len(group) > 1:
                _merge(store, table, schema, [r["path"] for r in group])
                written += 1
        done[table] = (sum(len(g) for g in groups if len(g) > 1), written)
    if done:
        store.log("balise", "results-compacted", {t: {"merged": m, "written": w} for t, (m, w) in done.items()})
    return done


def _merge(store: CaseStore, table: str, schema, old: list[str]) -> None:
    old = sorted(old)  # shard names begin with their task's sequence number: rows kept in the tasks' order
    first = old[0].rsplit("/", 1)[-1]
    lead = first.split("-", 1)[0] + "-" if first[:1].isdigit() and "-" in first else ""  # sorts where they were
    name = lead + "compact-" + hashlib.sha256("\n".join(old).encode()).hexdigest()[:24] + ".parquet"
    target = store.dir / SHARDS_DIR / table / name
    part = target.with_name(target.name + PART_SUFFIX)
    rows = 0
    with pq.ParquetWriter(part, schema, **writer_options(schema)) as writer:
        pending, pending_rows = [], 0
        for rel in old:
            t = pq.read_table(store.dir / rel, schema=schema)
            pending.append(t)
            pending_rows += t.num_rows
            if pending_rows >= ROW_GROUP_ROWS:
                writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
                rows += pending_rows
                pending, pending_rows = [], 0
        if pending:
            writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
            rows += pending_rows
    merged = replace(describe(store.dir, part, table, rows), path=target.relative_to(store.dir).as_posix())
    with store.transaction():
        store.set_meta(_JOURNAL, json.dumps({"new": merged.path, "old": old}))
        store.db.executemany("DELETE FROM shards WHERE path=?", [(p,) for p in old])
        store.register_shard_file(COMPACT_TASK, merged)
    _roll_forward(store)


def _roll_forward(store: CaseStore) -> None:
    raw = store.meta(_JOURNAL)
    if not raw:
        return
    step = json.loads(raw)
    target = store.dir / step["new"]
    part = target.with_name(target.name + PART_SUFFIX)
    if part.exists():
        part.replace(target)
    if target.exists():
        for rel in step["old"]:
            (store.dir / rel).unlink(missing_ok=True)
    with store.transaction():
        store.db.execute("DELETE FROM case_meta WHERE key=?", (_JOURNAL,))


def finish_compaction(store: CaseStore) -> None:
    """Complete a merge that a crash interrupted (see the module docstring)."""
    _roll_forward(store)

