"""Synthetic patients, stays and lab results that look like Breton hospital data.

`PeopleFactory(seed)` is deterministic: the same seed and the same sequence of calls give the same records.
NIRs are consistent with sex, birth year and month and birthplace, carry a valid key, and are unique within
a factory: order numbers are handed out per (sex, year, month, commune) like a birth register does, inside
``nir_order_range``. The default range (1..899) leaves 900..999 free, so canaries minted with that range can
never collide with a generated patient.
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate

from faker import Faker
from faker.providers.person.fr_FR import Provider as _FrPerson
from stdnum import iban as _iban
from stdnum import luhn

from workbench.synth.establishments import EstablishmentProfile
from workbench.synth.tables import (
    ABROAD_BIRTHPLACES,
    BANK_CODES,
    BRETON_COMMUNES,
    BRETON_FAMILY_NAMES,
    BRETON_GIVEN_NAMES_F,
    BRETON_GIVEN_NAMES_M,
    COMMUNES_BY_INSEE,
    DIAGNOSES,
    EMAIL_DOMAINS,
    LAB_TESTS,
    OTHER_BIRTHPLACES,
    UNITS_BY_KIND,
    Commune,
    LabTest,
)

DEFAULT_DATE_RANGE = (date(2019, 1, 1), date(2025, 6, 30))


@dataclass(slots=True)
class Patient:
    nir: str  # 15 characters, key included
    family_name: str  # nom d'usage
    birth_name: str  # nom de naissance
    given_name: str
    sex: str  # "M" / "F"
    birth_date: date
    birth_dept: str  # 2 characters ("35", "2A", "99" = abroad)
    birth_commune_insee: str  # 5 characters
    address: str
    postcode: str
    city: str
    phone: str | None  # as written in French software: "06 12 34 56 78"
    email: str | None
    ipp: str
    iban: str | None = None  # residents paying by direct debit (EHPAD, clinics)


@dataclass(slots=True)
class Doctor:
    rpps: str  # 11 digits, Luhn
    family_name: str
    given_name: str
    specialty: str
    email: str


@dataclass(slots=True)
class Stay:
    nda: str
    admit: datetime
    discharge: datetime
    unit: str
    diagnosis_code: str  # CIM-10
    diagnosis_label: str
    finess: str
    doctor: Doctor | None = None


@dataclass(slots=True)
class LabResult:
    code: str  # LOINC
    label: str
    value: str  # with the analyser's precision, '.' as decimal separator
    unit: str
    ref_low: str
    ref_high: str
    flag: str  # "H", "L" or "N"
    when: datetime


@dataclass(slots=True)
class PatientRecord:
    patient: Patient
    stays: list[Stay]
    results: list[LabResult]
    establishment: EstablishmentProfile
    prescriber: Doctor | None = None
    extra: dict[str, str] = field(default_factory=dict)  # free tags (e.g. set by canary planters)


# ---------------------------------------------------------------------------------------------------------
# identifier helpers


def nir_key(first13: str) -> str:
    """97 - (N mod 97), with Corsica's 2A -> 19 and 2B -> 18."""
    n = int(first13.upper().replace("2A", "19").replace("2B", "18"))
    return f"{97 - n % 97:02d}"


def phone_to_e164(phone: str) -> str:
    """'06 12 34 56 78' -> '+33612345678'."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("33"):
        digits = digits[2:]
    return "+33" + digits.lstrip("0")


@lru_cache(maxsize=8192)
def ascii_slug(text: str, sep: str = "") -> str:
    """'Le Floc'h' -> 'lefloch' (sep='') ; accents dropped."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    out = []
    for ch in plain:
        if ch.isalnum():
            out.append(ch)
        elif ch in " -" and sep:
            out.append(sep)
    return "".join(out).strip(sep) if sep else "".join(out)


def rib_key(bank: str, branch: str, account: str) -> str:
    """Clé RIB of a French bank account (numeric account numbers)."""
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def make_fr_iban(rng: random.Random) -> str:
    bank = rng.choice(BANK_CODES)
    branch = f"{rng.randrange(100000):05d}"
    account = f"{rng.randrange(10**11):011d}"
    bban = bank + branch + account + rib_key(bank, branch, account)
    return "FR" + _iban.calc_check_digits("FR00" + bban) + bban


def format_iban(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


# ---------------------------------------------------------------------------------------------------------


_AGE_BANDS = {"ehpad": ((75, 102),), "default": ((0, 17), (18, 44), (45, 64), (65, 79), (80, 98))}
_AGE_CUM = {True: (1.0,), False: tuple(accumulate((0.12, 0.25, 0.25, 0.23, 0.15)))}


class FastRandom(random.Random):
    """random.Random with choice/randint/randrange built on random(): 3-4x faster, deterministic, and
    uniform enough for synthetic data (ranges here are tiny next to 2**53)."""

    def choice(self, seq):  # type: ignore[override]
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:  # type: ignore[override]
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


class PeopleFactory:
    """Deterministic generator of `PatientRecord`s for an establishment."""

    def __init__(self, seed: int, *, nir_order_range: tuple[int, int] = (1, 899)) -> None:
        lo, hi = nir_order_range
        if not 1 <= lo <= hi <= 999:
            raise ValueError(f"bad NIR order range {nir_order_range}")
        self.seed = seed
        self._order_lo, self._order_hi = lo, hi
        self.rng = FastRandom(seed)
        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        self.faker = fake
        # Pools drawn once from Faker (seeded), then sampled with our own RNG: Faker per call is too slow for
        # millions of rows, and the pools keep Faker's fr_FR distribution of names and street names.
        self._streets = tuple(sorted({fake.street_name() for _ in range(600)}))
        self._family = tuple(_FrPerson.last_names) + BRETON_FAMILY_NAMES * 4
        self._given_m = tuple(_FrPerson.first_names_male) + BRETON_GIVEN_NAMES_M * 2
        self._given_f = tuple(_FrPerson.first_names_female) + BRETON_GIVEN_NAMES_F * 2
        self._orders: dict[tuple[str, int, int, str], int] = {}
        self._doctors: dict[str, tuple[Doctor, ...]] = {}

    # -- people ------------------------------------------------------------------------------------------

    def doctors(self, est: EstablishmentProfile) -> tuple[Doctor, ...]:
        """The establishment's practitioners (stable for a seed, independent of the call order)."""
        pool = self._doctors.get(est.finess)
        if pool is None:
            rng = FastRandom(f"{self.seed}:{est.finess}:doctors")
            domain = est.short.replace("-", "") + ".fr"
            specialties = ("Médecine générale", "Cardiologie", "Biologie médicale", "Radiologie",
                           "Gériatrie", "Pneumologie", "Oncologie médicale", "Anesthésie-réanimation")
            docs = []
            seen: set[str] = set()
            for _ in range(24):
                given = rng.choice(self._given_m if rng.random() < 0.5 else self._given_f)
                family = rng.choice(self._family)
                rpps = "10" + f"{rng.randrange(10**8):08d}"
                rpps += luhn.calc_check_digit(rpps)
                if rpps in seen:
                    continue
                seen.add(rpps)
                email = f"{ascii_slug(given, '-')}.{ascii_slug(family, '-')}@{domain}"
                docs.append(Doctor(rpps, family, given, rng.choice(specialties), email))
            pool = tuple(docs)
            self._doctors[est.finess] = pool
        return pool

    def _birthplace(self, est: EstablishmentProfile) -> Commune:
        r = self.rng.random()
        if r < 0.70 and est.communes:
            return COMMUNES_BY_INSEE[self.rng.choice(est.communes)]
        if r < 0.90:
            return self.rng.choice(BRETON_COMMUNES)
        if r < 0.97:
            return self.rng.choice(OTHER_BIRTHPLACES)
        return self.rng.choice(ABROAD_BIRTHPLACES)

    def _nir(self, sex: str, birth: date, place: Commune, est: EstablishmentProfile) -> tuple[str, Commune]:
        rng = self.rng
        for _ in range(50):
            key = (sex, birth.year % 100, birth.month, place.insee)
            order = self._orders.get(key)
            order = rng.randint(self._order_lo, min(self._order_hi, self._order_lo + 60)) if order is None \
                else order + rng.randint(1, 3)
            if order <= self._order_hi:
                self._orders[key] = order
                first13 = f"{'1' if sex == 'M' else '2'}{birth.year % 100:02d}{birth.month:02d}{place.insee}{order:03d}"
                return first13 + nir_key(first13), place
            place = self._birthplace(est)  # this birth register is full: born elsewhere
        raise RuntimeError("NIR order numbers exhausted: widen nir_order_range or use another seed")

    def _phone(self, place: Commune) -> str:
        rng = self.rng
        if rng.random() < 0.62:
            head = rng.choice(("06", "07"))
            rest = f"{rng.randrange(10**8):08d}"
        else:
            head = place.landline_prefix[:2] if place.landline_prefix else "02"
            rest = place.landline_prefix[2:] + f"{rng.randrange(10**6):06d}" if place.landline_prefix \
                else f"{rng.randrange(10**8):08d}"
        digits = head + rest
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))

    def patient(self, est: EstablishmentProfile, *, ref_date: date | None = None) -> Patient:
        rng = self.rng
        ref = ref_date or DEFAULT_DATE_RANGE[1]
        sex = "M" if rng.random() < 0.49 else "F"
        bands = _AGE_BANDS.get(est.kind, _AGE_BANDS["default"])
        lo, hi = bands[bisect(_AGE_CUM[est.kind == "ehpad"], rng.random() * _AGE_CUM[est.kind == "ehpad"][-1])]
        age = rng.randint(lo, hi)
        birth = ref - timedelta(days=age * 365 + rng.randrange(365))
        place = self._birthplace(est)
        nir, place = self._nir(sex, birth, place, est)
        given = rng.choice(self._given_m if sex == "M" else self._given_f)
        birth_name = rng.choice(self._family)
        family = birth_name
        if sex == "F" and age >= 25 and rng.random() < 0.45:
            family = rng.choice(self._family)  # married name in use
        home = COMMUNES_BY_INSEE[rng.choice(est.communes)] if est.communes else rng.choice(BRETON_COMMUNES)
        number = rng.randint(1, 180)
        suffix = rng.choice(("", "", "", "", " bis", " ter"))
        address = f"{number}{suffix} {rng.choice(self._streets)}"
        phone = self._phone(home) if rng.random() < 0.93 else None
        email = None
        if rng.random() < 0.68 and age >= 16:
            local = f"{ascii_slug(given, '-')}.{ascii_slug(family, '-')}"
            if rng.random() < 0.35:
                local += str(rng.randint(1, 99))
            email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        iban = None
        if est.kind == "ehpad" or (est.kind == "clinic" and rng.random() < 0.3):
            iban = make_fr_iban(rng)
        return Patient(
            nir=nir, family_name=family, birth_name=birth_name, given_name=given, sex=sex, birth_date=birth,
            birth_dept=place.department, birth_commune_insee=place.insee, address=address,
            postcode=home.postcode, city=home.name, phone=phone, email=email, ipp=est.make_ipp(rng), iban=iban,
        )

    # -- events ------------------------------------------------------------------------------------------

    def _when(self, start: date, end: date) -> datetime:
        span = (end - start).days
        day = start + timedelta(days=self.rng.randrange(max(span, 1)))
        return datetime(day.year, day.month, day.day, self.rng.randint(0, 23), self.rng.randrange(60))

    def stay(self, est: EstablishmentProfile, patient: Patient, start: date, end: date) -> Stay:
        rng = self.rng
        admit = self._when(max(start, patient.birth_date), end)
        if est.kind in ("lab", "imaging"):
            discharge = admit + timedelta(minutes=rng.randint(10, 180))
        elif est.kind == "ehpad":
            discharge = admit + timedelta(days=rng.randint(30, 900))
        else:
            discharge = admit + timedelta(days=rng.choice((0, 1, 1, 2, 3, 4, 6, 9, 14)), hours=rng.randint(1, 10))
        if patient.sex == "M":
            code, label = rng.choice(DIAGNOSES)
            while code.startswith("O"):
                code, label = rng.choice(DIAGNOSES)
        else:
            code, label = rng.choice(DIAGNOSES)
        units = UNITS_BY_KIND.get(est.kind, UNITS_BY_KIND["chu"])
        return Stay(
            nda=est.make_nda(rng, admit.year), admit=admit, discharge=discharge, unit=rng.choice(units),
            diagnosis_code=code, diagnosis_label=label, finess=est.finess, doctor=rng.choice(self.doctors(est)),
        )

    def lab_result(self, test: LabTest, sex: str, when: datetime) -> LabResult:
        rng = self.rng
        v = rng.lognormvariate(test.mean, test.sd) if test.lognormal else rng.gauss(test.mean, test.sd)
        floor = 10 ** -test.decimals
        v = max(v, floor)
        value = f"{v:.{test.decimals}f}"
        low = test.ref_low_f if sex == "F" and test.ref_low_f is not None else test.ref_low
        high = test.ref_high_f if sex == "F" and test.ref_high_f is not None else test.ref_high
        num = float(value)
        flag = "H" if num > high else "L" if num < low else "N"
        return LabResult(code=test.loinc, label=test.label, value=value, unit=test.unit,
                         ref_low=f"{low:.{test.decimals}f}", ref_high=f"{high:.{test.decimals}f}", flag=flag, when=when)

    def record(self, est: EstablishmentProfile, *, stays: tuple[int, int] = (1, 3), results: tuple[int, int] = (0, 6),
               date_range: tuple[date, date] = DEFAULT_DATE_RANGE) -> PatientRecord:
        """One patient of `est` with their stays and lab results, dated within `date_range`."""
        rng = self.rng
        start, end = date_range
        patient = self.patient(est, ref_date=end)
        stay_list = [self.stay(est, patient, start, end) for _ in range(rng.randint(*stays))]
        stay_list.sort(key=lambda s: s.admit)
        n_results = rng.randint(*results)
        result_list: list[LabResult] = []
        if n_results:
            when = (stay_list[0].admit + timedelta(hours=rng.randint(1, 6))) if stay_list else self._when(start, end)
            when = when.replace(minute=rng.randrange(60), second=0)
            for test in rng.sample(LAB_TESTS, min(n_results, len(LAB_TESTS))):
                result_list.append(self.lab_result(test, patient.sex, when))
        doctors = self.doctors(est)
        prescriber = stay_list[0].doctor if stay_list else rng.choice(doctors)
        return PatientRecord(patient=patient, stays=stay_list, results=result_list, establishment=est,
                             prescriber=prescriber)

    def records(self, est: EstablishmentProfile, n: int, **kwargs) -> Iterator[PatientRecord]:
        """`n` records of `est` (a generator: memory does not grow with n)."""
        for _ in range(n):
            yield self.record(est, **kwargs)
