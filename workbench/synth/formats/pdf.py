"""Laboratory reports (comptes rendus de biologie médicale) as real PDFs made with reportlab.

Streams are compressed (the text is not visible in the raw bytes); `report_text_lines` gives the lines of the
text layer that carry identifiers, so a ground truth can say what a PDF text extractor should find.
"""

from __future__ import annotations

from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from workbench.synth.formats._common import IdSink, fr_date, fr_datetime, fr_decimal, sink_or_noop, spaced_nir
from workbench.synth.people import PatientRecord

FLAG_TEXT = {"H": "↑", "L": "↓", "N": ""}


def report_text_lines(record: PatientRecord) -> list[str]:
    """The identity lines printed on the report (what a text extractor finds, one line each)."""
    p = record.patient
    est = record.establishment
    lines = [
        est.name,
        f"FINESS {est.finess} - {est.city}",
        f"Patient : {p.family_name.upper()} {p.given_name} (née {p.birth_name.upper()})" if p.sex == "F"
        and p.birth_name != p.family_name else f"Patient : {p.family_name.upper()} {p.given_name}",
        f"Né(e) le {fr_date(p.birth_date)} - Sexe {p.sex}",
        f"N° de sécurité sociale (NIR) : {spaced_nir(p.nir)}",
        f"IPP : {p.ipp}",
    ]
    if record.prescriber:
        d = record.prescriber
        lines.append(f"Prescripteur : Dr {d.given_name} {d.family_name.upper()} - RPPS {d.rpps}")
    return lines


def write_lab_report(record: PatientRecord, fh: BinaryIO, *, sink: IdSink | None = None) -> None:
    """Write one compte rendu for the record's results (a report with no result says so)."""
    emit = sink_or_noop(sink)
    p = record.patient
    est = record.establishment
    styles = getSampleStyleSheet()
    normal, title = styles["Normal"], styles["Title"]
    doc = SimpleDocTemplate(fh, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title="Compte rendu de biologie médicale", author=est.name,
                            invariant=1, pageCompression=1)
    lines = report_text_lines(record)
    story = [Paragraph(f"<b>{escape(lines[0])}</b>", normal), Paragraph(escape(lines[1]), normal),
             Spacer(1, 4 * mm), Paragraph("Compte rendu d'analyses de biologie médicale", title)]
    story += [Paragraph(escape(line), normal) for line in lines[2:]]
    when = record.results[0].when if record.results else None
    story.append(Paragraph(escape(f"Prélèvement du {fr_datetime(when)}" if when else "Aucun résultat."), normal))
    story.append(Spacer(1, 5 * mm))
    if record.results:
        data = [["Analyse", "Résultat", "Unité", "Valeurs de référence", ""]]
        for r in record.results:
            data.append([r.label, fr_decimal(r.value), r.unit, f"{fr_decimal(r.ref_low)} - {fr_decimal(r.ref_high)}",
                         "H" if r.flag == "H" else "B" if r.flag == "L" else ""])
        table = Table(data, colWidths=[70 * mm, 25 * mm, 22 * mm, 40 * mm, 10 * mm])
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                                   ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                                   ("ALIGN", (1, 1), (1, -1), "RIGHT"),
                                   ("TEXTCOLOR", (4, 1), (4, -1), colors.red)]))
        story.append(table)
    story.append(Spacer(1, 8 * mm))
    story.append(Paragraph("Compte rendu validé par le biologiste. Document confidentiel soumis au secret médical.",
                           styles["Italic"]))
    doc.build(story)
    emit("nir", p.nir)
    emit("finess", est.finess)
    if record.prescriber:
        emit("rpps", record.prescriber.rpps)
