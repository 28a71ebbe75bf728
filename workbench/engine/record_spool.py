"""Records spill from the workers straight to disk, then merge into the case store in one SQL statement.

A scan can parse millions of records. Sending them through the event queue would hold them in memory and make
the main process convert them row by row; instead each task writes its records into its own small SQLite file in
the case folder (``CASE/spool/TASK.sqlite``, fast settings: it is a temporary file), and the main process merges
it with ``INSERT ... SELECT`` (C speed) when the task is done, then deletes it.
"""

from __future__ import annotations

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
    """Who a record is about: its NIR, else family name + given name + birth date; None when unknown.

    The key is in clear like the record it belongs to (the case store keeps identifiers for the analyst)."""
    nir = (nir or "").replace(" ", "").upper()
    if len(nir) == 15:
        return "nir:" + nir
    family_n = _norm_name(family)
    if family_n and born:
        return f"idt:{family_n}|{_norm_name(given)}|{born}"
    return None


def _column(frame, name: str, n: int) -> list:
    """A column as a list of str/None (empty strings and NaN become None), converted in C where possible."""
    if name not in frame.columns:
        return [None] * n
    series = frame[name]
    mask = series.isna() | (series == "")
    if mask.any():
        series = series.astype(object).where(~mask, None)
    return series.tolist()


def _patient_keys(nirs: list, families: list, givens: list, borns: list) -> list:
    keys: list = []
    names: dict[tuple, str | None] = {}  # the same person recurs across a table's rows: normalise names once
    for nir, family, given, born in zip(nirs, families, givens, borns, strict=True):
        if nir is not None:
            compact = nir.replace(" ", "").upper()
            if len(compact) == 15:
                keys.append("nir:" + compact)
                continue
        if family is None or born is None:
            keys.append(None)
            continue
        ident = (family, given, born)
        if ident not in names:
            names[ident] = patient_key(None, family, given, born)
        keys.append(names[ident])
    return keys


def frame_rows(frame, vpath: str) -> tuple[int, Any]:
    """A records frame (common columns + ``src.*``) as row tuples for the records table, built column-wise."""
    n = len(frame)
    columns = {col: _column(frame, "table" if col == "tbl" else col, n) for col in _VALUE_COLUMNS
               if col != "patient_key"}
    columns["patient_key"] = _patient_keys(columns["nir"], columns["family_name"], columns["given_name"],
                                           columns["birth_date"])
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
