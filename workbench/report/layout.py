"""Page layout of the PDF: page templates, header/footer with "page N / M", styles and table builders.

Every table is built by :meth:`Layout.table` with column widths that sum to the frame width and a Paragraph in
every cell, so text wraps inside its cell and no table can overflow its page; monospace cells (paths, hashes)
break anywhere (``wordWrap="CJK"``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from workbench.report.fonts import FontSet

PAGE = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN_X
FRAME_HEIGHT = PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM

INK = colors.HexColor("#1d2935")
ACCENT = colors.HexColor("#2b5d8a")
BANNER = colors.HexColor("#a31515")
RULE = colors.HexColor("#c5ccd3")
HEAD_BG = colors.HexColor("#e8edf2")
ZEBRA = colors.HexColor("#f6f8fa")
WARN_BG = colors.HexColor("#fdecea")
OK_BG = colors.HexColor("#eaf5ea")
NOTE_BG = colors.HexColor("#eef3f8")
CELL_PAD = 3.5  # left and right padding of a table cell (points)
_SEPARATED = re.compile(r"[^/!\\ ]*[/!\\ ]|[^/!\\ ]+")  # a path's separators, and the spaces of a list


def wrap_at_separators(text: str, per_line: int) -> list[str]:
    """Lines of at most ``per_line`` characters, broken after ``/``, ``!``, ``\\`` or a space when possible (a
    path reads ``leak.zip!/chu-rennes/`` then ``exports/patients.csv``; "ligne 10 608" stays whole, its digits
    grouped by a no-break space); a part longer than a line (a hash, a long name) is cut at the line's end.
    Existing line breaks are kept."""
    out: list[str] = []
    for line in text.split("\n"):
        current = ""
        for part in _SEPARATED.findall(line) or [""]:
            if len(current) + len(part) <= per_line:
                current += part
                continue
            if current:
                out.append(current)
            while len(part) > per_line:
                out.append(part[:per_line])
                part = part[per_line:]
            current = part
        out.append(current)
    return out


@dataclass(frozen=True)
class PageFurniture:
    banner: str  # classification, on every page header and footer
    case_label: str  # "Affaire 2025-042"
    footer_left: str  # tool, version, report date
    page_of: str  # "page {n} / {m}"


class NumberedCanvas(Canvas):
    """A canvas that knows the page count when it saves: draws "page N / M" on every page."""

    def __init__(self, *args, furniture: PageFurniture, fonts: FontSet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._fonts = fonts
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_page_number(total)
            super().showPage()
        super().save()

    def _draw_page_number(self, total: int) -> None:
        self.saveState()
        self.setFont(self._fonts.regular, 7.5)
        self.setFillColor(INK)
        text = self._furniture.page_of.format(n=self._pageNumber, m=total)
        self.drawRightString(PAGE[0] - MARGIN_X, MARGIN_BOTTOM - 10 * mm, text)
        self.restoreState()


def draw_furniture(canv: Canvas, furniture: PageFurniture, fonts: FontSet) -> None:
    """Header (classification banner, case) and footer (banner, tool); the page number comes at save time."""
    w, h = PAGE
    canv.saveState()
    canv.setFillColor(BANNER)
    canv.rect(MARGIN_X, h - 14 * mm, FRAME_WIDTH, 6.5 * mm, stroke=0, fill=1)
    canv.setFillColor(colors.white)
    canv.setFont(fonts.bold, 8.5)
    canv.drawString(MARGIN_X + 2.5 * mm, h - 11.8 * mm, furniture.banner.upper())
    canv.setFont(fonts.regular, 8)
    canv.drawRightString(w - MARGIN_X - 2.5 * mm, h - 11.8 * mm, furniture.case_label)
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    canv.line(MARGIN_X, MARGIN_BOTTOM - 6 * mm, w - MARGIN_X, MARGIN_BOTTOM - 6 * mm)
    canv.setFillColor(INK)
    canv.setFont(fonts.regular, 7.5)
    canv.drawString(MARGIN_X, MARGIN_BOTTOM - 10 * mm, furniture.footer_left)
    canv.setFillColor(BANNER)
    canv.setFont(fonts.bold, 7.5)
    canv.drawCentredString(w / 2, MARGIN_BOTTOM - 10 * mm, furniture.banner)
    canv.restoreState()


class ReportDoc(BaseDocTemplate):
    """A4 document with a cover template and a body template; headings become PDF outline entries."""

    def __init__(self, filename: str, *, furniture: PageFurniture, fonts: FontSet, title: str, author: str,
                 subject: str) -> None:
        super().__init__(filename, pagesize=PAGE, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                         bottomMargin=MARGIN_BOTTOM, title=title, author=author, subject=subject,
                         creator="Balise Workbench", allowSplitting=1)
        self.furniture, self.fonts = furniture, fonts
        self.max_table_width = 0.0
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_WIDTH, FRAME_HEIGHT, id="body", leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0)

        def on_page(canv: Canvas, _doc: BaseDocTemplate) -> None:
            draw_furniture(canv, furniture, fonts)

        self.addPageTemplates([PageTemplate(id="cover", frames=[frame], onPage=on_page),
                               PageTemplate(id="body", frames=[frame], onPage=on_page)])
        self._outline_seq = 0

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        if isinstance(flowable, Table):
            self.max_table_width = max(self.max_table_width, float(sum(flowable._colWidths)))
        if isinstance(flowable, Paragraph) and flowable.style.name in ("h1", "h2"):
            self._outline_seq += 1
            key = f"h{self._outline_seq}"
            self.canv.bookmarkPage(key)
            level = 0 if flowable.style.name == "h1" else 1
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level, closed=level > 0)


class Layout:
    """Styles and flowable builders bound to one font set."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        f = fonts
        self.styles = {
            "title": ParagraphStyle("title", fontName=f.bold, fontSize=22, leading=27, textColor=INK, spaceAfter=6),
            "subtitle": ParagraphStyle("subtitle", fontName=f.regular, fontSize=12.5, leading=16,
                                       textColor=ACCENT, spaceAfter=18),
            "h1": ParagraphStyle("h1", fontName=f.bold, fontSize=15, leading=19, textColor=ACCENT, spaceBefore=4,
                                 spaceAfter=8, keepWithNext=1),
            "h2": ParagraphStyle("h2", fontName=f.bold, fontSize=11.5, leading=15, textColor=INK, spaceBefore=10,
                                 spaceAfter=5, keepWithNext=1),
            "h3": ParagraphStyle("h3", fontName=f.bold, fontSize=9.5, leading=12.5, textColor=INK, spaceBefore=7,
                                 spaceAfter=3, keepWithNext=1),
            "body": ParagraphStyle("body", fontName=f.regular, fontSize=9.5, leading=13, textColor=INK,
                                   spaceAfter=5, alignment=TA_LEFT),
            "bullet": ParagraphStyle("bullet", fontName=f.regular, fontSize=9.5, leading=13, textColor=INK,
                                     leftIndent=12, bulletIndent=2, spaceAfter=3),
            "small": ParagraphStyle("small", fontName=f.italic, fontSize=8, leading=10.5, textColor=INK,
                                    spaceAfter=4),
            "cell": ParagraphStyle("cell", fontName=f.regular, fontSize=8, leading=10, textColor=INK),
            "cell_bold": ParagraphStyle("cell_bold", fontName=f.bold, fontSize=8, leading=10, textColor=INK),
            "cell_head": ParagraphStyle("cell_head", fontName=f.bold, fontSize=8, leading=10, textColor=INK),
            # over a column of numbers the header sits on the numbers' side: a left "Nombre" over right-aligned
            # counts left "22" touching the next column's "57,6 Ko"
            "cell_head_num": ParagraphStyle("cell_head_num", fontName=f.bold, fontSize=8, leading=10, textColor=INK,
                                            alignment=2),
            "mono": ParagraphStyle("mono", fontName=f.mono, fontSize=7.2, leading=9, textColor=INK,
                                   wordWrap="CJK"),
            "cell_num": ParagraphStyle("cell_num", fontName=f.regular, fontSize=8, leading=10, textColor=INK,
                                       alignment=2),
            "box": ParagraphStyle("box", fontName=f.regular, fontSize=9.5, leading=13.5, textColor=INK,
                                  spaceAfter=3),
            "caption": ParagraphStyle("caption", fontName=f.italic, fontSize=8, leading=10, textColor=INK,
                                      alignment=TA_CENTER, spaceAfter=8),
        }

    # -- text ------------------------------------------------------------------------------------
    def p(self, text: str, style: str = "body") -> Paragraph:
        return Paragraph(escape(text), self.styles[style])

    def markup(self, markup: str, style: str = "body") -> Paragraph:
        """A paragraph from trusted markup (callers escape every value they insert)."""
        return Paragraph(markup, self.styles[style])

    def bullets(self, lines: Sequence[str]) -> list[Flowable]:
        return [Paragraph(escape(line), self.styles["bullet"], bulletText="•") for line in lines]

    def spacer(self, height_mm: float = 3) -> Spacer:
        return Spacer(1, height_mm * mm)

    # -- tables ----------------------------------------------------------------------------------
    def cell(self, value: object, *, mono: bool = False, num: bool = False, bold: bool = False,
             width: float | None = None) -> Flowable:
        """A table cell; a monospace cell of known ``width`` is wrapped at path separators (``/``, ``!``), never
        in the middle of a name when the name fits on a line."""
        if isinstance(value, Flowable):
            return value
        text = "" if value is None else str(value)
        style = "mono" if mono else "cell_num" if num else "cell_bold" if bold else "cell"
        if mono and width:
            st = self.styles["mono"]
            per_line = max(8, int((width - 2 * CELL_PAD) / stringWidth("0", st.fontName, st.fontSize)))
            text = "\n".join(wrap_at_separators(text, per_line))
        return Paragraph(escape(text).replace("\n", "<br/>"), self.styles[style])

    def fit_headers(self, header: Sequence[str], widths: list[float], rows: Sequence[Sequence[object]] = (),
                    num: Sequence[int] = ()) -> list[float]:
        """Widen any column whose header has a word wider than the column ("Enregistremen|ts"), or whose number
        is (a number is never broken: a p-value printed "< 10^-286" above a lone "4"), taking the room from the
        widest columns."""
        st = self.styles["cell_head"]
        need = [max((stringWidth(w, st.fontName, st.fontSize) for w in h.split()), default=0) + 2 * CELL_PAD + 1
                for h in header]
        sn = self.styles["cell_num"]
        for i in num:
            texts = [str(r[i]) for r in rows if i < len(r) and r[i] is not None and not isinstance(r[i], Flowable)]
            widest = max((stringWidth(t, sn.fontName, sn.fontSize) for t in texts), default=0)
            need[i] = max(need[i], widest + 2 * CELL_PAD + 1)
        widths = list(widths)
        for i, n in enumerate(need):
            deficit = n - widths[i]
            while deficit > 0.5:
                donors = [j for j in range(len(widths)) if j != i and widths[j] - need[j] > 1]
                if not donors:
                    break
                j = max(donors, key=lambda k: widths[k] - need[k])
                take = min(deficit, widths[j] - need[j])
                widths[j] -= take
                widths[i] += take
                deficit -= take
        return widths

    def table(self, header: Sequence[str] | None, rows: Sequence[Sequence[object]], fractions: Sequence[float], *,
              mono: Sequence[int] = (), num: Sequence[int] = (), zebra: bool = True,
              background: colors.Color | None = None) -> Table:
        """A table as wide as the frame: ``fractions`` (summing to 1) give each column's share."""
        total = sum(fractions)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"column fractions must sum to 1, got {total}")
        widths = [FRAME_WIDTH * f for f in fractions]
        if header:
            widths = self.fit_headers(header, widths, rows, num)
        data: list[list[Flowable]] = []
        if header:
            data.append([Paragraph(escape(h), self.styles["cell_head_num" if i in num else "cell_head"])
                         for i, h in enumerate(header)])
        for row in rows:
            if len(row) != len(fractions):
                raise ValueError(f"row has {len(row)} cells, the table {len(fractions)} columns")
            data.append([self.cell(v, mono=i in mono, num=i in num, width=widths[i]) for i, v in enumerate(row)])
        commands: list[tuple] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
            ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ]
        if header:
            commands += [("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT)]
            if zebra and len(data) > 2:
                commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]))
        if background is not None:
            commands.append(("BACKGROUND", (0, 0), (-1, -1), background))
        table = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT", spaceAfter=5)
        table.setStyle(TableStyle(commands))
        return table

    def kv(self, pairs: Sequence[tuple[str, object]], *, mono_values: Sequence[str] = (),
           label_share: float = 0.27) -> Table:
        """Label/value rows; labels listed in ``mono_values`` get their value in monospace."""
        rows = []
        for label, value in pairs:
            rows.append([Paragraph(escape(label), self.styles["cell_bold"]),
                         self.cell(value, mono=label in mono_values, width=FRAME_WIDTH * (1 - label_share))])
        table = self.table(None, rows, [label_share, 1 - label_share])
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), HEAD_BG)]))
        return table

    def box(self, paragraphs: Sequence[str], background: colors.Color = NOTE_BG, style: str = "box") -> Table:
        """Plain-text paragraphs in a shaded frame-wide box (alerts, copy-ready text)."""
        cell = [Paragraph(escape(t), self.styles[style]) for t in paragraphs]
        table = Table([[cell]], colWidths=[FRAME_WIDTH], hAlign="LEFT", spaceAfter=5)
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), background),
                                   ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 7), ("RIGHTPADDING", (0, 0), (-1, -1), 7),
                                   ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
        return table

    def image(self, png: bytes, width: float = FRAME_WIDTH) -> Image:
        iw, ih = ImageReader(io.BytesIO(png)).getSize()
        height = width * ih / iw
        limit = FRAME_HEIGHT * 0.8
        if height > limit:
            width, height = width * limit / height, limit
        return Image(io.BytesIO(png), width=width, height=height)
