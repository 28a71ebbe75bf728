"""An e-mail from a laboratory to the prescribing doctor with the report attached (RFC 5322 / MIME)."""

from __future__ import annotations

import hashlib
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from io import BytesIO
from typing import BinaryIO

from workbench.synth.formats._common import IdSink, fr_date, hex_without_digit_runs, sink_or_noop, spaced_nir
from workbench.synth.formats.pdf import write_lab_report
from workbench.synth.people import PatientRecord, ascii_slug


def sender_address(record: PatientRecord) -> str:
    return f"resultats@{ascii_slug(record.establishment.short)}.fr"


def attachment_name(record: PatientRecord) -> str:
    return f"CR_{ascii_slug(record.patient.family_name)}_{record.patient.ipp}.pdf"


def body_text(record: PatientRecord) -> str:
    p = record.patient
    d = record.prescriber
    doctor = f"Dr {d.family_name.upper()}" if d else "Docteur"
    return (f"Bonjour {doctor},\n\n"
            f"Veuillez trouver ci-joint le compte rendu d'analyses de votre patient(e) :\n"
            f"{p.family_name.upper()} {p.given_name}, né(e) le {fr_date(p.birth_date)}\n"
            f"NIR : {spaced_nir(p.nir)}\n"
            f"IPP : {p.ipp}\n\n"
            "Bien cordialement,\n"
            f"Le secrétariat - {record.establishment.name}\n")


def write_eml(record: PatientRecord, fh: BinaryIO, *, attachment_pdf: bool = True, sink: IdSink | None = None,
              pdf_sink: IdSink | None = None) -> str | None:
    """Write the message; returns the attachment's file name (None without attachment).

    `sink` gets the identifiers of the message itself (headers, body); `pdf_sink` those of the attached
    PDF's text layer (the attachment is a child item of the message)."""
    emit = sink_or_noop(sink)
    p = record.patient
    msg = EmailMessage()
    sender = sender_address(record)
    msg["From"] = Address(display_name=record.establishment.name, addr_spec=sender)
    emit("email", sender)
    if record.prescriber:
        d = record.prescriber
        msg["To"] = Address(display_name=f"Dr {d.given_name} {d.family_name}", addr_spec=d.email)
        emit("email", record.prescriber.email)
    else:
        msg["To"] = sender
    msg["Subject"] = f"Résultats d'analyses - {p.family_name.upper()} {p.given_name}"
    when = record.results[0].when if record.results else record.stays[0].admit
    msg["Date"] = format_datetime(when)
    digest = hex_without_digit_runs(hashlib.sha256(f"{p.nir}|{p.ipp}|{when.isoformat()}".encode()).hexdigest())
    msg_id = f"{when:%Y%m%d%H%M%S}.{digest[:16]}@{sender.split('@')[1]}"
    msg["Message-ID"] = f"<{msg_id}>"
    emit("email", msg_id)  # a Message-ID has the shape of an address: an e-mail detector finds it too
    msg.set_content(body_text(record), charset="utf-8", cte="quoted-printable")
    emit("nir", p.nir)
    name = None
    if attachment_pdf:
        pdf = BytesIO()
        write_lab_report(record, pdf, sink=pdf_sink)
        name = attachment_name(record)
        msg.add_attachment(pdf.getvalue(), maintype="application", subtype="pdf", filename=name)
    msg.set_boundary(f"==============={digest[16:40]}==")  # deterministic (the default is random)
    fh.write(msg.as_bytes(policy=SMTP))
    return name
