"""PDF text layer (pypdf) and embedded files.

One "pdf-text" layer per document, pages separated by form feeds (as pdftotext does), so that an offset
in the layer still tells the page. pypdf decodes compressed streams itself and bounds their output.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from workbench.engine.layers import Attachment, BlobLike, LayerError, LayerTruncated, TextLayer

# pypdf logs every repair it makes on a damaged file as a warning; damaged files are normal input here and
# each failure is reported through LayerError, so its repair chatter stays out of the console.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)

MAX_PAGES = 2000
MAX_TEXT_CHARS = 20 * 2**20
MAX_ATTACHMENT_BYTES = 64 * 2**20
MAX_ATTACHMENTS_BYTES = 256 * 2**20
PAGE_SEPARATOR = "\f"


def _open_reader(blob: BlobLike):  # -> pypdf.PdfReader
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(blob.open(), strict=False)
    except PdfReadError as exc:
        raise LayerError(f"unreadable PDF: {exc}") from exc
    except Exception as exc:  # pypdf raises plain errors on some corrupt files
        raise LayerError(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
    if reader.is_encrypted:
        from pypdf import PasswordType

        try:
            result = reader.decrypt("")
        except Exception as exc:
            raise LayerError(f"encrypted PDF: cannot decrypt ({type(exc).__name__}: {exc})") from exc
        if result == PasswordType.NOT_DECRYPTED:
            raise LayerError("encrypted PDF: the empty user password does not open it")
    return reader


def extract_pdf(blob: BlobLike) -> Iterator[TextLayer | Attachment]:
    """The text of every page (bounded), then the embedded files."""
    reader = _open_reader(blob)
    try:
        n_pages = len(reader.pages)
    except Exception as exc:
        raise LayerError(f"unreadable PDF page tree: {type(exc).__name__}: {exc}") from exc

    parts: list[str] = []
    total = 0
    failed: list[str] = []
    truncated: LayerTruncated | None = None
    for index in range(n_pages):
        if index >= MAX_PAGES:
            truncated = LayerTruncated("pdf-pages", f"text of the first {MAX_PAGES} of {n_pages} pages only")
            break
        try:
            text = reader.pages[index].extract_text() or ""
        except Exception as exc:  # one bad page does not hide the others
            failed.append(f"page {index + 1}: {type(exc).__name__}: {exc}")
            text = ""
        if total + len(text) > MAX_TEXT_CHARS:
            parts.append(text[: MAX_TEXT_CHARS - total])
            truncated = LayerTruncated("pdf-text-size", f"text cut at {MAX_TEXT_CHARS} characters (page {index + 1})")
            break
        parts.append(text)
        total += len(text) + 1
    if any(parts):
        yield TextLayer("pdf-text", PAGE_SEPARATOR.join(parts))

    skipped: list[str] = []
    yield from _attachments(reader, skipped, failed)
    if truncated is not None:
        raise truncated
    if failed or skipped:
        raise LayerError("; ".join(failed + skipped))


def _attachments(reader, skipped: list[str], failed: list[str]) -> Iterator[Attachment]:
    try:
        names = list(reader.attachments.keys())
    except Exception as exc:
        failed.append(f"embedded files: {type(exc).__name__}: {exc}")
        return
    total = 0
    for name in names:
        try:
            contents = reader.attachments[name]
        except Exception as exc:
            failed.append(f"embedded file {name!r}: {type(exc).__name__}: {exc}")
            continue
        for i, data in enumerate(contents):
            label = name if len(contents) == 1 else f"{name}#{i + 1}"
            if len(data) > MAX_ATTACHMENT_BYTES or total + len(data) > MAX_ATTACHMENTS_BYTES:
                skipped.append(f"embedded file {label!r} skipped ({len(data)} bytes over the bound)")
                continue
            total += len(data)
            yield Attachment(label, bytes(data))
