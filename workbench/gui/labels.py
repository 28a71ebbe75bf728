"""The case's stored values as an analyst reads them in the interface's language.

The store keeps stable English codes (``canary-patient``, ``confirmed``, ``row:2``, ``family_name``) that scripts and
report.json rely on; the French window showed them raw. Here each code gets a translatable label (context
``Labels`` of ``balise_fr.ts``); an unknown code is shown as it is.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

_VALUES: dict[str, str] = {
    # beacon kinds
    "canary-patient": QT_TRANSLATE_NOOP("Labels", "canary patient"), "canary": QT_TRANSLATE_NOOP("Labels", "canary patient"),
    "table-watermark": QT_TRANSLATE_NOOP("Labels", "table watermark"), "image-watermark": QT_TRANSLATE_NOOP("Labels", "image watermark"),
    "dicom-signature": QT_TRANSLATE_NOOP("Labels", "DICOM signed tag"),
    # beacon status
    "confirmed": QT_TRANSLATE_NOOP("Labels", "confirmed"), "partial": QT_TRANSLATE_NOOP("Labels", "partial"),
    # attribution basis and confidence: the report's words (report/i18n.py basis_*), one term everywhere
    "watermark": QT_TRANSLATE_NOOP("Labels", "watermark"), "identifier": QT_TRANSLATE_NOOP("Labels", "explicit identifier"),
    "pattern": QT_TRANSLATE_NOOP("Labels", "numbering format"), "none": QT_TRANSLATE_NOOP("Labels", "none"),
    "high": QT_TRANSLATE_NOOP("Labels", "high"), "medium": QT_TRANSLATE_NOOP("Labels", "medium"), "low": QT_TRANSLATE_NOOP("Labels", "low"),
    "proof": QT_TRANSLATE_NOOP("Labels", "proof"), "strong": QT_TRANSLATE_NOOP("Labels", "strong"), "weak": QT_TRANSLATE_NOOP("Labels", "weak"),
    # finding severity and detectors
    "critical": QT_TRANSLATE_NOOP("Labels", "critical"), "warning": QT_TRANSLATE_NOOP("Labels", "warning"), "info": QT_TRANSLATE_NOOP("Labels", "info"),
    "yara": QT_TRANSLATE_NOOP("Labels", "YARA rule"), "identifiers": QT_TRANSLATE_NOOP("Labels", "identifiers"), "bounds": QT_TRANSLATE_NOOP("Labels", "bounds"),
    # item status and kinds a reader meets first
    "done": QT_TRANSLATE_NOOP("Labels", "done"), "ok": QT_TRANSLATE_NOOP("Labels", "ok"), "error": QT_TRANSLATE_NOOP("Labels", "error"),
    "encrypted": QT_TRANSLATE_NOOP("Labels", "encrypted"), "skipped": QT_TRANSLATE_NOOP("Labels", "skipped"),
    "directory": QT_TRANSLATE_NOOP("Labels", "folder"), "archive": QT_TRANSLATE_NOOP("Labels", "archive"), "text": QT_TRANSLATE_NOOP("Labels", "text"),
    "binary": QT_TRANSLATE_NOOP("Labels", "binary"), "empty": QT_TRANSLATE_NOOP("Labels", "empty"), "image": QT_TRANSLATE_NOOP("Labels", "image"),
    "raw": QT_TRANSLATE_NOOP("Labels", "raw bytes"), "office-text": QT_TRANSLATE_NOOP("Labels", "office text"),
    "pdf-text": QT_TRANSLATE_NOOP("Labels", "PDF text"), "email-body": QT_TRANSLATE_NOOP("Labels", "e-mail body"),
    "typing": QT_TRANSLATE_NOOP("Labels", "typing"), "read": QT_TRANSLATE_NOOP("Labels", "reading"),
    "parse": QT_TRANSLATE_NOOP("Labels", "parsing"), "records": QT_TRANSLATE_NOOP("Labels", "records"),
    "worker": QT_TRANSLATE_NOOP("Labels", "worker process"), "beacons": QT_TRANSLATE_NOOP("Labels", "beacon search"),
    "intake": QT_TRANSLATE_NOOP("Labels", "intake"), "layer": QT_TRANSLATE_NOOP("Labels", "text extraction"),
    # why an item could not be read whole (engine/error_causes.py; "encrypted" above)
    "truncated": QT_TRANSLATE_NOOP("Labels", "truncated file"), "damaged": QT_TRANSLATE_NOOP("Labels", "damaged"),
    "limit": QT_TRANSLATE_NOOP("Labels", "safety limit"), "special": QT_TRANSLATE_NOOP("Labels", "not a regular file"),
    "crashed": QT_TRANSLATE_NOOP("Labels", "worker died"), "other": QT_TRANSLATE_NOOP("Labels", "other"),
    # identifier types (the Identifiers tab showed the codes "email", "phone"; the report says "NIR / INS", "e-mail")
    "nir": QT_TRANSLATE_NOOP("Labels", "NIR / INS"), "finess": QT_TRANSLATE_NOOP("Labels", "FINESS"),
    "rpps": QT_TRANSLATE_NOOP("Labels", "RPPS"), "iban": QT_TRANSLATE_NOOP("Labels", "IBAN"),
    "email": QT_TRANSLATE_NOOP("Labels", "e-mail"), "phone": QT_TRANSLATE_NOOP("Labels", "phone"),
    # sex
    "M": QT_TRANSLATE_NOOP("Labels", "M"), "F": QT_TRANSLATE_NOOP("Labels", "F"),
}
_FIELDS: dict[str, str] = {
    "name": QT_TRANSLATE_NOOP("Labels", "name"), "found_at": QT_TRANSLATE_NOOP("Labels", "found at"),
    # a YARA rule's usual meta keys (the finding's details listed "author", "severity: warning" raw)
    "description": QT_TRANSLATE_NOOP("Labels", "description"), "author": QT_TRANSLATE_NOOP("Labels", "author"),
    "category": QT_TRANSLATE_NOOP("Labels", "category"), "severity": QT_TRANSLATE_NOOP("Labels", "severity"),
    "note": QT_TRANSLATE_NOOP("Labels", "note"), "matches": QT_TRANSLATE_NOOP("Labels", "matches"),
    "reference": QT_TRANSLATE_NOOP("Labels", "reference"),
    # a watermark test's statistics and its accusation (the details pane listed the raw keys)
    "presence_log10_p": QT_TRANSLATE_NOOP("Labels", "log10 of p (mark present)"),
    "numeric_votes": QT_TRANSLATE_NOOP("Labels", "numeric votes"),
    "numeric_matches": QT_TRANSLATE_NOOP("Labels", "numeric matches"),
    "row_groups": QT_TRANSLATE_NOOP("Labels", "row groups"), "row_matches": QT_TRANSLATE_NOOP("Labels", "row matches"),
    "accusation": QT_TRANSLATE_NOOP("Labels", "accusation"), "scheme": QT_TRANSLATE_NOOP("Labels", "scheme"),
    "recipients_tested": QT_TRANSLATE_NOOP("Labels", "recipients tested"),
    "threshold": QT_TRANSLATE_NOOP("Labels", "threshold"), "score": QT_TRANSLATE_NOOP("Labels", "score"),
    "error_bound": QT_TRANSLATE_NOOP("Labels", "error bound"), "accused": QT_TRANSLATE_NOOP("Labels", "accused"),
    "cells": QT_TRANSLATE_NOOP("Labels", "cells"),  # a canary's field (the details said "Champs concordants: name")
    "dicom_uid": QT_TRANSLATE_NOOP("Labels", "DICOM UID"),
    "nir": QT_TRANSLATE_NOOP("Labels", "NIR"), "family_name": QT_TRANSLATE_NOOP("Labels", "family name"), "birth_name": QT_TRANSLATE_NOOP("Labels", "birth name"),
    "given_name": QT_TRANSLATE_NOOP("Labels", "given name"), "birth_date": QT_TRANSLATE_NOOP("Labels", "date of birth"), "sex": QT_TRANSLATE_NOOP("Labels", "sex"),
    "ipp": QT_TRANSLATE_NOOP("Labels", "IPP"), "nda": QT_TRANSLATE_NOOP("Labels", "stay number (NDA)"), "phone": QT_TRANSLATE_NOOP("Labels", "phone"),
    "email": QT_TRANSLATE_NOOP("Labels", "e-mail"), "address": QT_TRANSLATE_NOOP("Labels", "address"), "postcode": QT_TRANSLATE_NOOP("Labels", "postcode"),
    "city": QT_TRANSLATE_NOOP("Labels", "city"), "facility": QT_TRANSLATE_NOOP("Labels", "facility"),
    "facility_finess": QT_TRANSLATE_NOOP("Labels", "facility FINESS"), "facility_code": QT_TRANSLATE_NOOP("Labels", "facility code"),
    "facility_name": QT_TRANSLATE_NOOP("Labels", "facility name"), "event_dates": QT_TRANSLATE_NOOP("Labels", "event dates"),
    "event_first": QT_TRANSLATE_NOOP("Labels", "first event"), "event_last": QT_TRANSLATE_NOOP("Labels", "latest event"),
    "categories": QT_TRANSLATE_NOOP("Labels", "data categories"), "locator": QT_TRANSLATE_NOOP("Labels", "locator"), "table": QT_TRANSLATE_NOOP("Labels", "table"),
    "identity": QT_TRANSLATE_NOOP("Labels", "identity"), "recipient": QT_TRANSLATE_NOOP("Labels", "recipient"), "item": QT_TRANSLATE_NOOP("Labels", "item"),
    "container": QT_TRANSLATE_NOOP("Labels", "container"), "establishment": QT_TRANSLATE_NOOP("Labels", "establishment"),
    "beacon_id": QT_TRANSLATE_NOOP("Labels", "beacon"), "beacons": QT_TRANSLATE_NOOP("Labels", "beacons"), "kind": QT_TRANSLATE_NOOP("Labels", "kind"),
    "rows": QT_TRANSLATE_NOOP("Labels", "rows"), "p_value": QT_TRANSLATE_NOOP("Labels", "p-value"), "log10_p": QT_TRANSLATE_NOOP("Labels", "log10 of p"),
    "fraction": QT_TRANSLATE_NOOP("Labels", "fraction of marks found"), "votes": QT_TRANSLATE_NOOP("Labels", "votes"),
    "column": QT_TRANSLATE_NOOP("Labels", "column"), "value": QT_TRANSLATE_NOOP("Labels", "value"), "detail": QT_TRANSLATE_NOOP("Labels", "detail"),
    "basis": QT_TRANSLATE_NOOP("Labels", "basis"), "confidence": QT_TRANSLATE_NOOP("Labels", "confidence"), "proof": QT_TRANSLATE_NOOP("Labels", "proof"),
    "status": QT_TRANSLATE_NOOP("Labels", "status"), "fields": QT_TRANSLATE_NOOP("Labels", "fields matched"),
}
_LOCATOR_PARTS = {"row": QT_TRANSLATE_NOOP("Labels", "row %1"), "msg": QT_TRANSLATE_NOOP("Labels", "message %1"),
                  "entry": QT_TRANSLATE_NOOP("Labels", "entry %1"), "table": QT_TRANSLATE_NOOP("Labels", "table %1"),
                  "sheet": QT_TRANSLATE_NOOP("Labels", "sheet %1"), "frame": QT_TRANSLATE_NOOP("Labels", "frame %1"),
                  "page": QT_TRANSLATE_NOOP("Labels", "page %1"), "line": QT_TRANSLATE_NOOP("Labels", "line %1")}
_LOCATOR = re.compile(r"^(row|msg|entry|table|sheet|frame|page|line):(.+)$")


def _tr(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def value_label(code: object) -> str:
    """A stored code (kind, status, basis...) in the interface's language; other values unchanged."""
    text = "" if code is None else str(code)
    return _tr(_VALUES[text]) if text in _VALUES else text


def value_labels() -> dict[str, str]:
    """Every stored code :func:`value_label` knows, with its label in the interface's language: what the
    tables' filter matches besides the stored values ("aucune" finds the records whose basis is ``none``)."""
    return {code: _tr(label) for code, label in _VALUES.items()}


def field_label(name: str) -> str:
    """A record field or proof key (``family_name``) as a reader names it."""
    return _tr(_FIELDS[name]) if name in _FIELDS else name.replace("_", " ")


def locator_label(locator: object) -> str:
    """``table:patients/row:17`` -> "table patients / row 17" ("ligne 17" in French); ``file`` -> "whole file"."""
    text = "" if locator is None else str(locator)
    if text == "file":
        return _tr(QT_TRANSLATE_NOOP("Labels", "whole file"))
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


_GROUPING = re.compile(r"[\s\u00a0\u202f.,']")  # digit grouping as typed or as shown (French: narrow no-break space)


def locator_search(text: str) -> str:
    """A locator typed as the tables show it, back in the stored form the filter searches: "ligne 17" ->
    ``row:17``, "table patients / ligne 1 234" -> ``table:patients/row:1234``; any other text unchanged.

    The records table shows ``row:17`` as "ligne 17" (French) or "row 17", and the analyst types what is shown:
    "ligne 17" found nothing, only ``row:17`` did. A part is read as a locator only when its value is a number,
    or a table or sheet name followed by another part, so that "message important" stays words."""
    parts = [p.strip() for p in text.split("/")]
    out = []
    for k, part in enumerate(parts):
        folded = part.casefold()
        for key, template in _LOCATOR_PARTS.items():
            head, _, tail = _tr(template).casefold().partition("%1")
            if len(folded) <= len(head) + len(tail) or not folded.startswith(head) or not folded.endswith(tail):
                continue
            value = part[len(head) : len(part) - len(tail)].strip()
            digits = _GROUPING.sub("", value)
            if digits.isdigit():
                out.append(f"{key}:{digits}")
                break
            if key in ("table", "sheet") and k < len(parts) - 1 and value:
                out.append(f"{key}:{value}")
                break
        else:
            return text
    return "/".join(out)

