"""What an analyst reads in the window, in French and English: headers shown whole, counts with their own plural,
and the report's words (one term for a watermark, a canary, a basis) in every view.

Defects seen under Xvfb in December 2026: "Premier décalage" and "Position (octets)" cut in their 90-pixel
sections; "à 1 établissements", "1 tâches sur 2", "1 scellé(s), vérifié(s) inchangé(s)"; the window said
"tatouage" and "patient canari" where the PDF said "filigrane" and "patient témoin".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import QStyle

from workbench.gui.i18n import install_language
from workbench.gui.labels import value_label
from workbench.gui.resources import translations_dir
from workbench.report.i18n import EN, FR, Tr

# Rejected French terms: the window, the PDF and the CLI say "tatouage" (numérique) for a watermark, as French
# research on medical-database and medical-image watermarking does (Coatrieux, Franco-Contreras et al.,
# IMT Atlantique), and "patient témoin" for a canary; "filigrane" evokes a visible mark printed on paper.
REJECTED_FR = re.compile(r"(?i)\bfiligrane|\bcanari")


def _catalogue(lang: str) -> list[tuple[str, str, list[str]]]:
    """(context, source, translations) of every message of balise_<lang>.ts."""
    out = []
    for ctx in ET.parse(translations_dir() / f"balise_{lang}.ts").getroot().iter("context"):
        name = ctx.find("name").text
        for m in ctx.iter("message"):
            t = m.find("translation")
            forms = [f.text or "" for f in t.iter("numerusform")] if m.get("numerus") == "yes" else [t.text or ""]
            out.append((name, m.find("source").text, forms))
    return out


@pytest.fixture
def french(qapp):
    install_language("fr")
    yield
    install_language("en")


def test_one_term_for_a_watermark_and_a_canary_in_the_window_and_the_report():
    window = [(src, t) for _, src, forms in _catalogue("fr") for t in forms if REJECTED_FR.search(t)]
    report = [(k, v) for k, v in FR.items() if REJECTED_FR.search(v)]
    assert window == [] and report == [], f"rejected term in the window {window} or the report {report}"
    watermark = {t for _, src, forms in _catalogue("fr") for t in forms if "watermark" in src.lower()}
    assert watermark and all("tatouage" in t.lower() for t in watermark), watermark
    assert re.search(r"tatouages? numériques?", FR["m_detectors"])  # the method says what the term means


def test_no_plural_in_brackets_in_either_language():
    """ "fichier(s)", "accusé(s)": a count has its own plural form (Qt's %n, the report's singular|plural)."""
    window = [t for _, _, forms in _catalogue("fr") for t in forms if re.search(r"\w\((s|e|es)\)", t)]
    window += [f for _, _, forms in _catalogue("en") for f in forms if "(s)" in f]
    report = [k for cat in (FR, EN) for k, v in cat.items() if re.search(r"\w\((s|e|es)\)", v)]
    assert window == [] and report == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_window_names_each_basis_as_the_report_does(qapp, lang):
    install_language(lang)
    try:
        tr = Tr(lang)
        for code in ("canary", "watermark", "identifier", "pattern"):
            assert value_label(code) == tr.basis(code), code
    finally:
        install_language("en")


def _tr(context: str, text: str, n: int) -> str:
    return QCoreApplication.translate(context, text, None, n)


def test_counts_take_their_own_plural_in_french(french):
    loc = QLocale()
    assert loc.language() == QLocale.Language.French
    assert [_tr("TablePage", "%Ln row(s)", n) for n in (0, 1, 2)] == ["0 ligne", "1 ligne", "2 lignes"]
    assert _tr("TablePage", "%Ln row(s)", 45638) == f"{loc.toString(45638)} lignes"  # grouped: 45 638
    assert _tr("AttributionDashboard", "%Ln establishment(s)", 1) == "1 établissement"
    assert _tr("AttributionDashboard", "%Ln record(s) attributed", 1) == "1 enregistrement attribué"
    assert _tr("MainWindow", "%Ln evidence item(s), verified unchanged", 1) == "1 scellé, vérifié inchangé"
    assert _tr("MainWindow", "%Ln evidence item(s), verified unchanged", 3) == "3 scellés, vérifiés inchangés"


def test_counts_take_their_own_plural_in_english(qapp):
    install_language("en")
    assert [_tr("TablePage", "%Ln row(s)", n) for n in (0, 1, 2)] == ["0 rows", "1 row", "2 rows"]
    assert _tr("MainWindow", "%Ln item(s) in error", 1) == "1 item in error"
    assert _tr("ScanProgress", "%Ln item(s)", 45638) == "45,638 items"


def test_the_dashboard_says_one_establishment_in_the_singular(qtbot, french):
    from workbench.gui.widgets.dashboard import AttributionDashboard

    d = AttributionDashboard()
    qtbot.addWidget(d)
    d.show_report({"summary": {"records": 3, "patients": 1},
                   "establishments": [{"finess": "350005179", "name": "CHU de Rennes", "records": 1, "patients": 1,
                                       "bases": {"canary": 1}, "evidence": []}]})
    text = d.summary.text()
    assert text == ("3 enregistrements concernant 1 patient ; 1 enregistrement attribué à 1 établissement, "
                    "2 non attribués."), text
    assert d.table.item(0, 4).text().startswith("patient témoin")


def test_every_table_header_is_shown_whole_in_french(qtbot, settings, shard_case):
    from workbench.gui.window import MainWindow

    w = MainWindow(settings, language="fr")
    qtbot.addWidget(w)
    w.resize(1280, 820)  # the window's first size
    w.show()
    assert w.open_case(shard_case.case)
    seen = set()
    for page in w._pages():
        header = page.view.horizontalHeader()
        style, fm = header.style(), header.fontMetrics()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        arrow = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
        for i in range(page.model.columnCount()):
            text = page.model.headerData(i, Qt.Orientation.Horizontal)
            seen.add(text)
            need = fm.horizontalAdvance(text) + 2 * margin + arrow
            assert header.sectionSize(i) >= need, f"{text!r}: {header.sectionSize(i)} px < {need} px"
    assert {"Première position (octet)", "Position (octet)", "Valeur p"} <= seen


def test_a_watermark_s_details_read_as_the_report(qtbot, tmp_path, french):
    """The pane showed an empty p-value (its "<" taken for HTML), "-2864.44**" (a number masked as an
    identifier), raw keys ("numeric votes", "row groups") and a Python dict for the accusation."""
    from workbench.engine.store import CaseStore, TaskShards
    from workbench.engine.store.reader import CaseReader
    from workbench.gui.widgets.details import DetailsPane

    case = tmp_path / "case"
    with CaseStore(case) as store:
        store.upsert_task("t", 1, ["t"], 1)
        shards = TaskShards(case, "t", store.task_seq("t"))
        shards.add_watermark_hits("registre.csv", [
            {"locator": "file", "kind": "table-watermark", "establishment": "350005179", "rows": 2983,
             "p_value": 0.0, "detail": {"log10_p": -2864.45, "row_groups": 0, "fraction": 1.0,
                                        "accusation": {"cells": 16224, "error_bound": 1e-06, "accused": True}}}])
        shards.close()
    pane = DetailsPane()
    qtbot.addWidget(pane)
    with CaseReader(case) as reader:
        pane.show_watermark(reader, 1)
    text = pane.toPlainText().replace("\u202f", " ").replace("\u00a0", " ")  # Qt's plain text: spaces
    assert "< 10^-2864" in text and "**" not in text
    assert "groupes de lignes" in text and "row groups" not in text
    assert "{" not in text and "cellules : 16 224" in text
    assert "1,0 × 10^-6" in text and "0,00" not in text
    assert "tatouage de table" in text


def test_the_progress_panel_names_the_seal_and_summary_phases_in_french(qtbot, french):
    """The last 25 s of a 5 GB scan (its summary's figures) showed "done"; each phase after the scan has a name."""
    from workbench.engine.model import Progress
    from workbench.gui.widgets.scanpanel import ScanProgress

    panel = ScanProgress()
    qtbot.addWidget(panel)
    panel.update_progress(Progress(5, 10, 2, 0, 1, "dump/dpi_dump.sql", 1e6, 5.0, "scan"))
    assert panel.current.text() == "dump/dpi_dump.sql"
    shown = {}
    for phase in ("verify", "seal", "summary", "done"):
        panel.update_progress(Progress(10, 10, 3, 1, 1, "", 0.0, None, phase))
        shown[phase] = panel.phase.text()
        assert panel.current.text() == "–", phase  # the last scanned item is no longer being read
    assert shown == {"verify": "revérification des scellés", "seal": "indexation et scellement des résultats",
                     "summary": "décompte des enregistrements et des personnes", "done": "terminé"}, shown
    assert panel.bar.value() == panel.bar.maximum()
