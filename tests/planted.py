"""The identifiers the demo planted (from its ground truth) and a search for them in clear in an export."""

from __future__ import annotations


def planted_values(truth: dict) -> dict[str, set[str]]:
    """Every personal identifier the demo planted, by type (normalised, as the truth records them); FINESS
    numbers are establishments', not persons': left out."""
    out: dict[str, set[str]] = {}
    for item in truth["items"]:
        for id_type, values in item["identifiers"].items():
            if id_type != "finess":
                out.setdefault(id_type, set()).update(values)
    return out


def clear_values_in(text: str, planted: dict[str, set[str]]) -> list[str]:
    """The planted identifiers found in clear in ``text``, whatever the spacing (a NIR written ``1 85 05 ...``,
    a phone ``06 12 ...`` or ``+33612...``)."""
    compact = "".join(text.split()).replace(".", "").replace("-", "")
    found = []
    for id_type, values in planted.items():
        for v in values:
            forms = {v, "".join(v.split())}
            if id_type == "phone" and v.startswith("+33"):
                forms.add("0" + v[3:])
            if any(f in text or f in compact for f in forms if len(f) >= 6):
                found.append(f"{id_type}:{v}")
    return found
