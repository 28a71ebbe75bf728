"""The two catalogues of the report: same keys, same placeholders, real translations; number formatting."""

from __future__ import annotations

import re
import string

import pytest

from workbench.report.i18n import CATEGORIES, EN, FR, Tr


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_catalogues_have_the_same_keys():
    assert set(FR) == set(EN), f"only FR: {set(FR) - set(EN)}; only EN: {set(EN) - set(FR)}"


def test_placeholders_match():
    differ = [k for k in FR if _fields(FR[k]) != _fields(EN[k])]
    assert not differ, f"placeholders differ: {differ}"
    assert _fields(FR["sum_found"]) == {"evidence", "size", "items", "records", "patients"}


def test_headings_are_translated():
    same = [k for k in FR if (k.startswith("s_") or k.endswith("_h")) and FR[k] == EN[k] and k != "a_est_h"]
    assert not same, f"headings identical in both languages: {same}"


def test_every_category_has_a_label():
    for cat in CATEGORIES:
        assert f"cat_{cat}" in FR and f"cat_{cat}" in EN


def test_numbers_dates_and_plurals():
    fr, en = Tr("fr"), Tr("en")
    assert fr.num(1234567) == "1\u00a0234\u00a0567"
    assert en.num(1234567) == "1,234,567"
    assert fr.dec(0.5) == "0,50" and en.dec(0.5) == "0.50"
    assert fr.pvalue(3.2e-14) == "3,2\u00a0×\u00a010^-14" and en.pvalue(3.2e-14) == "3.2\u00a0×\u00a010^-14"
    assert fr.n(0, "n_records") == "0 enregistrement" and fr.n(2, "n_records") == "2 enregistrements"
    assert en.n(1, "n_records") == "1 record" and en.n(0, "n_records") == "0 records"
    assert fr.date("2025-07-12") == "12/07/2025" and en.date("2025-07-12") == "2025-07-12"
    assert fr.size(22572) == "22,6 Ko (22\u00a0572 octets)" and en.size_short(22572) == "22.6 KB"
    assert en.join(["a", "b", "c"]) == "a, b and c" and fr.join(["a", "b"]) == "a et b"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown report language"):
        Tr("de")


def test_a_p_value_that_underflowed_is_written_as_its_power_of_ten():
    fr, en = Tr("fr"), Tr("en")
    assert fr.pvalue(0.0, -2760.4) == en.pvalue(0.0, -2760.4) == "<\u00a010^-2760"
    assert fr.p_expr(0.0, -4884.2) == "p\u00a0<\u00a010^-4884"  # an upper bound, never "p = 0" nor 0.0e+00
    assert fr.pvalue(1.2e-12, -11.9) == "1,2\u00a0×\u00a010^-12" and en.pvalue(1.2e-12) == "1.2\u00a0×\u00a010^-12"
    assert en.pvalue(None) == "-"


def test_confidence_range_is_one_value_when_both_ends_agree():
    fr, en = Tr("fr"), Tr("en")
    assert fr.range(0.99, 0.99) == "0,99" and en.range(0.9, 0.99) == "0.90 to 0.99"
    assert fr.range(0.5, 0.75) == "0,50 à 0,75"


def test_french_catalogue_has_french_typography():
    """A no-break space before every colon, semicolon, question and exclamation mark, and inside guillemets."""
    for key, text in FR.items():
        assert not re.search(r" [:;?!](\s|$)", text), key
        assert "« " not in text and " »" not in text, key


def test_enumerated_values_are_words_in_french():
    fr = Tr("fr")
    assert fr.locator("table:patients/row:2") == "table patients, ligne 2"
    assert fr.locator("sheet:Export/row:17") == "feuille Export, ligne 17"
    assert fr.fields(["birth_date", "postcode"]) == "date de naissance, code postal"
    assert fr.word("status", "confirmed") == "confirmée" and fr.kind("encrypted") == "chiffré"
    assert fr.action("evidence-acquired") == "pièce acquise"
    assert fr.label("Bases", "3") == "Bases\u00a0: 3" and Tr("en").label("Bases", "3") == "Bases: 3"
