"""The demo leak (issue 3's done-when): every canary found, containers attributed, the outsider never blamed."""

from __future__ import annotations

import csv
import json

import pytest

from tests.casesql import case_sql
from workbench.demo import LEAKED, RECIPIENTS, WATERMARKED, run_demo
from workbench.synth.establishments import UNREGISTERED_ESTABLISHMENT


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = run_demo(out, size_bytes=4 * 2**20, seed=5, pdf=False)
    truth = json.loads(result.truth.read_text(encoding="utf-8"))
    db = case_sql(result.case)
    return result, truth, db


def test_every_planted_canary_is_found_confirmed(demo):
    result, truth, db = demo
    planted = {b for ids in truth["planted_canaries"].values() for b in ids}
    confirmed = {r[0] for r in db.execute("SELECT DISTINCT beacon_id FROM beacon_hits WHERE status='confirmed'")}
    # 2 of each establishment's 6 canaries are slipped into each of its files: across its files all appear
    assert planted and planted <= confirmed
    assert confirmed <= planted, "only planted canaries can be confirmed"


def test_containers_with_a_canary_take_its_establishment_and_recipient(demo):
    result, truth, db = demo
    est_of = {it["vpath"]: it["establishment"] for it in truth["items"]}
    containers = db.execute("SELECT DISTINCT b.item, b.container, b.establishment, b.recipient, i.vpath, i.kind "
                            "FROM beacon_hits b JOIN items i ON i.vpath=b.item WHERE b.status='confirmed'").fetchall()
    assert len(containers) >= 10
    for item_id, table, est, recipient, vpath, kind in containers:
        assert est_of[vpath.removeprefix("leak/")] == est
        assert recipient == RECIPIENTS[est]
        where = "item=?" if not table else "item=? AND tbl=?"
        params = (item_id,) if not table else (item_id, table)
        if kind != "dicom":
            rows = db.execute(f"SELECT establishment, recipient, basis FROM records WHERE {where}", params).fetchall()
            assert rows and all(r == (est, recipient, "canary") for r in rows), vpath


def test_no_record_is_ever_attributed_to_the_wrong_establishment(demo):
    result, truth, db = demo
    est_of = {it["vpath"]: it["establishment"] for it in truth["items"]}
    rows = db.execute("SELECT i.vpath, r.establishment, COUNT(*) FROM records r JOIN items i ON i.vpath=r.item "
                      "WHERE r.establishment IS NOT NULL GROUP BY 1, 2").fetchall()
    wm_item, wm_est = "leak/extraction_registre_cancers.csv", WATERMARKED[0].finess
    for vpath, est, _n in rows:
        expected = wm_est if vpath == wm_item else est_of[vpath.removeprefix("leak/")]
        assert est == expected, vpath


def test_the_unregistered_establishment_gets_nothing(demo):
    result, truth, db = demo
    outsider = UNREGISTERED_ESTABLISHMENT
    items = [it["vpath"] for it in truth["items"] if it["establishment"] == outsider.finess]
    assert items
    n = db.execute("SELECT COUNT(*) FROM records r JOIN items i ON i.vpath=r.item WHERE r.establishment IS NOT NULL "
                   f"AND i.vpath IN ({','.join('?' * len(items))})", ["leak/" + v for v in items]).fetchone()[0]
    assert n == 0
    assert db.execute("SELECT COUNT(*) FROM records WHERE establishment=?", (outsider.finess,)).fetchone()[0] == 0
    report = json.loads(result.report_json.read_text(encoding="utf-8"))
    assert outsider.finess not in {e["finess"] for e in report["establishments"]}


def test_the_watermarked_export_names_its_recipient(demo):
    result, truth, db = demo
    row = db.execute("SELECT w.establishment, w.recipient, w.p_value FROM watermark_hits w JOIN items i "
                     "ON i.vpath=w.item WHERE i.vpath='leak/extraction_registre_cancers.csv'").fetchone()
    assert row is not None
    assert row[0] == WATERMARKED[0].finess and row[1] == WATERMARKED[1] and row[2] < 1e-6
    bases = {r[0] for r in db.execute("SELECT DISTINCT basis FROM records r JOIN items i ON i.vpath=r.item "
                                      "WHERE i.vpath='leak/extraction_registre_cancers.csv'")}
    assert bases == {"watermark"}


def test_report_and_records_csv(demo):
    result, truth, db = demo
    report = json.loads(result.report_json.read_text(encoding="utf-8"))
    names = {e["finess"]: e for e in report["establishments"]}
    assert {e.finess for e in LEAKED} <= set(names)
    for est in LEAKED:
        assert names[est.finess]["records"] > 0 and names[est.finess]["patients"] > 0
        assert "canary" in names[est.finess]["bases"]
    assert report["summary"]["records"] == db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    assert report["beacons"] and {"beacon_id", "kind", "establishment", "recipient", "item", "locator"} <= set(
        report["beacons"][0])
    assert report["watermarks"][0]["p_value"] < 1e-6 and report["watermarks"][0]["log10_p"] < -6
    with open(result.records_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["item", "locator", "establishment", "recipient", "basis", "confidence"]
    assert len(rows) - 1 == report["summary"]["records"]
    registry_text = result.registry.read_text(encoding="utf-8")
    some_nirs = [r[0] for r in db.execute("SELECT nir FROM records r JOIN beacon_hits b ON b.item=r.item "
                                          "AND b.locator=r.locator WHERE r.nir IS NOT NULL LIMIT 20")]
    assert some_nirs and not any(n in registry_text for n in some_nirs)
