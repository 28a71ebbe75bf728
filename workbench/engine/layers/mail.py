"""E-mail layers: bodies as "email-body" text, attachments (and forwarded messages) as child items.

.eml: one message. mbox: messages split on lines starting with "From " (as the ``mailbox`` module does,
which only works on paths), read as a stream one message at a time; mboxrd ">From " quoting is undone;
attachment names get a "msg0001/" prefix.
"""

from __future__ import annotations

import codecs
import mimetypes
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

from workbench.engine.layers import Attachment, BlobLike, LayerError, LayerTruncated, TextLayer
from workbench.engine.layers.htmltext import html_to_text

LAYER = "email-body"
SHOWN_HEADERS = ("Subject", "From", "To", "Cc", "Date")
MAX_MESSAGE_BYTES = 256 * 2**20
MAX_LINE_READ = 1 << 20
_NAME_BAD = re.compile(r"[\x00-\x1f\x7f/\\]+")


def _parse(data: bytes) -> Message:
    return BytesParser(policy=policy.default).parsebytes(data)


def _decode_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    if not charset:
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            charset = "cp1252"
    return payload.decode(charset, errors="replace")


def _header_text(msg: Message) -> str:
    lines = []
    for name in SHOWN_HEADERS:
        try:
            values = msg.get_all(name) or []
        except Exception:  # a malformed header must not hide the body
            values = []
        for value in values:
            try:
                text = str(value)
            except Exception:
                text = repr(value)
            lines.append(f"{name}: {' '.join(text.split())}")
    return "\n".join(lines)


def _label(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    name = _NAME_BAD.sub("_", str(name or "")).strip(" .")[:200]
    if not name:
        ctype = part.get_content_type()
        ext = ".eml" if ctype in ("message/rfc822", "message/global") else (mimetypes.guess_extension(ctype) or ".bin")
        name = f"part{index:03d}{ext}"
    return name


def _message_bytes(part: Message) -> bytes:
    cte = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    if cte in ("base64", "quoted-printable"):
        # RFC 2046 forbids encoding a message/rfc822 part, but mailers do it; the parser then reads the base64
        # text as a headerless message, and the forwarded mail would be scanned as text, never descended.
        return _decoded_message(part, cte)
    inner = part.get_payload()
    if isinstance(inner, list) and inner:
        inner = inner[0]
    if isinstance(inner, Message):
        try:
            return inner.as_bytes()
        except Exception:
            return str(inner).encode("utf-8", errors="replace")
    if isinstance(inner, str):  # a message/rfc822 part whose body was left encoded
        decoded = part.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else inner.encode("utf-8", errors="replace")
    return b""


def _decoded_message(part: Message, cte: str) -> bytes:
    import base64
    import binascii
    import quopri

    inner = part.get_payload()
    if isinstance(inner, list) and inner:
        inner = inner[0]
    raw = inner.as_bytes() if isinstance(inner, Message) else str(inner or "").encode("ascii", "replace")
    if isinstance(inner, Message) and not inner.keys():
        raw = raw.lstrip(b"\r\n")  # a headerless message prints a blank line first
    try:
        return base64.b64decode(raw, validate=False) if cte == "base64" else quopri.decodestring(raw)
    except (binascii.Error, ValueError):
        return raw


class _Walk:
    """Bodies and attachments of one message, in document order."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.attachments: list[Attachment] = []
        self.count = 0

    def visit(self, part: Message) -> None:
        self.count += 1
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            data = _message_bytes(part)
            if data:
                self.attachments.append(Attachment(_label(part, self.count), data))
            return
        if part.is_multipart():
            subparts = [p for p in part.get_payload() if isinstance(p, Message)]
            if ctype == "multipart/alternative":
                subparts = self._alternative(subparts)
            for sub in subparts:
                self.visit(sub)
            return
        try:
            disposition = part.get_content_disposition()
            filename = part.get_filename()
        except Exception:
            disposition, filename = None, None
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            text = _decode_text(part)
            self.bodies.append(html_to_text(text) if ctype == "text/html" else text)
            return
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            self.attachments.append(Attachment(_label(part, self.count), data))

    @staticmethod
    def _alternative(parts: list[Message]) -> list[Message]:
        """One rendering of the same body: the plain text one when there is one (no double counts)."""
        plain = [p for p in parts if p.get_content_type() == "text/plain"]
        others = [p for p in parts if p.get_content_type() not in ("text/plain", "text/html")]
        if plain:
            return plain[:1] + others
        html = [p for p in parts if p.get_content_type() == "text/html"]
        return html[:1] + others


def message_layers(msg: Message, prefix: str = "") -> Iterator[TextLayer | Attachment]:
    """The "email-body" layer (shown headers + bodies) then the attachments of one parsed message."""
    walk = _Walk()
    walk.visit(msg)
    text = "\n\n".join(s for s in [_header_text(msg), *walk.bodies] if s.strip())
    if text:
        yield TextLayer(LAYER, text)
    for att in walk.attachments:
        yield Attachment(prefix + att.name, att.data)


def extract_eml(blob: BlobLike) -> Iterator[TextLayer | Attachment]:
    try:
        msg = _parse(bytes(blob.view()))
    except Exception as exc:
        raise LayerError(f"unreadable e-mail: {type(exc).__name__}: {exc}") from exc
    yield from message_layers(msg)


_MBOXRD_QUOTED = re.compile(rb"^>+From ")


def iter_mbox_messages(stream, *, max_message_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[tuple[bytes, bool]]:
    """(raw message, truncated) for each message of an mbox stream; memory is one message at a time."""
    buf: list[bytes] = []
    size = 0
    truncated = False
    at_line_start = True
    started = False
    while True:
        line = stream.readline(MAX_LINE_READ)
        if not line:
            break
        line_start, at_line_start = at_line_start, line.endswith(b"\n")
        if line_start and line.startswith(b"From "):
            if started or any(chunk.strip() for chunk in buf):
                yield b"".join(buf), truncated
            buf, size, truncated, started = [], 0, False, True
            continue
        if line_start and _MBOXRD_QUOTED.match(line):
            line = line[1:]
        if size + len(line) > max_message_bytes:
            truncated = True
            continue
        buf.append(line)
        size += len(line)
    if started or any(chunk.strip() for chunk in buf):
        yield b"".join(buf), truncated


def extract_mbox(blob: BlobLike) -> Iterator[TextLayer | Attachment]:
    cut: list[str] = []
    failed: list[str] = []
    with blob.open() as stream:
        messages = iter_mbox_messages(stream, max_message_bytes=MAX_MESSAGE_BYTES)
        for index, (raw, truncated) in enumerate(messages, start=1):
            if truncated:
                cut.append(f"msg{index:04d}")
            try:
                msg: Message | EmailMessage = _parse(raw)
            except Exception as exc:
                failed.append(f"msg{index:04d}: {type(exc).__name__}: {exc}")
                continue
            yield from message_layers(msg, prefix=f"msg{index:04d}/")
    if cut:
        raise LayerTruncated("message-size", f"messages over {MAX_MESSAGE_BYTES} bytes cut: {', '.join(cut[:20])}")
    if failed:
        raise LayerError("; ".join(failed[:20]))
