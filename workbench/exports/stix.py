"""STIX 2.1 bundle of a case (the ``stix2`` library), for a CSIRT's threat-intelligence platform.

What goes in:

- the leak as a ``report`` (``threat-report``) naming the case, its figures (items, records, patients, errors)
  and every object below in ``object_refs``;
- the evidence and every hashed item as ``file`` observables (SHA-256, plus MD5 and SHA-1 of the evidence files);
  ids are STIX's deterministic UUIDv5 of the hashes, so two exports of one dump share the file ids;
- YARA matches as ``indicator`` objects where they mean something to another analyst: one per rule of severity
  warning or high that matched (identifiers, health data; the ``info`` rules only say what format a file is),
  whose pattern is the SHA-256 of the files it matched (the rule's own text stays in the case: rule sets are
  often private);
- each beacon (canary patient, watermark) as an ``indicator`` with its ``sighting`` in the files where it was
  found, the establishment it proves as an ``identity`` (class ``organization``, sector ``healthcare``) tied to
  the indicator by a ``related-to`` relationship, and the analyst's organisation as the one who sighted it.

Never a patient identifier: descriptions carry counts, FINESS numbers and beacon ids; item paths are masked like
the report's. Everything carries the chosen TLP marking. A bundle larger than ``MAX_FILES`` items lists the
first ones and says so in the report's description (a STIX bundle is one JSON document held in memory).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import stix2

from workbench.exports.source import ExportSource

MAX_FILES = 50_000  # file observables per bundle (each ~300 bytes of JSON: 15 MB)
MAX_PATTERN_FILES = 100  # files named in one indicator's pattern
_TLP = {"clear": stix2.TLP_WHITE, "white": stix2.TLP_WHITE, "green": stix2.TLP_GREEN, "amber": stix2.TLP_AMBER,
        "amber+strict": stix2.TLP_AMBER, "red": stix2.TLP_RED}


def _stamp(utc: str | None) -> str | None:
    """A case timestamp (ISO 8601, maybe without zone) as STIX wants it (UTC, ``Z``)."""
    if not utc:
        return None
    text = utc.replace("+00:00", "")
    return text if text.endswith("Z") else text + "Z"


def _hashes(row: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, name in (("sha256", "SHA-256"), ("md5", "MD5"), ("sha1", "SHA-1")):
        if row.get(key):
            out[name] = row[key]
    return out


def _pattern(sha256s: list[str]) -> str:
    return "[" + " OR ".join(f"file:hashes.'SHA-256' = '{h}'" for h in sha256s[:MAX_PATTERN_FILES]) + "]"


def build_bundle(source: ExportSource) -> stix2.Bundle:
    """The bundle of one case (see the module doc)."""
    model = source.model
    marking = _TLP[source.options.tlp]
    common = {"object_marking_refs": [marking]}
    now = _stamp(model.generated_utc)
    org_name = model.case.get("organisation") or "Balise Workbench analyst"
    analyst = stix2.Identity(name=org_name, identity_class="organization", created=now, modified=now, **common)
    created = {"created_by_ref": analyst.id, "created": now, "modified": now, **common}
    objects: list[Any] = [analyst]

    files: dict[str, stix2.File] = {}  # vpath -> file observable
    by_hash: dict[str, str] = {}  # vpath -> sha256
    total_files = 0
    for row in source.items():
        hashes = _hashes(row)
        if not hashes or row.get("entry_type") not in (None, "file"):
            continue
        total_files += 1
        if len(files) >= MAX_FILES:
            continue
        obj = stix2.File(name=source.label(row["vpath"].rsplit("/", 1)[-1].rsplit("!/", 1)[-1]), size=row["size"],
                         hashes=hashes, **common)
        files[row["vpath"]] = obj
        if row.get("sha256"):
            by_hash[row["vpath"]] = row["sha256"]
    objects.extend(files.values())

    establishments: dict[str, stix2.Identity] = {}
    for finess, name in sorted(model.establishment_names.items()):
        if not any(e.finess == finess for e in model.establishments) and not any(
                b.establishment == finess for b in model.beacons):
            continue
        establishments[finess] = stix2.Identity(
            name=name or f"FINESS {finess}", identity_class="organization", sectors=["healthcare"],
            description=f"Health establishment, FINESS {finess}", **created)
    objects.extend(establishments.values())

    # YARA rules: one indicator per rule, over the hashes of the files it matched
    rule_files: dict[tuple[str, str], set[str]] = defaultdict(set)
    rule_meta: dict[tuple[str, str], dict[str, Any]] = {}
    for f in source.findings():
        if f["detector"] != "yara" or not f.get("sha256") or f.get("severity") == "info":
            continue  # "info" rules say what a file is (an HL7 message, a DICOM file), not that it leaked data
        key = (f["namespace"] or "", f["rule"] or "")
        rule_files[key].add(f["sha256"])
        if key not in rule_meta:
            try:
                rule_meta[key] = json.loads(f["meta"] or "{}")
            except ValueError:
                rule_meta[key] = {}
    for (namespace, rule), hashes in sorted(rule_files.items()):
        meta = rule_meta.get((namespace, rule), {})
        desc = str(meta.get("description") or f"YARA rule {rule}")
        objects.append(stix2.Indicator(
            name=f"YARA {namespace}:{rule}" if namespace else f"YARA {rule}", pattern_type="stix",
            pattern=_pattern(sorted(hashes)), valid_from=now, indicator_types=["anomalous-activity"],
            description=f"{desc}. Matched {len(hashes)} file(s) of the case.", labels=["yara", rule], **created))

    # beacons: an indicator per beacon, its sighting in the files where it was found
    hits: dict[tuple[str, str | None, str | None, str | None], set[str]] = defaultdict(set)
    for b in model.beacons:
        hits[(b.beacon_id, b.kind, b.establishment, b.recipient)].add(b.item or "")
    for w in model.watermarks:
        if w.p_value is not None and w.p_value < 1e-6 or (w.log10_p is not None and w.log10_p < -6):
            hits[(f"watermark-{w.establishment}-{w.recipient or ''}", "watermark", w.establishment,
                  w.recipient)].add(w.item or "")
    scan = source.scan_times
    first_seen = _stamp(scan.get("started_utc")) or now
    last_seen = _stamp(scan.get("finished_utc")) or now
    for (beacon_id, kind, finess, recipient), items in sorted(hits.items(), key=lambda kv: kv[0][0]):
        seen = [files[v] for v in sorted(items) if v in files]
        hashes = sorted({by_hash[v] for v in items if v in by_hash})
        if not seen or not hashes:
            continue
        est = establishments.get(finess or "")
        label = model.est_label(finess) or "an unregistered establishment"
        to = f" for {recipient}" if recipient else ""
        ind = stix2.Indicator(
            name=f"Beacon {beacon_id}", pattern_type="stix", pattern=_pattern(hashes), valid_from=now,
            indicator_types=["attribution"], labels=["beacon", kind or "beacon"],
            description=f"{kind or 'beacon'} {beacon_id} planted by {label}{to}: found in {len(seen)} file(s).",
            **created)
        observed = stix2.ObservedData(first_observed=first_seen, last_observed=last_seen, number_observed=len(seen),
                                      object_refs=[f.id for f in seen], **created)
        sighting = stix2.Sighting(sighting_of_ref=ind.id, observed_data_refs=[observed.id],
                                  where_sighted_refs=[analyst.id], count=len(seen), first_seen=first_seen,
                                  last_seen=last_seen, description=f"{beacon_id} of {label}", **created)
        objects.extend([ind, observed, sighting])
        if est is not None:
            objects.append(stix2.Relationship(ind, "related-to", est, description="the beacon proves this origin",
                                              **created))

    s = model.summary
    parts = [f"Leak of health data examined in case {source.case_name}: {s.evidence} evidence, {s.items} items, "
             f"{s.records} records of {s.patients} patients, {s.findings} findings, {s.errors} item errors."]
    for e in model.establishments:
        parts.append(f"{e.label}: {e.records} records of {e.patients} patients, strongest basis {e.strongest_basis}.")
    if model.unattributed.records:
        parts.append(f"Unattributed: {model.unattributed.records} records.")
    if total_files > len(files):
        parts.append(f"The bundle lists the first {len(files)} of {total_files} files.")
    report = stix2.Report(name=f"Health-data leak, case {source.case_name}", published=now,
                          report_types=["threat-report"], description=" ".join(parts),
                          object_refs=[o.id for o in objects], **created)
    return stix2.Bundle(objects=[report, *objects], allow_custom=False)


def write(source: ExportSource, out: Path) -> list[Path]:
    bundle = build_bundle(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    part.write_text(bundle.serialize(pretty=True), encoding="utf-8")
    part.replace(out)
    return [out]
