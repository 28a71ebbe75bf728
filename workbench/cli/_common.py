"""Helpers shared by the command modules: one-line fatal errors, byte formatting."""

from __future__ import annotations

import sys


def fatal(message: str) -> int:
    print(f"balise: {message}", file=sys.stderr)
    return 1


def human_bytes(n: float | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
