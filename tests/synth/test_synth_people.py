import re
from datetime import date

import pytest
from stdnum import iban, luhn
from stdnum.fr import nir

from workbench.synth.establishments import DEMO_ESTABLISHMENTS, UNREGISTERED_ESTABLISHMENT, finess_check_digit
from workbench.synth.people import PeopleFactory, nir_key, phone_to_e164
from workbench.synth.tables import COMMUNES_BY_INSEE, LAB_TESTS

ALL = [*DEMO_ESTABLISHMENTS, UNREGISTERED_ESTABLISHMENT]


def test_establishments_have_valid_demo_finess_and_distinct_numbers():
    assert len({e.finess for e in ALL}) == len(ALL)
    kinds = {e.kind for e in DEMO_ESTABLISHMENTS}
    assert {"chu", "lab", "imaging", "ght", "ehpad"} <= kinds
    for e in ALL:
        assert re.fullmatch(r"\d{9}", e.finess)
        assert luhn.is_valid(e.finess), e.finess
        assert e.finess[:2] in ("35", "29", "22", "56")
        assert "démo" in e.name
        assert e.dicom_uid_root.startswith("1.2.250.1.999.")
    try:
        from workbench.engine.identifiers.validators import is_valid_finess
    except ImportError:
        return
    assert all(is_valid_finess(e.finess) for e in ALL)


def test_finess_check_digit_matches_real_numbers():
    # Real FINESS numbers (CHU Rennes, CHU Brest EJ) end with their Luhn digit.
    assert finess_check_digit("35000517") == "9"
    assert finess_check_digit("29000001") == "7"
    with pytest.raises(ValueError):
        finess_check_digit("2A000001")


def test_same_seed_same_records_other_seed_other_records():
    a = [PeopleFactory(42).record(e) for e in ALL]
    b = [PeopleFactory(42).record(e) for e in ALL]
    c = [PeopleFactory(43).record(e) for e in ALL]
    assert a == b
    assert [r.patient.nir for r in a] != [r.patient.nir for r in c]


def test_nir_valid_unique_and_consistent_with_identity():
    f = PeopleFactory(7)
    seen = set()
    depts = set()
    for i in range(5000):
        est = ALL[i % len(ALL)]
        p = f.record(est).patient
        assert nir.is_valid(p.nir), p.nir
        assert p.nir not in seen
        seen.add(p.nir)
        assert p.nir[0] == ("1" if p.sex == "M" else "2")
        assert p.nir[1:3] == f"{p.birth_date.year % 100:02d}"
        assert p.nir[3:5] == f"{p.birth_date.month:02d}"
        assert p.nir[5:10] == p.birth_commune_insee
        assert p.birth_commune_insee in COMMUNES_BY_INSEE
        assert p.birth_dept == p.birth_commune_insee[:2]
        assert 1 <= int(p.nir[10:13]) <= 899  # 900..999 are left to canaries
        assert est.matches_ipp(p.ipp), (est.short, p.ipp)
        depts.add(p.birth_dept)
        if p.iban:
            assert iban.is_valid(p.iban)
    assert {"2A", "2B", "99", "35", "29", "22", "56"} <= depts


def test_nir_key_corsica():
    first13 = "185052A004123"
    assert nir.is_valid(first13 + nir_key(first13))
    first13 = "2960299350077"
    assert nir.is_valid(first13 + nir_key(first13))


def test_nir_order_range_is_respected():
    f = PeopleFactory(3, nir_order_range=(900, 999))
    for _ in range(300):
        assert 900 <= int(f.record(ALL[0]).patient.nir[10:13]) <= 999
    with pytest.raises(ValueError):
        PeopleFactory(3, nir_order_range=(0, 1000))


def test_stays_results_dates_and_precision():
    f = PeopleFactory(11)
    rng = (date(2020, 1, 1), date(2020, 12, 31))
    precision = {t.loinc: t.decimals for t in LAB_TESTS}
    for _ in range(500):
        rec = f.record(ALL[0], stays=(2, 2), results=(3, 3), date_range=rng)
        assert len(rec.stays) == 2 and len(rec.results) == 3
        for s in rec.stays:
            assert rng[0] <= s.admit.date() <= rng[1]
            assert s.discharge >= s.admit
            assert DEMO_ESTABLISHMENTS[0].matches_nda(s.nda)
            assert luhn.is_valid(s.doctor.rpps) and len(s.doctor.rpps) == 11
        for r in rec.results:
            decimals = precision[r.code]
            assert re.fullmatch(r"\d+" + (rf"\.\d{{{decimals}}}" if decimals else ""), r.value), (r.code, r.value)
            low, high, v = float(r.ref_low), float(r.ref_high), float(r.value)
            assert r.flag == ("H" if v > high else "L" if v < low else "N")
        p = rec.patient
        if p.phone:
            assert re.fullmatch(r"\+33[1-9]\d{8}", phone_to_e164(p.phone))
            assert p.phone[:2] in ("02", "06", "07")
        if p.email:
            assert re.fullmatch(r"[a-z0-9.-]+@[a-z0-9.-]+\.[a-z]+", p.email)


def test_hemoglobin_distribution_is_plausible():
    f = PeopleFactory(5)
    values = [float(f.lab_result(LAB_TESTS[0], "F", None).value) for _ in range(4000)]
    mean = sum(values) / len(values)
    assert 12.5 < mean < 14.5
    assert sorted(values)[40] > 8 and sorted(values)[-40] < 19


def test_ehpad_residents_are_old_and_pay_by_direct_debit():
    ehpad = next(e for e in DEMO_ESTABLISHMENTS if e.kind == "ehpad")
    f = PeopleFactory(9)
    for _ in range(200):
        p = f.record(ehpad).patient
        assert (date(2025, 6, 30) - p.birth_date).days // 365 >= 74
        assert p.iban and iban.is_valid(p.iban)
