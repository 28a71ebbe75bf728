"""Text of an item with its hits highlighted; identifiers masked unless shown in clear. Qt-free helpers first."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from workbench.engine.masking import mask_identifier, mask_text

TEXT_LIMIT = 2 * 2**20  # bytes of an item shown as text
HEX_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Hit:
    start: int  # byte offsets in the item
    end: int
    source: str  # "identifier" or "finding"
    label: str  # identifier type or rule name


@dataclass(frozen=True)
class Span:
    start: int  # character offsets in the shown text
    end: int
    hit: Hit


@cache
def _scanner():
    from workbench.engine.identifiers.scanner import IdentifierScanner

    return IdentifierScanner()


def identifier_hits(data: bytes) -> list[Hit]:
    """Validated identifiers of the bytes shown (the same detector as the scan)."""
    return [Hit(h.offset, h.offset + h.length, "identifier", h.type) for h in _scanner().scan(data)]


def render_text(data: bytes, encoding: str | None, hits: list[Hit], *, masked: bool) -> tuple[str, list[Span]]:
    """Decode ``data`` and place ``hits`` (byte offsets) in the text; masked: each hit replaced by its masked
    form and the rest passed through ``mask_text``."""
    enc = encoding or "utf-8"
    try:
        "".encode(enc)
    except LookupError:
        enc = "utf-8"
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0

    def plain(chunk: bytes) -> str:
        text = chunk.decode(enc, errors="replace")
        return mask_text(text) if masked else text

    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.start < pos or hit.start >= len(data):
            continue
        before = plain(data[pos:hit.start])
        parts.append(before)
        length += len(before)
        raw = data[hit.start:min(hit.end, len(data))].decode(enc, errors="replace")
        if masked:
            raw = mask_identifier(hit.label, raw) if hit.source == "identifier" else mask_text(raw)
        parts.append(raw)
        spans.append(Span(length, length + len(raw), hit))
        length += len(raw)
        pos = min(hit.end, len(data))
    parts.append(plain(data[pos:]))
    return "".join(parts), spans


def hex_dump(data: bytes, limit: int = HEX_LIMIT, *, masked: bool = False) -> str:
    """Offset, hex and ASCII columns; masked: digit bytes shown as ``**`` / ``*`` (numeric identifiers)."""
    lines = []
    for off in range(0, min(len(data), limit), 16):
        chunk = data[off:off + 16]
        hexes = " ".join("**" if masked and 48 <= b <= 57 else f"{b:02x}" for b in chunk)
        text = "".join(("*" if masked and 48 <= b <= 57 else chr(b)) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}  {hexes:<47}  |{text}|")
    if len(data) > limit:
        lines.append(f"… ({len(data) - limit} more bytes)")
    return "\n".join(lines)
