"""WinZip AES members (issue 12): written by pyzipper the way 7-Zip/WinZip write them, read with a password list.

An AES member without a password of the list stays what it was before: an encrypted member, a finding
"encrypted, not scanned". The passwords never appear in the case folder or on the console.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import pyzipper

from tests.casesql import case_sql
from tests.engine.bombs import patients_csv
from workbench.engine.archives import ArchiveError, iter_members
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Hôpital-2024!".encode()  # UTF-8, as 7-Zip encodes a non-ASCII password for AES


def aes_zip(entries: dict[str, bytes], password: bytes = PASSWORD, *, bits: int = 256, version: int | None = None,
            plain: dict[str, bytes] | None = None) -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression=zipfile.ZIP_DEFLATED) as zf:  # members left in clear first
        for name, data in (plain or {}).items():
            zf.writestr(name, data)
    with pyzipper.AESZipFile(bio, "a", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password)
        zf.setencryption(pyzipper.WZ_AES, nbits=bits, **({"force_wz_aes_version": version} if version else {}))
        for name, data in entries.items():
            zf.writestr(name, data)
    return bio.getvalue()


def members(data: bytes, passwords=()):
    bounds = Bounds()
    return list(iter_members("zip", Blob.from_bytes(data), name="leak.zip", bounds=bounds,
                             budget=Budget(bounds, len(data)), passwords=passwords))


def read(member) -> bytes:
    with member.open() as fh:
        return fh.read()


@pytest.mark.parametrize(("bits", "version"), [(256, None), (128, None), (256, 1), (192, 2)])
def test_aes_member_read_with_the_right_password(bits: int, version: int | None) -> None:
    csv = patients_csv(2000)
    data = aes_zip({"export/patients.csv": csv}, bits=bits, version=version, plain={"LISEZMOI.txt": b"bonjour\n"})
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("export/patients.csv").compress_type == 99  # WinZip AES
    (readme, m) = members(data, passwords=[b"wrong", b"hopital", PASSWORD])
    assert (m.name, m.encrypted, m.decrypted) == ("export/patients.csv", False, True)
    assert read(m) == csv and read(readme) == b"bonjour\n"


def test_aes_member_without_the_password_stays_encrypted() -> None:
    data = aes_zip({"patients.csv": patients_csv(50)})
    for passwords in ((), (b"wrong", b"Hopital-2024!", "Hôpital-2024!".encode("latin-1"))):
        (m,) = members(data, passwords=passwords)
        assert m.encrypted and m.size_claimed > 0
        with pytest.raises(ArchiveError, match="WinZip AES"):
            m.open()


def test_tampered_ciphertext_fails_its_member_only() -> None:
    big, small = patients_csv(20_000), patients_csv(50)
    data = bytearray(aes_zip({"a.csv": big, "b.csv": small}))
    second = data.index(b"PK\x03\x04", 4)
    data[second - 20] ^= 0xFF  # near the end of a.csv's encrypted data: its HMAC-SHA1 no longer matches
    a, b = members(bytes(data), passwords=[PASSWORD])
    assert not a.encrypted  # the verifier and the first 64 KiB pass: the damage shows at the end
    with pytest.raises(ArchiveError):
        read(a)
    assert read(b) == small
    data = bytearray(aes_zip({"a.csv": small, "b.csv": small}))
    data[data.index(b"PK\x03\x04", 4) - 20] ^= 0xFF  # a short member is read to its end by the probe itself
    a, b = members(bytes(data), passwords=[PASSWORD])
    assert a.encrypted and read(b) == small


def _balise(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=600)


def test_scan_with_a_password_file(tmp_path: Path) -> None:
    csv = patients_csv(400)
    leak = tmp_path / "leak.zip"
    leak.write_bytes(aes_zip({"patients.csv": csv}, plain={"note.txt": b"mot de passe dans le mail\n"}))
    pw_file = tmp_path / "passwords.txt"
    pw_file.write_bytes(b"azerty\r\n\r\n" + PASSWORD + b"\r\nsoleil\n")

    locked = _balise("scan", str(leak), "--case", str(tmp_path / "locked"), "--jobs", "1", "--no-bundled-rules",
                     cwd=tmp_path)
    assert locked.returncode == 0, locked.stderr
    db = case_sql(tmp_path / "locked")
    assert db.execute("SELECT status, kind FROM items WHERE vpath LIKE '%patients.csv'").fetchone() == (
        "encrypted", "encrypted")
    assert db.execute("SELECT COUNT(*) FROM findings WHERE rule = 'encrypted'").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM identifiers WHERE type = 'nir'").fetchone()[0] == 0

    opened = _balise("scan", str(leak), "--case", str(tmp_path / "opened"), "--jobs", "1", "--no-bundled-rules",
                     "--password-file", str(pw_file), cwd=tmp_path)
    assert opened.returncode == 0, opened.stderr
    db = case_sql(tmp_path / "opened")
    assert db.execute("SELECT status FROM items WHERE vpath LIKE '%patients.csv'").fetchone()[0] == "done"
    assert db.execute("SELECT COUNT(*) FROM findings WHERE rule = 'encrypted'").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(DISTINCT value) FROM identifiers WHERE type = 'nir'").fetchone()[0] > 300
    assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 400

    secrets = [PASSWORD, PASSWORD.decode().encode("utf-16-le"), b"azerty", b"soleil"]
    for path in (tmp_path / "opened").rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert not any(s in blob for s in secrets), path
    for out in (opened.stdout, opened.stderr):
        assert PASSWORD.decode() not in out and "azerty" not in out
