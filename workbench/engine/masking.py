"""Masking of personal identifiers for logs, console output, excerpts and reports.

The scheme shows *what kind* of identifier was there, never *whose*:

- NIR ``1 85 05 78 006 084 91`` -> ``1 85 ** ** *** *** 91`` (sex, year and key: not enough to find a person);
- e-mail ``jean.dupont@chu-rennes.fr`` -> ``j***@c***.fr``;
- phone ``+33612345678`` -> ``+33 6 ** ** ** 78``;
- IBAN ``FR7630006000011234567890189`` -> ``FR76 **** ... 0189``;
- RPPS (a health professional) ``10100710366`` -> ``10*******66``;
- FINESS identifies an establishment, not a person: kept in clear.

``mask_text`` masks, in free text, everything that looks like one of them whether or not its check digits are
valid (a mistyped NIR is still personal data), and every run of 8 or more digits.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from workbench.engine.identifiers.validators import normalise

if TYPE_CHECKING:  # pyarrow is imported when a column is masked, not by every user of this module
    import pyarrow as pa

_SEP = r"[ .\-\u00a0]?"
_NIR_LIKE = (rf"(?<![0-9A-Za-z])[1-478]{_SEP}[0-9]{{2}}{_SEP}[0-9]{{2}}{_SEP}(?:[0-9]{{2}}|2[ABab]){_SEP}"
             rf"[0-9]{{3}}{_SEP}[0-9]{{3}}{_SEP}[0-9]{{2}}(?![0-9A-Za-z])")
_IBAN_LIKE = (r"(?<![0-9A-Za-z])[A-Za-z]{2}[0-9]{2}(?: ?[0-9A-Za-z]{4}){2,7}(?: ?[0-9A-Za-z]{1,3})?"
              r"(?![0-9A-Za-z])")  # either case: the scanner finds lower-case IBANs too
_EMAIL_LIKE = r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
_PHONE_LIKE = (r"(?<![0-9A-Za-z+])(?:(?:\+|00)33[ .\-\u00a0]?(?:\(0\)[ .\-\u00a0]?)?|0)[1-9]"
               r"(?:[ .\-\u00a0]?[0-9]{2}){4}(?![0-9A-Za-z])")
_DIGIT_RUN = r"(?<![0-9])[0-9]{8,}(?![0-9])"

_TEXT = re.compile(
    f"(?P<email>{_EMAIL_LIKE})|(?P<iban>{_IBAN_LIKE})|(?P<nir>{_NIR_LIKE})|(?P<phone>{_PHONE_LIKE})"
    f"|(?P<digits>{_DIGIT_RUN})")


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-\u00a0]", "", value)


def _mask_nir(value: str) -> str:
    v = _compact(value).upper()
    if len(v) != 15:
        return "*" * len(value)
    return f"{v[0]} {v[1:3]} ** ** *** *** {v[13:]}"


def _mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    host, dot, tld = domain.rpartition(".")
    if not dot:
        return f"{local[:1]}***@***"
    return f"{local[:1]}***@{host[:1]}***.{tld}"


def _mask_phone(value: str) -> str:
    try:
        canonical = normalise("phone", value)
    except ValueError:
        digits = re.sub(r"\D", "", value)
        return "*" * max(0, len(digits) - 2) + digits[-2:]
    return f"+33 {canonical[3]} ** ** ** {canonical[-2:]}"


def _mask_iban(value: str) -> str:
    v = _compact(value).upper()
    return f"{v[:4]} **** ... {v[-4:]}"


def _mask_digits(value: str) -> str:
    return value[:2] + "*" * (len(value) - 4) + value[-2:] if len(value) >= 10 else "*" * (len(value) - 2) + value[-2:]


def mask_identifier(id_type: str, value: str) -> str:
    """The masked form of one identifier of type ``id_type`` (see the module doc)."""
    if id_type == "nir":
        return _mask_nir(value)
    if id_type == "email":
        return _mask_email(value)
    if id_type == "phone":
        return _mask_phone(value)
    if id_type == "iban":
        return _mask_iban(value)
    if id_type == "rpps":
        v = _compact(value)
        return v[:2] + "*" * (len(v) - 4) + v[-2:] if len(v) > 4 else "*" * len(v)
    if id_type == "finess":
        return value
    return "*" * len(value)


_MASKERS = {"email": _mask_email, "iban": _mask_iban, "nir": _mask_nir, "phone": _mask_phone,
            "digits": _mask_digits}


# Upper-case words that are format keywords, not names (kept in strict mode).
_KEYWORDS = frozenset(["MSH", "EVN", "PID", "PD1", "PV1", "PV2", "NK1", "OBR", "OBX", "ORC", "NTE", "ROL", "MRG", "IN1", "ZBE", "ZFP", "ZFV", "ADT", "ORU", "ORM", "MDM", "ACK", "DICM", "FHIR", "CDA", "HPRIM", "LAB", "RES", "FIN", "FINLAB", "FINFICHIER", "CREATE", "TABLE", "INSERT", "INTO", "VALUES", "COPY", "FROM", "SELECT", "SET", "NULL", "NOT", "DEFAULT", "PRIMARY", "KEY", "ENGINE", "CHARSET", "CHANGE", "MASTER", "SOURCE", "REPLICATION", "PREPARE", "EXECUTE", "START", "REPLICA", "FINESS", "RPPS", "ADELI", "IDNPS", "NIR", "NIA", "INS", "ISO", "UTF", "PDF", "URI", "XML", "JSON", "HTTP", "HTTPS", "IBAN", "BIC", "EUR", "CHU", "CHR", "GHT", "EHPAD", "ASIP", "SANTE", "TEXT", "BASE",
                       "IPP", "NDA", "DPI", "VILLE", "COMMUNE", "SIL", "PACS", "RIS"])
# Capitalised words that are labels of French health documents, not names (kept in strict mode).
_LABELS = frozenset(w.casefold() for w in [
    "Nom", "Prénom", "Prenom", "Née", "Nee", "Sexe", "Date", "Naissance", "Adresse", "Patient", "Patiente",
    "Docteur", "Madame", "Monsieur", "Mme", "Compte", "Rendu", "Résultat", "Résultats", "Resultat", "Laboratoire",
    "Hôpital", "Hopital", "Centre", "Service", "Unité", "Unite", "Médecin", "Medecin", "Prescripteur", "Examen",
    "Valeur", "Valeurs", "Référence", "Reference", "Normales", "Unités", "Prélèvement", "Prelevement", "Biologie",
    "Hématologie", "Biochimie", "Hémoglobine", "Créatinine", "Glycémie", "Leucocytes", "Plaquettes", "Sodium",
    "Potassium", "Cher", "Confrère", "Consœur", "Ordonnance", "Antécédents", "Conclusion", "Diagnostic", "Motif",
    "Entrée", "Sortie", "Séjour", "Sejour", "Dossier", "Identifiant", "Numéro", "Numero", "Téléphone", "Telephone",
    "Courriel", "Mail", "Page", "Signé", "Validé", "Edité", "Patient", "Name", "Given", "Family", "Birth",
    "Gender", "Male", "Female", "Identifier", "Observation", "Encounter", "Bundle", "Resource", "Organization",
    "Study", "Series", "Institution", "Modality", "The", "And", "For", "With", "Les", "Des", "Pour", "Avec",
    "Dans", "Sur", "Par", "Une", "Aux"])
# A word ends with a letter: "PDF-" in "%PDF-1.4" was one word (the hyphen matched), not the keyword PDF.
_STRICT_EXTRA = re.compile(r"(?<![0-9])[0-9]{2}[/.-][0-9]{2}[/.-][0-9]{4}(?![0-9])|(?<![0-9])[0-9]{5,}(?![0-9])"
                           r"|\b[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'-]+[A-ZÀ-ÖØ-Þ]\b|\b[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'-]+[a-zß-öø-ÿ]\b")


def _mask_strict(m: re.Match[str]) -> str:
    word = m.group()
    if word[0].isdigit():
        if len(word) == 10 and not word.isdigit():  # a date dd/mm/yyyy: the year alone stays
            return f"**{word[2]}**{word[5]}{word[6:]}"
        return "*" * len(word)
    if word in _KEYWORDS or word.casefold() in _LABELS:
        return word
    return word[0] + "*" * (len(word) - 1)


def mask_text(text: str, *, strict: bool = False) -> str:
    """``text`` with every NIR-, IBAN-, e-mail- and phone-like token and every run of >= 8 digits masked.

    ``strict`` (excerpts of records: HL7 segments, DICOM headers, SQL rows) also masks runs of >= 5 digits
    (patient numbers, dates), upper-case words of 3 letters or more (family names are written in capitals in
    French records) and capitalised words (given names), except format keywords (MSH, PID, CREATE, FINESS...)
    and the labels of health documents (Nom, Prénom, Hémoglobine...).
    """
    def repl(m: re.Match[str]) -> str:
        kind = m.lastgroup or "digits"
        return _MASKERS[kind](m.group())

    masked = _TEXT.sub(repl, text)
    return _STRICT_EXTRA.sub(_mask_strict, masked) if strict else masked


# Vectorised masks of normalised identifiers (the form the identifiers shard stores): RE2 pattern, replacement.
# Each gives exactly what mask_identifier gives for a value of that shape; a value of another shape goes through
# mask_identifier itself, so a column is never left in clear.
_COLUMN_MASKS = {
    "nir": (r"^(.)(..).{10}(..)$", r"\1 \2 ** ** *** *** \3"),
    "email": (r"^(.)[^@]*@([^.@])[^@]*\.([^.@]*)$", r"\1***@\2***.\3"),
    "phone": (r"^\+33([1-9])[0-9]{6}([0-9]{2})$", r"+33 \1 ** ** ** \2"),
    "iban": (r"^([A-Z0-9]{4})[A-Z0-9]*([A-Z0-9]{4})$", r"\1 **** ... \2"),
    "rpps": (r"^([0-9]{2})[0-9]{7}([0-9]{2})$", r"\1*******\2"),
}


def mask_identifier_column(id_type: str, values: pa.Array | pa.ChunkedArray | list[str | None]) -> pa.Array:
    """``mask_identifier`` over a whole Arrow column of normalised identifiers, in C (pyarrow's RE2): a feature
    file of a million identifiers is masked in about a second instead of a Python loop. Values whose shape the
    vectorised pattern does not cover are masked one by one by :func:`mask_identifier` (rare)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array(values, pa.string()) if not isinstance(values, pa.Array | pa.ChunkedArray) else values
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if id_type == "finess":
        return values
    rule = _COLUMN_MASKS.get(id_type)
    if rule is None:
        return pa.array([None if v is None else mask_identifier(id_type, v) for v in values.to_pylist()], pa.string())
    pattern, replacement = rule
    masked = pc.replace_substring_regex(values, pattern=pattern, replacement=replacement)
    fits = pc.fill_null(pc.match_substring_regex(values, pattern=pattern), True)
    if pc.all(fits).as_py():
        return masked
    odd = pc.indices_nonzero(pc.invert(fits)).to_pylist()
    fixed = masked.to_pylist()
    raw = values.to_pylist()
    for i in odd:
        fixed[i] = mask_identifier(id_type, raw[i])
    return pa.array(fixed, pa.string())


# ISO dates (1985-05-12, 1985/05/12, 19850512 is a digit run): birth dates in SQL dumps, FHIR and CSV exports.
_ISO_DATE = re.compile(r"(?<![0-9])([12][0-9]{3})([-/])[01][0-9]\2[0-3][0-9](?![0-9])")


# Two-letter words: the particles of Breton and French family names ("LE DU", "Le Goff") that the 3-letter
# rule of strict masking let through; a few format words stay.
_SHORT_WORD = re.compile(r"\b[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þa-zß-öø-ÿ]\b")
_SHORT_KEEP = frozenset(["CP", "UF", "ID", "OK", "NA", "PV", "PD", "NK", "IN", "DR", "MR", "Dr", "Mr", "No", "Nº"])


def _mask_short(m: re.Match[str]) -> str:
    return m.group() if m.group() in _SHORT_KEEP else m.group()[0] + "*"


def mask_view_text(text: str) -> str:
    """Free text shown to an analyst (the window's Text view): ``mask_text(strict=True)``, name particles of two
    letters, and ISO dates kept to their year, so that what the Table view masks by column (names, birth dates,
    IPP, addresses) is masked in the raw text too."""
    masked = _SHORT_WORD.sub(_mask_short, mask_text(text, strict=True))
    return _ISO_DATE.sub(lambda m: f"{m.group(1)}{m.group(2)}**{m.group(2)}**", masked)


def personal_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` that :func:`mask_view_text` would hide (the Hex view masks these bytes)."""
    spans = [m.span() for m in _TEXT.finditer(text)]
    spans += [m.span() for m in _STRICT_EXTRA.finditer(text) if _mask_strict(m) != m.group()]
    spans += [(m.start() + 5, m.end()) for m in _ISO_DATE.finditer(text)]
    spans += [m.span() for m in _SHORT_WORD.finditer(text) if m.group() not in _SHORT_KEEP]
    return sorted(spans)


# A file or folder name cut into words: letters of any script, apostrophes and hyphens inside a name
# ("le-goff", "N'Diaye") kept together.
_PATH_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
NAME_MIN_LETTERS = 3  # shorter words ("le", "du") are too common in paths to be taken for a name


def fold_name(word: str) -> str:
    """A name as compared with the case's names: case and accents ignored ("Gérard" = "GERARD")."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


def mask_path(text: str, names: frozenset[str] | set[str] = frozenset()) -> str:
    """An item path with its identifiers masked (:func:`mask_text`) and every word that is the name of a person
    of the case masked to its initial: exports are named after their patient in any case
    ("CR_moreau_BIO-2291.pdf", "DUPONT_Jean.hl7"), which identifier masking alone left in clear. ``names`` are
    :func:`fold_name` forms of the case's family, birth and given names."""
    masked = mask_text(text)
    if not names:
        return masked

    def repl(m: re.Match[str]) -> str:
        word = m.group()
        if len(word) >= NAME_MIN_LETTERS and fold_name(word) in names:
            return word[0] + "*" * (len(word) - 1)
        return word

    return _PATH_WORD.sub(repl, masked)
