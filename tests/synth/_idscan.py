"""An independent identifier extractor for the synth tests: regexes + python-stdnum validation.

Deliberately not the engine's scanner: the ground truth is checked against a second opinion."""

from __future__ import annotations

import re

from stdnum import iban, luhn
from stdnum.fr import nir

from workbench.synth.truth import normalise

PATTERNS = {
    "nir": re.compile(r"(?<![0-9A-Za-z])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}(?![0-9])"),
    "finess": re.compile(r"(?<![0-9])\d{9}(?![0-9])"),
    "rpps": re.compile(r"(?<![0-9])10\d{9}(?![0-9])"),
    "iban": re.compile(r"FR\d{2}(?: ?[0-9A-Z]{4}){5} ?[0-9A-Z]{3}"),
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    "phone": re.compile(r"(?<![0-9+])(?:\+33 ?|0)[1-9](?:[ .]?\d{2}){4}(?![0-9])"),
}
VALID = {
    "nir": lambda v: nir.is_valid(v.replace(" ", "")),
    "finess": luhn.is_valid,
    "rpps": luhn.is_valid,
    "iban": lambda v: iban.is_valid(v.replace(" ", "")),
    "email": lambda v: True,
    "phone": lambda v: True,
}


def extract(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t, rx in PATTERNS.items():
        for m in rx.finditer(text):
            v = m.group(0)
            if VALID[t](v):
                out.setdefault(t, set()).add(normalise(t, v))
    return out
