"""Masking of personal identifiers for logs, console output, excerpts and reports.

The scheme shows *what kind* of identifier was there, never *whose*:

- NIR ``1 85 05 78 006 084 91`` -> ``1 85 ** ** *** *** 91`` (sex, year and key: not enough to find a person);
- e-mail ``jean.dupont@chu-rennes.fr`` -> ``j***@c***.fr``;
- phone ``+33612345678`` -> ``+33 6 ** ** ** 78``;
- IBAN ``FR7630006000011234567890189`` -> ``FR76 **** ... 0189``;
- RPPS (a health professional) ``10100710366`` -> ``10*******66``;
- FINESS identifies an establishment, not a person: kept in clear.

``mask_text`` masks, in free text, everything that looks like one of them whether or not its check digits are
valid (a mistyped NIR is still personal data), and every run of 8 or more digits.
"""

from __future__ import annotations

import re

from workbench.engine.identifiers.validators import normalise

_SEP = r"[ .\-\u00a0]?"
_NIR_LIKE = (rf"(?<![0-9A-Za-z])[1-478]{_SEP}[0-9]{{2}}{_SEP}[0-9]{{2}}{_SEP}(?:[0-9]{{2}}|2[ABab]){_SEP}"
             rf"[0-9]{{3}}{_SEP}[0-9]{{3}}{_SEP}[0-9]{{2}}(?![0-9A-Za-z])")
_IBAN_LIKE = r"(?<![0-9A-Za-z])[A-Z]{2}[0-9]{2}(?: ?[0-9A-Z]{4}){2,7}(?: ?[0-9A-Z]{1,3})?(?![0-9A-Za-z])"
_EMAIL_LIKE = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
_PHONE_LIKE = (r"(?<![0-9A-Za-z+])(?:(?:\+|00)33[ .\-\u00a0]?(?:\(0\)[ .\-\u00a0]?)?|0)[1-9]"
               r"(?:[ .\-\u00a0]?[0-9]{2}){4}(?![0-9A-Za-z])")
_DIGIT_RUN = r"(?<![0-9])[0-9]{8,}(?![0-9])"

_TEXT = re.compile(
    f"(?P<email>{_EMAIL_LIKE})|(?P<iban>{_IBAN_LIKE})|(?P<nir>{_NIR_LIKE})|(?P<phone>{_PHONE_LIKE})"
    f"|(?P<digits>{_DIGIT_RUN})")


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-\u00a0]", "", value)


def _mask_nir(value: str) -> str:
    v = _compact(value).upper()
    if len(v) != 15:
        return "*" * len(value)
    return f"{v[0]} {v[1:3]} ** ** *** *** {v[13:]}"


def _mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    host, dot, tld = domain.rpartition(".")
    if not dot:
        return f"{local[:1]}***@***"
    return f"{local[:1]}***@{host[:1]}***.{tld}"


def _mask_phone(value: str) -> str:
    try:
        canonical = normalise("phone", value)
    except ValueError:
        digits = re.sub(r"\D", "", value)
        return "*" * max(0, len(digits) - 2) + digits[-2:]
    return f"+33 {canonical[3]} ** ** ** {canonical[-2:]}"


def _mask_iban(value: str) -> str:
    v = _compact(value).upper()
    return f"{v[:4]} **** ... {v[-4:]}"


def _mask_digits(value: str) -> str:
    return value[:2] + "*" * (len(value) - 4) + value[-2:] if len(value) >= 10 else "*" * (len(value) - 2) + value[-2:]


def mask_identifier(id_type: str, value: str) -> str:
    """The masked form of one identifier of type ``id_type`` (see the module doc)."""
    if id_type == "nir":
        return _mask_nir(value)
    if id_type == "email":
        return _mask_email(value)
    if id_type == "phone":
        return _mask_phone(value)
    if id_type == "iban":
        return _mask_iban(value)
    if id_type == "rpps":
        v = _compact(value)
        return v[:2] + "*" * (len(v) - 4) + v[-2:] if len(v) > 4 else "*" * len(v)
    if id_type == "finess":
        return value
    return "*" * len(value)


_MASKERS = {"email": _mask_email, "iban": _mask_iban, "nir": _mask_nir, "phone": _mask_phone,
            "digits": _mask_digits}


def mask_text(text: str) -> str:
    """``text`` with every NIR-, IBAN-, e-mail- and phone-like token and every run of >= 8 digits masked."""
    def repl(m: re.Match[str]) -> str:
        kind = m.lastgroup or "digits"
        return _MASKERS[kind](m.group())

    return _TEXT.sub(repl, text)
