"""Check-digit validators: known numbers, Corsica, stdnum cross-check, false-positive rate of the NIR key."""

from __future__ import annotations

import random

import numpy as np
import pytest
from stdnum.fr import nir as stdnum_nir

from workbench.engine.identifiers.validators import (
    is_valid_email,
    is_valid_finess,
    is_valid_iban,
    is_valid_nir,
    is_valid_phone_fr,
    is_valid_rpps,
    nir_key,
    nir_structure_ok,
    normalise,
)


def make_nir(rnd: random.Random, *, corsica: bool = False) -> str:
    sex = rnd.choice("123478")
    month = rnd.choice([rnd.randint(1, 12), rnd.randint(20, 42), rnd.randint(50, 99)])
    dept = rnd.choice(["2A", "2B"]) if corsica else f"{rnd.randint(1, 99):02d}"
    body = f"{sex}{rnd.randint(0, 99):02d}{month:02d}{dept}{rnd.randint(1, 999):03d}{rnd.randint(1, 999):03d}"
    return body + f"{nir_key(body):02d}"


# --- NIR -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("nir", ["295109912611193", "253072B07300470", "253072A07300443", "185057800608491",
                                 "2 95 10 99 126 111 93", "1.85.05.78.006.084.91", "1-85-05-78-006-084-91",
                                 "1850578006084 91", "253072b07300470"])
def test_valid_nirs(nir: str) -> None:
    assert is_valid_nir(nir)


@pytest.mark.parametrize("nir", [
    "295109912611199",  # wrong key
    "185057800608436",  # the key of the usual textbook example is wrong
    "595109912611193",  # sex digit 5 does not exist
    "285139912611193",  # month 13
    "285459912611193",  # month 45 (43-49 unused)
    "253072C07300443",  # no department 2C
    "1850500006084",  # too short
    "18505780060849100",  # too long
    "285100012611193",  # department 00
])
def test_invalid_nirs(nir: str) -> None:
    assert not is_valid_nir(nir)


def test_corsica_key_uses_19_and_18() -> None:
    for dept, as_digits in (("2A", "19"), ("2B", "18")):
        body = "18505" + dept + "123456"
        key = 97 - int("18505" + as_digits + "123456") % 97
        assert is_valid_nir(body + f"{key:02d}")
        for other in ("20", "21", "22"):  # the FINESS rule, or a plain 20, would give another key
            wrong = 97 - int("18505" + other + "123456") % 97
            assert wrong == key or not is_valid_nir(body + f"{wrong:02d}")


def test_normalise_nir_to_15_characters() -> None:
    assert normalise("nir", "1 85 05 78 006 084 91") == "185057800608491"
    assert normalise("nir", "2.53.07.2b.073.004.70") == "253072B07300470"
    with pytest.raises(ValueError):
        normalise("nir", "1 85 05 78 006 084 36")


def test_stdnum_agrees_on_10k_generated_nirs() -> None:
    rnd = random.Random(20240601)
    for i in range(10_000):
        nir = make_nir(rnd, corsica=i % 10 == 0)
        assert is_valid_nir(nir), nir
        assert stdnum_nir.is_valid(nir), nir
        other_key = (int(nir[13:]) + 1 + rnd.randint(0, 95)) % 100
        broken = nir[:13] + f"{other_key:02d}"
        assert is_valid_nir(broken) == stdnum_nir.is_valid(broken), broken


def test_key_check_passes_one_random_structured_number_in_a_hundred() -> None:
    """1M random 15-digit strings: of those with a valid structure, 1/100 pass (the key is 2 random digits)."""
    rng = np.random.default_rng(97)
    digits = rng.integers(0, 10, size=(1_000_000, 15), dtype=np.uint8) + 0x30
    blob = digits.tobytes().decode("ascii")
    structured = passed = invalid_passed = 0
    for k in range(0, len(blob), 15):
        s = blob[k : k + 15]
        if nir_structure_ok(s):
            structured += 1
            passed += is_valid_nir(s)
        elif is_valid_nir(s):
            invalid_passed += 1
    assert invalid_passed == 0
    # sex 6/10 x month 85/100 x department != 00 (99/100): about 505,000 structured strings
    assert 480_000 < structured < 530_000
    assert 0.009 < passed / structured < 0.011


# --- FINESS ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("finess", ["350005179", "290000017", "800009920",
                                    # Corsica, as published by ARS Corse: 2A -> 21, 2B -> 22 in the Luhn sum
                                    "2A0000014", "2A0000170", "2A0000261", "2A0000386", "2A0002051", "2A0002606",
                                    "2B0000020", "2B0004246", "2B0005342", "35 000 517 9"])
def test_valid_finess(finess: str) -> None:
    assert is_valid_finess(finess)


@pytest.mark.parametrize("finess", ["350005178", "2A0000015", "2C0000020", "000000000", "35000517", "3500051790",
                                    "35O005179"])
def test_invalid_finess(finess: str) -> None:
    assert not is_valid_finess(finess)


# --- RPPS ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rpps", ["10100710366", "10001850758", "10100842904", "10100534436"])
def test_valid_rpps_from_real_hl7_messages(rpps: str) -> None:
    assert is_valid_rpps(rpps)
    assert is_valid_rpps("8" + rpps)  # IDNPS form
    assert normalise("rpps", "8" + rpps) == rpps


@pytest.mark.parametrize("rpps", ["10100710367", "20100710366", "1010071036", "101007103660"])
def test_invalid_rpps(rpps: str) -> None:
    assert not is_valid_rpps(rpps)


# --- IBAN ------------------------------------------------------------------------------------------

def test_iban() -> None:
    assert is_valid_iban("FR76 3000 6000 0112 3456 7890 189")
    assert is_valid_iban("DE89370400440532013000")
    assert is_valid_iban("GB82 WEST 1234 5698 7654 32")
    assert not is_valid_iban("FR76 3000 6000 0112 3456 7890 188")
    assert not is_valid_iban("FR7630006000011234567890")  # wrong length for France
    assert normalise("iban", "fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"


# --- e-mail ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["jean.dupont@chu-rennes.fr", "a@b.co", "o'brien+tag@mail.example.org",
                                   "x_y-z@sub.domain.xn--p1ai"])
def test_valid_emails(email: str) -> None:
    assert is_valid_email(email)


@pytest.mark.parametrize("email", ["jean..dupont@chu.fr", ".jean@chu.fr", "jean.@chu.fr", "jean@chu", "jean@chu.f",
                                   "jean@-chu.fr", "jean@chu-.fr", "jean@@chu.fr", "jéan@chu.fr", "@chu.fr",
                                   "a" * 65 + "@chu.fr", "jean@chu.123"])
def test_invalid_emails(email: str) -> None:
    assert not is_valid_email(email)


def test_email_normalises_to_lower_case() -> None:
    assert normalise("email", " Jean.Dupont@CHU-Rennes.fr ") == "jean.dupont@chu-rennes.fr"


# --- phone -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678",
                                 "+33 6 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78",
                                 "+33(0)612345678"])
def test_mobile_forms_normalise_alike(raw: str) -> None:
    assert is_valid_phone_fr(raw)
    assert normalise("phone", raw) == "+33612345678"


@pytest.mark.parametrize("raw,canonical", [("02 99 28 43 21", "+33299284321"), ("01 45 67 89 10", "+33145678910"),
                                           ("09 72 10 20 30", "+33972102030"), ("07 81 23 45 67", "+33781234567")])
def test_landlines_and_other_mobiles(raw: str, canonical: str) -> None:
    assert normalise("phone", raw) == canonical


@pytest.mark.parametrize("raw", ["00 12 34 56 78", "6 12 34 56 78", "06 12 34 56 7", "061234567890", "+44 20 7946 0958",
                                 "+33 6 12 34 56"])
def test_invalid_phones(raw: str) -> None:
    assert not is_valid_phone_fr(raw)


def test_normalise_rejects_unknown_type() -> None:
    with pytest.raises(ValueError):
        normalise("ssn", "123")
