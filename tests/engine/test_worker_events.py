"""Worker events stay small: a dense item's distinct identifiers travel in slices that add up to the whole."""

from workbench.engine import worker
from workbench.engine.model import IdentifierCounts


def test_identifier_slices_add_up(monkeypatch):
    monkeypatch.setattr(worker, "IDENTIFIER_CHUNK", 1000)
    counts = IdentifierCounts("dump.sql")
    for i in range(2500):
        counts.add("phone", f"+3361234{i:04d}", i * 40)
        counts.add("phone", f"+3361234{i:04d}", i * 40 + 7)
    for i in range(700):
        counts.add("email", f"p{i}@chu-rennes.fr", i)
    chunks = worker._split_identifiers(counts)
    assert len(chunks) == 4 and all(sum(len(v) for v in c.counts.values()) <= 1000 for c in chunks)
    merged: dict[tuple, tuple] = {}
    for c in chunks:
        assert c.vpath == "dump.sql"
        for t, values in c.counts.items():
            for v, n in values.items():
                assert (t, v) not in merged
                merged[(t, v)] = (n, c.first_offset[t][v])
    assert len(merged) == 3200
    assert merged[("phone", "+33612340003")] == (2, 120)


def test_small_items_are_sent_whole():
    counts = IdentifierCounts("a.csv")
    counts.add("nir", "185057800608491", 3)
    assert worker._split_identifiers(counts) == [counts]


def test_spilled_identifier_counts_add_up_to_the_whole():
    from stdnum.fr import nir as stdnir

    from workbench.engine.identifiers.scanner import IdentifierScanner

    lines = []
    for i in range(6000):
        body = f"1{85 + i % 10:02d}{1 + i % 12:02d}35238{i % 1000:03d}"
        key = stdnir.calc_check_digits(body)
        lines.append(f"LE GOFF;Anne;{body}{key};06 12 {i % 90 + 10:02d} {i % 97:02d} {i % 89 + 10:02d};a{i % 3000}@chu.fr")
    buf = ("\r\n".join(lines) * 2).encode("cp1252")
    scanner = IdentifierScanner()
    whole = scanner.count(buf, "big.csv")
    spilled = []
    rest = scanner.count_spilling(buf, "big.csv", spilled.append, max_values=500)
    assert len(spilled) >= 3
    total: dict = {}
    first: dict = {}
    for part in [*spilled, rest]:
        for t, values in part.counts.items():
            for v, n in values.items():
                total.setdefault(t, {})[v] = total.get(t, {}).get(v, 0) + n
                first.setdefault(t, {}).setdefault(v, part.first_offset[t][v])  # the store keeps the first
    assert total == whole.counts
    assert first == whole.first_offset
