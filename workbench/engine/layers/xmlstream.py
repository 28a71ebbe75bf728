"""Safe, streaming XML for office documents, with a byte budget shared by all the parts of one document.

Parts are parsed with pyexpat directly (no tree, so memory stays flat whatever the part's size), guarded the
way defusedxml guards expat, only stricter: OOXML and OpenDocument parts never carry a DOCTYPE, so any
DOCTYPE, entity declaration or external entity reference is refused before anything is expanded. The stdlib
alone (expat >= 2.4) stops billion laughs only once its amplification limit trips and lets megabytes of
expansion through first: tests/engine/test_layers.py checks both behaviours. Going without the SAX adapter
(xml.sax / defusedxml.sax) doubles the speed: one Python call per event instead of three.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.parsers import expat

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


class XmlRefused(Exception):
    """The XML declares a DOCTYPE or entities: never legitimate in an office part."""


class TextHandler:
    """Base handler: ``start(local, attrs)``, ``end(local)``, ``characters(text)``; output in ``out``.

    ``attrs`` maps attribute names to values; namespaced attribute names are "uri local" (see ``attr``).
    """

    def __init__(self) -> None:
        self.out: list[str] = []
        self.out_chars = 0

    def start(self, local: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, local: str) -> None:
        pass

    def characters(self, content: str) -> None:
        pass

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


def attr(attrs: dict[str, str], local: str) -> str | None:
    """The value of the attribute whose local name is ``local``, whatever its namespace."""
    value = attrs.get(local)
    if value is not None:
        return value
    suffix = " " + local
    for key, val in attrs.items():
        if key.endswith(suffix):
            return val
    return None


def _refuse(what: str):  # -> handler raising XmlRefused
    def handler(*_args: Any) -> None:
        raise XmlRefused(f"{what} not allowed in an office document part")

    return handler


def _new_parser(handler: TextHandler) -> Any:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse("DOCTYPE")
    parser.EntityDeclHandler = _refuse("entity declaration")
    parser.UnparsedEntityDeclHandler = _refuse("unparsed entity")
    parser.ExternalEntityRefHandler = _refuse("external entity")
    start, end = handler.start, handler.end
    parser.StartElementHandler = lambda name, attrs: start(name[name.rfind(" ") + 1 :], attrs)
    parser.EndElementHandler = lambda name: end(name[name.rfind(" ") + 1 :])
    parser.CharacterDataHandler = handler.characters
    return parser


def stream_text(
    stream: BinaryIO, handler: TextHandler, budget: XmlBudget, part: str, *, chunk_chars: int = 16 * 2**20
) -> Iterator[str]:
    """Feed ``stream`` to ``handler``; yield its output in pieces of about ``chunk_chars`` cut at line ends.

    On a tripped budget, refused or malformed XML, what was produced is yielded before the error is raised.
    """
    parser = _new_parser(handler)
    try:
        while True:
            data = stream.read(READ_CHUNK)
            if not data:
                break
            budget.take(len(data), part)
            parser.Parse(data, False)
            if handler.out_chars >= chunk_chars and handler.line_complete():
                yield handler.drain()
        parser.Parse(b"", True)
    except LayerTruncated:
        yield handler.drain()
        raise
    except (XmlRefused, expat.ExpatError) as exc:
        yield handler.drain()
        raise LayerError(f"{part}: XML refused: {exc}") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        yield handler.drain()
        raise LayerError(f"{part}: unreadable zip member: {type(exc).__name__}: {exc}") from exc
    yield handler.drain()


def parse_all(stream: BinaryIO, handler: TextHandler, budget: XmlBudget, part: str) -> None:
    """Parse a small part completely (shared strings, metadata); state stays in the handler."""
    for _ in stream_text(stream, handler, budget, part, chunk_chars=1 << 62):
        pass
