"""Canonical forms of personal fields, for matching canaries by keyed hash.

A canary field is stored in the registry as HMAC(lookup_key, field + "\\x1f" + canonical form). A leaked copy
of the same value is found only if it reduces to the *same* canonical form, whatever the system that wrote it
(upper or lower case, accents dropped by a cp1252 export, ``dd/mm/yyyy`` or ``yyyymmdd``, ``02 99 ...`` or
``+33299...``). These functions are therefore part of the registry format: changing what any of them returns
makes every registered canary unfindable. They are versioned by :data:`NORMALISATION` (written into every
registry) and must never change behaviour under the same version string.

Every function returns ``None`` when the value is empty or cannot be read as that field: a ``None`` is never
hashed or looked up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

NORMALISATION = "balise-norm/1"

# Letters that NFKD does not decompose into a base letter plus marks.
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS", "Ø": "O", "ø": "O",
                            "Ð": "D", "ð": "D", "Þ": "TH", "þ": "TH", "Ł": "L", "ł": "L", "ı": "I"})
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Upper-case ASCII letters and digits of ``text``: accents stripped (NFKD), ligatures spelt out."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.upper().translate(_LIGATURES)


def name(value: str | None) -> str | None:
    """A person's or an institution's name: letters and digits only, upper case, no accents.

    Spaces, hyphens, apostrophes and dots are all dropped, so "Le Floc'h", "LE FLOCH", "Lefloch" and
    "le-floch" are one name, and "Jean-Pierre" == "JEAN PIERRE" == "JEANPIERRE" (data-entry habits differ).
    """
    if value is None:
        return None
    out = _NOT_ALNUM.sub("", fold(value))
    return out or None


def person_name(family: str | None, given: str | None) -> str | None:
    """The pair (family name, given name) as one canonical string ``FAMILY|GIVEN``, ``None`` unless both."""
    fam, giv = name(family), name(given)
    if not fam or not giv:
        return None
    return f"{fam}|{giv}"


def full_name(value: str | None) -> str | None:
    """The hashed ``name`` field: ``"family|given"`` -> ``FAMILY|GIVEN`` (see :func:`person_name`)."""
    if value is None or value.count("|") != 1:
        return None
    family, given = value.split("|")
    return person_name(family, given)


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[T ].*)?$")
_COMPACT = re.compile(r"^(\d{8})(?:\d{2,6}(?:\.\d+)?)?(?:[+\-]\d{4})?$")  # yyyymmdd[HHMM[SS[.f]]][+zzzz] (HL7 TS)


def _make_date(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def birth_date(value: str | None) -> str | None:
    """A calendar date as ``yyyy-mm-dd``.

    Reads ``yyyy-mm-dd`` (and ISO datetimes), ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy``, ``yyyymmdd``
    (DICOM DA, HL7 TS with an optional time and zone) and ``ddmmyyyy`` when ``yyyymmdd`` is not a valid date.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    m = _ISO_DATE.match(text)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY.match(text)
    if m:
        return _make_date(int(m[3]), int(m[2]), int(m[1]))
    m = _COMPACT.match(text)
    if m:
        digits = m[1]
        as_ymd = _make_date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        if as_ymd is not None and 1800 <= int(digits[:4]) <= 2200:
            return as_ymd
        if len(text) == 8:
            return _make_date(int(digits[4:8]), int(digits[2:4]), int(digits[:2]))
    return None


_PHONE_JUNK = re.compile(r"[\s.\-/()]")


def phone(value: str | None) -> str | None:
    """A French phone number as ``+33XXXXXXXXX`` (9 digits after the country code).

    Accepts ``0299284321``, ``02 99 28 43 21``, ``02.99.28.43.21``, ``+33 2 99 28 43 21``, ``+33 (0)2 99...``,
    ``0033299284321`` and ``33299284321``; anything else that is only digits and ``+`` is kept as
    ``+<digits>`` (a foreign number), otherwise ``None``.
    """
    if value is None:
        return None
    text = value.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = text.replace("(0)", "")
    text = _PHONE_JUNK.sub("", text)
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        digits = text[1:]
        if not digits.isdigit():
            return None
        if digits.startswith("33") and len(digits) == 12 and digits[2] == "0":
            digits = "33" + digits[3:]  # +33 0 2 99... written with the trunk zero
        return "+" + digits
    if not text.isdigit():
        return None
    if len(text) == 10 and text[0] == "0":
        return "+33" + text[1:]
    if len(text) == 9 and text[0] != "0":
        return "+33" + text  # the leading zero lost to a numeric column
    if len(text) == 11 and text.startswith("33"):
        return "+" + text
    return None


def email(value: str | None) -> str | None:
    """An e-mail address, lower case, without ``mailto:`` or angle brackets."""
    if value is None:
        return None
    text = value.strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.lower()
    if text.count("@") != 1 or _SPACES.search(text):
        return None
    local, _, domain = text.partition("@")
    if not local or "." not in domain:
        return None
    return text


_NIR_CHARS = re.compile(r"[\s.\-]")
_NIR_BODY = re.compile(r"^[1-478]\d{4}(?:\d{2}|2A|2B)\d{6}$")


def nir_key(body: str) -> int:
    """The NIR control key of the 13-character body (Corsica: 2A -> 19, 2B -> 18)."""
    numeric = body.replace("2A", "19").replace("2B", "18")
    return 97 - int(numeric) % 97


def nir(value: str | None) -> str | None:
    """A NIR/INS as its 15 characters, upper case, without spaces, dots or hyphens.

    A 13-character NIR (the key left out, as some systems store it) gets its key appended. The key of a
    15-character NIR is not checked: a canary's key is valid, and a wrong one simply never matches.
    """
    if value is None:
        return None
    text = _NIR_CHARS.sub("", value).upper()
    if len(text) == 13 and _NIR_BODY.match(text):
        return f"{text}{nir_key(text):02d}"
    if len(text) == 15 and _NIR_BODY.match(text[:13]) and text[13:].isdigit():
        return text
    return None


def ipp(value: str | None) -> str | None:
    """A local patient (IPP) or stay (NDA) number: spaces removed, upper case, leading zeros kept."""
    if value is None:
        return None
    text = _SPACES.sub("", value).upper()
    return text or None


def postcode(value: str | None) -> str | None:
    """A French postcode as 5 digits (a 4-digit one lost its leading zero to a numeric column)."""
    if value is None:
        return None
    text = _SPACES.sub("", value)
    if text.endswith(".0"):
        text = text[:-2]  # 2200.0 from a spreadsheet float column
    if not text.isdigit() or len(text) not in (4, 5):
        return None
    return text.zfill(5)


_STREET_WORDS = {
    "R": "RUE", "AV": "AVENUE", "AVE": "AVENUE", "BD": "BOULEVARD", "BLVD": "BOULEVARD", "PL": "PLACE",
    "CHE": "CHEMIN", "CH": "CHEMIN", "IMP": "IMPASSE", "ALL": "ALLEE", "RTE": "ROUTE", "QU": "QUAI",
    "SQ": "SQUARE", "LOT": "LOTISSEMENT", "RES": "RESIDENCE", "FBG": "FAUBOURG", "ST": "SAINT", "STE": "SAINTE",
    "BIS": "BIS", "TER": "TER",
}


def address(value: str | None) -> str | None:
    """A street line: upper case, no accents or punctuation, common abbreviations spelt out, no spaces."""
    if value is None:
        return None
    words = _NOT_ALNUM.sub(" ", fold(value)).split()
    if not words:
        return None
    return "".join(_STREET_WORDS.get(word, word) for word in words)


NORMALISERS: dict[str, Callable[[str | None], str | None]] = {
    "nir": nir,
    "name": full_name,
    "institution": name,
    "family_name": name,
    "given_name": name,
    "birth_name": name,
    "birth_date": birth_date,
    "phone": phone,
    "email": email,
    "ipp": ipp,
    "nda": ipp,
    "postcode": postcode,
    "address": address,
}


def normalise(field: str, value: str | None) -> str | None:
    """The canonical form of ``value`` read as ``field`` (one of :data:`NORMALISERS`), or ``None``."""
    try:
        func = NORMALISERS[field]
    except KeyError:
        raise ValueError(f"no normalisation for field {field!r}") from None
    if value is None:
        return None
    return func(str(value))
