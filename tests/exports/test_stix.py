"""The STIX 2.1 bundle of the demo: valid for the OASIS validator, and it says what the case says."""

from __future__ import annotations

import json

from stix2validator import ValidationOptions, validate_file

from workbench.demo import RECIPIENTS
from workbench.engine.store.reader import CaseReader
from workbench.synth.establishments import UNREGISTERED_ESTABLISHMENT


def test_bundle_is_valid_stix_21(demo_exports):
    results = validate_file(str(demo_exports["stix"]), ValidationOptions(version="2.1", strict=True))
    assert results.is_valid, [str(e) for r in results.object_results for e in r.errors]


def test_bundle_holds_the_leak_report_files_indicators_and_sightings(demo_case, demo_exports):
    bundle = json.loads(demo_exports["stix"].read_text(encoding="utf-8"))
    by_type: dict[str, list[dict]] = {}
    for obj in bundle["objects"]:
        by_type.setdefault(obj["type"], []).append(obj)
    report = by_type["report"][0]
    assert set(report["object_refs"]) == {o["id"] for o in bundle["objects"] if o["type"] != "report"}
    with CaseReader(demo_case.case) as reader:
        evidence = reader.evidence()
        found = {h["beacon_id"] for h in reader.beacon_hits() if h["status"] == "confirmed"}
        rules = {(r[0], r[1]) for r in reader.meta_rows(
            "SELECT DISTINCT namespace, rule FROM findings f JOIN items i ON i.id = f.item_id "
            "WHERE detector = 'yara' AND i.sha256 IS NOT NULL AND severity <> 'info'")}
        hashed = reader.meta_one("SELECT COUNT(*) FROM items WHERE sha256 IS NOT NULL AND entry_type = 'file'")
    file_hashes = {o["hashes"]["SHA-256"] for o in by_type["file"]}
    assert len(file_hashes) >= hashed - 1  # identical members share one (deterministic) observable
    with CaseReader(demo_case.case) as reader:
        assert {f["sha256"] for f in reader.meta_rows("SELECT sha256 FROM evidence_files")} <= file_hashes
    assert all(o["hashes"].get("MD5") for o in by_type["file"] if o["hashes"]["SHA-256"] in
               {e["sha256"] for e in evidence})
    yara = [i for i in by_type["indicator"] if "yara" in i.get("labels", [])]
    assert len(rules) >= 5  # identifier and health-data rules matched in the demo
    assert {tuple(i["name"].removeprefix("YARA ").split(":", 1)) for i in yara} == rules
    beacons = {i["name"].removeprefix("Beacon ") for i in by_type["indicator"] if "beacon" in i.get("labels", [])}
    assert found and found <= beacons
    sighted = {s["sighting_of_ref"] for s in by_type["sighting"]}
    assert all(i["id"] in sighted for i in by_type["indicator"] if "beacon" in i.get("labels", []))
    names = {o["name"] for o in by_type["identity"]}
    assert UNREGISTERED_ESTABLISHMENT.name not in names
    est_ids = {o["id"] for o in by_type["identity"] if o.get("sectors") == ["healthcare"]}
    assert len(est_ids) == len(RECIPIENTS)  # the three leaked establishments, each tied to its beacons
    assert est_ids <= {r["target_ref"] for r in by_type["relationship"]}
    assert all(o["object_marking_refs"] for o in bundle["objects"] if o["type"] not in ("marking-definition",))
