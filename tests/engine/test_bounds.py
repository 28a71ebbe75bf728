"""Bounds: Budget and CountingReader trip on the bytes that actually come out, never on header claims."""

from __future__ import annotations

import io
import pickle
import zlib

import pytest

from workbench.engine.bounds import BoundExceeded, Bounds, Budget, CountingReader

SMALL = Bounds(max_member_bytes=10 << 20, max_evidence_bytes=30 << 20, max_ratio=100.0, ratio_grace_bytes=1 << 20)


def _zeros_stream(n: int) -> io.BufferedReader:
    """A real decompressing stream (zlib) of n zeros, as a zip member would be."""

    class Inflate(io.RawIOBase):
        def __init__(self):
            comp = zlib.compressobj(9)
            self.data = comp.compress(bytes(n)) + comp.flush()
            self.d = zlib.decompressobj()
            self.pos = 0

        def readable(self):
            return True

        def readinto(self, b):
            out = b""
            while not out and not self.d.eof:
                chunk = self.data[self.pos:self.pos + 4096]
                self.pos += len(chunk)
                out = self.d.decompress(self.d.unconsumed_tail + chunk, len(b))
            b[:len(out)] = out
            return len(out)

    raw = Inflate()
    raw.compressed = len(raw.data)
    return raw


def _drain(reader) -> int:
    total = 0
    while data := reader.read(1 << 16):
        total += len(data)
    return total


def test_counts_and_passes_data_through():
    payload = b"NIR;NOM\n" * 1000
    reader = CountingReader(io.BytesIO(payload), bounds=SMALL, budget=Budget(SMALL, 10**9), label="a.csv")
    assert reader.read() == payload
    assert reader.count == len(payload)


def test_member_too_large():
    raw = _zeros_stream(12 << 20)
    reader = CountingReader(raw, bounds=Bounds(max_member_bytes=10 << 20), budget=None, compressed_size=None)
    with pytest.raises(BoundExceeded) as info:
        _drain(reader)
    assert info.value.rule == "member-too-large" and not info.value.evidence_level
    assert reader.count <= (10 << 20) + (1 << 16)


def test_ratio_trips_only_after_grace():
    raw = _zeros_stream(8 << 20)
    reader = CountingReader(raw, bounds=SMALL, budget=None, compressed_size=raw.compressed, label="z")
    with pytest.raises(BoundExceeded) as info:
        _drain(reader)
    assert info.value.rule == "archive-bomb"
    assert (1 << 20) < reader.count <= (1 << 20) + (1 << 16)
    # below the grace, any ratio is fine
    raw = _zeros_stream(1 << 20)
    assert _drain(CountingReader(raw, bounds=SMALL, budget=None, compressed_size=raw.compressed)) == 1 << 20


def test_running_ratio_with_callable():
    consumed = [0]
    reader = CountingReader(io.BytesIO(bytes(4 << 20)), bounds=SMALL, budget=None, compressed_size=lambda: consumed[0])
    consumed[0] = 1 << 20  # ratio 1..4: fine
    assert _drain(reader) == 4 << 20


def test_budget_evidence_level():
    budget = Budget(SMALL, compressed_size=None)
    for _ in range(3):
        budget.add(10 << 20)
    with pytest.raises(BoundExceeded) as info:
        budget.add(1)
    assert info.value.rule == "evidence-too-large" and info.value.evidence_level
    ratio = Budget(SMALL, compressed_size=10_000)
    ratio.add(1 << 20)  # within grace
    with pytest.raises(BoundExceeded) as info:
        ratio.add(1)
    assert info.value.rule == "archive-bomb" and info.value.evidence_level


def test_budget_shared_by_readers():
    budget = Budget(SMALL, compressed_size=None)
    for _ in range(3):
        _drain(CountingReader(io.BytesIO(bytes(10 << 20)), bounds=SMALL, budget=budget, max_bytes=None))
    with pytest.raises(BoundExceeded, match="evidence-too-large"):
        _drain(CountingReader(io.BytesIO(b"x" * 10), bounds=SMALL, budget=budget))


def test_bound_exceeded_pickles():
    exc = pickle.loads(pickle.dumps(BoundExceeded("archive-bomb", "x.zip: overlap", evidence_level=True)))
    assert (exc.rule, exc.detail, exc.evidence_level) == ("archive-bomb", "x.zip: overlap", True)
