"""The export dialog offers a report per establishment (for its data controller's DPO) beside the whole case."""

from __future__ import annotations

from workbench.gui.dialogs.export import ExportDialog


def test_export_for_one_establishment(qtbot, tmp_path):
    dialog = ExportDialog(None, tmp_path, lang="fr",
                          establishments=[("350990016", "CHU de Rennes"), ("290990027", None)])
    qtbot.addWidget(dialog)
    assert dialog.scope.count() == 3 and dialog.scope.currentData() is None
    whole = dialog.options()
    assert whole["establishment"] is None and whole["pdf_path"] == tmp_path / "report-fr.pdf"
    dialog.scope.setCurrentIndex(1)
    assert dialog.scope.currentText() == "CHU de Rennes (FINESS 350990016)"
    opts = dialog.options()
    assert opts["establishment"] == "350990016"
    assert opts["pdf_path"] == tmp_path / "report-350990016-fr.pdf"
    assert opts["records_csv"] == tmp_path / "records-350990016.csv"
    dialog.scope.setCurrentIndex(2)
    assert dialog.scope.currentText() == "FINESS 290990027"
