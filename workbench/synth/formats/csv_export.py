"""CSV exports as French hospital and lab software writes them: cp1252, ';', CRLF, dd/mm/yyyy dates."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import BinaryIO

from workbench.synth.formats._common import IdSink, fr_date, fr_datetime, fr_decimal, sink_or_noop, text_over
from workbench.synth.people import PatientRecord

DIALECT_HEADERS: dict[str, tuple[str, ...]] = {
    # Patient administrative file: one line per stay (the patient columns repeat).
    "dpi": ("NOM", "NOM_NAISSANCE", "PRENOM", "DATE_NAISSANCE", "SEXE", "NIR", "IPP", "ADRESSE", "CP", "VILLE",
            "TELEPHONE", "EMAIL", "FINESS", "NDA", "DATE_ENTREE", "DATE_SORTIE", "UF", "DIAG_PRINCIPAL",
            "LIBELLE_DIAG", "MEDECIN_RPPS", "IBAN"),
    # Laboratory results: one line per result.
    "lab": ("IPP", "NOM", "PRENOM", "DDN", "SEXE", "NIR", "NUM_DOSSIER", "DATE_PRELEVEMENT", "CODE_LOINC",
            "ANALYSE", "RESULTAT", "UNITE", "VAL_REF_BASSE", "VAL_REF_HAUTE", "FLAG", "PRESCRIPTEUR_RPPS",
            "FINESS_LABO"),
    # A data-warehouse extract with English headers: one line per patient, first stay only.
    "export_en": ("last_name", "first_name", "birth_date", "gender", "ssn", "patient_id", "street", "zip", "city",
                  "phone", "email", "facility_id", "encounter_id", "admission_date", "discharge_date",
                  "primary_diagnosis"),
}


def write_csv(records: Iterable[PatientRecord], fh: BinaryIO, *, encoding: str = "cp1252", delimiter: str = ";",
              dialect: str = "dpi", sink: IdSink | None = None) -> int:
    """Write `records` as CSV to the binary stream `fh`; returns the number of data rows."""
    if dialect not in DIALECT_HEADERS:
        raise ValueError(f"unknown CSV dialect {dialect!r}; known: {sorted(DIALECT_HEADERS)}")
    emit = sink_or_noop(sink)
    rows = 0
    with text_over(fh, encoding) as text:
        out = csv.writer(text, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        out.writerow(DIALECT_HEADERS[dialect])
        for rec in records:
            rows += _WRITERS[dialect](out, rec, emit)
    return rows


def _dpi(out, rec: PatientRecord, emit: IdSink) -> int:
    p = rec.patient
    head = [p.family_name.upper(), p.birth_name.upper(), p.given_name, fr_date(p.birth_date), p.sex, p.nir, p.ipp,
            p.address, p.postcode, p.city, p.phone or "", p.email or ""]
    stays = rec.stays or [None]
    for s in stays:
        finess = s.finess if s else rec.establishment.finess
        rpps = s.doctor.rpps if s and s.doctor else ""
        tail = [finess, s.nda, fr_datetime(s.admit), fr_datetime(s.discharge), s.unit, s.diagnosis_code,
                s.diagnosis_label, rpps] if s else [finess, "", "", "", "", "", "", ""]
        out.writerow(head + tail + [p.iban or ""])
        emit("finess", finess)
        if rpps:
            emit("rpps", rpps)
    emit("nir", p.nir)
    if p.phone:
        emit("phone", p.phone)
    if p.email:
        emit("email", p.email)
    if p.iban:
        emit("iban", p.iban)
    return len(stays)


def _lab(out, rec: PatientRecord, emit: IdSink) -> int:
    p = rec.patient
    if not rec.results:
        return 0
    folder = rec.stays[0].nda if rec.stays else ""
    rpps = rec.prescriber.rpps if rec.prescriber else ""
    finess = rec.establishment.finess
    for r in rec.results:
        out.writerow([p.ipp, p.family_name.upper(), p.given_name, fr_date(p.birth_date), p.sex, p.nir, folder,
                      fr_datetime(r.when), r.code, r.label, fr_decimal(r.value), r.unit, fr_decimal(r.ref_low),
                      fr_decimal(r.ref_high), r.flag, rpps, finess])
    emit("nir", p.nir)
    emit("finess", finess)
    if rpps:
        emit("rpps", rpps)
    return len(rec.results)


def _export_en(out, rec: PatientRecord, emit: IdSink) -> int:
    p = rec.patient
    s = rec.stays[0] if rec.stays else None
    finess = s.finess if s else rec.establishment.finess
    out.writerow([p.family_name, p.given_name, p.birth_date.isoformat(), p.sex, p.nir, p.ipp, p.address, p.postcode,
                  p.city, p.phone or "", p.email or "", finess, s.nda if s else "",
                  s.admit.isoformat(sep=" ") if s else "", s.discharge.isoformat(sep=" ") if s else "",
                  s.diagnosis_code if s else ""])
    emit("nir", p.nir)
    emit("finess", finess)
    if p.phone:
        emit("phone", p.phone)
    if p.email:
        emit("email", p.email)
    return 1


_WRITERS = {"dpi": _dpi, "lab": _lab, "export_en": _export_en}
