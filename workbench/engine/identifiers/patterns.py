"""The hyperscan patterns of the identifier scanner.

Two families:

- *fixed* forms (NIR, FINESS, RPPS, French phone): every written form has a fixed length, so the start of a
  match is its end minus that length (no ``HS_FLAG_SOM_LEFTMOST``, which makes large multi-pattern databases
  fail to compile). ``sig`` lists the positions of the significant characters inside the token, so canonical
  values and check digits are computed on all matches of a window at once with numpy.
- *variable* forms (e-mail, IBAN): a handful of patterns compiled with ``HS_FLAG_SOM_LEFTMOST``.

Each form is compiled in four boundary variants so that only tokens *not* inside a longer run match:
``[^boundary]tok[^boundary]``, ``^tok[^boundary]``, ``[^boundary]tok\\z`` and ``^tok\\z`` (``^``/``\\z`` are the
ends of the scanned window: the scanner re-checks those against the whole buffer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import stdnum.iban

from workbench.engine.identifiers.rules import CORSICA, DEPARTMENT_NUMBERS, NIR_MONTHS, NIR_SEX_DIGITS

# One-byte separators written between digit groups: space, dot, dash, no-break space (latin-1 / cp1252).
GROUP_SEPARATORS = (b" ", b".", b"-", b"\xa0")

ALNUM_CLASS = b"0-9A-Za-z"
# Characters that may not touch a token, per family (inside a [^...] class).
NOT_BEFORE = {"default": ALNUM_CLASS, "phone": ALNUM_CLASS + b"+",
              "email": ALNUM_CLASS + rb"._%+\-"}
NOT_AFTER = {"default": ALNUM_CLASS, "email": ALNUM_CLASS + rb"\-"}

# Variant v: bit 0 = starts at the window start (^), bit 1 = ends at the window end (\z).
VARIANTS = (0, 1, 2, 3)


@dataclass(frozen=True)
class FixedForm:
    id_type: str
    regex: bytes  # the token only, no boundaries
    length: int
    sig: tuple[int, ...]  # positions of the significant characters in the token
    prefix: str = ""  # prepended to the significant characters to make the canonical value ("+33" for phones)


@dataclass(frozen=True)
class VariableForm:
    id_type: str
    regex: bytes
    name: str  # "email", "iban", "iban-spaced"
    som: bool = True  # compiled with HS_FLAG_SOM_LEFTMOST; else only the end is known and Python finds the start


def _lit(literal: bytes) -> bytes:
    return b"".join(b"\\x%02x" % c for c in literal)


_D = b"[0-9]"
# From the rules table (regexes of the reference scanner; the fast scanner's byte tables read the same table).
NIR_SEX = b"[" + "".join(sorted(NIR_SEX_DIGITS)).encode() + b"]"
NIR_MONTH = b"(?:" + b"|".join(b"%02d" % m for m in sorted(NIR_MONTHS)) + b")"
DEPT = b"(?:" + b"|".join([b"%02d" % d for d in sorted(DEPARTMENT_NUMBERS)]
                          + [c[0].encode() + b"[" + c[1].encode() + c[1].lower().encode() + b"]" for c in CORSICA]) + b")"
NIR_DEPT = DEPT


def _grouped(groups: list[tuple[bytes, int, bool]], sep: bytes) -> tuple[bytes, int, tuple[int, ...]]:
    """Join (regex, width, significant) groups with a one-byte separator regex; return regex, length, positions."""
    regex, sig, pos = b"", [], 0
    for i, (rx, width, significant) in enumerate(groups):
        if i and sep:
            regex += sep
            pos += 1
        regex += rx
        if significant:
            sig.extend(range(pos, pos + width))
        pos += width
    return regex, pos, tuple(sig)


# Any one-byte group separator; mixing them ("1 85.05 ...") is accepted: the check digits decide.
SEP = b"[" + b"".join(_lit(s) for s in GROUP_SEPARATORS) + b"]"


def _nir_forms() -> list[FixedForm]:
    groups = [(NIR_SEX, 1, True), (_D + b"{2}", 2, True), (NIR_MONTH, 2, True), (NIR_DEPT, 2, True),
              (_D + b"{3}", 3, True), (_D + b"{3}", 3, True), (_D + b"{2}", 2, True)]
    compact = [(b"".join(g for g, _, _ in groups[:-1]), 13, True), groups[-1]]
    return [
        FixedForm("nir", *_grouped(compact, b"")),  # 185057800608491
        FixedForm("nir", *_grouped(groups, SEP)),  # 1 85 05 78 006 084 91
        FixedForm("nir", *_grouped(compact, SEP)),  # 1850578006084 91
    ]


# "+330612..." / "00330612...": the trunk 0 kept after the country code (a common mistake the validator accepts;
# with a separator, "+33 06 12 ...", the national part is found on its own, with the same canonical value).
PHONE_HEADS = (b"0", b"+330", b"00330", b"+33", b"+33 ", b"+33.", b"+33-", b"+33\xa0", b"0033", b"0033 ", b"+33(0)", b"+33 (0)",
               b"+33(0) ", b"+33 (0) ", b"+33 (0)\xa0", b"0033(0)", b"0033 (0)", b"0033 (0) ")


def _phone_forms() -> list[FixedForm]:
    """0X XX XX XX XX and its +33 / 0033 / +33 (0) forms; significant: the 9 digits after the 0 or +33.

    Heads of one length are one alternation, so every pattern keeps a fixed length.
    """
    forms = []
    pairs = [(_D + b"{2}", 2, True)] * 4
    for size in sorted({len(h) for h in PHONE_HEADS}):
        heads = b"(?:" + b"|".join(_lit(h) for h in PHONE_HEADS if len(h) == size) + b")"
        lead = (heads, size, False)
        compact = _grouped([lead, (b"[1-9]" + _D + b"{8}", 9, True)], b"")
        forms.append(FixedForm("phone", *compact, prefix="+33"))
        rx, length, sig = _grouped([(b"[1-9]", 1, True)] + pairs, SEP)
        forms.append(FixedForm("phone", heads + rx, size + length, tuple(size + i for i in sig), prefix="+33"))
    return forms


def fixed_forms() -> list[FixedForm]:
    forms = _nir_forms()
    forms.append(FixedForm("finess", DEPT + b"[0-9]{7}", 9, tuple(range(9))))
    forms.append(FixedForm("rpps", b"1[0-9]{10}", 11, tuple(range(11))))
    forms.append(FixedForm("rpps", b"81[0-9]{10}", 12, tuple(range(1, 12))))  # IDNPS = "8" + RPPS
    forms += _phone_forms()
    return forms


def iban_countries() -> list[str]:
    """Country codes of the IBAN registry bundled with python-stdnum."""
    dat = Path(stdnum.iban.__file__).with_name("iban.dat")
    codes = set()
    for line in dat.read_text(encoding="utf-8").splitlines():
        m = re.match(r"([A-Z]{2}) ", line)
        if m:
            codes.add(m.group(1))
    return sorted(codes)


def variable_forms() -> list[VariableForm]:
    # IBANs in either case: ISO 13616 prints them upper-case, but a lower-case one is just as valid (the
    # validator upper-cases it) and exports of hand-typed fields hold them; the canonical value is upper-case.
    cc = b"(?:" + b"|".join(b"".join(b"[%c%c]" % (ord(ch), ord(ch.lower())) for ch in c)
                            for c in iban_countries()) + b")"
    atom = rb"[A-Za-z0-9_%+\-]+"  # the usual subset of RFC 5322 atext (see scanner._EMAIL_LOCAL_CHARS)
    email = (atom + rb"(?:\." + atom + rb")*@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+"
             rb"(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9\-]+)")
    return [
        # start-of-match tracking on the e-mail pattern costs 5x its scan time: the scanner finds the start itself
        VariableForm("email", email, "email", som=False),
        VariableForm("iban", cc + rb"[0-9]{2}[0-9A-Za-z]{11,30}", "iban"),
        VariableForm("iban", cc + rb"[0-9]{2}(?: [0-9A-Za-z]{4}){2,7}(?: [0-9A-Za-z]{1,3})?", "iban-spaced"),
    ]


def with_boundaries(regex: bytes, variant: int, id_type: str) -> bytes:
    before = b"^" if variant & 1 else b"[^" + NOT_BEFORE.get(id_type, NOT_BEFORE["default"]) + b"]"
    after = rb"\z" if variant & 2 else b"[^" + NOT_AFTER.get(id_type, NOT_AFTER["default"]) + b"]"
    return before + regex + after


# --- shapes: the fixed forms as one byte class per position (the numpy matcher of digits.py) ----------------

DIGITS = b"0123456789"
SEPARATORS = b"".join(GROUP_SEPARATORS)
# second department character: a Corsican letter in either case, only after "2" (checked on the values)
_DEPT2 = DIGITS + b"".join(c[1].encode() + c[1].lower().encode() for c in CORSICA)


@dataclass(frozen=True)
class Shape:
    """A fixed-length written form: the bytes allowed at each position, and where its significant characters are.

    ``check``: ``"nir"`` (month and department of :mod:`.rules`) or ``"dept"`` (FINESS department, same rule). Equivalent to the regexes of :func:`fixed_forms` (the differential tests hold them together).
    """

    id_type: str
    classes: tuple[bytes, ...]
    sig: tuple[int, ...]
    prefix: str = ""
    check: str = ""

    @property
    def length(self) -> int:
        return len(self.classes)


def _shape(id_type: str, groups: list[tuple[list[bytes], bool]], sep: bool, **kw: str) -> Shape:
    classes: list[bytes] = []
    sig: list[int] = []
    for i, (cls, significant) in enumerate(groups):
        if i and sep:
            classes.append(SEPARATORS)
        if significant:
            sig.extend(range(len(classes), len(classes) + len(cls)))
        classes.extend(cls)
    return Shape(id_type, tuple(classes), tuple(sig), **kw)


def shapes() -> list[Shape]:
    d = DIGITS
    nir = [(["".join(sorted(NIR_SEX_DIGITS)).encode()], True), ([d, d], True), ([d, d], True), ([d, _DEPT2], True), ([d] * 3, True),
           ([d] * 3, True), ([d, d], True)]
    nir13 = [([c for cls, _ in nir[:-1] for c in cls], True), nir[-1]]
    out = [_shape("nir", nir13, False, check="nir"), _shape("nir", nir, True, check="nir"),
           _shape("nir", nir13, True, check="nir"),
           _shape("finess", [([d, _DEPT2] + [d] * 7, True)], False, check="dept"),
           _shape("rpps", [([b"1"] + [d] * 10, True)], False),
           _shape("rpps", [([b"8"], False), ([b"1"] + [d] * 10, True)], False)]
    for head in PHONE_HEADS:
        lead = ([bytes([c]) for c in head], False)
        out.append(_shape("phone", [lead, ([b"123456789"] + [d] * 8, True)], False, prefix="+33"))
        spaced = _shape("phone", [([b"123456789"], True)] + [([d, d], True)] * 4, True, prefix="+33")
        out.append(Shape("phone", tuple(lead[0]) + spaced.classes, tuple(len(head) + i for i in spaced.sig), "+33"))
    return out
