"""MISP event of a case (pymisp's ``MISPEvent``, built offline), to import into a CERT's MISP instance.

The event (``info`` naming the case, analysis completed, distribution "your organisation only": the receiving
analyst widens it) carries the sharing labels as tags (``tlp:...`` from the TLP 2.0 taxonomy, ``PAP:...``), one
``file`` object per hashed item (file name masked like the report's, size, SHA-256, plus MD5 and SHA-1 of the
evidence files; a comment with the item's kind, the YARA rules it matched and the beacons found in it), and one
``text`` attribute per attributed establishment with its figures (FINESS and counts, never a patient). The file
is the MISP JSON import format (``{"Event": {...}}``) that ``MISPEvent.load_file`` and MISP's "Import from
MISP JSON" read back. ``MAX_FILES`` bounds the objects (a MISP event is one document).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from pymisp import MISPEvent, MISPObject

from workbench.exports.source import ExportSource

MAX_FILES = 50_000


def build_event(source: ExportSource) -> MISPEvent:
    model = source.model
    event = MISPEvent()
    event.info = f"Health-data leak, case {source.case_name}"
    event.distribution = 0  # your organisation only
    event.threat_level_id = 1  # high: health data of identified persons
    event.analysis = 2  # completed
    event.set_date((model.generated_utc or "")[:10] or None)
    event.add_tag(f"tlp:{source.options.tlp}")
    event.add_tag(f"PAP:{source.options.pap.upper()}")
    event.add_tag("workbench:tool=\"balise\"")

    rules: dict[str, set[str]] = defaultdict(set)
    for f in source.findings():
        if f["detector"] == "yara" and f.get("rule"):
            rules[f["vpath"]].add(f["rule"])
    beacons: dict[str, set[str]] = defaultdict(set)
    for b in model.beacons:
        beacons[b.item or ""].add(b.beacon_id)

    n = 0
    for row in source.items():
        if not row.get("sha256") or row.get("entry_type") not in (None, "file") or n >= MAX_FILES:
            continue
        n += 1
        obj = MISPObject("file", standalone=False)
        obj.add_attribute("filename", value=source.label(row["vpath"].rsplit("/", 1)[-1].rsplit("!/", 1)[-1]),
                          to_ids=False)
        if row.get("size") is not None:
            obj.add_attribute("size-in-bytes", value=row["size"], to_ids=False)
        for key in ("sha256", "md5", "sha1"):
            if row.get(key):
                obj.add_attribute(key, value=row[key], to_ids=False)
        notes = [f"kind {row.get('kind') or '?'}", f"path {source.label(row['vpath'])}"]
        if rules.get(row["vpath"]):
            notes.append("YARA " + ", ".join(sorted(rules[row["vpath"]])))
        if beacons.get(row["vpath"]):
            notes.append("beacons " + ", ".join(sorted(beacons[row["vpath"]])))
        obj.comment = "; ".join(notes)
        event.add_object(obj)

    for e in model.establishments:
        recipients = ", ".join(r.recipient for r in e.recipients if r.recipient) or "none named"
        event.add_attribute("text", f"{e.label}: {e.records} records of {e.patients} patients; strongest basis "
                                    f"{e.strongest_basis}; recipients: {recipients}",
                            comment="attribution", to_ids=False)
    s = model.summary
    event.add_attribute("comment", f"{s.evidence} evidence, {s.items} items, {s.records} records of {s.patients} "
                                   f"patients, {s.findings} findings, {s.errors} item errors", to_ids=False)
    return event


def write(source: ExportSource, out: Path) -> list[Path]:
    event = build_event(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    part.write_text(json.dumps({"Event": json.loads(event.to_json())}, indent=2, ensure_ascii=False),
                    encoding="utf-8")
    part.replace(out)
    return [out]
