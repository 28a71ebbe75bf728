"""The report of a real scan: the demo (signed registry, planted canaries, watermarked export, run_scan)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from pypdf import PdfReader

from workbench.demo import RECIPIENTS, WATERMARKED, run_demo
from workbench.engine.store.reader import CaseReader
from workbench.report.i18n import Tr
from workbench.synth.establishments import UNREGISTERED_ESTABLISHMENT


@pytest.mark.slow
def test_demo_report_holds_the_scan_facts(tmp_path):
    result = run_demo(tmp_path / "demo", size_bytes=2 * 2**20, jobs=2)
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
