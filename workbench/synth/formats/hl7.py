"""HL7 v2 message files (ADT^A01/A04, ORU^R01) as hospital interface engines archive them.

Segments end with \\r; messages are separated by \\r, optionally followed by \\n (files on disk often have it).
Text is ISO 8859-1 (MSH-18 "8859/1"), the usual charset of French HL7 v2 feeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import BinaryIO

from workbench.synth.formats._common import IdSink, sink_or_noop
from workbench.synth.people import Doctor, Patient, PatientRecord, Stay

NIR_AUTHORITY = "ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO"
RPPS_AUTHORITY = "ASIP-SANTE-PS&1.2.250.1.71.4.2.1&ISO"
_ESC = str.maketrans({"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\", "\r": "\\X0D\\",
                      "\n": "\\X0A\\"})
INPATIENT_KINDS = ("chu", "ght", "clinic", "ehpad")


def esc(text: str | None) -> str:
    """Escape HL7 delimiters inside a component value."""
    return (text or "").translate(_ESC)


def _ts(d: datetime) -> str:
    return d.strftime("%Y%m%d%H%M%S")


def _segment(name: str, fields: dict[int, str]) -> str:
    last = max(fields)
    return name + "|" + "|".join(fields.get(i, "") for i in range(1, last + 1))


def _msh(facility: str, when: datetime, msg_type: str, control_id: str, version: str) -> str:
    # MSH-1 is the field separator itself, so MSH-2 comes right after the first '|'.
    return (f"MSH|^~\\&|DPI|{facility}|EAI|{facility}|{_ts(when)}||{msg_type}|{control_id}|P|{version}"
            "|||AL|NE|FRA|8859/1")


def _pid(p: Patient, facility: str, emit: IdSink) -> str:
    ids = f"{esc(p.ipp)}^^^{facility}^PI~{p.nir}^^^{NIR_AUTHORITY}^INS"
    names = f"{esc(p.family_name.upper())}^{esc(p.given_name)}^^^^^D"
    if p.birth_name != p.family_name:
        names += f"~{esc(p.birth_name.upper())}^{esc(p.given_name)}^^^^^L"
    telecom = []
    if p.phone:
        telecom.append(f"{p.phone.replace(' ', '')}^PRN^PH")
        emit("phone", p.phone)
    if p.email:
        telecom.append(f"^NET^Internet^{esc(p.email)}")
        emit("email", p.email)
    emit("nir", p.nir)
    address = f"{esc(p.address)}^^{esc(p.city)}^^{p.postcode}^FRA^H"
    return _segment("PID", {1: "1", 3: ids, 5: names, 7: p.birth_date.strftime("%Y%m%d"), 8: p.sex, 11: address,
                            13: "~".join(telecom)})


def _xcn(d: Doctor | None, emit: IdSink) -> str:
    if d is None:
        return ""
    emit("rpps", d.rpps)
    return f"{d.rpps}^{esc(d.family_name.upper())}^{esc(d.given_name)}^^^^^^{RPPS_AUTHORITY}^L^^^RPPS"


def _pv1(s: Stay, facility: str, patient_class: str, emit: IdSink) -> str:
    return _segment("PV1", {1: "1", 2: patient_class, 3: f"{esc(s.unit)}^^^{facility}", 7: _xcn(s.doctor, emit),
                            19: f"{esc(s.nda)}^^^{facility}^AN", 44: _ts(s.admit), 45: _ts(s.discharge)})


def _sep(newline_between_messages: bool) -> bytes:
    return b"\r\n" if newline_between_messages else b"\r"


def _encode(segments: list[str]) -> bytes:
    return "\r".join(segments).encode("iso-8859-1", errors="replace")


def write_adt(records: Iterable[PatientRecord], fh: BinaryIO, *, version: str = "2.5",
              newline_between_messages: bool = True, sink: IdSink | None = None) -> int:
    """One ADT message per stay (A01 admission for inpatient establishments, A04 registration otherwise);
    returns the number of messages."""
    emit = sink_or_noop(sink)
    sep = _sep(newline_between_messages)
    n = 0
    for rec in records:
        est = rec.establishment
        facility = est.hl7_facility
        inpatient = est.kind in INPATIENT_KINDS
        event = "A01" if inpatient else "A04"
        for s in rec.stays:
            n += 1
            segments = [
                _msh(facility, s.admit, f"ADT^{event}^ADT_A01", f"{facility}{n:06d}", version),
                f"EVN|{event}|{_ts(s.admit)}",
                _pid(rec.patient, facility, emit),
                _pv1(s, facility, "I" if inpatient else "O", emit),
            ]
            fh.write(_encode(segments) + sep)
    return n


def write_oru(records: Iterable[PatientRecord], fh: BinaryIO, *, version: str = "2.5",
              newline_between_messages: bool = True, sink: IdSink | None = None) -> int:
    """One ORU^R01 message per patient with results (OBX per result); returns the number of messages."""
    emit = sink_or_noop(sink)
    sep = _sep(newline_between_messages)
    n = 0
    for rec in records:
        if not rec.results:
            continue
        n += 1
        est = rec.establishment
        facility = est.hl7_facility
        when = rec.results[0].when
        order = f"{facility}-OR{n:06d}"
        segments = [_msh(facility, when, "ORU^R01^ORU_R01", f"{facility}{n:06d}", version), _pid(rec.patient, facility, emit)]
        if rec.stays:
            segments.append(_pv1(rec.stays[0], facility, "O", emit))
        prescriber = _xcn(rec.prescriber, emit)
        segments.append(_segment("ORC", {1: "RE", 2: order, 12: prescriber}))
        segments.append(_segment("OBR", {1: "1", 2: order, 4: "BILAN^Bilan biologique^L", 7: _ts(when),
                                         16: prescriber, 25: "F"}))
        for i, r in enumerate(rec.results, 1):
            segments.append(_segment("OBX", {1: str(i), 2: "NM", 3: f"{r.code}^{esc(r.label)}^LN", 5: r.value,
                                             6: esc(r.unit), 7: f"{r.ref_low}-{r.ref_high}", 8: r.flag, 11: "F",
                                             14: _ts(r.when)}))
        fh.write(_encode(segments) + sep)
    return n
