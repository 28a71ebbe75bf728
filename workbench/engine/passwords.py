"""The password list of ``balise scan --password-file FILE``: one password per line, tried on encrypted members.

Why more than ``splitlines``: a list saved by Windows Notepad starts with a UTF-8 byte order mark and ends its
lines with CR LF; and the same typed password reaches the archive as different bytes depending on the tool
that made it: 7-Zip and WinZip encode AES passwords in UTF-8, while ZipCrypto zips made on Windows (Explorer,
older WinZip) use the OEM or ANSI code page (cp850/cp437, cp1252). A non-ASCII password written in UTF-8 in the
file is therefore also tried in those encodings. Blank lines are skipped; spaces inside or around a password are
kept (they are part of it). The list lives in memory only: it is never written to the case or the console.
"""

from __future__ import annotations

import codecs
from pathlib import Path

LEGACY_ENCODINGS = ("cp850", "cp437", "cp1252")


def parse_passwords(data: bytes) -> list[bytes]:
    """The passwords of a file's bytes, each once, in file order, legacy encodings after their UTF-8 form."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    out: dict[bytes, None] = {}
    for line in data.splitlines():
        if not line.strip():
            continue
        out[line] = None
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if not text.isascii():
            for enc in LEGACY_ENCODINGS:
                try:
                    out.setdefault(text.encode(enc), None)
                except UnicodeEncodeError:
                    continue
    return list(out)


def read_password_file(path: Path) -> list[bytes]:
    """``parse_passwords`` of a file (``OSError`` when it cannot be read)."""
    return parse_passwords(Path(path).read_bytes())
