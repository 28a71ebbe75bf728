"""The window's pager: an unsorted view read page by page shows each record once, in one order, whatever the
test (on the records alone, or through the attribution's semi-join, whose parallel hash join keeps no order)."""

from __future__ import annotations

import pytest

from tests.gui.shardcase import build_shard_case
from workbench.engine.store import browse
from workbench.engine.store.browse import TablePager
from workbench.engine.store.reader import CaseReader


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return build_shard_case(tmp_path_factory.mktemp("browse") / "c").case


def _paged(case, page: int, order=None, **view) -> list[int]:
    """Every record id of a view, read ``page`` rows at a time by a fresh reader and pager (4 DuckDB threads:
    the order a parallel join gives depends on them)."""
    with CaseReader(case, threads=4) as reader:
        pager = TablePager(reader, "records")
        n = pager.count(**view)
        rids: list[int] = []
        while len(rids) < n:
            rows = pager.page(len(rids), page, order=order, **view)
            assert rows, f"page at {len(rids)} of {n} is empty"
            rids += [r[0] for r in rows]
        assert pager.page(n, page, order=order, **view) == []
        return rids


# Through the attribution: "none" (an anti-join), a FINESS (a semi-join, alone or OR-ed with the records' own
# columns, where the NIRs hold "350005"), a basis. On the records alone: a name.
THROUGH_ATTRIBUTION = [{"filter": "none"}, {"where": {"basis": "none"}}, {"where": {"establishment": "350005179"}},
                       {"filter": "350005"}, {"filter": "canary"}]
VIEWS = [*THROUGH_ATTRIBUTION, {"filter": "MARTIN"}]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: repr(v))
def test_unsorted_pages_follow_one_another(case, view):
    with CaseReader(case) as reader:
        everything = {r[0] for r in reader.rows("SELECT rid FROM records_raw")}
    rids = _paged(case, 7, **view)
    assert rids and len(rids) == len(set(rids)), "a row shown twice"
    assert set(rids) < everything
    if view in THROUGH_ATTRIBUTION:
        assert rids == sorted(rids), "pages out of record order"
    for page in (1, 50, 10_000):  # any page size gives the same rows in the same order
        assert _paged(case, page, **view) == rids


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: repr(v))
def test_pages_far_from_the_start_follow_one_another_too(case, view, monkeypatch):
    """Past the first pages of a big view the pager reads a cached order: the same rows as the first pages'
    queries, in the same order."""
    near = _paged(case, 11, **view)
    monkeypatch.setattr(browse, "END_WINDOW", 0)
    monkeypatch.setattr(browse, "SMALL_TABLE", 0)
    assert _paged(case, 11, **view) == near


def test_a_view_through_the_attribution_is_read_in_record_order():
    assert browse._storage_order(f"rid IN {browse.ATTRIBUTION_SEMI_JOIN} basis = ?)") == " ORDER BY rid"
    assert browse._storage_order('contains("nir", ?)') == ""


LABELS_FR = {"basis": {"none": "aucune", "canary": "patient témoin", "explicit": "identifiant explicite"}}


def _filtered_ids(case, text: str, labels=None, table: str = "records", **view) -> list[int]:
    with CaseReader(case) as reader:
        pager = TablePager(reader, table)
        if labels is not None:
            pager.set_labels(labels)
        n = pager.count(filter=text, **view)
        rows = pager.page(0, 10_000, filter=text, **view)
        assert len(rows) == n
        return sorted(r[0] for r in rows)


def test_a_filter_matches_the_label_a_code_is_shown_with(case):
    """The window shows ``none`` as "aucune" in French: typing what is shown finds what typing the code finds."""
    none = _filtered_ids(case, "none")
    assert none and _filtered_ids(case, "aucune") == []  # without the labels: the code only
    assert _filtered_ids(case, "aucune", LABELS_FR) == none
    assert _filtered_ids(case, "AUCUNE", LABELS_FR) == none  # case folded, as the stored values are
    canary = _filtered_ids(case, "", where={"basis": "canary"})
    assert canary and _filtered_ids(case, "témoin", LABELS_FR) == canary
    explicit = _filtered_ids(case, "", where={"basis": "explicit"})
    assert explicit and _filtered_ids(case, "explicite", LABELS_FR) == explicit
    assert _filtered_ids(case, "témoin", {"basis": {"canary": "patient témoin", "explicit": "témoin"}}) == sorted(
        canary + explicit)  # every code whose label holds the text
    assert _filtered_ids(case, "none", LABELS_FR) == none  # the stored code still matches


def test_changed_labels_are_used_at_once(case):
    """A language switch gives the same pager new labels: nothing cached under the old ones is served."""
    with CaseReader(case) as reader:
        pager = TablePager(reader, "records")
        assert pager.set_labels(LABELS_FR)
        fr = pager.count(filter="aucune")
        assert fr > 0 and pager.count(filter="témoin") > 0
        assert not pager.set_labels(LABELS_FR)  # the same labels: the caches stay
        assert pager.set_labels({"basis": {"none": "none", "canary": "canary patient"}})
        assert pager.count(filter="aucune") == 0 and pager.count(filter="témoin") == 0
        assert pager.count(filter="canary patient") == pager.count(where={"basis": "canary"}) > 0


def test_small_tables_match_labels_too(case):
    """Findings (SQLite metadata): "règle YARA" is how the French window shows the detector ``yara``."""
    yara = _filtered_ids(case, "", table="findings", where={"detector": "yara"})
    assert yara and _filtered_ids(case, "règle yara", table="findings") == []
    assert _filtered_ids(case, "règle yara", {"detector": {"yara": "règle YARA"}}, table="findings") == yara


@pytest.fixture(scope="module")
def unattributed_case(tmp_path_factory):
    """The shard case as a scan without a registry leaves it: an attribution file with no row."""
    import pyarrow as pa

    from workbench.engine.store.schema import ATTRIBUTION, ATTRIBUTION_FILE, SHARDS_DIR
    from workbench.engine.store.shards import write_table

    case = build_shard_case(tmp_path_factory.mktemp("browse-none") / "c").case
    write_table(case / SHARDS_DIR / ATTRIBUTION_FILE, ATTRIBUTION.empty_table())
    assert pa.parquet.read_table(case / SHARDS_DIR / ATTRIBUTION_FILE).num_rows == 0
    return case


@pytest.mark.parametrize("column", browse.ATTRIBUTION_VIEW_COLUMNS)
@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("deep", [False, True], ids=["first-pages", "cached-order"])
def test_a_case_without_attribution_sorts_on_an_attribution_column_by_record_id(unattributed_case, column,
                                                                                  ascending, deep, monkeypatch):
    """Scanned without a registry, every record shows the same establishment (none): the sort is the record
    ids' order, read without joining 42.7 million records to an empty attribution (2.95 s at 5 GB), and the
    same rows in the same order as the join gives, on every page."""
    if deep:
        monkeypatch.setattr(browse, "END_WINDOW", 0)
        monkeypatch.setattr(browse, "SMALL_TABLE", 0)
    view = {"order": (column, ascending)}
    with CaseReader(unattributed_case) as reader:
        every = sorted(r[0] for r in reader.rows("SELECT rid FROM records_raw"))
    rids = _paged(unattributed_case, 13, **view)
    assert rids == (every if ascending else every[::-1])
    with CaseReader(unattributed_case) as reader:
        pager = TablePager(reader, "records")
        pager.page(0, 5, **view)
        assert not pager._attr_ready  # the join was not built
    monkeypatch.setattr(browse._RecordsPager, "_nothing_attributed", lambda self: False)
    assert _paged(unattributed_case, 13, **view) == rids  # what the join gives


def test_a_filtered_view_without_attribution_sorts_by_record_id_too(unattributed_case):
    rids = _paged(unattributed_case, 9, order=("basis", False), filter="MARTIN")
    assert rids and rids == sorted(rids, reverse=True)


@pytest.mark.parametrize("deep", [False, True], ids=["first-pages", "cached-order"])
def test_positions_sort_as_numbers_on_every_page(case, deep, monkeypatch):
    """``row:2`` before ``row:10`` (text order put line 10 before line 2), in both directions, on the first
    pages (top-N queries) and deep ones (the cached order) alike."""
    if deep:
        monkeypatch.setattr(browse, "END_WINDOW", 0)
        monkeypatch.setattr(browse, "SMALL_TABLE", 0)
    with CaseReader(case) as reader:
        locator = {r[0]: r[1] for r in reader.rows("SELECT rid, locator FROM records_raw")}
    for ascending in (True, False):
        rids = _paged(case, 13, order=("locator", ascending))
        assert sorted(rids) == sorted(locator)
        numbers = [int(locator[r].rsplit(":", 1)[1]) for r in rids]
        assert numbers == sorted(numbers, reverse=not ascending)
