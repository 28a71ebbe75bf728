"""The figures the scan logs beside its seal (``results-counted``): equal to a fresh count, read by the report
instead of counting again, and ignored as soon as they may no longer describe the case."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from workbench.engine.store import CaseStore
from workbench.engine.store import counted as counted_mod
from workbench.engine.store import report_queries as q
from workbench.engine.store.counted import COUNTED_ACTION, case_figures, logged_figures
from workbench.engine.store.reader import CaseReader
from workbench.report.model import build_report_model, report_json


def _fresh(reader: CaseReader) -> tuple[dict, dict]:
    """The figures counted now, through JSON as the log keeps them."""
    return json.loads(json.dumps(q.record_figures(reader))), reader.identifier_totals()


def test_the_scan_logs_figures_equal_to_a_fresh_count(demo_case):
    with CaseReader(demo_case.case) as reader:
        logged = logged_figures(reader)
        records, identifiers = _fresh(reader)
        seals = [e["seq"] for e in reader.custody() if e["action"] == "results-sealed"]
        total = reader.record_count()
    assert logged is not None and logged.seq > seals[-1]
    assert len(logged.records["establishments"]) == 3 and logged.records["recipients"]  # the demo's shape
    assert logged.records == records
    assert logged.identifiers == identifiers
    assert logged.records["total"]["records"] == total > 0


def test_the_report_takes_the_logged_figures_without_counting(demo_case, monkeypatch):
    def no_count(*_a, **_k):
        raise AssertionError("counted again although the scan logged the figures")

    with CaseReader(demo_case.case) as reader:
        logged = logged_figures(reader)
    monkeypatch.setattr(q, "record_figures", no_count)
    monkeypatch.setattr(CaseReader, "identifier_totals", no_count)
    model = build_report_model(demo_case.case)
    assert model.custody.chain_ok and model.custody.figures_entry == logged.seq
    assert report_json(model)["custody_check"]["figures_entry"] == logged.seq
    assert model.summary.records == logged.records["total"]["records"]
    assert model.summary.patients == logged.records["total"]["patients"]


def test_report_json_is_the_same_from_the_log_and_from_a_fresh_count(demo_case, monkeypatch):
    def comparable(model) -> dict:
        out = report_json(model)
        out.pop("generated_utc", None)
        out["custody_check"].pop("figures_entry")
        return out

    from_log = build_report_model(demo_case.case)
    monkeypatch.setattr(counted_mod, "logged_figures", lambda _reader: None)
    recounted = build_report_model(demo_case.case)
    assert from_log.custody.figures_entry is not None and recounted.custody.figures_entry is None
    assert comparable(from_log) == comparable(recounted)


def _new_scan_started(case):
    with CaseStore(case, create=False) as store:
        store.log("balise", "scan-started", {"paths": ["more evidence"]})


def _detail_edited(case):
    with sqlite3.connect(case / "case.sqlite") as db:
        db.execute("UPDATE custody SET detail = replace(detail, '\"records\": ', '\"records\": 1') "
                   "WHERE action = ?", (COUNTED_ACTION,))


def _figures_edited(case):
    """One more person in the kept figures, written back as valid canonical JSON: only their SHA-256 tells."""
    with sqlite3.connect(case / "case.sqlite") as db:
        figures = json.loads(db.execute("SELECT value FROM case_meta WHERE key = 'counted_figures'").fetchone()[0])
        figures["records"]["total"]["patients"] += 1
        db.execute("UPDATE case_meta SET value = ? WHERE key = 'counted_figures'",
                   (json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False),))


def _shard_list_changed(case):
    with sqlite3.connect(case / "case.sqlite") as db:
        db.execute("UPDATE shards SET sha256 = ? WHERE rowid = (SELECT MIN(rowid) FROM shards)", ("0" * 64,))


def _key_removed(case):
    with sqlite3.connect(case / "case.sqlite") as db:
        db.execute("DELETE FROM case_meta WHERE key = 'case_public_key'")


@pytest.mark.parametrize("change", [_new_scan_started, _detail_edited, _figures_edited,
                                    _shard_list_changed, _key_removed])
def test_logged_figures_are_ignored_once_they_may_not_describe_the_case(demo_case, tmp_path, change):
    case = tmp_path / "case"
    shutil.copytree(demo_case.case, case)
    with CaseReader(case) as reader:
        assert logged_figures(reader) is not None  # the copy's log is as good as the original's
    change(case)
    with CaseReader(case) as reader:
        assert logged_figures(reader) is None
        figures = case_figures(reader)
        records, identifiers = _fresh(reader)
    assert figures.seq is None and figures.records == records and figures.identifiers == identifiers


def test_a_report_of_a_case_whose_chain_fails_counts_again(demo_case, tmp_path):
    case = tmp_path / "case"
    shutil.copytree(demo_case.case, case)
    with sqlite3.connect(case / "case.sqlite") as db:  # an entry before the counted one edited: chain broken
        db.execute("UPDATE custody SET actor = 'someone else' WHERE seq = 2")
    model = build_report_model(case)
    assert not model.custody.chain_ok
    assert model.custody.figures_entry is None
