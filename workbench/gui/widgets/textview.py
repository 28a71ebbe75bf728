"""Text of an item with its hits highlighted; identifiers masked unless shown in clear. Qt-free helpers first."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from workbench.engine.masking import mask_identifier, mask_view_text, personal_spans

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
    start: int  # positions in the shown text as Qt counts them (UTF-16 units, one per line break)
    end: int
    hit: Hit


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def qt_positions(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """``text`` with its line breaks as Qt's document keeps them, and the spans moved to match.

    A ``QTextDocument`` turns ``\r\n`` into one block separator, so every highlight of a CRLF file drifted one
    character further per line (and Qt logged "Position out of range"); it also counts a character outside the
    BMP (an emoji) as two UTF-16 units where Python counts one.
    """
    crlf = [m.start() for m in re.finditer("\r\n", text)]  # each of these \r disappears
    if crlf:
        def drop(pos: int) -> int:
            return pos - bisect.bisect_left(crlf, pos)

        spans = [Span(drop(s.start), drop(s.end), s.hit) for s in spans]
        text = text.replace("\r\n", "\n")
    if "\r" in text:
        text = text.replace("\r", "\n")  # an old Mac line end: one character for one
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    if astral:
        def widen(pos: int) -> int:
            return pos + bisect.bisect_left(astral, pos)

        spans = [Span(widen(s.start), widen(s.end), s.hit) for s in spans]
    return text, spans


@cache
def _scanner():
    from workbench.engine.identifiers.scanner import IdentifierScanner

    return IdentifierScanner()


def identifier_hits(data: bytes) -> list[Hit]:
    """Validated identifiers of the bytes shown (the same detector as the scan)."""
    return [Hit(h.offset, h.offset + h.length, "identifier", h.type) for h in _scanner().scan(data)]


def render_text(data: bytes, encoding: str | None, hits: list[Hit], *, masked: bool) -> tuple[str, list[Span]]:
    """Decode ``data`` and place ``hits`` (byte offsets) in the text; masked: each identifier replaced by its
    masked form and the rest passed through ``mask_view_text`` (names, dates, patient numbers: what the Table
    view masks by column). Line breaks and span positions are those of Qt's document (:func:`qt_positions`)."""
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
        return mask_view_text(text) if masked else text

    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.start < pos or hit.start >= len(data):
            continue
        before = plain(data[pos:hit.start])
        parts.append(before)
        length += len(before)
        raw = data[hit.start:min(hit.end, len(data))].decode(enc, errors="replace")
        if masked:
            raw = mask_identifier(hit.label, raw) if hit.source == "identifier" else mask_view_text(raw)
        parts.append(raw)
        spans.append(Span(length, length + len(raw), hit))
        length += len(raw)
        pos = min(hit.end, len(data))
    parts.append(plain(data[pos:]))
    return qt_positions("".join(parts), spans)


def personal_bytes(data: bytes, encoding: str | None) -> set[int]:
    """Offsets of the bytes of ``data`` that the Text view masks (names, dates, identifiers, digit runs)."""
    enc = (encoding or "utf-8").lower().replace("_", "-")
    single = enc not in ("utf-8", "utf8", "utf-16", "utf-16-le", "utf-16-be", "utf-32")
    if single:
        try:
            text = data.decode(enc, errors="replace")  # one character per byte
        except LookupError:
            text = data.decode("latin-1")
        starts = None
    else:
        text = data.decode("utf-8", errors="surrogateescape")
        starts = []
        off = 0
        for ch in text:
            starts.append(off)
            off += len(ch.encode("utf-8", errors="surrogateescape"))
        starts.append(off)
    out: set[int] = set()
    for a, b in personal_spans(text):
        lo, hi = (a, b) if starts is None else (starts[a], starts[b])
        out.update(range(lo, hi))
    return out


def hex_dump(data: bytes, limit: int = HEX_LIMIT, *, masked: bool = False, encoding: str | None = None) -> str:
    """Offset, hex and ASCII columns; masked: digit bytes and the bytes of names, dates and identifiers
    (:func:`personal_bytes`) shown as ``**`` / ``*``, in both columns (the ASCII column showed names in clear)."""
    lines = []
    hidden = personal_bytes(data[:limit], encoding) if masked else set()
    for off in range(0, min(len(data), limit), 16):
        chunk = data[off:off + 16]
        secret = [masked and (48 <= b <= 57 or off + i in hidden) for i, b in enumerate(chunk)]
        hexes = " ".join("**" if secret[i] else f"{b:02x}" for i, b in enumerate(chunk))
        text = "".join(("*" if secret[i] else chr(b)) if 32 <= b < 127 else ("*" if secret[i] else ".")
                       for i, b in enumerate(chunk))
        lines.append(f"{off:08x}  {hexes:<47}  |{text}|")
    if len(data) > limit:
        lines.append(f"… ({len(data) - limit} more bytes)")
    return "\n".join(lines)
