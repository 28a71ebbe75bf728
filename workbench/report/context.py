"""Everything the PDF sections read, gathered once from the case store (aggregates only: bounded memory)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.engine.custody import CaseCheck
from workbench.report import facts
from workbench.report.i18n import Tr
from workbench.report.layout import Layout
from workbench.report.redact import Redactor

BASIS_ORDER = ("canary", "watermark", "identifier", "pattern")


@dataclass
class Context:
    tr: Tr
    lay: Layout
    red: Redactor
    db: sqlite3.Connection
    meta: dict[str, str]
    report_utc: str
    check: CaseCheck
    pdf_path: Path
    summary: dict[str, Any] = field(default_factory=dict)
    establishments: list[dict[str, Any]] = field(default_factory=list)
    beacon_summary: dict[str, dict[str, int]] = field(default_factory=dict)
    categories: dict[str, dict[str, int]] = field(default_factory=dict)
    span: dict[str, str | None] = field(default_factory=dict)
    unattributed: dict[str, int] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    identifiers: dict[str, dict[str, int]] = field(default_factory=dict)
    extra_files: dict[str, Path] = field(default_factory=dict)  # annex files written beside the PDF

    def est_label(self, finess: str | None) -> str:
        """``name (FINESS n)`` of a registry establishment, or the bare FINESS."""
        if not finess:
            return ""
        name = self.meta.get(f"establishment:{finess}")
        return f"{name} (FINESS {finess})" if name else f"FINESS {finess}"

    def strongest_basis(self, est: dict[str, Any]) -> str:
        return next((b for b in BASIS_ORDER if b in est["bases"]), "none")

    def best_p_value(self, finess: str) -> float | None:
        row = self.db.execute("SELECT MIN(p_value) FROM watermark_hits WHERE establishment=?", (finess,)).fetchone()
        return row[0] if row else None

    def strength(self, est: dict[str, Any]) -> str:
        tr = self.tr
        basis = self.strongest_basis(est)
        beacons = self.beacon_summary.get(est["finess"], {})
        if basis == "canary":
            confirmed = beacons.get("confirmed", 0)
            if confirmed:
                return tr("strength_canary", n=tr.num(confirmed))
            return tr("strength_canary_partial", n=tr.num(beacons.get("partial", 0)))
        if basis == "watermark":
            return tr("strength_watermark", p=tr.pvalue(self.best_p_value(est["finess"])))
        return tr(f"strength_{basis}")


def gather(ctx: Context) -> None:
    """Fill the context's aggregates from the store."""
    db = ctx.db
    evidence = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM evidence").fetchone()
    ctx.summary = {
        "evidence": evidence[0],
        "bytes": evidence[1],
        "items": db.execute("SELECT COUNT(*) FROM items").fetchone()[0],
        "records": db.execute("SELECT COUNT(*) FROM records").fetchone()[0],
        "patients": db.execute("SELECT COUNT(DISTINCT patient_key) FROM records WHERE patient_key IS NOT NULL")
        .fetchone()[0],
        "error_items": db.execute("SELECT COUNT(DISTINCT vpath) FROM errors").fetchone()[0],
        "errors": db.execute("SELECT COUNT(*) FROM errors").fetchone()[0],
    }
    ctx.establishments = facts.establishment_stats(db)
    ctx.beacon_summary = facts.beacon_summary(db)
    ctx.categories = facts.category_counts(db)
    ctx.span = facts.date_span(db)
    ctx.unattributed = facts.unattributed(db)
    ctx.conflicts = facts.conflicts(db)
    ctx.identifiers = {r[0]: {"hits": r[1], "unique": r[2]} for r in db.execute(
        "SELECT type, SUM(count), COUNT(DISTINCT value) FROM identifiers GROUP BY type")}
