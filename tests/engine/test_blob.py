"""Blob: mmap of evidence files, spooling with hashing, memory or anonymous temp file."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from tests.engine.bombs import patients_csv
from workbench.engine.blob import Blob


def test_from_path_maps_read_only_and_leaves_file_untouched(tmp_path):
    data = patients_csv(2000)
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    before = os.stat(path)
    with Blob.from_path(path) as blob:
        assert blob.size == len(data)
        assert blob.head(3) == b"IPP"
        assert bytes(blob.view()) == data
        with pytest.raises(TypeError):
            blob.view()[0] = 0  # read-only
        fh = blob.open()
        fh.seek(-10, io.SEEK_END)
        assert fh.read() == data[-10:]
        assert blob.sha256 is None
    after = os.stat(path)
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
    assert path.read_bytes() == data


def test_empty_file_and_special_files(tmp_path):
    empty = tmp_path / "empty.sql"
    empty.touch()
    with Blob.from_path(empty) as blob:
        assert blob.size == 0 and blob.head() == b"" and bytes(blob.view()) == b""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        Blob.from_path(fifo)  # must not block waiting for a writer
    with pytest.raises(ValueError):
        Blob.from_path(tmp_path)


def test_spool_small_stays_in_memory_and_hashes(tmp_path):
    data = patients_csv(500)
    with Blob.spool(io.BytesIO(data), tmp_path, memory_limit=1 << 20) as blob:
        assert blob.size == len(data)
        assert blob.sha256 == hashlib.sha256(data).hexdigest()
        assert bytes(blob.view()) == data
        assert "memory" in repr(blob)
    assert list(tmp_path.iterdir()) == []


def test_spool_large_goes_to_anonymous_temp_file(tmp_path):
    data = patients_csv(40000)  # ~2.8 MB
    assert len(data) > 1 << 20
    blob = Blob.spool(io.BytesIO(data), tmp_path, memory_limit=256 << 10, chunk_size=64 << 10)
    try:
        assert "mmap" in repr(blob)
        assert blob.sha256 == hashlib.sha256(data).hexdigest()
        assert bytes(blob.view()) == data
        assert blob.open().read() == data
        # anonymous: nothing named in the folder, ever (O_TMPFILE or unlinked at once)
        assert list(tmp_path.iterdir()) == []
    finally:
        blob.close()
    blob.close()  # idempotent
    with pytest.raises(ValueError):
        blob.view()


def test_spool_error_leaves_nothing(tmp_path):
    class Broken(io.RawIOBase):
        def __init__(self):
            self.n = 0

        def readable(self):
            return True

        def readinto(self, b):
            self.n += 1
            if self.n > 5:
                raise OSError("device vanished")
            b[:len(b)] = bytes(len(b))
            return len(b)

    with pytest.raises(OSError, match="vanished"):
        Blob.spool(Broken(), tmp_path, memory_limit=1 << 20, chunk_size=512 << 10)
    assert list(tmp_path.iterdir()) == []


def test_close_with_view_still_alive(tmp_path):
    with Blob.spool(io.BytesIO(bytes(3 << 20)), tmp_path, memory_limit=1 << 20) as blob:
        view = blob.view()
    assert len(view) == 3 << 20  # still readable: the mapping goes away with the last view
    view.release()


def test_from_bytes_hashes():
    data = b"MSH|^~\\&|DPI|CHU|..."
    blob = Blob.from_bytes(data)
    assert blob.sha256 == hashlib.sha256(data).hexdigest() and len(blob) == len(data)
