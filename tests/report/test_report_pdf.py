"""The forensic PDF of a realistic case: facts in the text, masking, languages, layout, custody."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.platypus import Table

from tests.report.report_case import BIORANCE, BREST, CANARY_IDS, RENNES, build_case
from workbench.engine.store.custody import verify_case
from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.reader import CaseReader
from workbench.report import sections_back
from workbench.report.exports import write_reports
from workbench.report.i18n import EN, FR, Tr
from workbench.report.layout import FRAME_WIDTH
from workbench.report.model import build_report_model
from workbench.report.pdf import build_context, make_story, render_pdf


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def flat(text: str) -> str:
    """Text without any whitespace: hashes and numbers wrapped across lines are found again."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return build_case(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def fr_pdf(case, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "rapport.pdf"
    written = write_reports(case.case_dir, pdf_path=out, json_path=out.with_suffix(".json"), lang="fr")
    return out, written, pdf_text(out)


@pytest.fixture(scope="module")
def en_pdf(case, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "report.pdf"
    write_reports(case.case_dir, pdf_path=out, lang="en")
    return out, pdf_text(out)


def test_evidence_hashes_and_reverification(case, fr_pdf):
    _, _, text = fr_pdf
    with CaseStore(case.case_dir, create=False) as store:
        evidence = store.evidence_list()
    assert len(evidence) == 2
    for ev in evidence:
        for digest in (ev["md5"], ev["sha1"], ev["sha256"]):
            assert digest in flat(text)
    assert text.count("inchangée (empreintes identiques)") == 2
    assert "elles sont inchangées depuis leur" in text


def test_counts_establishments_and_proofs(case, fr_pdf):
    _, _, text = fr_pdf
    ft = flat(text)
    tr = Tr("fr")
    total = sum(case.records.values())
    assert f"extrait {tr.num(total)} enregistrements" in text.replace("\n", " ")
    for est in (RENNES, BREST, BIORANCE):
        assert est.finess in text
        assert flat(est.name) in ft
        assert flat(tr.num(case.records[est.finess])) in ft
    assert case.records[""] > 0 and f"nonattribués:{case.records['']}" in ft
    for beacon in CANARY_IDS:  # canary proof: which beacon, where
        assert beacon in ft
    assert "ligne3" in ft and "ligne17" in ft and "row:" not in ft  # locators in words
    assert "3,2×10^-14" in ft  # watermark p-value of CHU de Brest
    assert "0,48" in text  # marked fraction
    assert "valeur:" + BIORANCE.finess in ft and "FINESSdel'établissement" in ft  # explicit identifier proof
    assert "fusion.sql" in ft  # the conflict is reported
    assert "balise-sante-fr.yar" in ft and hashlib.sha256(b"rules-fr").hexdigest() in ft
    assert "GCS e-Santé Bretagne (démo)" in text
    assert "EOFError" in text  # the failed item and why
    assert "FR_NIR_unspaced" in ft
    # the unregistered clinic is never named
    assert "Émeraude" not in text and "35099007" not in ft


def test_gdpr_figures(case, fr_pdf):
    _, _, text = fr_pdf
    tr = Tr("fr")
    people = sum(case.patients.values())
    assert "Nombre approximatif de personnes concernées : " + tr.num(people) in text.replace("\n", " ")
    assert "Numéro de sécurité sociale (NIR)" in text
    assert "72 heures" in text


def test_masked_report_shows_no_nir(case, fr_pdf):
    _, _, text = fr_pdf
    ft = flat(text)
    assert len(case.nirs) > 100
    leaked = [n for n in set(case.nirs) if n in ft]
    assert not leaked, f"{len(leaked)} NIRs in clear, e.g. {leaked[0]}"


def test_unmasked_report_shows_nirs(case, tmp_path):
    out = tmp_path / "clair.pdf"
    render_pdf(case.case_dir, out, lang="fr", unmasked=True)
    text = pdf_text(out)
    assert "EN CLAIR" in text
    shown = [n for n in set(case.nirs) if n in flat(text)]
    assert shown, "an unmasked report shows the canary record's NIR and the most frequent NIRs"


def test_english_report_has_no_french_heading(en_pdf):
    _, text = en_pdf
    headings = [k for k in FR if (k.startswith("s_") or k.endswith("_h") or k.startswith("cover_")) and "{" not in FR[k]]
    assert len(headings) > 20
    def plain(s: str) -> str:  # pypdf gives a no-break space back as a space
        return s.replace("\u00a0", " ")

    french = [FR[k] for k in headings if FR[k] != EN[k] and plain(FR[k]) in text]
    assert not french, f"French in the English report: {french}"
    for key in ("s_summary", "s_evidence", "s_gdpr", "s_annexes", "x_custody_h"):
        assert plain(EN[key]) in text
    assert "Health data - Confidential" in text
    assert "unchanged (identical digests)" in text


def test_page_numbers_and_banner_on_every_page(fr_pdf):
    path, _, _ = fr_pdf
    pages = PdfReader(path).pages
    for n, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert f"page {n} / {len(pages)}" in text
        assert text.count("Données de santé - Confidentiel") >= 1
        assert "DONNÉES DE SANTÉ - CONFIDENTIEL" in text


def test_pdf_sha256_in_custody_log(case, fr_pdf):
    path, written, _ = fr_pdf
    assert written["pdf"] == path
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with CaseStore(case.case_dir, create=False) as store:
        details = [json.loads(e["detail"]) for e in store.custody() if e["action"] == "report-written"]
    assert any(d["kind"] == "pdf" and d["sha256"] == sha for d in details)
    assert verify_case(case.case_dir, record=False).chain.ok


def test_tables_fit_the_frame(case, tmp_path):
    check = verify_case(case.case_dir, record=False)
    with CaseReader(case.case_dir) as reader:
        model = build_report_model(reader, check=check)
        story = make_story(build_context(model, tmp_path / "r.pdf", lang="en", reader=reader))
    tables = [f for f in story if isinstance(f, Table)]
    assert len(tables) > 15
    for t in tables:
        assert sum(t._colWidths) <= FRAME_WIDTH + 0.01


def test_changed_evidence_is_reported(tmp_path):
    built = build_case(tmp_path, per_establishment=5)
    with open(built.evidence_paths[0], "ab") as fh:
        fh.write(b"\0")
    (built.evidence_paths[1] / "ajout.txt").write_text("x", encoding="utf-8")
    out = tmp_path / "r.pdf"
    render_pdf(built.case_dir, out, lang="fr")
    text = pdf_text(out)
    assert "MODIFIÉE depuis l'acquisition : modified: fuite_hopitaux_bretons.zip" in text
    assert "added: ajout.txt" in text
    assert "ATTENTION : au moins une pièce a changé" in text


def test_large_item_list_goes_to_a_csv_annex(case, tmp_path, monkeypatch):
    monkeypatch.setattr(sections_back, "ITEMS_INLINE_MAX", 3)
    out = tmp_path / "r.pdf"
    written = write_reports(case.case_dir, pdf_path=out, lang="en")
    annex = written["items-csv"]
    assert annex == tmp_path / "r-items.csv"
    lines = annex.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("n,vpath,") and len(lines) == case.items + 1
    sha = hashlib.sha256(annex.read_bytes()).hexdigest()
    assert sha in flat(pdf_text(out))
    with CaseStore(case.case_dir, create=False) as store:
        logged = [json.loads(e["detail"]) for e in store.custody() if e["action"] == "report-written"]
    assert any(d["kind"] == "items-csv" and d["sha256"] == sha for d in logged)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r-items.csv", "r.pdf"]  # nothing else left behind


def test_empty_case(tmp_path):
    evidence = tmp_path / "vide.bin"
    evidence.write_bytes(b"")
    from workbench.engine.evidence import take_in

    with CaseStore(tmp_path / "case") as store:
        store.add_evidence(take_in(evidence))
    out = tmp_path / "r.pdf"
    render_pdf(tmp_path / "case", out, lang="en")
    text = pdf_text(out).replace("\n", " ")
    assert "No record describing a person was extracted" in text
    assert "No rule was hit." in text and "No registry was used" in text


def test_missing_case_and_bad_language(tmp_path):
    with pytest.raises(FileNotFoundError):
        render_pdf(tmp_path / "nothing", tmp_path / "r.pdf")
    with pytest.raises(ValueError, match="language"):
        render_pdf(tmp_path / "nothing", tmp_path / "r.pdf", lang="de")
    assert not (tmp_path / "r.pdf").exists()


def test_pages_render_to_png(fr_pdf, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: cannot rasterise the PDF")
    path, _, _ = fr_pdf
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "p")], check=True, timeout=120)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == len(PdfReader(path).pages) >= 8


def test_report_json_carries_the_same_facts(case, fr_pdf):
    path, _, _ = fr_pdf
    report = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert report["summary"]["records"] == sum(case.records.values())
    assert {e["finess"] for e in report["establishments"]} == {RENNES.finess, BREST.finess, BIORANCE.finess}
    assert report["categories"]["nir"]["records"] == sum(case.records.values())
    assert report["unattributed"]["records"] == case.records[""]
    assert report["registry"]["signature"] == "ok"
    assert report["conflicts"][0]["establishments"] == [RENNES.finess, BREST.finess]
    assert report["date_span"]["first"] <= report["date_span"]["last"]


def test_item_paths_named_after_a_patient_are_masked(case, tmp_path):
    """Exports are named after their patient ("CR_moreau_BIO-7815491.pdf" in the demo): the report masks a path's
    words that are names of the case's people, in any case and with or without accents or spaces."""
    from workbench.engine.masking import fold_name

    family = next(n for n in case.family_names if len(n) >= 4 and " " not in n)
    joined = next((n for n in case.family_names if " " in n), None)
    with CaseReader(case.case_dir) as reader:
        model = build_report_model(reader)
        masked = build_context(model, tmp_path / "r.pdf", lang="fr", reader=reader).red
        clear = build_context(model, tmp_path / "r.pdf", lang="fr", reader=reader, unmasked=True).red
    assert fold_name(family) in masked.names and len(masked.names) >= len(set(case.family_names)) // 2
    path = f"mails/envoi_001.eml!/CR_{family.lower()}_BIO-5250877.pdf"
    shown = masked.path(path)
    assert family.lower() not in shown.lower() and shown.startswith("mails/envoi_001.eml!/CR_")
    assert shown.endswith("_BIO-5250877.pdf") and masked.path(f"{family.title()}.hl7") == family[0].upper() \
        + "*" * (len(family) - 1) + ".hl7"
    if joined is not None:  # "LE GOFF" written "legoff" in a file name
        compact = "".join(joined.split()).lower()
        assert compact not in masked.path(f"CR_{compact}.pdf")
    assert clear.path(path) == path
    assert masked.path("export/patients_export.csv") == "export/patients_export.csv"
