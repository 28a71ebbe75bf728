"""The forensic PDF report of a case (reportlab platypus; charts by matplotlib), rendered from the report model.

``render_pdf`` first re-verifies the case (custody chain, and a re-hash of every evidence item, recorded in the
custody log when the chain is intact) unless it is given the model of a verification just made, then lays out:
cover, summary, evidence, method, attribution, GDPR figures, findings, annexes. The caller
(``exports.write_reports``) logs the PDF's own SHA-256 afterwards.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

from reportlab.platypus import CondPageBreak, Flowable, NextPageTemplate, PageBreak

from workbench import TOOL_NAME, __version__
from workbench.engine.store import report_queries as q
from workbench.engine.store.reader import CaseReader
from workbench.report import sections_attribution, sections_back, sections_front
from workbench.report.context import Context
from workbench.report.fonts import register_fonts
from workbench.report.i18n import Tr
from workbench.report.layout import FRAME_HEIGHT, Layout, NumberedCanvas, PageFurniture, ReportDoc
from workbench.report.model import ReportModel
from workbench.report.redact import Redactor


def make_story(ctx: Context) -> list[Flowable]:
    """Every flowable of the report, in order."""
    story: list[Flowable] = [NextPageTemplate("cover"), *sections_front.cover(ctx), NextPageTemplate("body"),
                             PageBreak()]
    parts = (sections_front.summary, sections_front.evidence, sections_front.method,
             sections_attribution.attribution, sections_attribution.gdpr, sections_back.findings,
             sections_back.annexes)
    for n, part in enumerate(parts):
        if n:  # a section starts on a new page only when less than a third of the page is left (no half-empty pages)
            story.append(CondPageBreak(FRAME_HEIGHT / 3))
        story += part(ctx)
    return story


def build_context(model: ReportModel, pdf_path: Path, *, lang: str = "fr", unmasked: bool = False,
                  reader: CaseReader | None = None, names: frozenset[str] | None = None) -> Context:
    """What the sections read: the model, the language, the layout, the masking rules (``reader``: to stream the
    item list of the annex; ``names``: the case's people's names, read from ``reader`` when not given)."""
    if names is None:
        names = q.person_names(reader) if reader is not None and not unmasked else frozenset()
    return Context(tr=Tr(lang), lay=Layout(register_fonts()), red=Redactor(unmasked, names), model=model,
                   pdf_path=Path(pdf_path), reader=reader)


def render_pdf(case_dir: Path, pdf_path: Path, *, lang: str = "fr", unmasked: bool = False,
               model: ReportModel | None = None, names: frozenset[str] | None = None) -> dict[str, Path]:
    """Write the PDF report of ``case_dir`` to ``pdf_path``; returns the files written (the PDF, and the CSV
    item annex of a large case, beside the PDF). The PDF is written to a temporary file in the same folder and
    renamed, so a failed build leaves no half-written report. ``model``: the report model to render (built after
    a verification of the case); without it the case is verified and its model built here."""
    from workbench.report.exports import verified_model

    case_dir, pdf_path = Path(case_dir), Path(pdf_path)
    tr = Tr(lang)
    fonts = register_fonts()
    if model is None:
        if not (case_dir / "case.sqlite").is_file():
            raise FileNotFoundError(f"no case store in {case_dir}")
        model = verified_model(case_dir)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with CaseReader(case_dir) as reader:
        ctx = build_context(model, pdf_path, lang=lang, unmasked=unmasked, reader=reader, names=names)
        meta = model.meta
        story = make_story(ctx)
        case_label = meta.get("case_number") or case_dir.resolve().name
        furniture = PageFurniture(banner=tr("banner"), case_label=tr("header_case", case=case_label),
                                  footer_left=f"{TOOL_NAME} {__version__}",
                                  page_of=tr("page_of", n="{n}", m="{m}"))
        fd, tmp_name = tempfile.mkstemp(prefix=f".{pdf_path.name}.", suffix=".tmp", dir=pdf_path.parent)
        os.close(fd)
        try:
            doc = ReportDoc(tmp_name, furniture=furniture, fonts=fonts,
                            title=f"{tr('cover_title')} - {case_label}", author=meta.get("analyst") or TOOL_NAME,
                            subject=tr("banner"))
            doc.build(story, canvasmaker=functools.partial(NumberedCanvas, furniture=furniture, fonts=fonts))
            os.replace(tmp_name, pdf_path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    return {"pdf": pdf_path, **ctx.extra_files}
