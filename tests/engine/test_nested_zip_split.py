"""A stored zip inside a top-level zip becomes one task per inner member, and the case is the one a single
task walking the inner zip whole gives.

The archives are written with zipfile as export tools write them: an outer zip (deflated CSVs, a README)
holding a department's zip STORED (zip tools store members that do not compress), itself holding deflated
CSVs of patients, a folder entry and a stored PDF-like blob.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from tests.casesql import case_sql
from workbench.engine import nested_zip, pipeline
from workbench.engine.bounds import Bounds
from workbench.engine.pipeline import run_scan


def _csv(i: int, rows: int) -> bytes:
    lines = ["NOM;PRENOM;DATE_NAISSANCE;TEL"]
    lines += [f"LE GALL{i};Yann{r};1970-01-{r % 28 + 1:02d};06 12 {i % 100:02d} {r // 100 % 100:02d} {r % 100:02d}"
              for r in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _inner_zip(members: int = 6, rows: int = 4000) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("cardio/"), b"")
        for i in range(members):
            zf.writestr(f"cardio/patients_{i:02d}.csv", _csv(i, rows))
        zf.writestr("cardio/scan.bin", os.urandom(200_000), compress_type=zipfile.ZIP_STORED)
    return raw.getvalue()


def _outer(path: Path, inner_compress: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", b"export of 2024-03-02\n")
        zf.writestr("urgences.csv", _csv(90, 3000))
        zf.writestr("cardio.zip", _inner_zip(), compress_type=inner_compress)
    return path


def _items(case: Path) -> list[tuple]:
    return sorted(case_sql(case).execute(
        "SELECT vpath, name, kind, format, entry_type, status, COALESCE(size, -1), size_claimed, mtime, sha256 "
        "FROM items").fetchall())


def test_a_stored_inner_zip_is_split_and_gives_the_case_of_the_whole_walk(tmp_path, monkeypatch):
    archive = _outer(tmp_path / "export.zip")
    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(pipeline, "NESTED_ZIP_SPLIT_MIN_BYTES", 1)
    split = run_scan(tmp_path / "split", [archive], jobs=2)
    monkeypatch.setattr(pipeline, "NESTED_ZIP_SPLIT_MIN_BYTES", 1 << 62)
    whole = run_scan(tmp_path / "whole", [archive], jobs=2)
    assert split.completed and whole.completed
    # outer: README, urgences, container; inner: 6 CSVs, scan.bin, the inner zip itself
    assert (whole.tasks_total, split.tasks_total) == (4, 11)
    assert split.records == whole.records == 6 * 4000 + 3000
    assert split.identifiers == whole.identifiers and split.items_by_kind == whole.items_by_kind
    assert split.findings_by_rule == whole.findings_by_rule and split.errors == whole.errors == 0
    assert _items(tmp_path / "split") == _items(tmp_path / "whole")


def test_the_report_figures_are_the_same_split_or_not(tmp_path, monkeypatch):
    from workbench.report.model import build_report_model, report_json

    archive = _outer(tmp_path / "export.zip")
    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(pipeline, "NESTED_ZIP_SPLIT_MIN_BYTES", 1)
    run_scan(tmp_path / "split", [archive], jobs=2, executor="dask")
    monkeypatch.setattr(pipeline, "NESTED_ZIP_SPLIT_MIN_BYTES", 1 << 62)
    run_scan(tmp_path / "whole", [archive], jobs=1)
    parts = ("summary", "identifiers", "establishments", "findings_total", "categories", "date_span")
    a, b = (report_json(build_report_model(tmp_path / c)) for c in ("split", "whole"))
    assert {k: a[k] for k in parts} == {k: b[k] for k in parts}


def test_what_is_not_split(tmp_path):
    """Deflated inner zips (listing them costs the whole decompression), encrypted or office ones, and an inner
    zip past the depth bound are walked whole; the zip handler records what is wrong with them."""
    for name, compress in (("stored.zip", zipfile.ZIP_STORED), ("deflated.zip", zipfile.ZIP_DEFLATED)):
        _outer(tmp_path / name, compress)
    with open(tmp_path / "stored.zip", "rb") as fh:
        view = memoryview(fh.read())
    with zipfile.ZipFile(tmp_path / "stored.zip") as zf:
        zi = zf.getinfo("cardio.zip")
    planned = nested_zip.plan_inner(view, zi, "cardio.zip", 1, Bounds(), "x")
    assert planned is not None and len(planned.members) == 8
    assert bytes(view[planned.start:planned.start + 4]) == b"PK\x03\x04"
    assert nested_zip.plan_inner(view, zi, "cardio.zip", 8, Bounds(max_depth=8), "x") is None
    assert nested_zip.plan_inner(view, zi, "cardio.zip", 1, Bounds(max_members=5), "x") is None
    with open(tmp_path / "deflated.zip", "rb") as fh:
        dview = memoryview(fh.read())
    with zipfile.ZipFile(tmp_path / "deflated.zip") as zf:
        dzi = zf.getinfo("cardio.zip")
    assert nested_zip.plan_inner(dview, dzi, "cardio.zip", 1, Bounds(), "x") is None

    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("word/document.xml", b"<w:document/>")
    with zipfile.ZipFile(tmp_path / "docs.zip", "w") as zf:
        zf.writestr("letter.docx", docx.getvalue(), compress_type=zipfile.ZIP_STORED)
    with open(tmp_path / "docs.zip", "rb") as fh:
        oview = memoryview(fh.read())
    with zipfile.ZipFile(tmp_path / "docs.zip") as zf:
        ozi = zf.getinfo("letter.docx")
    assert nested_zip.stored_span(oview, ozi) is not None
    assert nested_zip.plan_inner(oview, ozi, "letter.docx", 1, Bounds(), "x") is None


def test_a_big_deflated_inner_zip_is_decompressed_once_into_the_case_and_split(tmp_path, monkeypatch):
    archive = _outer(tmp_path / "export.zip", zipfile.ZIP_DEFLATED)
    monkeypatch.setattr(pipeline, "ZIP_SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(pipeline, "NESTED_ZIP_SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(pipeline, "DEFLATED_NESTED_ZIP_SPLIT_MIN_BYTES", 1)
    made = []
    plan_deflated = nested_zip.plan_deflated

    def recording(host, zi, dest, *args):
        inner = plan_deflated(host, zi, dest, *args)
        made.append((dest, inner, dest.is_file()))
        return inner

    monkeypatch.setattr(nested_zip, "plan_deflated", recording)
    split = run_scan(tmp_path / "split", [archive], jobs=2)
    monkeypatch.setattr(pipeline, "DEFLATED_NESTED_ZIP_SPLIT_MIN_BYTES", 1 << 62)
    whole = run_scan(tmp_path / "whole", [archive], jobs=2)
    assert split.completed and whole.completed
    assert (whole.tasks_total, split.tasks_total) == (4, 11)
    ((dest, inner, existed),) = [m for m in made if m[1] is not None]  # the CSV and README: only their head read
    assert existed and inner.extracted == str(dest) and len(inner.members) == 8
    assert dest.is_relative_to(tmp_path / "split" / "tmp") and not dest.exists()  # removed at the end of the scan
    assert split.records == whole.records == 6 * 4000 + 3000
    assert split.identifiers == whole.identifiers and split.findings_by_rule == whole.findings_by_rule
    assert split.errors == whole.errors == 0
    assert _items(tmp_path / "split") == _items(tmp_path / "whole")


def test_a_deflated_inner_zip_is_not_decompressed_past_a_bound_or_the_free_space(tmp_path, monkeypatch):
    archive = _outer(tmp_path / "export.zip", zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(archive) as zf:
        zi = zf.getinfo("cardio.zip")
    dest = tmp_path / "case" / "tmp" / "nested" / "inner.zip"

    def plan(bounds: Bounds | None = None):
        return nested_zip.plan_deflated(archive, zi, dest, "cardio.zip", 1, bounds or Bounds(),
                                        "export.zip!/cardio.zip", archive.stat().st_size)

    assert plan() is not None and dest.is_file()
    dest.unlink()
    assert plan(Bounds(max_member_bytes=zi.file_size - 1)) is None
    assert plan(Bounds(max_ratio=0.5, ratio_grace_bytes=0)) is None  # the ratio to its compressed size counts
    assert plan(Bounds(max_evidence_bytes=zi.file_size // 2)) is None
    assert plan(Bounds(max_depth=1)) is None
    assert list(dest.parent.iterdir()) == []  # nothing left behind, no .part

    class Full:
        free = zi.file_size

    monkeypatch.setattr(nested_zip.shutil, "disk_usage", lambda path: Full)
    assert plan() is None and not dest.exists()
    monkeypatch.undo()
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        start = zf.getinfo("cardio.zip").header_offset + 30 + len("cardio.zip")
    for i in range(start + 2000, start + 2100):
        data[i] ^= 0x5A  # the deflated stream damaged: zipfile's inflate or CRC check fails
    archive.write_bytes(bytes(data))
    assert plan() is None and list(dest.parent.iterdir()) == []
