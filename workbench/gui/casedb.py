"""Read-only access to a case store from the UI thread (WAL: reading while the scan writes)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from workbench.engine.casestore import DB_NAME


def is_case(folder: Path) -> bool:
    return (Path(folder) / DB_NAME).is_file()


def open_readonly(case_dir: Path) -> sqlite3.Connection:
    """A read-only connection; raises FileNotFoundError when the folder holds no case."""
    db = Path(case_dir) / DB_NAME
    if not db.is_file():
        raise FileNotFoundError(f"no case store in {case_dir}")
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only=1")
    return conn


@dataclass
class CaseState:
    meta: dict[str, str]
    evidence: list[dict]
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


def case_state(conn: sqlite3.Connection) -> CaseState:
    def one(sql: str) -> int:
        return conn.execute(sql).fetchone()[0] or 0

    meta = {k: v for k, v in conn.execute("SELECT key, value FROM case_meta")}
    cols = ("id", "path", "is_dir", "size", "sha256", "acquired_utc", "unchanged")
    evidence = [dict(zip(cols, r, strict=True)) for r in conn.execute(f"SELECT {', '.join(cols)} FROM evidence ORDER BY id")]
    return CaseState(meta, evidence, one("SELECT COUNT(*) FROM items"), one("SELECT COUNT(*) FROM records"),
                     one("SELECT COUNT(*) FROM findings"), one("SELECT COUNT(*) FROM errors"),
                     one("SELECT COUNT(*) FROM tasks"), one("SELECT COUNT(*) FROM tasks WHERE status='done'"))


def user_rule_paths(conn: sqlite3.Connection) -> list[Path]:
    """The analyst's own rule files used by the last scan (to resume with the same rules)."""
    return [Path(r[0]) for r in conn.execute("SELECT path FROM rulesets WHERE origin='user' ORDER BY name")]
