"""The item viewer: text with highlighted hits, hex for binary, DICOM image with its tags, table preview."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QImage,
    QPixmap,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextLayout,
)
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.kind_traits import traits
from workbench.engine.masking import mask_path, mask_text
from workbench.engine.store.browse import item_row, raw_finding_spans
from workbench.engine.store.reader import CaseReader
from workbench.gui.display import mask_cell
from workbench.gui.item_source import read_item
from workbench.gui.jobs import JobThread
from workbench.gui.labels import value_label
from workbench.gui.widgets.headers import fit_header_sections
from workbench.gui.widgets.textview import TEXT_LIMIT, Hit, hex_dump, identifier_hits, render_text

TABLE_ROWS = 500
_DICOM_PERSONAL = {"PatientName", "PatientID", "PatientBirthDate", "OtherPatientIDs", "PatientAddress",
                   "PatientTelephoneNumbers", "OtherPatientNames", "PatientMotherBirthName", "IssuerOfPatientID"}


def dicom_image(ds) -> QImage | None:
    """The first frame of a DICOM dataset as an 8-bit grey (or RGB) image, windowed to its value range."""
    import numpy as np

    try:
        arr = ds.pixel_array
    except Exception:
        return None
    if arr.ndim == 3 and arr.shape[-1] not in (3, 4) or arr.ndim == 4:
        arr = arr[0]
    if arr.ndim == 3:  # RGB
        arr = np.ascontiguousarray(arr[..., :3].astype(np.uint8))
        h, w, _ = arr.shape
        return QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    a = arr.astype(np.float64)
    lo, hi = float(a.min()), float(a.max())
    scaled = np.zeros_like(a) if hi <= lo else (a - lo) * (255.0 / (hi - lo))
    if getattr(ds, "PhotometricInterpretation", "") == "MONOCHROME1":
        scaled = 255.0 - scaled
    img8 = np.ascontiguousarray(scaled.astype(np.uint8))
    h, w = img8.shape
    return QImage(img8.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


HIGHLIGHT_LIMIT = 50_000


def highlight(doc: QTextDocument, spans: list) -> None:
    """Colour the spans as extra formats of each line's layout (what QSyntaxHighlighter does): 11,000 hits of a
    1 MB table took seconds through QTextCursor.mergeCharFormat, one edit of the document each."""
    fmt_id = QTextCharFormat()
    fmt_id.setBackground(QColor("#ffe082"))
    fmt_rule = QTextCharFormat()
    fmt_rule.setBackground(QColor("#ef9a9a"))
    fmt_rule.setFontWeight(QFont.Weight.Bold)
    block = doc.begin()
    ranges: list[QTextLayout.FormatRange] = []

    def flush() -> None:
        if ranges and block.isValid():
            block.layout().setFormats(list(ranges))
        ranges.clear()

    for span in sorted(spans, key=lambda sp: sp.start):
        start = span.start
        while start < span.end and block.isValid():
            end_of_block = block.position() + block.length() - 1  # the separator is not drawn
            if start > end_of_block:
                flush()
                block = block.next()
                continue
            r = QTextLayout.FormatRange()
            r.start = start - block.position()
            r.length = min(span.end, end_of_block) - start
            r.format = fmt_id if span.hit.source == "identifier" else fmt_rule
            if r.length > 0:
                ranges.append(r)
            if span.end <= end_of_block:
                break
            start = end_of_block + 1
    flush()
    doc.markContentsDirty(0, doc.characterCount())


def _locator_row(locator: str | None) -> int | None:
    """N of a locator ending in ``row:N`` (``row:17``, ``sheet:Export/row:17``), else None."""
    last = (locator or "").rsplit("/", 1)[-1]
    kind, _, n = last.partition(":")
    return int(n) if kind == "row" and n.isdigit() else None


class ItemViewer(QWidget):
    """Shows one item; loads its bytes off the UI thread."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.title = QLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setWordWrap(True)
        self.tabs = QTabWidget()
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setFont(mono)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.hex = QPlainTextEdit(readOnly=True)
        self.hex.setFont(mono)
        self.hex.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.table = QTableWidget()
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.image = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.image_scroll = QScrollArea()
        self.image_scroll.setWidget(self.image)
        self.image_scroll.setWidgetResizable(True)
        self.tags = QTableWidget(0, 4)
        image_split = QSplitter(Qt.Orientation.Vertical)
        image_split.addWidget(self.image_scroll)
        image_split.addWidget(self.tags)
        self.image_page = image_split
        self.tabs.addTab(self.text, self.tr("Text"))
        self.tabs.addTab(self.table, self.tr("Table"))
        self.tabs.addTab(self.image_page, self.tr("Image and tags"))
        self.tabs.addTab(self.hex, self.tr("Hex"))
        self.hits_label = QLabel()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.hits_label)
        self._job: JobThread | None = None
        self._current: dict | None = None
        self._data = b""
        self._size = 0
        self.masked = True
        self.names: frozenset[str] = frozenset()  # the case's people's names, folded: masked in the item's path
        self.spans: list = []  # the highlighted spans of the Text view (Qt positions)
        self.clear()

    def clear(self) -> None:
        self.title.setText(self.tr("Select an item in the evidence tree to view it."))
        for w in (self.text, self.hex):
            w.setPlainText("")
        self.table.clear()
        self.table.setRowCount(0)
        self.tags.setRowCount(0)
        self.image.clear()
        self.hits_label.clear()
        self._current = None

    def wait(self, ms: int = 60000) -> bool:
        return self._job is None or self._job.wait(ms)

    def set_masked(self, masked: bool) -> None:
        if masked != self.masked:
            self.masked = masked
            if self._current is not None and self._data:
                tab = self.tabs.currentIndex()
                self._current["focus"] = None
                self._show()
                self.tabs.setCurrentIndex(tab)  # the analyst stays on the view they were reading

    def set_names(self, names: frozenset[str]) -> None:
        self.names = names
        if self.masked and self._current is not None:
            self.title.setText(self._title(self._current))

    def _shown_path(self, vpath: str) -> str:
        """The item's path as the title shows it: masked like the Item column, and escaped (the title is rich
        text, and a file name from a dump can hold ``<`` or ``&``)."""
        return html.escape(mask_path(vpath, self.names) if self.masked else vpath)

    def _title(self, cur: dict) -> str:
        return f"<b>{self._shown_path(cur['vpath'])}</b><br>{html.escape(cur['kind'] or '')}" + (
            f" ({html.escape(cur['format'])})" if cur["format"] else "")

    def show_item(self, reader: CaseReader, case_dir: Path, vpath: str,
                  focus: tuple[int | None, str | None] | None = None) -> None:
        """Load and show one item; ``focus`` (byte offset, locator) places the view at a hit or a record."""
        item = item_row(reader, vpath)
        if item is None:
            self.clear()
            self.title.setText(f"<b>{self._shown_path(vpath)}</b><br>" + self.tr("folder"))
            return
        row = (item["id"], item["kind"], item["format"], item["encoding"], item["delimiter"], item["size"])
        if row[1] in ("directory", "archive", None) or row[1] == "encrypted":
            self.clear()
            self.title.setText(self._describe(vpath, row))
            return
        findings = [Hit(o, o + max(n or 1, 1), "finding", r) for o, n, r in raw_finding_spans(reader, row[0])]
        self._current = {"vpath": vpath, "kind": row[1], "format": row[2], "encoding": row[3], "delimiter": row[4],
                         "findings": findings, "focus": focus}
        self.title.setText(self._describe(vpath, row) + " — " + self.tr("loading…"))
        if self._job is not None and self._job.isRunning():
            self._job.cancel()
        tmp = Path(case_dir) / "tmp"

        masked, encoding, kind = self.masked, row[3], row[1]

        def load(cancel, progress):
            """Off the UI thread: the bytes, and what takes seconds on a 1 MB table (validated identifiers,
            the masked text and the hex dump), so that the window stays responsive."""
            data, size = read_item(reader, vpath, tmp)
            prepared: dict = {}
            if traits(kind).text:
                shown = data[:TEXT_LIMIT]
                hits = identifier_hits(shown) + [h for h in findings if h.start < len(shown)]
                prepared["text", masked] = render_text(shown, encoding, hits, masked=masked)
                prepared["hits"] = hits
            prepared["hex", masked] = hex_dump(data, masked=masked, encoding=encoding)
            return vpath, data, size, prepared

        job = JobThread(load, "item-viewer", self)
        job.succeeded.connect(self._loaded)
        job.failed.connect(lambda msg, _d, v=vpath: self._failed(v, msg))
        self._job = job
        job.start()

    def _describe(self, vpath: str, row) -> str:
        from workbench.gui.display import human_bytes

        kind = value_label(row[1] or "?")
        detail = f" ({row[2]})" if row[2] and row[2] != row[1] else ""  # "archive (zip)", never "csv (csv)"
        size = f", {human_bytes(row[5])}" if row[5] is not None else ""
        return f"<b>{self._shown_path(vpath)}</b><br>{kind}{detail}{size}"

    def _failed(self, vpath: str, message: str) -> None:
        if self._current is None or self._current["vpath"] != vpath:
            return
        self.title.setText(self.tr("Cannot read this item again: %1").replace("%1", message))

    def _loaded(self, result) -> None:
        vpath, data, size, prepared = result
        if self._current is None or self._current["vpath"] != vpath:
            return
        self._data, self._size = data, size
        self._current["prepared"] = prepared
        self._show()

    def _show(self) -> None:
        cur = self._current
        assert cur is not None
        data, kind = self._data, cur["kind"]
        self.title.setText(self._title(cur))
        prepared = cur.setdefault("prepared", {})
        if ("hex", self.masked) not in prepared:
            prepared["hex", self.masked] = hex_dump(data, masked=self.masked, encoding=cur["encoding"])
        self.hex.setPlainText(prepared["hex", self.masked])
        self.text.setPlainText("")
        self.table.setRowCount(0)
        self.tags.setRowCount(0)
        self.image.clear()
        self.hits_label.clear()
        target = self.hex
        shown_as = traits(kind)
        if shown_as.text:
            target = self.text
            self._show_text(data[:TEXT_LIMIT], cur)
        if shown_as.table and self._show_table(data, cur):
            target = self.table
        if kind == "dicom":
            self._show_dicom(data)
            target = self.image_page
        self.tabs.setCurrentWidget(target)
        focus = cur.get("focus")
        if focus is not None:
            self._apply_focus(*focus, text_shown=shown_as.text, table_shown=target is self.table)

    def _apply_focus(self, offset: int | None, locator: str | None, *, text_shown: bool, table_shown: bool) -> None:
        """Select the hit at ``offset`` in the Text view, or the record's row (``row:N``) in the Table view."""
        if offset is not None and text_shown:
            spans = [sp for sp in self.spans if sp.hit.end > offset]
            span = min(spans, key=lambda sp: (abs(sp.hit.start - offset), sp.hit.source != "finding"), default=None)
            if span is not None:
                cursor = QTextCursor(self.text.document())
                cursor.setPosition(span.start)
                cursor.setPosition(span.end, QTextCursor.MoveMode.KeepAnchor)
                self.text.setTextCursor(cursor)
                self.text.centerCursor()
                self.tabs.setCurrentWidget(self.text)
            return
        row = _locator_row(locator)
        if row is not None and table_shown and 0 <= row - 1 < self.table.rowCount():
            self.table.selectRow(row - 1)
            self.table.scrollToItem(self.table.item(row - 1, 0) or self.table.item(0, 0))
            self.tabs.setCurrentWidget(self.table)

    def _show_text(self, data: bytes, cur: dict) -> None:
        prepared = cur.setdefault("prepared", {})
        if ("text", self.masked) not in prepared:
            hits = prepared.get("hits")
            if hits is None:
                hits = identifier_hits(data) + [h for h in cur["findings"] if h.start < len(data)]
                prepared["hits"] = hits
            prepared["text", self.masked] = render_text(data, cur["encoding"], hits, masked=self.masked)
        text, spans = prepared["text", self.masked]
        self.spans = spans
        self.text.setPlainText(text)
        highlight(self.text.document(), spans[:HIGHLIGHT_LIMIT])
        n_id = sum(1 for s in spans if s.hit.source == "identifier")
        self.hits_label.setText(self.tr("Highlighted: %1 and %2.").replace("%1", self.tr("%Ln identifier(s)", "", n_id))
                                .replace("%2", self.tr("%Ln rule hit(s)", "", len(spans) - n_id)))

    def _show_table(self, data: bytes, cur: dict) -> bool:
        rows: list[list[str]] = []
        try:
            if cur["kind"] == "csv":
                text = data[:TEXT_LIMIT].decode(cur["encoding"] or "utf-8", errors="replace")
                reader = csv.reader(io.StringIO(text), delimiter=cur["delimiter"] or ";")
                for i, r in enumerate(reader):
                    if i > TABLE_ROWS:
                        break
                    rows.append(r)
            elif cur["kind"] == "xlsx":
                from openpyxl import load_workbook

                wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                try:
                    ws = wb.worksheets[0]
                    for i, r in enumerate(ws.iter_rows(values_only=True)):
                        if i > TABLE_ROWS:
                            break
                        rows.append(["" if v is None else str(v) for v in r])
                finally:
                    wb.close()
            elif cur["kind"] == "ods":
                import pandas as pd

                from workbench.engine.records.sheets import cell_text

                sheet = pd.read_excel(io.BytesIO(data), sheet_name=0, header=None, dtype=object, engine="odf",
                                      nrows=TABLE_ROWS + 1)
                for r in sheet.itertuples(index=False, name=None):
                    rows.append(["" if pd.isna(v) else cell_text(v) or "" for v in r])
            else:
                return False
        except Exception as exc:
            self.hits_label.setText(self.tr("No table preview: %1").replace("%1", f"{type(exc).__name__}: {exc}"))
            return False
        if not rows:
            return False
        width = max(len(r) for r in rows)
        self.table.clear()
        self.table.setColumnCount(width)
        self.table.setRowCount(len(rows) - 1)
        self.table.setHorizontalHeaderLabels(rows[0] + [""] * (width - len(rows[0])))
        headers = rows[0] + [""] * (width - len(rows[0]))
        for i, r in enumerate(rows[1:]):
            for j, v in enumerate(r):
                self.table.setItem(i, j, QTableWidgetItem(mask_cell(headers[j], v) if self.masked else v))
        fit_header_sections(self.table.horizontalHeader())
        return True

    def _show_dicom(self, data: bytes) -> None:
        import pydicom

        try:
            ds = pydicom.dcmread(io.BytesIO(data), force=True)
        except Exception as exc:
            self.image.setText(self.tr("Not a readable DICOM file: %1").replace("%1", str(exc)))
            return
        img = dicom_image(ds)
        if img is not None:
            self.image.setPixmap(QPixmap.fromImage(img))
        else:
            self.image.setText(self.tr("No image in this DICOM file"))
        elems = [e for e in ds.iterall() if e.tag != 0x7FE00010]
        self.tags.setColumnCount(4)
        self.tags.setHorizontalHeaderLabels([self.tr("Tag"), self.tr("Keyword"), self.tr("VR"), self.tr("Value")])
        self.tags.setRowCount(len(elems))
        for i, e in enumerate(elems):
            value = str(e.value)[:200] if e.VR != "SQ" else f"[{len(e.value)}]"
            if self.masked and (e.keyword in _DICOM_PERSONAL or e.VR == "PN"):
                value = (value[:1] + "***") if value else value
            elif self.masked:
                value = mask_text(value)
            for j, v in enumerate((f"({e.tag.group:04X},{e.tag.element:04X})", e.keyword, e.VR, value)):
                self.tags.setItem(i, j, QTableWidgetItem(v))
        self.tags.resizeColumnsToContents()
