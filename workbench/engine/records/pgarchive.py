"""pg_dump archives (``pg_dump -Fc``, and the ``toc.dat`` of ``-Fd``): recognised, not read.

Their table data is a stream of zlib/lz4/zstd blocks behind a binary table of contents whose layout changes
with the archive version (1.12 to 1.16 in PostgreSQL 12 to 17): reading it here would be a second pg_restore.
``pg_restore -f out.sql FILE`` turns one into a plain dump that the SQL reader parses, offline, in seconds;
so the records stage yields no rows and one note naming that command, with what the header tells (archive
version, database name, server and pg_dump versions), read the way ``ReadHead`` in pg_backup_archiver.c does.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import Any

from workbench.engine.records.errors import RecordNote

MAGIC = b"PGDMP"
FORMATS = {1: "custom", 3: "tar", 5: "directory"}
_MAX_HEADER_STRING = 1024


def archive_header(head: bytes) -> dict[str, object]:
    """Archive version, format and, when the header is whole, the database name and versions."""
    if not head.startswith(MAGIC) or len(head) < 11:
        return {}
    vmaj, vmin, vrev, int_size, _off_size, fmt = head[5:11]
    out: dict[str, object] = {"archive_version": f"{vmaj}.{vmin}.{vrev}", "format": FORMATS.get(fmt, str(fmt))}
    if not 1 <= int_size <= 8:
        return out
    pos = 11
    if (vmaj, vmin) >= (1, 15):
        pos += 1  # compression algorithm byte
    else:
        pos += 1 + int_size  # compression level as an int
    pos += 7 * (1 + int_size)  # creation time: sec, min, hour, mday, mon, year, isdst

    def text() -> str | None:
        nonlocal pos
        if pos + 1 + int_size > len(head):
            return None
        sign, size = head[pos], int.from_bytes(head[pos + 1:pos + 1 + int_size], "little")
        pos += 1 + int_size
        if sign or size > _MAX_HEADER_STRING or pos + size > len(head):
            return None
        value = head[pos:pos + size].decode("utf-8", errors="replace")
        pos += size
        return value

    for key in ("database", "server_version", "pg_dump_version"):
        value = text()
        if value is None:
            break
        out[key] = value
    return out


def restore_command(vpath: str) -> str:
    """The command that converts the archive into a plain SQL dump the scan reads."""
    name = re.split(r"[/\\]", vpath)[-1]  # the file itself, once extracted from its archive
    return f"pg_restore -f out.sql {shlex.quote(name)}"


def parse_pg_archive(blob: Any, info: Any, vpath: str, *, batch_rows: int) -> Iterator[RecordNote]:
    """No rows: one note with the ``pg_restore`` command (see the module docstring)."""
    header = archive_header(bytes(blob.head(4096)))
    command = restore_command(vpath)
    fmt = header.get("format", "custom")
    detail = (f"pg_dump {fmt}-format archive (version {header.get('archive_version', '?')}): its rows are not read;"
              f" convert it with `{command}` and scan out.sql")
    yield RecordNote("pg-dump-archive", "file", detail, "warning", {**header, "command": command})
