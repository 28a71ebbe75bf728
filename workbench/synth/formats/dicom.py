"""DICOM studies made with pydicom: Part 10 files (preamble, file meta), patient and institution tags as the
establishment's PACS writes them, UIDs under its root, and a small synthetic phantom as pixel data."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian

from workbench.synth.formats._common import IdSink, sink_or_noop
from workbench.synth.people import PatientRecord

SOP_CLASSES = {
    "CT": "1.2.840.10008.5.1.4.1.1.2",
    "MR": "1.2.840.10008.5.1.4.1.1.4",
    "CR": "1.2.840.10008.5.1.4.1.1.1",
    "OT": "1.2.840.10008.5.1.4.1.1.7",  # secondary capture
}
NIR_ISSUER = "ASIP-SANTE-INS-NIR"


def phantom(rng: np.random.Generator, rows: int, cols: int, bits: int) -> np.ndarray:
    """A smooth head-like phantom (nested ellipses, soft gradient) plus Gaussian noise."""
    y, x = np.mgrid[-1:1:complex(0, rows), -1:1:complex(0, cols)]
    top = (1 << bits) - 1
    img = 0.05 * top * (1 + y)
    for cx, cy, ax, ay, level in ((0, 0, 0.8, 0.9, 0.55), (0, 0, 0.72, 0.82, 0.35), (-0.25, 0.1, 0.15, 0.25, 0.5),
                                  (0.25, 0.1, 0.15, 0.25, 0.5), (0, -0.45, 0.1, 0.08, 0.8)):
        cx += rng.uniform(-0.03, 0.03)
        inside = ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2 <= 1
        img[inside] = level * top
    img += rng.normal(0, 0.02 * top, size=img.shape)
    return np.clip(img, 0, top).astype(np.uint16 if bits > 8 else np.uint8)


def _uid_part(*parts: str) -> str:
    """A short numeric UID component (at most 6 digits, no leading zero) derived from `parts`."""
    return str(int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16) % 900000 + 100000)


def write_study(record: PatientRecord, out: Path | Callable[[str, bytes], None] | None = None, *,
                modality: str = "CT", images: int = 2, rows: int = 64, cols: int = 64, bits: int = 12,
                sink: IdSink | None = None) -> list[bytes]:
    """One study (one series of `images` images) for the record's first stay; returns each file's bytes.

    `out`: a folder to write IM00001.dcm... into, or a callback `(name, data)`, or None (bytes only).
    UID components are kept short (a 14-digit timestamp, 6-digit parts) so no UID reads as a FINESS/NIR.
    """
    if modality not in SOP_CLASSES:
        raise ValueError(f"unsupported modality {modality!r}")
    if bits not in (8, 12, 16):
        raise ValueError("bits must be 8, 12 or 16")
    emit = sink_or_noop(sink)
    p = record.patient
    est = record.establishment
    stay = record.stays[0] if record.stays else None
    when = stay.admit if stay else record.results[0].when if record.results else None
    if when is None:
        raise ValueError("the record has neither a stay nor a result to date the study")
    ts = when.strftime("%Y%m%d%H%M%S")
    study_uid = f"{est.dicom_uid_root}.1.{ts}.{_uid_part(p.nir, p.ipp, ts)}"
    series_uid = f"{study_uid}.1"
    rng = np.random.default_rng(int(hashlib.sha256(study_uid.encode()).hexdigest()[:16], 16))
    files: list[bytes] = []
    for i in range(1, images + 1):
        sop_uid = f"{series_uid}.{i}"
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = SOP_CLASSES[modality]
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        ds = Dataset()
        ds.file_meta = meta
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.SOPClassUID = SOP_CLASSES[modality]
        ds.SOPInstanceUID = sop_uid
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = when.strftime("%Y%m%d")
        ds.StudyTime = ds.SeriesTime = ds.ContentTime = when.strftime("%H%M%S")
        ds.AccessionNumber = stay.nda[:16] if stay else ""
        ds.Modality = modality
        ds.Manufacturer = "SYNTH"
        ds.InstitutionName = est.institution_name
        ds.InstitutionAddress = est.city
        ds.ReferringPhysicianName = (f"{record.prescriber.family_name.upper()}^{record.prescriber.given_name}"
                                     if record.prescriber else "")
        ds.StationName = f"{est.hl7_facility[:10]}{modality}1"
        ds.StudyDescription = f"{modality} {stay.unit if stay else 'Examen'}"[:64]
        ds.PatientName = f"{p.family_name.upper()}^{p.given_name}"
        ds.PatientID = p.ipp
        ds.IssuerOfPatientID = est.hl7_facility
        other = Dataset()
        other.PatientID = p.nir
        other.IssuerOfPatientID = NIR_ISSUER
        other.TypeOfPatientID = "TEXT"
        ds.OtherPatientIDsSequence = Sequence([other])
        ds.PatientBirthDate = p.birth_date.strftime("%Y%m%d")
        ds.PatientSex = p.sex
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.StudyID = "1"
        ds.SeriesNumber = 1
        ds.InstanceNumber = i
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = rows, cols
        ds.BitsAllocated = 8 if bits == 8 else 16
        ds.BitsStored = bits
        ds.HighBit = bits - 1
        ds.PixelRepresentation = 0
        ds.PixelData = phantom(rng, rows, cols, bits).tobytes()
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=True)
        data = buf.getvalue()
        files.append(data)
        emit("nir", p.nir)
        name = f"IM{i:05d}.dcm"
        if isinstance(out, Path):
            (out / name).write_bytes(data)
        elif out is not None:
            out(name, data)
    return files
