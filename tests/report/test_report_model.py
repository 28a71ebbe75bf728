"""One report model: report.json, the records CSV and the PDF are views of it and agree with each other and with
the case as it was built (establishments, recipients, date spans, figures)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import FrozenInstanceError

import pytest
from pypdf import PdfReader

from tests.report.report_case import BIORANCE, BREST, BREST_RECIPIENT, RENNES, build_case
from workbench.engine.masking import mask_text
from workbench.engine.store.reader import CaseReader
from workbench.report import exports, pdf
from workbench.report.exports import RECORDS_CSV_HEADER, write_records_csv, write_reports
from workbench.report.i18n import Tr
from workbench.report.model import build_report, build_report_model, establishment_json, report_json

CONTRACT_TOP = {"tool", "case", "evidence", "summary", "identifiers", "establishments", "beacons", "watermarks",
                "findings", "errors"}
CONTRACT_EST = {"finess", "name", "records", "patients", "bases", "evidence"}


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return build_case(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module", params=["fr", "en"])
def written(request, case, tmp_path_factory):
    """report.json, the records CSV and the PDF written in one call, with the model the PDF was rendered from."""
    out = tmp_path_factory.mktemp(f"out-{request.param}")
    seen = {}
    real = pdf.render_pdf

    def spy(*args, **kwargs):
        seen["model"] = kwargs["model"]
        return real(*args, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(pdf, "render_pdf", spy)
    try:
        files = write_reports(case.case_dir, pdf_path=out / "r.pdf", json_path=out / "r.json",
                              records_csv=out / "r.csv", lang=request.param)
    finally:
        mp.undo()
    text = "\n".join(p.extract_text() or "" for p in PdfReader(files["pdf"]).pages)
    report = json.loads(files["json"].read_text(encoding="utf-8"))
    return request.param, files, report, seen["model"], text


def test_json_keeps_the_contract_and_adds_recipients_and_spans(written):
    _, _, report, _, _ = written
    assert set(report) >= CONTRACT_TOP
    assert set(report["summary"]) >= {"items", "bytes", "errors", "records", "patients"}
    assert set(report["identifiers"]) == {"nir", "finess", "rpps", "iban", "email", "phone"}
    for e in report["establishments"]:
        assert set(e) >= CONTRACT_EST
        assert all(isinstance(v, int) for v in e["bases"].values())
        assert {"recipients", "date_span"} <= set(e)
        assert sum(r["records"] for r in e["recipients"]) == e["records"]
    for b in report["beacons"]:
        assert {"beacon_id", "kind", "establishment", "recipient", "item", "locator"} <= set(b)
    for w in report["watermarks"]:
        assert {"item", "locator", "establishment", "recipient", "rows", "p_value"} <= set(w)
    for f in report["findings"]:
        assert {"detector", "rule", "item", "offset"} <= set(f)
    from workbench.engine.error_causes import CAUSES, OTHER, STAGE_CAUSES

    causes = {c for c, _w in CAUSES} | set(STAGE_CAUSES.values()) | {OTHER}
    for err in report["errors"]:
        assert set(err) == {"item", "stage", "error", "cause"} and err["cause"] in causes
    assert set(report["failed_causes"]) <= causes


def test_json_matches_the_case_as_built(case, written):
    _, _, report, _, _ = written
    ests = {e["finess"]: e for e in report["establishments"]}
    assert set(ests) == {RENNES.finess, BREST.finess, BIORANCE.finess}
    for finess, e in ests.items():
        assert e["records"] == case.records[finess]
        assert e["patients"] == case.patients[finess]
        assert (e["date_span"]["first"], e["date_span"]["last"]) == case.span(finess)
        assert {(r["recipient"], r["date_span"]["first"], r["date_span"]["last"]) for r in e["recipients"]} == {
            (rcp, *span) for (f, rcp), span in case.spans.items() if f == finess}
    brest = {r["recipient"]: r["records"] for r in ests[BREST.finess]["recipients"]}
    assert brest == {BREST_RECIPIENT: 30, None: case.records[BREST.finess] - 30}
    assert ests[BIORANCE.finess]["bases"] == {"identifier": 60, "pattern": 6}
    assert ests[RENNES.finess]["canaries"] == {"confirmed": 1, "partial": 1}
    assert ests[BREST.finess]["best_p_value"] == pytest.approx(3.2e-14)
    assert report["summary"]["records"] == sum(case.records.values())
    assert report["summary"]["patients"] == sum(case.patients.values())
    assert report["unattributed"]["records"] == case.records[""]
    firsts = [s[0] for s in case.spans.values()]
    assert report["date_span"]["first"] <= min(firsts)


def test_json_and_pdf_model_agree_on_establishments(case, written):
    """The JSON is the very model the PDF was rendered from; a model built again from the case is the same."""
    _, _, report, model, _ = written
    assert report["establishments"] == json.loads(json.dumps([establishment_json(e) for e in model.establishments]))
    again = build_report_model(case.case_dir)
    assert [establishment_json(e) for e in again.establishments] == [
        establishment_json(e) for e in model.establishments]
    assert report["date_span"] == model.date_span.to_json()


def test_pdf_text_shows_the_json_establishments_recipients_and_spans(written):
    lang, _, report, _, text = written
    tr, ft = Tr(lang), flat(text)
    for e in report["establishments"]:
        # the establishment's own section: its heading followed by its table
        section = ft[ft.index(flat(tr("a_est_h", name=e["name"], finess=e["finess"]) + tr("a_records"))):]
        span = e["date_span"]
        assert flat(f"{tr.date(span['first'])} - {tr.date(span['last'])}") in section[:2000]
        assert flat(tr.num(e["records"])) in section[:400]
        for r in e["recipients"]:
            who = r["recipient"] or tr("a_no_recipient")
            rs = r["date_span"]
            line = f"{who}: {tr.num(r['records'])} ({tr.date(rs['first'])} - {tr.date(rs['last'])})"
            assert flat(line) in section[:2000], line


def test_records_csv_agrees_with_the_json(case, written):
    _, files, report, _, _ = written
    with open(files["records-csv"], newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == RECORDS_CSV_HEADER
    body = rows[1:]
    assert len(body) == report["summary"]["records"]
    per_est = Counter(r[2] for r in body)
    assert per_est == {**{e["finess"]: e["records"] for e in report["establishments"]},
                       "": report["unattributed"]["records"]}
    per_recipient = Counter((r[2], r[3]) for r in body if r[2])
    assert per_recipient == {(e["finess"], r["recipient"] or ""): r["records"]
                             for e in report["establishments"] for r in e["recipients"]}
    assert all(r[4] == "none" for r in body if not r[2])
    assert {r[4] for r in body if r[2]} == {"canary", "watermark", "identifier", "pattern"}
    assert not [n for n in case.nirs if any(n in cell for r in body for cell in r)]  # no identifiers


def test_records_csv_streams_in_batches(case, tmp_path, monkeypatch):
    whole = tmp_path / "whole.csv"
    write_records_csv(case.case_dir, whole)
    monkeypatch.setattr(exports, "CSV_BATCH_ROWS", 7)
    batched = tmp_path / "batched.csv"
    with CaseReader(case.case_dir) as reader:
        n = write_records_csv(reader, batched)
    assert n == sum(case.records.values())
    assert batched.read_bytes() == whole.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batched.csv", "whole.csv"]  # no .part left


def test_json_alone_does_not_rehash_the_evidence(case, tmp_path):
    write_reports(case.case_dir, json_path=tmp_path / "r.json")
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["custody_check"]["chain_ok"] and not report["custody_check"]["evidence_reverified"]


def test_masking_of_finding_excerpts(case):
    model = build_report_model(case.case_dir)
    masked, clear = report_json(model), report_json(model, unmasked=True)
    assert clear["findings"] and [f["excerpt"] for f in masked["findings"]] == [
        mask_text(f["excerpt"] or "") for f in clear["findings"]]
    assert build_report(case.case_dir, finding_limit=0)["findings"] == []


def test_model_is_frozen(case):
    model = build_report_model(case.case_dir)
    with pytest.raises(FrozenInstanceError):
        model.establishments[0].records = 0  # type: ignore[misc]
    assert model.establishment(BREST.finess).strongest_basis == "watermark"
    assert model.establishment(RENNES.finess).canary_groups[0].beacon_id
