"""Map the columns of a table (CSV, spreadsheet, SQL table) onto the common record fields.

``map_columns(headers, sample_rows)`` is pure: it looks at the header names first (case, accents, spaces and
underscores ignored; French and English names), then at the content of the columns the headers did not
explain (a column whose sampled values are >= 80 % valid NIRs is ``nir``, and so on).

The result maps a target to one source header. Scalar targets are the common fields (``nir``,
``family_name``...). Multi-valued targets may take several columns; their keys are numbered:
``event_date``, ``event_date.2``, ``event_date.3``... (same for ``health-diagnosis``, ``health-result``,
``health-imaging``, ``administrative``); read them with :func:`sources`. A source may appear under a scalar
and a multi-valued key at once (``date_entree`` is both an event date and administrative data).
"""

from __future__ import annotations

import datetime as _dt
import re
import statistics
from collections.abc import Callable, Sequence

from workbench.engine.records import checks

SCALAR_TARGETS = (
    "nir", "family_name", "birth_name", "given_name", "birth_date", "sex", "ipp", "nda", "phone", "email",
    "address", "postcode", "city", "facility_finess", "facility_code", "facility_name", "dicom_uid",
)
MULTI_TARGETS = ("event_date", "health-diagnosis", "health-result", "health-imaging", "administrative")
# A column that refers to a patient row elsewhere (a foreign key such as sejours.patient_id = 42): the row is
# about a person, but the value is no IPP. Not a common column; kept in its src column.
PATIENT_REF = "patient_ref"
_GENERIC_PATIENT_KEYS = frozenset({"patientid", "idpatient", "numpatient", "nopatient", "patient", "idpat",
                                   "patid", "patientref", "refpatient", "fkpatient", "patientfk"})

# Fields that make a row describe a person (a table with none of them holds no personal records).
PERSON_TARGETS = frozenset(
    {"nir", "family_name", "birth_name", "given_name", "birth_date", "ipp", "phone", "email", "address", PATIENT_REF}
)

CONTENT_THRESHOLD = 0.8
SAMPLE_LIMIT = 200


def compact(header: str) -> str:
    """Header key: accents stripped, lower-case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", checks.strip_accents(str(header)).lower())


def _keys(*names: str) -> frozenset[str]:
    return frozenset(compact(n) for n in names)


# Exact header names (compared by compact()).
_EXACT: dict[str, frozenset[str]] = {
    "nir": _keys(
        "nir", "num_secu", "numsecu", "no_secu", "num_ss", "no_ss", "nss", "n_ss", "ins", "matricule_ins",
        "ins_nir", "nir_patient", "num_nir", "numero_secu", "numero_securite_sociale", "secu", "ssn",
        "social_security_number", "numero_insee", "ins_matricule", "num_ins", "nir_cle",
    ),
    "family_name": _keys(
        "nom", "nom_usuel", "nom_usage", "nom_d_usage", "nom_utilise", "nom_patient", "nom_famille",
        "nom_de_famille", "patient_nom", "last_name", "lastname", "surname", "family_name", "familyname",
        "nomusuel", "nom_marital",
    ),
    "birth_name": _keys(
        "nom_naissance", "nom_de_naissance", "nom_naiss", "nom_jf", "nom_jeune_fille", "birth_name",
        "maiden_name", "birthname",
    ),
    "given_name": _keys(
        "prenom", "prenoms", "prenom_usuel", "premier_prenom", "prenom_patient", "patient_prenom",
        "first_name", "firstname", "given_name", "givenname", "forename", "prenom_utilise",
    ),
    "birth_date": _keys(
        "ddn", "date_naissance", "date_de_naissance", "dt_naiss", "dt_naissance", "date_naiss", "datenaiss",
        "naissance", "dob", "birth_date", "birthdate", "date_of_birth", "birthday", "dte_naiss",
    ),
    "sex": _keys("sexe", "sex", "gender", "genre", "code_sexe", "sexe_patient"),
    "ipp": _keys(
        "ipp", "num_patient", "no_patient", "numero_patient", "id_patient", "patient_id", "mrn",
        "medical_record_number", "ipp_patient", "num_ipp", "identifiant_patient", "n_patient",
    ),
    "nda": _keys(
        "nda", "num_sejour", "no_sejour", "numero_sejour", "id_sejour", "num_venue", "no_venue", "iep",
        "num_dossier_administratif", "encounter_id", "visit_id", "visit_number", "admission_id", "num_nda",
    ),
    "phone": _keys(
        "tel", "telephone", "portable", "mobile", "tel_portable", "tel_domicile", "tel_fixe", "num_tel",
        "telephone_portable", "telephone_domicile", "gsm", "phone", "phone_number", "cell_phone", "mobile_phone",
        "telephone1", "tel1",
    ),
    "email": _keys("mail", "email", "e_mail", "courriel", "adresse_mail", "adresse_email", "email_address", "mel"),
    "address": _keys(
        "adresse", "adresse1", "adresse_ligne1", "adresse_1", "rue", "voie", "address", "address1",
        "street", "street_address", "address_line1", "adresse_postale", "ligne_adresse",
    ),
    "postcode": _keys("cp", "code_postal", "codepostal", "zip", "zip_code", "zipcode", "postcode", "postal_code"),
    "city": _keys("ville", "commune", "city", "town", "localite", "ville_residence", "commune_residence"),
    "facility_finess": _keys(
        "finess", "num_finess", "no_finess", "code_finess", "finess_etab", "finess_etablissement",
        "finess_geo", "finess_geographique", "finess_ej", "finess_juridique", "n_finess",
    ),
    "facility_code": _keys(
        "code_etab", "code_etablissement", "site", "code_site", "facility_code", "sending_facility",
        "hospital_code", "code_hopital", "etab_code",
    ),
    "facility_name": _keys(
        "etablissement", "nom_etablissement", "libelle_etablissement", "etab", "hopital", "hospital",
        "facility", "facility_name", "institution", "hospital_name", "raison_sociale", "structure",
    ),
    "dicom_uid": _keys(
        "study_instance_uid", "studyinstanceuid", "study_uid", "uid_etude", "series_instance_uid",
        "sop_instance_uid",
    ),
    "event_date": _keys(
        "date_entree", "date_sortie", "date_prelevement", "date_admission", "admission_date", "discharge_date",
        "date_consultation", "date_sejour", "date_examen", "exam_date", "study_date", "date_resultat",
        "date_rdv", "date_acte", "date_visite", "visit_date", "encounter_date", "collection_date",
        "date_intervention", "date_hospitalisation", "date_debut", "date_fin", "date_venue", "date_analyse",
        "date_diagnostic", "date_deces", "result_date", "date_mouvement", "dt_entree", "dt_sortie",
    ),
    "health-diagnosis": _keys(
        "diag", "diagnostic", "diagnosis", "cim10", "cim_10", "code_cim10", "code_cim", "dp", "dr", "das",
        "diag_principal", "diagnostic_principal", "pathologie", "icd10", "icd_10", "icd", "condition",
        "antecedents", "motif", "motif_admission", "ghm", "libelle_diagnostic", "allergies", "traitement",
    ),
    "health-result": _keys(
        "analyse", "resultat", "result", "valeur", "value", "code_loinc", "loinc", "test", "test_name",
        "lab_result", "bilan", "examen_biologique", "unite", "unit", "libelle_analyse", "valeur_resultat",
        "observation", "norme", "interpretation",
    ),
    "health-imaging": _keys(
        "modalite", "modality", "type_imagerie", "imagerie", "accession_number", "study_description",
        "description_etude", "compte_rendu_imagerie", "examen_imagerie",
    ),
    "administrative": _keys(
        "date_entree", "date_sortie", "date_admission", "admission_date", "discharge_date", "mode_entree",
        "mode_sortie", "service", "uf", "unite_fonctionnelle", "chambre", "lit", "regime", "caisse",
        "mutuelle", "organisme", "medecin_traitant", "num_sejour", "nda", "type_sejour",
    ),
}

# Fuzzy rules on the compact header, tried in order when no exact name matched.
_FUZZY: list[tuple[str, Callable[[str], bool]]] = [
    ("birth_name", lambda k: "nom" in k and "naiss" in k and not k.startswith(("date", "dt"))),
    ("birth_date", lambda k: ("naiss" in k or "birth" in k) and ("date" in k or k.startswith(("dt", "dte")))),
    ("given_name", lambda k: k.startswith("prenom") or "firstname" in k or "givenname" in k),
    ("nir", lambda k: k.startswith(("nir", "numsecu", "nosecu")) or "securitesociale" in k or k.endswith("nir")),
    ("email", lambda k: "mail" in k or "courriel" in k),
    ("phone", lambda k: k.startswith(("tel", "phone", "portable", "mobile")) or "telephone" in k),
    ("facility_finess", lambda k: "finess" in k),
    ("postcode", lambda k: "codepostal" in k or "postcode" in k or "zipcode" in k),
    ("city", lambda k: k.startswith(("ville", "commune")) or k.endswith("city")),
    ("address", lambda k: k.startswith(("adresse", "address"))),
    ("ipp", lambda k: k.startswith("ipp") or k.endswith("ipp")),
    ("nda", lambda k: k.startswith("nda") or k.endswith("nda") or "numsejour" in k),
    ("family_name", lambda k: k.startswith("nom") and "etab" not in k and "medecin" not in k),
    ("family_name", lambda k: k.endswith(("lastname", "surname", "familyname"))),
    ("sex", lambda k: k.startswith("sexe") or k.endswith("gender")),
    ("facility_name", lambda k: "etablissement" in k or "hopital" in k),
    ("health-diagnosis", lambda k: k.startswith(("diag", "cim", "icd"))),
    ("health-result", lambda k: k.startswith(("resultat", "analyse", "result")) or "loinc" in k),
    ("health-imaging", lambda k: k.startswith(("modalit", "imagerie"))),
    ("event_date", lambda k: k.startswith(("date", "dt")) or k.endswith("date")),
]

_EXACT_BY_KEY: dict[str, list[str]] = {}
for _target, _names in _EXACT.items():
    for _name in _names:
        _EXACT_BY_KEY.setdefault(_name, []).append(_target)


def sources(mapping: dict[str, str], target: str) -> list[str]:
    """Source headers of a target, in header order (``event_date``, ``event_date.2``...)."""
    out = []
    if target in mapping:
        out.append(mapping[target])
    index = 2
    while f"{target}.{index}" in mapping:
        out.append(mapping[f"{target}.{index}"])
        index += 1
    return out


def header_targets(header: str) -> list[str]:
    """Targets a header name means on its own (no content), exact names first."""
    key = compact(header)
    if not key:
        return []
    exact = _EXACT_BY_KEY.get(key)
    if exact:
        return list(exact)
    for target, rule in _FUZZY:
        if rule(key):
            return [target]
    return []


def is_known_header(header: str) -> bool:
    """True when the header is one of the exact names (used to decide whether a first CSV row is a header)."""
    return compact(header) in _EXACT_BY_KEY


def _add(mapping: dict[str, str], target: str, source: str) -> bool:
    if target in MULTI_TARGETS:
        key, index = target, 2
        while key in mapping:
            if mapping[key] == source:
                return False
            key = f"{target}.{index}"
            index += 1
        mapping[key] = source
        return True
    if target in mapping:
        return False
    mapping[target] = source
    return True


def map_columns(headers: Sequence[str], sample_rows: Sequence[Sequence[object]]) -> dict[str, str]:
    """Map common fields to source headers, by header name and then by sampled content.

    ``sample_rows`` are rows in header order (shorter rows are fine); a few hundred are plenty.
    """
    mapping: dict[str, str] = {}
    explained: set[int] = set()
    # Exact names first (all columns), then fuzzy names, so that `nom` beats a fuzzy `nom_xxx`.
    for index, header in enumerate(headers):
        for target in _EXACT_BY_KEY.get(compact(header), ()):
            explained.add(index)
            _add(mapping, target, header)
    for index, header in enumerate(headers):
        if index in explained:
            continue
        key = compact(header)
        for target, rule in _FUZZY:
            if key and rule(key):
                explained.add(index)
                _add(mapping, target, header)
                break
    _map_by_content(headers, sample_rows, mapping, explained)
    _demote_foreign_key(headers, sample_rows, mapping)
    return mapping


def _demote_foreign_key(headers: Sequence[str], sample_rows: Sequence[Sequence[object]], mapping: dict[str, str]) -> None:
    """``patient_id`` holding small integers without leading zeros is a row reference, not an IPP."""
    source = mapping.get("ipp")
    if source is None or compact(source) not in _GENERIC_PATIENT_KEYS or source not in headers:
        return
    values = _column_values(sample_rows, list(headers).index(source))
    if values and all(v.isdigit() and not v.startswith("0") and len(v) <= 7 for v in values):
        mapping[PATIENT_REF] = mapping.pop("ipp")


def _column_values(sample_rows: Sequence[Sequence[object]], index: int) -> list[str]:
    values = []
    for row in sample_rows[:SAMPLE_LIMIT]:
        if index < len(row) and row[index] is not None:
            text = str(row[index]).strip()
            if text:
                values.append(text)
    return values


def _share(values: list[str], test: Callable[[str], bool]) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _is_sex_column(values: list[str]) -> bool:
    upper = {checks.strip_accents(v).upper() for v in values}
    if not upper <= checks.SEX_VOCABULARY or len(upper) > 4:
        return False
    # numeric codes only when nothing but 1/2 appears (a flag column of 0/1 is not a sex)
    return not upper <= {"0", "1", "2", "9"} or upper <= {"1", "2"}


def _is_postcode_column(values: list[str]) -> bool:
    def ok(v: str) -> bool:
        return len(v) == 5 and v.isdigit() and ("01" <= v[:2] <= "95" or v[:2] in ("97", "98"))

    if _share(values, ok) < CONTENT_THRESHOLD:
        return False
    numbers = [int(v) for v in values if v.isdigit()]
    return not (len(numbers) > 3 and all(a < b for a, b in zip(numbers, numbers[1:], strict=False)))


def _map_by_content(
    headers: Sequence[str], sample_rows: Sequence[Sequence[object]], mapping: dict[str, str], explained: set[int]
) -> None:
    date_columns: list[tuple[int, list[str]]] = []
    for index, header in enumerate(headers):
        if index in explained:
            continue
        values = _column_values(sample_rows, index)
        if len(values) < 3 and len(values) < len(sample_rows):
            continue
        if not values:
            continue
        candidates: list[tuple[str, Callable[[list[str]], bool]]] = [
            ("nir", lambda vs: _share(vs, checks.is_valid_nir) >= CONTENT_THRESHOLD),
            ("email", lambda vs: _share(vs, checks.is_valid_email) >= CONTENT_THRESHOLD),
            ("phone", lambda vs: _share(vs, checks.is_valid_phone_fr) >= CONTENT_THRESHOLD),
            ("facility_finess", lambda vs: _share(vs, checks.is_valid_finess) >= CONTENT_THRESHOLD),
            ("postcode", _is_postcode_column),
            ("sex", _is_sex_column),
        ]
        for target, test in candidates:
            if target not in mapping and test(values):
                mapping[target] = header
                explained.add(index)
                break
        else:
            dates = [checks.norm_date(v) for v in values]
            parsed = [d for d in dates if d]
            if parsed and len(parsed) / len(values) >= CONTENT_THRESHOLD:
                date_columns.append((index, parsed))
    if not date_columns:
        return
    birth_index = None
    if "birth_date" not in mapping:
        birth_index = _pick_birth_dates(date_columns)
        if birth_index is not None:
            mapping["birth_date"] = headers[birth_index]
    for index, _parsed in date_columns:
        if index != birth_index:
            _add(mapping, "event_date", headers[index])


def _pick_birth_dates(date_columns: list[tuple[int, list[str]]]) -> int | None:
    """The oldest date column whose values look like birth dates (past, spread over decades or long ago)."""
    today = _dt.date.today()
    best: tuple[float, int] | None = None
    for index, parsed in date_columns:
        years = [int(d[:4]) for d in parsed]
        if any(d > today.isoformat() for d in parsed) or min(years) < 1880:
            continue
        median = statistics.median(years)
        if not (median <= today.year - 15 or max(years) - min(years) >= 20):
            continue
        if best is None or median < best[0]:
            best = (median, index)
    return best[1] if best else None
