"""HL7 v2 records: one per message that carries a PID segment; locator ``msg:N`` (every message counts in N).

A message runs from an MSH segment to the next MSH. Segments end with ``\\r`` (``\\n`` and ``\\r\\n`` are
accepted); MLLP framing bytes (``0x0B`` before a message, ``0x1C 0x0D`` after it) are ignored; the batch
envelopes of HL7 v2 chapter 2 (``FHS``/``BHS`` headers, ``BTS``/``FTS`` trailers, as batch files of lab results
and ADT exports carry them) are read past and belong to no message. The separators are read from each MSH. Fields used:
MSH-4 (sending facility), PID-3 (identifier list: the INS/NIR by its OID ``1.2.250.1.213.1.4.8``/``.9`` or its
type code, the IPP otherwise, with its assigning authority), PID-5 (names: type ``L`` is the birth name and ``D``
the used name, as in IHE PAM France), PID-7, PID-8, PID-11, PID-13, PID-18, PV1-3 (its facility component),
PV1-19, PV1-44/45, OBR-7, OBX (``health-result``), DG1 (``health-diagnosis``). ``facility_code`` is PV1-3's
facility when present, else MSH-4's namespace; both stay in ``src.MSH-4`` and ``src.PV1-3``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd

from workbench.engine.records import checks
from workbench.engine.records.csvfile import text_encoding
from workbench.engine.records.errors import RecordsError
from workbench.engine.records.frame import rows_frame

INS_OIDS = {"1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11",
            "1.2.250.1.213.1.4.2"}
INS_TYPES = {"INS", "INS-NIR", "INS-NIA", "NIR", "NNFRA", "SS", "INS-C"}
MAX_SEGMENT_CHARS = 16 * 2**20
MAX_MESSAGE_SEGMENTS = 100_000
_SEGMENT_SPLIT = re.compile(r"\r\n|\r|\n")
_SRC_FIELDS = ("MSH-4", "MSH-7", "MSH-9", "MSH-10", "PID-3", "PID-5", "PID-7", "PID-8", "PID-11", "PID-13",
               "PID-18", "PV1-3", "PV1-19", "PV1-44", "PV1-45")


class _Seps:
    def __init__(self, msh: str) -> None:
        if len(msh) < 8:
            raise RecordsError(f"MSH segment too short: {msh[:20]!r}")
        self.field = msh[3]
        chars = msh[4:8]
        self.component = chars[0]
        self.repetition = chars[1] if len(chars) > 1 and chars[1] != self.field else "~"
        self.escape = chars[2] if len(chars) > 2 and chars[2] != self.field else "\\"
        self.sub = chars[3] if len(chars) > 3 and chars[3] != self.field else "&"
        # MSH-18 (character set): \Xhh..\ escapes are bytes in it (UTF-8 for "UNICODE UTF-8", else Latin-1)
        fields = msh.split(self.field)
        charset = fields[17].split(self.repetition)[0].upper() if len(fields) > 17 else ""
        self.hex_encoding = "utf-8" if "UTF-8" in charset or "UTF8" in charset else "latin-1"

    def unescape(self, text: str) -> str:
        e = self.escape
        if e not in text:
            return text
        table = {"F": self.field, "S": self.component, "T": self.sub, "R": self.repetition, "E": e}

        def one(m: re.Match[str]) -> str:
            code = m.group(1)
            if code in table:
                return table[code]
            if code.startswith("X") and len(code) % 2 == 1:
                try:
                    return bytes.fromhex(code[1:]).decode(self.hex_encoding, errors="replace")
                except ValueError:
                    return m.group(0)
            if code in (".br", "H", "N"):
                return "\n" if code == ".br" else ""
            return m.group(0)

        return re.sub(re.escape(e) + r"([^" + re.escape(e) + r"]{1,64})" + re.escape(e), one, text)


def _segments(blob: Any, encoding: str) -> Iterator[str]:
    """Segments of the stream, bounded in length."""
    with blob.open() as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        pending = ""
        while True:
            chunk = text.read(1 << 20)
            if not chunk:
                break
            pending += chunk.replace("\x0b", "").replace("\x1c", "")
            parts = _SEGMENT_SPLIT.split(pending)
            pending = parts.pop()
            if len(pending) > MAX_SEGMENT_CHARS:
                raise RecordsError(f"HL7 segment longer than {MAX_SEGMENT_CHARS} characters: refused")
            for part in parts:
                if part.strip():
                    yield part
        if pending.strip():
            yield pending


_ENVELOPE = ("FHS", "BHS", "BTS", "FTS")


def _messages(blob: Any, encoding: str) -> Iterator[list[str]]:
    message: list[str] = []
    for segment in _segments(blob, encoding):
        if segment.startswith(_ENVELOPE) and len(segment) > 3 and not segment[3].isalnum():
            if message:
                yield message
                message = []
            continue
        if segment.startswith("MSH"):
            if message:
                yield message
            message = [segment]
        elif message:
            if len(message) >= MAX_MESSAGE_SEGMENTS:
                raise RecordsError(f"HL7 message with more than {MAX_MESSAGE_SEGMENTS} segments: refused")
            message.append(segment)
        else:
            raise RecordsError(f"HL7 data before the first MSH segment: {segment[:20]!r}")
    if message:
        yield message


def _field(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


def _component(value: str, seps: _Seps, index: int) -> str:
    parts = value.split(seps.component)
    return parts[index - 1] if index - 1 < len(parts) else ""


def _record(message: list[str], number: int) -> dict[str, object] | None:
    seps = _Seps(message[0])
    fields_of: dict[str, list[str]] = {}
    flags: set[str] = set()
    event_dates: list[str] = []
    src: dict[str, str] = {}
    for segment in message:
        fields = segment.split(seps.field)
        name = fields[0][:3]
        if name == "MSH":
            fields = ["MSH", seps.field, *fields[1:]]  # MSH-1 is the separator itself
        if name == "OBX":
            flags.add("health-result")
            event_dates.append(_component(_field(fields, 14), seps, 1))
        elif name == "OBR":
            flags.add("health-result")
            event_dates.append(_component(_field(fields, 7), seps, 1))
        elif name == "DG1":
            flags.add("health-diagnosis")
            event_dates.append(_component(_field(fields, 5), seps, 1))
        elif name in ("PV1", "PV2"):
            flags.add("administrative")
        fields_of.setdefault(name, fields)
    pid = fields_of.get("PID")
    if pid is None:
        return None
    msh, pv1 = fields_of["MSH"], fields_of.get("PV1", [])
    for key in _SRC_FIELDS:
        segment, index = key.split("-")
        fields = {"MSH": msh, "PID": pid, "PV1": pv1}[segment]
        value = _field(fields, int(index))
        if value:
            src["src." + key] = value
    record: dict[str, object] = {"locator": f"msg:{number}", "table": None, "flags": flags, **src}
    record.update(_identifiers(_field(pid, 3), seps))
    record.update(_names(_field(pid, 5), seps))
    record["birth_date"] = checks.norm_date(_component(_field(pid, 7), seps, 1))
    record["sex"] = checks.norm_sex(_field(pid, 8))
    address = _field(pid, 11).split(seps.repetition)[0]
    if address:
        street = " ".join(p for p in (_component(address, seps, 1), _component(address, seps, 2)) if p)
        record["address"] = checks.norm_text(seps.unescape(street.replace(seps.sub, " ")))
        record["city"] = checks.norm_text(seps.unescape(_component(address, seps, 3)))
        record["postcode"] = checks.norm_postcode(_component(address, seps, 5))
    for telecom in _field(pid, 13).split(seps.repetition):
        number_text = _component(telecom, seps, 1) or _component(telecom, seps, 12)
        email = _component(telecom, seps, 4)
        if number_text and not record.get("phone"):
            record["phone"] = checks.norm_phone(number_text)
        if email and not record.get("email"):
            record["email"] = checks.norm_email(seps.unescape(email))
    record["nda"] = checks.norm_text(_component(_field(pv1, 19), seps, 1) or _component(_field(pid, 18), seps, 1))
    msh_facility = _field(msh, 4)
    pv1_facility = _component(_field(pv1, 3), seps, 4)
    facility_ns = (pv1_facility.split(seps.sub)[0] if pv1_facility else "") or _component(msh_facility, seps, 1)
    record["facility_code"] = checks.norm_text(seps.unescape(facility_ns))
    for candidate in (pv1_facility.split(seps.sub) if pv1_facility else []) + msh_facility.split(seps.component):
        if checks.is_valid_finess(candidate):
            record["facility_finess"] = candidate
            break
    event_dates += [_component(_field(pv1, 44), seps, 1), _component(_field(pv1, 45), seps, 1)]
    record["event_dates"] = [d for d in event_dates if d]
    return record


def _identifiers(pid3: str, seps: _Seps) -> dict[str, object]:
    out: dict[str, object] = {}
    for cx in pid3.split(seps.repetition):
        value = seps.unescape(_component(cx, seps, 1)).strip()
        if not value:
            continue
        authority = _component(cx, seps, 4)
        type_code = _component(cx, seps, 5).upper()
        oids = set(authority.split(seps.sub))
        if oids & INS_OIDS or type_code in INS_TYPES:
            out.setdefault("nir", checks.norm_nir(value))
        elif "ipp" not in out and type_code not in ("AN", "VN"):  # account and visit numbers are not IPPs
            out["ipp"] = value
            out["src.PID-3.ipp-authority"] = authority or None
    return out


def _names(pid5: str, seps: _Seps) -> dict[str, object]:
    out: dict[str, object] = {}
    first: tuple[str, str] | None = None
    for xpn in pid5.split(seps.repetition):
        family = seps.unescape(_component(xpn, seps, 1).split(seps.sub)[0])
        given = seps.unescape(_component(xpn, seps, 2))
        kind = _component(xpn, seps, 7).upper()
        if not family and not given:
            continue
        if first is None:
            first = (family, given)
        if kind in ("L", "M") and "birth_name" not in out:
            out["birth_name"] = checks.norm_text(family)
            out.setdefault("given_name", checks.norm_text(given))
        elif kind == "D" and "family_name" not in out:
            out["family_name"] = checks.norm_text(family)
            if given:
                out["given_name"] = checks.norm_text(given)
    if first is not None:
        out.setdefault("family_name", checks.norm_text(first[0]))
        if not out.get("given_name"):
            out["given_name"] = checks.norm_text(first[1])
    return out


def parse_hl7(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[pd.DataFrame]:
    encoding = text_encoding(blob.head(65536), getattr(info, "encoding", None))
    batch: list[dict[str, object]] = []
    for number, message in enumerate(_messages(blob, encoding), start=1):
        record = _record(message, number)
        if record is None:
            continue
        batch.append(record)
        if len(batch) >= batch_rows:
            yield rows_frame(batch, vpath)
            batch = []
    if batch:
        yield rows_frame(batch, vpath)
