"""A scan of DICOM files as PACS leave them: compressed (JPEG Lossless, JPEG-LS, JPEG 2000), bare data sets without
preamble or file meta, and minimal data sets. Each is typed DICOM, its mark is found, nothing is an item error."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest
from pydicom import uid

from tests.beacons.test_image_mark import make_dicom
from tests.beacons.test_image_mark_compressed import _compress
from tests.casesql import case_sql
from workbench.beacons import image_mark as im
from workbench.beacons.registry import Registry, load_signing_key
from workbench.engine.pipeline import run_scan

FINESS = "290000017"


def test_scan_finds_marks_in_compressed_and_bare_dicom(tmp_path: Path) -> None:
    reg_path = tmp_path / "registry.json"
    registry = Registry.init(reg_path, "ARS Bretagne (test)")
    registry.add_establishment(FINESS, "CHU de Brest")
    registry.save(str(reg_path) + ".key")
    signer = load_signing_key(str(reg_path) + ".key")
    key = registry.watermark_key(FINESS, None)

    dump = tmp_path / "dump"
    dump.mkdir()
    marked = tmp_path / "marked.dcm"
    im.embed_dicom(make_dicom(tmp_path, bits=12), marked, key, "BCN-E2E-0001", signer)
    for syntax, name in ((uid.JPEGLosslessSV1, "IM0001"), (uid.JPEGLSLossless, "IM0002"),
                         (uid.JPEG2000Lossless, "IM0003")):
        _compress(marked, dump / name, syntax)
    ds = pydicom.dcmread(marked)
    del ds.file_meta
    ds.preamble = None
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=True, little_endian=True, enforce_file_format=False)
    (dump / "IM0004").write_bytes(buf.getvalue())  # a PACS export: no preamble, no file meta
    minimal = pydicom.Dataset()
    minimal.SOPClassUID, minimal.Modality = uid.SecondaryCaptureImageStorage, "OT"
    buf = io.BytesIO()
    minimal.save_as(buf, implicit_vr=True, little_endian=True, enforce_file_format=False)
    (dump / "IM0005").write_bytes(buf.getvalue())

    summary = run_scan(tmp_path / "case", [dump], registry_path=reg_path, jobs=1, bundled_rules=False)
    assert summary.completed
    db = case_sql(tmp_path / "case")
    items = {Path(r[0]).name: r[1:] for r in db.execute("SELECT vpath, kind, status, records FROM items")}
    for name in ("IM0001", "IM0002", "IM0003", "IM0004", "IM0005"):
        assert items[name][0] == "dicom", (name, items[name])
    assert items["IM0005"][2] == 0
    errors = db.execute("SELECT * FROM errors").fetchall()
    assert not errors, errors
    marks = {Path(r[0]).name: (r[1], r[2]) for r in db.execute(
        "SELECT i.vpath, w.establishment, w.p_value FROM watermark_hits w JOIN items i ON i.vpath = w.item")}
    assert sorted(marks) == ["IM0001", "IM0002", "IM0003", "IM0004"]
    assert all(est == FINESS and p < 1e-6 for est, p in marks.values())
    pytest.importorskip("gdcm")  # the JPEG Lossless item needed it (a dependency: never skipped in practice)
