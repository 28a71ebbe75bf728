"""The report of a real scan: the demo (signed registry, planted canaries, watermarked export, run_scan)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from pypdf import PdfReader

from workbench.demo import RECIPIENTS, WATERMARKED, run_demo
from workbench.engine.store.reader import CaseReader
from workbench.report.exports import write_reports
from workbench.report.i18n import Tr
from workbench.synth.establishments import UNREGISTERED_ESTABLISHMENT


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo") / "demo", size_bytes=2 * 2**20, jobs=2)


@pytest.mark.slow
def test_demo_report_holds_the_scan_facts(demo):
    result = demo
    text = "\n".join(p.extract_text() for p in PdfReader(result.report_pdf).pages)
    ft = re.sub(r"\s+", "", text)
    tr = Tr("fr")
    with CaseReader(result.case) as reader:
        records = reader.record_count()
        per_est: Counter = Counter()
        nirs: set[str] = set()
        for batch in reader.record_rows(["establishment", "nir"]):
            per_est.update(v for v in batch.column("establishment").to_pylist() if v)
            nirs.update(v for v in batch.column("nir").to_pylist() if v)
        found = {h["beacon_id"] for h in reader.beacon_hits() if h["status"] == "confirmed"}
        evidence = reader.evidence()
    assert "extrait" + re.sub(r"\s", "", tr.num(records)) + "enregistrements" in ft
    assert per_est and set(per_est) == set(RECIPIENTS)  # the three leaked establishments, nobody else
    for finess, n in per_est.items():
        assert finess in ft and re.sub(r"\s", "", tr.num(n)) in ft
    assert found and all(b in ft for b in found)  # every confirmed canary is named with where it was found
    assert re.sub(r"\s", "", WATERMARKED[1]) in ft  # the watermark names its recipient
    assert UNREGISTERED_ESTABLISHMENT.finess not in ft
    assert all(ev["sha256"] in ft for ev in evidence)
    assert "inchangée (empreintes identiques)" in text
    assert nirs and not [n for n in nirs if n in ft]  # the records' NIRs are all masked
    report = json.loads(result.report_json.read_text(encoding="utf-8"))
    assert {e["finess"]: e["records"] for e in report["establishments"]} == dict(per_est)
    for e in report["establishments"]:  # each leaked copy names its recipient, with the dates of its records
        assert RECIPIENTS[e["finess"]] in {r["recipient"] for r in e["recipients"]}
        assert e["date_span"]["first"] and e["date_span"]["first"] <= e["date_span"]["last"]


def _text(path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def _nirs_of(truth: dict, finess_set: set[str]) -> set[str]:
    """The NIRs the demo wrote into the items of these establishments (its ground truth)."""
    return {n for it in truth["items"] if it["establishment"] in finess_set
            for n in (it.get("identifiers") or {}).get("nir", ())}


@pytest.mark.slow
def test_a_report_for_one_establishment_holds_no_other_establishments_patients(demo, tmp_path):
    """The DPO of one data controller receives its own patients only: the report is made UNMASKED (the worst
    case) and no NIR written into another establishment's items by the demo (its truth) may appear in it."""
    truth = json.loads(demo.truth.read_text(encoding="utf-8"))
    own, *others = list(RECIPIENTS)
    other_nirs = _nirs_of(truth, set(others)) - _nirs_of(truth, {own})
    assert len(other_nirs) > 100
    full = tmp_path / "full.pdf"
    write_reports(demo.case, pdf_path=full, lang="fr", unmasked=True)
    assert [n for n in other_nirs if n in re.sub(r"\s", "", _text(full))], "the whole-case report shows them"

    out = tmp_path / "dpo.pdf"
    written = write_reports(demo.case, pdf_path=out, json_path=tmp_path / "dpo.json",
                            records_csv=tmp_path / "dpo.csv", lang="fr", unmasked=True, establishment=own)
    text = _text(written["pdf"])
    ft = re.sub(r"\s", "", text)
    leaked = [n for n in other_nirs if n in ft]
    assert not leaked, f"{len(leaked)} patients of other establishments in the report, e.g. {leaked[0]}"
    for finess in others:  # the others are named with their counts, their beacons never shown
        assert finess in ft
        assert not [b for b in demo.planted[finess] if b in ft]
    assert [b for b in demo.planted[own] if b in ft]  # its own canaries are shown
    report = json.loads((tmp_path / "dpo.json").read_text(encoding="utf-8"))
    assert [e["finess"] for e in report["establishments"]] == [own]
    assert {o["finess"] for o in report["scope"]["others"]} == set(others)
    assert {b["establishment"] for b in report["beacons"]} == {own}
    rows = (tmp_path / "dpo.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert rows and all(r.split(",")[2] == own for r in rows)


@pytest.mark.slow
def test_french_demo_report_speaks_french(demo, tmp_path):
    """No raw enumerated value, the underflowed p-value as a bound, the leaked copies named, what to do now."""
    out = tmp_path / "fr.pdf"
    write_reports(demo.case, pdf_path=out, lang="fr")
    text = _text(out)
    for raw in ("canary-patient", "table-watermark", "confirmed", "partial", "row:", "msg:", "0.0e+00", "e+00",
                "birth_date", "bundled", " à 0,99 ("):
        assert raw not in text, raw
    assert re.search(r"p\s<\s10\^-\d{3,}", text)  # the underflowed watermark p-value as a bound
    assert "URC CHU Rennes (recherche)" in text and "Registre des cancers de Bretagne" in text
    for words in ("72 heures", "art. 33", "art. 34", "Préserver les preuves", "Couper les accès"):
        assert words in text.replace("\n", " "), words
    assert not re.search(r"\(\d\)\.", text)  # no unexplained "(6)."


@pytest.mark.slow
def test_every_custody_action_and_field_of_a_real_scan_is_worded(demo):
    """The custody annex showed "registry-adopted", "tasks redone", "rules not applied", "user settings": the
    keys a real scan writes, each needs words in both languages (a rule file's name below a key stays as is)."""
    from workbench.report.custody_fields import custody_fields
    from workbench.report.i18n import EN, FR

    missing = set()
    for line in (demo.case / "custody.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        missing |= {f"act_{entry['action']}"} - set(FR)
        for f in custody_fields(entry["detail"]):
            head = f.key.split(".")[0]
            missing |= {f"ck_{head}"} - set(FR) - {k.replace("bound_", "ck_") for k in FR if k.startswith("bound_")}
    assert missing == set(), f"custody words missing: {sorted(missing)}"
    assert set(FR) == set(EN)
