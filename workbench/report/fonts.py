"""Fonts of the PDF report: DejaVu (accents and symbols render the same on any machine).

matplotlib ships DejaVu Sans and DejaVu Sans Mono in its package data, so the same files are used on Linux and
on air-gapped Windows laptops; the system's fonts-dejavu-core is the second choice. Without either, reportlab's
built-in Helvetica/Courier are used (Latin-1 only: French accents still render, some symbols do not) and
:data:`FontSet.note` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

_FILES = {
    "BaliseSans": "DejaVuSans.ttf",
    "BaliseSans-Bold": "DejaVuSans-Bold.ttf",
    "BaliseSans-Oblique": "DejaVuSans-Oblique.ttf",
    "BaliseSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    "BaliseMono": "DejaVuSansMono.ttf",
    "BaliseMono-Bold": "DejaVuSansMono-Bold.ttf",
}
SYSTEM_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"),
               Path("/usr/share/fonts/dejavu"))


@dataclass(frozen=True)
class FontSet:
    regular: str
    bold: str
    italic: str
    mono: str
    mono_bold: str
    source: str  # folder the TTFs came from, or "reportlab built-in"
    note: str | None = None  # set when falling back to the built-in fonts


def _font_dirs() -> list[Path]:
    dirs = []
    try:
        import matplotlib

        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:  # matplotlib is a dependency; this only guards a broken install
        pass
    dirs.extend(SYSTEM_DIRS)
    return dirs


_cached: FontSet | None = None


def register_fonts() -> FontSet:
    """Register the report's fonts with reportlab once per process and return their names."""
    global _cached
    if _cached is not None:
        return _cached
    for folder in _font_dirs():
        if all((folder / f).is_file() for f in _FILES.values()):
            for name, file in _FILES.items():
                if name not in pdfmetrics.getRegisteredFontNames():
                    pdfmetrics.registerFont(TTFont(name, str(folder / file)))
            addMapping("BaliseSans", 0, 0, "BaliseSans")
            addMapping("BaliseSans", 1, 0, "BaliseSans-Bold")
            addMapping("BaliseSans", 0, 1, "BaliseSans-Oblique")
            addMapping("BaliseSans", 1, 1, "BaliseSans-BoldOblique")
            addMapping("BaliseMono", 0, 0, "BaliseMono")
            addMapping("BaliseMono", 1, 0, "BaliseMono-Bold")
            addMapping("BaliseMono", 0, 1, "BaliseMono")
            addMapping("BaliseMono", 1, 1, "BaliseMono-Bold")
            _cached = FontSet("BaliseSans", "BaliseSans-Bold", "BaliseSans-Oblique", "BaliseMono", "BaliseMono-Bold",
                              str(folder))
            return _cached
    _cached = FontSet("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Courier", "Courier-Bold",
                      "reportlab built-in",
                      note="DejaVu fonts not found (matplotlib data or fonts-dejavu-core): built-in Helvetica used")
    return _cached
