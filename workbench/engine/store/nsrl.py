"""Read-only look-ups in an NSRL RDS v3 hash set (NIST's SQLite release) -- SQL, hence in the store package.

RDSv3 ships one SQLite database whose ``FILE`` table is ``(sha256, sha1, md5, crc32, file_name, file_size,
package_id)`` with the primary key led by ``sha256`` (upper-case hex), and a ``DISTINCT_HASH`` view over the four
digests. A SHA-256 look-up is an index probe of the primary key (~10 µs, whatever the size: the "modern minimal"
set holds ~74 million distinct SHA-256 in ~150 GB); an MD5 or SHA-1 look-up has no index (a full scan of ~440
million rows) and is therefore not offered: items are matched by SHA-256. The file is opened read-only and
immutable (never written, no journal created next to it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"


class NsrlError(Exception):
    """Not an NSRL RDS v3 database: one line to show."""


def is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


class NsrlRds:
    """One RDS v3 database opened read-only; ``contains_sha256`` probes the ``FILE`` table's key."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                      check_same_thread=False)
            columns = {r[1].lower() for r in self.db.execute("PRAGMA table_info(FILE)")}
        except sqlite3.Error as exc:
            raise NsrlError(f"{self.path.name}: not a readable SQLite database ({exc})") from exc
        if not {"sha256", "sha1", "md5"} <= columns:
            self.db.close()
            raise NsrlError(f"{self.path.name}: no FILE table with sha256, sha1 and md5 columns (not an NSRL RDS v3)")

    def version(self) -> str | None:
        """The RDS release (``VERSION`` table: version and description), if the database has one."""
        try:
            row = self.db.execute("SELECT version, description FROM VERSION LIMIT 1").fetchone()
        except sqlite3.Error:
            return None
        return " ".join(str(v) for v in row if v) if row else None

    def contains_sha256(self, sha256: str) -> bool:
        return self.db.execute("SELECT 1 FROM FILE WHERE sha256 = ? LIMIT 1", (sha256.upper(),)).fetchone() is not None

    def close(self) -> None:
        self.db.close()
