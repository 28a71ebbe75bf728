"""The MISP event of the demo: pymisp reads it back, with its file objects, hashes and sharing tags."""

from __future__ import annotations

from pymisp import MISPEvent

from workbench.engine.store.reader import CaseReader
from workbench.exports import ExportOptions, export_case


def test_misp_event_loads_back_with_files_and_hashes(demo_case, demo_exports):
    event = MISPEvent()
    event.load_file(str(demo_exports["misp"]))
    with CaseReader(demo_case.case) as reader:
        hashed = {r[0] for r in reader.meta_rows(
            "SELECT sha256 FROM items WHERE sha256 IS NOT NULL AND entry_type = 'file'")}
        evidence = {r[0]: r[1] for r in reader.meta_rows("SELECT sha256, md5 FROM evidence_files")}
    files = [o for o in event.objects if o.name == "file"]
    sha = {a.value for o in files for a in o.attributes if a.object_relation == "sha256"}
    md5 = {a.value for o in files for a in o.attributes if a.object_relation == "md5"}
    assert hashed | set(evidence) == sha
    assert set(evidence.values()) <= md5
    assert {t.name for t in event.tags} >= {"tlp:amber", "PAP:AMBER"}
    assert "DEMO" in event.info or event.info.startswith("Health-data leak")
    assert [a for a in event.attributes if getattr(a, "comment", None) == "attribution"]


def test_tlp_and_pap_options_become_tags(demo_case, tmp_path):
    out = export_case(demo_case.case, "misp", tmp_path / "e.json", ExportOptions(tlp="green", pap="red")).out
    event = MISPEvent()
    event.load_file(str(out))
    assert {t.name for t in event.tags} >= {"tlp:green", "PAP:RED"}
