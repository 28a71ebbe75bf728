"""What the window remembers between sessions (QSettings): recent cases, language, layout, per-case inputs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 8


class Settings:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or QSettings("Balise", "Balise Workbench")

    # -- recent cases -----------------------------------------------------------------------------
    def recent_cases(self) -> list[Path]:
        raw = self.q.value("recent_cases", [])
        items = [raw] if isinstance(raw, str) else list(raw or [])
        return [Path(p) for p in items if p]

    def add_recent(self, case_dir: Path) -> None:
        p = str(Path(case_dir).resolve())
        items = [str(x) for x in self.recent_cases() if str(x) != p]
        self.q.setValue("recent_cases", [p, *items][:MAX_RECENT])

    # -- language ---------------------------------------------------------------------------------
    def language(self) -> str | None:
        v = self.q.value("language")
        return str(v) if v else None

    def set_language(self, lang: str) -> None:
        self.q.setValue("language", lang)

    # -- per case inputs (registry and the analyst's rule files) -----------------------------------
    @staticmethod
    def _key(case_dir: Path) -> str:
        return "case_" + hashlib.sha1(str(Path(case_dir).resolve()).encode()).hexdigest()[:16]

    def case_inputs(self, case_dir: Path) -> dict:
        raw = self.q.value(self._key(case_dir))
        try:
            return json.loads(raw) if raw else {}
        except (TypeError, ValueError):
            return {}

    def set_case_inputs(self, case_dir: Path, inputs: dict) -> None:
        self.q.setValue(self._key(case_dir), json.dumps(inputs))
