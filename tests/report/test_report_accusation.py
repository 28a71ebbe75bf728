"""A real scan of a lab export merged by two colluding recipients: report.json lists one watermark entry per
accused recipient (no innocent), and the PDF states the accusation and its error bound in French and English."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from tests.beacons.test_tabular_mark_gen import make_lab_table
from workbench.beacons import mark_io
from workbench.beacons import tabular_mark as tm
from workbench.beacons.registry import Registry
from workbench.engine.pipeline import run_scan
from workbench.report.exports import write_reports
from workbench.synth.establishments import DEMO_ESTABLISHMENTS

EST = DEMO_ESTABLISHMENTS[0]
RECIPIENTS = [f"Equipe {name}" for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot")]
COLLUDERS = RECIPIENTS[1:3]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    root = tmp_path_factory.mktemp("accusation")
    reg_path = root / "registry.json"
    reg = Registry.init(reg_path, "GCS e-santé Bretagne (test)")
    reg.add_establishment(EST.finess, EST.name, recipients=RECIPIENTS)
    reg.save(str(reg_path) + ".key")
    src = make_lab_table(3000, seed=31)
    copies = [tm.embed_table(src, reg.table_mark_key(EST.finess, r), numeric=True)[0] for r in COLLUDERS]
    pick = np.random.default_rng(2).integers(0, 2, size=src.shape)  # each cell from one of the two copies
    merged = pd.DataFrame(np.take_along_axis(np.stack([c.to_numpy() for c in copies]), pick[None], 0)[0],
                          columns=src.columns)
    evidence = root / "leak"
    evidence.mkdir()
    mark_io.write_csv(merged, evidence / "resultats_fusionnes.csv", encoding="cp1252", delimiter=";")
    case = root / "case"
    assert run_scan(case, [evidence], registry_path=reg_path, jobs=1, bundled_rules=False).completed
    out = {}
    for lang in ("fr", "en"):
        written = write_reports(case, json_path=root / f"report_{lang}.json", pdf_path=root / f"report_{lang}.pdf",
                                lang=lang)
        out[lang] = (json.loads(written["json"].read_text(encoding="utf-8")),
                     "\n".join(p.extract_text() for p in PdfReader(written["pdf"]).pages))
    return out


def test_report_json_has_one_entry_per_accused(scanned) -> None:
    report, _ = scanned["fr"]
    marks = [w for w in report["watermarks"] if w["kind"] == "table-watermark"]
    assert sorted(w["recipient"] for w in marks) == sorted(COLLUDERS)  # both colluders, no innocent
    for w in marks:
        assert w["establishment"] == EST.finess and w["accused"] is True
        acc = w["accusation"]
        assert acc["score"] > acc["threshold"] > 0 and acc["error_bound"] == 1e-6
        assert w["fraction"] is None  # only measurements carry the mark here: no invisible-carrier estimate
        assert acc["recipients_tested"] == len(RECIPIENTS) + 1 and acc["cells"] > 15_000
        assert w["p_value"] < 1e-6 or w["log10_p"] < -6



def test_the_merged_copys_records_name_both_colluders_not_the_establishment_itself(scanned) -> None:
    report, text = scanned["en"]
    (est,) = report["establishments"]
    assert [r["recipient"] for r in est["recipients"]] == [" + ".join(sorted(COLLUDERS))]
    assert "the establishment itself" not in text


def test_pdf_states_the_accusation_and_its_bound(scanned) -> None:
    # the establishment is the subject, the code accuses: no "de CHU de ...", no "accusé(s)"
    for lang, words in (("fr", ("le code de traçage accuse", "accusés", "au plus 10^-6", "seuil")),
                        ("en", ("the fingerprint code accuses", "accused", "at most 10^-6", "threshold"))):
        text = re.sub(r"\s+", " ", scanned[lang][1])
        for word in words:
            assert word in text, (lang, word)
        for name in COLLUDERS:
            assert name in text
        for innocent in set(RECIPIENTS) - set(COLLUDERS):
            assert innocent not in text


def test_a_table_of_the_previous_scheme_is_reported_under_that_scheme(tmp_path) -> None:
    """The fixture marked by balise-table/1 (tests/fixtures/watermark_v1): report.json names that scheme, not the
    Tardos code, and the PDF explains the previous scheme's accusation instead of the Tardos note."""
    import shutil
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "watermark_v1"
    evidence = tmp_path / "leak"
    evidence.mkdir()
    shutil.copy(fixture / "sejours_v1.csv", evidence / "sejours_v1.csv")
    case = tmp_path / "case"
    assert run_scan(case, [evidence], registry_path=fixture / "registre.json", jobs=1, bundled_rules=False).completed
    written = write_reports(case, json_path=tmp_path / "r.json", pdf_path=tmp_path / "r.pdf", lang="en")
    report = json.loads(written["json"].read_text(encoding="utf-8"))
    marks = [w for w in report["watermarks"] if w["kind"] == "table-watermark" and w.get("accused")]
    assert [w["recipient"] for w in marks] == ["labo-recherche"]
    assert marks[0]["accusation"]["scheme"] == tm.LEGACY_SCHEME
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(written["pdf"]).pages))
    assert "Table marked by the previous scheme (balise-table/1)" in text
    assert "symmetric Tardos code" not in text
