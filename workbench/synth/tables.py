"""Reference tables for synthetic data: communes (INSEE code, postcode), names, CIM-10 diagnoses, lab tests.

Commune codes are real INSEE codes (code officiel géographique) with their main postcode, so generated NIRs
carry a birthplace that exists. Lab tests carry their LOINC code, a French label, the unit used by French labs
and a value distribution with the precision the analyser reports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Commune:
    insee: str  # 5 characters: department (2, or 2A/2B) + commune (3); 99xxx = born abroad (country code)
    postcode: str
    name: str
    landline_prefix: str = "02"  # first digits of a landline there (Brittany: 02 9x / 02 2x)

    @property
    def department(self) -> str:
        return self.insee[:2]


BRETON_COMMUNES: tuple[Commune, ...] = (
    # Ille-et-Vilaine (35)
    Commune("35238", "35000", "Rennes", "0299"),
    Commune("35288", "35400", "Saint-Malo", "0299"),
    Commune("35115", "35300", "Fougères", "0299"),
    Commune("35360", "35500", "Vitré", "0299"),
    Commune("35051", "35510", "Cesson-Sévigné", "0299"),
    Commune("35047", "35170", "Bruz", "0299"),
    Commune("35236", "35600", "Redon", "0299"),
    Commune("35093", "35800", "Dinard", "0299"),
    Commune("35024", "35830", "Betton", "0299"),
    Commune("35210", "35740", "Pacé", "0299"),
    Commune("35281", "35136", "Saint-Jacques-de-la-Lande", "0299"),
    # Finistère (29)
    Commune("29019", "29200", "Brest", "0298"),
    Commune("29232", "29000", "Quimper", "0298"),
    Commune("29151", "29600", "Morlaix", "0298"),
    Commune("29103", "29800", "Landerneau", "0298"),
    Commune("29039", "29900", "Concarneau", "0298"),
    Commune("29233", "29300", "Quimperlé", "0298"),
    Commune("29046", "29100", "Douarnenez", "0298"),
    Commune("29189", "29470", "Plougastel-Daoulas", "0298"),
    Commune("29075", "29490", "Guipavas", "0298"),
    Commune("29212", "29280", "Plouzané", "0298"),
    Commune("29259", "29250", "Saint-Pol-de-Léon", "0298"),
    # Côtes-d'Armor (22)
    Commune("22278", "22000", "Saint-Brieuc", "0296"),
    Commune("22113", "22300", "Lannion", "0296"),
    Commune("22050", "22100", "Dinan", "0296"),
    Commune("22070", "22200", "Guingamp", "0296"),
    Commune("22093", "22400", "Lamballe-Armor", "0296"),
    Commune("22187", "22190", "Plérin", "0296"),
    Commune("22136", "22600", "Loudéac", "0296"),
    Commune("22162", "22500", "Paimpol", "0296"),
    Commune("22168", "22700", "Perros-Guirec", "0296"),
    # Morbihan (56)
    Commune("56260", "56000", "Vannes", "0297"),
    Commune("56121", "56100", "Lorient", "0297"),
    Commune("56178", "56300", "Pontivy", "0297"),
    Commune("56007", "56400", "Auray", "0297"),
    Commune("56098", "56600", "Lanester", "0297"),
    Commune("56165", "56800", "Ploërmel", "0297"),
    Commune("56083", "56700", "Hennebont", "0297"),
    Commune("56034", "56340", "Carnac", "0297"),
)

# Birthplaces outside Brittany: other regions, Corsica (2A/2B in the NIR) and abroad (99 + country code).
OTHER_BIRTHPLACES: tuple[Commune, ...] = (
    Commune("75114", "75014", "Paris 14e Arrondissement"),
    Commune("44109", "44000", "Nantes"),
    Commune("69383", "69003", "Lyon 3e Arrondissement"),
    Commune("72181", "72000", "Le Mans"),
    Commune("2A004", "20000", "Ajaccio"),
    Commune("2B033", "20200", "Bastia"),
)
ABROAD_BIRTHPLACES: tuple[Commune, ...] = (
    Commune("99350", "", "Maroc"),
    Commune("99139", "", "Portugal"),
    Commune("99352", "", "Algérie"),
    Commune("99132", "", "Royaume-Uni"),
    Commune("99109", "", "Allemagne"),
)

COMMUNES_BY_INSEE: dict[str, Commune] = {c.insee: c for c in (*BRETON_COMMUNES, *OTHER_BIRTHPLACES,
                                                                  *ABROAD_BIRTHPLACES)}

BRETON_FAMILY_NAMES: tuple[str, ...] = (
    "Le Gall", "Le Goff", "Tanguy", "Le Bihan", "Guillou", "Le Roux", "Morvan", "Kerbrat", "Le Floc'h",
    "Cloarec", "Jaouen", "Quéméner", "Le Guen", "Le Corre", "Le Bras", "Le Meur", "Le Gac", "Hamon",
    "Le Berre", "Le Moal", "Cadiou", "Riou", "Kervella", "Le Borgne", "Guéguen", "Le Cam", "Prigent",
    "Le Bris", "Nédélec", "Coat", "Kerhervé", "Abgrall", "Le Hir", "Cornec", "Derrien", "Le Fur",
    "Pérès", "Le Du", "Thépaut", "Le Saux", "Calvez", "Le Page", "Bihannic", "Le Lay", "Kerdraon",
)
BRETON_GIVEN_NAMES_M: tuple[str, ...] = (
    "Yann", "Erwan", "Loïc", "Ronan", "Gaël", "Maël", "Tangi", "Goulven", "Yannick", "Gwenaël", "Brieuc",
    "Corentin", "Mathéo", "Killian", "Jérôme", "Hervé", "Anthony", "Titouan", "Émile", "Noé",
)
BRETON_GIVEN_NAMES_F: tuple[str, ...] = (
    "Nolwenn", "Soizic", "Gwenaëlle", "Anaïg", "Katell", "Maëlys", "Enora", "Rozenn", "Awena", "Morgane",
    "Léa", "Chloé", "Maïwenn", "Gaëlle", "Hélène", "Françoise", "Noëlle", "Anne-Laure", "Élodie", "Bérénice",
)

EMAIL_DOMAINS: tuple[str, ...] = (
    "orange.fr", "wanadoo.fr", "gmail.com", "free.fr", "laposte.net", "sfr.fr", "hotmail.fr", "yahoo.fr",
    "outlook.fr", "bbox.fr",
)

# French bank codes (code banque) of banks present in Brittany.
BANK_CODES: tuple[str, ...] = ("30004", "30003", "30002", "15589", "13807", "14445", "16006", "10278", "20041")

UNITS_BY_KIND: dict[str, tuple[str, ...]] = {
    "chu": ("Cardiologie", "Médecine interne", "Urgences", "Pneumologie", "Chirurgie orthopédique",
            "Maternité", "Gériatrie", "Oncologie", "Néphrologie", "Neurologie", "Réanimation médicale",
            "Chirurgie digestive", "Hépato-gastro-entérologie", "Endocrinologie"),
    "ght": ("Médecine polyvalente", "Urgences", "Chirurgie", "SSR", "Gériatrie", "Maternité", "Cardiologie"),
    "clinic": ("Chirurgie ambulatoire", "Chirurgie orthopédique", "Ophtalmologie", "Maternité", "Médecine"),
    "lab": ("Biochimie", "Hématologie", "Microbiologie", "Prélèvements externes"),
    "imaging": ("Radiologie", "Scanner", "IRM", "Radiothérapie", "Médecine nucléaire"),
    "ehpad": ("Unité Alzheimer", "Hébergement permanent", "Hébergement temporaire"),
}

# (code CIM-10, libellé). Codes as written by French PMSI software (with the dot).
DIAGNOSES: tuple[tuple[str, str], ...] = (
    ("I10", "Hypertension essentielle (primitive)"),
    ("E11.9", "Diabète sucré de type 2, sans complication"),
    ("J18.9", "Pneumopathie, sans précision"),
    ("I50.9", "Insuffisance cardiaque, sans précision"),
    ("I21.9", "Infarctus aigu du myocarde, sans précision"),
    ("I48.9", "Fibrillation auriculaire et flutter auriculaire, sans précision"),
    ("I63.9", "Infarctus cérébral, sans précision"),
    ("J44.1", "Maladie pulmonaire obstructive chronique avec épisodes aigus, sans précision"),
    ("N39.0", "Infection des voies urinaires, siège non précisé"),
    ("K35.8", "Appendicite aiguë, autre et sans précision"),
    ("K80.2", "Calcul de la vésicule biliaire sans cholécystite"),
    ("S72.0", "Fracture du col du fémur"),
    ("S52.5", "Fracture de l'extrémité inférieure du radius"),
    ("O80", "Accouchement unique et spontané"),
    ("C50.9", "Tumeur maligne du sein, sans précision"),
    ("C34.9", "Tumeur maligne des bronches ou du poumon, sans précision"),
    ("C18.9", "Tumeur maligne du côlon, sans précision"),
    ("C61", "Tumeur maligne de la prostate"),
    ("F32.9", "Épisode dépressif, sans précision"),
    ("F10.2", "Troubles mentaux et du comportement liés à l'utilisation d'alcool : syndrome de dépendance"),
    ("G40.9", "Épilepsie, sans précision"),
    ("G30.9", "Maladie d'Alzheimer, sans précision"),
    ("R55", "Syncope et collapsus"),
    ("R07.4", "Douleur thoracique, sans précision"),
    ("A09.9", "Gastroentérite et colite d'origine non précisée"),
    ("U07.1", "COVID-19, virus identifié"),
    ("J45.9", "Asthme, sans précision"),
    ("N18.5", "Maladie rénale chronique, stade 5"),
    ("E66.9", "Obésité, sans précision"),
    ("D50.9", "Anémie par carence en fer, sans précision"),
    ("K57.3", "Diverticulose du gros intestin, sans perforation ni abcès"),
    ("M17.1", "Autres gonarthroses primaires"),
    ("M16.1", "Autres coxarthroses primaires"),
    ("L03.1", "Phlegmon d'autres parties d'un membre"),
    ("I26.9", "Embolie pulmonaire, sans mention de cœur pulmonaire aigu"),
    ("I80.2", "Phlébite et thrombophlébite d'autres vaisseaux profonds des membres inférieurs"),
    ("E86", "Hypovolémie"),
    ("Z51.1", "Séance de chimiothérapie pour tumeur"),
    ("Z49.1", "Dialyse extracorporelle"),
    ("H25.9", "Cataracte sénile, sans précision"),
    ("K29.7", "Gastrite, sans précision"),
    ("T42.4", "Intoxication par benzodiazépines"),
)


@dataclass(frozen=True)
class LabTest:
    loinc: str
    label: str  # French label as printed on a compte rendu
    unit: str
    decimals: int
    mean: float
    sd: float
    ref_low: float
    ref_high: float
    lognormal: bool = False  # right-skewed analytes (CRP, ferritin...): mean/sd are of log(value)
    ref_low_f: float | None = None  # female reference interval when it differs
    ref_high_f: float | None = None


LAB_TESTS: tuple[LabTest, ...] = (
    LabTest("718-7", "Hémoglobine", "g/dL", 1, 13.6, 1.7, 13.0, 17.0, ref_low_f=12.0, ref_high_f=16.0),
    LabTest("14682-9", "Créatinine", "µmol/L", 0, 78.0, 22.0, 59.0, 104.0, ref_low_f=45.0, ref_high_f=84.0),
    LabTest("14749-6", "Glycémie à jeun", "mmol/L", 2, 5.6, 1.3, 3.90, 6.10),
    LabTest("1988-5", "Protéine C réactive (CRP)", "mg/L", 1, 1.3, 1.3, 0.0, 5.0, lognormal=True),
    LabTest("2951-2", "Sodium", "mmol/L", 0, 139.5, 3.2, 136.0, 145.0),
    LabTest("2823-3", "Potassium", "mmol/L", 1, 4.2, 0.45, 3.5, 5.1),
    LabTest("6690-2", "Leucocytes", "G/L", 2, 7.4, 2.2, 4.0, 10.0),
    LabTest("777-3", "Plaquettes", "G/L", 0, 255.0, 65.0, 150.0, 400.0),
    LabTest("4548-4", "Hémoglobine glyquée (HbA1c)", "%", 1, 6.0, 0.9, 4.0, 6.0),
    LabTest("3016-3", "TSH", "mUI/L", 2, 0.5, 0.6, 0.27, 4.20, lognormal=True),
    LabTest("1742-6", "ALAT (TGP)", "UI/L", 0, 3.1, 0.5, 0.0, 41.0, lognormal=True, ref_high_f=33.0),
    LabTest("14647-2", "Cholestérol total", "mmol/L", 2, 5.2, 1.0, 0.0, 5.2),
    LabTest("22664-7", "Urée", "mmol/L", 1, 5.8, 2.0, 2.5, 7.5),
    LabTest("2276-4", "Ferritine", "µg/L", 0, 4.7, 0.8, 30.0, 400.0, lognormal=True, ref_low_f=15.0, ref_high_f=150.0),
    LabTest("62292-8", "25-OH vitamine D (D2+D3)", "nmol/L", 0, 4.0, 0.45, 75.0, 250.0, lognormal=True),
)
