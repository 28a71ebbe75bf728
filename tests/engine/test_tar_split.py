"""A big tar or tar.gz becomes one task per member and gives the case one task over the whole archive gives.

The archives are written with tarfile the way GNU tar writes them (ustar headers, folders as their own entries,
gzip at level 6); a member holds a CSV of patients that the record parser reads.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from tests.casesql import case_sql
from workbench.engine import pipeline, tar_split
from workbench.engine.bounds import Bounds
from workbench.engine.pipeline import run_scan

pytestmark = pytest.mark.slow


def _csv(i: int, rows: int) -> bytes:
    lines = ["NOM;PRENOM;DATE_NAISSANCE;TEL"]
    lines += [f"LE GALL{i};Yann{r};1970-01-{r % 28 + 1:02d};06 12 {i % 100:02d} {r // 100 % 100:02d} {r % 100:02d}"
              for r in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _tar(path: Path, members: int = 12, rows: int = 60_000, gz: bool = True) -> Path:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tf:
        d = tarfile.TarInfo("export")
        d.type, d.mode = tarfile.DIRTYPE, 0o755
        tf.addfile(d)
        for i in range(members):
            data = _csv(i, rows)
            ti = tarfile.TarInfo(f"export/patients_{i:02d}.csv")
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 1_700_000_000
            tf.addfile(ti, io.BytesIO(data))
    data = raw.getvalue()
    path.write_bytes(gzip.compress(data, compresslevel=6) if gz else data)
    return path


@pytest.mark.parametrize("gz", [True, False], ids=["tar.gz", "tar"])
def test_split_archive_gives_the_case_of_the_whole_archive(tmp_path, monkeypatch, gz):
    archive = _tar(tmp_path / ("dump.tar.gz" if gz else "dump.tar"), gz=gz)
    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1 << 20)  # a gzip of repetitive CSV is small
    split = run_scan(tmp_path / "split", [archive], jobs=2)
    assert split.completed and split.tasks_total == 12  # one task per member
    index = list((tmp_path / "split" / "index").glob("*.gzidx"))
    assert len(index) == (1 if gz else 0)

    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1 << 62)
    whole = run_scan(tmp_path / "whole", [archive], jobs=2)
    assert whole.tasks_total == 1
    assert split.records == whole.records == 12 * 60_000
    assert split.identifiers == whole.identifiers

    def items(case):
        return sorted(case_sql(case).execute(
            "SELECT vpath, kind, entry_type, COALESCE(size, -1) FROM items WHERE entry_type != 'dir'").fetchall())

    assert items(tmp_path / "split") == items(tmp_path / "whole")


def test_unusual_archives_are_not_split(tmp_path):
    """A link among the members, or a single member: walked whole by the tar handler (it records links)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        for i in range(3):
            data = _csv(i, 10)
            ti = tarfile.TarInfo(f"p{i}.csv")
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
        link = tarfile.TarInfo("etc_passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    (tmp_path / "links.tar").write_bytes(raw.getvalue())
    assert tar_split.plan(tmp_path / "links.tar", Bounds(), tmp_path / "i", 1) is None
    one = _tar(tmp_path / "one.tar", members=1, rows=10, gz=False)
    assert tar_split.plan(one, Bounds(), tmp_path / "i", 1) is None
    many = _tar(tmp_path / "many.tar", members=5, rows=10, gz=False)
    assert tar_split.plan(many, Bounds(max_members=3), tmp_path / "i", 1) is None
    fmt, members = tar_split.plan(many, Bounds(), tmp_path / "i", 1)
    assert fmt == "tar" and [m.is_dir for m in members].count(False) == 5


def test_a_member_cut_short_is_an_error_of_that_member_only(tmp_path, monkeypatch):
    archive = _tar(tmp_path / "dump.tar", members=4, rows=2000, gz=False)
    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1 << 10)
    fmt, members = tar_split.plan(archive, Bounds(), tmp_path / "i", 1)
    last = [m for m in members if not m.is_dir][-1]
    original = tar_split.plan

    def plan_then_truncate(*args, **kwargs):
        out = original(*args, **kwargs)
        with open(archive, "r+b") as fh:  # the archive loses its tail after planning (a copy still running)
            fh.truncate(last.offset + 100)
        return out

    monkeypatch.setattr(tar_split, "plan", plan_then_truncate)
    summary = run_scan(tmp_path / "case", [archive], jobs=2, verify_at_end=False)
    assert summary.completed and summary.records == 3 * 2000
    errors = case_sql(tmp_path / "case").execute("SELECT vpath, error FROM errors").fetchall()
    assert len(errors) == 1 and errors[0][0].endswith("patients_03.csv") and "cut short" in errors[0][1]
