"""The case store: one SQLite database (WAL) per case folder, the only place scan results meet.

The main process is the only writer. The custody log is append-only and hash-chained; its head is mirrored in
``case_meta`` and in ``custody.jsonl`` beside the database, so that an edited, reordered or truncated log is
detected by :func:`workbench.engine.custody.verify_case`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.engine.evidence import Evidence, utc_now
from workbench.engine.model import Finding, IdentifierCounts, ItemError, ItemInfo

DB_NAME = "case.sqlite"
CUSTODY_MIRROR = "custody.jsonl"
SCHEMA_VERSION = 1
GENESIS = "0" * 64

RECORD_COLUMNS = [
    "item", "locator", "tbl", "nir", "family_name", "birth_name", "given_name", "birth_date", "sex", "ipp", "nda",
    "phone", "email", "address", "postcode", "city", "facility_finess", "facility_code", "facility_name",
    "dicom_uid", "event_first", "event_last", "categories", "patient_key",
]
ATTRIBUTION_COLUMNS = ["establishment", "recipient", "basis", "confidence", "proof"]

SCHEMA = f"""
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
CREATE TABLE IF NOT EXISTS identifiers (
    item_id INTEGER, type TEXT, value TEXT, count INTEGER, first_offset INTEGER,
    PRIMARY KEY (item_id, type, value));
CREATE INDEX IF NOT EXISTS identifiers_value ON identifiers(type, value);
CREATE TABLE IF NOT EXISTS errors (id INTEGER PRIMARY KEY, item_id INTEGER, vpath TEXT, stage TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS rulesets (name TEXT PRIMARY KEY, path TEXT, sha256 TEXT, origin TEXT);
CREATE TABLE IF NOT EXISTS tasks (
    key TEXT PRIMARY KEY, evidence_id INTEGER, route TEXT, size INTEGER, status TEXT,
    started_utc TEXT, finished_utc TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS custody (
    seq INTEGER PRIMARY KEY, ts_utc TEXT, actor TEXT, action TEXT, detail TEXT, prev_hash TEXT, hash TEXT);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY, item_id INTEGER, {", ".join(f"{c} TEXT" for c in RECORD_COLUMNS[1:])},
    establishment TEXT, recipient TEXT, basis TEXT DEFAULT 'none', confidence TEXT DEFAULT '0', proof TEXT,
    source TEXT);
CREATE INDEX IF NOT EXISTS records_item ON records(item_id, tbl);
CREATE TABLE IF NOT EXISTS beacon_hits (
    id INTEGER PRIMARY KEY, beacon_id TEXT, kind TEXT, establishment TEXT, recipient TEXT, item_id INTEGER,
    locator TEXT, container TEXT, status TEXT, fields TEXT);
CREATE TABLE IF NOT EXISTS watermark_hits (
    id INTEGER PRIMARY KEY, item_id INTEGER, locator TEXT, container TEXT, kind TEXT, establishment TEXT,
    recipient TEXT, rows INTEGER, p_value REAL, fraction REAL, detail TEXT);
"""


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
        if readonly:
            self.db = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
        else:
            self.db = sqlite3.connect(db, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            if self.meta("schema_version") is None:
                self.set_meta("schema_version", str(SCHEMA_VERSION))
                self.set_meta("created_utc", utc_now())
                self.set_meta("tool_version", __version__)
                self.db.commit()
                self.log("balise", "case-created", {"dir": str(self.dir.resolve())})
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
        with self.transaction():
            self.db.execute("INSERT INTO custody(seq, ts_utc, actor, action, detail, prev_hash, hash) VALUES(?,?,?,?,?,?,?)",
                            (seq, ts, actor, action, detail_json, prev, h))
            self.set_meta("custody_head", h)
            self.set_meta("custody_count", str(seq))
        with open(self.dir / CUSTODY_MIRROR, "a", encoding="utf-8") as mirror:
            mirror.write(json.dumps({"seq": seq, "ts_utc": ts, "actor": actor, "action": action,
                                     "detail": detail_json, "prev_hash": prev, "hash": h}, ensure_ascii=False) + "\n")
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
    def set_rulesets(self, sources: Iterable[tuple[str, str, str, str]]) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM rulesets")
            self.db.executemany("INSERT INTO rulesets(name, path, sha256, origin) VALUES(?,?,?,?)", list(sources))

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
        ids = "SELECT id FROM items WHERE task_key=?"
        for table in ("findings", "identifiers", "errors", "records"):
            self.db.execute(f"DELETE FROM {table} WHERE item_id IN ({ids})", (key,))
        self.db.execute(f"DELETE FROM beacon_hits WHERE item_id IN ({ids})", (key,))
        self.db.execute(f"DELETE FROM watermark_hits WHERE item_id IN ({ids})", (key,))
        self.db.execute("DELETE FROM items WHERE task_key=?", (key,))
        self.db.execute("UPDATE tasks SET status='running', started_utc=?, error=NULL WHERE key=?", (utc_now(), key))

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

    def add_identifiers(self, counts: IdentifierCounts) -> None:
        item_id = self._require_item(counts.vpath)
        rows = [(item_id, t, v, n, counts.first_offset.get(t, {}).get(v))
                for t, per in counts.counts.items() for v, n in per.items()]
        self.db.executemany(
            "INSERT INTO identifiers(item_id, type, value, count, first_offset) VALUES(?,?,?,?,?) "
            "ON CONFLICT(item_id, type, value) DO UPDATE SET count=count+excluded.count", rows)

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

    def identifier_totals(self) -> dict[str, dict[str, int]]:
        return {r[0]: {"hits": r[1], "unique": r[2]} for r in self.db.execute(
            "SELECT type, SUM(count), COUNT(DISTINCT value) FROM identifiers GROUP BY type ORDER BY type")}

    def identifier_totals_by_evidence(self, evidence_id: int) -> dict[str, dict[str, int]]:
        return {r[0]: {"hits": r[1], "unique": r[2]} for r in self.db.execute(
            "SELECT i.type, SUM(i.count), COUNT(DISTINCT i.value) FROM identifiers i JOIN items it ON it.id=i.item_id "
            "WHERE it.evidence_id=? GROUP BY i.type ORDER BY i.type", (evidence_id,))}

    def errors(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT vpath, stage, error FROM errors ORDER BY id").fetchall()
