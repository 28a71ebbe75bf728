"""The window over a case written as a scan writes it (no scan run): every view reads through the case's reader."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex

from .conftest import SCREENSHOTS


def test_window_views_over_a_shard_case(qtbot, window, shard_case):
    w = window
    w.show()
    assert w.open_case(shard_case.case), w.errors
    assert w.reader is not None and not w.errors
    assert "900 records" in w.status_case.text()

    tree = w.tree.model()
    while tree.canFetchMore(QModelIndex()):
        tree.fetchMore(QModelIndex())
    assert tree.rowCount() == 1
    top = tree.index(0, 0)
    while tree.canFetchMore(top):
        tree.fetchMore(top)
    # members of the archive sit under the folders their paths name, folders first
    assert [tree.index(r, 0, top).data() for r in range(tree.rowCount(top))] == ["export", "inner.zip"]
    folder = tree.index(0, 0, top)
    assert tree.index(0, 1, top).data() == "folder" and tree.rowCount(folder) == 1
    csv = tree.index(0, 0, folder)
    assert csv.data() == "patients.csv" and tree.index(0, 1, folder).data().startswith("csv")
    assert tree.locate("leak.zip!/export/patients.csv") == csv
    w.tabs.setCurrentIndex(1)
    w.tree.setCurrentIndex(csv)
    qtbot.waitUntil(lambda: w.viewer.table.rowCount() > 0, timeout=30_000)

    records = w.records_page.model
    assert records.rowCount() == shard_case.records
    w.records_page.view.setCurrentIndex(records.index(3, 2))
    assert "Source fields" in w.details.toPlainText() and "NOM" in w.details.toPlainText()
    w.show_establishment_records("290000017")
    assert w.records_page.filter.text() == "establishment:290000017"  # the drill-down shows what it applies
    assert 0 < records.rowCount() < shard_case.records
    assert all(records.row_tuple(r)[9] == "290000017" for r in range(records.rowCount()))
    w.records_page.view.setCurrentIndex(records.index(0, 0))
    assert "CHU de Brest" in w.details.toPlainText()
    w.records_page.filter.clear()  # clearing the box clears the drill-down
    assert records.rowCount() == shard_case.records and records.condition is None
    w.records_page._sort_clicked(3)  # every column sorts, whatever the table's size
    assert records.rowCount() == shard_case.records
    w.records_page._sort_clicked(-1)
    loc = [c.key for c in records.columns].index("locator")
    stored = records.row_tuple(7)[loc + 1]
    shown = records.index(7, loc).data()  # "row 8": the analyst types what the table shows
    assert stored.startswith("row:") and shown != stored
    w.records_page.filter.setText(shown)
    w.records_page.apply_filter()
    while records.canFetchMore(QModelIndex()):
        records.fetchMore(QModelIndex())
    assert 0 < records.rowCount() < shard_case.records
    assert all(stored in records.row_tuple(r)[loc + 1] for r in range(records.rowCount()))
    w.records_page.filter.clear()

    findings = w.findings_page.model
    w.findings_page.filter.setText("health")
    w.findings_page.apply_filter()
    assert findings.rowCount() == 1
    w.findings_page.view.setCurrentIndex(findings.index(0, 0))
    assert "health_export" in w.details.toPlainText()

    beacons = w.beacons_page.model
    assert beacons.rowCount() == 4 and w.watermarks_page.model.rowCount() == 1
    w.beacons_page.view.setCurrentIndex(beacons.index(1, 0))
    text = w.details.toPlainText()
    assert "canary" in text.lower() and "CHU de Rennes" in text and "Sightings" in text
    w.watermarks_page.view.setCurrentIndex(w.watermarks_page.model.index(0, 0))
    assert "Accepted" in w.details.toPlainText()

    col = [c.key for c in records.columns].index("nir")
    row = next(r for r in range(50) if records.row_tuple(r)[col + 1])
    clear = records.row_tuple(row)[col + 1]
    assert records.index(row, col).data() != clear
    w.act_clear.trigger()
    assert records.index(row, col).data() == clear
    w.act_clear.trigger()
    w.tabs.setCurrentWidget(w.records_page)
    SCREENSHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SCREENSHOTS / "records-shard-case.png"))
    w.viewer.wait()
    w.dashboard.wait()
    assert records.canFetchMore(QModelIndex()) is False
    w._close_case()
    assert w.reader is None


def test_the_window_masks_file_names_naming_a_patient(qtbot, window, tmp_path):
    """A report named after one of the case's patients: the tree, the Item column, the details pane, the viewer
    title and a copied path show the name masked to its initial, as the PDF does; in clear once unmasked."""
    from workbench.engine.model import Finding, ItemInfo
    from workbench.engine.store.metadata import CaseStore
    from workbench.gui.models.tree import VPATH_ROLE

    from .shardcase import build_shard_case

    sc = build_shard_case(tmp_path / "named")
    name = "CR_guillou_Maiwenn_BIO-7815491.pdf"  # GUILLOU and Maïwenn are patients of the case
    report = tmp_path / "named" / name
    report.write_bytes(b"%PDF-1.7\n%%EOF\n")
    with CaseStore(sc.case) as store:
        eid = store.register_evidence(str(report), False)
        store.upsert_task("t-report", eid, [name], report.stat().st_size)
        store.put_item(ItemInfo(name, name, 0, kind="pdf", size=report.stat().st_size, sha256="0" * 64),
                       evidence_id=eid, task_key="t-report")
        store.add_findings([Finding(name, "yara", "medical_report", offset=0, length=4, namespace="bundled")])
        store.finish_task("t-report", "done")
        store.commit()
    w = window
    w.show()
    assert w.open_case(sc.case), w.errors
    qtbot.waitUntil(lambda: "guillou" in w.person_names, timeout=30_000)
    masked = "CR_g******_M******_BIO-7815491.pdf"

    tree = w.tree.model()
    while tree.canFetchMore(QModelIndex()):
        tree.fetchMore(QModelIndex())
    row = next(r for r in range(tree.rowCount()) if tree.index(r, 0).data(VPATH_ROLE) == name)
    assert tree.index(row, 0).data() == masked
    findings = w.findings_page.model
    w.findings_page.filter.setText("medical_report")
    w.findings_page.apply_filter()
    assert findings.rowCount() == 1
    item_col = [c.key for c in findings.columns].index("item")
    assert findings.index(0, item_col).data() == masked
    w.findings_page.view.setCurrentIndex(findings.index(0, 0))
    assert masked in w.details.toPlainText() and "guillou" not in w.details.toPlainText()
    assert w._shown_path(name) == masked  # what "Copy the item's path" copies
    w.tree.setCurrentIndex(tree.index(row, 0))
    qtbot.waitUntil(lambda: masked in w.viewer.title.text(), timeout=30_000)
    assert "guillou" not in w.viewer.title.text()

    assert w.set_clear(True)
    assert tree.index(row, 0).data() == name and findings.index(0, item_col).data() == name
    assert w._shown_path(name) == name


def test_a_filtered_table_shows_its_exact_count_once_counted(qtbot, window, shard_case):
    """A filter brings its first 100 rows at once ("100+ rows"); the exact count, read on a job thread through a
    reader of its own, then replaces it, and a new filter is counted again."""
    from workbench.gui.models.paged import FIRST_FILTERED_ROWS

    w = window
    w.show()
    assert w.open_case(shard_case.case), w.errors
    page = w.records_page
    page.filter.setText("labo.csv")  # the 300 records of the inner archive's CSV
    page.apply_filter()
    assert page.model.rowCount() == FIRST_FILTERED_ROWS and page.model.canFetchMore(QModelIndex())
    qtbot.waitUntil(lambda: page.count.text() == "300 rows", timeout=30_000)
    assert page.model.canFetchMore(QModelIndex())  # counted, not fetched: the rows still come page by page
    page.filter.setText("patients.csv")
    page.apply_filter()
    qtbot.waitUntil(lambda: page.count.text() == "600 rows", timeout=30_000)
    page.filter.setText("labo.csv establishment:290000017")
    page.apply_filter()
    expected = page.model.pager.count(filter="labo.csv", where={"establishment": "290000017"})
    qtbot.waitUntil(lambda: page.count.text() in (f"{expected} rows", f"{expected} row"), timeout=30_000)
    w._close_case()
    assert page._count_job is None
