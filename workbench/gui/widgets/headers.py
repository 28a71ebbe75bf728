"""Header sections wide enough for their text: a column's first width is a guess (90 pixels for a number,
150 for text) that cut "Premier décalage" and "Position (octets)" in the French window, and the CSV headers
"NOM_NAISSANCE", "DATE_NAISSANCE" in the Table view."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHeaderView, QStyle, QStyleOptionHeader


def header_width(header: QHeaderView, text: object) -> int:
    """Pixels a header section needs to show ``text`` whole, with the sort arrow and the style's margins:
    a fixed 90 pixels cut "Premier décalage" and "Position (octets)" (measured in the French window)."""
    opt = QStyleOptionHeader()
    opt.initFrom(header)
    opt.text = "" if text is None else str(text)
    opt.sortIndicator = QStyleOptionHeader.SortIndicator.SortDown
    size = header.style().sizeFromContents(QStyle.ContentsType.CT_HeaderSection, opt, QSize(), header)
    return max(size.width(), header.fontMetrics().horizontalAdvance(opt.text) + 28)


def fit_header_sections(header: QHeaderView, minimum: int = 0) -> None:
    """Widen each section that is narrower than its header text (never narrows one)."""
    model = header.model()
    if model is None:
        return
    for i in range(header.count()):
        need = max(minimum, header_width(header, model.headerData(i, header.orientation())))
        if header.sectionSize(i) < need:
            header.resizeSection(i, need)
