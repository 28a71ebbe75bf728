"""A zip stored inside a top-level zip, split into one task per inner member by random access.

A zip of zips (a hospital's export of one zip per department, zipped again to send) ran as one task per inner
zip: one core for a 5 GB inner zip whatever ``--jobs`` said. When the inner zip is a STORED member of the outer
one, its bytes lie as they are in the evidence file, at a place the outer local header gives: the planner and
the workers map the evidence, read the inner central directory through that window, and each worker opens
one inner member without reading the rest (no copy of the inner zip, no decompression of anything else).

A DEFLATED inner zip cannot be read in place: its central directory sits at the end of a compressed stream, so
listing it costs decompressing the whole member, and each member task would decompress it again (N times the
work). A small one is walked whole by one worker as before. A big one (pipeline.DEFLATED_NESTED_ZIP_SPLIT_MIN_BYTES,
256 MiB) is decompressed ONCE by the planner into a file of the case folder (``CASE/tmp/nested/``, never
elsewhere), after checking the free space, counted against the bounds as a walk would count it (member bound,
ratio to its compressed size, the evidence budget), and removed at the end of the scan; it is then split exactly
like a stored one, the workers reading that file instead of the evidence (``NestedZipRef.extracted``). Inflating
runs at a few hundred MB/s on one core, against tens of MB/s to scan what comes out: one core for the first and
every core for the second.

The checks the zip handler applies when it walks an archive whole are made here before splitting (otherwise
the inner zip is walked whole, and the handler records what is wrong): encryption, member count, overlapping
entries (the overlap bomb), depth. Decompressed sizes are counted by the member tasks as for a top-level split
zip (member bound, ratio to the member's compressed size, and the evidence budget).
"""

from __future__ import annotations

import shutil
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from workbench.engine import kinds
from workbench.engine.archives._common import DATA_ERRORS
from workbench.engine.archives.zipfmt import check_overlaps
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Bounds, Budget, CountingReader

LOCAL_HEADER = b"PK\x03\x04"
LOCAL_HEADER_SIZE = 30
DISK_MARGIN_BYTES = 512 * 2**20  # free space left on the case's disk after an inner zip is decompressed there


@dataclass(frozen=True)
class InnerZip:
    """A stored inner zip that can be split: where its bytes lie in the evidence file, and its members."""

    start: int
    size: int
    members: list[zipfile.ZipInfo]
    extracted: str | None = None  # a deflated inner zip decompressed into the case folder: the file the workers read


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
    members = _check_inner(view[start:start + size], name, bounds, vpath)
    return None if members is None else InnerZip(start, size, members)


def _check_inner(inner: memoryview, name: str, bounds: Bounds, vpath: str) -> list[zipfile.ZipInfo] | None:
    """The inner zip's members when it passes the zip handler's checks; None to walk it whole."""
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
    return infos


def plan_deflated(host: Path, zi: zipfile.ZipInfo, dest: Path, name: str, depth: int, bounds: Bounds, vpath: str,
                  evidence_size: int) -> InnerZip | None:
    """A deflated inner zip (outer member ``zi`` of the zip ``host``) decompressed once into ``dest``, inside the
    case folder, and checked as ``plan_inner`` checks a stored one; None (and nothing left in ``dest``) to walk
    it whole: not a zip, past a bound, not enough free space, damaged, or anything ``plan_inner`` refuses."""
    if depth + 1 > bounds.max_depth or zi.file_size > bounds.max_member_bytes or zi.flag_bits & 1:
        return None
    if zi.compress_type == zipfile.ZIP_STORED:
        return None
    part = dest.with_name(dest.name + ".part")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if shutil.disk_usage(dest.parent).free < zi.file_size + DISK_MARGIN_BYTES:
            return None
        with open(host, "rb") as fh, zipfile.ZipFile(fh) as zf, zf.open(zi, pwd=None) as raw:
            stream = CountingReader(raw, bounds=bounds, budget=Budget(bounds, evidence_size),
                                    compressed_size=zi.compress_size, label=vpath,
                                    max_bytes=min(bounds.max_member_bytes, zi.file_size))
            if stream.read(4) != LOCAL_HEADER:
                return None
            with open(part, "wb") as out:
                out.write(LOCAL_HEADER)
                shutil.copyfileobj(stream, out, 1 << 20)  # zipfile checks the CRC at the end
        part.replace(dest)
        with open(dest, "rb") as fh:
            size = fh.seek(0, 2)
        with Blob.from_path(dest) as blob:
            members = _check_inner(blob.view(), name, bounds, vpath)
    except (*DATA_ERRORS, BoundExceeded):
        members = None
    finally:
        part.unlink(missing_ok=True)
    if members is None:
        dest.unlink(missing_ok=True)
        return None
    return InnerZip(0, size, members, extracted=str(dest))


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
