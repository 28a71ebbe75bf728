"""Content layers: the text hidden inside an item (PDF pages, office XML, e-mail bodies) and the items it
carries (e-mail attachments).

``extract(kind, blob)`` yields ``TextLayer`` and ``Attachment`` objects. Errors raise (the walker records
them at stage "layer" and goes on). When a bound cuts the extraction short, everything read so far is
yielded first and ``LayerTruncated`` is raised last, so that the item is reported as partial, not lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from workbench.engine.kind_traits import LAYER_KINDS, traits

__all__ = ["TextLayer", "Attachment", "LayerError", "LayerTruncated", "BlobLike", "extract", "LAYER_KINDS"]


@dataclass
class TextLayer:
    """Text extracted from an item; ``name`` is the layer: "pdf-text", "office-text", "email-body"."""

    name: str
    text: str


@dataclass
class Attachment:
    """Bytes carried by an item; becomes a child item ``mail.eml!/report.pdf``. The name is a label only."""

    name: str
    data: bytes


class LayerError(Exception):
    """The content could not be extracted (corrupt, encrypted, hostile)."""


class LayerTruncated(LayerError):
    """A bound stopped the extraction; what was read before was yielded. ``rule`` names the bound."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.detail = detail


class BlobLike(Protocol):
    """What layers need of ``workbench.engine.blob.Blob``."""

    size: int

    def head(self, n: int = 65536) -> bytes: ...

    def view(self) -> memoryview: ...

    def open(self) -> BinaryIO: ...


Extractor = Callable[[BlobLike], Iterator["TextLayer | Attachment"]]


def _extractor(kind: str) -> Extractor | None:
    # Imported on demand: a worker typing CSVs never loads pypdf or the e-mail package.
    if kind == "pdf":
        from workbench.engine.layers.pdf import extract_pdf

        return extract_pdf
    if traits(kind).office:
        from workbench.engine.layers.office import OFFICE_EXTRACTORS

        return OFFICE_EXTRACTORS[kind]
    if kind == "email":
        from workbench.engine.layers.mail import extract_eml

        return extract_eml
    if kind == "mbox":
        from workbench.engine.layers.mail import extract_mbox

        return extract_mbox
    return None


def extract(kind: str, blob: BlobLike) -> Iterator[TextLayer | Attachment]:
    """Text layers and attachments of ``blob`` typed as ``kind``; other kinds yield nothing."""
    if not traits(kind).has_text_layers:  # the trait table decides which kinds; _extractor knows how to read them
        return iter(())
    fn = _extractor(kind)
    if fn is None:
        return iter(())
    return fn(blob)
