"""Office text layers: OOXML (docx, xlsx, pptx) and OpenDocument (odt, ods, odp).

The documents are zips: members are read as streams, their decompressed bytes counted against one budget
per document (a docx can be a zip bomb too), and parsed with the safe streaming parser of ``xmlstream``.
Element names are matched on their local part so that OOXML "strict" namespaces work as well.
Output: "office-text" layers; spreadsheet rows become lines of tab-separated cells.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from workbench.engine.layers import Attachment, BlobLike, LayerError, TextLayer
from workbench.engine.layers.xmlstream import TextHandler, XmlBudget, attr, parse_all, stream_text

MAX_XML_BYTES = 200 * 2**20
LAYER_CHARS = 16 * 2**20  # a layer is cut (at a line end) past this many characters
LAYER = "office-text"


# ------------------------------------------------------------------------------------------ handlers


class WordHandler(TextHandler):
    """WordprocessingML and DrawingML text: runs (incl. deleted text of tracked changes), paragraphs."""

    def __init__(self) -> None:
        super().__init__()
        self.capture = 0
        self.in_run = 0

    def start(self, local: str, attrs: dict[str, str]) -> None:
        if local in ("t", "delText"):
            self.capture += 1
        elif local == "r":
            self.in_run += 1
        elif self.in_run and local == "tab":
            self.emit("\t")
        elif self.in_run and local in ("br", "cr"):
            self.emit("\n")

    def end(self, local: str) -> None:
        if local in ("t", "delText"):
            self.capture -= 1
        elif local == "r":
            self.in_run -= 1
        elif local == "p":
            self.emit("\n")

    def characters(self, content: str) -> None:
        if self.capture > 0:
            self.emit(content)


class SharedStringsHandler(TextHandler):
    """xl/sharedStrings.xml: one string per <si>, phonetic runs (<rPh>) left out."""

    def __init__(self) -> None:
        super().__init__()
        self.strings: list[str] = []
        self.buf: list[str] = []
        self.capture = 0
        self.phonetic = 0

    def start(self, local: str, attrs: dict[str, str]) -> None:
        if local == "si":
            self.buf = []
        elif local == "rPh":
            self.phonetic += 1
        elif local == "t" and not self.phonetic:
            self.capture += 1

    def end(self, local: str) -> None:
        if local == "si":
            self.strings.append("".join(self.buf))
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "t" and self.capture:
            self.capture -= 1

    def characters(self, content: str) -> None:
        if self.capture:
            self.buf.append(content)


class SheetHandler(TextHandler):
    """A worksheet: one line per row, cell values (shared strings resolved) separated by tabs."""

    def __init__(self, shared: list[str]) -> None:
        super().__init__()
        self.shared = shared
        self.row: list[str] = []
        self.cell_type: str | None = None
        self.buf: list[str] = []
        self.capture = 0

    def start(self, local: str, attrs: dict[str, str]) -> None:
        if local == "c":
            self.cell_type = attr(attrs, "t")
            self.buf = []
        elif local in ("v", "t"):  # <v> value, <is><t> inline string; <f> formulas are not values
            self.capture += 1

    def end(self, local: str) -> None:
        if local in ("v", "t") and self.capture:
            self.capture -= 1
        elif local == "c":
            value = "".join(self.buf)
            if self.cell_type == "s":
                with contextlib.suppress(ValueError, IndexError):  # a dangling index: keep the cell's text
                    value = self.shared[int(value)]
            self.row.append(value)
        elif local == "row":
            if any(self.row):
                self.emit("\t".join(self.row).rstrip("\t") + "\n")
            self.row = []

    def characters(self, content: str) -> None:
        if self.capture:
            self.buf.append(content)


class OdfHandler(TextHandler):
    """OpenDocument content.xml: paragraphs and headings; table cells tab-separated, rows on lines."""

    def __init__(self) -> None:
        super().__init__()
        self.para = 0
        self.cell = 0
        self.cell_paras = 0

    def start(self, local: str, attrs: dict[str, str]) -> None:
        if local in ("p", "h"):
            if self.cell and not self.para and self.cell_paras:
                self.emit(" ")  # paragraphs of one cell stay on the row's line
            self.para += 1
        elif local in ("table-cell", "covered-table-cell"):
            self.cell += 1
            self.cell_paras = 0
        elif self.para and local == "s":
            try:
                count = int(attr(attrs, "c") or 1)
            except ValueError:
                count = 1
            self.emit(" " * max(1, min(count, 100)))
        elif self.para and local == "tab":
            self.emit("\t")
        elif self.para and local == "line-break":
            self.emit("\n")

    def end(self, local: str) -> None:
        if local in ("p", "h"):
            self.para -= 1
            if not self.para:
                if self.cell:
                    self.cell_paras += 1
                else:
                    self.emit("\n")
        elif local in ("table-cell", "covered-table-cell"):
            self.cell -= 1
            self.emit("\t")
        elif local == "table-row":
            self.emit("\n")

    def characters(self, content: str) -> None:
        if self.para:
            self.emit(content)


class PropertiesHandler(TextHandler):
    """docProps/core.xml, meta.xml: ``name: value`` lines (authors, titles, dates...)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.buf: list[str] = []

    def start(self, local: str, attrs: dict[str, str]) -> None:
        self.stack.append(local)
        self.buf = []

    def end(self, local: str) -> None:
        value = "".join(self.buf).strip()
        if value and len(self.stack) > 1:
            self.emit(f"{local}: {value}\n")
        self.buf = []
        self.stack.pop()

    def characters(self, content: str) -> None:
        self.buf.append(content)


class _RelsHandler(TextHandler):
    def __init__(self) -> None:
        super().__init__()
        self.targets: dict[str, str] = {}
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id), workbook order

    def start(self, local: str, attrs: dict[str, str]) -> None:
        if local == "Relationship":
            rid, target = attr(attrs, "Id"), attr(attrs, "Target")
            if rid and target:
                self.targets[rid] = target
        elif local == "sheet":
            sheet_name, rid = attr(attrs, "name"), attr(attrs, "id")
            if sheet_name is not None and rid:
                self.sheets.append((sheet_name, rid))


# ----------------------------------------------------------------------------------------- documents


def _natural_key(name: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


class _Document:
    """An office zip being read: member streams counted against one XML budget."""

    def __init__(self, blob: BlobLike) -> None:
        try:
            self.zf = zipfile.ZipFile(blob.open())
            self.names = [i.filename for i in self.zf.infolist() if not i.is_dir()]
        except Exception as exc:  # BadZipFile, but also struct/zlib/ValueError on hostile central directories
            raise LayerError(f"unreadable office document (zip): {type(exc).__name__}: {exc}") from exc
        self.budget = XmlBudget(MAX_XML_BYTES)

    def matching(self, pattern: str) -> list[str]:
        rx = re.compile(pattern)
        return sorted((n for n in self.names if rx.fullmatch(n)), key=_natural_key)

    def text(self, member: str, handler: TextHandler) -> Iterator[str]:
        try:
            stream = self.zf.open(member)
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError, KeyError) as exc:
            raise LayerError(f"{member}: cannot open member: {type(exc).__name__}: {exc}") from exc
        with stream:
            yield from stream_text(stream, handler, self.budget, member, chunk_chars=LAYER_CHARS)

    def parse(self, member: str, handler: TextHandler) -> None:
        try:
            stream = self.zf.open(member)
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError, KeyError) as exc:
            raise LayerError(f"{member}: cannot open member: {type(exc).__name__}: {exc}") from exc
        with stream:
            parse_all(stream, handler, self.budget, member)


def _layers(pieces: Iterable[str]) -> Iterator[TextLayer]:
    """Merge text pieces into "office-text" layers of up to about LAYER_CHARS; flush before an error."""
    acc: list[str] = []
    size = 0
    try:
        for piece in pieces:
            if not piece:
                continue
            acc.append(piece)
            size += len(piece)
            if size >= LAYER_CHARS:
                yield TextLayer(LAYER, "".join(acc))
                acc, size = [], 0
    except LayerError:
        if any(p.strip() for p in acc):
            yield TextLayer(LAYER, "".join(acc))
        raise
    if any(p.strip() for p in acc):
        yield TextLayer(LAYER, "".join(acc))


def _parts(doc: _Document, parts: list[tuple[str, Callable[[], TextHandler]]]) -> Iterator[str]:
    for member, make in parts:
        yield from doc.text(member, make())
        yield "\n"


def _docx_pieces(doc: _Document) -> Iterator[str]:
    order = [r"word/document\d*\.xml", r"word/header\d*\.xml", r"word/footer\d*\.xml", r"word/footnotes\.xml",
             r"word/endnotes\.xml", r"word/comments\.xml"]
    members = [m for pattern in order for m in doc.matching(pattern)]
    if not any(m.startswith("word/document") for m in members):
        raise LayerError("docx without word/document.xml")
    yield from _parts(doc, [(m, WordHandler) for m in members])
    yield from _parts(doc, [(m, PropertiesHandler) for m in doc.matching(r"docProps/core\.xml")])


def _pptx_pieces(doc: _Document) -> Iterator[str]:
    members = doc.matching(r"ppt/slides/slide\d+\.xml") + doc.matching(r"ppt/notesSlides/notesSlide\d+\.xml")
    members += doc.matching(r"ppt/comments/[^/]+\.xml")
    yield from _parts(doc, [(m, WordHandler) for m in members])
    yield from _parts(doc, [(m, PropertiesHandler) for m in doc.matching(r"docProps/core\.xml")])


def _sheet_order(doc: _Document) -> list[tuple[str, str]]:
    """(sheet name, member) in workbook order; members not named by the workbook come last."""
    listed: list[tuple[str, str]] = []
    if "xl/workbook.xml" in doc.names and "xl/_rels/workbook.xml.rels" in doc.names:
        wb = _RelsHandler()
        doc.parse("xl/workbook.xml", wb)
        doc.parse("xl/_rels/workbook.xml.rels", wb)
        for sheet_name, rid in wb.sheets:
            target = wb.targets.get(rid, "")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            member = re.sub(r"[^/]+/\.\./", "", member)
            if member in doc.names:
                listed.append((sheet_name, member))
    seen = {m for _, m in listed}
    extra = [(m.rsplit("/", 1)[-1], m) for m in doc.matching(r"xl/worksheets/[^/]+\.xml") if m not in seen]
    return listed + extra


def _xlsx_pieces(doc: _Document) -> Iterator[str]:
    shared = SharedStringsHandler()
    for member in doc.matching(r"xl/sharedStrings\.xml"):
        doc.parse(member, shared)
    for sheet_name, member in _sheet_order(doc):
        yield f"[{sheet_name}]\n"
        yield from doc.text(member, SheetHandler(shared.strings))
        yield "\n"
    yield from _parts(doc, [(m, PropertiesHandler) for m in doc.matching(r"docProps/core\.xml")])


def _odf_pieces(doc: _Document) -> Iterator[str]:
    if "content.xml" not in doc.names:
        raise LayerError("OpenDocument without content.xml")
    yield from _parts(doc, [("content.xml", OdfHandler)])
    yield from _parts(doc, [(m, OdfHandler) for m in doc.matching(r"styles\.xml")])  # headers and footers
    yield from _parts(doc, [(m, PropertiesHandler) for m in doc.matching(r"meta\.xml")])


def _extractor(pieces: Callable[[_Document], Iterator[str]]) -> Callable[[BlobLike], Iterator[TextLayer | Attachment]]:
    def extract(blob: BlobLike) -> Iterator[TextLayer | Attachment]:
        doc = _Document(blob)
        try:
            yield from _layers(pieces(doc))
        except LayerError:
            raise
        except Exception as exc:  # corrupt members surface as zlib, struct or zipfile errors
            raise LayerError(f"unreadable office document: {type(exc).__name__}: {exc}") from exc
        finally:
            doc.zf.close()

    return extract


OFFICE_EXTRACTORS: dict[str, Callable[[BlobLike], Iterator[TextLayer | Attachment]]] = {
    "docx": _extractor(_docx_pieces),
    "pptx": _extractor(_pptx_pieces),
    "xlsx": _extractor(_xlsx_pieces),
    "odt": _extractor(_odf_pieces),
    "ods": _extractor(_odf_pieces),
    "odp": _extractor(_odf_pieces),
}
