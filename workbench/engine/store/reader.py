"""The one reading API of a case: metadata from SQLite, results from Parquet shards, queried with DuckDB.

Attribution, the report (JSON, CSV, PDF), the window's models and the CLI read a case through
:class:`CaseReader` and the query modules of this package; nothing outside ``workbench.engine.store`` speaks SQL.

DuckDB runs in memory (no database file, so no lock against a scan writing the case); it sees:

- the shard tables as views over ``CASE/shards/<table>/*.parquet``: ``records_raw``, ``identifiers``,
  ``beacon_hits``, ``watermark_hits``; ``attribution`` over ``CASE/shards/attribution.parquet``;
- ``records``: ``records_raw`` with each record's attribution (``establishment``, ``recipient``, ``basis``
  — ``none`` when unattributed —, ``confidence``, ``proof``);
- the metadata tables (``items``, ``evidence``, ``findings``, ``errors``, ``tasks``, ``case_meta``,
  ``attribution_conflicts``, ``rulesets``) copied from SQLite as Arrow tables when a query first needs them, and
  again after SQLite changed.

Views follow the case while a scan writes it: each query first checks a cheap signature (the shard folders'
modification times, SQLite's ``data_version``) and rebuilds what changed. DuckDB's temporary files go to
``CASE/tmp/duckdb`` and its memory is capped, so a sort of ten million records spills inside the case folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from workbench.engine.store.metadata import check_schema
from workbench.engine.store.schema import ATTRIBUTION, ATTRIBUTION_FILE, DB_NAME, SHARD_TABLES, SHARDS_DIR
from workbench.engine.store.shards import expand_source

META_TABLES = ("items", "evidence", "evidence_files", "findings", "errors", "tasks", "case_meta",
               "attribution_conflicts", "rulesets", "custody")
# A record's patient key: stored for identity keys, implied by the NIR otherwise (see schema.RECORDS).
_NIR_COMPACT = "replace(upper(nir), ' ', '')"
_PATIENT_KEY = (f"CASE WHEN patient_key IS NULL AND length({_NIR_COMPACT}) = 15 THEN 'nir:' || {_NIR_COMPACT} "
                f"ELSE patient_key END")
# A watermark's p-value as log10 p: a big table's p underflows to 0.0, the detector keeps log10 p in ``detail``.
WATERMARK_LOG10_P = ("CASE WHEN p_value > 0 THEN log10(p_value) "
                     "ELSE TRY_CAST(json_extract(detail, '$.log10_p') AS DOUBLE) END")
DUCKDB_MEMORY_LIMIT = "512MB"  # the whole process tree must stay under 1 GB: DuckDB spills beyond this
ROWS_PER_BUCKET = 16_000_000  # rows of one bucket of CaseReader.bucketed: 16M identifier rows fit the limit


class CaseReadError(Exception):
    """A result file of the case cannot be read (damaged, truncated, not Parquet): one line, never a traceback."""


class CaseMemoryError(CaseReadError):
    """A query ran out of DuckDB's memory limit although it spilled (the case is sound): one line."""


@contextlib.contextmanager
def _readable(case_dir: Path):
    """DuckDB's errors on a damaged shard as one :class:`CaseReadError` line that says what to do."""
    import duckdb  # see CaseReader.__init__: loaded on first use

    try:
        yield
    except duckdb.OutOfMemoryException as exc:
        first = str(exc).strip().splitlines()[0]
        raise CaseMemoryError(f"a query over the case {case_dir} needs more memory than the reader's "
                              f"{DUCKDB_MEMORY_LIMIT} ({first})") from None
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CaseReadError(f"the results of the case {case_dir} cannot be read ({first}); "
                            f"`balise case verify {case_dir}` names the damaged files") from None


@dataclass(frozen=True)
class CaseCounts:
    items: int
    records: int
    findings: int
    errors: int
    tasks_total: int
    tasks_done: int

    @property
    def interrupted(self) -> bool:
        """Some planned work was never finished: a second scan resumes it."""
        return self.tasks_total > self.tasks_done


def is_case(folder: Path) -> bool:
    return (Path(folder) / DB_NAME).is_file()


def _sweep_stale_buckets(tmp: Path) -> None:
    """Remove the key buckets (:meth:`CaseReader.bucketed`) left under ``CASE/tmp`` by a reader whose process is
    gone (a report killed while it ran: 2.4 GB of buckets for the 5 GB dump's identifiers, never read again).

    A bucket folder names its process (``buckets-PID-THREAD-NS``); it is removed only when no process of that
    number lives here, so a report running at the same time keeps its own. A number reused by another process
    keeps the folder until that one ends (harmless: the next report sweeps it)."""
    for folder in tmp.glob("buckets-*"):
        pid = folder.name.split("-")[1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # alive
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError, OSError):
            continue  # alive under another user, or not a number this system knows: left alone
        shutil.rmtree(folder, ignore_errors=True)


class CaseReader:
    """Read-only access to a case folder; safe to use while a scan writes the same case."""

    def __init__(self, case_dir: Path, *, memory_limit: str = DUCKDB_MEMORY_LIMIT, threads: int | None = None):
        self.dir = Path(case_dir)
        db = self.dir / DB_NAME
        if not db.is_file():
            raise FileNotFoundError(f"no case store in {self.dir}")
        self.meta_db = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self.meta_db.execute("PRAGMA query_only=1")
        self.meta_db.execute("PRAGMA temp_store=MEMORY")  # no temporary file outside the case folder
        check_schema(self.meta_db, self.dir)
        tmp = self.dir / "tmp" / "duckdb"
        config: dict[str, Any] = {"memory_limit": memory_limit, "threads": threads or max(1, os.cpu_count() or 1),
                                  "enable_external_access": True, "autoinstall_known_extensions": False,
                                  "autoload_known_extensions": False}
        config["temp_directory"] = str(tmp)  # created by DuckDB only when a query spills
        # Imported here, not at module level: duckdb costs ~0.1 s of CPU at import (-X importtime) and every
        # scan worker imports this package (for TaskShards) without ever reading the case.
        import duckdb

        self.duck = duckdb.connect(":memory:", config=config)
        self._lock = threading.RLock()
        self._shard_sig: dict[str, object] = {}
        self._meta_version: int | None = None
        self._meta_loaded: set[str] = set()
        try:
            with _readable(self.dir):
                self._refresh_shards(force=True)
        except CaseReadError:
            self.close()
            raise

    # -- life ---------------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self.duck.close()
            self.meta_db.close()
        with contextlib.suppress(OSError):  # what DuckDB spilled is gone with its connection
            (self.dir / "tmp" / "duckdb").rmdir()

    def __enter__(self) -> CaseReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- store-internal query helpers (the query modules of this package use these) ------------------
    def arrow(self, sql: str, params: Sequence[Any] = (), *, needs: Iterable[str] = ()) -> pa.Table:
        """Run a DuckDB query over the views; ``needs`` names the metadata tables it reads."""
        with self._lock, _readable(self.dir):
            self._ensure(needs)
            return self.duck.sql(sql, params=list(params) or None).to_arrow_table()

    def rows(self, sql: str, params: Sequence[Any] = (), *, needs: Iterable[str] = ()) -> list[tuple]:
        with self._lock, _readable(self.dir):
            self._ensure(needs)
            return self.duck.execute(sql, list(params)).fetchall()

    def one(self, sql: str, params: Sequence[Any] = (), *, needs: Iterable[str] = ()) -> Any:
        rows = self.rows(sql, params, needs=needs)
        return rows[0][0] if rows else None

    @contextlib.contextmanager
    def bucketed(self, sql: str, key: str, *, rows: int, at_least: int = 1) -> Iterator[list[str]]:
        """``sql``'s rows split by ``hash(key)`` into buckets written under ``CASE/tmp``; yields one ``FROM``
        source per bucket (a single subquery when ``rows`` fit one bucket), removed on exit.

        Why: a big aggregate over every distinct key (the top identifiers of a 5 GB dump, 42.7 million distinct
        NIRs; distinct patients per data category) ran out of DuckDB's 488 MiB although it spilled 3.3 GB, even
        at 768 MiB and with one thread. Split by key, each bucket holds whole keys, so top-N lists merge and
        distinct counts add up exactly; one bucket per :data:`ROWS_PER_BUCKET` rows fits the limit (the 5 GB
        dump's identifiers: one 31 s write of 8 buckets, then 12.5 s for the NIR top list, 0.72 GB peak RSS).
        A case folder that cannot be written (read-only copy) gets the single subquery: exact, may run out of
        memory on a very big case. ``sql`` takes no parameters; ``at_least`` buckets are made whatever ``rows``."""
        count = max(at_least, -(-rows // ROWS_PER_BUCKET))
        if count <= 1:
            yield [f"({sql})"]
            return
        import duckdb  # loaded with the reader (see __init__)

        _sweep_stale_buckets(self.dir / "tmp")
        out = self.dir / "tmp" / f"buckets-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
        try:
            with self._lock, _readable(self.dir):
                self._ensure(())
                self.duck.execute("SET preserve_insertion_order=false")  # a partitioned write keeps no order
                try:
                    self.duck.execute(f"COPY (SELECT *, COALESCE(hash({key}) % {count}, 0) AS balise_bucket "
                                      f"FROM ({sql})) TO {sql_text(out)} "
                                      "(FORMAT parquet, PARTITION_BY (balise_bucket), COMPRESSION zstd)")
                    written = True
                except (duckdb.IOException, duckdb.PermissionException):
                    written = False
                finally:
                    self.duck.execute("SET preserve_insertion_order=true")
            if not written:
                yield [f"({sql})"]
                return
            yield [f"read_parquet({sql_text(part / '*.parquet')})"
                   for part in sorted(out.glob("balise_bucket=*")) if any(part.glob("*.parquet"))]
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def split_rows(self, sql: str, key: str, query: str, params: Sequence[Any] = ()) -> list[tuple]:
        """``query`` (its ``{src}`` the rows of ``sql``) over the whole of them in one pass, and again bucket by
        bucket (:meth:`bucketed`, at least two) only if that pass runs out of memory: the rows of every bucket,
        for the caller to add up (a distinct count over ``key`` adds up exactly across buckets).

        A ``COUNT(DISTINCT)`` over 42.7 million keys (a 5 GB dump) fits the reader's 488 MiB in one pass most
        of the time (5 to 10 s) and not always: the rare miss costs a count and the buckets' write, never the
        answer; the pass that fits costs nothing more."""
        try:
            return self.rows(query.format(src=f"({sql})"), params)
        except CaseMemoryError:
            pass
        out: list[tuple] = []
        rows = self.one(f"SELECT COUNT(*) FROM ({sql})") or 0
        with self.bucketed(sql, key, rows=rows, at_least=2) as sources:
            for src in sources:
                out += self.rows(query.format(src=src), params)
        return out

    def meta_rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """A query of the SQLite metadata alone (small tables, indexed: faster than a copy into DuckDB)."""
        with self._lock:
            cur = self.meta_db.cursor()
            cur.row_factory = sqlite3.Row
            return cur.execute(sql, tuple(params)).fetchall()

    def meta_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.meta_rows(sql, params)
        return rows[0][0] if rows else None

    # -- views --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Forget every cached view (the next query sees the case as it is on disk)."""
        with self._lock:
            self._refresh_shards(force=True)
            self._meta_version = None
            self._meta_loaded.clear()

    def _ensure(self, needs: Iterable[str]) -> None:
        self._refresh_shards()
        needs = set(needs)
        if not needs:
            return
        version = self.meta_db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._meta_version:
            self._meta_loaded.clear()
            self._meta_version = version
        for name in needs - self._meta_loaded:
            if name not in META_TABLES:
                raise KeyError(f"unknown metadata table {name!r}")
            self.duck.register(f"{name}", self._sqlite_arrow(name))
            self._meta_loaded.add(name)

    def _sqlite_arrow(self, table: str) -> pa.Table:
        cur = self.meta_db.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
        arrays = []
        for values in columns:
            try:
                arrays.append(pa.array(values))
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in one SQLite column: as text
                arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
            if arrays[-1].type == pa.null():
                arrays[-1] = pa.array(values, pa.string())
        return pa.table(arrays, names=names)

    def _empty_table(self, name: str, schema: pa.Schema) -> str:
        """An empty table of ``schema`` in the reader's database, for a view over results not written yet. A
        table, not a registered Arrow object: a registration belongs to one connection, and the cursors that
        stream records (:meth:`record_rows`) could not see it (a case scanned without a registry failed its
        records CSV with "Table with name _empty_attribution does not exist")."""
        staged = f"{name}_arrow"
        self.duck.register(staged, schema.empty_table())
        try:
            self.duck.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {staged}")
        finally:
            self.duck.unregister(staged)
        return name

    def _refresh_shards(self, force: bool = False) -> None:
        base = self.dir / SHARDS_DIR
        for table, schema in SHARD_TABLES.items():
            folder = base / table
            try:
                st = folder.stat()
                sig: object = (st.st_mtime_ns, st.st_ino)
            except OSError:
                sig = None
            if not force and self._shard_sig.get(table) == sig:
                continue
            self._shard_sig[table] = sig
            view = "records_raw" if table == "records" else table
            has_files = sig is not None and any(p.name.endswith(".parquet") for p in os.scandir(folder))
            if has_files:
                source = f"read_parquet({_glob(folder)})"
            else:
                source = self._empty_table(f"_empty_{table}", schema)
            select = f"SELECT * REPLACE ({_PATIENT_KEY} AS patient_key)" if table == "records" else "SELECT *"
            self.duck.execute(f"CREATE OR REPLACE VIEW {view} AS {select} FROM {source}")
        path = base / ATTRIBUTION_FILE
        try:
            st = path.stat()
            sig = (st.st_mtime_ns, st.st_ino, st.st_size)
        except OSError:
            sig = None
        if force or self._shard_sig.get("attribution") != sig:
            self._shard_sig["attribution"] = sig
            if sig is not None:
                self.duck.execute(f"CREATE OR REPLACE VIEW attribution AS SELECT * FROM read_parquet({sql_text(path)})")
            else:
                empty = self._empty_table("_empty_attribution", ATTRIBUTION)
                self.duck.execute(f"CREATE OR REPLACE VIEW attribution AS SELECT * FROM {empty}")
            self.duck.execute(
                "CREATE OR REPLACE VIEW records AS SELECT r.*, a.establishment, a.recipient, "
                "COALESCE(a.basis, 'none') AS basis, COALESCE(a.confidence, '0') AS confidence, a.proof "
                "FROM records_raw r LEFT JOIN attribution a ON a.rid = r.rid")

    # -- the case at a glance -----------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.meta_rows("SELECT key, value FROM case_meta")}

    def meta_value(self, key: str) -> str | None:
        return self.meta_one("SELECT value FROM case_meta WHERE key=?", (key,))

    def counts(self) -> CaseCounts:
        return CaseCounts(
            items=self.meta_one("SELECT COUNT(*) FROM items") or 0,
            records=self.record_count(),
            findings=self.meta_one("SELECT COUNT(*) FROM findings") or 0,
            errors=self.meta_one("SELECT COUNT(*) FROM errors") or 0,
            tasks_total=self.meta_one("SELECT COUNT(*) FROM tasks") or 0,
            tasks_done=self.meta_one("SELECT COUNT(*) FROM tasks WHERE status='done'") or 0)

    def record_count(self) -> int:
        return self.one("SELECT COUNT(*) FROM records_raw") or 0

    def evidence(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.meta_rows("SELECT * FROM evidence ORDER BY id")]

    def items_by_kind(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.meta_rows("SELECT kind, COUNT(*) FROM items GROUP BY kind ORDER BY 2 DESC")}

    def findings_by_rule(self) -> dict[str, int]:
        return {f"{r[0]}:{r[1]}": r[2] for r in self.meta_rows(
            "SELECT detector, rule, COUNT(*) FROM findings GROUP BY detector, rule ORDER BY 3 DESC")}

    def identifier_totals(self, evidence_id: int | None = None) -> dict[str, dict[str, int]]:
        """Occurrences (``hits``) and distinct values (``unique``) per identifier type, of the case or of one
        evidence (its items' vpaths start with its label).

        One ungrouped ``COUNT(DISTINCT)`` per type (:meth:`split_rows`): grouped by type, the three hash tables
        of a 5 GB dump (128 million identifier rows) took 36 s and, in one run of two, ran out of the reader's
        488 MiB at the end of the scan; one type at a time took 17.7 s for the three."""
        if evidence_id is None:
            source, needs = "SELECT type, value, count FROM identifiers", ()
        else:
            source, needs = ("SELECT i.type, i.value, i.count FROM identifiers i JOIN items it ON it.vpath = i.item "
                             f"AND it.evidence_id = {int(evidence_id)}", ("items",))
        with self._lock, _readable(self.dir):
            self._ensure(needs)  # the items table, for one evidence's identifiers
        types = [r[0] for r in self.rows(f"SELECT DISTINCT type FROM ({source}) ORDER BY 1")]
        out: dict[str, dict[str, int]] = {}
        for t in types:
            parts = self.split_rows(source, "value", "SELECT SUM(count), COUNT(DISTINCT value) FROM {src} "
                                    "WHERE type = ?", [t])
            out[t] = {"hits": sum(int(h or 0) for h, _u in parts), "unique": sum(int(u or 0) for _h, u in parts)}
        return out

    def errors(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.meta_rows("SELECT vpath, stage, error FROM errors ORDER BY id")]

    def rulesets(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.meta_rows("SELECT name, path, sha256, origin FROM rulesets ORDER BY name")]

    def rules_skipped(self) -> list[dict[str, Any]]:
        """Rule files of the last scan that were NOT applied (did not compile), with their one-line reason."""
        try:
            return [dict(r) for r in self.meta_rows(
                "SELECT path, line, reason, sha256, origin FROM rules_skipped ORDER BY path")]
        except sqlite3.OperationalError:  # a case made before rule files could be skipped
            return []

    def user_rule_paths(self) -> list[Path]:
        """The analyst's own rule files or folders given to the last scan (to resume with the same rules)."""
        given = self.meta_one("SELECT value FROM case_meta WHERE key='rule_paths'")
        if given:
            return [Path(p) for p in json.loads(given)]
        return [Path(r[0]) for r in self.meta_rows("SELECT path FROM rulesets WHERE origin='user' ORDER BY name")]

    def custody(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.meta_rows("SELECT * FROM custody ORDER BY seq")]

    # -- records --------------------------------------------------------------------------------------
    def basis_counts(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in self.rows("SELECT basis, COUNT(*) FROM records GROUP BY basis")}

    def patient_count(self, establishment: str | None = None) -> int:
        if establishment is None:
            return int(self.one("SELECT COUNT(DISTINCT patient_key) FROM records_raw") or 0)
        return int(self.one("SELECT COUNT(DISTINCT patient_key) FROM records WHERE establishment = ?",
                            (establishment,)) or 0)

    def record(self, rid: int) -> dict[str, Any] | None:
        """One record with its attribution (the details pane)."""
        table = self.arrow("SELECT * FROM records WHERE rid = ?", (int(rid),))
        rows = table.to_pylist()
        if not rows:
            return None
        record = rows[0]
        record["source"] = json.dumps(expand_source(record), ensure_ascii=False)
        del record["source_layout"]
        return record

    def record_rows(self, columns: Sequence[str], *, establishment: str | None = None,
                    batch_rows: int = 100_000):
        """Every record's chosen columns in record order, as Arrow batches (bounded memory)."""
        cols = ", ".join(_ident(c) for c in columns)
        where, params = ("WHERE establishment = ?", [establishment]) if establishment else ("", [])
        with self._lock:
            self._ensure(())
            cur = self.duck.cursor()
        try:
            rel = cur.sql(f"SELECT {cols} FROM records {where} ORDER BY rid", params=params or None)
            yield from rel.to_arrow_reader(batch_rows)
        finally:
            cur.close()

    # -- beacons ------------------------------------------------------------------------------------
    def beacon_hits(self) -> list[dict[str, Any]]:
        return self.arrow("SELECT * FROM beacon_hits ORDER BY item, locator, beacon_id").to_pylist()

    def watermark_hits(self) -> list[dict[str, Any]]:
        return self.arrow("SELECT * FROM watermark_hits ORDER BY item, locator, kind").to_pylist()

    def conflicts(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.meta_rows(
            "SELECT c.id, i.vpath AS item, c.container, c.basis, c.establishments, c.detail "
            "FROM attribution_conflicts c LEFT JOIN items i ON i.id = c.item_id ORDER BY c.id")]


def sql_text(value: str | Path) -> str:
    """A text or a path as a SQL string literal (the store's queries that take no parameters: COPY, views,
    the buckets' source)."""
    return "'" + str(value).replace("'", "''") + "'"


def _glob(folder: Path) -> str:
    """The shard files of a folder as DuckDB's read_parquet argument (a glob, or a list when the folder's own
    name holds glob characters)."""
    if any(ch in str(folder) for ch in "*?[]{}"):
        files = sorted(p.path for p in os.scandir(folder) if p.name.endswith(".parquet"))
        return "[" + ", ".join(sql_text(Path(f)) for f in files) + "]"
    return sql_text(folder / "*.parquet")


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a column name: {name!r}")
    return f'"{name}"'
