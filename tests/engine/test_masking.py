"""Masking of identifiers in logs, excerpts and reports."""

from __future__ import annotations

import re

import pytest

from workbench.engine.masking import mask_identifier, mask_text


@pytest.mark.parametrize("id_type,value,masked", [
    ("nir", "185057800608491", "1 85 ** ** *** *** 91"),
    ("nir", "2 53 07 2B 073 004 70", "2 53 ** ** *** *** 70"),
    ("email", "jean.dupont@chu-rennes.fr", "j***@c***.fr"),
    ("phone", "+33612345678", "+33 6 ** ** ** 78"),
    ("phone", "02 99 28 43 21", "+33 2 ** ** ** 21"),
    ("iban", "FR7630006000011234567890189", "FR76 **** ... 0189"),
    ("iban", "FR76 3000 6000 0112 3456 7890 189", "FR76 **** ... 0189"),
    ("rpps", "10100710366", "10*******66"),
    ("finess", "350005179", "350005179"),  # an establishment, not a person
])
def test_mask_identifier(id_type: str, value: str, masked: str) -> None:
    assert mask_identifier(id_type, value) == masked


def test_mask_text_hides_every_personal_value() -> None:
    text = ("PID|||185057800608491^^^INS||MOREAU^CAROLINE||19880912|F|||22 Bd Gambetta^^Rennes^^35000||"
            "06 12 34 56 78~+33 2 99 28 43 21|caroline.moreau@wanadoo.fr|IBAN FR76 3000 6000 0112 3456 7890 189; "
            "NIR (clé fausse) 1 85 05 78 006 084 36; dossier 0004159601; tel 0033612345678")
    masked = mask_text(text)
    for secret in ("185057800608491", "0612345678", "06 12 34 56 78", "99 28 43", "caroline.moreau", "wanadoo",
                   "3000 6000", "006 084", "4159601", "612345678"):
        assert secret not in masked, secret
    assert "1 85 ** ** *** *** 91" in masked
    assert "c***@w***.fr" in masked
    assert "FR76 **** ... 0189" in masked
    assert "+33 6 ** ** ** 78" in masked
    assert not re.search(r"\d{8,}", masked)
    # what is not personal stays readable
    assert "MOREAU" in masked  # names are masked by the callers that know a field is a name, not by pattern
    assert "35000" in masked and "19880912" not in masked  # a date written as 8 digits is masked like any long run


def test_mask_text_leaves_plain_text_alone() -> None:
    text = "Compte rendu d'hospitalisation du 12/03/2024 : créatinine 85 µmol/L, Hb 13,2 g/dL."
    assert mask_text(text) == text


def test_mask_text_is_fast_enough_for_excerpts() -> None:
    import time

    text = "patient 185057800608491 tel 06 12 34 56 78 mail a.b@c.fr " * 2000
    t = time.perf_counter()
    masked = mask_text(text)
    assert time.perf_counter() - t < 1.0
    assert "185057800608491" not in masked


def test_strict_excerpts_hide_given_names_and_birth_dates_but_keep_labels():
    text = "Patient : CLOAREC Christelle Née le 12/03/1985 Hémoglobine 13.2 g/dL PID|1||LE GOFF^Anne"
    masked = mask_text(text, strict=True)
    for secret in ("CLOAREC", "Christelle", "12/03", "GOFF", "Anne"):
        assert secret not in masked
    for label in ("Patient", "Née", "Hémoglobine", "PID", "1985"):
        assert label in masked


def test_mask_path_masks_the_case_names_in_any_spelling() -> None:
    from workbench.engine.masking import fold_name, mask_path

    names = frozenset(fold_name(n) for n in ("Gérard", "legoff", "N'Diaye", "moreau"))
    assert mask_path("CR_MOREAU_Gerard_1 85 05 78 006 084 91.pdf", names) == "CR_M*****_G*****_1 85 ** ** *** *** 91.pdf"
    assert mask_path("envoi!/CR_legoff_BIO-5250877.pdf", names) == "envoi!/CR_l*****_BIO-5250877.pdf"
    assert mask_path("n'diaye.hl7", names) == "n******.hl7"
    assert mask_path("export/patients.csv", names) == "export/patients.csv"  # no name: unchanged
    assert mask_path("CR_moreau.pdf") == "CR_moreau.pdf"  # without the case's names: identifiers only
