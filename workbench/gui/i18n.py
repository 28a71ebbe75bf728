"""French and English interface through Qt's translation machinery (``balise_fr.qm``; ``balise_en.qm`` holds
only the English plural forms of the ``%Ln`` texts)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from workbench.gui.resources import translations_dir

LANGUAGES = ("fr", "en")  # the source texts are English
_installed: list[QTranslator] = []


def system_language() -> str:
    return "fr" if QLocale.system().language() == QLocale.Language.French else "en"


def install_language(lang: str) -> bool:
    """Install the catalogue of ``lang`` (and Qt's own for standard buttons); English removes them."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("no QApplication")
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    # Numbers follow the interface language, not the system: 45 638 in French, 45,638 in English.
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France) if lang == "fr"
                       else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    # English is the source language, but its plural forms live in a catalogue too (balise_en.ts, made with
    # ``lupdate -pluralonly``): without it "%Ln row(s)" would read "1 row(s)".
    ours = QTranslator(app)
    if not ours.load(f"balise_{lang}", str(translations_dir())):
        return lang == "en"
    app.installTranslator(ours)
    _installed.append(ours)
    if lang == "en":
        return True
    qt = QTranslator(app)
    if qt.load(QLocale(lang), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return True
