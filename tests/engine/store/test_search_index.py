"""The records' search index: the same filtered rows as a scan of the shards, only sooner; ignored once stale."""

from __future__ import annotations

import os

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
    for t in texts:
        assert _filtered(case, t)[0] == before[t], t
    assert before[nir]  # the NIR is found, through the index: a list of ids, not a scan
    rids, sql = _filtered(case, nir)
    assert sql.startswith("rid IN (")
    assert _filtered(case, "1234567890" * 4)[1] == "FALSE"  # longer than any value: no column can hold it


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
    assert rids and not sql.startswith("rid IN")  # read from the shards again


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
