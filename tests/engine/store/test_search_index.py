"""The records' search index: the same filtered rows as a scan of the shards, only sooner; ignored once stale.
The lookup itself is an equality test that the record shards' Bloom filters on the NIR answer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert len(merged) == 1 and "-compact-" in merged[0].name
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


def _one_task_case(root, case, vpath: str, frame: pd.DataFrame) -> None:
    """A case of one completed task whose records are ``frame``, written as a scan writes them."""
    with CaseStore(case) as store:
        eid = store.register_evidence(str(root), True)
        store.upsert_task("t", eid, [vpath], 100)
        store.commit()
        shards = TaskShards(case, "t", store.task_seq("t"))
        shards.add_records(vpath, frame)
        shards.close()
        store.register_shards("t", shards.files)
        store.finish_task("t", "done")
        store.commit()


def _corsican_case(root) -> tuple:
    """300 records, a third of them born in Corsica (department ``2A`` or ``2B`` inside the NIR), written as a
    scan writes them."""
    case = root / "case"
    nirs = [f"1{50 + i % 40:02d}{1 + i % 12:02d}{('2A', '2B', '35')[i % 3]}{i % 1000:03d}{(i * 7) % 1000:03d}"
            f"{(i * 11) % 97:02d}" for i in range(300)]
    _one_task_case(root, case, "corse.csv", pd.DataFrame({
        "locator": [f"table:patients/row:{i + 1}" for i in range(300)], "nir": nirs,
        "family_name": [("Martin", "ALBERTINI", "Santoni")[i % 3] for i in range(300)]}))
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


def _mixed_case(root) -> Path:
    """Records whose names sort differently with and without case folding (``DURAND`` < ``Dupont`` < ``de
    Gaulle`` in binary order, the reverse folded), NIRs with Corsican ``2A``/``2B`` and ISO dates."""
    case = root / "case"
    names = ["de Gaulle", "Dupont", "DURAND", "Élodie", "martin", "MARTIN", "Émile", "eve"]
    _one_task_case(root, case, "mixed.csv", pd.DataFrame({
        "locator": [f"table:dossier_patient/row:{i + 1}" for i in range(240)],
        "nir": [f"1{50 + i % 40:02d}{1 + i % 12:02d}{('2A', '2B', '35')[i % 3]}{i:03d}{(i * 7) % 1000:03d}"
                f"{(i * 11) % 97:02d}" for i in range(240)],
        "family_name": [names[i % len(names)] for i in range(240)],
        "birth_date": [f"19{50 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(240)]}))
    return case


def _sorted_ids(case, column: str, ascending: bool) -> tuple[list[int], str]:
    with CaseReader(case) as reader:
        pager = TablePager(reader, "records")
        rids = [r[0] for r in pager.page(0, 1000, order=(column, ascending))]
        return rids, pager._order_by((column, ascending))


@pytest.mark.parametrize("ascending", [True, False])
def test_columns_that_fold_to_themselves_sort_in_binary_order_with_the_same_rows(tmp_path, ascending):
    """The index says which columns sort alike with and without folding (NIRs with 2A/2B, dates, lower-case
    locators with ``_``): those sort in binary order (the NIR of 42.7 million records: 0.24 s, not 0.72 s); names
    in mixed case and with accents keep the folded order. Either way, the rows and their order are the same as
    without the index."""
    case = _mixed_case(tmp_path)
    columns = ("nir", "birth_date", "locator", "family_name", "item")
    before = {c: _sorted_ids(case, c, ascending) for c in columns}
    assert all("COLLATE" in sql for _ids, sql in before.values())
    with CaseStore(case) as store:
        index_case(store, min_records=0)
    index = open_search_index(case)
    assert set(index.plain_order) >= {"nir", "birth_date", "locator", "item"}
    assert "family_name" not in index.plain_order
    for c in columns:
        rids, sql = _sorted_ids(case, c, ascending)
        assert rids == before[c][0], c
        assert ("COLLATE" in sql) == (c == "family_name"), sql
    with CaseReader(case) as reader:  # binary order would differ on the names: the index did not say "plain"
        binary = [r[0] for r in reader.rows("SELECT rid FROM records_raw ORDER BY family_name "
                                            f"{'ASC' if ascending else 'DESC'}, rid {'ASC' if ascending else 'DESC'}")]
    assert binary != before["family_name"][0]


def _indexed_mixed_case_with(tmp_path, change) -> Path:
    """The mixed case, indexed, its index's metadata then changed by ``change(meta)`` (an earlier version's
    index, a damaged one)."""
    case = _mixed_case(tmp_path)
    with CaseStore(case) as store:
        index_case(store, min_records=0)
    path = search_path(case)
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"balise.search"])
    change(meta)
    pq.write_table(table.replace_schema_metadata({b"balise.search": json.dumps(meta)}), path)
    return case


def test_an_index_of_an_earlier_version_keeps_the_folded_order(tmp_path):
    case = _indexed_mixed_case_with(tmp_path, lambda meta: (meta.pop("plain_order"), meta.pop("bytes")))
    assert open_search_index(case).plain_order == ()
    assert open_search_index(case).may_hold("nir", "gmail")  # no byte sets: every column is read
    assert "COLLATE" in _sorted_ids(case, "nir", True)[1]


# Any mix, then sets the rule calls plain (capitals without small letters nor [\]^_`, or no capital at all).
ALPHABETS = ["09AZaz_[`{~ -:/éÉ", "09AZ -:/{~", "09az_[`{~ -:/"]
VALUES = st.sampled_from(ALPHABETS).flatmap(
    lambda a: st.lists(st.text(alphabet=a, max_size=4), min_size=2, max_size=12))


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_plain_order_is_said_only_when_duckdb_s_folded_order_is_the_binary_order(values):
    """The rule of ``_plain_order`` against DuckDB itself: whenever it says a set of values is plain, the folded
    order (ties by position) is the binary one."""
    import duckdb

    from workbench.engine.store.search_index import _bytes_present, _plain_order

    arr = pa.array(values, pa.string())
    if not _plain_order(_bytes_present(arr)):
        return
    con = duckdb.connect()
    con.register("v", pa.table({"i": list(range(len(values))), "s": arr}))
    folded = [r[0] for r in con.execute("SELECT i FROM v ORDER BY s COLLATE NOACCENT.NOCASE, i").fetchall()]
    binary = [r[0] for r in con.execute("SELECT i FROM v ORDER BY s, i").fetchall()]
    assert folded == binary, values


def test_plain_order_refuses_what_folding_reorders():
    from workbench.engine.store.search_index import _bytes_present, _plain_order

    def plain(values):
        return _plain_order(_bytes_present(pa.array(values, pa.string())))

    assert plain(["185052A12345678", "2990135001002", "2024-03-01"])  # capitals, digits, '-'
    assert plain(["table:dossier_patient/row:12", "row:3"])  # small letters and '_'
    assert not plain(["A", "_"])  # 'A' < '_' but 'a' > '_'
    assert not plain(["DURAND", "Dupont"])  # mixed case
    assert not plain(["Élodie"])  # an accent
    assert plain([])
    sliced = pa.array(["Martin", "2A", "35"], pa.string()).slice(1)  # the bytes of the slice only
    assert _plain_order(_bytes_present(sliced))


def test_columns_without_the_text_s_characters_are_not_read_and_the_rows_are_those_of_a_scan(tmp_path):
    """The index keeps the bytes each column holds: a text whose characters a column lacks (``gmail`` in NIRs,
    dates and locators) skips that column (2.4 s for a text matching nothing among 42.7 million records), with
    the rows of a scan of every column. A column with non-ASCII values is judged on non-letters only: the
    Kelvin sign folds into ``k``."""
    case = _mixed_case(tmp_path)
    with CaseStore(case) as store:  # a name holding the Kelvin sign (U+212A), found by "k" once folded
        eid = store.register_evidence(str(tmp_path / "more"), True)
        store.upsert_task("t2", eid, ["kelvin.csv"], 100)
        store.commit()
        shards = TaskShards(case, "t2", store.task_seq("t2"))
        shards.add_records("kelvin.csv", pd.DataFrame({"locator": ["row:1"], "family_name": ["\u212aERBRAT"]}))
        shards.close()
        store.register_shards("t2", shards.files)
        store.finish_task("t2", "done")
        store.commit()
    texts = ["gmail", "kerbrat", "k", "de gaulle", "dossier_patient", "row:12", "2a", "1955-0", "zzz", "mixed",
             "é", "-", ":", "table:", "É"]
    before = {t: _filtered(case, t) for t in texts}
    with CaseStore(case) as store:
        index_case(store, min_records=0)
    index = open_search_index(case)
    assert index.present is not None and ord("_") in index.present["locator"]
    assert not index.may_hold("nir", "gmail") and not index.may_hold("birth_date", "gmail")
    assert index.may_hold("family_name", "k")  # non-ASCII names: letters are not judged
    assert not index.may_hold("family_name", "_")
    assert index.may_hold("nir", "é")  # a non-ASCII text is not judged on bytes
    for t in texts:
        rids, sql = _filtered(case, t)
        assert rids == before[t][0], t
    assert before["kerbrat"][0] and before["k"][0]  # DuckDB folds the Kelvin sign: the rows are kept
    sql = _filtered(case, "gmail")[1]
    assert '"nir"' not in sql and '"birth_date"' not in sql and '"locator"' not in sql and '"family_name"' in sql
    assert _filtered(case, "zzz")[1].count("ILIKE") < before["zzz"][1].count("ILIKE")


def test_an_index_with_damaged_byte_sets_is_ignored(tmp_path):
    case = _indexed_mixed_case_with(tmp_path, lambda meta: meta["bytes"].update(nir="zz"))
    assert open_search_index(case) is None
