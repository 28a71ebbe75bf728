"""The CASE/UCO provenance of the demo conforms to CASE 1.5 under case-utils' case_validate (offline)."""

from __future__ import annotations

import json

from case_utils.case_validate import validate

from workbench.engine.store.reader import CaseReader


def test_case_uco_graph_conforms(demo_exports):
    result = validate(str(demo_exports["case-uco"]), allow_infos=True, inference="none")
    assert result.conforms, str(result.text)[:3000]
    assert not result.undefined_concepts


def test_graph_has_the_three_actions_with_their_tool_and_hashes(demo_case, demo_exports):
    graph = json.loads(demo_exports["case-uco"].read_text(encoding="utf-8"))["@graph"]
    actions = {n["uco-core:name"]: n for n in graph if n["@type"] == "case-investigation:InvestigativeAction"}
    assert set(actions) == {"acquisition", "scan", "report"}  # the demo wrote its report.json
    tool = next(n for n in graph if n["@type"] == "uco-tool:Tool")
    assert all(a["uco-action:instrument"]["@id"] == tool["@id"] for a in actions.values())
    assert actions["scan"]["case-investigation:wasInformedBy"]["@id"] == actions["acquisition"]["@id"]
    hashes = {h["uco-types:hashValue"]["@value"].lower() for n in graph if n["@type"] == "uco-observable:File"
              for f in n["uco-core:hasFacet"] for h in f.get("uco-observable:hash", [])}
    with CaseReader(demo_case.case) as reader:
        evidence = {r[0] for r in reader.meta_rows("SELECT sha256 FROM evidence_files")}
        reports = [json.loads(r[0])["sha256"] for r in reader.meta_rows(
            "SELECT detail FROM custody WHERE action = 'report-written'")]
    assert evidence <= hashes and reports and set(reports) <= hashes
