"""The scan's side of the rules: a zip big enough to be split into member tasks still has its own bytes scanned
(a rule on its comment fires on the zip item), and the compiled set goes to the workers through the case's cache."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from workbench.engine import pipeline
from workbench.engine.store import CaseReader


def _findings(case: Path) -> set[tuple[str, str]]:
    with CaseReader(case) as reader:
        return {(r[0], r[1]) for r in reader.rows(
            "SELECT i.vpath, f.rule FROM findings f JOIN items i ON i.id = f.item_id WHERE f.detector = 'yara'",
            needs=("items", "findings"))}


def test_split_zip_own_bytes_scanned_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1)  # split even a small zip into member tasks
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "leak.yar").write_text(
        'rule Zip_Comment_Marker { strings: $c = "EXPORT-CHU-RENNES-2024" condition: uint32(0) == 0x04034b50 and $c }\n'
        'rule Member_Marker { strings: $m = "MEMBER-SECRET" condition: $m }\n')
    dump = tmp_path / "export.zip"
    with zipfile.ZipFile(dump, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(f"part{i}.txt", f"MEMBER-SECRET {i}\n" * 50)
        zf.comment = b"EXPORT-CHU-RENNES-2024"
    case = tmp_path / "case"
    summary = pipeline.run_scan(case, [dump], rule_paths=[rules], jobs=1, bundled_rules=False, verify_at_end=False)
    assert summary.completed and summary.tasks_total == 4  # three members and the zip's own bytes
    hits = _findings(case)
    assert ("export.zip", "Zip_Comment_Marker") in hits
    assert {v for v, r in hits if r == "Member_Marker"} == {f"export.zip!/part{i}.txt" for i in range(3)}
    # a second run resumes (every task done): nothing is scanned or counted twice
    again = pipeline.run_scan(case, [dump], rule_paths=[rules], jobs=1, bundled_rules=False, verify_at_end=False)
    assert again.tasks_skipped == 4
    with CaseReader(case) as reader:
        n = reader.rows("SELECT COUNT(*) FROM findings WHERE rule = 'Zip_Comment_Marker'", needs=("findings",))[0][0]
    assert n == 1
