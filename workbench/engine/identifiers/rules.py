"""The structural rules of the French identifiers, in one table read by the validator and the fast scanner.

Why one table: the scanner (numpy byte tables, :mod:`.digits`) and the validator (:mod:`.validators`) used to
carry their own copies, and they drifted: the scanner counted NIRs and FINESS numbers of department ``00``, which
the validator rejects (issue 12). Both now derive their checks from the constants below, and
``tests/engine/test_identifiers_differential.py`` holds them together on 100,000+ candidates per type.

- NIR / INS: first character (sex) 1/2, 3/4/7/8 provisional; month 01-12, 20-42 or 50-99 (unknown or
  provisional month, INSEE); department two digits other than ``00``, or ``2A``/``2B`` (Corsica), letters in
  either case (``2a`` is written by hand-typed exports; the canonical value is upper-case).
- FINESS: the same department rule on its first two characters.
- Check digits: NIR key 97 - (N mod 97) with 2A -> 19, 2B -> 18; FINESS Luhn with 2A -> 21, 2B -> 22.
"""

from __future__ import annotations

NIR_SEX_DIGITS = frozenset("123478")
NIR_MONTHS = frozenset(m for m in range(100) if 1 <= m <= 12 or 20 <= m <= 42 or m >= 50)
DEPARTMENT_NUMBERS = frozenset(range(1, 100))  # "00" is no department
CORSICA = ("2A", "2B")
NIR_CORSICA_DIGITS = {"2A": "19", "2B": "18"}  # in the NIR key computation
FINESS_CORSICA_DIGITS = {"2A": "21", "2B": "22"}  # in the FINESS Luhn sum (letter's rank in the alphabet)


def department_ok(dept: str) -> bool:
    """Two characters: a department number 01-99 or Corsica's 2A/2B (upper-case: compact values first)."""
    if dept in CORSICA:
        return True
    return len(dept) == 2 and dept.isascii() and dept.isdigit() and int(dept) in DEPARTMENT_NUMBERS


def nir_month_ok(month: str) -> bool:
    """01-12 are calendar months; 20-42 and 50-99 mark an unknown or provisional month."""
    return len(month) == 2 and month.isascii() and month.isdigit() and int(month) in NIR_MONTHS
