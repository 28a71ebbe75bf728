"""Safe, streaming XML for office documents, with a byte budget shared by all the parts of one document.

Parsing goes through defusedxml's expat reader (SAX): any entity declaration (billion laughs, quadratic
blow-up) or external entity raises, and no tree is built, so memory stays flat whatever the part's size.
The stdlib alone (expat >= 2.4) stops billion laughs only once its amplification limit trips, and lets a
few megabytes of expansion through: tests/engine/test_layers.py checks both behaviours.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO
from xml.sax import SAXException
from xml.sax.handler import ContentHandler, feature_external_ges, feature_external_pes, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser

from workbench.engine.layers import LayerError, LayerTruncated

READ_CHUNK = 1 << 16


class XmlBudget:
    """Decompressed XML bytes read for one document; trips at ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, n: int, part: str) -> None:
        self.used += n
        if self.used > self.limit:
            raise LayerTruncated("xml-size", f"more than {self.limit} bytes of XML (stopped in {part})")


class TextHandler(ContentHandler):
    """Base SAX handler: collects output in ``out`` (list of str), drained by ``stream_text``."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.out_chars = 0

    def emit(self, s: str) -> None:
        if s:
            self.out.append(s)
            self.out_chars += len(s)

    def drain(self) -> str:
        text = "".join(self.out)
        self.out.clear()
        self.out_chars = 0
        return text

    def line_complete(self) -> bool:
        """True when ``out`` ends at a record boundary (a safe place to cut a layer)."""
        return bool(self.out) and self.out[-1].endswith("\n")


def _new_parser(handler: ContentHandler):
    parser = make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setFeature(feature_external_ges, False)
    parser.setFeature(feature_external_pes, False)
    parser.setContentHandler(handler)
    return parser


def stream_text(
    stream: BinaryIO, handler: TextHandler, budget: XmlBudget, part: str, *, chunk_chars: int = 16 * 2**20
) -> Iterator[str]:
    """Feed ``stream`` to ``handler``; yield its output in pieces of about ``chunk_chars`` cut at line ends.

    On a tripped budget or malformed XML, what was produced is yielded before the error is raised.
    """
    parser = _new_parser(handler)
    try:
        while True:
            data = stream.read(READ_CHUNK)
            if not data:
                break
            budget.take(len(data), part)
            parser.feed(data)
            if handler.out_chars >= chunk_chars and handler.line_complete():
                yield handler.drain()
        parser.close()
    except LayerTruncated:
        yield handler.drain()
        raise
    except (SAXException, DefusedXmlException) as exc:
        yield handler.drain()
        raise LayerError(f"{part}: XML refused: {exc}") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        yield handler.drain()
        raise LayerError(f"{part}: unreadable zip member: {type(exc).__name__}: {exc}") from exc
    yield handler.drain()


def parse_all(stream: BinaryIO, handler: TextHandler, budget: XmlBudget, part: str) -> None:
    """Parse a small part completely (shared strings, metadata); output stays in the handler."""
    for _ in stream_text(stream, handler, budget, part, chunk_chars=1 << 62):
        pass
