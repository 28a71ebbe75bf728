"""The demo: a signed registry for the Breton consortium, a realistic leak carrying its beacons, a scan and a report.

Used by ``balise demo`` and by the window's "Open the demo". Qt-free. Everything is written under one folder:

    OUT/registry/consortium.registry.json (+ .key)   the signed registry of the consortium (demo FINESS numbers)
    OUT/leak/                                       the evidence: leak.zip and a watermarked partner export
    OUT/leak.truth.json                              what was planted where (for tests and the curious)
    OUT/case/                                        the case: case.sqlite, custody log
    OUT/report.json, OUT/report.pdf, OUT/records.csv
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from workbench.synth.establishments import (
    DEMO_ESTABLISHMENTS,
    UNREGISTERED_ESTABLISHMENT,
    EstablishmentProfile,
)
from workbench.synth.people import PatientRecord

AUTHORITY = "GCS e-Santé Bretagne (démo)"
LEAKED = DEMO_ESTABLISHMENTS[:3]  # CHU de Rennes, CHU de Brest, Laboratoires Biorance
RECIPIENTS = {  # who each establishment exports to (the canaries planted are those of one copy)
    LEAKED[0].finess: "URC CHU Rennes (recherche)",
    LEAKED[1].finess: None,
    LEAKED[2].finess: "Cabinet de cardiologie Vannes",
}
WATERMARKED = (LEAKED[2], "Registre des cancers de Bretagne")  # a partner export with no canary row
CANARIES_PER_ESTABLISHMENT = 6


@dataclass
class DemoResult:
    out: Path
    registry: Path
    evidence: Path
    case: Path
    truth: Path
    report_json: Path
    report_pdf: Path | None
    records_csv: Path
    planted: dict[str, list[str]] = field(default_factory=dict)  # FINESS -> beacon ids planted in the leak


def build_registry(folder: Path) -> Path:
    """The consortium's registry: every demo establishment with what identifies it in data."""
    from workbench.beacons.registry import Registry

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "consortium.registry.json"
    registry = Registry.init(path, AUTHORITY)
    for est in DEMO_ESTABLISHMENTS:
        recipients = [r for r in (RECIPIENTS.get(est.finess), WATERMARKED[1] if est is WATERMARKED[0] else None) if r]
        registry.add_establishment(est.finess, est.name, group=est.group, city=est.city,
                                   dicom_uid_roots=[est.dicom_uid_root], hl7_facility_codes=[est.hl7_facility],
                                   ipp_patterns=[est.ipp_pattern], nda_patterns=[est.nda_pattern],
                                   name_variants=[est.institution_name, *est.name_variants], recipients=recipients)
    registry.save(Path(str(path) + ".key"))
    return path


def _planter(canaries: dict[str, list[PatientRecord]], seed: int) -> Callable:
    """Slip each leaked establishment's canaries among the records of every file its systems wrote."""
    rng = random.Random(seed)
    turns = {finess: itertools.cycle(records) for finess, records in canaries.items()}

    def plant(est: EstablishmentProfile, fmt: str, records: Iterator[PatientRecord]) -> Iterable[PatientRecord]:
        mine = canaries.get(est.finess)
        if not mine:
            yield from records
            return
        # Two canaries per file, in turn, so that every canary of the establishment is planted somewhere.
        chosen = [next(turns[est.finess]) for _ in range(min(2, len(mine)))]
        slots = {rng.randint(0, 40): c for c in chosen}
        for i, rec in enumerate(records):
            if i in slots:
                yield slots.pop(i)
            yield rec
        yield from slots.values()

    return plant


def run_demo(out: Path, *, size_bytes: int = 12 * 2**20, seed: int = 2026, jobs: int | None = None,
             progress=None, cancel=None, pdf: bool = True) -> DemoResult:
    from workbench.beacons.canaries import mint
    from workbench.beacons.registry import Registry
    from workbench.beacons.tabular_mark import embed_file
    from workbench.engine.pipeline import run_scan
    from workbench.engine.store.metadata import CaseStore
    from workbench.report.exports import write_reports
    from workbench.synth.dump import build_dump
    from workbench.synth.formats.csv_export import write_csv
    from workbench.synth.people import PeopleFactory

    out = Path(out)
    for sub in ("registry", "leak", "case"):
        shutil.rmtree(out / sub, ignore_errors=True)
    for name in ("leak.truth.json", "report.json", "report.pdf", "records.csv"):
        (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)

    registry_path = build_registry(out / "registry")
    key_path = Path(str(registry_path) + ".key")
    registry = Registry.load(registry_path)
    canaries: dict[str, list[PatientRecord]] = {}
    planted: dict[str, list[str]] = {}
    for i, est in enumerate(LEAKED):
        minted = mint(registry, est.finess, recipient=RECIPIENTS[est.finess], count=CANARIES_PER_ESTABLISHMENT,
                      target_format="csv", seed=seed + i)
        canaries[est.finess] = [c.record for c in minted]
        planted[est.finess] = [c.beacon_id for c in minted]
    registry.save(key_path)
    if cancel is not None:  # the leak takes seconds to build: a cancel before it stops here, nothing scanned
        cancel.raise_if_cancelled()

    evidence = out / "leak"
    evidence.mkdir()
    truth = build_dump(evidence / "leak.zip", target_bytes=size_bytes, seed=seed,
                       establishments=[*LEAKED, UNREGISTERED_ESTABLISHMENT], layout="zip",
                       plant=_planter(canaries, seed))
    # A partner export of the lab, watermarked for its recipient, carrying no canary.
    est, recipient = WATERMARKED
    plain = out / "registry" / ".partner-export.csv"
    factory = PeopleFactory(seed + 99)
    with open(plain, "wb") as fh:
        write_csv((factory.record(est) for _ in range(1500)), fh, dialect="dpi")
    embed_file(plain, evidence / "extraction_registre_cancers.csv", registry.table_mark_key(est.finess, recipient))
    plain.unlink()
    registry.add_beacon("table-watermark", est.finess, recipient=recipient, target="csv")
    registry.save(key_path)
    truth_path = out / "leak.truth.json"
    truth_data = json.loads(truth.to_json())
    truth_data["planted_canaries"] = planted
    truth_data["watermarked"] = {"item": "leak/extraction_registre_cancers.csv", "establishment": est.finess,
                                 "recipient": recipient, "rows": 1500}
    truth_path.write_text(json.dumps(truth_data, ensure_ascii=False, indent=1), encoding="utf-8")

    case = out / "case"
    with CaseStore(case) as store:
        store.set_case_info({"case_number": "DEMO-2026-001", "title": "Fuite de données de santé (démonstration)",
                             "analyst": "Analyste CSIRT (démo)", "organisation": AUTHORITY})
    if cancel is not None:
        cancel.raise_if_cancelled()
    # The demo makes a new registry (a new key) each time: it trusts the key it has just made, explicitly.
    run_scan(case, [evidence], registry_path=registry_path, jobs=jobs, progress=progress, cancel=cancel,
             trusted_keys=[registry.key_id or ""])
    if cancel is not None:  # a cancelled scan leaves a partial case: no report is written from it
        cancel.raise_if_cancelled()
    report_pdf = out / "report.pdf" if pdf else None
    written = write_reports(case, json_path=out / "report.json", pdf_path=report_pdf, records_csv=out / "records.csv")
    return DemoResult(out, registry_path, evidence, case, truth_path, written["json"], written.get("pdf"),
                      written["records-csv"], planted)
