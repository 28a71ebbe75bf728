"""A 7z of several solid blocks becomes one task per run of blocks (plus one for the archive itself), and the
case is the one a single task walking the archive whole gives.

Archives are written the two ways they come: by py7zr (each append adds a block, as a 7z grown by
``7z u``) and, when it is installed (Debian package ``7zip``), by the 7-Zip CLI with small solid blocks
(``-ms=64k``: several files per block, empty files outside every block) and without solid blocks
(``-ms=off``: one block per file).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import py7zr
import pytest

from tests.casesql import case_sql
from tests.engine.bombs import patients_csv, patients_sql
from workbench.engine import pipeline, sevenzip_split
from workbench.engine.archives.sevenzip import open_plain, stream_entries
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget
from workbench.engine.pipeline import run_scan
from workbench.engine.tasks import CONTAINER_TASK

pytestmark = pytest.mark.slow
SEVEN_ZIP = shutil.which("7zz") or shutil.which("7z")
needs_7z = pytest.mark.skipif(SEVEN_ZIP is None, reason="the 7-Zip CLI (Debian package 7zip) is not installed")


def _py7zr_blocks(path: Path, blocks: list[dict[str, bytes]], password: str | None = None,
                  header_encryption: bool = False) -> Path:
    """One solid block per dict: py7zr writes one block per session and appends the next ones."""
    for i, entries in enumerate(blocks):
        with py7zr.SevenZipFile(path, "w" if i == 0 else "a", password=password,
                                header_encryption=header_encryption) as szf:
            for name, data in entries.items():
                szf.writestr(data, name)
    return path


def _blocks() -> list[dict[str, bytes]]:
    return [{"export/patients_a.csv": patients_csv(1500, seed=1), "export/notes.txt": b"export du 2024-03-02\n"},
            {"export/dump.sql": patients_sql(1500, seed=2)},
            {"export/patients_a.csv": patients_csv(800, seed=3), "export/empty.txt": b""},  # a second of a name
            {"export/patients_b.csv": patients_csv(1200, seed=4)}]


def _cli(path: Path, src: Path, *switches: str) -> Path:
    subprocess.run([SEVEN_ZIP, "a", "-bd", "-bso0", *switches, str(path), "."], cwd=src, check=True)
    return path


def _tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "urgences").mkdir(parents=True)
    (src / "cardio").mkdir()
    for i in range(4):
        (src / "urgences" / f"patients_{i}.csv").write_bytes(patients_csv(900, seed=10 + i))
    (src / "cardio" / "dump.sql").write_bytes(patients_sql(900, seed=20))
    (src / "cardio" / "vide.txt").write_bytes(b"")
    return src


def _items(case: Path) -> list[tuple]:
    return sorted(case_sql(case).execute(
        "SELECT vpath, name, kind, format, entry_type, status, COALESCE(size, -1), size_claimed, mtime, sha256, depth, "
        "records FROM items").fetchall())


def _split_and_whole(tmp_path: Path, archive: Path, monkeypatch, **kwargs):
    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(sevenzip_split, "GROUP_MIN_BYTES", 1)  # one task per block
    split = run_scan(tmp_path / "split", [archive], jobs=2, verify_at_end=False, **kwargs)
    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1 << 62)
    whole = run_scan(tmp_path / "whole", [archive], jobs=1, verify_at_end=False, **kwargs)
    return split, whole


def test_a_multi_block_7z_is_split_and_gives_the_case_and_report_of_the_whole_walk(tmp_path, monkeypatch):
    from workbench.report.model import build_report_model, report_json

    archive = _py7zr_blocks(tmp_path / "leak.7z", _blocks())
    split, whole = _split_and_whole(tmp_path, archive, monkeypatch)
    assert split.completed and whole.completed
    assert (whole.tasks_total, split.tasks_total) == (1, 5)  # four blocks and the archive itself
    assert split.records == whole.records == 1500 + 1500 + 800 + 1200
    assert split.identifiers == whole.identifiers and split.items_by_kind == whole.items_by_kind
    assert split.findings_by_rule == whole.findings_by_rule and split.errors == whole.errors == 0
    items = _items(tmp_path / "split")
    assert items == _items(tmp_path / "whole")
    assert {"leak.7z!/export/patients_a.csv", "leak.7z!/export/patients_a.csv#2"} <= {i[0] for i in items}
    parts = ("summary", "identifiers", "establishments", "findings_total", "categories", "date_span")
    a, b = (report_json(build_report_model(tmp_path / c)) for c in ("split", "whole"))
    assert {k: a[k] for k in parts} == {k: b[k] for k in parts}


@needs_7z
@pytest.mark.parametrize("switches", [("-ms=on", "-mqs=on", "-ms=64k"), ("-ms=off",)], ids=["solid-64k", "not-solid"])
def test_7zip_cli_archives_split_as_walked_whole(tmp_path, monkeypatch, switches):
    archive = _cli(tmp_path / "dump.7z", _tree(tmp_path), *switches)
    with Blob.from_path(archive) as blob:
        szf, fh = open_plain(blob)
        with szf, fh:
            layout = sevenzip_split.read_layout(szf, Bounds())
    assert layout is not None and len(layout.packed) >= 3
    assert {layout.labels[i] for i in layout.outside} == {"urgences", "cardio", "cardio/vide.txt"}  # in no block
    split, whole = _split_and_whole(tmp_path, archive, monkeypatch)
    assert split.tasks_total == len(layout.packed) + 1 and whole.tasks_total == 1
    assert split.records == whole.records == 5 * 900 and split.errors == whole.errors == 0
    assert split.identifiers == whole.identifiers and split.findings_by_rule == whole.findings_by_rule
    assert _items(tmp_path / "split") == _items(tmp_path / "whole")


def test_a_task_reads_and_decompresses_its_blocks_only(tmp_path):
    """Counted: the archive bytes a task reads are its blocks' packed bytes plus the header, and the bytes
    decompressed are its members' (py7zr skips every other block)."""
    blocks = [{f"p{i}.csv": patients_csv(3000, seed=i)} for i in range(4)]
    archive = _py7zr_blocks(tmp_path / "leak.7z", blocks)
    size = archive.stat().st_size
    groups = sevenzip_split.plan(archive, Bounds(), group_min=1)
    assert [(g.first, g.last) for g in groups] == [(0, 0), (1, 1), (2, 2), (3, 3)]
    outside_blocks = size - sum(g.packed for g in groups)  # signature header and header
    for g in groups:
        with Blob.from_path(archive) as blob:
            szf, fh = open_plain(blob)
            with szf, fh:
                layout = sevenzip_split.read_layout(szf, Bounds())
                before = fh.consumed()
                out = {}
                for fid, m in stream_entries(szf, fh, name="leak.7z", bounds=Bounds(), budget=Budget(Bounds()),
                                             only=layout.ids(g.first, g.last)):
                    with m.open() as stream:
                        out[layout.labels[fid]] = stream.read()
                read = fh.consumed() - before
        assert out == {f"p{g.first}.csv": blocks[g.first][f"p{g.first}.csv"]}
        assert g.packed <= read <= g.packed + outside_blocks and read < size / 3


def test_what_is_not_split(tmp_path):
    """Encrypted blocks or headers, one block, too many members, too deep, a link, a damaged header, not a 7z:
    walked whole, the 7z handler records what is wrong."""
    blocks = [{"a.csv": patients_csv(50, seed=1)}, {"b.csv": patients_csv(50, seed=2)}]
    plain = _py7zr_blocks(tmp_path / "plain.7z", blocks)
    assert len(sevenzip_split.plan(plain, Bounds(), group_min=1)) == 2
    assert sevenzip_split.plan(plain, Bounds()) is None  # two small blocks: one task is enough
    assert sevenzip_split.plan(plain, Bounds(max_members=1), group_min=1) is None
    assert sevenzip_split.plan(plain, Bounds(max_depth=2), depth=2, group_min=1) is None
    locked = _py7zr_blocks(tmp_path / "locked.7z", blocks, password="Secr3t!")
    assert sevenzip_split.plan(locked, Bounds(), group_min=1) is None
    hidden = _py7zr_blocks(tmp_path / "hidden.7z", blocks, password="Secr3t!", header_encryption=True)
    assert sevenzip_split.plan(hidden, Bounds(), group_min=1) is None
    one = _py7zr_blocks(tmp_path / "one.7z", [{**blocks[0], **blocks[1]}])
    assert sevenzip_split.plan(one, Bounds(), group_min=1) is None
    data = plain.read_bytes()
    damaged = tmp_path / "damaged.7z"
    damaged.write_bytes(data[:-20] + bytes(b ^ 0xFF for b in data[-20:]))  # the header's CRC fails
    assert sevenzip_split.plan(damaged, Bounds(), group_min=1) is None
    (tmp_path / "cut.7z").write_bytes(data[:len(data) // 2])
    assert sevenzip_split.plan(tmp_path / "cut.7z", Bounds(), group_min=1) is None
    (tmp_path / "not.7z").write_bytes(b"PK" + data[2:])  # the magic broken
    assert sevenzip_split.plan(tmp_path / "not.7z", Bounds(), group_min=1) is None
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.csv").write_bytes(patients_csv(50))
    (src / "shadow").symlink_to("/etc/shadow")
    with py7zr.SevenZipFile(tmp_path / "links.7z", "w") as szf:
        szf.write(src / "a.csv", "a.csv")
        szf.write(src / "shadow", "shadow")
    with py7zr.SevenZipFile(tmp_path / "links.7z", "a") as szf:
        szf.writestr(patients_csv(50, seed=3), "c.csv")
    assert sevenzip_split.plan(tmp_path / "links.7z", Bounds(), group_min=1) is None


def test_a_damaged_block_is_an_error_of_the_archive_and_the_other_blocks_are_read(tmp_path, monkeypatch):
    blocks = [{f"p{i}.csv": patients_csv(2000, seed=i)} for i in range(3)]
    archive = _py7zr_blocks(tmp_path / "leak.7z", blocks)
    groups = sevenzip_split.plan(archive, Bounds(), group_min=1)
    data = bytearray(archive.read_bytes())
    middle = 32 + groups[0].packed + groups[1].packed // 2  # inside block 1's packed stream
    for i in range(middle, middle + 64):
        data[i] ^= 0x5A
    archive.write_bytes(bytes(data))
    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(sevenzip_split, "GROUP_MIN_BYTES", 1)
    summary = run_scan(tmp_path / "case", [archive], jobs=2, verify_at_end=False)
    assert summary.completed and summary.tasks_total == 4
    assert summary.records == 2 * 2000  # blocks 0 and 2
    sql = case_sql(tmp_path / "case")
    errors = sql.execute("SELECT vpath, stage FROM errors ORDER BY vpath").fetchall()
    assert ("leak.7z", "archive") in errors and all(v in ("leak.7z", "leak.7z!/p1.csv") for v, _ in errors)
    status = dict(sql.execute("SELECT vpath, status FROM items").fetchall())
    assert status["leak.7z!/p0.csv"] == status["leak.7z!/p2.csv"] == "done"


def test_member_bounds_are_counted_as_in_the_whole_walk(tmp_path, monkeypatch):
    """A member past max_member_bytes is cut and flagged in the block's task as in the whole walk; each task's
    decompressed bytes count against the evidence budget (imitating the tar and zip member tasks)."""
    blocks = [{"big.sql": patients_sql(4000, seed=1)}, {"small.csv": patients_csv(100, seed=2)},
              {"big2.csv": patients_csv(4000, seed=3)}]
    archive = _py7zr_blocks(tmp_path / "leak.7z", blocks)
    bounds = Bounds(max_member_bytes=100_000)
    split, whole = _split_and_whole(tmp_path, archive, monkeypatch, bounds=bounds)
    assert split.tasks_total == 4 and whole.tasks_total == 1
    assert split.findings_by_rule == whole.findings_by_rule and whole.findings_by_rule["bounds:member-too-large"] == 2
    assert _items(tmp_path / "split") == _items(tmp_path / "whole")
    tight = Bounds(max_evidence_bytes=len(blocks[0]["big.sql"]) // 2)
    with Blob.from_path(archive) as blob:
        budget = Budget(tight, blob.size)
        with pytest.raises(Exception, match="evidence-too-large"):
            for _label, m in sevenzip_split.iter_part(str(archive), 0, 0, name="leak.7z", bounds=tight,
                                                      budget=budget):
                with m.open() as stream:
                    stream.read()
    assert list(sevenzip_split.iter_part(str(archive), CONTAINER_TASK, CONTAINER_TASK, name="leak.7z",
                                         bounds=Bounds(), budget=Budget(Bounds()))) == []
