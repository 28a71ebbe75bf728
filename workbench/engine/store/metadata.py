"""The case's metadata: one SQLite database (WAL) per case folder, written by the scan's main process only.

Evidence, items, findings, errors, tasks, rule sets and the custody log live here; the bulk results (records,
identifiers, beacon and watermark evidence) are Parquet shards written by the workers (:mod:`.shards`), and
everything is read through :class:`workbench.engine.store.reader.CaseReader`. The custody log is append-only and hash-chained; its head is mirrored in
``case_meta`` and in ``custody.jsonl`` beside the database, so that an edited, reordered or truncated log is
detected by :func:`workbench.engine.store.custody.verify_case`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.engine.evidence import Evidence, utc_now
from workbench.engine.model import Finding, ItemError, ItemInfo
from workbench.engine.store.casekey import (
    create_case_key,
    fingerprint_of,
    load_case_key,
    public_raw,
    sign_entry,
)
from workbench.engine.store.schema import (
    CUSTODY_MIRROR,
    DB_NAME,
    GENESIS,
    LEGACY_RESULT_TABLES,
    SCHEMA_VERSION,
    SQLITE_SCHEMA,
)
from workbench.engine.store.shards import ShardFile, delete_task_shards

# Result rows kept in SQLite, digested when the results are sealed (with the shards): table -> (columns, order).
# The evidence's verification columns (unchanged, verified_utc, changes) are left out: each verification
# rewrites them, and each is logged in the custody chain anyway.
SEALED_TABLES: dict[str, tuple[str, str]] = {
    "evidence": ("id, path, is_dir, size, md5, sha1, sha256, acquired_utc", "id"),
    "evidence_files": ("evidence_id, relpath, size, md5, sha1, sha256, mtime_ns", "evidence_id, relpath"),
    "items": ("*", "id"),
    "findings": ("*", "id"),
    "errors": ("*", "id"),
    "rulesets": ("*", "name"),
    "attribution_conflicts": ("*", "id"),
}
# The custody entries mirrored in the structured log (workbench.logs masks identifiers in it).
_custody_log = logging.getLogger("workbench.custody")


class OldCaseError(Exception):
    """The folder holds a case made by an earlier version whose results cannot be read by this one."""


def _chain_hash(prev_hash: str, seq: int, ts: str, actor: str, action: str, detail: str) -> str:
    body = json.dumps([prev_hash, seq, ts, actor, action, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class CaseStore:
    """Read/write access to a case folder's SQLite store."""

    def __init__(self, case_dir: Path, *, create: bool = True, readonly: bool = False):
        self.dir = Path(case_dir)
        db = self.dir / DB_NAME
        if not db.exists() and not create:
            raise FileNotFoundError(f"no case store in {self.dir}")
        if create and not readonly:
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.dir / "tmp").mkdir(exist_ok=True)
        self._case_key = None
        if readonly:
            self.db = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
            self.db.execute("PRAGMA temp_store=MEMORY")  # sorts of a read-only store stay out of /var/tmp too
            check_schema(self.db, self.dir)
        else:
            self.db = sqlite3.connect(db, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            # SQLite's own temporary files would go to the system's temp folder, outside the case: the metadata
            # is small (thousands of rows), so its sorts stay in memory.
            self.db.execute("PRAGMA temp_store=MEMORY")
            check_schema(self.db, self.dir)
            self.db.executescript(SQLITE_SCHEMA)
            if "sig" not in {r[1] for r in self.db.execute("PRAGMA table_info(custody)")}:
                self.db.execute("ALTER TABLE custody ADD COLUMN sig TEXT")  # a case made before case keys
                self.db.commit()
            self._case_key = load_case_key(self.dir)
            if self.meta("schema_version") is None:
                self.set_meta("schema_version", str(SCHEMA_VERSION))
                self.set_meta("created_utc", utc_now())
                self.set_meta("tool_version", __version__)
                if self._case_key is None:
                    self._case_key = create_case_key(self.dir)
                public = base64.b64encode(public_raw(self._case_key)).decode("ascii")
                self.set_meta("case_public_key", public)
                self.set_meta("case_key_id", fingerprint_of(public))
                self.db.commit()
                self.log("balise", "case-created", {"dir": str(self.dir.resolve()), "case_key": fingerprint_of(public),
                                                    "case_public_key": public})
            from workbench.engine.store.compaction import finish_compaction  # (imports this module)

            finish_compaction(self)
        self.db.row_factory = sqlite3.Row

    @property
    def tmp_dir(self) -> Path:
        return self.dir / "tmp"

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self.db
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise

    # -- metadata -------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM case_meta WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def all_meta(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT key, value FROM case_meta")}

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO case_meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (key, value))

    def set_case_info(self, info: Mapping[str, str]) -> None:
        with self.transaction():
            for k, v in info.items():
                if v is not None:
                    self.set_meta(k, str(v))
        self.log("analyst", "case-info", dict(info))

    # -- custody log ----------------------------------------------------------------------------
    def log(self, actor: str, action: str, detail: Mapping[str, Any] | None = None) -> str:
        """Append one hash-chained custody entry; returns its hash."""
        detail_json = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
        row = self.db.execute("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (1, GENESIS) if row is None else (row[0] + 1, row[1])
        ts = utc_now()
        h = _chain_hash(prev, seq, ts, actor, action, detail_json)
        # Signed with the case key (see :mod:`.casekey` for what that proves); unsigned when the case has no key.
        sig = sign_entry(self._case_key, h) if self._case_key is not None else None
        with self.transaction():
            self.db.execute("INSERT INTO custody(seq, ts_utc, actor, action, detail, prev_hash, hash, sig) "
                            "VALUES(?,?,?,?,?,?,?,?)", (seq, ts, actor, action, detail_json, prev, h, sig))
            self.set_meta("custody_head", h)
            self.set_meta("custody_count", str(seq))
        with open(self.dir / CUSTODY_MIRROR, "a", encoding="utf-8") as mirror:
            mirror.write(json.dumps({"seq": seq, "ts_utc": ts, "actor": actor, "action": action, "detail": detail_json,
                                     "prev_hash": prev, "hash": h, "sig": sig}, ensure_ascii=False) + "\n")
        _custody_log.info(action, extra={"fields": {"actor": actor, "seq": seq, "hash": h, "detail": dict(detail or {})}})
        return h

    def custody(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM custody ORDER BY seq")]

    # -- evidence -------------------------------------------------------------------------------
    def add_evidence(self, ev: Evidence) -> int:
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO evidence(path, is_dir, size, md5, sha1, sha256, acquired_utc) VALUES(?,?,?,?,?,?,?)",
                (ev.path, int(ev.is_dir), ev.size, ev.md5, ev.sha1, ev.sha256, ev.acquired_utc))
            eid = cur.lastrowid
            self.db.executemany(
                "INSERT INTO evidence_files(evidence_id, relpath, size, md5, sha1, sha256, mtime_ns) VALUES(?,?,?,?,?,?,?)",
                [(eid, f.relpath, f.size, f.md5, f.sha1, f.sha256, f.mtime_ns) for f in ev.files])
        self.log("balise", "evidence-acquired", {"path": ev.path, "size": ev.size, "md5": ev.md5, "sha1": ev.sha1,
                                                 "sha256": ev.sha256, "files": len(ev.files)})
        return eid

    def evidence_by_path(self, path: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM evidence WHERE path=?", (path,)).fetchone()

    def evidence_list(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM evidence ORDER BY id").fetchall()

    def load_evidence(self, evidence_id: int) -> Evidence:
        from workbench.engine.evidence import EvidenceFile

        row = self.db.execute("SELECT * FROM evidence WHERE id=?", (evidence_id,)).fetchone()
        files = [EvidenceFile(r["relpath"], r["size"], r["md5"], r["sha1"], r["sha256"], r["mtime_ns"])
                 for r in self.db.execute("SELECT * FROM evidence_files WHERE evidence_id=? ORDER BY relpath", (evidence_id,))]
        return Evidence(row["path"], bool(row["is_dir"]), row["size"], row["md5"], row["sha1"], row["sha256"],
                        row["acquired_utc"], files)

    def set_verification(self, evidence_id: int, unchanged: bool, verified_utc: str, changes: list[str]) -> None:
        with self.transaction():
            self.db.execute("UPDATE evidence SET unchanged=?, verified_utc=?, changes=? WHERE id=?",
                            (int(unchanged), verified_utc, json.dumps(changes), evidence_id))
        self.log("balise", "evidence-verified", {"evidence_id": evidence_id, "unchanged": unchanged, "changes": changes})

    # -- rule sets ------------------------------------------------------------------------------
    def set_rulesets(self, sources: Iterable[tuple[str, str, str, str]],
                     skipped: Iterable[tuple[str, int | None, str, str, str]] = ()) -> None:
        """The rule files of the last scan: applied (name, path, sha256, origin) and not applied, with the one-line
        reason (path, line, reason, sha256, origin): a file that did not compile was skipped, and the report
        says so."""
        with self.transaction():
            self.db.execute("DELETE FROM rulesets")
            self.db.executemany("INSERT INTO rulesets(name, path, sha256, origin) VALUES(?,?,?,?)", list(sources))
            self.db.execute("DELETE FROM rules_skipped")
            self.db.executemany("INSERT OR REPLACE INTO rules_skipped(path, line, reason, sha256, origin) "
                                "VALUES(?,?,?,?,?)", list(skipped))

    # -- tasks (resume) -------------------------------------------------------------------------
    def upsert_task(self, key: str, evidence_id: int, route: list[str], size: int) -> str:
        row = self.db.execute("SELECT status FROM tasks WHERE key=?", (key,)).fetchone()
        if row is not None:
            return row[0]
        self.db.execute("INSERT INTO tasks(key, evidence_id, route, size, status) VALUES(?,?,?,?, 'pending')",
                        (key, evidence_id, json.dumps(route), size))
        return "pending"

    def start_task(self, key: str) -> None:
        """Forget a half-done task's results (an interrupted run) before running it again."""
        self.forget_task_items(key)
        self.db.execute("UPDATE tasks SET status='running', started_utc=?, error=NULL WHERE key=?", (utc_now(), key))
        delete_task_shards(self.dir, key, self.task_seq(key))
        self.forget_shards(key)

    def forget_task_items(self, key: str) -> None:
        """The items, findings and errors a task recorded (its shards are left alone: a retry rewrites them)."""
        ids = "SELECT id FROM items WHERE task_key=?"
        for table in ("findings", "errors"):
            self.db.execute(f"DELETE FROM {table} WHERE item_id IN ({ids})", (key,))
        self.db.execute("DELETE FROM items WHERE task_key=?", (key,))

    def task_seq(self, key: str) -> int:
        """The task's sequence number in the case (high bits of its record ids)."""
        return self.db.execute("SELECT rowid FROM tasks WHERE key=?", (key,)).fetchone()[0]

    def done_task_keys(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT key FROM tasks WHERE status='done'")}

    def redo_finished_tasks(self) -> int:
        """Mark every finished task to be done again (the case changed registry); returns how many."""
        cur = self.db.execute("UPDATE tasks SET status='pending' WHERE status IN ('done', 'crashed')")
        return cur.rowcount

    def task_route(self, key: str) -> str | None:
        row = self.db.execute("SELECT route FROM tasks WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def finish_task(self, key: str, status: str, error: str | None = None) -> None:
        self.db.execute("UPDATE tasks SET status=?, finished_utc=?, error=? WHERE key=?", (status, utc_now(), error, key))

    # -- items and results ----------------------------------------------------------------------
    def item_id(self, vpath: str) -> int | None:
        row = self.db.execute("SELECT id FROM items WHERE vpath=?", (vpath,)).fetchone()
        return None if row is None else row[0]

    def put_item(self, info: ItemInfo, *, evidence_id: int, task_key: str) -> int:
        parent_id = self.item_id(info.parent_vpath) if info.parent_vpath else None
        cols = ("evidence_id", "parent_id", "task_key", "vpath", "name", "depth", "entry_type", "size", "size_claimed",
                "kind", "format", "mime", "magic", "extension", "ext_mismatch", "encoding", "delimiter", "sha256",
                "status", "error_stage", "error", "link_target", "mtime")
        values = (evidence_id, parent_id, task_key, info.vpath, info.name, info.depth, info.entry_type, info.size,
                  info.size_claimed, info.kind, info.format, info.mime, info.magic, info.extension,
                  int(info.ext_mismatch), info.encoding, info.delimiter, info.sha256, info.status, info.error_stage,
                  info.error, info.link_target, info.mtime)
        updates = ", ".join(f"{c}=excluded.{c}" for c in cols[3:])
        self.db.execute(f"INSERT INTO items({', '.join(cols)}) VALUES({', '.join('?' * len(cols))}) "
                        f"ON CONFLICT(vpath) DO UPDATE SET {updates}", values)
        return self.item_id(info.vpath)  # type: ignore[return-value]

    def _require_item(self, vpath: str) -> int:
        item_id = self.item_id(vpath)
        if item_id is None:
            raise KeyError(f"unknown item {vpath!r}")
        return item_id

    def replace_findings(self, vpath: str, detector: str, findings: Iterable[Finding]) -> None:
        """The ``detector``'s findings on one item, replacing those of an earlier attempt (a task run again)."""
        item_id = self._require_item(vpath)
        self.db.execute("DELETE FROM findings WHERE item_id=? AND detector=?", (item_id, detector))
        self.add_findings(findings)
        self.db.execute("UPDATE items SET findings=(SELECT COUNT(*) FROM findings WHERE item_id=?) WHERE id=?",
                        (item_id, item_id))

    def add_findings(self, findings: Iterable[Finding]) -> None:
        rows = []
        for f in findings:
            item_id = self._require_item(f.vpath)
            rows.append((item_id, f.detector, f.rule, f.namespace, json.dumps(f.tags), json.dumps(f.meta, default=str),
                         f.offset, f.length, f.layer, f.excerpt, f.severity))
        self.db.executemany("INSERT INTO findings(item_id, detector, rule, namespace, tags, meta, offset, length, layer, "
                            "excerpt, severity) VALUES(?,?,?,?,?,?,?,?,?,?,?)", rows)
        for item_id in {r[0] for r in rows}:
            self.db.execute("UPDATE items SET findings=(SELECT COUNT(*) FROM findings WHERE item_id=?) WHERE id=?",
                            (item_id, item_id))

    def set_record_counts(self, per_item: Mapping[str, int]) -> None:
        """Records parsed per item (the items table shows them; the records are in the task's shard)."""
        self.db.executemany("UPDATE items SET records=records+? WHERE vpath=?",
                            [(n, vpath) for vpath, n in per_item.items()])

    def first_item_of_task(self, key: str) -> str | None:
        row = self.db.execute("SELECT vpath FROM items WHERE task_key=? ORDER BY depth LIMIT 1", (key,)).fetchone()
        return None if row is None else row[0]

    def mark_item_partial(self, vpath: str, stage: str, message: str) -> None:
        """An error in one range of a split file (text_split): the item is partial, as a whole walk makes it; the
        first error's stage and text are kept."""
        self.db.execute("UPDATE items SET status='partial', error_stage=COALESCE(error_stage, ?), "
                        "error=COALESCE(error, ?) WHERE vpath=? AND status='done'", (stage, message, vpath))

    def mark_item_error(self, vpath: str, stage: str, message: str) -> None:
        self.db.execute("UPDATE items SET status='error', error_stage=?, error=? WHERE vpath=?",
                        (stage, message, vpath))

    def register_evidence(self, path: str, is_dir: bool) -> int:
        """The evidence's row, made when a scan starts; :meth:`store_intake` adds its hashes, computed while the
        scan reads it (one trip through the page cache)."""
        with self.transaction():
            cur = self.db.execute("INSERT INTO evidence(path, is_dir, size) VALUES(?,?,?)", (path, int(is_dir), None))
        return cur.lastrowid  # type: ignore[return-value]

    def evidence_label(self, evidence_id: int) -> str | None:
        row = self.db.execute("SELECT vpath FROM items WHERE evidence_id=? AND depth=0 ORDER BY id LIMIT 1",
                              (evidence_id,)).fetchone()
        return None if row is None else row[0]

    def store_intake(self, evidence_id: int, ev: Evidence) -> None:
        """The hashes of an evidence taken in during the scan."""
        with self.transaction():
            self.db.execute("UPDATE evidence SET size=?, md5=?, sha1=?, sha256=?, acquired_utc=? WHERE id=?",
                            (ev.size, ev.md5, ev.sha1, ev.sha256, ev.acquired_utc, evidence_id))
            self.db.executemany(
                "INSERT OR REPLACE INTO evidence_files(evidence_id, relpath, size, md5, sha1, sha256, mtime_ns) "
                "VALUES(?,?,?,?,?,?,?)",
                [(evidence_id, f.relpath, f.size, f.md5, f.sha1, f.sha256, f.mtime_ns) for f in ev.files])
        self.log("balise", "evidence-acquired", {"path": ev.path, "size": ev.size, "md5": ev.md5, "sha1": ev.sha1,
                                                 "sha256": ev.sha256, "files": len(ev.files),
                                                 "acquired_utc": ev.acquired_utc})

    def fill_file_hashes(self, evidence_id: int, label: str) -> None:
        """Give the evidence's own files (items at depth 0) the SHA-256 taken at intake.

        A worker maps a top-level file without hashing it (the intake hashes every evidence file once, in
        parallel with the scan, and hashing it again would cost the scan a second pass over its bytes), so its
        item had no hash: the PDF's item annex showed "-" for exactly the files the analyst seized. Filled after
        the intake, for every evidence of the scan (a resumed task writes its item again, without the hash).
        """
        with self.transaction():
            self.db.execute(
                "UPDATE items SET sha256 = (SELECT f.sha256 FROM evidence_files f WHERE f.evidence_id = items.evidence_id "
                "AND f.relpath = substr(items.vpath, length(?) + 2)) "
                "WHERE evidence_id = ? AND depth = 0 AND sha256 IS NULL AND substr(vpath, 1, length(?) + 1) = ? || '/' "
                "AND instr(vpath, '!/') = 0", (label, evidence_id, label, label))
            self.db.execute(
                "UPDATE items SET sha256 = (SELECT sha256 FROM evidence WHERE id = ? AND NOT is_dir) "
                "WHERE evidence_id = ? AND vpath = ? AND sha256 IS NULL", (evidence_id, evidence_id, label))

    # -- attribution conflicts (written by the attribution pass) ---------------------------------------
    # -- result shards: registered as written, sealed in the custody log --------------------------------
    def register_shards(self, task_key: str, files: Iterable[ShardFile]) -> None:
        self.forget_shards(task_key)
        self.db.executemany("INSERT OR REPLACE INTO shards(path, task_key, tbl, rows, bytes, sha256) VALUES(?,?,?,?,?,?)",
                            [(f.path, task_key, f.table, f.rows, f.bytes, f.sha256) for f in files])

    def register_shard_file(self, task_key: str, f: ShardFile) -> None:
        self.db.execute("INSERT OR REPLACE INTO shards(path, task_key, tbl, rows, bytes, sha256) VALUES(?,?,?,?,?,?)",
                        (f.path, task_key, f.table, f.rows, f.bytes, f.sha256))

    def forget_shards(self, task_key: str) -> None:
        self.db.execute("DELETE FROM shards WHERE task_key=?", (task_key,))

    def registered_shards(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT path, task_key, tbl, rows, bytes, sha256 FROM shards ORDER BY path").fetchall()

    def seal_results(self) -> str:
        """Log the digest of every registered shard (path and SHA-256, each task's files) and of every result
        row kept in SQLite (evidence, items, findings, errors, rule sets, conflicts): editing, removing or adding
        a result file or a row afterwards, or the list itself, is seen by ``balise case verify``."""
        rows = self.registered_shards()
        digest = results_digest((r["path"], r["sha256"]) for r in rows)
        self.commit()
        self.log("balise", "results-sealed", {"files": len(rows), "rows": sum(r["rows"] or 0 for r in rows),
                                              "bytes": sum(r["bytes"] or 0 for r in rows), "digest": digest,
                                              "tables": self.table_digests()})
        return digest

    def table_digests(self) -> dict[str, dict[str, Any]]:
        """``{table: {rows, sha256}}`` of the result rows kept in SQLite (:data:`SEALED_TABLES`), each table
        hashed as canonical JSON in batches of 10,000 rows, in primary-key order (a C-speed encoder: about
        1 s per million rows)."""
        out: dict[str, dict[str, Any]] = {}
        for table, (columns, order) in SEALED_TABLES.items():
            h = hashlib.sha256()
            n = 0
            cur = self.db.execute(f"SELECT {columns} FROM {table} ORDER BY {order}")
            while batch := cur.fetchmany(10_000):
                h.update(json.dumps([tuple(r) for r in batch], ensure_ascii=False, separators=(",", ":"),
                                    default=str).encode("utf-8"))
                n += len(batch)
            out[table] = {"rows": n, "sha256": h.hexdigest()}
        return out

    def conflict_items(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT i.vpath FROM attribution_conflicts c JOIN items i ON i.id = c.item_id")]

    def clear_conflicts(self) -> None:
        self.db.execute("DELETE FROM attribution_conflicts")

    def add_conflict(self, item_vpath: str | None, container: str, basis: str, establishments: list[str],
                     detail: Any) -> None:
        item_id = self.item_id(item_vpath) if item_vpath else None
        self.db.execute("INSERT INTO attribution_conflicts(item_id, container, basis, establishments, detail) "
                        "VALUES(?,?,?,?,?)", (item_id, container, basis, json.dumps(establishments),
                                              json.dumps(detail, default=str, ensure_ascii=False)))

    def add_error(self, err: ItemError) -> None:
        item_id = self.item_id(err.vpath)
        self.db.execute("INSERT INTO errors(item_id, vpath, stage, error) VALUES(?,?,?,?)",
                        (item_id, err.vpath, err.stage, err.error))

    def commit(self) -> None:
        self.db.commit()

    # -- queries used by the shells and the report ------------------------------------------------
    def count(self, table: str, where: str = "", params: tuple = ()) -> int:
        return self.db.execute(f"SELECT COUNT(*) FROM {table} {where}", params).fetchone()[0]

    def items_by_kind(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.execute("SELECT kind, COUNT(*) FROM items GROUP BY kind ORDER BY 2 DESC")}

    def findings_by_rule(self) -> dict[str, int]:
        return {f"{r[0]}:{r[1]}": r[2] for r in self.db.execute(
            "SELECT detector, rule, COUNT(*) FROM findings GROUP BY detector, rule ORDER BY 3 DESC")}

    def errors(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT vpath, stage, error FROM errors ORDER BY id").fetchall()


def results_digest(files: Iterable[tuple[str, str]]) -> str:
    """SHA-256 over the sorted ``path NUL sha256`` lines of the result files."""
    h = hashlib.sha256()
    for path, sha in sorted(files):
        h.update(f"{path}\x00{sha}\n".encode())
    return h.hexdigest()


def check_schema(db: sqlite3.Connection, case_dir: Path) -> None:
    """Refuse, in one line, a case written by an earlier version whose results live in SQLite rows."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='case_meta'").fetchone() is None:
        return  # a new case
    row = db.execute("SELECT value FROM case_meta WHERE key='schema_version'").fetchone()
    version = int(row[0]) if row and str(row[0]).isdigit() else None
    legacy = [t for t in LEGACY_RESULT_TABLES
              if db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (t,)).fetchone()]
    if version is not None and version < SCHEMA_VERSION or legacy:
        raise OldCaseError(
            f"{case_dir} was made by an earlier Balise (case schema {version}, results in SQLite rows); this version "
            f"reads schema {SCHEMA_VERSION}: scan the same evidence again into a new case folder "
            f"(balise scan DUMP --case NEW_DIR)")
    if version is not None and version > SCHEMA_VERSION:
        raise OldCaseError(f"{case_dir} was made by a newer Balise (case schema {version}): open it with that version")
