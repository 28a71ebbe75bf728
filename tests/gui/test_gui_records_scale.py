"""The records table stays fluid with a million records: creation, first paint, sort and filter each ~1 s."""

from __future__ import annotations

import itertools
import sqlite3
import time

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from workbench.engine.casestore import RECORD_COLUMNS, CaseStore
from workbench.gui.casedb import open_readonly
from workbench.gui.models.tables import records_model

N = 1_000_000
LIMIT_S = 1.5  # the target is 1 s; the margin absorbs a machine shared with other jobs
# Indexes a case store needs for sorting large record tables (asked of the case store; made here meanwhile).
VIEW_INDEXES = ("family_name", "birth_date", "establishment", "basis", "nir")


@pytest.fixture(scope="module")
def big_case(demo, tmp_path_factory):
    """A case of 1,000,000 records cycled from the demo's real scanned records (inserted with executemany)."""
    case = tmp_path_factory.mktemp("big") / "case"
    src = sqlite3.connect(demo.case / "case.sqlite")
    cols = RECORD_COLUMNS[1:] + ["establishment", "recipient", "basis", "confidence", "proof"]
    pool = src.execute(f"SELECT item_id, {', '.join(cols)} FROM records").fetchall()
    items = src.execute("SELECT id, vpath, name, depth, kind FROM items").fetchall()
    src.close()
    assert len(pool) > 1000
    locator = cols.index("locator") + 1

    def rows():
        for i, r in zip(range(N), itertools.cycle(pool), strict=False):
            r = list(r)
            r[locator] = f"row:{i + 1}"
            yield r

    with CaseStore(case) as store:
        store.db.executemany("INSERT INTO items(id, vpath, name, depth, kind) VALUES(?,?,?,?,?)", items)
        store.db.executemany(f"INSERT INTO records(item_id, {', '.join(cols)}) VALUES({', '.join('?' * (len(cols) + 1))})",
                             rows())
        for c in VIEW_INDEXES:
            store.db.execute(f"CREATE INDEX records_{c} ON records({c})")
        store.commit()
    return case


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def test_million_records_fluid(qtbot, big_case, capsys):
    conn = open_readonly(big_case)
    view = QTableView()
    view.resize(1200, 700)
    qtbot.addWidget(view)
    t_create, model = _timed(lambda: records_model(conn))
    assert model.rowCount() == N

    def paint():
        view.setModel(model)
        view.show()
        view.repaint()
        return view.grab()
    t_paint, _ = _timed(paint)
    assert model.index(0, 1).data() == "row:1"

    col = [c.key for c in model.columns].index("family_name")
    assert model.is_sortable(col)
    t_sort, _ = _timed(lambda: (model.sort(col, Qt.SortOrder.DescendingOrder), view.repaint()))
    first = model.row_tuple(0)[col + 1]
    assert first == conn.execute("SELECT MAX(family_name) FROM records").fetchone()[0]
    t_deep, _ = _timed(lambda: (view.scrollToBottom(), view.repaint(), model.index(N - 1, col).data()))

    name = conn.execute("SELECT family_name FROM records WHERE family_name IS NOT NULL LIMIT 1 OFFSET 777").fetchone()[0]
    t_filter, _ = _timed(lambda: (model.set_filter(name), view.repaint()))
    assert model.rowCount() > 0
    assert all(name.lower() in " ".join(str(v) for v in model.row_tuple(r)[1:] if v).lower()
               for r in range(model.rowCount()))
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    expected = conn.execute("SELECT COUNT(*) FROM records r LEFT JOIN items i ON i.id=r.item_id WHERE "
                            + " OR ".join(f"{c.expr} LIKE ?" for c in model.columns if c.filterable),
                            [f"%{name}%"] * sum(1 for c in model.columns if c.filterable)).fetchone()[0]
    assert model.rowCount() == expected
    conn.close()
    with capsys.disabled():
        print(f"\n1M records: create {t_create:.3f}s, first paint {t_paint:.3f}s, sort {t_sort:.3f}s, "
              f"scroll to the end {t_deep:.3f}s, filter {t_filter:.3f}s")
    for label, t in (("create", t_create), ("paint", t_paint), ("sort", t_sort), ("end", t_deep),
                     ("filter", t_filter)):
        assert t < LIMIT_S, f"{label} took {t:.2f}s"
