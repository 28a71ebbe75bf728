"""The report for its readers: a custody annex a court expert can check, French typography, a report per
establishment, tables that do not break words, failed items named."""

from __future__ import annotations

import re
from xml.sax.saxutils import unescape

import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph, Table

from tests.report.report_case import BIORANCE, BREST, CANARY_IDS, RENNES, build_case
from workbench.engine.store.custody import verify_case
from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.reader import CaseReader
from workbench.report.exports import write_reports
from workbench.report.i18n import EN
from workbench.report.layout import wrap_at_separators
from workbench.report.model import build_report_model, scope_to_establishment
from workbench.report.pdf import build_context, make_story

RULESET_SHA = "490ccd0ddb5e421aa1b0c4198762351f2deae98986ee5bb37199d2541a132168"
BIG_BOUND = 1_099_511_627_776


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(path).pages)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    built = build_case(tmp_path_factory.mktemp("readers"))
    with CaseStore(built.case_dir, create=False) as store:  # what run_scan logs when a scan starts
        store.log("balise", "scan-started", {
            "bounds": {"max_depth": 8, "max_evidence_bytes": BIG_BOUND, "max_member_bytes": 17_179_869_184},
            "evidence": [str(p) for p in built.evidence_paths], "jobs": None,
            "rulesets": [{"name": "fr_identifiers", "sha256": RULESET_SHA}]})
    return built


def _paragraph_texts(flowables) -> list[str]:
    """The text given to reportlab by every paragraph of the story, tables included (markup removed)."""
    out = []
    for f in flowables:
        if isinstance(f, Paragraph):
            out.append(unescape(re.sub(r"<[^>]+>", " ", f.text)))
        elif isinstance(f, Table):
            out += _paragraph_texts(c for row in f._cellvalues for cell in row
                                    for c in (cell if isinstance(cell, list | tuple) else [cell]))
        elif hasattr(f, "_content"):  # KeepTogether
            out += _paragraph_texts(f._content)
    return out


def _story(case_dir, tmp_path, lang: str, establishment: str | None = None):
    check = verify_case(case_dir, record=False)
    with CaseReader(case_dir) as reader:
        model = build_report_model(reader, check=check)
        if establishment:
            model = scope_to_establishment(model, establishment, reader)
        return make_story(build_context(model, tmp_path / "r.pdf", lang=lang, reader=reader))


def test_custody_annex_shows_hashes_sizes_and_bounds_whole(case, tmp_path):
    out = tmp_path / "r.pdf"
    write_reports(case.case_dir, pdf_path=out, lang="fr")
    text = pdf_text(out)
    annex = flat(text[text.index("Annexe B"):])
    with CaseReader(case.case_dir) as reader:
        entries = reader.custody()
    assert RULESET_SHA in annex  # was "490ccd0ddb5e421aa1b0c41******51f2..."
    assert "limites·Octetsdécompressésparpièce:" + f"{BIG_BOUND:,}".replace(",", "") in annex  # labelled, whole
    assert "règlesYARA·fr_identifiers·SHA-256:" + RULESET_SHA in annex
    for e in entries:  # every entry's chained hash, whole (report-written entries come after the PDF)
        if e["action"] != "report-written":
            assert e["hash"] in annex, e["seq"]
    assert not re.search(r"[0-9a-f]{6}\*+[0-9a-f]", annex)  # no masked hex
    assert "sha256=" not in annex and "max_evidence_bytes" not in annex  # labelled fields, not key=value text


def test_french_text_has_a_no_break_space_before_colons(case, tmp_path):
    texts = _paragraph_texts(_story(case.case_dir, tmp_path, "fr"))
    assert len(texts) > 200
    bad = [t for t in texts if re.search(r"(?<=\S) [:;?!](?=\s|$)", t)]
    assert not bad, bad[:3]
    assert any("\u00a0:" in t for t in texts)
    for raw in ("canary-patient", "confirmed", "table-watermark", "row:", "birth_date"):
        assert not [t for t in texts if raw in t], raw


def test_table_headers_never_break_inside_a_word(case, tmp_path):
    story = _story(case.case_dir, tmp_path, "fr")
    tables = [f for f in story if isinstance(f, Table)]
    from reportlab.pdfbase.pdfmetrics import stringWidth
    checked = 0
    for t in tables:
        head = t._cellvalues[0]
        for cell, width in zip(head, t._colWidths, strict=True):
            if isinstance(cell, Paragraph) and cell.style.name == "cell_head":
                for word in cell.getPlainText().split():
                    assert stringWidth(word, cell.style.fontName, cell.style.fontSize) <= width - 7 + 0.01, word
                checked += 1
    assert checked > 20


def test_paths_wrap_at_separators():
    path = "leak/leak.zip!/chu-rennes/archives/exports_2022.tar.gz!/exports_2022/patients_2022.csv"
    lines = wrap_at_separators(path, 36)
    assert "".join(lines) == path and all(len(x) <= 36 for x in lines)
    assert all(x.endswith(("/", "!")) for x in lines[:-1])  # never cut inside a name that fits a line
    assert wrap_at_separators("a" * 70, 32) == ["a" * 32, "a" * 32, "a" * 6]  # a hash: cut at the line's end
    locs = wrap_at_separators("ligne 10\u00a0606; ligne 10\u00a0607; ligne 10\u00a0608", 34)
    assert locs[-1] == "10\u00a0608"  # a list breaks at its spaces, never inside a grouped number


def test_report_for_one_establishment(case, tmp_path):
    out = tmp_path / "rennes.pdf"
    written = write_reports(case.case_dir, pdf_path=out, json_path=tmp_path / "r.json",
                            records_csv=tmp_path / "r.csv", lang="fr", unmasked=True, establishment=RENNES.finess)
    text = pdf_text(written["pdf"])
    ft = flat(text)
    assert "Rapport destiné à" in text and RENNES.finess in ft
    assert flat(BREST.name) in ft and flat(BIORANCE.name) in ft  # the others, as counts
    assert "filigrane de table" not in text  # Brest's watermark is not shown to Rennes
    rennes_beacons = {b for b in CANARY_IDS if b in ft}
    assert rennes_beacons  # its own canary
    rows = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) == case.records[RENNES.finess] and all(r.split(",")[2] == RENNES.finess for r in rows)
    with CaseStore(case.case_dir, create=False) as store:
        last = store.custody()[-1]
    assert RENNES.finess in last["detail"]  # the report's scope is in its custody entry
    with pytest.raises(ValueError, match="no record of this case is attributed to FINESS 999999999"):
        write_reports(case.case_dir, json_path=tmp_path / "x.json", establishment="999999999")
    assert not (tmp_path / "x.json").exists()


def test_encrypted_and_failed_items_are_listed(tmp_path):
    built = build_case(tmp_path, per_establishment=5)
    with CaseStore(built.case_dir, create=False) as store:
        store.db.execute("UPDATE items SET status = 'encrypted' WHERE id = (SELECT MAX(id) FROM items)")
        store.commit()
        encrypted = store.db.execute("SELECT vpath FROM items WHERE status = 'encrypted'").fetchone()[0]
    texts = " ".join(_paragraph_texts(_story(built.case_dir, tmp_path, "en")))
    assert EN["m_failed_h"] in texts and "EOFError" in texts  # under the failed items, with the errors
    assert encrypted.rsplit("/", 1)[-1] in re.sub(r"\s", "", texts)
    assert "none of the passwords given opens it" in texts
