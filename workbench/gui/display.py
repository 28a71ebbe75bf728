"""Formatting for display: numbers and sizes in the interface's locale (``QLocale`` default, set with the
language: 45 638 in French, 45,638 in English), durations, and identifiers masked unless the analyst shows them
in clear."""

from __future__ import annotations

import re

from PySide6.QtCore import QLocale

from workbench.engine.masking import mask_identifier, mask_path, mask_text, mask_view_text
from workbench.gui.labels import value_label

# Record columns holding personal data, and how each is masked for display.
_ID_COLUMNS = {"nir": "nir", "phone": "phone", "email": "email", "ipp": "digits", "nda": "digits"}
_NAME_COLUMNS = {"family_name", "birth_name", "given_name", "address"}
_CLEAR_COLUMNS = {"facility_finess", "facility_code", "facility_name", "establishment", "recipient", "basis",
                  "confidence", "sex", "postcode", "city", "categories", "event_first", "event_last", "locator"}
# Source headers (French and English exports) whose values name or locate a person.
_NAME_HEADER = re.compile(r"(?i)(^|[^a-z])(nom|name|pr[ée]nom|first|last|given|family|surname|adresse|address|rue|"
                          r"street|patient_?name|mother|m[eè]re)")
_BIRTH_HEADER = re.compile(r"(?i)(naiss|birth|dob|ddn)")


def number(n: float | int | None, decimals: int = 0) -> str:
    """``n`` with the locale's digit grouping and decimal sign (the default ``QLocale``)."""
    if n is None:
        return ""
    loc = QLocale()
    if decimals == 0 and float(n).is_integer():
        return loc.toString(int(n))
    return loc.toString(float(n), "f", decimals)


def confidence_label(stored: str | None) -> str:
    """An attribution's stored confidence (``"0.99"``) as the report writes it, ``0,99`` in French; blank for an
    unattributed record, stored as ``"0"`` so that it sorts below every attributed one (the window showed "0",
    which reads as a measured confidence of zero, beside the basis "none")."""
    if not stored:
        return ""
    try:
        value = float(stored)
    except ValueError:
        return value_label(stored)  # a word (an older case's "high"), in the interface's language
    return "" if value == 0 else number(value, 2)


def human_bytes(n: float | None) -> str:
    """A size in decimal units (1 Mo = 1 000 000 octets), as the PDF report writes it: the window said 4,7 Mo
    (binary units) where the report said 4,9 Mo for the same evidence."""
    if n is None:
        return ""
    french = QLocale().language() == QLocale.Language.French
    units = ("o", "Ko", "Mo", "Go", "To") if french else ("B", "KB", "MB", "GB", "TB")
    value = float(n)
    for i, unit in enumerate(units):
        if abs(value) < 1000 or i == len(units) - 1:
            return f"{number(value)} {unit}" if i == 0 else f"{number(value, 1)} {unit}"
        value /= 1000
    return f"{number(value, 1)} {units[-1]}"


def utc_timestamp(iso: str | None) -> str:
    """``2026-12-03T16:38:47Z`` as the PDF report writes it: ``2026-12-03 16:38:47 UTC``."""
    if not iso:
        return ""
    text = iso.replace("T", " ").replace("+00:00", "")
    return text[:-1] + " UTC" if text.endswith("Z") else text + " UTC"


def human_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def mask_value(column: str, value: str | None, names: frozenset[str] = frozenset()) -> str | None:
    """One record field as shown when masking is on: identifiers per their type, names as an initial,
    dates of birth as the year, anything else through ``mask_text``. An item path (``column`` "item") also has
    the words that are names of the case's people (``names``, folded: :func:`workbench.gui.casedb.person_names`) masked to their
    initial, as the PDF report masks them ("CR_moreau_BIO-7815491.pdf" -> "CR_m*****_BIO-7815491.pdf")."""
    if value is None or value == "":
        return value
    if column == "item":
        return mask_path(value, names)
    if column in _CLEAR_COLUMNS:
        return value
    if column in _ID_COLUMNS:
        kind = _ID_COLUMNS[column]
        if kind == "digits":
            return value[:2] + "*" * max(0, len(value) - 2) if len(value) > 3 else "*" * len(value)
        return mask_identifier(kind, value)
    if column in _NAME_COLUMNS:
        return _initials(value)
    if column == "birth_date":
        return value[:4] + "-**-**" if len(value) >= 4 else "****"
    if column == "excerpt":  # raw bytes around a hit: names and dates too (a DICOM excerpt showed "E^Gérard")
        return mask_view_text(value)
    return mask_text(value)


def _initials(value: str) -> str:
    return " ".join(w[:1] + "*" * (len(w) - 1) for w in value.split())


def mask_cell(header: str, value: str | None) -> str | None:
    """A value of a source table (CSV column, HL7 field...) masked by what its header says it holds: names
    and addresses as initials, dates of birth as the year, the rest through ``mask_text``."""
    if not value:
        return value
    if _BIRTH_HEADER.search(header or ""):
        digits = re.findall(r"\d{4}", value)
        return (digits[0] + "-**-**") if digits else "****"
    if _NAME_HEADER.search(header or ""):
        return _initials(mask_text(value))
    # A header that says nothing (HL7 "PID-5", DICOM tags, "col3"): names and dates masked as in free text.
    return mask_view_text(value)
