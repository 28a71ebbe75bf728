"""Archive handlers behind one registry: ``iter_members(fmt, blob, ...)`` yields ``Member`` entries.

Member names are labels exactly as stored (``../../etc/passwd`` included): nothing here ever joins them
to a host path or writes anything to disk. Every decompressed stream comes wrapped in a CountingReader.

Usage (what the walker does)::

    for m in iter_members(fmt, blob, name=..., bounds=..., budget=..., passwords=...):
        if m.entry_type == "file" and not m.encrypted:
            with m.open() as stream:            # stream formats: valid until the next member
                child = Blob.spool(stream, tmp_dir)

Corrupt or truncated archives yield what could be read, then raise ``ArchiveError``; a recognised format that
cannot be read here (RAR) raises ``ArchiveNotSupported`` with what its headers say. Bounds raise
``BoundExceeded`` (structural zip bombs before the first member).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from workbench.engine.archives._common import ArchiveError, Member
from workbench.engine.archives.compressed import SINGLE_FORMATS, detect_compressed_tar, iter_single
from workbench.engine.archives.rar import ArchiveNotSupported, iter_rar
from workbench.engine.archives.tars import iter_tar
from workbench.engine.archives.zipfmt import iter_zip
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget

Handler = Callable[..., Iterator[Member]]


def _single(fmt: str) -> Handler:
    def handler(blob: Blob, **kwargs) -> Iterator[Member]:
        return iter_single(fmt, blob, **kwargs)

    return handler


def _iter_7z(blob: Blob, **kwargs) -> Iterator[Member]:
    """sevenzip.iter_7z, imported on the first 7z: py7zr + Cryptodome cost ~0.2 s of CPU at import
    (-X importtime), paid by every scan worker at start-up when imported here although most dumps hold no 7z."""
    from workbench.engine.archives.sevenzip import iter_7z

    return iter_7z(blob, **kwargs)


ARCHIVE_FORMATS: dict[str, Handler] = {
    "zip": iter_zip,
    "tar": iter_tar,
    "7z": _iter_7z,
    "rar": iter_rar,  # recognised and listed, not extracted (rar.py says why)
    **{fmt: _single(fmt) for fmt in SINGLE_FORMATS},
}


def iter_members(fmt: str, blob: Blob, *, name: str, bounds: Bounds, budget: Budget,
                 passwords: Sequence[bytes] = (), compressed_size: int | None = None) -> Iterator[Member]:
    """Entries of the archive ``blob`` of format ``fmt`` (a key of ARCHIVE_FORMATS).

    ``name`` labels messages and derived names; ``compressed_size`` overrides ``blob.size`` as the size of
    the compressed container where it matters (single-file compressors' recorded compressed size).
    Ratios are computed from each format's own compressed counts (zip: the member's compressed size;
    streams: the compressed bytes consumed so far).
    """
    try:
        handler = ARCHIVE_FORMATS[fmt]
    except KeyError:
        raise ArchiveError(f"{name}: unsupported archive format {fmt!r}") from None
    return handler(blob, name=name, bounds=bounds, budget=budget, passwords=tuple(passwords),
                   compressed_size=compressed_size)


__all__ = ["ARCHIVE_FORMATS", "ArchiveError", "ArchiveNotSupported", "Member", "detect_compressed_tar", "iter_members"]
