"""Value checks and normalisers for record fields (NIR, FINESS, dates, sex, phones...).

Identifier validity comes from ``workbench.engine.identifiers.validators`` (one rule set for the whole
workbench). Normalisers return ``None`` for an empty value and never raise on hostile input.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from functools import lru_cache

from workbench.engine.identifiers import validators

_NIR_CLEAN = re.compile(r"[\s.\-\u00a0\u202f]")
_PHONE_CLEAN = re.compile(r"[\s.\-/()\u00a0]")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def clean_nir(raw: object) -> str:
    """NIR without separators, upper-case (``2A``/``2B`` kept)."""
    return _NIR_CLEAN.sub("", _text(raw)).upper()


def is_valid_nir(raw: object) -> bool:
    """A 15-character NIR/NIA with a valid key (validators.is_valid_nir)."""
    return validators.is_valid_nir(_text(raw))


def is_valid_finess(raw: object) -> bool:
    return validators.is_valid_finess(_text(raw))


def is_valid_email(raw: object) -> bool:
    return validators.is_valid_email(_text(raw))


def is_valid_phone_fr(raw: object) -> bool:
    return validators.is_valid_phone_fr(_text(raw))


# --------------------------------------------------------------------------------------------- normalisers


def norm_nir(raw: object) -> str | None:
    """The NIR as found, without separators; validity is not required (a NIR column may hold bad keys)."""
    value = clean_nir(raw)
    return value or None


def norm_finess(raw: object) -> str | None:
    """FINESS as 9 characters; an 8-digit value that is valid once zero-padded (a spreadsheet ate the 0) is padded."""
    value = _text(raw).upper().replace(" ", "")
    if not value:
        return None
    if len(value) == 8 and value.isdigit() and is_valid_finess("0" + value):
        return "0" + value
    return value


_PHONE_FR = re.compile(r"(?:\+33|0033)0?([1-9][0-9]{8})|0([1-9][0-9]{8})")


def norm_phone(raw: object) -> str | None:
    """French numbers as ``+33XXXXXXXXX`` (as validators.normalise); anything else without separators."""
    text = _PHONE_CLEAN.sub("", _text(raw))
    if not text:
        return None
    match = _PHONE_FR.fullmatch(text)
    if match:
        return "+33" + (match.group(1) or match.group(2))
    return text


def norm_email(raw: object) -> str | None:
    value = _text(raw)
    return value.lower() if value else None


def norm_postcode(raw: object) -> str | None:
    """Five-character postcode; a 4-digit value (leading zero lost as a number) is padded."""
    value = _text(raw).replace(" ", "")
    if not value:
        return None
    if len(value) == 4 and value.isdigit():
        return "0" + value
    return value


def norm_text(raw: object) -> str | None:
    """Trimmed, inner whitespace collapsed; ``None`` when empty."""
    if raw is None:
        return None
    value = " ".join(str(raw).split())
    return value or None


_SEX = {
    "M": "M", "H": "M", "1": "M", "MALE": "M", "MASCULIN": "M", "HOMME": "M", "MAN": "M", "MASC": "M",
    "F": "F", "2": "F", "FEMALE": "F", "FEMININ": "F", "FEMME": "F", "WOMAN": "F", "FEM": "F", "W": "F",
}
SEX_VOCABULARY = frozenset(_SEX) | {"U", "I", "INCONNU", "UNKNOWN", "O", "A", "N", "X", "INDETERMINE", "9", "0"}


def norm_sex(raw: object) -> str | None:
    """``M``, ``F`` or ``U`` (present but unknown/other); ``None`` when empty."""
    value = strip_accents(_text(raw)).upper()
    if not value:
        return None
    return _SEX.get(value, "U")


@lru_cache(maxsize=4096)
def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(raw: object) -> str:
    """Comparable form of a name: accents, case, spaces, hyphens and apostrophes removed."""
    return re.sub(r"[^A-Z]", "", strip_accents(_text(raw)).upper())


# ------------------------------------------------------------------------------------------------- dates

_DATE_PATTERNS = (
    # (regex, order of groups)
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?"), "ymd"),
    (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?: .*)?"), "ymd"),
    (re.compile(r"(\d{4})(\d{2})(\d{2})(?:\d{2,6}(?:\.\d+)?)?(?:[+\-]\d{4})?"), "ymd"),  # HL7 / DICOM DA, DT
    (re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[T ].*)?"), "dmy"),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2})"), "dmy2"),
)


def norm_date(raw: object) -> str | None:
    """``yyyy-mm-dd`` from the usual French and ISO forms (dd/mm/yyyy, yyyy-mm-dd, yyyymmdd[hhmmss]...).

    Returns ``None`` when the value is empty or not a real calendar date.
    """
    if isinstance(raw, _dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, _dt.date):
        return raw.isoformat()
    value = _text(raw)
    if not value or len(value) > 40:
        return None
    if len(value) > 10 and value[10] in "T " and value[4] == "-":
        value = value[:10]  # ISO date-time: the date part decides (and the cache sees far fewer values)
    return _parse_date(value)


@lru_cache(maxsize=65536)
def _parse_date(value: str) -> str | None:
    for pattern, order in _DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if not match:
            continue
        a, b, c = (int(g) for g in match.groups())
        if order == "ymd":
            year, month, day = a, b, c
        elif order == "dmy":
            year, month, day = c, b, a
        else:
            pivot = _dt.date.today().year % 100
            year, month, day = (2000 + c if c <= pivot else 1900 + c), b, a
        try:
            date = _dt.date(year, month, day)
        except ValueError:
            return None
        if not 1850 <= date.year <= 2200:
            return None
        return date.isoformat()
    return None
