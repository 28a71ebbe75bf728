import hashlib
import os
import stat

import pytest

from workbench.engine import evidence


def _write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_file_digests_match_hashlib_in_one_read(tmp_path):
    data = os.urandom(3 * evidence.CHUNK + 12345)  # several chunks and a tail
    f = _write(tmp_path / "dump.bin", data)
    ev = evidence.take_in(f)
    assert ev.size == len(data)
    assert ev.md5 == hashlib.md5(data).hexdigest()
    assert ev.sha1 == hashlib.sha1(data).hexdigest()
    assert ev.sha256 == hashlib.sha256(data).hexdigest()
    assert ev.acquired_utc.endswith("Z")


def test_empty_file(tmp_path):
    ev = evidence.take_in(_write(tmp_path / "empty.csv", b""))
    assert ev.size == 0 and ev.sha256 == hashlib.sha256(b"").hexdigest()


def test_intake_does_not_modify_evidence_or_its_times(tmp_path):
    f = _write(tmp_path / "dump.sql", b"INSERT INTO patients VALUES ('1850578006084');\n" * 1000)
    os.utime(f, ns=(1_600_000_000_000_000_000, 1_500_000_000_000_000_000))
    f.chmod(stat.S_IRUSR)
    before = f.stat()
    ev = evidence.take_in(f)
    evidence.verify(ev)
    after = f.stat()
    assert (after.st_mtime_ns, after.st_atime_ns, after.st_size) == (before.st_mtime_ns, before.st_atime_ns,
                                                                      before.st_size)


def test_folder_evidence_manifest_and_verification(tmp_path):
    root = tmp_path / "seized"
    _write(root / "a" / "patients.csv", "NOM;PRENOM\nLE GALL;Yann\n".encode("cp1252"))
    _write(root / "b.hl7", b"MSH|^~\\&|APP|CHU\r")
    (root / "link").symlink_to(root / "b.hl7")  # never followed
    ev = evidence.take_in(root)
    assert ev.is_dir and [f.relpath for f in ev.files] == ["a/patients.csv", "b.hl7"]
    assert ev.size == sum(f.size for f in ev.files)
    assert evidence.verify(ev).unchanged

    (root / "a" / "patients.csv").write_bytes(b"tampered")
    _write(root / "new.txt", b"x")
    v = evidence.verify(ev)
    assert not v.unchanged
    assert "modified: a/patients.csv" in v.changes and "added: new.txt" in v.changes


def test_missing_evidence(tmp_path):
    with pytest.raises(FileNotFoundError):
        evidence.take_in(tmp_path / "nope.zip")


@pytest.mark.parametrize("jobs", [None, 1, 2])
def test_verify_compares_sha256_alone_and_still_sees_a_same_size_change(tmp_path, monkeypatch, jobs):
    """The check at the end of a scan reads each file for SHA-256 only (MD5 and SHA-1 were computed and thrown
    away: 0.40 s against 0.09 s per 50 MB); a change that keeps the size is still seen."""
    root = tmp_path / "seized"
    big = os.urandom(2 * evidence.CHUNK + 777)  # several chunks and a tail
    _write(root / "dump.sql", big)
    _write(root / "patients.csv", b"NOM;PRENOM\nLE GALL;Yann\n")
    ev = evidence.take_in(root)
    assert evidence.sha256_file(root / "dump.sql") == (len(big), hashlib.sha256(big).hexdigest())

    def three_digests(*_a, **_k):
        raise AssertionError("verify computed MD5 and SHA-1 it never compares")

    monkeypatch.setattr(evidence, "hash_file", three_digests)
    monkeypatch.setattr(evidence, "hash_batch", three_digests)
    hasher = None if jobs is None else evidence.LocalHasher(jobs)
    assert evidence.verify(ev, hasher=hasher).unchanged
    _write(root / "dump.sql", big[:-1] + bytes([big[-1] ^ 1]))  # same size, one bit flipped in the tail
    v = evidence.verify(ev, hasher=hasher)
    assert not v.unchanged and v.changes == ["modified: dump.sql"]
