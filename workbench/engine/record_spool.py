"""Records spill from the workers straight to disk, then merge into the case store in one SQL statement.

A scan can parse millions of records. Sending them through the event queue would hold them in memory and make
the main process convert them row by row; instead each task writes its records into its own small SQLite file in
the case folder (``CASE/spool/TASK.sqlite``, fast settings: it is a temporary file), and the main process merges
it with ``INSERT ... SELECT`` (C speed) when the task is done, then deletes it.
"""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

from workbench.engine.casestore import RECORD_COLUMNS, CaseStore

SPOOL_DIR = "spool"
_VALUE_COLUMNS = RECORD_COLUMNS[1:]  # without "item": the spool keys records by vpath


def _norm_name(value: str | None) -> str:
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def patient_key(nir: str | None, family: str | None, given: str | None, born: str | None) -> str | None:
    """Who a record is about: a hash of its NIR, else of family name + given name + birth date; None if unknown."""
    nir = (nir or "").replace(" ", "").upper()
    if len(nir) == 15:
        return "nir:" + hashlib.sha256(nir.encode()).hexdigest()[:24]
    family_n = _norm_name(family)
    if family_n and born:
        return "idt:" + hashlib.sha256(f"{family_n}|{_norm_name(given)}|{born}".encode()).hexdigest()[:24]
    return None


def frame_rows(frame, vpath: str) -> tuple[int, Any]:
    """A records frame (common columns + ``src.*``) as row tuples for the records table, built column-wise."""
    n = len(frame)
    columns: dict[str, list] = {}
    for col in _VALUE_COLUMNS:
        if col == "patient_key":
            continue
        name = "table" if col == "tbl" else col
        if name in frame.columns:
            columns[col] = [None if (v is None or v != v or v == "") else str(v) for v in frame[name].tolist()]
        else:
            columns[col] = [None] * n
    columns["patient_key"] = [patient_key(*vals) for vals in zip(
        columns["nir"], columns["family_name"], columns["given_name"], columns["birth_date"], strict=True)]
    src_cols = [c for c in frame.columns if str(c).startswith("src.")]
    if src_cols and n:
        text = frame[src_cols].rename(columns=lambda c: str(c)[4:]).to_json(orient="records", lines=True,
                                                                            force_ascii=False)
        sources = text.rstrip("\n").split("\n")  # JSON escapes newlines inside values: one line per record
    else:
        sources = ["{}"] * n
    rows = zip(itertools.repeat(vpath, n), *(columns[c] for c in _VALUE_COLUMNS), sources, strict=False)
    return n, rows


class RecordSpool:
    """Worker side: the records of one task, in their own SQLite file."""

    def __init__(self, case_tmp_dir: Path, task_key: str) -> None:
        self.path = Path(case_tmp_dir).parent / SPOOL_DIR / f"{task_key}.sqlite"
        self.db: sqlite3.Connection | None = None
        self.count = 0

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(exist_ok=True)
        self.path.unlink(missing_ok=True)  # a leftover of an interrupted run
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(f"CREATE TABLE records (vpath TEXT, {', '.join(f'{c} TEXT' for c in _VALUE_COLUMNS)}, source TEXT)")
        return db

    def add(self, vpath: str, frame) -> int:
        if self.db is None:
            self.db = self._open()
        n, rows = frame_rows(frame, vpath)
        self.db.executemany(f"INSERT INTO records VALUES (?, {', '.join('?' * len(_VALUE_COLUMNS))}, ?)", rows)
        self.count += n
        return n

    def close(self) -> Path | None:
        """Commit and close; returns the file to merge, or None when the task had no record."""
        if self.db is None:
            return None
        self.db.commit()
        self.db.close()
        self.db = None
        return self.path


def merge_spool(store: CaseStore, path: Path) -> int:
    """Main side: move a task's spooled records into the case store, then delete the spool file."""
    db = store.db
    db.execute("ATTACH DATABASE ? AS spool", (str(path),))
    try:
        cols = ", ".join(_VALUE_COLUMNS)
        cur = db.execute(f"INSERT INTO records(item_id, {cols}, source) SELECT i.id, "
                         f"{', '.join('s.' + c for c in _VALUE_COLUMNS)}, s.source "
                         f"FROM spool.records s JOIN items i ON i.vpath = s.vpath ORDER BY s.rowid")
        merged = cur.rowcount
        db.execute("UPDATE items SET records = records + (SELECT COUNT(*) FROM spool.records s WHERE s.vpath = "
                   "items.vpath) WHERE vpath IN (SELECT DISTINCT vpath FROM spool.records)")
        db.commit()
    finally:
        db.execute("DETACH DATABASE spool")
    path.unlink(missing_ok=True)
    return merged
