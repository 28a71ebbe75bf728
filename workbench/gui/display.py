"""Formatting for display: sizes, durations, and identifiers masked unless the analyst shows them in clear."""

from __future__ import annotations

from workbench.engine.masking import mask_identifier, mask_text

# Record columns holding personal data, and how each is masked for display.
_ID_COLUMNS = {"nir": "nir", "phone": "phone", "email": "email", "ipp": "digits", "nda": "digits"}
_NAME_COLUMNS = {"family_name", "birth_name", "given_name", "address"}


def human_bytes(n: float | None) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def human_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def mask_value(column: str, value: str | None) -> str | None:
    """One record field as shown when masking is on: identifiers per their type, names as an initial,
    dates of birth as the year, anything else through ``mask_text``."""
    if value is None or value == "":
        return value
    if column in _ID_COLUMNS:
        kind = _ID_COLUMNS[column]
        if kind == "digits":
            return value[:2] + "*" * max(0, len(value) - 2) if len(value) > 3 else "*" * len(value)
        return mask_identifier(kind, value)
    if column in _NAME_COLUMNS:
        return " ".join(w[:1] + "*" * (len(w) - 1) for w in value.split())
    if column == "birth_date":
        return value[:4] + "-**-**" if len(value) >= 4 else "****"
    return mask_text(value)
