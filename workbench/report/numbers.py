"""Numbers as each language writes them, for the PDF, its charts and the command line.

French groups thousands with a narrow no-break space (U+202F, "45 638": the Imprimerie nationale's rule, and
what CLDR gives for ``fr``), writes a decimal comma and never breaks a number across lines; English groups with
commas ("45,638"). One module so that the PDF's tables, its chart axes and the console can never disagree.

p-values: a watermark test on a large table gives p far below the smallest double (1e-308), which then reads
0.0; "p = 0" claims a certainty no statistical test gives, so an underflowed p is written from its base-10
logarithm as an upper bound, ``p < 10^-4884``; other small p as ``3.2 × 10^-14``.
"""

from __future__ import annotations

import math

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
_GROUP = {"fr": NARROW_NBSP, "en": ","}
_DECIMAL = {"fr": ",", "en": "."}


def group_int(n: int | float, lang: str = "en") -> str:
    """An integer with its thousands grouped the way ``lang`` writes them."""
    text = f"{int(round(n)):,}"
    return text.replace(",", _GROUP.get(lang, ","))


def decimal(x: float, lang: str = "en", digits: int = 2) -> str:
    """A decimal number with ``digits`` after the point (comma in French), thousands grouped."""
    text = f"{x:,.{digits}f}"
    whole, _, frac = text.partition(".")
    whole = whole.replace(",", _GROUP.get(lang, ","))
    return f"{whole}{_DECIMAL.get(lang, '.')}{frac}" if frac else whole


def number(x: int | float | None, lang: str = "en", digits: int = 2) -> str:
    """An integer grouped, a non-integer float with ``digits`` decimals; ``-`` for nothing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and not x.is_integer():
        return decimal(x, lang, digits)
    return group_int(x, lang)


def pvalue(p: float | None, log10_p: float | None = None, lang: str = "en") -> str:
    """The value part of a p-value: ``< 10^-4884`` (underflowed), ``3.2 × 10^-14``, ``0.012``; ``-`` for none."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "-"
    if p <= 0 or p < 1e-300:
        if log10_p is not None and not math.isnan(log10_p):
            return f"< 10^{math.ceil(log10_p)}"
        return "< 10^-300"
    if p < 0.001:
        exponent = math.floor(math.log10(p))
        mantissa = p / 10**exponent
        if mantissa >= 9.95:  # 9.96e-5 rounds to 10.0: carry into the exponent
            mantissa, exponent = mantissa / 10, exponent + 1
        return f"{decimal(mantissa, lang, 1)} × 10^{exponent}"
    return decimal(p, lang, 3)


def p_expression(p: float | None, log10_p: float | None = None, lang: str = "en") -> str:
    """``p < 10^-4884`` or ``p = 3.2 × 10^-14`` (a sentence's part)."""
    value = pvalue(p, log10_p, lang)
    if value == "-":
        return "p = -"
    return f"p {value}" if value.startswith("<") else f"p = {value}"
