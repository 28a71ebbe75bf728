"""CASE/UCO provenance of a case (JSON-LD, CASE 1.5 / UCO 1.4), for a forensic examiner's tool chain.

The graph says who did what with which tool to which evidence: an ``Investigation`` (the case) holding three
``InvestigativeAction`` nodes in order -- the acquisition (evidence taken in and hashed), the scan (the evidence
in, the items out) and the report (the scan's results in, each report file written out) -- each with the
workbench as its ``Tool`` instrument and the analyst's organisation as performer; ``ProvenanceRecord`` nodes group
what an action consumed or produced; every file (evidence, hashed item, report file) is a ``File`` observable
with a ``FileFacet`` (name, size) and a ``ContentDataFacet`` carrying its hashes (SHA-256, plus MD5 and SHA-1
where the case has them). Node ids end with a UUID as UCO advises: UUIDv5 of the case's custody head and the
node's role, so re-exporting an unchanged case gives the same graph.

Valid under case-utils' ``case_validate`` (tested). File names are masked like the report's; no identifier of
a person appears. ``MAX_FILES`` bounds the item files listed (JSON-LD is one document).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from workbench.exports.source import ExportSource

MAX_FILES = 50_000
CONTEXT = {
    "kb": "http://example.org/kb/",
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_HASH_NAMES = (("sha256", "SHA256"), ("md5", "MD5"), ("sha1", "SHA1"))


class _Graph:
    def __init__(self, seed: str) -> None:
        self.ns = uuid.uuid5(uuid.NAMESPACE_URL, f"balise-case:{seed}")
        self.nodes: list[dict[str, Any]] = []

    def iri(self, kind: str, key: str) -> str:
        return f"kb:{kind}-{uuid.uuid5(self.ns, f'{kind}:{key}')}"

    def add(self, node: dict[str, Any]) -> dict[str, Any]:
        self.nodes.append(node)
        return node

    def file(self, key: str, name: str, size: int | None, hashes: dict[str, str]) -> str:
        iri = self.iri("file", key)
        facet: dict[str, Any] = {"@id": self.iri("file-facet", key), "@type": "uco-observable:FileFacet",
                                 "uco-observable:fileName": name}
        if size is not None:
            facet["uco-observable:sizeInBytes"] = {"@type": "xsd:integer", "@value": str(int(size))}
        facets = [facet]
        hash_nodes = [{"@id": self.iri(f"hash-{method}", key), "@type": "uco-types:Hash",
                       "uco-types:hashMethod": method, "uco-types:hashValue": {"@type": "xsd:hexBinary",
                                                                               "@value": hashes[col].upper()}}
                      for col, method in _HASH_NAMES if hashes.get(col)]
        if hash_nodes:
            facets.append({"@id": self.iri("content-facet", key), "@type": "uco-observable:ContentDataFacet",
                           "uco-observable:hash": hash_nodes})
        self.add({"@id": iri, "@type": "uco-observable:File", "uco-core:hasFacet": facets})
        return iri


def _time(utc: str | None) -> dict[str, str] | None:
    if not utc:
        return None
    text = utc.replace("+00:00", "Z")
    return {"@type": "xsd:dateTime", "@value": text if text.endswith("Z") else text + "Z"}


def _refs(iris: list[str]) -> list[dict[str, str]]:
    return [{"@id": i} for i in iris]


def _reports_written(source: ExportSource) -> list[dict[str, Any]]:
    """The report files the custody log says were written (path, SHA-256), latest per path."""
    out: dict[str, dict[str, Any]] = {}
    for entry in source.model.custody_tail:
        if entry.action != "report-written" or not entry.detail:
            continue
        try:
            detail = json.loads(entry.detail)
        except ValueError:
            continue
        if isinstance(detail, dict) and detail.get("path") and detail.get("sha256"):
            out[detail["path"]] = {**detail, "ts_utc": entry.ts_utc}
    return list(out.values())


def build_graph(source: ExportSource) -> dict[str, Any]:
    model = source.model
    g = _Graph(model.case.get("custody_head") or model.custody.head or source.case_name)
    tool = g.add({"@id": g.iri("tool", "balise"), "@type": "uco-tool:Tool", "uco-core:name": model.tool["name"],
                  "uco-tool:version": model.tool["version"], "uco-tool:toolType": "forensic triage"})["@id"]
    org = g.add({"@id": g.iri("organization", "analyst"), "@type": "uco-identity:Organization",
                 "uco-core:name": model.case.get("organisation") or "analyst's organisation"})["@id"]

    evidence_files = []
    for e in model.evidence:
        evidence_files.append(g.file(f"evidence:{e.id}", source.label(Path(e.path).name), e.size,
                                     {"sha256": e.sha256, "md5": e.md5, "sha1": e.sha1}))
    item_files: list[str] = []
    for row in source.items():
        if not row.get("sha256") or row.get("entry_type") not in (None, "file") or len(item_files) >= MAX_FILES:
            continue
        item_files.append(g.file(f"item:{row['id']}", source.label(row["vpath"]), row.get("size"), row))

    def record(key: str, label: str, objects: list[str]) -> str:
        return g.add({"@id": g.iri("provenance-record", key), "@type": "case-investigation:ProvenanceRecord",
                      "uco-core:description": label, "uco-core:object": _refs(objects)})["@id"]

    def action(key: str, name: str, description: str, start: str | None, end: str | None, objects: list[str],
               results: list[str], informed_by: str | None = None) -> str:
        node: dict[str, Any] = {"@id": g.iri("investigative-action", key),
                                "@type": "case-investigation:InvestigativeAction", "uco-core:name": name,
                                "uco-core:description": description, "uco-action:instrument": {"@id": tool},
                                "uco-action:performer": {"@id": org}}
        for prop, value in (("uco-action:startTime", _time(start)), ("uco-action:endTime", _time(end))):
            if value:
                node[prop] = value
        if objects:
            node["uco-action:object"] = _refs(objects)
        if results:
            node["uco-action:result"] = _refs(results)
        if informed_by:
            node["case-investigation:wasInformedBy"] = {"@id": informed_by}
        return g.add(node)["@id"]

    acquired = sorted(e.acquired_utc for e in model.evidence if e.acquired_utc)
    evidence_record = record("evidence", "evidence as acquired (read-only, hashed)", evidence_files)
    acquisition = action("acquisition", "acquisition", f"{len(evidence_files)} evidence taken in read-only and "
                         "hashed (MD5, SHA-1, SHA-256)", acquired[0] if acquired else None,
                         acquired[-1] if acquired else None, [], [evidence_record])
    scan = source.scan_times
    items_record = record("items", f"items walked out of the evidence ({model.summary.items} items, "
                          f"{len(item_files)} hashed files listed)", item_files)
    s = model.summary
    scan_action = action("scan", "scan", f"typing, YARA, identifier and beacon detection, records and attribution: "
                         f"{s.items} items, {s.records} records of {s.patients} patients, {s.findings} findings, "
                         f"{s.errors} item errors", scan.get("started_utc"), scan.get("finished_utc"),
                         [evidence_record], [items_record], informed_by=acquisition)
    report_files = []
    times = []
    for r in _reports_written(source):
        report_files.append(g.file(f"report:{r['path']}", source.label(Path(r["path"]).name), None,
                                   {"sha256": r["sha256"]}))
        times.append(r["ts_utc"])
    actions = [acquisition, scan_action]
    if report_files:
        report_record = record("reports", "report files written", report_files)
        actions.append(action("report", "report", "forensic report written from the case's results",
                              min(times), max(times), [items_record], [report_record], informed_by=scan_action))
    g.add({"@id": g.iri("investigation", "case"), "@type": "case-investigation:Investigation",
           "uco-core:name": source.case_name, "case-investigation:investigationForm": "incident",
           "case-investigation:focus": "leak of health data",
           "uco-core:object": _refs([*actions, tool, org])})
    return {"@context": CONTEXT, "@graph": g.nodes}


def write(source: ExportSource, out: Path) -> list[Path]:
    graph = build_graph(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    part.write_text(json.dumps(graph, indent=2, ensure_ascii=False), encoding="utf-8")
    part.replace(out)
    return [out]
