"""Canonical forms used to hash canary fields: equivalent spellings must meet, different values must not."""

from __future__ import annotations

import pytest

from workbench.beacons import normalise as norm
from workbench.engine.identifiers import validators


@pytest.mark.parametrize("spelling", ["Le Floc'h", "LE FLOCH", "le floch", "Le  Floc’h", "LE-FLOCH", "Lefloch"])
def test_breton_names_meet(spelling: str) -> None:
    assert norm.name(spelling) == "LEFLOCH"


@pytest.mark.parametrize(("a", "b"), [
    ("Hélène", "HELENE"), ("Maëlle", "MAELLE"), ("Jean-Noël", "JEAN NOEL"), ("Cœur", "COEUR"),
    ("Ségolène  Le Guével", "SEGOLENE LE GUEVEL"), ("Éloïse", "eloise"), ("Çava", "CAVA"),
])
def test_accents_and_ligatures_fold(a: str, b: str) -> None:
    assert norm.name(a) == norm.name(b)


def test_different_names_stay_different() -> None:
    assert norm.name("LE GALL") != norm.name("LE GAL")
    assert norm.person_name("Martin", "Anne") != norm.person_name("Anne", "Martin")
    assert norm.name("  ") is None and norm.name(None) is None


def test_person_name_needs_both_parts() -> None:
    assert norm.person_name("Le Floc'h", "Maëlle") == "LEFLOCH|MAELLE"
    assert norm.person_name("", "Maëlle") is None
    assert norm.normalise("name", "le floch|maelle") == "LEFLOCH|MAELLE"
    assert norm.normalise("name", "LE FLOCH MAELLE") is None


@pytest.mark.parametrize("spelling", [
    "07/03/1984", "7/3/1984", "07-03-1984", "07.03.1984", "1984-03-07", "19840307", "07031984",
    "1984-03-07T00:00:00", "1984-03-07 00:00:00", "1984-03-07T10:15:00+01:00", "198403071015", "19840307000000",
])
def test_date_forms_meet(spelling: str) -> None:
    assert norm.birth_date(spelling) == "1984-03-07"


@pytest.mark.parametrize("bad", ["31/02/1984", "1984-13-01", "84-03-07", "yesterday", "", "1984"])
def test_impossible_dates_are_none(bad: str) -> None:
    assert norm.birth_date(bad) is None


@pytest.mark.parametrize("spelling", [
    "02 99 28 43 21", "0299284321", "02.99.28.43.21", "02-99-28-43-21", "+33 2 99 28 43 21", "+33299284321",
    "+33 (0)2 99 28 43 21", "0033 2 99 28 43 21", "33299284321", "299284321", "tel:+33-2-99-28-43-21",
    "+33 0 2 99 28 43 21",
])
def test_phone_forms_meet(spelling: str) -> None:
    assert norm.phone(spelling) == "+33299284321"


def test_phone_rejects_junk() -> None:
    assert norm.phone("02 99 28") is None
    assert norm.phone("appeler le secrétariat") is None
    assert norm.phone("0299284322") != norm.phone("0299284321")


def test_email_case_and_wrapping() -> None:
    assert norm.email(" <Maelle.LeFloch@Orange.FR> ") == "maelle.lefloch@orange.fr"
    assert norm.email("mailto:maelle.lefloch@orange.fr") == "maelle.lefloch@orange.fr"
    assert norm.email("not an address") is None
    assert norm.email("a@b") is None


def test_nir_forms_and_missing_key() -> None:
    full = "284032935212345"
    body = full[:13]
    key = norm.nir_key(body)
    canonical = f"{body}{key:02d}"
    assert norm.nir(f"2 84 03 29 352 123 {key:02d}") == canonical
    assert norm.nir(f"2.84.03.29.352.123.{key:02d}") == canonical
    assert norm.nir(body) == canonical  # stored without its key
    assert norm.nir("2840329352") is None
    corsica = "184032A012345"
    assert norm.nir(corsica.lower()) == f"{corsica}{norm.nir_key(corsica):02d}"


def test_nir_and_phone_agree_with_the_identifier_validators() -> None:
    body = "1920135238067"
    nir = f"{body}{norm.nir_key(body):02d}"
    assert validators.is_valid_nir(nir)
    assert norm.nir(f"1 92 01 35 238 067 {nir[13:]}") == validators.normalise("nir", nir)
    for phone in ("02 99 28 43 21", "+33 6 12 34 56 78", "0033 (0)6 12 34 56 78"):
        assert norm.phone(phone) == validators.normalise("phone", phone)


def test_ipp_postcode_address() -> None:
    assert norm.ipp(" rn 00012345 ") == "RN00012345"
    assert norm.postcode("2200") == "02200" and norm.postcode("35000") == "35000"
    assert norm.postcode("2200.0") == "02200" and norm.postcode("3500A") is None
    assert norm.address("12 bis, av. du Général de Gaulle") == norm.address("12 BIS AVENUE DU GENERAL DE GAULLE")
    assert norm.address("3 R. de Saint-Malo") == norm.address("3 rue de St Malo")


def test_unknown_field_is_an_error() -> None:
    with pytest.raises(ValueError, match="no normalisation"):
        norm.normalise("shoe_size", "42")
