"""Hash sets: files already known good (skipped) or known bad (flagged), matched on each item's hash.

Two formats, told apart by content: an NSRL RDS v3 database (SQLite, NIST's release; matched on SHA-256 through
:class:`workbench.engine.store.nsrl.NsrlRds`) or a plain list, one SHA-256 (64 hex) or MD5 (32 hex) per line;
``sha256sum``/``md5sum`` output works too (the first word of a line is taken), ``#`` starts a comment, other lines
are counted as ignored. A list is held in memory as a set of bytes digests (a million SHA-256: ~100 MB; larger
sets belong in an RDS database, which is probed on disk).

A known-good item is typed, then neither scanned nor opened (an installer archive's members are not walked): it
is recorded with status ``skipped`` and an ``info`` finding ``hashset/known-good`` naming the set. A known-bad
item is scanned as usual and gets a ``high`` finding ``hashset/known-bad``. When both match, bad wins. Each
set's SHA-256 (of the file as loaded) is recorded in the case and printed in the report, so the result can be
reproduced with the same sets. MD5 of items is computed only when an MD5 list is loaded.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from workbench.engine.store.nsrl import NsrlError, NsrlRds, is_sqlite

ROLE_GOOD = "known-good"
ROLE_BAD = "known-bad"
FORMAT_NSRL = "nsrl-rds-v3"
FORMAT_LIST = "hash-list"
_HEX = re.compile(r"^[0-9a-fA-F]+$")


class HashSetError(Exception):
    """A hash set that cannot be used (unreadable, empty, not a hash list nor an RDS database): one line."""


@dataclass(frozen=True)
class HashSetSpec:
    """One loaded hash set as recorded in the case (picklable: handed to each worker)."""
    role: str
    path: str
    format: str
    sha256: str
    sha256_entries: int | None  # None: an RDS database (not counted: a count is a full scan)
    md5_entries: int
    ignored_lines: int = 0
    version: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def name(self) -> str:
        return Path(self.path).name


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(2**20), b""):
            h.update(chunk)
    return h.hexdigest()


def _parse_list(path: Path) -> tuple[set[bytes], set[bytes], int]:
    sha256: set[bytes] = set()
    md5: set[bytes] = set()
    ignored = 0
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith(b"#"):
                continue
            token = line.split()[0].decode("ascii", "replace").lstrip("\\")
            if not _HEX.match(token) or len(token) not in (32, 64):
                ignored += 1
                continue
            (sha256 if len(token) == 64 else md5).add(bytes.fromhex(token))
    return sha256, md5, ignored


def load_spec(path: Path, role: str) -> HashSetSpec:
    """Check and describe one hash set (hashing the file); raises :class:`HashSetError` with one line."""
    path = Path(path)
    if role not in (ROLE_GOOD, ROLE_BAD):
        raise HashSetError(f"unknown hash set role {role!r}")
    if not path.is_file():
        raise HashSetError(f"hash set {path}: no such file")
    try:
        digest = _file_sha256(path)
        if is_sqlite(path):
            rds = NsrlRds(path)
            try:
                version = rds.version()
            finally:
                rds.close()
            return HashSetSpec(role, str(path.resolve()), FORMAT_NSRL, digest, None, 0, 0, version)
        sha256, md5, ignored = _parse_list(path)
    except (OSError, NsrlError) as exc:
        raise HashSetError(f"hash set {path}: {exc}") from exc
    if not sha256 and not md5:
        raise HashSetError(f"hash set {path}: no SHA-256 or MD5 in it ({ignored} lines ignored)")
    return HashSetSpec(role, str(path.resolve()), FORMAT_LIST, digest, len(sha256), len(md5), ignored)


@dataclass(frozen=True)
class HashVerdict:
    good: tuple[str, ...]  # names of the known-good sets the item is in
    bad: tuple[str, ...]


class HashSetIndex:
    """The sets of one scan, opened once per worker process; ``match`` tells which sets hold an item."""

    def __init__(self, specs: tuple[HashSetSpec, ...]) -> None:
        self.specs = specs
        self._lists: list[tuple[HashSetSpec, set[bytes], set[bytes]]] = []
        self._rds: list[tuple[HashSetSpec, NsrlRds]] = []
        for spec in specs:
            if spec.format == FORMAT_NSRL:
                self._rds.append((spec, NsrlRds(Path(spec.path))))
            else:
                sha256, md5, _ignored = _parse_list(Path(spec.path))
                self._lists.append((spec, sha256, md5))
        self.needs_md5 = any(md5 for _s, _h, md5 in self._lists)

    def match(self, sha256: str | None, md5: str | None = None) -> HashVerdict:
        good: list[str] = []
        bad: list[str] = []
        if not sha256 and not md5:
            return HashVerdict((), ())
        s = bytes.fromhex(sha256) if sha256 else None
        m = bytes.fromhex(md5) if md5 else None
        for spec, sha_set, md5_set in self._lists:
            if (s is not None and s in sha_set) or (m is not None and m in md5_set):
                (good if spec.role == ROLE_GOOD else bad).append(spec.name)
        for spec, rds in self._rds:
            if sha256 and rds.contains_sha256(sha256):
                (good if spec.role == ROLE_GOOD else bad).append(spec.name)
        return HashVerdict(tuple(good), tuple(bad))

    def close(self) -> None:
        for _spec, rds in self._rds:
            rds.close()


DETECTOR_HASHSET = "hashset"


def check_item(index: HashSetIndex, info: Any, view: memoryview) -> tuple[bool, Any]:
    """Match one typed item (``ItemInfo`` with its SHA-256; ``view`` its bytes, hashed with MD5 only when an MD5
    list is loaded). Returns (skip it, the finding to record or None); a known-good item gets status skipped."""
    from workbench.engine.model import STATUS_SKIPPED, Finding

    # a top-level file is mapped, not hashed, by the worker (the evidence intake hashes it in parallel): hashed here
    sha256 = info.sha256 or hashlib.sha256(view).hexdigest()
    md5 = hashlib.md5(view, usedforsecurity=False).hexdigest() if index.needs_md5 else None
    verdict = index.match(sha256, md5)
    if verdict.bad:
        return False, Finding(info.vpath, DETECTOR_HASHSET, ROLE_BAD, severity="high", tags=["hashset"],
                              meta={"sets": list(verdict.bad), "sha256": sha256})
    if verdict.good:
        info.status = STATUS_SKIPPED
        return True, Finding(info.vpath, DETECTOR_HASHSET, ROLE_GOOD, severity="info", tags=["hashset"],
                             meta={"sets": list(verdict.good), "sha256": sha256})
    return False, None
