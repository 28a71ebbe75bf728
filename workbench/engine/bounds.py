"""Resource bounds for walking hostile evidence: decompressed sizes, ratios, member counts, depth.

Sizes are always counted from the bytes that actually come out of a decompressor, never taken from an
archive header: headers are the attacker's claims. ``CountingReader`` wraps every decompressed stream and
raises ``BoundExceeded`` as soon as a bound trips, so a bomb costs at most one read chunk past its bound.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RULE_BOMB = "archive-bomb"
RULE_TOO_DEEP = "too-deep"
RULE_TOO_MANY_MEMBERS = "too-many-members"
RULE_MEMBER_TOO_LARGE = "member-too-large"
RULE_EVIDENCE_TOO_LARGE = "evidence-too-large"


@dataclass(frozen=True)
class Bounds:
    """Limits of one scan; the defaults suit a 2-core analyst laptop."""

    max_depth: int = 8
    max_member_bytes: int = 16 * 2**30  # decompressed bytes of one member
    max_evidence_bytes: int = 1 * 2**40  # decompressed bytes of all members of one evidence (per task)
    max_ratio: float = 250.0  # decompressed / compressed, checked once ratio_grace_bytes were produced
    ratio_grace_bytes: int = 64 * 2**20
    max_members: int = 100_000  # per archive
    # One big CSV (plain or gzip) is cut into byte-range tasks from this size on (text_split), in ranges of
    # about ``split_text_chunk_bytes``: the ranges of one file share ``--jobs`` cores.
    split_text_min_bytes: int = 64 * 2**20
    split_text_chunk_bytes: int = 32 * 2**20


class BoundExceeded(Exception):
    """A bound tripped. ``rule`` is one of the RULE_* names; ``evidence_level`` is True when the whole
    evidence (not only the current member) must stop."""

    def __init__(self, rule: str, detail: str, *, evidence_level: bool = False) -> None:
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.detail = detail
        self.evidence_level = evidence_level

    def __reduce__(self) -> tuple[Any, ...]:  # keep rule/detail when sent between processes
        return (_rebuild_bound_exceeded, (self.rule, self.detail, self.evidence_level))


def _rebuild_bound_exceeded(rule: str, detail: str, evidence_level: bool) -> BoundExceeded:
    return BoundExceeded(rule, detail, evidence_level=evidence_level)


def _ratio_tripped(produced: int, compressed: int, bounds: Bounds) -> bool:
    return produced > bounds.ratio_grace_bytes and produced > bounds.max_ratio * max(compressed, 1)


class Budget:
    """Decompressed bytes produced so far for one task (one file of an evidence, every depth included).

    ``compressed_size`` is the size of that file as stored in the evidence; the evidence-level ratio
    (everything decompressed from it / its size) catches recursive bombs such as 42.zip whose every
    level looks harmless on its own.
    """

    def __init__(self, bounds: Bounds, compressed_size: int | None = None) -> None:
        self.bounds = bounds
        self.compressed_size = compressed_size
        self.total = 0

    def add(self, n: int) -> None:
        """Count ``n`` more decompressed bytes; raise ``BoundExceeded`` (evidence level) past a bound."""
        self.total += n
        b = self.bounds
        if self.total > b.max_evidence_bytes:
            raise BoundExceeded(RULE_EVIDENCE_TOO_LARGE,
                                f"{self.total} bytes decompressed from one evidence file, bound {b.max_evidence_bytes}",
                                evidence_level=True)
        if self.compressed_size is not None and _ratio_tripped(self.total, self.compressed_size, b):
            raise BoundExceeded(RULE_BOMB,
                                f"{self.total} bytes decompressed from an evidence file of {self.compressed_size} bytes "
                                f"(ratio > {b.max_ratio:g})", evidence_level=True)


CompressedSize = int | Callable[[], int] | None


class CountingReader(io.RawIOBase):
    """A read-only stream over ``raw`` (a decompressing stream) that counts the bytes it hands out.

    Raises ``BoundExceeded``:
      - "member-too-large" past ``max_bytes`` (default ``bounds.max_member_bytes``; None: no member bound);
      - "archive-bomb" when bytes out / ``compressed_size`` > ``bounds.max_ratio`` once
        ``bounds.ratio_grace_bytes`` were produced. ``compressed_size`` is an int, or a callable giving the
        compressed bytes consumed so far (stream formats), or None (ratio not checked);
      - whatever ``budget.add`` raises (``budget`` may be None when an outer reader already counts).
    """

    def __init__(self, raw: Any, *, bounds: Bounds, budget: Budget | None, compressed_size: CompressedSize = None,
                 label: str = "", max_bytes: int | None | bool = True) -> None:
        super().__init__()
        self._raw = raw
        self._bounds = bounds
        self._budget = budget
        self._compressed = compressed_size
        self.label = label
        self._max = bounds.max_member_bytes if max_bytes is True else (None if max_bytes is False else max_bytes)
        self.count = 0
        self.eof = False

    def readable(self) -> bool:
        return True

    def _account(self, n: int) -> None:
        if n == 0:
            self.eof = True
            return
        self.count += n
        b = self._bounds
        if self._max is not None and self.count > self._max:
            raise BoundExceeded(RULE_MEMBER_TOO_LARGE, f"{self.label}: more than {self._max} bytes decompressed")
        if self._compressed is not None:
            compressed = self._compressed() if callable(self._compressed) else self._compressed
            if _ratio_tripped(self.count, compressed, b):
                raise BoundExceeded(RULE_BOMB, f"{self.label}: {self.count} bytes out of {compressed} compressed bytes "
                                               f"(ratio > {b.max_ratio:g})")
        if self._budget is not None:
            self._budget.add(n)

    def readinto(self, buffer: Any) -> int:
        mv = memoryview(buffer).cast("B")
        if len(mv) == 0:
            return 0
        if hasattr(self._raw, "readinto"):
            n = self._raw.readinto(mv) or 0
        else:
            data = self._raw.read(len(mv))
            n = len(data)
            mv[:n] = data
        self._account(n)
        return n

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if size == 0:
            return b""
        data = self._raw.read(size)
        self._account(len(data))
        return data

    def readall(self) -> bytes:
        chunks = []
        while True:
            data = self.read(1 << 20)
            if not data:
                return b"".join(chunks)
            chunks.append(data)

    def close(self) -> None:
        if not self.closed:
            try:
                close = getattr(self._raw, "close", None)
                if close is not None:
                    close()
            finally:
                super().close()
