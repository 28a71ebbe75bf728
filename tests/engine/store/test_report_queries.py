"""The report's record and identifier figures against a plain count of the same rows (the demo case: three
establishments, one of them leaked by several recipients, and unattributed records)."""

from __future__ import annotations

import shutil
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


def _categories_by_hand(reader: CaseReader) -> dict:
    records: dict = defaultdict(lambda: defaultdict(int))
    patients: dict = defaultdict(lambda: defaultdict(set))
    for batch in reader.arrow("SELECT establishment, patient_key, categories FROM records "
                              "WHERE categories IS NOT NULL").to_batches():
        for est, key, cats in zip(*(batch.column(i).to_pylist() for i in range(3)), strict=True):
            for cat in {c for c in cats.replace(" ", "").split(",") if c in q.CATEGORIES}:
                for group in (None, est) if est is not None else (None,):
                    records[group][cat] += 1
                    if key is not None:
                        patients[group][cat].add(key)
    return {g: {c: {"records": records[g][c], "patients": len(patients[g][c])} for c in q.CATEGORIES}
            for g in records}


def _top_by_hand(reader: CaseReader, types=("nir", "iban", "email", "phone"), per_type: int = 5) -> list[dict]:
    hits: dict = defaultdict(int)
    items: dict = defaultdict(set)
    for r in reader.arrow("SELECT type, value, item, count FROM identifiers").to_pylist():
        hits[(r["type"], r["value"])] += r["count"]
        items[(r["type"], r["value"])].add(r["item"])
    out = []
    for t in types:
        ranked = sorted((k for k in hits if k[0] == t), key=lambda k: (-hits[k], k[1]))[:per_type]
        out += [{"type": t, "value": v, "hits": hits[(t, v)], "items": len(items[(t, v)])} for _t, v in ranked]
    return out


def test_category_figures_and_top_identifiers_equal_a_plain_count(demo_case):
    """Patients per category come from one distinct count per set of category combinations (47 s -> 7.7 s at
    5 GB), the top identifiers from per-value sums then the items of those values (65 s -> 27 s): the figures
    are those of a plain count of every row."""
    with CaseReader(demo_case.case) as reader:
        combinations = reader.rows("SELECT DISTINCT categories FROM records WHERE categories IS NOT NULL")
        assert len(combinations) >= 3  # categories held by different sets of combinations: several passes
        figures = q.category_figures(reader)
        assert figures == _categories_by_hand(reader)
        assert len(figures) > 2 and any(f["patients"] for f in figures[None].values())
        top = q.top_identifiers(reader)
        assert top == _top_by_hand(reader)
        assert top and any(t["items"] > 1 for t in top) and any(t["hits"] > 1 for t in top)


def test_figures_that_run_out_of_memory_are_done_again_by_buckets_with_the_same_figures(demo_case, monkeypatch):
    """A big case's top lists and category patients ran out of memory in one pass (5 GB dump): done again split
    by key into buckets written under CASE/tmp, the merged figures are the same, and the buckets are gone."""
    from workbench.engine.store import reader as reader_mod
    from workbench.engine.store.reader import CaseMemoryError

    with CaseReader(demo_case.case) as reader:
        whole = (q.top_identifiers(reader), q.category_figures(reader))
        rows = reader.one("SELECT COUNT(*) FROM identifiers")
        monkeypatch.setattr(reader_mod, "ROWS_PER_BUCKET", max(1, rows // 7))
        with reader.bucketed("SELECT type, value FROM identifiers", "value", rows=rows) as sources:
            assert len(sources) >= 5 and all("read_parquet" in s for s in sources)
            per_bucket = sum(reader.one(f"SELECT COUNT(*) FROM {s}") for s in sources)
            assert per_bucket == rows
            buckets = list((demo_case.case / "tmp").glob("buckets-*"))
            assert len(buckets) == 1
        assert not buckets[0].exists()
        real = CaseReader.rows
        refused: list[str] = []

        def short_of_memory(self, sql, params=(), **kw):
            if ("SUM(count)" in sql or "COUNT(DISTINCT patient_key)" in sql) and "read_parquet(" not in sql:
                refused.append(sql)
                raise CaseMemoryError("out of memory (simulated)")
            return real(self, sql, params, **kw)

        monkeypatch.setattr(CaseReader, "rows", short_of_memory)
        split = (q.top_identifiers(reader), q.category_figures(reader))
    assert len(refused) >= 3  # the top lists and at least two sets of combinations
    assert whole[0] and any(f["patients"] for f in whole[1][None].values())
    assert split == whole
    assert not list((demo_case.case / "tmp").glob("buckets-*"))


def test_a_count_that_runs_out_of_memory_is_done_again_by_buckets(demo_case, monkeypatch):
    """A COUNT(DISTINCT) over 42.7 million keys fits the reader's memory in one pass most of the time, not
    always: the pass that fails is done again by buckets of keys, with the same exact figures."""
    from workbench.engine.store.reader import CaseMemoryError

    with CaseReader(demo_case.case) as reader:
        whole = (reader.identifier_totals(), q.record_figures(reader))
        real = CaseReader.rows
        refused: list[str] = []

        def short_of_memory(self, sql, params=(), **kw):
            if "COUNT(DISTINCT" in sql and "read_parquet(" not in sql:
                refused.append(sql)
                raise CaseMemoryError("out of memory (simulated)")
            return real(self, sql, params, **kw)

        monkeypatch.setattr(CaseReader, "rows", short_of_memory)
        again = (reader.identifier_totals(), q.record_figures(reader))
    assert len(refused) >= 5  # every type's count, the patients per group, per establishment and of the case
    assert again == whole
    assert not list((demo_case.case / "tmp").glob("buckets-*"))


def test_buckets_left_by_a_killed_report_are_swept_and_a_running_one_keeps_its_own(demo_case, monkeypatch):
    """A report killed while it ran (SIGKILL: no ``finally``) left its buckets under CASE/tmp (2.4 GB at 5 GB);
    the next bucketed figure removes those of a process that is gone, never those of a live one."""
    import subprocess
    import sys

    from workbench.engine.store import reader as reader_mod

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    tmp = demo_case.case / "tmp"
    left = tmp / f"buckets-{gone.pid}-1-2" / "balise_bucket=0"
    running = tmp / f"buckets-{alive.pid}-1-2" / "balise_bucket=0"
    try:
        for folder in (left, running):
            folder.mkdir(parents=True)
            (folder / "data_0.parquet").write_bytes(b"PAR1")
        with CaseReader(demo_case.case) as reader:
            rows = reader.one("SELECT COUNT(*) FROM identifiers")
            monkeypatch.setattr(reader_mod, "ROWS_PER_BUCKET", max(1, rows // 3))
            with reader.bucketed("SELECT type, value FROM identifiers", "value", rows=rows) as sources:
                assert sum(reader.one(f"SELECT COUNT(*) FROM {s}") for s in sources) == rows
        assert not left.parent.exists()
        assert running.is_dir()
    finally:
        alive.kill()
        alive.wait()
        shutil.rmtree(running.parent, ignore_errors=True)
    assert not list(tmp.glob("buckets-*"))
