"""Tar handler: plain and compressed streams, special entries, hostile names, truncation."""

from __future__ import annotations

import io
import tarfile

import pytest
import zstandard

from tests.engine.bombs import patients_csv, patients_sql, walk_tree
from workbench.engine.archives import ArchiveError, detect_compressed_tar, iter_members
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Bounds, Budget

BOUNDS = Bounds()


def _tar(mode: str = "w", extra_special: bool = True) -> tuple[bytes, dict[str, bytes]]:
    files = {"export/patients.csv": patients_csv(2000), "export/dump.sql": patients_sql(1500),
             "../../etc/cron.d/x": b"* * * * * root id\n", "/abs/readme.txt": "Données de santé\n".encode()}
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode=mode, format=tarfile.PAX_FORMAT) as tf:
        d = tarfile.TarInfo("export")
        d.type, d.mtime = tarfile.DIRTYPE, 1710408600
        tf.addfile(d)
        for name, data in files.items():
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime = len(data), 1710408600
            tf.addfile(ti, io.BytesIO(data))
        if extra_special:
            for name, kind, target in [("link-passwd", tarfile.SYMTYPE, "/etc/passwd"),
                                       ("hard.csv", tarfile.LNKTYPE, "export/patients.csv"),
                                       ("dev/sda", tarfile.BLKTYPE, None), ("dev/tty", tarfile.CHRTYPE, None),
                                       ("pipe", tarfile.FIFOTYPE, None)]:
                ti = tarfile.TarInfo(name)
                ti.type = kind
                if target:
                    ti.linkname = target
                tf.addfile(ti)
    return bio.getvalue(), files


def _zstd(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(data)


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz", "zst"])
def test_every_compression_walks_the_same(tmp_path, mode):
    if mode == "zst":
        plain, files = _tar("w")
        data = _zstd(plain)
    else:
        data, files = _tar(mode)
    blob = Blob.from_bytes(data)
    outer_fmt = {"w": "tar", "w:gz": "gzip", "w:bz2": "bzip2", "w:xz": "xz", "zst": "zstd"}[mode]
    assert detect_compressed_tar(outer_fmt, blob)
    out = walk_tree("tar", blob, name="leak.tar", bounds=BOUNDS, budget=Budget(BOUNDS, len(data)), tmp_dir=tmp_path)
    got = {v.removeprefix("leak.tar!/"): (m, d) for v, m, d, _ in out}
    for name, content in files.items():
        assert got[name][1] == content
        assert got[name][0].mtime == "2024-03-14T09:30:00Z"
    assert got["export"][0].entry_type == "dir"
    assert (got["link-passwd"][0].entry_type, got["link-passwd"][0].link_target) == ("symlink", "/etc/passwd")
    assert (got["hard.csv"][0].entry_type, got["hard.csv"][0].link_target) == ("hardlink", "export/patients.csv")
    assert got["dev/sda"][0].entry_type == got["dev/tty"][0].entry_type == "device"
    assert got["pipe"][0].entry_type == "fifo"
    for special in ("link-passwd", "hard.csv", "dev/sda", "pipe"):
        with pytest.raises(ArchiveError):
            got[special][0].open()
    assert list(tmp_path.iterdir()) == []


def test_stream_member_not_readable_after_next():
    data, files = _tar("w:gz", extra_special=False)
    members = []
    for m in iter_members("tar", Blob.from_bytes(data), name="t.tgz", bounds=BOUNDS, budget=Budget(BOUNDS, len(data))):
        members.append(m)
    with pytest.raises(ArchiveError, match="no longer"):
        members[1].open()


def test_cp1252_names_from_windows_tools():
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.USTAR_FORMAT, encoding="cp1252") as tf:
        ti = tarfile.TarInfo("données_hôpital.csv")
        payload = patients_csv(5)
        ti.size = len(payload)
        tf.addfile(ti, io.BytesIO(payload))
    (m,) = iter_members("tar", Blob.from_bytes(bio.getvalue()), name="x.tar", bounds=BOUNDS, budget=Budget(BOUNDS))
    assert m.name == "données_hôpital.csv"


@pytest.mark.parametrize("mode", ["w", "w:gz", "zst"])
def test_truncated_tar_yields_then_raises(mode):
    plain, files = _tar("w", extra_special=False)
    if mode == "w":  # cut inside the second member's data
        cut = plain[: plain.find(files["export/dump.sql"][:200]) + 5000]
    else:  # cut the end of the compressed stream: the decompressor says it ended early
        data = _zstd(plain) if mode == "zst" else _tar(mode, extra_special=False)[0]
        cut = data[:-30]
    read = {}
    with pytest.raises(ArchiveError, match="truncated|corrupt|ended|unexpected"):
        for m in iter_members("tar", Blob.from_bytes(cut), name="cut.tar", bounds=BOUNDS, budget=Budget(BOUNDS)):
            if m.entry_type == "file":
                try:
                    with m.open() as fh:
                        read[m.name] = fh.read()
                except ArchiveError:
                    read[m.name] = None
    assert read["export/patients.csv"] == files["export/patients.csv"]


def test_plain_tar_cut_on_a_header_boundary():
    plain, files = _tar("w", extra_special=False)
    # cut right after the first member's data: tarfile alone would stop silently
    first_end = 512 * 2 + ((len(files["export/patients.csv"]) + 511) // 512) * 512
    cut = plain[:first_end + 100]
    with pytest.raises(ArchiveError, match="truncated"):
        for m in iter_members("tar", Blob.from_bytes(cut), name="cut.tar", bounds=BOUNDS, budget=Budget(BOUNDS)):
            if m.entry_type == "file":
                with m.open() as fh:
                    fh.read()


def test_too_many_members():
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w:gz") as tf:
        for i in range(300):
            ti = tarfile.TarInfo(f"msg/{i:05d}.hl7")
            body = b"MSH|^~\\&|DPI|CHU|%d\r" % i
            ti.size = len(body)
            tf.addfile(ti, io.BytesIO(body))
    small = Bounds(max_members=100)
    seen = 0
    with pytest.raises(BoundExceeded, match="too-many-members"):
        for _ in iter_members("tar", Blob.from_bytes(bio.getvalue()), name="m.tgz", bounds=small, budget=Budget(small)):
            seen += 1
    assert seen == 100


def test_not_a_tar():
    with pytest.raises(ArchiveError):
        list(iter_members("tar", Blob.from_bytes(patients_csv(50)), name="x.tar", bounds=BOUNDS, budget=Budget(BOUNDS)))
