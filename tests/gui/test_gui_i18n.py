"""French and English interface: the catalogue covers every text of the window, and the switch works."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import Qt

from workbench.gui.resources import translations_dir

from .conftest import SCREENSHOTS

ROOT = Path(__file__).resolve().parents[2]


def _sources(ts: Path) -> dict[tuple[str, str], ET.Element]:
    out = {}
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.find("name").text
        for m in ctx.iter("message"):
            out[(name, m.find("source").text)] = m
    return out


def _translated(m: ET.Element) -> bool:
    """A plain text has its translation; a "%Ln" text has every plural form (French: singular and plural)."""
    t = m.find("translation")
    if m.get("numerus") == "yes":
        forms = [f.text or "" for f in t.iter("numerusform")]
        return len(forms) == 2 and all(f.strip() for f in forms)
    return bool((t.text or "").strip())


def test_catalogue_is_complete_and_current(tmp_path):
    ts = translations_dir() / "balise_fr.ts"
    fresh = tmp_path / "fresh.ts"
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    files = sorted(str(p) for p in (ROOT / "workbench" / "gui").rglob("*.py"))
    subprocess.run([str(lupdate), *files, "-ts", str(fresh)], check=True, capture_output=True, timeout=120)
    in_code = set(_sources(fresh))
    shipped = _sources(ts)
    assert in_code - set(shipped) == set(), "texts of the window missing from balise_fr.ts (run lupdate)"
    unfinished = [k for k, m in shipped.items() if m.find("translation").get("type") in ("unfinished", "vanished")
                  or not _translated(m)]
    assert unfinished == []
    qm = translations_dir() / "balise_fr.qm"
    assert qm.is_file() and qm.stat().st_size > 10_000
    # English is the source language, but a "%Ln" text's English forms ("1 row", "2 rows") live in balise_en.ts
    plural = {k for k, m in _sources(fresh).items() if m.get("numerus") == "yes"}
    english = _sources(translations_dir() / "balise_en.ts")
    assert plural and plural - set(english) == set(), "plural texts missing from balise_en.ts (lupdate -pluralonly)"
    assert [k for k in plural if not _translated(english[k])] == []
    assert (translations_dir() / "balise_en.qm").is_file()


def test_french_window_and_switch_to_english(qtbot, settings, demo):
    from workbench.gui.window import MainWindow

    w = MainWindow(settings, language="fr")
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    titles = [a.text() for a in w.menuBar().actions()]
    assert titles[:3] == ["&Fichier", "&Entrées", "&Analyse"]
    assert w.tabs.tabText(0) == "Dossier" and w.start.welcome.new_button.text() == "Nouveau dossier…"
    SCREENSHOTS.mkdir(exist_ok=True)
    w.grab().save(str(SCREENSHOTS / "start-fr.png"))
    assert w.open_case(demo.case)
    headers = [w.records_page.model.headerData(i, Qt.Orientation.Horizontal) for i in range(w.records_page.model.columnCount())]
    assert "Nom" in headers and "Prénom" in headers
    qtbot.waitUntil(lambda: w.dashboard.report is not None, timeout=60_000)
    w.tabs.setCurrentWidget(w.dashboard)
    assert "enregistrements" in w.dashboard.summary.text()
    w.grab().save(str(SCREENSHOTS / "attribution-fr.png"))

    w.switch_language("en")
    assert [a.text() for a in w.menuBar().actions()][0] == "&File"
    assert w.case_dir == demo.case.resolve() and w.records_page.model.rowCount() > 0
    assert w.records_page.model.headerData(3, Qt.Orientation.Horizontal) == "Family name"
    assert settings.language() == "en"


def test_cli_gui_refuses_a_folder_without_a_case(tmp_path, capsys):
    from workbench.cli import main

    assert main(["gui", "--case", str(tmp_path)]) == 1
    assert "not a case folder" in capsys.readouterr().err


def test_item_errors_say_their_cause_in_french(qtbot, settings, demo):
    """The demo's cut ``dpi_2021.sql.gz``: the French errors table gives its cause ("fichier tronqué") beside the
    engine's message, whose English words are no longer masked as names ("C********* file ended"); typing the
    French word filters on the cause."""
    from workbench.gui.window import MainWindow

    w = MainWindow(settings, language="fr")
    qtbot.addWidget(w)
    w.show()
    assert w.open_case(demo.case)
    page = w.errors_page
    model = page.model
    keys = [c.key for c in model.columns]
    assert model.headerData(keys.index("cause"), Qt.Orientation.Horizontal) == "Cause"

    def rows() -> list[dict]:
        return [{k: model.index(r, i).data() for i, k in enumerate(keys)} for r in range(model.rowCount())]

    cut = [r for r in rows() if "dpi_2021.sql" in (r["item"] or "") and r["stage"] == "lecture"]
    assert cut and cut[0]["cause"] == "fichier tronqué", rows()
    assert "Compressed file ended before the end-of-stream marker" in cut[0]["error"]
    page.filter.setText("tronqué")
    page.apply_filter()
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=10_000)
    assert {r["cause"] for r in rows()} == {"fichier tronqué"}


def test_confidence_reads_as_a_decimal_and_blank_when_unattributed(qtbot, settings, demo):
    """The demo's records in the French window: an attributed record's confidence reads "0,99" or "0,90" (the
    locale's decimal sign, as the PDF writes it), an unattributed one's is blank beside the basis "aucune"
    (it read "0", a measured confidence of zero, and "0.99" in French)."""
    from workbench.gui.window import MainWindow

    w = MainWindow(settings, language="fr")
    qtbot.addWidget(w)
    w.show()
    assert w.open_case(demo.case)
    model = w.records_page.model
    keys = [c.key for c in model.columns]
    basis, confidence = keys.index("basis"), keys.index("confidence")
    model.sort(confidence, Qt.SortOrder.AscendingOrder)  # the unattributed first, then the weakest claims
    seen: dict[str, set[str]] = {}
    for r in list(range(min(model.rowCount(), 300))) + list(range(max(0, model.rowCount() - 300), model.rowCount())):
        seen.setdefault(model.index(r, basis).data(), set()).add(model.index(r, confidence).data())
    assert seen.get("aucune") == {""}, seen
    shown = set().union(*(v for k, v in seen.items() if k != "aucune"))
    assert shown and all(c in {"0,99", "0,90", "0,30"} for c in shown), seen
