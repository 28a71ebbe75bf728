"""Plain, picklable data exchanged between the scan workers, the case store and the shells.

Everything here is data only: no I/O, no Qt. Worker processes send these to the main process,
which is the only writer of the case store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Separator between an archive and a member in a virtual path: ``dump.zip!/export/a.sql.gz!/a.sql``.
VPATH_SEP = "!/"

# Item status values.
STATUS_DONE = "done"
STATUS_ERROR = "error"
STATUS_ENCRYPTED = "encrypted"
STATUS_SKIPPED = "skipped"  # not scanned on purpose (link, device, bound tripped before reading...)
STATUS_PARTIAL = "partial"  # scanned, but a bound cut it short

# Entry types of an item (what the container said it is).
ENTRY_FILE = "file"
ENTRY_DIR = "dir"
ENTRY_SYMLINK = "symlink"
ENTRY_HARDLINK = "hardlink"
ENTRY_DEVICE = "device"
ENTRY_FIFO = "fifo"
ENTRY_OTHER = "other"

# Finding detectors.
DETECTOR_YARA = "yara"
DETECTOR_BOUNDS = "bounds"
DETECTOR_TYPING = "typing"
DETECTOR_HONEYTOKEN = "honeytoken"
DETECTOR_CANARY = "canary"
DETECTOR_WATERMARK = "watermark"
DETECTOR_RECORDS = "records"  # a part of an item the record parser lost (a malformed row), or a format not read

IDENTIFIER_TYPES = ("nir", "finess", "rpps", "iban", "email", "phone")


@dataclass
class ItemInfo:
    """One node of the item tree, as the walker saw it."""

    vpath: str
    name: str
    depth: int
    parent_vpath: str | None = None
    entry_type: str = ENTRY_FILE
    size: int | None = None  # bytes actually read (decompressed), never a header's claim
    size_claimed: int | None = None  # what the container header said, for the record only
    kind: str = "unknown"
    format: str | None = None  # sub-format: zip/tar/gzip... for archives, mysql/postgresql/sqlite for sql-dump
    mime: str | None = None
    magic: str | None = None  # libmagic's description
    extension: str = ""
    ext_mismatch: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    sha256: str | None = None
    status: str = STATUS_DONE
    error_stage: str | None = None
    error: str | None = None
    link_target: str | None = None
    mtime: str | None = None  # ISO 8601 UTC, from the container when it says so

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Finding:
    """One detector hit in one item."""

    vpath: str
    detector: str
    rule: str
    offset: int | None = None
    length: int | None = None
    namespace: str | None = None
    tags: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    layer: str = "raw"  # raw, pdf-text, office-text, email-body ...
    excerpt: str = ""  # always masked
    severity: str = "info"  # info, warning, high


@dataclass
class IdentifierCounts:
    """Validated identifiers of one item: counts[type][value] = occurrences, first_offset[type][value]."""

    vpath: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    first_offset: dict[str, dict[str, int]] = field(default_factory=dict)
    # The scanner's columnar counts (identifiers.scanner.IdentifierScanner.count_columns): an Arrow table of
    # distinct values with columns type, value, count, first_offset, beside or instead of the dicts. A dense
    # dump's million values never become Python dict entries (one per value cost 13% of a worker's time).
    table: Any = None

    def add(self, id_type: str, value: str, offset: int) -> None:
        per_type = self.counts.setdefault(id_type, {})
        per_type[value] = per_type.get(value, 0) + 1
        self.first_offset.setdefault(id_type, {}).setdefault(value, offset)


@dataclass
class ItemError:
    """A failure at one stage of one item; the scan goes on."""

    vpath: str
    stage: str
    error: str


class ScanError(Exception):
    """A fatal problem before or during a scan (bad rules, bad registry, unreadable evidence): one line."""


@dataclass
class Progress:
    """Where a scan stands, as the shells show it."""

    bytes_done: int
    bytes_total: int
    items_done: int
    tasks_done: int
    tasks_total: int
    current: str
    rate_bps: float
    eta_s: float | None
    phase: str = "scan"  # intake, scan, attribution, verify, seal, summary; then done, cancelled or incomplete (the last)
