"""The report's record and identifier figures against a plain count of the same rows (the demo case: three
establishments, one of them leaked by several recipients, and unattributed records)."""

from __future__ import annotations

from collections import defaultdict

from workbench.engine.store import report_queries as q
from workbench.engine.store.reader import CaseReader


def _patients_by_hand(reader: CaseReader) -> tuple[dict, dict, set]:
    pairs: dict[tuple, set] = defaultdict(set)
    ests: dict[str | None, set] = defaultdict(set)
    every: set = set()
    for batch in reader.arrow("SELECT establishment, recipient, patient_key FROM records").to_batches():
        for est, rcp, key in zip(*(batch.column(i).to_pylist() for i in range(3)), strict=True):
            if key is None:
                continue
            pairs[(est, rcp)].add(key)
            ests[est].add(key)
            every.add(key)
    return pairs, ests, every


def test_distinct_patients_of_each_group_equal_a_plain_count(demo_case):
    with CaseReader(demo_case.case) as reader:
        figures = q.record_figures(reader)
        pairs, ests, every = _patients_by_hand(reader)
    several = [e for e in ests if e is not None and sum(1 for est, _ in pairs if est == e) > 1]
    assert several, "the demo must hold an establishment leaked by several recipients (the second pass)"
    assert len(ests) > 1  # several establishment groups: the case-wide pass
    assert figures["total"]["patients"] == len(every)
    assert figures["unattributed"]["patients"] == len(ests.get(None, ()))
    assert {e: f["patients"] for e, f in figures["establishments"].items()} == {
        e: len(keys) for e, keys in ests.items() if e is not None}
    got_pairs = {(e, r["recipient"]): r["patients"] for e, rs in figures["recipients"].items() for r in rs}
    assert got_pairs == {k: len(v) for k, v in pairs.items() if k[0] is not None}


def test_identifier_totals_per_type_equal_a_plain_count(demo_case):
    with CaseReader(demo_case.case) as reader:
        totals = reader.identifier_totals()
        rows = reader.arrow("SELECT type, value, count FROM identifiers").to_pylist()
        first = reader.evidence()[0]["id"]
        assert reader.identifier_totals(first) == totals  # the demo is one evidence
    hits: dict[str, int] = defaultdict(int)
    values: dict[str, set] = defaultdict(set)
    for r in rows:
        hits[r["type"]] += r["count"]
        values[r["type"]].add(r["value"])
    assert len(totals) >= 4 and list(totals) == sorted(totals)
    assert totals == {t: {"hits": hits[t], "unique": len(values[t])} for t in sorted(hits)}
