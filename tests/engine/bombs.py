"""Builders of REAL decompression bombs for the bound tests, plus realistic member payloads.

- ``fifield_overlap_zip``: David Fifield, "A better zip bomb" (WOOT 2019): one deflate kernel shared by every
  entry; each entry's compressed data starts with a non-final stored block that *quotes* the next entry's
  local file header, so the entries overlap and all end on the same kernel. Valid CRCs and sizes: Python
  3.11.7's zipfile (no CVE-2024-0450 fix) decompresses every entry of it.
- ``recursive_zip``: 42.zip style, zips of zips of large all-zero members.
- ``write_gzip_zeros``: a gzip of N bytes of zeros, written by streaming.

Zero streams are produced by deflating one segment of zeros ended by a full flush (which resets the
compressor's history) and repeating those compressed bytes: the same stream a streaming compressor would
emit for N zeros, built in milliseconds instead of minutes.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

LOCAL = struct.Struct("<4s5HL2L2H")
CENTRAL = struct.Struct("<4s6H3L5H2L")
EOCD = struct.Struct("<4s4H2LH")
DOS_TIME, DOS_DATE = (9 << 11) | (30 << 5), ((2024 - 1980) << 9) | (3 << 5) | 14  # 2024-03-14 09:30
METHOD_STORED, METHOD_DEFLATE = 0, 8
FINAL_EMPTY_BLOCK = b"\x03\x00"  # a final fixed-Huffman block holding only end-of-block


# -- CRC-32 of concatenations (zlib's crc32_combine, not exposed by Python) ---------------------------
def _gf2_times(mat: list[int], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A||B from crc32(A), crc32(B) and len(B)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def crc32_zeros(n: int, segment: int = 1 << 20) -> int:
    """CRC-32 of n zero bytes, by doubling (no n-byte buffer)."""
    crc_seg = zlib.crc32(bytes(segment))
    reps, rest = divmod(n, segment)
    total, power, power_len = 0, crc_seg, segment
    while reps:
        if reps & 1:
            total = crc32_combine(total, power, power_len)
        power = crc32_combine(power, power, power_len)
        power_len *= 2
        reps >>= 1
    return crc32_combine(total, zlib.crc32(bytes(rest)), rest)


# -- deflate streams of zeros ----------------------------------------------------------------------
def zero_segment(segment: int = 16 << 20) -> bytes:
    """Raw deflate of ``segment`` zeros, non-final, byte-aligned and history-free (ends with a full flush)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(bytes(segment)) + comp.flush(zlib.Z_FULL_FLUSH)


def zero_deflate(total: int, segment: int = 16 << 20) -> bytes:
    """A complete raw deflate stream of ``total`` zeros (a multiple of ``segment``)."""
    if total % segment:
        raise ValueError("total must be a multiple of segment")
    return zero_segment(segment) * (total // segment) + FINAL_EMPTY_BLOCK


def write_gzip_zeros(path: Path, total: int, segment: int = 16 << 20) -> int:
    """Write a gzip member of ``total`` zero bytes to ``path`` by streaming segments; returns its size."""
    seg = zero_segment(segment)
    reps, rest = divmod(total, segment)
    with open(path, "wb") as fh:
        fh.write(b"\x1f\x8b\x08\x08" + struct.pack("<I", 1710408600) + b"\x02\x03" + b"zeros.bin\x00")
        for _ in range(reps):
            fh.write(seg)
        tail = zlib.compressobj(9, zlib.DEFLATED, -15)
        fh.write(tail.compress(bytes(rest)) + tail.flush(zlib.Z_FINISH))
        fh.write(struct.pack("<II", crc32_zeros(total), total & 0xFFFFFFFF))
        return fh.tell()


def tar_gz_zeros(member_bytes: int, name: str = "dump.sql", segment: int = 16 << 20) -> bytes:
    """A .tar.gz holding one member of ``member_bytes`` zeros (a multiple of ``segment``), built in memory."""
    import tarfile

    ti = tarfile.TarInfo(name)
    ti.size, ti.mtime = member_bytes, 1710408600
    header = ti.tobuf(tarfile.GNU_FORMAT)  # GNU: sizes over 8 GiB in base-256
    trailer = bytes(1024)  # end-of-archive blocks (member_bytes is a multiple of 512)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = comp.compress(header) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = tail.compress(trailer) + tail.flush(zlib.Z_FINISH)
    crc = crc32_combine(crc32_combine(zlib.crc32(header), crc32_zeros(member_bytes), member_bytes),
                        zlib.crc32(trailer), len(trailer))
    total = len(header) + member_bytes + len(trailer)
    body = head + zero_segment(segment) * (member_bytes // segment) + end
    return b"\x1f\x8b\x08\x00" + struct.pack("<I", 1710408600) + b"\x02\x03" + body + struct.pack("<II", crc, total & 0xFFFFFFFF)


# -- a raw zip writer that takes already-compressed data ---------------------------------------------
def local_header(name: bytes, method: int, crc: int, csize: int, usize: int, flags: int = 0) -> bytes:
    return LOCAL.pack(b"PK\x03\x04", 20, flags, method, DOS_TIME, DOS_DATE, crc, csize, usize, len(name), 0) + name


def central_entry(name: bytes, method: int, crc: int, csize: int, usize: int, offset: int, flags: int = 0) -> bytes:
    return CENTRAL.pack(b"PK\x01\x02", 0x031E, 20, flags, method, DOS_TIME, DOS_DATE, crc, csize, usize,
                        len(name), 0, 0, 0, 0, 0o100644 << 16, offset) + name


def end_record(count: int, cd_size: int, cd_offset: int) -> bytes:
    return EOCD.pack(b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, 0)


def raw_zip(entries: list[tuple[bytes, int, bytes, int, int]]) -> bytes:
    """entries: (name, method, compressed data, crc, uncompressed size) laid out one after the other."""
    out, central = bytearray(), bytearray()
    for name, method, data, crc, usize in entries:
        central += central_entry(name, method, crc, len(data), usize, len(out))
        out += local_header(name, method, crc, len(data), usize) + data
    cd_offset = len(out)
    return bytes(out + central + end_record(len(entries), len(central), cd_offset))


# -- the bombs -------------------------------------------------------------------------------------
def fifield_overlap_zip(n_files: int = 600, kernel_bytes: int = 16 << 20) -> bytes:
    """Fifield's quoted-overlap zip bomb: ~n_files * kernel_bytes of output from a few dozen KB."""
    kernel = zero_deflate(kernel_bytes, segment=kernel_bytes)
    names = [f"export_{i:05d}.csv".encode() for i in range(n_files)]
    # Built from the last file backwards: each local header carries the CRC and sizes of its own data.
    headers: list[bytes] = [b""] * n_files
    crcs, csizes, usizes = [0] * n_files, [0] * n_files, [0] * n_files
    crcs[-1], csizes[-1], usizes[-1] = crc32_zeros(kernel_bytes), len(kernel), kernel_bytes
    headers[-1] = local_header(names[-1], METHOD_DEFLATE, crcs[-1], csizes[-1], usizes[-1])
    for i in range(n_files - 2, -1, -1):
        quoted = headers[i + 1]
        usizes[i] = len(quoted) + usizes[i + 1]
        csizes[i] = 5 + len(quoted) + csizes[i + 1]
        crcs[i] = crc32_combine(zlib.crc32(quoted), crcs[i + 1], usizes[i + 1])
        headers[i] = local_header(names[i], METHOD_DEFLATE, crcs[i], csizes[i], usizes[i])
    out, offsets = bytearray(), []
    for i in range(n_files):
        offsets.append(len(out))
        out += headers[i]
        if i + 1 < n_files:  # non-final stored block quoting the next local header
            n = len(headers[i + 1])
            out += struct.pack("<BHH", 0, n, n ^ 0xFFFF)
    out += kernel
    cd_offset = len(out)
    central = b"".join(central_entry(names[i], METHOD_DEFLATE, crcs[i], csizes[i], usizes[i], offsets[i])
                       for i in range(n_files))
    return bytes(out + central + end_record(n_files, len(central), cd_offset))


def shared_header_zip(n_files: int = 1000, kernel_bytes: int = 8 << 20) -> bytes:
    """The simpler variant: every central-directory entry points at the same local file header."""
    kernel = zero_deflate(kernel_bytes, segment=kernel_bytes)
    crc = crc32_zeros(kernel_bytes)
    name = b"export.csv"
    out = local_header(name, METHOD_DEFLATE, crc, len(kernel), kernel_bytes) + kernel
    central = b"".join(central_entry(name, METHOD_DEFLATE, crc, len(kernel), kernel_bytes, 0) for _ in range(n_files))
    return out + central + end_record(n_files, len(central), len(out))


def recursive_zip(levels: int = 3, fanout: int = 16, leaf_bytes: int = 256 << 20) -> bytes:
    """42.zip style: ``levels`` nested zips of ``fanout`` members; leaves hold ``leaf_bytes`` zeros each."""
    leaf = zero_deflate(leaf_bytes)
    crc = crc32_zeros(leaf_bytes)
    current = raw_zip([(f"{i}.dat".encode(), METHOD_DEFLATE, leaf, crc, leaf_bytes) for i in range(fanout)])
    for level in range(1, levels):
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = comp.compress(current) + comp.flush()
        inner_crc = zlib.crc32(current)
        current = raw_zip([(f"lib_{level}_{i}.zip".encode(), METHOD_DEFLATE, data, inner_crc, len(current))
                           for i in range(fanout)])
    return current


# -- realistic payloads ----------------------------------------------------------------------------
_FAMILY = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU",
           "LEFÈVRE", "FRANÇOIS", "GARÇON", "HÉBERT"]
_GIVEN = ["Jean", "Marie", "Élodie", "François", "Hélène", "Loïc", "Chloé", "Noël", "Agnès", "Jérôme"]


def nir(rng: random.Random) -> str:
    """A NIR with a valid key (97 - N mod 97)."""
    sex = rng.choice("12")
    body = f"{sex}{rng.randint(30, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}" \
           f"{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    return body + f"{97 - int(body) % 97:02d}"


def patients_csv(rows: int, seed: int = 7) -> bytes:
    """A cp1252 ';'-separated patient export as French hospital software writes them."""
    rng = random.Random(seed)
    lines = ["IPP;NIR;NOM;PRENOM;DATE_NAISSANCE;SEXE;FINESS;DATE_ENTREE"]
    for i in range(rows):
        lines.append(f"{100000 + i};{nir(rng)};{rng.choice(_FAMILY)};{rng.choice(_GIVEN)};"
                     f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1930, 2020)};"
                     f"{rng.choice('MF')};290000017;2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def patients_sql(rows: int, seed: int = 11) -> bytes:
    """A MySQL dump of a patients table."""
    rng = random.Random(seed)
    out = ["-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)", "--", "-- Host: localhost    Database: dpi",
           "CREATE TABLE `patients` (`ipp` varchar(12), `nir` char(15), `nom` varchar(64), `prenom` varchar(64));",
           "LOCK TABLES `patients` WRITE;"]
    for i in range(rows):
        out.append(f"INSERT INTO `patients` VALUES ('{200000 + i}','{nir(rng)}','{rng.choice(_FAMILY)}',"
                   f"'{rng.choice(_GIVEN)}');")
    out.append("UNLOCK TABLES;")
    return ("\n".join(out) + "\n").encode("utf-8")


# -- the walker's pattern, for the tests -----------------------------------------------------------
def walk_tree(fmt: str, blob, *, name: str, bounds, budget, tmp_dir, passwords=(), depth: int = 0,
              out: list | None = None, sniff=None) -> list:
    """Recurse like engine.walker: iter_members, spool each readable file member, recurse into archives.

    Returns [(vpath, member, data-or-None, error-or-None)]; member-level BoundExceeded is recorded and the
    walk goes on, evidence-level ones propagate (as in the walker).
    """
    from workbench.engine.archives import detect_compressed_tar, iter_members
    from workbench.engine.blob import Blob
    from workbench.engine.bounds import BoundExceeded

    out = [] if out is None else out
    if fmt in ("gzip", "bzip2", "xz", "zstd") and detect_compressed_tar(fmt, blob):
        fmt = "tar"
    for m in iter_members(fmt, blob, name=name, bounds=bounds, budget=budget, passwords=passwords):
        vpath = f"{name}!/{m.name}"
        if m.entry_type != "file" or m.encrypted:
            out.append((vpath, m, None, None))
            continue
        try:
            with m.open() as stream:
                child = Blob.spool(stream, tmp_dir, memory_limit=32 << 20)
        except BoundExceeded as exc:
            if exc.evidence_level:
                raise
            out.append((vpath, m, None, exc))
            continue
        with child:
            out.append((vpath, m, child.head(1 << 20), None))
            kind = (sniff or _sniff_archive)(child.head(600))
            if kind and depth < bounds.max_depth:
                walk_tree(kind, child, name=vpath, bounds=bounds, budget=budget, tmp_dir=tmp_dir,
                          passwords=passwords, depth=depth + 1, out=out, sniff=sniff)
    return out


def _sniff_archive(head: bytes) -> str | None:
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if head[:6] == b"7z\xbc\xaf\x27\x1c":
        return "7z"
    if head[257:262] == b"ustar":
        return "tar"
    return {b"\x1f\x8b": "gzip", b"BZ": "bzip2", b"\xfd7": "xz", b"\x28\xb5": "zstd"}.get(head[:2])
