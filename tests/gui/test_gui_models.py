"""Every item model over a case written as a scan writes it (metadata + Parquet shards), checked by Qt's
QAbstractItemModelTester; their rows agree with the case's reading API."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from workbench.engine.store.reader import CaseReader
from workbench.gui.models import paged
from workbench.gui.models.tables import beacons_model, findings_model, records_model, watermarks_model
from workbench.gui.models.tree import ITEM_ID_ROLE, VPATH_ROLE, EvidenceTreeModel

FATAL = QAbstractItemModelTester.FailureReportingMode.Fatal


@pytest.fixture
def reader(shard_case):
    r = CaseReader(shard_case.case)
    yield r
    r.close()


def _expand_all(model, parent=QModelIndex()) -> int:  # noqa: B008
    """Items of the store under ``parent`` (folders named by member paths inside an archive are not items)."""
    while model.canFetchMore(parent):
        model.fetchMore(parent)
    n = 0
    for r in range(model.rowCount(parent)):
        child = model.index(r, 0, parent)
        n += child.data(ITEM_ID_ROLE) is not None
        if model.hasChildren(child):
            n += _expand_all(model, child)
    return n


def test_tree_model_walks_every_item_once(qapp, reader, shard_case):
    model = EvidenceTreeModel(reader)
    tester = QAbstractItemModelTester(model, FATAL)
    seen = _expand_all(model)
    assert seen == reader.counts().items == len(shard_case.items)
    vpath = max(shard_case.items, key=lambda v: v.count("!/"))  # nested archives: the deepest item
    index = model.match(model.index(0, 0), VPATH_ROLE, vpath, 1,
                        Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)[0]
    chain = []
    while index.isValid():
        chain.append(index.data(VPATH_ROLE))
        index = index.parent()
    assert all(vpath.startswith(a) for a in chain) and len(chain) == 3
    assert model.locate(vpath).data(VPATH_ROLE) == vpath
    del tester


def test_tree_batches_children(qapp, reader, monkeypatch):
    from workbench.gui.models import tree

    monkeypatch.setattr(tree, "BATCH", 1)
    model = EvidenceTreeModel(reader)
    QAbstractItemModelTester(model, FATAL)
    total = _expand_all(model)
    assert total == reader.counts().items
    ids = []

    def collect(parent):
        for r in range(model.rowCount(parent)):
            i = model.index(r, 0, parent)
            if i.data(ITEM_ID_ROLE) is not None:  # folders named by member paths are not items
                ids.append(i.data(ITEM_ID_ROLE))
            collect(i)
    collect(QModelIndex())
    assert len(ids) == len(set(ids)) == total


@pytest.mark.parametrize("factory", [records_model, findings_model, beacons_model, watermarks_model])
def test_table_models_pass_the_tester(qapp, reader, factory, monkeypatch):
    monkeypatch.setattr(paged, "PAGE", 25)  # many pages even on a small case
    model = factory(reader)
    if factory is records_model:  # the tester reads every row after each change: one item's records
        model.set_condition({"item": "leak.zip!/inner.zip!/labo.csv"})
    tester = QAbstractItemModelTester(model, FATAL)
    n = model.rowCount()
    assert n > 0
    for r in range(0, n, max(1, n // 50)):
        for c in range(model.columnCount()):
            model.data(model.index(r, c))
    for c in range(model.columnCount()):
        assert model.is_sortable(c)  # every column sorts
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


def test_records_masked_by_default_and_in_clear_on_request(qapp, reader):
    model = records_model(reader)
    nir_col = [c.key for c in model.columns].index("nir")
    name_col = [c.key for c in model.columns].index("family_name")
    row = next(r for r in range(model.rowCount()) if model.row_tuple(r)[nir_col + 1])
    clear_nir = model.row_tuple(row)[nir_col + 1]
    shown = model.index(row, nir_col).data()
    assert clear_nir not in shown and "*" in shown
    assert "*" in model.index(row, name_col).data()
    model.set_masked(False)
    assert model.index(row, nir_col).data() == clear_nir


def _fold(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _column(model, key: str) -> list:
    col = [c.key for c in model.columns].index(key)
    return [model.row_tuple(r)[col + 1] for r in range(model.rowCount())]


def test_records_condition_sort_and_filter_follow_the_reader(qapp, reader, monkeypatch):
    monkeypatch.setattr(paged, "PAGE", 64)
    model = records_model(reader)
    records = reader.arrow("SELECT * FROM records").to_pylist()  # the reference: the reader's own view
    assert model.rowCount() == len(records)
    est = next(r["establishment"] for r in records if r["establishment"])
    model.set_condition({"establishment": est})
    assert model.rowCount() == sum(r["establishment"] == est for r in records)
    assert set(_column(model, "establishment")) == {est}
    model.set_condition({"basis": "none"})
    assert model.rowCount() == sum(r["basis"] == "none" for r in records) > 0
    model.set_condition(None)
    for key in ("family_name", "establishment", "basis", "locator"):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort([c.key for c in model.columns].index(key), order)
            values = _column(model, key)
            present = [v for v in values if v is not None]
            assert values[:len(present)] == present  # no value last, both ways
            folded = [_fold(v) for v in present]  # accents and case ignored, as an analyst reads names
            if key == "locator":  # positions as numbers: row:2 before row:10 (shorter first, as the report)
                folded = [(len(v), v) for v in folded]
            assert folded == sorted(folded, reverse=order == Qt.SortOrder.DescendingOrder), key
    model.sort(-1)
    model.set_filter("maïwenn")  # case-insensitive, accents kept
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == sum((r["given_name"] or "").casefold() == "maïwenn" for r in records) > 0
    for wildcard in ("%", "_", "\\"):  # taken literally: no record holds one
        model.set_filter(wildcard)
        assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex())
    model.set_filter("row:1_")
    assert model.rowCount() == 0
    model.set_filter("290000017")  # an attribution column
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == sum(r["establishment"] == "290000017" for r in records) > 0


def test_deep_pages_of_a_sorted_filtered_view_match_the_first(qapp, reader, monkeypatch):
    """The pager's cached order (deep pages) and its top-N queries (first and last pages) agree."""
    from workbench.engine.store import browse

    pager = browse.TablePager(reader, "records")
    whole = pager.page(0, 10_000, order=("family_name", False), filter="an")
    monkeypatch.setattr(browse, "END_WINDOW", 10)
    monkeypatch.setattr(browse, "SMALL_TABLE", 10)
    fresh = browse.TablePager(reader, "records")
    paged_rows = []
    while True:
        page = fresh.page(len(paged_rows), 37, order=("family_name", False), filter="an")
        if not page:
            break
        paged_rows += page
    assert paged_rows == whole and len(whole) > 100
    n = fresh.count()
    tail = fresh.page(n - 20, 20, order=("given_name", True))
    assert tail == pager.page(n - 20, 20, order=("given_name", True))


def test_a_watermark_p_value_that_underflowed_is_shown_as_its_power_of_ten(qapp, tmp_path):
    from workbench.engine.store import CaseStore, TaskShards

    case = tmp_path / "case"
    with CaseStore(case) as store:
        store.upsert_task("t", 1, ["t"], 1)
        shards = TaskShards(case, "t", store.task_seq("t"))
        shards.add_watermark_hits("big.csv", [
            {"locator": "file", "kind": "table-watermark", "establishment": "350005179", "rows": 200_000,
             "p_value": 0.0, "detail": {"log10_p": -2760.4}}])
        shards.add_watermark_hits("small.csv", [
            {"locator": "file", "kind": "table-watermark", "establishment": "350005179", "rows": 300,
             "p_value": 1.2e-12, "detail": {"log10_p": -11.92}}])
        shards.close()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    with CaseReader(case) as r:
        model = watermarks_model(r)
        column = [c.key for c in model.columns].index("p_value")
        shown = {model.data(model.index(i, [c.key for c in model.columns].index("item"))):
                 model.data(model.index(i, column)) for i in range(model.rowCount())}
        # as the PDF writes them: an underflowed p as its bound, never "1.2e-12" (nor the bound as an equality)
        assert shown == {"big.csv": "< 10^-2760", "small.csv": "1.2 × 10^-12"}
        model.sort(column, Qt.SortOrder.AscendingOrder)  # the smallest p first
        assert model.data(model.index(0, column)) == "< 10^-2760"
        QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
        try:
            assert model.data(model.index(1, column)) == "1,2 × 10^-12"
        finally:
            QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def test_item_paths_are_masked_in_every_table(qapp, reader):
    """A file named after a patient's NIR ("185057800608491_bilan.pdf") showed its NIR in clear in every table's
    Item column while the viewer's title masked it: the column is masked like the title now."""
    from workbench.gui.display import mask_value

    for make in (records_model, findings_model, beacons_model, watermarks_model):
        item = next(c for c in make(reader).columns if c.key == "item")
        assert item.masked == "item"
    shown = mask_value("item", "leak.zip!/bilans/185057800608491_bilan.pdf")
    assert "185057800608491" not in shown and shown.startswith("leak.zip!/bilans/") and shown.endswith("_bilan.pdf")


@pytest.mark.parametrize(("lang", "shown"), [("fr", "aucune"), ("en", "none")])
def test_the_filter_finds_a_basis_by_the_word_the_table_shows(qapp, reader, lang, shown):
    """The French table shows the basis ``none`` as "aucune": typing it finds those records (it found none)."""
    from workbench.gui.i18n import install_language
    from workbench.gui.labels import value_label

    install_language(lang)
    try:
        model = records_model(reader)
        assert value_label("none") == shown
        col = [c.key for c in model.columns].index("basis")
        model.set_filter(shown.upper())
        while model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        records = reader.arrow("SELECT * FROM records").to_pylist()
        assert model.rowCount() == sum(r["basis"] == "none" for r in records) > 0
        assert {model.index(r, col).data() for r in range(model.rowCount())} == {shown}
    finally:
        install_language("en")


@pytest.mark.parametrize(("lang", "typed", "stored"), [
    ("fr", "ligne 17", "row:17"), ("fr", "Ligne 1 234", "row:1234"), ("fr", "ligne 1\u202f234", "row:1234"),
    ("fr", "table patients / ligne 3", "table:patients/row:3"), ("en", "row 17", "row:17"),
    ("en", "row 1,234", "row:1234"), ("en", "message 4", "msg:4"), ("en", "sheet Feuil1 / row 2", "sheet:Feuil1/row:2"),
    ("fr", "message important", "message important"), ("en", "table patients", "table patients"),
    ("fr", "dupont", "dupont"), ("en", "row 17", "row:17"), ("fr", "row 17", "row 17"),
])
def test_a_locator_typed_as_shown_is_searched_as_stored(qapp, lang, typed, stored):
    """The records table shows ``row:17`` as "ligne 17": the filter box takes what is shown."""
    from workbench.gui.i18n import install_language
    from workbench.gui.labels import locator_label, locator_search

    install_language(lang)
    try:
        assert locator_search(typed) == stored
        if stored != typed:
            assert locator_search(locator_label(stored)) == stored  # the label and its reading agree
    finally:
        install_language("en")


def test_the_evidence_tree_masks_file_names_like_the_item_column(qapp, tmp_path):
    """A report named after a patient's NIR showed it in clear in the tree while the tables masked it."""
    from workbench.engine.model import ItemInfo
    from workbench.engine.store.metadata import CaseStore

    name = "CR_185057512345678.pdf"
    evidence = tmp_path / name
    evidence.write_bytes(b"%PDF-1.7\n%%EOF\n")
    with CaseStore(tmp_path / "case") as store:
        eid = store.register_evidence(str(evidence), False)
        store.upsert_task("t", eid, [name], evidence.stat().st_size)
        store.put_item(ItemInfo(name, name, 0, kind="pdf", size=evidence.stat().st_size, sha256="0" * 64),
                       evidence_id=eid, task_key="t")
        store.commit()
    with CaseReader(tmp_path / "case") as reader:
        model = EvidenceTreeModel(reader)
        QAbstractItemModelTester(model, FATAL)
        while model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        top = model.index(0, 0)
        shown, tip = top.data(), top.data(Qt.ItemDataRole.ToolTipRole)
        assert "12345678" not in shown and "12345678" not in tip and shown.startswith("CR_1 85")
        assert shown.endswith(".pdf") and top.data(VPATH_ROLE) == name  # the window still finds the item
        model.set_masked(False)
        assert top.data() == name and top.data(Qt.ItemDataRole.ToolTipRole) == name


def test_file_names_naming_a_patient_are_masked_with_the_case_names(qapp):
    """The PDF masked "CR_moreau_BIO-7815491.pdf" as "CR_m*****_BIO-7815491.pdf"; the window's Item column, tree,
    details and copied paths showed the patient's name in clear."""
    from workbench.engine.masking import fold_name
    from workbench.gui.display import mask_value

    names = frozenset(fold_name(n) for n in ("MOREAU", "Gérard", "legoff"))
    assert mask_value("item", "scans/CR_moreau_BIO-7815491.pdf", names) == "scans/CR_m*****_BIO-7815491.pdf"
    assert mask_value("item", "GERARD_185057512345678.hl7", names).startswith("G*****_1 85")
    assert mask_value("item", "dossier_LeGoff.pdf", names) == "dossier_L*****.pdf"
    assert mask_value("item", "scans/CR_moreau_BIO-7815491.pdf") == "scans/CR_moreau_BIO-7815491.pdf"  # no names
    assert mask_value("family_name", "MOREAU", names) == "M*****"  # the other columns as before
