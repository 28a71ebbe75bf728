"""Every item model over a real scanned case, checked by Qt's QAbstractItemModelTester."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from workbench.gui.casedb import open_readonly
from workbench.gui.models import paged
from workbench.gui.models.tables import beacons_model, findings_model, records_model, watermarks_model
from workbench.gui.models.tree import ITEM_ID_ROLE, VPATH_ROLE, EvidenceTreeModel

FATAL = QAbstractItemModelTester.FailureReportingMode.Fatal


@pytest.fixture
def conn(demo):
    c = open_readonly(demo.case)
    yield c
    c.close()


def _expand_all(model, parent=QModelIndex()) -> int:  # noqa: B008
    while model.canFetchMore(parent):
        model.fetchMore(parent)
    n = model.rowCount(parent)
    for r in range(n):
        child = model.index(r, 0, parent)
        if model.hasChildren(child):
            n += _expand_all(model, child)
    return n


def test_tree_model_walks_every_item_once(qapp, conn):
    model = EvidenceTreeModel(conn)
    tester = QAbstractItemModelTester(model, FATAL)
    seen = _expand_all(model)
    assert seen == conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    # Nested archives: an item three levels down has the right ancestors.
    vpath, depth = conn.execute("SELECT vpath, depth FROM items ORDER BY depth DESC LIMIT 1").fetchone()
    assert depth >= 2
    index = model.match(model.index(0, 0), VPATH_ROLE, vpath, 1,
                        Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)[0]
    chain = []
    while index.isValid():
        chain.append(index.data(VPATH_ROLE))
        index = index.parent()
    assert all(vpath.startswith(a) for a in chain) and len(chain) >= depth + 1
    row = conn.execute("SELECT findings FROM items WHERE findings > 0 LIMIT 1").fetchone()
    assert row is not None
    del tester


def test_tree_batches_children(qapp, conn, monkeypatch):
    from workbench.gui.models import tree

    monkeypatch.setattr(tree, "BATCH", 3)
    model = EvidenceTreeModel(conn)
    QAbstractItemModelTester(model, FATAL)
    total = _expand_all(model)
    assert total == conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    ids = []

    def collect(parent):
        for r in range(model.rowCount(parent)):
            i = model.index(r, 0, parent)
            ids.append(i.data(ITEM_ID_ROLE))
            collect(i)
    collect(QModelIndex())
    assert len(ids) == len(set(ids)) == total


@pytest.mark.parametrize("factory", [records_model, findings_model, beacons_model, watermarks_model])
def test_table_models_pass_the_tester(qapp, conn, factory, monkeypatch):
    monkeypatch.setattr(paged, "PAGE", 25)  # many pages even on a small case
    model = factory(conn)
    # The tester reads every row after each change: keep it to a few hundred rows (scale: test_gui_records_scale).
    model.set_condition(f"{model.id_expr} <= 400")
    tester = QAbstractItemModelTester(model, FATAL)
    n = model.rowCount()
    assert n > 0
    for r in range(0, n, max(1, n // 50)):
        for c in range(model.columnCount()):
            model.data(model.index(r, c))
    for c in range(model.columnCount()):
        if model.is_sortable(c):
            model.sort(c, Qt.SortOrder.DescendingOrder)
            assert model.rowCount() == n
    text = str(model.index(0, 0).data() or "x")[:3]
    model.set_filter(text)
    for _ in range(4):  # the tester re-checks every loaded row on each insertion: a few pages are enough
        before = model.rowCount()
        model.fetchMore(QModelIndex())
        assert model.rowCount() >= before
    assert 0 < model.rowCount() <= n
    model.set_filter("")
    assert model.rowCount() == n
    del tester


def test_records_masked_by_default_and_in_clear_on_request(qapp, conn):
    model = records_model(conn)
    nir_col = [c.key for c in model.columns].index("nir")
    name_col = [c.key for c in model.columns].index("family_name")
    model.set_filter("")
    row = next(r for r in range(model.rowCount()) if model.row_tuple(r)[nir_col + 1])
    clear_nir = model.row_tuple(row)[nir_col + 1]
    shown = model.index(row, nir_col).data()
    assert clear_nir not in shown and "*" in shown
    assert "*" in model.index(row, name_col).data()
    model.set_masked(False)
    assert model.index(row, nir_col).data() == clear_nir


def test_records_filter_and_sort_follow_sql(qapp, conn):
    model = records_model(conn)
    est = conn.execute("SELECT establishment FROM records WHERE establishment IS NOT NULL LIMIT 1").fetchone()[0]
    model.set_condition("r.establishment = ?", (est,))
    assert model.rowCount() == conn.execute("SELECT COUNT(*) FROM records WHERE establishment=?", (est,)).fetchone()[0]
    model.set_condition(None)
    col = [c.key for c in model.columns].index("locator")
    model.sort(col, Qt.SortOrder.AscendingOrder)  # a small table sorts on any column
    values = [model.row_tuple(r)[col + 1] for r in range(min(model.rowCount(), 600))]
    assert values == sorted(values, key=lambda v: (v is not None, v))
