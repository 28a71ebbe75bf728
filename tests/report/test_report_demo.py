"""The report of a real scan: the demo (signed registry, planted canaries, watermarked export, run_scan)."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from workbench.demo import RECIPIENTS, WATERMARKED, run_demo
from workbench.engine.casestore import CaseStore
from workbench.report.i18n import Tr
from workbench.synth.establishments import UNREGISTERED_ESTABLISHMENT


@pytest.mark.slow
def test_demo_report_holds_the_scan_facts(tmp_path):
    result = run_demo(tmp_path / "demo", size_bytes=2 * 2**20, jobs=2)
    text = "\n".join(p.extract_text() for p in PdfReader(result.report_pdf).pages)
    ft = re.sub(r"\s+", "", text)
    tr = Tr("fr")
    with CaseStore(result.case, create=False) as store:
        db = store.db
        records = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        per_est = dict(db.execute("SELECT establishment, COUNT(*) FROM records WHERE establishment IS NOT NULL "
                                  "GROUP BY 1").fetchall())
        found = {r[0] for r in db.execute("SELECT beacon_id FROM beacon_hits WHERE status='confirmed'")}
        nirs = {r[0] for r in db.execute("SELECT value FROM identifiers WHERE type='nir'")}
        evidence = store.evidence_list()
    assert "extrait" + re.sub(r"\s", "", tr.num(records)) + "enregistrements" in ft
    assert per_est and set(per_est) == set(RECIPIENTS)  # the three leaked establishments, nobody else
    for finess, n in per_est.items():
        assert finess in ft and re.sub(r"\s", "", tr.num(n)) in ft
    assert found and all(b in ft for b in found)  # every confirmed canary is named with where it was found
    assert re.sub(r"\s", "", WATERMARKED[1]) in ft  # the watermark names its recipient
    assert UNREGISTERED_ESTABLISHMENT.finess not in ft
    assert all(ev["sha256"] in ft for ev in evidence)
    assert "inchangée (empreintes identiques)" in text
    assert nirs and not [n for n in nirs if n in ft]
