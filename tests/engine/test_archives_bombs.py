"""Every bound against a REAL bomb: detected in seconds, with bounded memory."""

from __future__ import annotations

import io
import resource
import time
import tracemalloc
import zipfile

import py7zr
import pytest

from tests.engine import bombs
from workbench.engine.archives import iter_members
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Bounds, Budget

BOUNDS = Bounds()  # the real defaults
MEMORY_LIMIT = 300 * 2**20


class Measured:
    """Wall time, Python peak allocations and RSS growth of a block."""

    def __enter__(self):
        self.rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        tracemalloc.start()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.t0
        self.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        self.rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - self.rss0
        return False

    def check(self):
        assert self.elapsed < 10, f"took {self.elapsed:.1f} s"
        assert self.peak < MEMORY_LIMIT, f"Python peak {self.peak / 2**20:.0f} MiB"
        assert self.rss_growth < MEMORY_LIMIT, f"RSS grew {self.rss_growth / 2**20:.0f} MiB"


def test_fifield_overlap_bomb_is_real():
    small = bombs.fifield_overlap_zip(n_files=40, kernel_bytes=1 << 20)
    zf = zipfile.ZipFile(io.BytesIO(small))  # Python 3.11.7: no overlap check, every entry decompresses
    assert sum(len(zf.read(zi)) for zi in zf.infolist()) == sum(zi.file_size for zi in zf.infolist()) > 40 << 20


@pytest.mark.parametrize("builder", [bombs.fifield_overlap_zip, bombs.shared_header_zip])
def test_overlapping_zip_bomb_refused_before_any_member(builder):
    data = builder()
    claimed = sum(zi.file_size for zi in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert claimed > 4 * 2**30 and len(data) < 2**20
    blob = Blob.from_bytes(data)
    yielded = []
    with Measured() as m, pytest.raises(BoundExceeded) as info:
        for member in iter_members("zip", blob, name="bomb.zip", bounds=BOUNDS, budget=Budget(BOUNDS, len(data))):
            yielded.append(member)
    m.check()
    assert info.value.rule == "archive-bomb"
    assert "overlap" in info.value.detail or "share" in info.value.detail
    assert yielded == []


def test_recursive_42_style_bomb(tmp_path):
    data = bombs.recursive_zip(levels=3, fanout=16, leaf_bytes=256 << 20)  # 16**3 x 256 MiB = 1 TiB
    assert len(data) < 2**20
    with Measured() as m, pytest.raises(BoundExceeded) as info:
        bombs.walk_tree("zip", Blob.from_bytes(data), name="42.zip", bounds=BOUNDS,
                        budget=Budget(BOUNDS, len(data)), tmp_dir=tmp_path)
    m.check()
    assert info.value.rule == "archive-bomb" and info.value.evidence_level
    assert list(tmp_path.iterdir()) == []


def test_leaf_member_ratio_without_evidence_budget(tmp_path):
    """Each leaf trips its own ratio; with a generous evidence budget the walk goes on to the next ones."""
    data = bombs.recursive_zip(levels=1, fanout=3, leaf_bytes=256 << 20)
    with Measured() as m:
        out = bombs.walk_tree("zip", Blob.from_bytes(data), name="leaf.zip", bounds=BOUNDS,
                              budget=Budget(BOUNDS, None), tmp_dir=tmp_path)
    m.check()
    assert [e.rule for _, _, _, e in out] == ["archive-bomb"] * 3


def test_gzip_of_10_gb_of_zeros(tmp_path):
    path = tmp_path / "backup.sql.gz"
    size = bombs.write_gzip_zeros(path, 10 * 10**9)
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    with Blob.from_path(path) as blob, Measured() as m:
        (member,) = iter_members("gzip", blob, name="backup.sql.gz", bounds=BOUNDS, budget=Budget(BOUNDS, size))
        assert member.name == "zeros.bin"
        with pytest.raises(BoundExceeded) as info, member.open() as stream:
            Blob.spool(stream, spool_dir, memory_limit=32 << 20)
    m.check()
    assert info.value.rule == "archive-bomb"
    assert list(spool_dir.iterdir()) == []


def test_gzip_member_too_large_and_evidence_budget(tmp_path):
    path = tmp_path / "z.gz"
    size = bombs.write_gzip_zeros(path, 64 << 20)
    no_ratio = Bounds(max_ratio=1e9, max_member_bytes=40 << 20)
    with Blob.from_path(path) as blob:
        (member,) = iter_members("gzip", blob, name="z.gz", bounds=no_ratio, budget=Budget(no_ratio, size))
        with pytest.raises(BoundExceeded, match="member-too-large"), member.open() as fh:
            while fh.read(1 << 20):
                pass
        tight = Bounds(max_ratio=1e9, max_evidence_bytes=20 << 20)
        (member,) = iter_members("gzip", blob, name="z.gz", bounds=tight, budget=Budget(tight, size))
        with pytest.raises(BoundExceeded) as info, member.open() as fh:
            while fh.read(1 << 20):
                pass
        assert info.value.rule == "evidence-too-large" and info.value.evidence_level


def test_tar_gz_bomb_member(tmp_path):
    """A tar.gz whose member is 10 GiB of zeros: the running ratio of the stream trips."""
    import gzip
    import tarfile

    small = bombs.tar_gz_zeros(32 << 20)  # the builder makes real tar.gz files
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(small))) as tf:
        assert [(ti.name, ti.size) for ti in tf.getmembers()] == [("dump.sql", 32 << 20)]
    data = bombs.tar_gz_zeros(10 << 30)
    with Measured() as m, pytest.raises(BoundExceeded) as info:
        bombs.walk_tree("tar", Blob.from_bytes(data), name="b.tar.gz", bounds=BOUNDS, budget=Budget(BOUNDS, None),
                        tmp_dir=tmp_path)
    m.check()
    assert info.value.rule == "archive-bomb"


def test_7z_bomb(tmp_path):
    bio = io.BytesIO()
    with py7zr.SevenZipFile(bio, "w", filters=[{"id": py7zr.FILTER_LZMA2, "preset": 1}]) as szf:
        szf.writestr(bytes(160 << 20), "zeros.bin")
        szf.writestr(bombs.patients_csv(100), "after.csv")
    data = bio.getvalue()
    assert len(data) < 1 << 20
    with Measured() as m, pytest.raises(BoundExceeded) as info:
        bombs.walk_tree("7z", Blob.from_bytes(data), name="b.7z", bounds=BOUNDS, budget=Budget(BOUNDS, None),
                        tmp_dir=tmp_path)
    m.check()
    assert info.value.rule == "archive-bomb"
