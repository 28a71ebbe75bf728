"""What the report may show of a person: masked by default, in clear only with ``unmasked``.

Item paths are masked too (a file can be named after a patient's NIR); establishment identifiers (FINESS,
HL7 facility codes, DICOM UID roots) are not personal and stay in clear.
"""

from __future__ import annotations

from workbench.engine.masking import mask_identifier, mask_path

PERSONAL_TYPES = ("nir", "iban", "email", "phone")


class Redactor:
    def __init__(self, unmasked: bool = False, names: frozenset[str] = frozenset()) -> None:
        self.unmasked = unmasked
        self.names = names  # the case's person names (folded): words of paths masked as names

    def text(self, text: str | None) -> str:
        """Free text (excerpts, error messages, custody details): identifiers masked, and the words that are names
        of the case's people (a rule's excerpt ``KERLEAU;Maëlys;1985-07-12`` showed the name in clear)."""
        if not text:
            return ""
        return text if self.unmasked else mask_path(text, self.names)

    def path(self, vpath: str | None) -> str:
        """An item path: identifiers, and words that are names of the case's people ("CR_moreau_BIO.pdf")."""
        if not vpath:
            return ""
        return vpath if self.unmasked else mask_path(vpath, self.names)

    def identifier(self, id_type: str, value: str | None) -> str:
        if not value:
            return ""
        if self.unmasked or id_type not in PERSONAL_TYPES:
            return value
        return mask_identifier(id_type, value)

    def name(self, value: str | None) -> str:
        """A person's name: initial and length hint only (``D*****``)."""
        if not value:
            return ""
        if self.unmasked:
            return value
        return " ".join(part[:1] + "*" * min(len(part) - 1, 5) for part in value.split())
