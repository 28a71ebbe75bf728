"""A disk of many small files: the small shards of a finished scan are merged, nothing lost, still verifiable."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.engine.model import IdentifierCounts
from workbench.engine.pipeline import run_scan
from workbench.engine.store import CaseReader, CaseStore, TaskShards, compaction
from workbench.engine.store.custody import verify_case, verify_results


def test_a_scan_of_many_small_files_leaves_a_few_merged_shards(tmp_path, monkeypatch):
    monkeypatch.setattr(compaction, "MIN_FILES", 8)
    evidence = tmp_path / "disk"
    evidence.mkdir()
    for i in range(12):
        rows = "".join(f"LE GOFF;Anne{i}-{j};2850229019045 22;anne{i}.{j}@chu-rennes.fr\n" for j in range(5))
        (evidence / f"export_{i:02d}.csv").write_text("NOM;PRENOM;NIR;MAIL\n" + rows, encoding="utf-8")
    summary = run_scan(tmp_path / "case", [evidence], jobs=2)
    assert summary.completed and summary.records == 60
    case = tmp_path / "case"
    assert [p.name.split("-", 1)[1][:8] for p in (case / "shards" / "records").glob("*.parquet")] == ["compact-"]
    assert len(list((case / "shards" / "identifiers").glob("*.parquet"))) == 1
    with CaseReader(case) as reader:
        assert reader.record_count() == 60
        assert reader.identifier_totals()["email"] == {"hits": 60, "unique": 60}
        assert len({r[0] for r in reader.rows("SELECT rid FROM records")}) == 60  # ids kept
        items = {r[0]: r[1] for r in reader.rows("SELECT item, COUNT(*) FROM records GROUP BY item")}
    assert len(items) == 12 and set(items.values()) == {5}
    check = verify_case(case)
    assert check.ok, check.results.problems
    with CaseStore(case, create=False) as store:
        assert any(e["action"] == "results-compacted" for e in store.custody())


def _small_case(tmp_path, n: int):
    case = tmp_path / "case"
    store = CaseStore(case)
    for i in range(n):
        key = f"t{i:03d}"
        store.upsert_task(key, 1, [key], 1)
        shards = TaskShards(case, key, store.task_seq(key))
        shards.add_records(f"f{i}.csv", pd.DataFrame([{"locator": "row:1", "nir": "185057800608491"}],
                                                     dtype="string"))
        counts = IdentifierCounts(f"f{i}.csv")
        counts.add("email", f"a{i}@x.fr", 0)
        shards.add_identifiers(counts)
        shards.close()
        store.register_shards(key, shards.files)
        store.finish_task(key, "done")
    store.commit()
    return case, store


def test_a_merge_cut_short_is_completed_when_the_case_is_opened_again(tmp_path, monkeypatch):
    monkeypatch.setattr(compaction, "MIN_FILES", 4)
    case, store = _small_case(tmp_path, 6)

    def crash(_store):
        raise KeyboardInterrupt("power cut")  # after the registry changed, before the files moved

    monkeypatch.setattr(compaction, "_roll_forward", crash)
    with pytest.raises(KeyboardInterrupt):
        compaction.compact_shards(store)
    store.close()
    monkeypatch.undo()
    with CaseStore(case) as store:  # opening for writing finishes the step from its journal
        problems = verify_results(store).problems
        assert not [p for p in problems if "missing" in p or "no scan registered" in p], problems
        assert store.meta("compaction") is None
    with CaseReader(case) as reader:
        assert reader.record_count() == 6  # each row once
        assert reader.identifier_totals()["email"]["unique"] == 6
