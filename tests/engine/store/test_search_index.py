"""The records' search index: the same filtered rows as a scan of the shards, only sooner; ignored once stale.
The lookup itself is an equality test that the record shards' Bloom filters on the NIR answer."""

from __future__ import annotations

import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.gui.shardcase import build_shard_case
from workbench.engine.store.browse import TablePager
from workbench.engine.store.custody import verify_results
from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.reader import CaseReader
from workbench.engine.store.search_index import (
    SEARCH_TASK,
    index_case,
    open_search_index,
    search_path,
)
from workbench.engine.store.shards import BLOOM_FILTERS, TaskShards, writer_options


@pytest.fixture()
def case(tmp_path):
    sc = build_shard_case(tmp_path / "c")
    return sc.case


def _filtered(case, text: str) -> tuple[list[int], str]:
    """Record ids the window's filter shows for ``text`` (a fresh reader and pager), and the SQL test used."""
    with CaseReader(case) as reader:
        pager = TablePager(reader, "records")
        rids = [r[0] for r in pager.page(0, 10_000, filter=text)]
        assert pager.count(filter=text) == len(rids)
        # Sorted: with a semi-join on the attribution ("none") DuckDB's parallel join does not keep storage order.
        return sorted(rids), pager._text_tests[text.strip()][0]


def _a_nir(case) -> str:
    with CaseReader(case) as reader:
        return reader.one("SELECT nir FROM records_raw WHERE nir IS NOT NULL ORDER BY rid LIMIT 1 OFFSET 7")


def test_index_gives_the_rows_of_a_scan(case):
    nir = _a_nir(case)
    texts = [nir, f" {nir} ", nir[:9], nir[3:], "35", "row:1", "2024-03", "martin", "É", "labo", "50%", "none",
             "999999999999999", "1234567890" * 4, "350005179"]
    before = {t: _filtered(case, t)[0] for t in texts}
    with CaseStore(case) as store:
        rows = index_case(store, min_records=0)
    assert rows > 0
    index = open_search_index(case)
    assert index is not None and index.indexed == ("nir",)
    assert index.longest["nir"] == 15 and index.longest["locator"] == len("row:600")
    assert index.digits["nir"] == 15 and index.digits["locator"] == 3 and index.digits["family_name"] == 0
    for t in texts:
        assert _filtered(case, t)[0] == before[t], t
    assert before[nir]  # the NIR is found through the index: one equality test, answered by the Bloom filters
    assert _filtered(case, nir)[1] == '"nir" = ?'
    assert _filtered(case, "1234567890" * 4)[1] == "FALSE"  # longer than any value: no column can hold it
    assert _filtered(case, "999999999999999") == ([], '"nir" = ?')  # a 15-digit text no record holds


def test_a_full_nir_also_found_in_another_column_is_a_list_of_ids(case):
    """When a column the index does not cover holds the text too (here a file named after a NIR), the rows are
    the union of both: the list of their ids, the same rows as a scan."""
    nir = _a_nir(case)
    with CaseReader(case) as reader:
        rid = reader.one("SELECT rid FROM records_raw WHERE nir IS NOT NULL AND nir <> ? ORDER BY rid LIMIT 1",
                         [nir])
    shard = next(p for p in (case / "shards" / "records").glob("*.parquet")
                 if rid in pq.read_table(p, columns=["rid"])["rid"].to_pylist())
    table = pq.read_table(shard)
    rids = table["rid"].to_pylist()
    items = [f"export/{nir}.csv" if r == rid else v for r, v in zip(rids, table["item"].to_pylist(), strict=True)]
    table = table.set_column(table.schema.get_field_index("item"), "item", pa.array(items, pa.string()))
    pq.write_table(table, shard, **writer_options(table.schema))
    before = _filtered(case, nir)[0]
    assert rid in before and len(before) > 1
    with CaseStore(case) as store:
        index_case(store, min_records=0)
    rids, sql = _filtered(case, nir)
    assert rids == before and sql.startswith("rid IN (")


def test_the_index_file_holds_the_longest_values_not_the_nirs(case):
    """A few hundred bytes whatever the case's size: the NIRs are found through the shards' own Bloom filters."""
    with CaseStore(case) as store:
        rows = index_case(store, min_records=0)
    table = pq.read_table(search_path(case))
    assert rows == table.num_rows == 7
    assert dict(zip(table["col"].to_pylist(), table["longest"].to_pylist(), strict=True))["nir"] == 15
    assert dict(zip(table["col"].to_pylist(), table["digits"].to_pylist(), strict=True))["birth_date"] == 8
    assert search_path(case).stat().st_size < 4096


def _probe(case, value: str) -> list[bool]:
    """For each row group of the record shards: whether its Bloom filter on the NIR excludes ``value``."""
    shards = sorted(str(p) for p in (case / "shards" / "records").glob("*.parquet"))
    with CaseReader(case) as reader:
        return [r[0] for r in reader.rows(
            "SELECT bloom_filter_excludes FROM parquet_bloom_probe(?, 'nir', ?)", [shards, value])]


def test_record_shards_carry_a_bloom_filter_of_their_nirs(case):
    """What makes the full-NIR filter fast: DuckDB reads only the row groups whose filter may hold the NIR."""
    assert "nir" in BLOOM_FILTERS
    nir = _a_nir(case)
    assert _probe(case, nir) == [False, False]  # in both shards (patients and labo share their first 300 NIRs)
    absent = [_probe(case, f"{v:015d}") for v in range(100000000000000, 100000000000000 + 40 * 7919, 7919)]
    assert all(len(p) == 2 for p in absent)
    assert sum(sum(p) for p in absent) >= 60  # of 80 probes: no Bloom filter would exclude none


def test_a_merged_shard_keeps_the_bloom_filter(tmp_path, monkeypatch):
    """Compaction writes with the workers' options: the merged shard's NIRs are still found by equality."""
    from workbench.engine.store import compaction

    monkeypatch.setattr(compaction, "MIN_FILES", 2)

    case = tmp_path / "case"
    nirs = []
    with CaseStore(case) as store:
        eid = store.register_evidence(str(tmp_path), True)
        for k in range(3):
            key = f"t{k}"
            store.upsert_task(key, eid, [f"f{k}.csv"], 100)
            store.commit()
            shards = TaskShards(case, key, store.task_seq(key))
            frame = pd.DataFrame({"locator": [f"row:{i}" for i in range(1, 51)],
                                  "nir": [f"1850535{k:03d}{i:03d}{(i * 7) % 97:02d}" for i in range(50)]})
            nirs += frame["nir"].tolist()
            shards.add_records(f"f{k}.csv", frame)
            shards.close()
            store.register_shards(key, shards.files)
            store.finish_task(key, "done")
        store.commit()
        assert compaction.compact_shards(store)["records"] == (3, 1)
    merged = list((case / "shards" / "records").glob("*.parquet"))
    assert len(merged) == 1 and merged[0].name.startswith("compact-")
    assert _probe(case, nirs[75]) == [False]
    assert sum(p[0] for p in (_probe(case, f"2{v:014d}") for v in range(20))) >= 15


def test_index_is_registered_and_sealed(case):
    with CaseStore(case) as store:
        index_case(store, min_records=0)
        shards = [dict(r) for r in store.registered_shards() if r["task_key"] == SEARCH_TASK]
        assert [s["path"] for s in shards] == ["shards/search.parquet"]
        assert shards[0]["rows"] == pq.ParquetFile(search_path(case)).metadata.num_rows
        store.seal_results()
        assert not [p for p in verify_results(store).problems if "search" in p]
        with open(search_path(case), "r+b") as fh:  # an index altered afterwards is seen by `case verify`
            fh.seek(100)
            fh.write(b"\0\0\0\0")
        assert any("search.parquet" in p for p in verify_results(store).problems)


def test_stale_index_is_ignored(case):
    nir = _a_nir(case)
    with CaseStore(case) as store:
        index_case(store, min_records=0)
    assert open_search_index(case) is not None
    shard = next((case / "shards" / "records").glob("*.parquet"))
    st = shard.stat()
    os.utime(shard, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a resumed scan rewrote a shard
    assert open_search_index(case) is None
    rids, sql = _filtered(case, nir)
    assert rids and sql.startswith("(contains(")  # read from the shards again


def test_damaged_index_is_ignored(case):
    nir = _a_nir(case)
    before = _filtered(case, nir)[0]
    search_path(case).write_bytes(b"PAR1 not a parquet file")
    assert open_search_index(case) is None
    assert _filtered(case, nir)[0] == before


def test_a_small_case_gets_no_index(case):
    """900 records: a filter reads the shards in milliseconds, the index would only cost bytes."""
    with CaseStore(case) as store:
        assert index_case(store, min_records=0) > 0
        assert index_case(store) == 0  # the default threshold (2M records); an index written before is removed
        assert not search_path(case).exists()
        assert not [r for r in store.registered_shards() if r["task_key"] == SEARCH_TASK]
    assert open_search_index(case) is None


def _corsican_case(root) -> tuple:
    """300 records, a third of them born in Corsica (department ``2A`` or ``2B`` inside the NIR), written as a
    scan writes them."""
    case = root / "case"
    nirs = [f"1{50 + i % 40:02d}{1 + i % 12:02d}{('2A', '2B', '35')[i % 3]}{i % 1000:03d}{(i * 7) % 1000:03d}"
            f"{(i * 11) % 97:02d}" for i in range(300)]
    with CaseStore(case) as store:
        eid = store.register_evidence(str(root), True)
        store.upsert_task("t", eid, ["corse.csv"], 100)
        store.commit()
        shards = TaskShards(case, "t", store.task_seq("t"))
        shards.add_records("corse.csv", pd.DataFrame({
            "locator": [f"table:patients/row:{i + 1}" for i in range(300)], "nir": nirs,
            "family_name": [("Martin", "ALBERTINI", "Santoni")[i % 3] for i in range(300)]}))
        shards.close()
        store.register_shards("t", shards.files)
        store.finish_task("t", "done")
        store.commit()
    return case, nirs


def test_a_corsican_nir_in_either_case_gives_the_rows_of_a_scan(tmp_path):
    """``2A``/``2B`` make a NIR a text with letters: looked up as its spellings in upper and lower case, never
    as a number (no 2A -> 19 key rule: the filter matches the stored text)."""
    case, nirs = _corsican_case(tmp_path)
    corsican = nirs[0]
    assert corsican[5:7] == "2A"
    texts = [corsican, corsican.lower(), nirs[1].lower(), corsican[:7].lower(), "2a", "2B", "martin",
             "ALBERTINI", "santoni " * 2, "zz" * 12, corsican[:5] + "19" + corsican[7:], nirs[2], "row:12",
             "PATIENTS/ROW:123", "patients/row:1000", "ts/row:300"]
    before = {t: _filtered(case, t)[0] for t in texts}
    with CaseStore(case) as store:
        index_case(store, min_records=0)
    assert open_search_index(case) is not None
    for t in texts:
        assert _filtered(case, t)[0] == before[t], t
    assert before[corsican] and before[corsican.lower()] == before[corsican]
    assert not before[corsican[:5] + "19" + corsican[7:]]  # the stored text, not the NIR's key arithmetic
    assert _filtered(case, corsican.lower())[1] == '"nir" IN (?, ?)'
    # The locators are longer than a NIR but hold 3 digits at most: a 15-digit text is the NIR's equality alone.
    assert open_search_index(case).digits["locator"] == 3 and open_search_index(case).longest["locator"] == 22
    assert before[nirs[2]] and _filtered(case, nirs[2])[1] == '"nir" = ?'
    assert before["PATIENTS/ROW:123"] and not before["patients/row:1000"]
    assert _filtered(case, "patients/row:1000")[1] == "FALSE"  # 4 digits: no column holds as many
    assert _filtered(case, "zz" * 12)[1] == "FALSE"  # longer than any value: no column can hold it
