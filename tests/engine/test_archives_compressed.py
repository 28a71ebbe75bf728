"""Single-file compressors: gzip, bzip2, xz, zstd; names, multi-member streams, truncation, tar detection."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile

import pytest
import zstandard

from tests.engine.bombs import patients_sql, walk_tree
from workbench.engine.archives import ArchiveError, detect_compressed_tar, iter_members
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget

BOUNDS = Bounds()
COMPRESS = {
    "gzip": lambda d: gzip.compress(d, mtime=1710408600),
    "bzip2": bz2.compress,
    "xz": lzma.compress,
    "zstd": lambda d: zstandard.ZstdCompressor(level=3).compress(d),
}
SUFFIX = {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz", "zstd": ".zst"}


def _one(fmt: str, data: bytes, name: str):
    (m,) = iter_members(fmt, Blob.from_bytes(data), name=name, bounds=BOUNDS, budget=Budget(BOUNDS, len(data)))
    return m


@pytest.mark.parametrize("fmt", list(COMPRESS))
def test_roundtrip_and_names(tmp_path, fmt):
    sql = patients_sql(3000)
    data = COMPRESS[fmt](sql)
    m = _one(fmt, data, "export/a.sql" + SUFFIX[fmt])
    assert m.name == "a.sql"  # no name in the header (gzip.compress stores none): outer file name minus suffix
    assert m.entry_type == "file" and m.compressed_size == len(data)
    with m.open() as fh, Blob.spool(fh, tmp_path) as blob:
        assert bytes(blob.view()) == sql
    assert _one(fmt, data, "dump").name == "dump.out"
    assert not detect_compressed_tar(fmt, Blob.from_bytes(data))


def test_gzip_original_name_and_mtime():
    bio = io.BytesIO()
    with gzip.GzipFile(filename="patients_2024.sql", mode="wb", fileobj=bio, mtime=1710408600) as gz:
        gz.write(patients_sql(100))
    m = _one("gzip", bio.getvalue(), "backup.gz")
    assert m.name == "patients_2024.sql"
    assert m.mtime == "2024-03-14T09:30:00Z"
    assert m.size_claimed == len(patients_sql(100))


def test_multi_member_and_multi_frame():
    a, b = patients_sql(500), patients_sql(700, seed=3)
    for fmt in ("gzip", "bzip2", "xz", "zstd"):
        data = COMPRESS[fmt](a) + COMPRESS[fmt](b)
        with _one(fmt, data, "x").open() as fh:
            assert fh.read() == a + b, fmt


@pytest.mark.parametrize("fmt", list(COMPRESS))
def test_truncated_stream_raises(fmt):
    data = COMPRESS[fmt](patients_sql(3000))
    m = _one(fmt, data[: len(data) * 2 // 3], "cut" + SUFFIX[fmt])
    got = bytearray()
    with pytest.raises(ArchiveError), m.open() as fh:
        while chunk := fh.read(65536):
            got += chunk
    assert patients_sql(3000).startswith(bytes(got))


def test_garbage_is_an_archive_error():
    m = _one("gzip", b"\x1f\x8b\x08\x00" + b"\xff" * 100, "bad.gz")
    with pytest.raises(ArchiveError), m.open() as fh:
        fh.read()


@pytest.mark.parametrize("fmt", list(COMPRESS))
def test_compressed_tar_is_detected_and_walked_as_tar(tmp_path, fmt):
    sql = patients_sql(400)
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w") as tf:
        ti = tarfile.TarInfo("backup/dpi.sql")
        ti.size = len(sql)
        tf.addfile(ti, io.BytesIO(sql))
    data = COMPRESS[fmt](bio.getvalue())
    blob = Blob.from_bytes(data)
    assert detect_compressed_tar(fmt, blob)
    out = walk_tree(fmt, blob, name="a.tar" + SUFFIX[fmt], bounds=BOUNDS, budget=Budget(BOUNDS, len(data)),
                    tmp_dir=tmp_path)
    assert [(v, d) for v, _, d, _ in out] == [(f"a.tar{SUFFIX[fmt]}!/backup/dpi.sql", sql)]
