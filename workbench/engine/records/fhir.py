"""FHIR records (R4 JSON): one record per Patient, with the events and categories of its linked resources.

Encounter (``administrative``, period, first identifier as ``nda``, serviceProvider), Observation and
DiagnosticReport (``health-result``; ``health-imaging`` for imaging categories), Condition
(``health-diagnosis``), ImagingStudy (``health-imaging``, its DICOM study UID) are linked to their Patient by
``subject``/``patient`` reference (``Patient/id``, the entry's ``fullUrl``, or an absolute URL ending so).
Resources whose Patient is not in the item are grouped into one record per referenced subject.

Locators: ``entry:N`` (N = 1-based index of the entry in ``Bundle.entry``; for a subject group, the first
entry referring to it), ``line:N`` for NDJSON (same rule), ``file`` for a single non-Bundle resource.
Identifiers: ``urn:oid:1.2.250.1.213.1.4.8`` (NIR as INS) / ``.9`` (NIA) give ``nir``; an identifier typed
``PI``/``MR`` (or the first other one) gives ``ipp``, with its system in ``src.ipp_system``. HumanName: ``usual``
is the used name, ``official``/``maiden`` the birth name (FR Core).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.engine.records import checks
from workbench.engine.records.errors import RecordsError
from workbench.engine.records.frame import rows_frame

MAX_JSON_BYTES = 1 << 30  # a Bundle is parsed whole: refuse bigger ones rather than exhaust memory
MAX_LINE_CHARS = 64 * 2**20
INS_SYSTEMS = {"urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.9", "urn:oid:1.2.250.1.213.1.4.10",
               "urn:oid:1.2.250.1.213.1.4.11", "http://interopsante.org/fhir/sid/ins-nir"}
FINESS_SYSTEMS = {"urn:oid:1.2.250.1.71.4.2.2", "http://finess.sante.gouv.fr"}


@dataclass
class _Links:
    """What a patient's other resources add to its record."""

    locator: str
    subject: str
    dates: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    nda: str | None = None
    facility_name: str | None = None
    facility_finess: str | None = None
    dicom_uid: str | None = None

    def add(self, resource: dict[str, Any]) -> None:
        kind = resource.get("resourceType")
        if kind == "Encounter":
            self.flags.add("administrative")
            period = resource.get("period") or {}
            self.dates += [period.get("start"), period.get("end")]
            if self.nda is None:
                self.nda = _first_identifier(resource)
            provider = resource.get("serviceProvider") or {}
            self.facility_name = self.facility_name or provider.get("display")
            self.facility_finess = self.facility_finess or _finess(provider)
        elif kind in ("Observation", "DiagnosticReport"):
            self.flags.add("health-imaging" if _is_imaging(resource) else "health-result")
            period = resource.get("effectivePeriod") or {}
            self.dates += [resource.get("effectiveDateTime"), period.get("start"), resource.get("issued")]
        elif kind == "Condition":
            self.flags.add("health-diagnosis")
            self.dates += [resource.get("onsetDateTime"), resource.get("recordedDate")]
        elif kind == "ImagingStudy":
            self.flags.add("health-imaging")
            self.dates.append(resource.get("started"))
            for identifier in resource.get("identifier") or []:
                if identifier.get("system") == "urn:dicom:uid" and self.dicom_uid is None:
                    self.dicom_uid = str(identifier.get("value", "")).removeprefix("urn:oid:") or None
        known = [d for d in self.dates if isinstance(d, str) and d]
        self.dates = [min(known), max(known)] if known else []  # ISO strings: the extremes are enough


def _is_imaging(resource: dict[str, Any]) -> bool:
    categories = resource.get("category") or []
    if isinstance(categories, dict):
        categories = [categories]
    for category in categories:
        for coding in (category or {}).get("coding") or []:
            if str(coding.get("code", "")).lower() in ("imaging", "rad", "ri"):
                return True
    return False


def _first_identifier(resource: dict[str, Any]) -> str | None:
    for identifier in resource.get("identifier") or []:
        value = identifier.get("value")
        if value:
            return str(value)
    return None


def _finess(reference: dict[str, Any]) -> str | None:
    identifier = reference.get("identifier") or {}
    value = str(identifier.get("value") or "")
    if identifier.get("system") in FINESS_SYSTEMS or checks.is_valid_finess(value):
        return value or None
    return None


def _reference_keys(reference: str) -> list[str]:
    keys = [reference]
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 2:
        keys.append("/".join(parts[-2:]))
        if len(parts) >= 4 and parts[-2] == "_history":  # Patient/1/_history/2
            keys.append("/".join(parts[-4:-2]))
    return keys


def _subject(resource: dict[str, Any]) -> str | None:
    for key in ("subject", "patient"):
        ref = resource.get(key)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            return ref["reference"]
    return None


def _codes(identifier: dict[str, Any]) -> set[str]:
    return {str(c.get("code", "")).upper() for c in ((identifier.get("type") or {}).get("coding") or [])}


def patient_record(resource: dict[str, Any], locator: str) -> dict[str, object]:
    """Common fields and ``src.*`` values of one Patient resource."""
    record: dict[str, object] = {"locator": locator, "table": None, "src.resourceType": "Patient",
                                 "src.id": resource.get("id")}
    others = []
    for identifier in resource.get("identifier") or []:
        system, value = str(identifier.get("system") or ""), str(identifier.get("value") or "")
        if not value:
            continue
        others.append(f"{system}|{value}")
        if system in INS_SYSTEMS or _codes(identifier) & {"INS-NIR", "INS-NIA", "NH", "INS"}:
            record.setdefault("nir", checks.norm_nir(value))
        elif "ipp" not in record and (_codes(identifier) & {"PI", "MR"} or not _codes(identifier)):
            record["ipp"] = value
            record["src.ipp_system"] = system or None
    record["src.identifier"] = "; ".join(others) or None
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    by_use = {str(n.get("use") or ""): n for n in reversed(names)}
    used = by_use.get("usual") or by_use.get("official") or (names[0] if names else {})
    birth = by_use.get("maiden") or by_use.get("official")
    record["family_name"] = checks.norm_text(used.get("family"))
    given = used.get("given") or (birth or {}).get("given") or []
    record["given_name"] = checks.norm_text(given[0] if given else None)
    if birth is not None:
        record["birth_name"] = checks.norm_text(birth.get("family"))
    record["birth_date"] = checks.norm_date(resource.get("birthDate"))
    record["sex"] = checks.norm_sex(resource.get("gender"))
    for telecom in resource.get("telecom") or []:
        system, value = telecom.get("system"), telecom.get("value")
        if system == "phone" and value and not record.get("phone"):
            record["phone"] = checks.norm_phone(value)
        elif system == "email" and value and not record.get("email"):
            record["email"] = checks.norm_email(value)
    addresses = resource.get("address") or []
    if addresses and isinstance(addresses[0], dict):
        address = addresses[0]
        record["address"] = checks.norm_text(" ".join(str(x) for x in address.get("line") or []))
        record["postcode"] = checks.norm_postcode(address.get("postalCode"))
        record["city"] = checks.norm_text(address.get("city"))
    organisation = resource.get("managingOrganization") or {}
    record["facility_name"] = checks.norm_text(organisation.get("display"))
    record["facility_finess"] = _finess(organisation)
    return record


def _merge(record: dict[str, object], links: _Links | None) -> dict[str, object]:
    if links is None:
        return record
    record["event_dates"] = links.dates
    record["flags"] = links.flags
    record["nda"] = record.get("nda") or links.nda
    record["facility_name"] = record.get("facility_name") or links.facility_name
    record["facility_finess"] = record.get("facility_finess") or links.facility_finess
    record["dicom_uid"] = links.dicom_uid
    return record


def _orphan_record(links: _Links) -> dict[str, object]:
    return _merge({"locator": links.locator, "table": None, "src.subject": links.subject}, links)


class _Collector:
    """Links of non-Patient resources, by subject reference."""

    def __init__(self) -> None:
        self.links: dict[str, _Links] = {}

    def add(self, resource: dict[str, Any], locator: str) -> None:
        subject = _subject(resource)
        if subject is None or resource.get("resourceType") not in (
                "Encounter", "Observation", "DiagnosticReport", "Condition", "ImagingStudy"):
            return
        key = _reference_keys(subject)[-1]
        links = self.links.get(key)
        if links is None:
            links = self.links[key] = _Links(locator=locator, subject=subject)
        links.add(resource)

    def pop(self, keys: list[str]) -> _Links | None:
        """The links of a patient known by several keys (``Patient/id``, its fullUrl), merged."""
        found = [self.links.pop(key) for key in dict.fromkeys(keys) if key in self.links]
        if not found:
            return None
        merged = found[0]
        for other in found[1:]:
            known = [d for d in merged.dates + other.dates if d]
            merged.dates = [min(known), max(known)] if known else []
            merged.flags |= other.flags
            merged.nda = merged.nda or other.nda
            merged.facility_name = merged.facility_name or other.facility_name
            merged.facility_finess = merged.facility_finess or other.facility_finess
            merged.dicom_uid = merged.dicom_uid or other.dicom_uid
        return merged


def _patient_keys(resource: dict[str, Any], full_url: str | None) -> list[str]:
    keys = []
    if resource.get("id"):
        keys.append(f"Patient/{resource['id']}")
    if full_url:
        keys += _reference_keys(full_url)
    return keys


def _load_json(blob: Any) -> Any:
    if blob.size > MAX_JSON_BYTES:
        raise RecordsError(f"FHIR JSON of {blob.size} bytes: over the {MAX_JSON_BYTES}-byte limit")
    with blob.open() as fh:
        try:
            return json.load(io.TextIOWrapper(fh, encoding="utf-8-sig", errors="strict"))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise RecordsError(f"invalid FHIR JSON: {exc}") from exc


def parse_fhir_json(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    data = _load_json(blob)
    if not isinstance(data, dict) or "resourceType" not in data:
        raise RecordsError("not a FHIR resource: no resourceType at the top level")
    if data["resourceType"] != "Bundle":
        if data["resourceType"] == "Patient":
            yield rows_frame([patient_record(data, "file")], vpath)
        else:
            collector = _Collector()
            collector.add(data, "file")
            if collector.links:
                yield rows_frame([_orphan_record(v) for v in collector.links.values()], vpath)
        return
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise RecordsError("Bundle.entry is not a list")
    collector = _Collector()
    patients: list[tuple[int, dict[str, Any], str | None]] = []
    for number, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        if resource.get("resourceType") == "Patient":
            patients.append((number, resource, entry.get("fullUrl")))
        else:
            collector.add(resource, f"entry:{number}")
    records = [
        _merge(patient_record(resource, f"entry:{number}"), collector.pop(_patient_keys(resource, full_url)))
        for number, resource, full_url in patients
    ]
    records += [_orphan_record(links) for links in collector.links.values()]
    for start in range(0, len(records), batch_rows):
        yield rows_frame(records[start:start + batch_rows], vpath)


def _ndjson_lines(blob: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    with blob.open() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=None)
        number = 0
        while True:
            line = text.readline(MAX_LINE_CHARS)
            if not line:
                return
            number += 1
            if len(line) >= MAX_LINE_CHARS and not line.endswith("\n"):
                raise RecordsError(f"NDJSON line {number} longer than {MAX_LINE_CHARS} characters: refused")
            if not line.strip():
                continue
            try:
                resource = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise RecordsError(f"NDJSON line {number}: invalid JSON: {exc}") from exc
            if isinstance(resource, dict):
                yield number, resource


def parse_fhir_ndjson(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    # Pass 1: the links of the non-Patient resources (bounded by the number of subjects).
    collector = _Collector()
    for number, resource in _ndjson_lines(blob):
        if resource.get("resourceType") != "Patient":
            collector.add(resource, f"line:{number}")
    # Pass 2: the Patients, streamed in batches.
    batch: list[dict[str, object]] = []
    for number, resource in _ndjson_lines(blob):
        if resource.get("resourceType") != "Patient":
            continue
        batch.append(_merge(patient_record(resource, f"line:{number}"), collector.pop(_patient_keys(resource, None))))
        if len(batch) >= batch_rows:
            yield rows_frame(batch, vpath)
            batch = []
    batch += [_orphan_record(links) for links in collector.links.values()]
    for start in range(0, len(batch), batch_rows):
        yield rows_frame(batch[start:start + batch_rows], vpath)
