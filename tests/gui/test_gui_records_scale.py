"""The records table with ten million records (issue 10): first paint under 0.1 s, sort on any column and filter
each under 1 s, a filter matching a few rows (one patient's NIR) included. The case is written as Parquet shards
with pyarrow, column by column (seconds, no scan), with the workers' writer options (encodings, the NIR's Bloom
filters), and ends as a scan ends: with the records' search index."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from workbench.engine.model import ItemInfo
from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.reader import CaseReader
from workbench.engine.store.schema import ATTRIBUTION, ATTRIBUTION_FILE, RECORDS, RID_TASK_SHIFT, SHARDS_DIR
from workbench.engine.store.search_index import index_case
from workbench.engine.store.shards import ROW_GROUP_ROWS, writer_options

pytestmark = pytest.mark.slow

N = 10_000_000
FILES = 20  # one shard per task, as a scan of 20 big tables writes them
PAINT_S, SORT_S, FILTER_S = 0.1, 1.0, 1.0  # the targets
MARGIN = 2.0  # a machine shared with other jobs (2 cores): the figures are printed beside the targets
FAMILY = pa.array([f"NOM{i:04d}" for i in range(5000)])
GIVEN = pa.array([f"Prénom{i:03d}" for i in range(800)])
ESTABLISHMENTS = pa.array(["350005179", "290000017", "220000020", "350002812", "560008799", "290020700"])


def _dates(rng, n: int, lo: int, hi: int) -> pa.Array:
    return pc.strftime(pa.array(rng.integers(lo, hi, n).astype("datetime64[D]")), "%Y-%m-%d")


def build_case(case, n: int = N, files: int = FILES, seed: int = 10) -> dict:
    """``n`` records in ``files`` shards, 70% of them attributed; returns facts the test checks against."""
    rng = np.random.default_rng(seed)
    per = n // files
    folder = case / SHARDS_DIR / "records"
    folder.mkdir(parents=True)
    locator = pc.binary_join_element_wise("row:", pc.cast(pa.array(np.arange(1, per + 1)), pa.string()), "")
    nir_base = pc.cast(pa.array(rng.integers(10**14, 3 * 10**14, per)), pa.string())
    born, seen = _dates(rng, per, -20000, 18000), _dates(rng, per, 15000, 20000)
    items, attribution = [], []
    for f in range(files):
        seq = f + 1
        rid = np.arange(per, dtype=np.int64) + (seq << RID_TASK_SHIFT)
        shuffle = pa.array(rng.permutation(per))
        nir = nir_base.take(shuffle)
        vpath = f"leak.zip!/export/table{f:02d}.csv"
        items.append(vpath)
        cols = {"rid": pa.array(rid), "item": pa.repeat(pa.scalar(vpath), per), "locator": locator, "nir": nir,
                "family_name": FAMILY.take(pa.array(rng.integers(0, len(FAMILY), per))),
                "given_name": GIVEN.take(pa.array(rng.integers(0, len(GIVEN), per))),
                "birth_date": born.take(shuffle), "sex": pa.array(np.where(rng.integers(0, 2, per), "M", "F")),
                "event_last": seen.take(shuffle), "patient_key": pc.binary_join_element_wise("nir:", nir, ""),
                "source": pa.repeat(pa.scalar("{}"), per)}
        table = pa.table([cols.get(fld.name, pa.nulls(per, fld.type)) for fld in RECORDS], schema=RECORDS)
        pq.write_table(table, folder / f"task{seq:04d}.parquet", row_group_size=ROW_GROUP_ROWS,
                       **writer_options(RECORDS))  # as the workers write them: encodings, NIR Bloom filters
        keep = rng.random(per) < 0.7
        k = int(keep.sum())
        attribution.append(pa.table({
            "rid": pa.array(rid[keep]), "establishment": ESTABLISHMENTS.take(pa.array(rng.integers(0, 6, k))),
            "recipient": pa.nulls(k, pa.string()), "basis": pa.repeat(pa.scalar("canary"), k),
            "confidence": pa.repeat(pa.scalar("high"), k), "proof": pa.repeat(pa.scalar('{"beacon_id": "B"}'), k)},
            schema=ATTRIBUTION))
    pq.write_table(pa.concat_tables(attribution), case / SHARDS_DIR / ATTRIBUTION_FILE, compression="zstd",
                   row_group_size=ROW_GROUP_ROWS)
    with CaseStore(case) as store:
        top = ItemInfo("leak.zip", "leak.zip", 0, kind="archive", format="zip")
        store.put_item(top, evidence_id=1, task_key="top")
        for vpath in items:
            store.put_item(ItemInfo(vpath, vpath.rsplit("/", 1)[1], 1, "leak.zip", kind="csv"), evidence_id=1,
                           task_key=vpath)
        store.commit()
        index_case(store)  # as a completed scan ends: the records' search index
    return {"max_family": FAMILY[-1].as_py(), "rare_nir": nir_base[12345].as_py()}


@pytest.fixture(scope="module")
def big_case(tmp_path_factory):
    case = tmp_path_factory.mktemp("big") / "case"
    t = time.perf_counter()
    facts = build_case(case)
    facts["build_s"] = time.perf_counter() - t
    return case, facts


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def test_ten_million_records_fluid(qtbot, big_case, capsys):
    from workbench.engine.store.browse import record_detail
    from workbench.gui.models.tables import records_model

    case, facts = big_case
    reader = CaseReader(case)
    view = QTableView()
    view.resize(1200, 700)
    qtbot.addWidget(view)
    t_create, model = _timed(lambda: records_model(reader))
    assert model.rowCount() == N
    keys = [c.key for c in model.columns]

    def paint():
        view.setModel(model)
        view.show()
        view.repaint()
        return view.grab()
    t_paint, _ = _timed(paint)
    assert model.index(0, keys.index("locator")).data() == "row 1"  # the stored "row:1" as a reader reads it
    assert model.row_tuple(0)[keys.index("locator") + 1] == "row:1"

    col = keys.index("family_name")
    # Timed until the first row's value is read (what the view paints), not only the model's reset.
    t_sort, _ = _timed(lambda: (model.sort(col, Qt.SortOrder.DescendingOrder), view.repaint(),
                                model.index(0, col).data()))
    assert model.row_tuple(0)[col + 1] == facts["max_family"]
    t_end, _ = _timed(lambda: (view.scrollToBottom(), view.repaint(), model.index(N - 1, col).data()))
    assert model.row_tuple(N - 1)[col + 1] == FAMILY[0].as_py()

    est = keys.index("establishment")
    t_sort_est, _ = _timed(lambda: (model.sort(est, Qt.SortOrder.AscendingOrder), view.scrollToTop(),
                                    view.repaint(), model.index(0, est).data()))
    assert model.row_tuple(0)[est + 1] == min(ESTABLISHMENTS.to_pylist())

    model.sort(-1)
    name = FAMILY[777].as_py()
    t_filter, _ = _timed(lambda: (model.set_filter(name.lower()), view.repaint(), model.index(0, col).data()))
    assert model.rowCount() > 0
    assert all(model.row_tuple(r)[col + 1] == name for r in range(model.rowCount()))

    t_rare, _ = _timed(lambda: (model.set_filter(facts["rare_nir"]), view.repaint(), model.index(0, col).data()))
    assert model.rowCount() == FILES  # the same NIR in each shard (the base column is shuffled per shard)
    rid = model.row_id(0)
    t_detail, record = _timed(lambda: record_detail(reader, rid))
    assert record["nir"] == facts["rare_nir"]
    reader.close()
    with capsys.disabled():
        print(f"\n{N:,} records (built in {facts['build_s']:.1f}s): open {t_create:.3f}s, first paint {t_paint:.3f}s "
              f"(target {PAINT_S}s), sort on a name {t_sort:.3f}s, last page of that sort {t_end:.3f}s, "
              f"sort on the establishment {t_sort_est:.3f}s (target {SORT_S}s), filter on a name {t_filter:.3f}s "
              f"(target {FILTER_S}s), filter matching 20 rows {t_rare:.3f}s (target {FILTER_S}s), a record's details {t_detail:.3f}s")
    for label, t, target in (("first paint", t_paint, PAINT_S), ("sort", t_sort, SORT_S),
                             ("last page", t_end, SORT_S), ("sort on establishment", t_sort_est, SORT_S),
                             ("filter", t_filter, FILTER_S), ("filter matching 20 rows", t_rare, FILTER_S),
                             ("details", t_detail, SORT_S)):
        assert t < target * MARGIN, f"{label} took {t:.2f}s (target {target}s)"
