"""XLSX exports made with openpyxl (write-only, streamed): sheet "Export", identifiers as text cells."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook

from workbench.synth.formats._common import IdSink, sink_or_noop
from workbench.synth.people import PatientRecord

HEADERS = ("Nom", "Prénom", "Date de naissance", "Sexe", "NIR", "IPP", "Adresse", "Code postal", "Ville",
           "Téléphone", "Email", "FINESS", "NDA", "Entrée", "Sortie", "Service", "Diagnostic")


def write_xlsx(records: Iterable[PatientRecord], fh_or_path: BinaryIO | Path | str, *,
               sink: IdSink | None = None) -> int:
    """One row per stay; dates as real date cells, every identifier as a string. Returns data rows."""
    emit = sink_or_noop(sink)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Export")
    ws.append(list(HEADERS))
    rows = 0
    for rec in records:
        p = rec.patient
        for s in rec.stays or [None]:
            finess = s.finess if s else rec.establishment.finess
            ws.append([p.family_name.upper(), p.given_name, p.birth_date, p.sex, p.nir, p.ipp, p.address, p.postcode,
                       p.city, p.phone or "", p.email or "", finess, s.nda if s else "", s.admit if s else None,
                       s.discharge if s else None, s.unit if s else "", s.diagnosis_code if s else ""])
            rows += 1
            emit("finess", finess)
        emit("nir", p.nir)
        if p.phone:
            emit("phone", p.phone)
        if p.email:
            emit("email", p.email)
    wb.save(fh_or_path)
    return rows
