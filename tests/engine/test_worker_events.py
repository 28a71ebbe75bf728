"""Worker events stay small and typed: results in bulk go to the task's shards, never through the queue."""

import pickle
import queue

from workbench.engine.events import ItemScanned, TaskProgress
from workbench.engine.model import IdentifierCounts, ItemInfo
from workbench.engine.store import CaseReader, CaseStore, TaskShards
from workbench.engine.worker import ShardSink


def test_a_dense_item_sends_one_small_event_and_its_identifiers_go_to_the_shard(tmp_path):
    CaseStore(tmp_path / "case").close()
    q: queue.Queue = queue.Queue()
    shards = TaskShards(tmp_path / "case", "t1", 1)
    sink = ShardSink(q, "t1", shards)
    counts = IdentifierCounts("dump.sql")
    for i in range(50_000):
        counts.add("phone", f"+336{i:08d}", i * 40)
    sink.identifiers(counts)  # spilled as they pile up, then the rest with the item
    rest = IdentifierCounts("dump.sql")
    rest.add("phone", "+33600000003", 9_999_999)
    rest.add("email", "a@chu-rennes.fr", 5)
    sink.item(ItemInfo("dump.sql", "dump.sql", 0, kind="sql-dump"), [], rest, [])
    sink.progress(100, "dump.sql")
    events = [q.get_nowait() for _ in range(q.qsize())]
    assert [type(e) for e in events] == [ItemScanned, TaskProgress]
    assert len(pickle.dumps(events)) < 2_000  # no identifier travels through the queue
    assert shards.close()["identifiers"] == 50_002
    with CaseReader(tmp_path / "case") as reader:
        totals = reader.identifier_totals()
        assert totals == {"email": {"hits": 1, "unique": 1}, "phone": {"hits": 50_001, "unique": 50_000}}
        first = reader.one("SELECT MIN(first_offset) FROM identifiers WHERE value = '+33600000003'")
        assert first == 120


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
