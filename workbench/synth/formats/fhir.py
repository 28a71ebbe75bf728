"""FHIR R4 JSON: a Bundle (collection) or NDJSON, with the French identifier systems (FR Core).

Patient.identifier: INS-NIR (urn:oid:1.2.250.1.213.1.4.8) and the IPP under the establishment's OID root;
Organization.identifier: FINESS (urn:oid:1.2.250.1.71.4.2.2); practitioners by RPPS (urn:oid:1.2.250.1.71.4.2.1).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from workbench.synth.establishments import EstablishmentProfile
from workbench.synth.formats._common import IdSink, hex_without_digit_runs, sink_or_noop
from workbench.synth.people import PatientRecord

NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
FINESS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
RPPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
LOINC = "http://loinc.org"
CIM10 = "http://hl7.org/fhir/sid/icd-10"
ENTRY_BASE = "urn:uuid:"


def _uuid(*parts: str) -> str:
    h = hex_without_digit_runs(hashlib.sha256("|".join(parts).encode()).hexdigest())
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def organization(est: EstablishmentProfile, emit: IdSink) -> dict[str, Any]:
    emit("finess", est.finess)
    return {"resourceType": "Organization", "id": f"org-{est.finess}",
            "identifier": [{"use": "official", "system": FINESS_SYSTEM, "value": est.finess,
                            "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                                                 "code": "FINEG"}]}}],
            "name": est.name, "address": [{"city": est.city}]}


def resources(rec: PatientRecord, emit: IdSink) -> Iterator[dict[str, Any]]:
    """Patient, then an Encounter per stay, then an Observation per result."""
    p = rec.patient
    est = rec.establishment
    pid = _uuid(est.finess, p.ipp)
    names = [{"use": "usual", "family": p.family_name, "given": [p.given_name]}]
    if p.birth_name != p.family_name:
        names.append({"use": "official", "family": p.birth_name, "given": [p.given_name]})
    telecom = []
    if p.phone:
        telecom.append({"system": "phone", "value": p.phone, "use": "mobile" if p.phone[:2] in ("06", "07") else "home"})
        emit("phone", p.phone)
    if p.email:
        telecom.append({"system": "email", "value": p.email})
        emit("email", p.email)
    emit("nir", p.nir)
    emit("finess", est.finess)  # managingOrganization
    patient: dict[str, Any] = {
        "resourceType": "Patient", "id": pid,
        "identifier": [
            {"use": "official", "system": NIR_SYSTEM, "value": p.nir,
             "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                                  "code": "INS-NIR"}]}},
            {"use": "usual", "system": f"urn:oid:{est.dicom_uid_root}", "value": p.ipp,
             "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PI"}]}},
        ],
        "name": names, "gender": "male" if p.sex == "M" else "female", "birthDate": p.birth_date.isoformat(),
        "address": [{"use": "home", "line": [p.address], "postalCode": p.postcode, "city": p.city, "country": "FRA"}],
        "managingOrganization": {"reference": f"Organization/org-{est.finess}",
                                 "identifier": {"system": FINESS_SYSTEM, "value": est.finess}},
    }
    if telecom:
        patient["telecom"] = telecom
    yield patient
    for s in rec.stays:
        enc: dict[str, Any] = {
            "resourceType": "Encounter", "id": _uuid(est.finess, s.nda), "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                      "code": "IMP" if est.kind in ("chu", "ght", "clinic", "ehpad") else "AMB"},
            "identifier": [{"system": f"urn:oid:{est.dicom_uid_root}.2", "value": s.nda}],
            "subject": {"reference": f"Patient/{pid}"},
            "period": {"start": s.admit.isoformat(), "end": s.discharge.isoformat()},
            "reasonCode": [{"coding": [{"system": CIM10, "code": s.diagnosis_code, "display": s.diagnosis_label}]}],
            "serviceProvider": {"reference": f"Organization/org-{s.finess}"},
        }
        emit("finess", s.finess)
        if s.doctor:
            enc["participant"] = [{"individual": {"identifier": {"system": RPPS_SYSTEM, "value": s.doctor.rpps},
                                                  "display": f"Dr {s.doctor.given_name} {s.doctor.family_name}"}}]
            emit("rpps", s.doctor.rpps)
        yield enc
    for i, r in enumerate(rec.results):
        yield {
            "resourceType": "Observation", "id": _uuid(pid, r.code, r.when.isoformat(), str(i)), "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": r.code, "display": r.label}]},
            "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": r.when.isoformat(),
            "valueQuantity": {"value": float(r.value), "unit": r.unit, "system": "http://unitsofmeasure.org"},
            "referenceRange": [{"low": {"value": float(r.ref_low), "unit": r.unit},
                                "high": {"value": float(r.ref_high), "unit": r.unit}}],
            "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                                            "code": r.flag}]}],
        }


def write_bundle(records: Iterable[PatientRecord], fh: BinaryIO, *, sink: IdSink | None = None) -> int:
    """A Bundle of type collection, streamed entry by entry; returns the number of person resources
    (Patient, Encounter, Observation). The Organizations of the establishments come first."""
    emit = sink_or_noop(sink)
    fh.write(b'{"resourceType":"Bundle","type":"collection","entry":[')
    first = True
    n = 0
    orgs: set[str] = set()
    for rec in records:
        batch = []
        if rec.establishment.finess not in orgs:
            orgs.add(rec.establishment.finess)
            batch.append(organization(rec.establishment, emit))
        for res in resources(rec, emit):
            n += 1
            batch.append(res)
        for res in batch:
            entry = {"fullUrl": f"{ENTRY_BASE}{res['id']}", "resource": res}
            fh.write((b"" if first else b",\n") + json.dumps(entry, ensure_ascii=False).encode())
            first = False
    fh.write(b"]}\n")
    return n


def write_ndjson(records: Iterable[PatientRecord], fh: BinaryIO, *, sink: IdSink | None = None) -> int:
    """One resource per line (bulk-data style); returns the number of lines."""
    emit = sink_or_noop(sink)
    n = 0
    for rec in records:
        for res in resources(rec, emit):
            fh.write(json.dumps(res, ensure_ascii=False).encode() + b"\n")
            n += 1
    return n
