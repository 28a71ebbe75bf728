"""Numbers as each language writes them (the PDF, its charts and the console share these functions)."""

from __future__ import annotations

from workbench.report.numbers import NARROW_NBSP, decimal, group_int, number, p_expression, pvalue


def test_thousands_grouped_per_language():
    assert group_int(45638, "fr") == f"45{NARROW_NBSP}638"
    assert group_int(45638, "en") == "45,638"
    assert group_int(1_099_511_627_776, "en") == "1,099,511,627,776"
    assert decimal(1234.5, "fr", 1) == f"1{NARROW_NBSP}234,5" and decimal(0.5, "en") == "0.50"
    assert number(None) == "-" and number(250.0, "fr") == "250" and number(14.71, "fr") == "14,71"


def test_p_values_never_zero():
    assert pvalue(0.0, -4884.3) == "< 10^-4884"  # underflowed: an upper bound from log10 p
    assert p_expression(0.0, -4884.3) == "p < 10^-4884"
    assert pvalue(3.2e-14, lang="fr") == "3,2 × 10^-14" and p_expression(3.2e-14) == "p = 3.2 × 10^-14"
    assert pvalue(9.96e-5) == "1.0 × 10^-4"  # the mantissa's rounding carries into the exponent
    assert pvalue(0.012) == "0.012" and pvalue(None) == "-"
    assert "0.0e+00" not in pvalue(0.0) and pvalue(0.0).startswith("<")
