"""7z handler: in-memory streaming extraction, solid archives, passwords, hostile names, truncation."""

from __future__ import annotations

import io
import os
import struct
import threading
import zlib

import py7zr
import pytest

from tests.engine.bombs import patients_csv, patients_sql, walk_tree
from workbench.engine.archives import ArchiveError, iter_members
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget

BOUNDS = Bounds()


def _7z(entries: dict[str, bytes], *, password: str | None = None, header_encryption: bool = False,
        encoded_header: bool = True, dirs: tuple[str, ...] = ()) -> bytes:
    bio = io.BytesIO()
    with py7zr.SevenZipFile(bio, "w", password=password, header_encryption=header_encryption) as szf:
        if not encoded_header:
            szf.set_encoded_header_mode(False)
        for name, data in entries.items():
            szf.writestr(data, name)
    return bio.getvalue()


def _walk(data: bytes, tmp_path, passwords=()):
    return walk_tree("7z", Blob.from_bytes(data), name="leak.7z", bounds=BOUNDS, budget=Budget(BOUNDS, len(data)),
                     tmp_dir=tmp_path, passwords=passwords)


def test_solid_archive_members_nested_and_empty(tmp_path):
    csv, sql = patients_csv(3000), patients_sql(3000)
    inner = _7z({"inner/patients.csv": csv})
    data = _7z({"a.sql": sql, "empty.txt": b"", "nested.7z": inner, "b.csv": csv})
    out = _walk(data, tmp_path)
    got = {v: d for v, _, d, _ in out}
    assert got["leak.7z!/a.sql"] == sql and got["leak.7z!/b.csv"] == csv and got["leak.7z!/empty.txt"] == b""
    assert got["leak.7z!/nested.7z!/inner/patients.csv"] == csv
    m = next(m for v, m, _, _ in out if v == "leak.7z!/a.sql")
    assert m.size_claimed == len(sql) and m.mtime is None or m.mtime.endswith("Z")
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "7z-extract"]  # producer threads are gone


def test_directories_and_symlinks(tmp_path):
    src = tmp_path / "src"
    (src / "export").mkdir(parents=True)
    (src / "export" / "a.csv").write_bytes(patients_csv(10))
    os.symlink("/etc/shadow", src / "shadow")
    bio = io.BytesIO()
    with py7zr.SevenZipFile(bio, "w") as szf:
        szf.write(src / "export", "export")
        szf.write(src / "export" / "a.csv", "export/a.csv")
        szf.write(src / "shadow", "shadow")
    work = tmp_path / "work"
    work.mkdir()
    out = {v: m for v, m, _, _ in _walk(bio.getvalue(), work)}
    assert out["leak.7z!/export"].entry_type == "dir"
    assert out["leak.7z!/export/a.csv"].entry_type == "file"
    assert (out["leak.7z!/shadow"].entry_type, out["leak.7z!/shadow"].link_target) == ("symlink", "/etc/shadow")
    with pytest.raises(ArchiveError):
        out["leak.7z!/shadow"].open()
    assert list(work.iterdir()) == []


def _with_plain_header_names(data: bytes, old: str, new: str) -> bytes:
    """Rename a member in a 7z with an unencoded header, fixing the header CRCs (py7zr refuses to write ../)."""
    raw = bytearray(data)
    a, b = old.encode("utf-16-le"), new.encode("utf-16-le")
    assert len(a) == len(b) and raw.count(a) == 1
    pos = raw.find(a)
    raw[pos:pos + len(a)] = b
    next_off, next_size = struct.unpack_from("<QQ", raw, 12)
    header = raw[32 + next_off:32 + next_off + next_size]
    struct.pack_into("<I", raw, 28, zlib.crc32(header))
    struct.pack_into("<I", raw, 8, zlib.crc32(raw[12:32]))
    return bytes(raw)


def test_hostile_names_stay_labels(tmp_path):
    data = _7z({"xx/xx/etc/passwd": b"root:x:0:0\n", "ok.csv": patients_csv(5)}, encoded_header=False)
    data = _with_plain_header_names(data, "xx/xx/etc/passwd", "../../etc/passwd")
    work = tmp_path / "work"
    work.mkdir()
    out = {v: d for v, _, d, _ in _walk(data, work)}
    assert out["leak.7z!/../../etc/passwd"] == b"root:x:0:0\n"
    assert list(work.iterdir()) == [] and not (tmp_path / "etc").exists()


def test_encrypted_members_and_headers(tmp_path):
    csv = patients_csv(500)
    data = _7z({"patients.csv": csv}, password="Secr3t!")
    (m,) = list(iter_members("7z", Blob.from_bytes(data), name="e.7z", bounds=BOUNDS, budget=Budget(BOUNDS)))
    assert m.encrypted and m.name == "patients.csv"
    with pytest.raises(ArchiveError, match="encrypted"):
        m.open()
    out = _walk(data, tmp_path, passwords=[b"nope", b"Secr3t!"])
    assert [(v, d, m.decrypted) for v, m, d, _ in out] == [("leak.7z!/patients.csv", csv, True)]
    hidden = _7z({"patients.csv": csv}, password="Secr3t!", header_encryption=True)
    with pytest.raises(ArchiveError, match="encrypted"):
        list(iter_members("7z", Blob.from_bytes(hidden), name="h.7z", bounds=BOUNDS, budget=Budget(BOUNDS),
                          passwords=[b"wrong"]))
    assert [d for _, _, d, _ in _walk(hidden, tmp_path, passwords=[b"Secr3t!"])] == [csv]


def test_truncated_and_corrupt(tmp_path):
    data = _7z({"a.sql": patients_sql(2000), "b.csv": patients_csv(2000)})
    with pytest.raises(ArchiveError):
        list(iter_members("7z", Blob.from_bytes(data[: len(data) // 2]), name="cut.7z", bounds=BOUNDS,
                          budget=Budget(BOUNDS)))
    # packed data damaged, headers intact: the damaged member fails, then the archive says why
    bad = bytearray(data)
    bad[40] ^= 0xFF
    with pytest.raises(ArchiveError):
        _walk(bytes(bad), tmp_path)
    assert not [t for t in threading.enumerate() if t.name == "7z-extract"]


def test_abandoned_iteration_stops_the_thread():
    data = _7z({f"{i}.csv": patients_csv(2000, seed=i) for i in range(5)})
    gen = iter_members("7z", Blob.from_bytes(data), name="x.7z", bounds=BOUNDS, budget=Budget(BOUNDS))
    first = next(gen)
    with first.open() as fh:
        assert fh.read(10) == b"IPP;NIR;NO"
    gen.close()
    assert not [t for t in threading.enumerate() if t.name == "7z-extract"]
