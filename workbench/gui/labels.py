"""The case's stored values as an analyst reads them in the interface's language.

The store keeps stable English codes (``canary-patient``, ``confirmed``, ``row:2``, ``family_name``) that scripts and
report.json rely on; the French window showed them raw. Here each code gets a translatable label (context
``Labels`` of ``balise_fr.ts``); an unknown code is shown as it is.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

_T = QT_TRANSLATE_NOOP
_VALUES: dict[str, str] = {
    # beacon kinds
    "canary-patient": _T("Labels", "canary patient"), "canary": _T("Labels", "canary"),
    "table-watermark": _T("Labels", "table watermark"), "image-watermark": _T("Labels", "image watermark"),
    "dicom-signature": _T("Labels", "DICOM signed tag"),
    # beacon status
    "confirmed": _T("Labels", "confirmed"), "partial": _T("Labels", "partial"),
    # attribution basis and confidence
    "watermark": _T("Labels", "watermark"), "identifier": _T("Labels", "identifier"),
    "pattern": _T("Labels", "numbering pattern"), "none": _T("Labels", "none"),
    "high": _T("Labels", "high"), "medium": _T("Labels", "medium"), "low": _T("Labels", "low"),
    "proof": _T("Labels", "proof"), "strong": _T("Labels", "strong"), "weak": _T("Labels", "weak"),
    # finding severity and detectors
    "critical": _T("Labels", "critical"), "warning": _T("Labels", "warning"), "info": _T("Labels", "info"),
    "yara": _T("Labels", "YARA rule"), "identifiers": _T("Labels", "identifiers"), "bounds": _T("Labels", "bounds"),
    # item status and kinds a reader meets first
    "done": _T("Labels", "done"), "ok": _T("Labels", "ok"), "error": _T("Labels", "error"),
    "encrypted": _T("Labels", "encrypted"), "skipped": _T("Labels", "skipped"),
    "directory": _T("Labels", "folder"), "archive": _T("Labels", "archive"), "text": _T("Labels", "text"),
    "binary": _T("Labels", "binary"), "empty": _T("Labels", "empty"), "image": _T("Labels", "image"),
    "raw": _T("Labels", "raw bytes"),
    # sex
    "M": _T("Labels", "M"), "F": _T("Labels", "F"),
}
_FIELDS: dict[str, str] = {
    "nir": _T("Labels", "NIR"), "family_name": _T("Labels", "family name"), "birth_name": _T("Labels", "birth name"),
    "given_name": _T("Labels", "given name"), "birth_date": _T("Labels", "date of birth"), "sex": _T("Labels", "sex"),
    "ipp": _T("Labels", "IPP"), "nda": _T("Labels", "stay number (NDA)"), "phone": _T("Labels", "phone"),
    "email": _T("Labels", "e-mail"), "address": _T("Labels", "address"), "postcode": _T("Labels", "postcode"),
    "city": _T("Labels", "city"), "facility": _T("Labels", "facility"),
    "facility_finess": _T("Labels", "facility FINESS"), "facility_code": _T("Labels", "facility code"),
    "facility_name": _T("Labels", "facility name"), "event_dates": _T("Labels", "event dates"),
    "event_first": _T("Labels", "first event"), "event_last": _T("Labels", "latest event"),
    "categories": _T("Labels", "data categories"), "locator": _T("Labels", "locator"), "table": _T("Labels", "table"),
    "identity": _T("Labels", "identity"), "recipient": _T("Labels", "recipient"), "item": _T("Labels", "item"),
    "container": _T("Labels", "container"), "establishment": _T("Labels", "establishment"),
    "beacon_id": _T("Labels", "beacon"), "beacons": _T("Labels", "beacons"), "kind": _T("Labels", "kind"),
    "rows": _T("Labels", "rows"), "p_value": _T("Labels", "p-value"), "log10_p": _T("Labels", "log10 of p"),
    "fraction": _T("Labels", "fraction of marks found"), "votes": _T("Labels", "votes"),
    "column": _T("Labels", "column"), "value": _T("Labels", "value"), "detail": _T("Labels", "detail"),
    "basis": _T("Labels", "basis"), "confidence": _T("Labels", "confidence"), "proof": _T("Labels", "proof"),
    "status": _T("Labels", "status"), "fields": _T("Labels", "fields matched"),
}
_LOCATOR_PARTS = {"row": _T("Labels", "row %1"), "msg": _T("Labels", "message %1"),
                  "entry": _T("Labels", "entry %1"), "table": _T("Labels", "table %1"),
                  "sheet": _T("Labels", "sheet %1"), "frame": _T("Labels", "frame %1"),
                  "page": _T("Labels", "page %1"), "line": _T("Labels", "line %1")}
_LOCATOR = re.compile(r"^(row|msg|entry|table|sheet|frame|page|line):(.+)$")


def _tr(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def value_label(code: object) -> str:
    """A stored code (kind, status, basis...) in the interface's language; other values unchanged."""
    text = "" if code is None else str(code)
    return _tr(_VALUES[text]) if text in _VALUES else text


def field_label(name: str) -> str:
    """A record field or proof key (``family_name``) as a reader names it."""
    return _tr(_FIELDS[name]) if name in _FIELDS else name.replace("_", " ")


def locator_label(locator: object) -> str:
    """``table:patients/row:17`` -> "table patients / row 17" ("ligne 17" in French); ``file`` -> "whole file"."""
    text = "" if locator is None else str(locator)
    if text == "file":
        return _tr(_T("Labels", "whole file"))
    parts = []
    for part in text.split("/"):
        m = _LOCATOR.match(part)
        if m is None:
            return text  # not a locator the workbench writes: shown as it is
        value = m.group(2)
        if value.isdigit():
            value = QLocale().toString(int(value))
        parts.append(_tr(_LOCATOR_PARTS[m.group(1)]).replace("%1", value))
    return " / ".join(parts)


def count_label(n: int, one: str, many: str) -> str:
    """``one`` or ``many`` (both already translated, with ``%1``) for ``n``: French takes the singular for 0 and 1
    ("1 ligne", not "1 lignes"), English for 1 only."""
    singular = n in (0, 1) if QLocale().language() == QLocale.Language.French else n == 1
    return (one if singular else many).replace("%1", QLocale().toString(int(n)))
