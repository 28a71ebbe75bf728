"""DICOM records: one per file (locator ``file``), from the header only (pydicom, stop before the pixels).

``dicom_uid`` is the full StudyInstanceUID (attribution matches registered UID roots as its prefixes);
``ipp`` is PatientID and ``src.IssuerOfPatientID`` its assigning authority; the NIR is taken from
OtherPatientIDsSequence items issued by ``1.2.250.1.213.1.4.8``/``.9`` or from any patient ID that is a valid
NIR. Every record has the ``health-imaging`` category.

pydicom is imported when a DICOM item is parsed, not when the module is: it took 0.6 s of every scan worker's
start (``python -X importtime``), in scans of CSV and SQL dumps that hold no DICOM file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from workbench.engine.records import checks
from workbench.engine.records.errors import RecordsError
from workbench.engine.records.frame import rows_frame
from workbench.engine.records.hl7 import INS_OIDS

TAGS = [
    "PatientName", "PatientID", "IssuerOfPatientID", "OtherPatientIDs", "OtherPatientIDsSequence",
    "PatientBirthDate", "PatientSex", "PatientBirthName", "PatientAddress", "PatientTelephoneNumbers",
    "InstitutionName", "InstitutionAddress", "StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate",
    "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "Modality", "AccessionNumber",
    "StudyDescription", "ReferringPhysicianName", "StationName",
]
_SRC = ["PatientID", "IssuerOfPatientID", "OtherPatientIDs", "PatientName", "PatientBirthDate", "PatientSex",
        "InstitutionName", "StudyDate", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "Modality",
        "AccessionNumber", "StudyDescription", "StationName"]


def _text(dataset: Any, keyword: str) -> str | None:
    value = dataset.get(keyword)
    if value is None:
        return None
    from pydicom.multival import MultiValue

    if isinstance(value, MultiValue):
        return "\\".join(str(v) for v in value) or None
    text = str(value).strip()
    return text or None


def _read(blob: Any) -> Any:
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.filebase import DicomFileLike

    with blob.open() as raw:
        fh = DicomFileLike(raw)  # gives pydicom the ``name`` it wants from a file object
        try:
            return pydicom.dcmread(fh, stop_before_pixels=True, specific_tags=TAGS)
        except InvalidDicomError:
            fh.seek(0)
            try:  # a bare dataset without the 128-byte preamble and DICM prefix
                return pydicom.dcmread(fh, stop_before_pixels=True, specific_tags=TAGS, force=True)
            except Exception as exc:
                raise RecordsError(f"not a readable DICOM file: {exc}") from exc
        except Exception as exc:  # pydicom raises many types on corrupt data (struct, EOF, value errors)
            raise RecordsError(f"corrupt DICOM header: {exc}") from exc


def dicom_record(dataset: Any) -> dict[str, object]:
    """The record of one DICOM dataset (common fields and ``src.*`` values)."""
    record: dict[str, object] = {"locator": "file", "table": None, "flags": {"health-imaging"}}
    name = dataset.get("PatientName")
    if name is not None:
        record["family_name"] = checks.norm_text(name.family_name)
        record["given_name"] = checks.norm_text(name.given_name)
    birth_name = dataset.get("PatientBirthName")
    if birth_name is not None:
        record["birth_name"] = checks.norm_text(birth_name.family_name)
    record["ipp"] = checks.norm_text(_text(dataset, "PatientID"))
    record["birth_date"] = checks.norm_date(_text(dataset, "PatientBirthDate"))
    record["sex"] = checks.norm_sex(_text(dataset, "PatientSex"))
    record["address"] = checks.norm_text(_text(dataset, "PatientAddress"))
    phones = _text(dataset, "PatientTelephoneNumbers")
    record["phone"] = checks.norm_phone(phones.split("\\")[0]) if phones else None
    record["facility_name"] = checks.norm_text(_text(dataset, "InstitutionName"))
    record["facility_code"] = checks.norm_text(_text(dataset, "IssuerOfPatientID"))
    record["dicom_uid"] = _text(dataset, "StudyInstanceUID")
    record["nir"] = _nir(dataset)
    record["event_dates"] = [d for d in (_text(dataset, k) for k in ("StudyDate", "SeriesDate",
                                                                   "AcquisitionDate", "ContentDate")) if d]
    for keyword in _SRC:
        value = _text(dataset, keyword)
        if value:
            record["src." + keyword] = value
    return record


def _nir(dataset: Any) -> str | None:
    for item in dataset.get("OtherPatientIDsSequence", None) or []:
        issuer = str(item.get("IssuerOfPatientID", "") or "")
        value = str(item.get("PatientID", "") or "")
        if value and (issuer in INS_OIDS or checks.is_valid_nir(value)):
            return checks.norm_nir(value)
    candidates = [_text(dataset, "PatientID")] + (_text(dataset, "OtherPatientIDs") or "").split("\\")
    for candidate in candidates:
        if candidate and checks.is_valid_nir(candidate):
            return checks.norm_nir(candidate)
    return None


def _has_elements(blob: Any) -> bool:
    """Whether the data set holds any element at all (its whole header read, pixels excluded)."""
    import pydicom
    from pydicom.filebase import DicomFileLike

    with blob.open() as raw:
        try:
            return len(pydicom.dcmread(DicomFileLike(raw), stop_before_pixels=True, force=True)) > 0
        except Exception:  # pydicom raises many types on corrupt data
            return False


def parse_dicom(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    """One record per data set; none for a minimal data set without patient or study attributes (a secondary
    capture, a pixel module alone, a C-STORE dump of a few tags): those are items with 0 records, not errors.
    A data set with no element at all (a Part 10 file cut inside its meta) is an error."""
    dataset = _read(blob)
    if not any(k in dataset for k in ("PatientID", "PatientName", "StudyInstanceUID", "SOPInstanceUID")):
        if _has_elements(blob):
            return
        raise RecordsError("DICOM file without any data element (truncated or not DICOM)")
    try:
        record = dicom_record(dataset)
    except Exception as exc:  # a value pydicom could read but not convert (bad PN, bad charset...)
        raise RecordsError(f"unreadable DICOM patient/study attributes: {exc}") from exc
    yield rows_frame([record], vpath)
