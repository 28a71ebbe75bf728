"""A zip stored inside a top-level zip, split into one task per inner member by random access.

A zip of zips (a hospital's export of one zip per department, zipped again to send) ran as one task per inner
zip: one core for a 5 GB inner zip whatever ``--jobs`` said. When the inner zip is a STORED member of the outer
one, its bytes lie as they are in the evidence file, at a place the outer local header gives: the planner and
the workers map the evidence, read the inner central directory through that window, and each worker opens
one inner member without reading the rest (no copy of the inner zip, no decompression of anything else).

A DEFLATED inner zip is not split: its central directory sits at the end of a compressed stream, so listing it
costs decompressing the whole member, and each member task would decompress it again (N times the work); one
worker walks it whole as before.

The checks the zip handler applies when it walks an archive whole are made here before splitting (otherwise
the inner zip is walked whole, and the handler records what is wrong): encryption, member count, overlapping
entries (the overlap bomb), depth. Decompressed sizes are counted by the member tasks as for a top-level split
zip (member bound, ratio to the member's compressed size, and the evidence budget).
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass

from workbench.engine import kinds
from workbench.engine.archives._common import DATA_ERRORS
from workbench.engine.archives.zipfmt import check_overlaps
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Bounds

LOCAL_HEADER = b"PK\x03\x04"
LOCAL_HEADER_SIZE = 30


@dataclass(frozen=True)
class InnerZip:
    """A stored inner zip that can be split: where its bytes lie in the evidence file, and its members."""

    start: int
    size: int
    members: list[zipfile.ZipInfo]


def stored_span(view: memoryview, zi: zipfile.ZipInfo) -> tuple[int, int] | None:
    """(offset, size) of a STORED, unencrypted member's bytes in the outer zip file; None otherwise."""
    if zi.compress_type != zipfile.ZIP_STORED or zi.flag_bits & 1 or zi.compress_size != zi.file_size:
        return None
    h = zi.header_offset
    if h < 0 or h + LOCAL_HEADER_SIZE > len(view) or bytes(view[h:h + 4]) != LOCAL_HEADER:
        return None
    name_len, extra_len = struct.unpack_from("<HH", view, h + 26)
    start = h + LOCAL_HEADER_SIZE + name_len + extra_len
    if start + zi.compress_size > len(view):
        return None
    return start, zi.compress_size


def plan_inner(view: memoryview, zi: zipfile.ZipInfo, name: str, depth: int, bounds: Bounds,
               vpath: str) -> InnerZip | None:
    """The inner zip of outer member ``zi`` when it is worth splitting and passes the zip handler's checks;
    None to walk it whole in one task. ``depth`` is the inner zip's own depth."""
    if depth + 1 > bounds.max_depth or zi.file_size > bounds.max_member_bytes:
        return None
    span = stored_span(view, zi)
    if span is None:
        return None
    start, size = span
    inner = view[start:start + size]
    head = bytes(inner[:4096])
    if head[:4] != LOCAL_HEADER:
        return None
    try:
        k = kinds.sniff(head, name)
    except Exception:  # typing trouble: the walker records it, walking the zip whole
        return None
    if k.kind != "archive" or k.format != "zip":
        return None
    try:
        with Blob(inner) as blob, zipfile.ZipFile(blob.open()) as zf:
            infos = zf.infolist()
            start_dir = zf.start_dir
            if len(infos) < 2 or len(infos) > bounds.max_members or any(i.flag_bits & 1 for i in infos):
                return None
            if kinds.office_kind_of_zip_names([i.filename for i in infos],
                                              lambda: zf.read("mimetype")[:128]) is not None:
                return None  # a docx is a document, not an archive to split
            check_overlaps(infos, inner, start_dir, vpath)
    except (*DATA_ERRORS, BoundExceeded):  # anything odd: not split, the zip handler walks it whole and says why
        return None
    return InnerZip(start, size, infos)


def inner_view(outer: memoryview, outer_member: int) -> memoryview:
    """The inner zip's bytes inside the mapped evidence file, found again by the worker from the member's
    index in the outer central directory (the planner's offset is not trusted across runs: the worker checks)."""
    with Blob(outer) as blob, zipfile.ZipFile(blob.open()) as zf:
        zi = zf.infolist()[outer_member]
    span = stored_span(outer, zi)
    if span is None:
        raise ValueError(f"outer member #{outer_member} is no longer a stored zip member (the evidence changed?)")
    start, size = span
    return outer[start:start + size]
