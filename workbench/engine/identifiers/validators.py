"""Check-digit validation and canonical forms of the identifiers the workbench counts.

Every ``is_valid_*`` accepts the usual written forms (spaces, dots, dashes between groups) and answers on the
canonical value; ``normalise(type, raw)`` returns that canonical value or raises ``ValueError``.

Rules, with their sources:

- The structural rules (sex digit, month, department, Corsica) are the table of :mod:`.rules`, which the fast
  scanner reads too.
- NIR / INS (15 characters): sex 1/2 (3/4/7/8 provisional), year, month 01-12 / 20-42 / 50-99 (unknown or
  provisional), department 2 characters (``2A``/``2B`` Corsica, never ``00``), commune, order, key =
  97 - (N mod 97) on the first 13 characters with ``2A`` -> 19, ``2B`` -> 18 (INSEE; same as python-stdnum).
- FINESS (9 characters): department first (``2A``/``2B`` in Corsica), Luhn check digit on the 9 characters.
  For Corsica the letter counts as its rank in the alphabet: ``2A`` -> ``21``, ``2B`` -> ``22``. Checked on
  real numbers published in the ARS Corsica administrative acts (2A0000014, 2A0000170, 2A0000261, 2A0000386,
  2A0002051, 2A0002606, 2B0000020, 2B0004246, 2B0005342 all pass with it; none passes with 2A/2B -> 20, 19/18).
- RPPS (11 digits, first digit 1): Luhn on the 11 digits (real RPPS numbers seen in French HL7 PAM messages,
  e.g. 10100710366, 10001850758, pass). The 12-digit IDNPS form ``8`` + RPPS normalises to the RPPS.
- IBAN: ISO 13616 mod 97 with the country's registered length and structure (python-stdnum), two check digits
  (python-stdnum 2.2 accepts letters there: "SCG6..." passes its mod 97), in either case.
- E-mail: a pragmatic RFC 5322 subset: dot-atom local part (max 64), host labels, alphabetic TLD (or xn--).
- French phone: 0X + 8 digits (X = 1-5 landline, 6/7 mobile, 8 special, 9 VoIP), +33 / 0033 / +33 (0) forms;
  canonical ``+33XXXXXXXXX``. Numbers starting 08 (special rate / free) are accepted; 00 is not a number.
"""

from __future__ import annotations

import re

from stdnum import iban as _iban
from stdnum import luhn as _luhn
from stdnum.exceptions import ValidationError

from workbench.engine.identifiers.rules import (
    FINESS_CORSICA_DIGITS,
    NIR_CORSICA_DIGITS,
    NIR_SEX_DIGITS,
    department_ok,
    nir_month_ok,
)

__all__ = ["NIR_SEX_DIGITS", "VALIDATORS", "is_valid_email", "is_valid_finess", "is_valid_iban", "is_valid_nir",
           "is_valid_phone_fr", "is_valid_rpps", "nir_key", "nir_month_ok", "nir_structure_ok", "normalise"]

_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]+")


def _compact(raw: str) -> str:
    return _SEPARATORS.sub("", raw.strip()).upper()


# --- NIR / INS -------------------------------------------------------------------------------------

def nir_structure_ok(nir: str) -> bool:
    """Shape of a compact NIR (no check of the key)."""
    if len(nir) != 15 or nir[0] not in NIR_SEX_DIGITS:
        return False
    if not (nir.isascii() and nir[:5].isdigit() and nir[7:].isdigit()):
        return False
    return department_ok(nir[5:7]) and nir_month_ok(nir[3:5])


def nir_key(nir13: str) -> int:
    """Key of the first 13 characters: 97 - (N mod 97), Corsica 2A -> 19, 2B -> 18."""
    dept = nir13[5:7]
    if dept in NIR_CORSICA_DIGITS:
        nir13 = nir13[:5] + NIR_CORSICA_DIGITS[dept] + nir13[7:]
    return 97 - int(nir13[:13]) % 97


def is_valid_nir(s: str) -> bool:
    nir = _compact(s)
    return nir_structure_ok(nir) and nir_key(nir[:13]) == int(nir[13:])


# --- FINESS ----------------------------------------------------------------------------------------

def _finess_digits(finess: str) -> str:
    return FINESS_CORSICA_DIGITS.get(finess[:2], finess[:2]) + finess[2:]


def is_valid_finess(s: str) -> bool:
    f = _compact(s)
    if len(f) != 9 or not f.isascii() or not f[2:].isdigit() or not department_ok(f[:2]):
        return False
    return _luhn.is_valid(_finess_digits(f))


# --- RPPS ------------------------------------------------------------------------------------------

def _rpps_compact(s: str) -> str:
    r = _compact(s)
    if len(r) == 12 and r.startswith("8"):  # IDNPS: "8" + RPPS
        r = r[1:]
    return r


def is_valid_rpps(s: str) -> bool:
    r = _rpps_compact(s)
    return len(r) == 11 and r.isascii() and r.isdigit() and r[0] == "1" and _luhn.is_valid(r)


# --- IBAN ------------------------------------------------------------------------------------------

_IBAN_DIGITS = str.maketrans({c: str(10 + i) for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")})


def is_valid_iban(s: str) -> bool:
    iban = _compact(s)
    if not iban[2:4].isdigit() or not iban.isascii() or not iban.isalnum():  # ISO 13616: two check digits
        return False
    # mod 97 first (a few microseconds): python-stdnum's registry look-up costs about 0.3 ms, paid only by the
    # numbers that pass it (1 in 97 of the IBAN-shaped strings that are not IBANs)
    if int((iban[4:] + iban[:4]).translate(_IBAN_DIGITS)) % 97 != 1:
        return False
    try:
        _iban.validate(iban)
    except ValidationError:
        return False
    return True


# --- e-mail ----------------------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TLD = re.compile(r"(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{1,59})")


def is_valid_email(s: str) -> bool:
    s = s.strip()
    if len(s) > 254 or s.count("@") != 1 or not s.isascii():
        return False
    local, domain = s.split("@")
    if not (1 <= len(local) <= 64) or not _EMAIL_LOCAL.fullmatch(local):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not _TLD.fullmatch(labels[-1]):
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in labels[:-1])


# --- French phone ----------------------------------------------------------------------------------

_PHONE_PREFIX = re.compile(r"^(?:\+33|0033)\s*(?:\(0\))?")


def _phone_national(s: str) -> str | None:
    """The 10-digit national form (0XXXXXXXXX) of a French number, or None."""
    t = s.strip()
    m = _PHONE_PREFIX.match(t)
    if m:
        rest = _SEPARATORS.sub("", t[m.end():])
        if rest.startswith("0"):  # "+33 0 6 12 ..." is a common mistake; accept it, like the (0) form
            rest = rest[1:]
        national = "0" + rest
    else:
        national = _SEPARATORS.sub("", t)
    if len(national) != 10 or not national.isascii() or not national.isdigit():
        return None
    if national[0] != "0" or national[1] == "0":
        return None
    return national


def is_valid_phone_fr(s: str) -> bool:
    return _phone_national(s) is not None


# --- canonical forms -------------------------------------------------------------------------------

def normalise(id_type: str, raw: str) -> str:
    """Canonical value of a valid identifier; ``ValueError`` when ``raw`` is not one."""
    if id_type == "nir":
        if not is_valid_nir(raw):
            raise ValueError("invalid NIR")
        return _compact(raw)
    if id_type == "finess":
        if not is_valid_finess(raw):
            raise ValueError("invalid FINESS")
        return _compact(raw)
    if id_type == "rpps":
        if not is_valid_rpps(raw):
            raise ValueError("invalid RPPS")
        return _rpps_compact(raw)
    if id_type == "iban":
        if not is_valid_iban(raw):
            raise ValueError("invalid IBAN")
        return _compact(raw)
    if id_type == "email":
        if not is_valid_email(raw):
            raise ValueError("invalid e-mail")
        # Mailboxes are case-insensitive in practice: count ``Jean.Dupont@CHU.fr`` and ``jean.dupont@chu.fr`` once.
        return raw.strip().lower()
    if id_type == "phone":
        national = _phone_national(raw)
        if national is None:
            raise ValueError("invalid French phone number")
        return "+33" + national[1:]
    raise ValueError(f"unknown identifier type {id_type!r}")


VALIDATORS = {
    "nir": is_valid_nir,
    "finess": is_valid_finess,
    "rpps": is_valid_rpps,
    "iban": is_valid_iban,
    "email": is_valid_email,
    "phone": is_valid_phone_fr,
}
