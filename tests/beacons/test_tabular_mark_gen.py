"""Generated hospital tables for the watermark tests and benchmark (fast: no Faker calls per row).

A stay export as a Breton hospital writes it: IPP, NIR (valid key, consistent with sex, birth date and
birthplace), names, birth date, address, phone, e-mail, admission time, ward, weight, creatinine, CIM-10 code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker.providers.person.fr_FR import Provider as _People
from stdnum.fr import nir as stdnum_nir

from workbench.synth.tables import BRETON_COMMUNES

_LAST = [n.upper() for n in _People.last_names] + ["LE GALL", "LE GOFF", "TANGUY", "KERBRAT", "LE ROUX",
                                                   "GUEGUEN", "MORVAN", "CARADEC", "LE BIHAN", "QUÉRÉ"]
_MALE = list(_People.first_names_male)
_FEMALE = list(_People.first_names_female)
_STREETS = ["rue de Brest", "rue Jean Jaurès", "boulevard de la Liberté", "avenue Janvier", "rue de Siam",
            "rue du Général Leclerc", "place Sainte-Anne", "rue de Saint-Malo", "allée des Mouettes",
            "chemin de Kerlann", "rue de la Madeleine", "impasse des Genêts", "rue Théodore Botrel",
            "quai Duguay-Trouin", "rue de l'Église", "avenue Aristide Briand", "rue des Ajoncs",
            "rue Anatole Le Braz", "boulevard Gambetta", "rue de Quimper", "route de Lorient",
            "rue Pasteur", "rue de Fougères", "rue Saint-Hélier", "square du Roi Arthur"]
_LIEUX = ["Lieu-dit Kerbiquet", "Lieu-dit Le Quillio", "Hameau de Kermorvan", "La Ville Jehan"]
_WARDS = ["Cardiologie", "Pneumologie", "Urgences", "Médecine interne", "Chirurgie digestive", "Gériatrie",
          "Néphrologie", "Maternité", "Oncologie", "Neurologie"]
_CIM10 = ["I10", "E11.9", "J18.9", "N18.3", "I50.0", "C34.1", "S72.0", "K35.8", "O80", "F32.1"]
_DOMAINS = ["orange.fr", "gmail.com", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr"]

HEADER = ["IPP", "NIR", "NOM", "PRENOM", "DATE_NAISSANCE", "SEXE", "ADRESSE", "CODE_POSTAL", "VILLE",
          "TELEPHONE", "EMAIL", "DATE_ENTREE", "SERVICE", "POIDS_KG", "CREATININE_UMOL_L", "DIAG_CIM10"]


def _nir(sex: int, year: int, month: int, insee: str, order: int) -> str:
    body = f"{sex}{year % 100:02d}{month:02d}{insee}{order:03d}"
    return body + stdnum_nir.calc_check_digits(body)


def make_patient_table(n: int, seed: int, *, seconds: bool = True, start_ipp: int = 0) -> pd.DataFrame:
    """``n`` stays of distinct patients, all cells text. ``seconds`` False gives minute-precision times."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        sex = int(rng.integers(1, 3))
        year, month, day = int(rng.integers(1930, 2020)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
        commune = BRETON_COMMUNES[int(rng.integers(len(BRETON_COMMUNES)))]
        last = _LAST[int(rng.integers(len(_LAST)))]
        first = (_MALE if sex == 1 else _FEMALE)[int(rng.integers(len(_MALE if sex == 1 else _FEMALE)))]
        if rng.random() < 0.9:
            address = f"{int(rng.integers(1, 180))} {_STREETS[int(rng.integers(len(_STREETS)))]}"
        else:
            address = _LIEUX[int(rng.integers(len(_LIEUX)))]
        if rng.random() < 0.92:
            digits = commune.landline_prefix if rng.random() < 0.5 else "0" + str(int(rng.integers(6, 8)))
            digits += "".join(str(d) for d in rng.integers(0, 10, 10 - len(digits)))
            phone = " ".join(digits[k : k + 2] for k in range(0, 10, 2))
        else:
            phone = ""
        ts = pd.Timestamp("2019-01-01") + pd.Timedelta(seconds=int(rng.integers(0, 5 * 365 * 86400)))
        entry = ts.strftime("%Y-%m-%d %H:%M:%S") if seconds else ts.strftime("%Y-%m-%d %H:%M")
        mail = f"{first.lower()}.{last.lower().replace(' ', '')}{int(rng.integers(1, 99))}@" \
               f"{_DOMAINS[int(rng.integers(len(_DOMAINS)))]}"
        rows.append([
            f"{start_ipp + 800000 + i * 7 + int(rng.integers(7)):08d}",
            _nir(sex, year, month, commune.insee, int(rng.integers(1, 999))),
            last, first, f"{day:02d}/{month:02d}/{year}", "M" if sex == 1 else "F", address,
            commune.postcode, commune.name.upper(), phone, mail, entry,
            _WARDS[int(rng.integers(len(_WARDS)))], f"{rng.normal(72, 14):.1f}",
            str(int(rng.lognormal(4.4, 0.3))), _CIM10[int(rng.integers(len(_CIM10)))],
        ])
    return pd.DataFrame(rows, columns=HEADER, dtype=str)


def test_generated_table_is_realistic() -> None:
    df = make_patient_table(300, seed=1)
    assert len(df) == 300 and list(df.columns) == HEADER
    assert all(stdnum_nir.is_valid(v) for v in df["NIR"])
    assert df["NIR"].nunique() > 290
    assert df["DATE_ENTREE"].str.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$").all()
    assert (df["TELEPHONE"] == "").mean() < 0.2


LAB_HEADER = ["IPP", "NOM", "PRENOM", "DATE_NAISSANCE", "VILLE", "DATE_PRELEVEMENT", "POIDS_KG", "TAILLE_CM",
              "CREATININE_UMOL_L", "GLYCEMIE_MMOL_L", "HEMOGLOBINE_G_DL", "PAS_MMHG"]


def make_lab_table(n: int, seed: int, *, start_ipp: int = 0) -> pd.DataFrame:
    """``n`` lab results as a French laboratory exports them (decimal commas, dates ``dd/mm/yyyy``): no time
    of day, phone or address, so only the measurements can carry a watermark."""
    rng = np.random.default_rng(seed)
    sex = rng.integers(1, 3, n)
    height = np.where(sex == 1, rng.normal(176, 7, n), rng.normal(163, 6, n)).round().astype(int)
    weight = np.clip(rng.normal(0, 1, n) * 12 + (height - 100) * 0.95, 38, 180)
    creat = np.clip(rng.lognormal(np.where(sex == 1, 4.45, 4.3), 0.25), 30, 900).astype(int)
    glucose = np.clip(rng.lognormal(1.7, 0.22, n), 2.8, 30)
    hb = np.clip(rng.normal(np.where(sex == 1, 14.6, 13.2), 1.3), 6, 20)
    sbp = np.clip(rng.normal(132, 18, n), 85, 230).round().astype(int)
    rows = []
    for i in range(n):
        commune = BRETON_COMMUNES[int(rng.integers(len(BRETON_COMMUNES)))]
        first = (_MALE if sex[i] == 1 else _FEMALE)[int(rng.integers(len(_MALE if sex[i] == 1 else _FEMALE)))]
        birth = pd.Timestamp("1930-01-01") + pd.Timedelta(days=int(rng.integers(0, 90 * 365)))
        sample = pd.Timestamp("2021-01-01") + pd.Timedelta(days=int(rng.integers(0, 3 * 365)))
        rows.append([
            f"{start_ipp + 600000 + i * 7 + int(rng.integers(7)):08d}", _LAST[int(rng.integers(len(_LAST)))],
            first, birth.strftime("%d/%m/%Y"), commune.name.upper(), sample.strftime("%d/%m/%Y"),
            f"{weight[i]:.1f}".replace(".", ","), str(height[i]), str(creat[i]),
            f"{glucose[i]:.1f}".replace(".", ","), f"{hb[i]:.1f}".replace(".", ","), str(sbp[i]),
        ])
    return pd.DataFrame(rows, columns=LAB_HEADER, dtype=str)
