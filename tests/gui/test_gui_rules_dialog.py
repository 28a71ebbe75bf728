"""The rules dialog: files that do not compile listed as not applied, external variables as --rules-define,
and the window scanning with them."""

from __future__ import annotations

from pathlib import Path

from workbench.engine.store import CaseReader
from workbench.gui.dialogs.rules import RulesDialog

RULE = 'rule Site_Export\n{\n    condition:\n        extension == ".csv" and site == "CHU35"\n}\n'


def test_defines_in_the_dialog(qtbot, tmp_path: Path) -> None:
    rules = tmp_path / "site.yar"
    rules.write_text(RULE)
    dialog = RulesDialog(None, [(rules, True)], "site=CHU35")
    qtbot.addWidget(dialog)
    assert dialog.check() and "NOT APPLIED" not in dialog.outcome.text()
    dialog.defines.setText("")
    assert dialog.check()  # without the variable the file is not applied, and says which option is missing
    assert "NOT APPLIED" in dialog.outcome.text() and "--rules-define site=VALUE" in dialog.outcome.text()
    dialog.defines.setText("site=CHU35  1bad=2")
    assert not dialog.check() and "expected NAME=VALUE" in dialog.outcome.text()
    dialog.defines.setText("  site=CHU35   score=60 ")
    assert dialog.defines_text() == "site=CHU35 score=60"


def test_window_scans_with_the_defines(qtbot, window, tmp_path: Path) -> None:
    w = window
    assert w.create_case(tmp_path / "case", {"case_number": "C-9", "analyst": "test"})
    rules = tmp_path / "site.yar"
    rules.write_text(RULE)
    w.user_rules, w.rule_defines = [(rules, True)], "site=CHU35"
    dump = tmp_path / "export.csv"
    dump.write_text("nom;prenom\nDUPONT;Jean\n", encoding="cp1252")
    w.add_evidence([dump])
    assert w.start_scan()
    qtbot.waitUntil(lambda: not w._busy() and w.job_kind is None, timeout=180_000)
    assert not w.errors, w.errors
    with CaseReader(tmp_path / "case") as reader:
        rules_hit = [r[0] for r in reader.rows("SELECT rule FROM findings WHERE detector = 'yara'",
                                               needs=("findings",))]
    assert "Site_Export" in rules_hit
