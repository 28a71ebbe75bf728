"""Where the window's resources (icons, translations) live: source checkout, wheel or PyInstaller bundle."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

import workbench

# kind -> icon file stem in resources/icons (kinds not listed use "file").
KIND_ICONS = {
    "directory": "folder", "archive": "archive", "csv": "table", "xlsx": "table", "ods": "table", "xls": "table",
    "sqlite": "database", "pg-archive": "database",
    "sql-dump": "database", "hl7v2": "hl7", "fhir-json": "fhir", "fhir-ndjson": "fhir", "dicom": "dicom",
    "pdf": "pdf", "docx": "document", "odt": "document", "email": "mail", "mbox": "mail", "json": "code",
    "xml": "code", "image": "image", "text": "text", "binary": "binary", "empty": "empty", "encrypted": "locked",
}


def resources_dir() -> Path:
    """``$BALISE_RESOURCES_DIR``, the PyInstaller bundle, or ``workbench/resources`` inside the package.

    The resources live inside the package in the source tree too, so a wheel built by a plain ``pip wheel .``
    carries them (package data) and an installed copy finds them where a checkout does.
    """
    candidates = []
    if os.environ.get("BALISE_RESOURCES_DIR"):
        candidates.append(Path(os.environ["BALISE_RESOURCES_DIR"]))
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        candidates.append(Path(meipass) / "resources")
    package_dir = Path(workbench.__file__).resolve().parent
    candidates.append(package_dir / "resources")
    for c in candidates:
        if (c / "icons").is_dir():
            return c
    raise FileNotFoundError("window resources not found; looked in: " + ", ".join(map(str, candidates)))


def translations_dir() -> Path:
    return resources_dir() / "translations"


@cache
def icon(stem: str) -> QIcon:
    path = resources_dir() / "icons" / f"{stem}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def kind_icon(kind: str | None) -> QIcon:
    return icon(KIND_ICONS.get(kind or "", "file"))
