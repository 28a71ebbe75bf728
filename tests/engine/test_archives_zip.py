"""Zip handler: members, Zip64, ZipCrypto passwords, hostile names, truncation, CRC errors."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
import zlib

import pytest

from tests.engine.bombs import patients_csv, patients_sql, raw_zip, walk_tree
from workbench.engine.archives import ArchiveError, iter_members
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Bounds, Budget

BOUNDS = Bounds()


def _members(data: bytes, *, bounds: Bounds = BOUNDS, passwords=()):
    return list(iter_members("zip", Blob.from_bytes(data), name="dump.zip", bounds=bounds,
                             budget=Budget(bounds, len(data)), passwords=passwords))


def _read(member) -> bytes:
    with member.open() as fh:
        return fh.read()


def _zip(entries: dict[str, bytes], **kw) -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data, **kw)
    return bio.getvalue()


def test_members_read_back_and_nested_archive(tmp_path):
    csv, sql = patients_csv(3000), patients_sql(2000)
    inner = _zip({"export/patients.csv": csv})
    outer = _zip({"a.sql": sql, "nested/inner.zip": inner, "empty/": b""})
    out = walk_tree("zip", Blob.from_bytes(outer), name="dump.zip", bounds=BOUNDS, budget=Budget(BOUNDS, len(outer)),
                    tmp_dir=tmp_path)
    got = {vpath: (m.entry_type, data) for vpath, m, data, _ in out}
    assert got["dump.zip!/a.sql"] == ("file", sql)
    assert got["dump.zip!/empty/"][0] == "dir"
    assert got["dump.zip!/nested/inner.zip!/export/patients.csv"] == ("file", csv)
    m = next(m for v, m, _, _ in out if v == "dump.zip!/a.sql")
    assert m.size_claimed == len(sql) and 0 < m.compressed_size < len(sql)
    assert m.mtime and m.mtime[:4].isdigit()
    assert list(tmp_path.iterdir()) == []


def test_hostile_names_are_labels_only(tmp_path):
    names = ["../../etc/passwd", "/abs/root.csv", "C:\\Windows\\evil.bat", "dir\\sub\\x.csv", "nul\x00byte.csv"]
    data = raw_zip([(n.encode(), 0, b"root:x:0:0\n", zlib.crc32(b"root:x:0:0\n"), 11) for n in names])
    got = [m.name for m in _members(data)]
    assert got[:4] == names[:4]
    assert got[4] == "nul\ufffdbyte.csv"  # zipfile would cut at the NUL: we keep the whole stored name
    assert all(_read(m) == b"root:x:0:0\n" for m in _members(data))
    assert list(tmp_path.iterdir()) == []


def test_zip64_forced_members():
    sql = patients_sql(500)
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression=zipfile.ZIP_DEFLATED) as zf, \
            zf.open("big.sql", "w", force_zip64=True) as fh:
        fh.write(sql)
    data = bio.getvalue()
    assert b"\x01\x00\x10\x00" in data  # zip64 extra field in the local header
    (m,) = _members(data)
    assert _read(m) == sql


def test_zip64_end_of_directory_more_than_65535_members(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for i in range(65_600):
            zf.writestr(f"r/{i:06d}.hl7", b"MSH|^~\\&|DPI|CHU|%d\r" % i)
    raw = path.read_bytes()
    assert b"PK\x06\x06" in raw[-200:]  # zip64 end of central directory record
    with Blob.from_path(path) as blob:
        members = list(iter_members("zip", blob, name="many.zip", bounds=BOUNDS, budget=Budget(BOUNDS, blob.size)))
        assert len(members) == 65_600
        assert _read(members[-1]) == b"MSH|^~\\&|DPI|CHU|65599\r"
        small = Bounds(max_members=1000)
        seen = []
        with pytest.raises(BoundExceeded) as info:
            for m in iter_members("zip", blob, name="many.zip", bounds=small, budget=Budget(small, blob.size)):
                seen.append(m.name)
        assert info.value.rule == "too-many-members" and len(seen) == 1000


# -- ZipCrypto (traditional PKWARE encryption, APPNOTE 6.1) ----------------------------------------
def _zipcrypto_encrypt(password: bytes, plain: bytes, check_byte: int) -> bytes:
    def crc_byte(crc: int, b: int) -> int:
        return zlib.crc32(bytes([b]), crc ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    k = [0x12345678, 0x23456789, 0x34567890]

    def update(c: int) -> None:
        k[0] = crc_byte(k[0], c)
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = crc_byte(k[2], k[1] >> 24)

    for c in password:
        update(c)
    header = bytes(range(11)) + bytes([check_byte])
    out = bytearray()
    for p in header + plain:
        t = (k[2] | 2) & 0xFFFF
        out.append(p ^ (((t * (t ^ 1)) >> 8) & 0xFF))
        update(p)
    return bytes(out)


def _encrypted_zip(name: str, data: bytes, password: bytes) -> bytes:
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = comp.compress(data) + comp.flush()
    crc = zlib.crc32(data)
    body = _zipcrypto_encrypt(password, deflated, crc >> 24)
    fname = name.encode()
    local = struct.pack("<4s5HL2L2H", b"PK\x03\x04", 20, 1, 8, 0, 0x5821, crc, len(body), len(data), len(fname), 0)
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 1, 8, 0, 0x5821, crc, len(body), len(data),
                          len(fname), 0, 0, 0, 0, 0, 0) + fname
    out = local + fname + body
    return out + central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(out), 0)


@pytest.mark.parametrize("builder", ["python", "zip-cli"])
def test_encrypted_member_with_and_without_password(tmp_path, builder):
    csv = patients_csv(800)
    if builder == "python":
        data = _encrypted_zip("patients.csv", csv, b"Ch@ngeMe2024")
        assert zipfile.ZipFile(io.BytesIO(data)).read("patients.csv", pwd=b"Ch@ngeMe2024") == csv  # sanity
    else:
        if shutil.which("zip") is None:
            pytest.skip("zip CLI not installed")
        (tmp_path / "patients.csv").write_bytes(csv)
        subprocess.run(["zip", "-q", "-P", "Ch@ngeMe2024", "leak.zip", "patients.csv"], cwd=tmp_path, check=True)
        data = (tmp_path / "leak.zip").read_bytes()
    (m,) = _members(data)
    assert m.encrypted and m.entry_type == "file"
    with pytest.raises(ArchiveError, match="encrypted"):
        m.open()
    (m,) = _members(data, passwords=[b"wrong", b"hopital", b"Ch@ngeMe2024"])
    assert not m.encrypted and m.decrypted
    assert _read(m) == csv


def test_corrupt_crc_fails_that_member_only():
    csv = patients_csv(300)
    data = bytearray(_zip({"a.csv": csv, "b.csv": csv}, compress_type=zipfile.ZIP_STORED))
    pos = data.find(b"100005;")  # inside the first member's stored bytes
    data[pos] ^= 0x01
    a, b = _members(bytes(data))
    with pytest.raises(ArchiveError, match="CRC"):
        _read(a)
    assert _read(b) == csv


def test_truncated_zip_recovers_local_entries():
    csv, sql = patients_csv(400), patients_sql(400)
    data = _zip({"a.csv": csv, "b.sql": sql, "c.csv": csv})
    cut = data[: data.find(b"PK\x03\x04", data.find(b"b.sql")) + 40]  # central directory lost, c.csv cut
    blob = Blob.from_bytes(cut)
    got = []
    with pytest.raises(ArchiveError, match="truncated zip"):
        for m in iter_members("zip", blob, name="cut.zip", bounds=BOUNDS, budget=Budget(BOUNDS, blob.size)):
            try:
                got.append((m.name, _read(m)))
            except ArchiveError as exc:
                got.append((m.name, exc))
    assert got[0] == ("a.csv", csv) and got[1] == ("b.sql", sql)
    assert got[2][0] == "c.csv" and isinstance(got[2][1], ArchiveError)


def test_not_a_zip():
    with pytest.raises(ArchiveError):
        _members(b"PK\x05\x06" + b"\x00" * 10)
    with pytest.raises(ArchiveError):
        _members(patients_csv(10))
