"""What the PDF sections read: the report model, the language, the layout and the masking rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.engine.store.reader import CaseReader
from workbench.report.i18n import Tr
from workbench.report.layout import Layout
from workbench.report.model import BASIS_ORDER, Establishment, ReportModel
from workbench.report.redact import Redactor

__all__ = ["BASIS_ORDER", "Context"]


@dataclass
class Context:
    tr: Tr
    lay: Layout
    red: Redactor
    model: ReportModel
    pdf_path: Path
    reader: CaseReader | None = None  # streams what the model does not hold (the item list of the annex)
    extra_files: dict[str, Path] = field(default_factory=dict)  # annex files written beside the PDF

    @property
    def meta(self) -> dict[str, str]:
        return dict(self.model.meta)

    def est_label(self, finess: str | None) -> str:
        return self.model.est_label(finess)

    def strength(self, est: Establishment) -> str:
        tr = self.tr
        basis = est.strongest_basis
        if basis == "canary":
            if est.canaries_confirmed:
                return tr("strength_canary_n", n=tr.n(est.canaries_confirmed, "n_canaries_confirmed"))
            return tr("strength_canary_partial", n=tr.n(est.canaries_partial, "n_canaries"))
        if basis == "watermark":
            return tr("strength_watermark", p=tr.p_expr(est.best_p_value, est.best_log10_p))
        return tr(f"strength_{basis}")
