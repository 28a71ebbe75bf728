"""Demo establishments of the Breton consortium, with the conventions their systems use.

Every FINESS number here is a DEMO value: department-correct, with a valid Luhn check digit, but
allocated in a ``x099xxxx`` block and labelled "(démo)" in the name. None is a real establishment's.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from stdnum import luhn

KINDS = ("chu", "lab", "imaging", "ght", "ehpad", "clinic")
SYSTEM_FORMATS = ("csv", "sql", "hl7", "fhir", "dicom", "pdf", "xlsx", "eml")


def finess_check_digit(first8: str) -> str:
    """Luhn check digit of the first 8 characters of a FINESS number (digit departments only).

    Corsican numbers (2A/2B) are not minted here: the demo establishments are all in Brittany.
    """
    if not re.fullmatch(r"\d{8}", first8):
        raise ValueError(f"FINESS prefix must be 8 digits, got {first8!r}")
    return luhn.calc_check_digit(first8)


def make_finess(first8: str) -> str:
    return first8 + finess_check_digit(first8)


@dataclass(frozen=True)
class EstablishmentProfile:
    """One establishment and how its systems write data."""

    finess: str
    name: str
    short: str  # slug, used as a folder name in dumps
    group: str
    city: str
    department: str
    kind: str  # chu, lab, imaging, ght, ehpad, clinic
    hl7_facility: str  # MSH-4 / PV1-3 code
    dicom_uid_root: str
    institution_name: str  # DICOM (0008,0080) spelling
    ipp_pattern: str  # full-match regex of the local patient number (IPP)
    nda_pattern: str  # full-match regex of the local stay number (NDA)
    ipp_template: str  # how make_ipp builds one: '#' = digit, other characters literal
    nda_template: str  # same for NDAs; 'YY' = two-digit year of the stay
    name_variants: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()  # INSEE codes of the catchment area (see people data)
    meta: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def make_ipp(self, rng: random.Random) -> str:
        """A patient number in this establishment's format."""
        return _fill(self.ipp_template, rng, year=None)

    def make_nda(self, rng: random.Random, year: int) -> str:
        """A stay number in this establishment's format (some embed the admission year)."""
        return _fill(self.nda_template, rng, year=year)

    def matches_ipp(self, value: str) -> bool:
        return re.fullmatch(self.ipp_pattern, value) is not None

    def matches_nda(self, value: str) -> bool:
        return re.fullmatch(self.nda_pattern, value) is not None


def _fill(template: str, rng: random.Random, year: int | None) -> str:
    if year is not None:
        template = template.replace("YY", f"{year % 100:02d}")
    n = template.count("#")
    if not n:
        return template
    digits = f"{int(rng.random() * 10**n):0{n}d}"  # one draw for the whole run: fast, uniform enough
    head, _, _ = template.partition("#")
    tail = template[len(head) + n:]
    if "#" in tail:  # '#' not contiguous: fill one by one
        it = iter(digits)
        return "".join(next(it) if ch == "#" else ch for ch in template)
    return head + digits + tail


# Local numbers are kept free of bare 9-, 11- and 15-digit runs (FINESS, RPPS, NIR shapes) and of
# 10-digit runs starting with 0 (phone shape), so they never read as a validated identifier.
DEMO_ESTABLISHMENTS: list[EstablishmentProfile] = [
    EstablishmentProfile(
        finess=make_finess("35099001"),
        name="CHU de Rennes (démo)",
        short="chu-rennes",
        group="GHT Haute-Bretagne",
        city="Rennes",
        department="35",
        kind="chu",
        hl7_facility="CHURENNES",
        dicom_uid_root="1.2.250.1.999.1.1",
        institution_name="CHU RENNES",
        ipp_pattern=r"RN\d{8}",
        ipp_template="RN########",
        nda_pattern=r"\d{2}R\d{6}",
        nda_template="YYR######",
        name_variants=("CHU de Rennes", "CHU RENNES", "C.H.U. de Rennes", "Centre Hospitalier Universitaire de Rennes",
                       "CHU Rennes - Pontchaillou"),
        systems=("csv", "sql", "hl7", "fhir", "dicom", "pdf", "xlsx"),
        communes=("35238", "35288", "35115", "35360", "35047", "35281", "35024", "35236"),
        meta={"demo": "true"},
    ),
    EstablishmentProfile(
        finess=make_finess("29099002"),
        name="CHU de Brest (démo)",
        short="chu-brest",
        group="GHT de Bretagne Occidentale",
        city="Brest",
        department="29",
        kind="chu",
        hl7_facility="CHUBREST",
        dicom_uid_root="1.2.250.1.999.1.2",
        institution_name="CHRU BREST",
        ipp_pattern=r"29\d{8}",
        ipp_template="29########",
        nda_pattern=r"\d{8}",
        nda_template="YY######",
        name_variants=("CHU de Brest", "CHRU de Brest", "CHRU BREST", "C.H.R.U. Brest", "CHU Brest - Cavale Blanche"),
        systems=("csv", "sql", "hl7", "fhir", "dicom", "pdf"),
        communes=("29019", "29151", "29232", "29103", "29189", "29212", "29075"),
        meta={"demo": "true"},
    ),
    EstablishmentProfile(
        finess=make_finess("35099003"),
        name="Laboratoires Biorance (démo)",
        short="biorance",
        group="Biorance",
        city="Rennes",
        department="35",
        kind="lab",
        hl7_facility="BIORANCE",
        dicom_uid_root="1.2.250.1.999.1.3",
        institution_name="LABORATOIRES BIORANCE",
        ipp_pattern=r"BIO-\d{7}",
        ipp_template="BIO-#######",
        nda_pattern=r"D\d{10}",
        nda_template="DYY########",
        name_variants=("Laboratoires Biorance", "BIORANCE", "Biorance Laboratoires", "LBM Biorance"),
        systems=("csv", "sql", "hl7", "pdf", "eml", "xlsx"),
        communes=("35238", "22278", "56260", "29232", "35288", "22050"),
        meta={"demo": "true"},
    ),
    EstablishmentProfile(
        finess=make_finess("22099004"),
        name="Centre armoricain d'imagerie et de radiothérapie (démo)",
        short="cario",
        group="CARIO",
        city="Plérin",
        department="22",
        kind="imaging",
        hl7_facility="CARIO",
        dicom_uid_root="1.2.250.1.999.1.4",
        institution_name="CARIO PLERIN",
        ipp_pattern=r"IM\d{7}",
        ipp_template="IM#######",
        nda_pattern=r"A\d{8}",
        nda_template="AYY######",
        name_variants=("CARIO", "Centre Armoricain de Radiothérapie", "CARIO - HPCA", "Centre CARIO Plérin"),
        systems=("dicom", "hl7", "sql", "pdf"),
        communes=("22278", "22187", "22113", "22050", "22093"),
        meta={"demo": "true"},
    ),
    EstablishmentProfile(
        finess=make_finess("22099005"),
        name="GHT d'Armor (démo)",
        short="ght-armor",
        group="GHT d'Armor",
        city="Saint-Brieuc",
        department="22",
        kind="ght",
        hl7_facility="GHTARMOR",
        dicom_uid_root="1.2.250.1.999.1.5",
        institution_name="CH YVES LE FOLL",
        ipp_pattern=r"GA\d{8}",
        ipp_template="GA########",
        nda_pattern=r"G\d{8}",
        nda_template="GYY######",
        name_variants=("GHT d'Armor", "CH de Saint-Brieuc", "CH Yves Le Foll", "GHT ARMOR"),
        systems=("csv", "sql", "hl7", "fhir", "xlsx"),
        communes=("22278", "22113", "22050", "22093", "22187", "22168"),
        meta={"demo": "true"},
    ),
    EstablishmentProfile(
        finess=make_finess("56099006"),
        name="EHPAD Les Hortensias (démo)",
        short="ehpad-hortensias",
        group="EHPAD",
        city="Vannes",
        department="56",
        kind="ehpad",
        hl7_facility="EHPADHORT",
        dicom_uid_root="1.2.250.1.999.1.6",
        institution_name="EHPAD LES HORTENSIAS",
        ipp_pattern=r"RES\d{5}",
        ipp_template="RES#####",
        nda_pattern=r"E\d{2}-\d{4}",
        nda_template="EYY-####",
        name_variants=("EHPAD Les Hortensias", "Résidence Les Hortensias", "EHPAD LES HORTENSIAS"),
        systems=("csv", "xlsx", "pdf"),
        communes=("56260", "56121", "56178", "56007", "56034"),
        meta={"demo": "true"},
    ),
]

UNREGISTERED_ESTABLISHMENT = EstablishmentProfile(
    finess=make_finess("35099007"),
    name="Clinique de la Côte d'Émeraude (démo, hors registre)",
    short="clinique-cote-emeraude",
    group="Indépendant",
    city="Saint-Malo",
    department="35",
    kind="clinic",
    hl7_facility="CLICOTEEM",
    dicom_uid_root="1.2.250.1.999.1.7",
    institution_name="CLINIQUE COTE D'EMERAUDE",
    ipp_pattern=r"CCE\d{6}",
    ipp_template="CCE######",
    nda_pattern=r"CE\d{8}",
    nda_template="CEYY######",
    name_variants=("Clinique de la Côte d'Émeraude", "CLINIQUE COTE EMERAUDE", "Clinique Côte d'Emeraude"),
    systems=("csv", "sql", "hl7", "pdf"),
    communes=("35288", "35093", "22050", "35236"),
    meta={"demo": "true", "registered": "false"},
)


def by_finess(finess: str) -> EstablishmentProfile:
    for est in [*DEMO_ESTABLISHMENTS, UNREGISTERED_ESTABLISHMENT]:
        if est.finess == finess:
            return est
    raise KeyError(finess)
