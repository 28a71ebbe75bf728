"""Files named after a patient, through a real scan: report.json, the records CSV and the PDF mask the name in
item paths, error messages and rule excerpts by default (identifiers masking alone left ``CR_kerleau_Maelys``
in clear in the JSON and the CSV), and show them in clear only when unmasked."""

from __future__ import annotations

import csv
import gzip
import json

import pytest
from pypdf import PdfReader

from workbench.engine.pipeline import run_scan
from workbench.report.exports import write_reports

PEOPLE = [  # family, given, birth date, NIR (valid keys), e-mail
    ("KERLEAU", "Maëlys", "1985-07-12", "285075612345683", "maelys.kerleau@laposte.net"),
    ("GUÉGUEN", "Yannick", "1972-03-29", "172032904501248", "y.gueguen@orange.fr"),
    ("TANGUY", "Rozenn", "1991-12-21", "291123521008738", "rozenn.tanguy@free.fr"),
]
REPORT_NAME = "CR_kerleau_Maelys_2024.csv"  # an export named after its patient, as reporting software does


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    root = tmp_path_factory.mktemp("named")
    share = root / "partage"
    share.mkdir()
    lines = ["nom;prenom;date_naissance;nir;email"]
    lines += [";".join(p) for p in PEOPLE]
    (share / REPORT_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = gzip.compress(("\n".join(lines * 50) + "\n").encode())
    (share / "archive_gueguen.csv.gz").write_bytes(whole[: len(whole) // 2])  # truncated: an error naming him
    case = root / "case"
    assert run_scan(case, [share], jobs=1).completed
    out = {}
    for mode, extra in (("masked", {}), ("clear", {"unmasked": True})):
        written = write_reports(case, json_path=root / f"{mode}.json", records_csv=root / f"{mode}.csv",
                                pdf_path=root / f"{mode}.pdf", lang="fr", **extra)
        pdf_text = "\n".join(p.extract_text() for p in PdfReader(written["pdf"]).pages)
        out[mode] = (written["json"].read_text(encoding="utf-8"), written["records-csv"].read_text(encoding="utf-8"),
                     pdf_text)
    return out


def _no_names(text: str) -> list[str]:
    low = text.lower().replace("é", "e")
    return [n for n in ("kerleau", "maelys", "gueguen") if n in low]


def test_the_masked_exports_name_no_patient(scanned):
    report_text, records_csv, pdf_text = scanned["masked"]
    report = json.loads(report_text)
    assert report["summary"]["records"] >= len(PEOPLE)  # the truncated archive gives the rows before the cut too
    assert _no_names(report_text) == [], "report.json names a patient"
    assert _no_names(records_csv) == [], "the records CSV names a patient"
    assert _no_names(pdf_text) == [], "the PDF names a patient"
    items = {r["item"] for r in csv.DictReader(records_csv.splitlines())}
    assert "partage/CR_k******_M*****_2024.csv" in items  # masked to the initial, the rest of the path kept
    assert items <= {"partage/CR_k******_M*****_2024.csv", "partage/archive_g******.csv.gz!/archive_g******.csv"}
    assert any(e["item"] == "partage/archive_g******.csv.gz!/archive_g******.csv" for e in report["errors"])
    assert report["findings"] and all(f["item"].startswith("partage/") for f in report["findings"])
    assert all(len(e["sha256"]) == 64 for e in report["evidence"])  # hashes never masked


def test_unmasked_exports_show_the_paths_in_clear(scanned):
    report_text, records_csv, _ = scanned["clear"]
    report = json.loads(report_text)
    items = {r["item"] for r in csv.DictReader(records_csv.splitlines())}
    assert f"partage/{REPORT_NAME}" in items
    assert any("archive_gueguen" in e["item"] for e in report["errors"])
    assert any("archive_gueguen.csv" in e["error"] for e in report["errors"])
    assert any(f["item"] == f"partage/{REPORT_NAME}" for f in report["findings"])


def test_a_failed_item_says_its_cause_in_the_report_language(scanned):
    """The truncated gzip: report.json gives its cause (``truncated``) and the count per cause; the French PDF
    says "Fichier tronqué" before the engine's exact (English) message."""
    report_text, _csv, pdf_text = scanned["masked"]
    report = json.loads(report_text)
    assert report["failed_causes"] == {"truncated": 1}
    (failed,) = report["failed_items"]
    assert failed["cause"] == "truncated" and "EOFError" in failed["error"]
    flat = " ".join(pdf_text.split())
    assert "Causes : fichier tronqué : 1." in flat
    assert "Fichier tronqué. ArchiveError:" in flat
