"""Intake and re-verification hashing through the executors: the local pool and dask workers give the same
manifest and custody digests as hashing one file after the other, and both see a file changed afterwards.

A LocalCluster of 2 worker processes starts in about 3 s; it is shared by the module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from workbench.engine import evidence
from workbench.engine.dask_executor import DaskExecutor, PathMap
from workbench.engine.pipeline import run_scan

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    ex = DaskExecutor(None, 2, scratch_dir=str(tmp_path_factory.mktemp("dask")))
    yield ex
    ex.shutdown()


def _folder(root: Path) -> Path:
    ev = root / "seized"
    (ev / "sub" / "deeper").mkdir(parents=True)
    (ev / "a.csv").write_bytes(b"NOM;PRENOM\r\nMARTIN;Paul\r\n" * 5000)
    (ev / "empty.txt").write_bytes(b"")
    (ev / "sub" / "b.bin").write_bytes(bytes(range(256)) * 40_000)  # 10 MB: more than one read chunk
    for i in range(30):
        (ev / "sub" / "deeper" / f"n{i:02d}.txt").write_bytes(f"note {i}\n".encode() * (i + 1))
    return ev


def test_local_pool_and_dask_workers_give_the_manifest_of_the_sequential_intake(tmp_path, cluster):
    ev = _folder(tmp_path)
    here = evidence.take_in(ev)
    pool = evidence.take_in(ev, hasher=evidence.LocalHasher(2))
    remote = evidence.take_in(ev, hasher=cluster.hash_files)
    assert len(here.files) == 33
    for other in (pool, remote):
        assert (other.md5, other.sha1, other.sha256, other.size) == (here.md5, here.sha1, here.sha256, here.size)
        assert [(f.relpath, f.size, f.md5, f.sha1, f.sha256, f.mtime_ns) for f in other.files] == [
            (f.relpath, f.size, f.md5, f.sha1, f.sha256, f.mtime_ns) for f in here.files]
    assert here.sha256 == evidence.manifest_digests(here.files)[2]  # the manifest of old cases, unchanged


def test_a_modified_file_is_found_by_the_re_verification_of_both_executors(tmp_path, cluster):
    ev = _folder(tmp_path)
    taken = evidence.take_in(ev, hasher=cluster.hash_files)
    for hasher in (evidence.LocalHasher(2), cluster.hash_files):
        assert evidence.verify(taken, hasher=hasher).unchanged
    data = bytearray((ev / "sub" / "b.bin").read_bytes())
    data[5_000_000] ^= 1  # one bit, same size
    (ev / "sub" / "b.bin").write_bytes(bytes(data))
    (ev / "new.txt").write_bytes(b"x")
    for hasher in (None, evidence.LocalHasher(2), cluster.hash_files):
        v = evidence.verify(taken, hasher=hasher)
        assert not v.unchanged and v.changes == ["added: new.txt", "modified: sub/b.bin"]


def test_the_workers_read_the_bytes_through_their_own_path(tmp_path, tmp_path_factory):
    """With --path-map the workers open the evidence where they see it: a copy that differs from what this
    process sees is what they hash (so the digests came from the workers, not from here)."""
    ev = _folder(tmp_path)
    mirror = tmp_path / "mirror"
    shutil.copytree(ev, mirror)
    (mirror / "a.csv").write_bytes(b"not the same bytes")
    ex = DaskExecutor(None, 1, path_map=PathMap.parse([f"{ev}={mirror}"]),
                      scratch_dir=str(tmp_path_factory.mktemp("dask1")))
    try:
        taken = evidence.take_in(ev)
        v = evidence.verify(taken, hasher=ex.hash_files)
    finally:
        ex.shutdown()
    assert v.changes == ["modified: a.csv"]


def _custody(case: Path, action: str) -> list[dict]:
    rows = [json.loads(line) for line in (case / "custody.jsonl").read_text().splitlines()]
    return [json.loads(r["detail"]) for r in rows if r["action"] == action]


def test_a_scan_on_dask_records_the_digests_of_a_local_scan(tmp_path):
    ev = _folder(tmp_path)
    local = run_scan(tmp_path / "local", [ev], jobs=2, executor="local", bundled_rules=False)
    remote = run_scan(tmp_path / "dask", [ev], jobs=2, executor="dask", bundled_rules=False)
    assert local.completed and remote.completed
    assert [e["sha256"] for e in local.evidence] == [e["sha256"] for e in remote.evidence] == [
        evidence.take_in(ev).sha256]
    assert [e["unchanged"] for e in remote.evidence] == [True]
    strip = ("acquired_utc",)
    acquired = [{k: v for k, v in d.items() if k not in strip} for d in _custody(tmp_path / "local", "evidence-acquired")]
    assert acquired == [{k: v for k, v in d.items() if k not in strip}
                        for d in _custody(tmp_path / "dask", "evidence-acquired")]
    assert [d["unchanged"] for d in _custody(tmp_path / "dask", "evidence-verified")] == [True]
