"""Feature files of the demo: bulk_extractor's banner and columns, identifiers masked unless asked with a reason."""

from __future__ import annotations

import json

import pytest

from workbench.engine.masking import mask_identifier
from workbench.engine.store.reader import CaseReader
from workbench.exports import ExportError, ExportOptions, export_case


def _lines(path):
    text = path.read_text(encoding="utf-8")
    head = [ln for ln in text.splitlines() if ln.startswith("#")]
    body = [ln.split("\t") for ln in text.splitlines() if ln and not ln.startswith("#")]
    return head, body


def test_feature_files_have_the_banner_and_three_columns(demo_case, demo_exports):
    folder = demo_exports["features"]
    head, body = _lines(folder / "nir.txt")
    assert head[0] == "# BANNER FILE NOT PROVIDED (-b option)"
    assert head[1].startswith("# BULK_EXTRACTOR-Version: ")
    assert "# Feature-Recorder: nir" in head and head[-1] == "# Feature-File-Version: 1.1"
    assert body and all(len(row) == 3 for row in body)
    with CaseReader(demo_case.case) as reader:
        distinct = reader.one("SELECT COUNT(*) FROM (SELECT DISTINCT item, value FROM identifiers WHERE type='nir')")
        values = [r[0] for r in reader.rows("SELECT DISTINCT value FROM identifiers WHERE type = 'nir'")]
    assert len(body) == distinct
    masked = {mask_identifier("nir", v) for v in values}
    assert {row[1] for row in body} == masked
    assert all(row[0].rsplit("@", 1)[1].isdigit() and row[2].startswith("n=") for row in body)
    hist_head, hist = _lines(folder / "nir_histogram.txt")
    assert hist_head[-1] == "# Histogram-File-Version: 1.1" and all(r[0].startswith("n=") for r in hist)
    _h, yara = _lines(folder / "yara.txt")
    assert yara and all(len(r) == 3 and ":" in r[1] for r in yara)


def test_unmasked_needs_a_reason_and_is_logged(demo_case, tmp_path):
    with pytest.raises(ExportError, match="reason"):
        export_case(demo_case.case, "features", tmp_path / "f", ExportOptions(unmasked=True))
    assert not (tmp_path / "f").exists()
    export_case(demo_case.case, "features", tmp_path / "f", ExportOptions(unmasked=True, reason="réquisition 42"))
    _head, body = _lines(tmp_path / "f" / "email.txt")
    with CaseReader(demo_case.case) as reader:
        emails = {r[0] for r in reader.rows("SELECT DISTINCT value FROM identifiers WHERE type = 'email'")}
        custody = [(r[0], json.loads(r[1])) for r in reader.meta_rows(
            "SELECT action, detail FROM custody WHERE action LIKE 'export-%' ORDER BY seq")]
    assert {row[1] for row in body} == emails
    unmasked = [d for a, d in custody if a == "export-unmasked"]
    assert unmasked and unmasked[-1]["reason"] == "réquisition 42" and unmasked[-1]["format"] == "features"
    written = [d for a, d in custody if a == "export-written" and d["unmasked"]]
    assert written and any(p.endswith("email.txt") for p in written[-1]["files"])


def test_tabs_and_line_breaks_in_a_path_cannot_break_a_line():
    from workbench.exports.features import _esc

    assert _esc("a\tb\nc\\d\x00") == "a\\x09b\\x0Ac\\x5Cd\\x00"
    assert "\t" not in _esc("leak.zip!/x\ty.csv@12") and "\n" not in _esc("x\r\ny")
