"""RAR: recognised, listed from its headers, reported as not supported (one finding), never a traceback.

The archives are real ones made with RAR by rarfile's author (tests/engine/rar_samples.py says where from);
the listing is checked against what rarfile's own dump of them says.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest

from tests.casesql import case_sql
from tests.engine.rar_samples import SAMPLES
from workbench.engine.archives import ArchiveNotSupported, iter_members
from workbench.engine.archives.rar import list_rar
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget
from workbench.engine.kinds import sniff
from workbench.engine.pipeline import run_scan

EXPECTED = {  # name -> (format, encrypted headers, entries (name, size, encrypted)), from rarfile's .exp dumps
    "rar3-solid.rar": ("rar4", False, [("stest1.txt", 2048, False), ("stest2.txt", 2048, False)]),
    "rar5-solid.rar": ("rar5", False, [("stest1.txt", 2048, False), ("stest2.txt", 2048, False)]),
    "rar3-comment-psw.rar": ("rar4", False, [("file1.txt", 0, True), ("file2.txt", 0, True)]),
    "rar3-comment-hpsw.rar": ("rar4", True, []),
    "rar5-psw.rar": ("rar5", False, [("stest1.txt", 2048, True), ("stest2.txt", 2048, True)]),
    "rar5-hpsw.rar": ("rar5", True, []),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_rar_archives_are_typed_listed_and_not_supported(name: str) -> None:
    data = SAMPLES[name]
    fmt, enc_headers, entries = EXPECTED[name]
    info = sniff(data, name)
    assert (info.kind, info.format, info.ext_mismatch) == ("archive", "rar", False)
    listing = list_rar(memoryview(data))
    assert listing.encrypted_headers == enc_headers
    assert [(e.name, e.size, e.encrypted) for e in listing.entries] == entries
    bounds = Bounds()
    with pytest.raises(ArchiveNotSupported) as caught:
        list(iter_members("rar", Blob.from_bytes(data), name=name, bounds=bounds, budget=Budget(bounds, len(data))))
    meta = caught.value.meta
    assert meta["format"] == fmt and meta["entries"] == len(entries) and meta["encrypted_headers"] == enc_headers
    assert meta["names"] == [e[0] for e in entries] and "7-Zip" in meta["detail"]


def test_truncated_and_hostile_rar_headers_never_raise_anything_else() -> None:
    data = SAMPLES["rar5-solid.rar"]
    for cut in range(8, len(data)):
        assert list_rar(memoryview(data[:cut])) is not None
    hostile = b"Rar!\x1a\x07\x01\x00" + b"\x00\x00\x00\x00" + b"\xff" * 12  # a header size vint that never ends
    assert list_rar(memoryview(hostile)).entries == []
    assert list_rar(memoryview(b"Rar!\x1a\x07\x00" + b"\xff" * 40)).entries == []


def test_a_rar_inside_a_zip_is_one_finding_in_a_scan(tmp_path) -> None:
    bio = BytesIO()
    with zipfile.ZipFile(bio, "w") as zf:
        zf.writestr("sauvegarde/dossiers.rar", SAMPLES["rar5-psw.rar"])
        zf.writestr("sauvegarde/lisez-moi.txt", b"archive RAR jointe\n")
    (tmp_path / "leak.zip").write_bytes(bio.getvalue())
    summary = run_scan(tmp_path / "case", [tmp_path / "leak.zip"], jobs=1, bundled_rules=False)
    assert summary.completed
    db = case_sql(tmp_path / "case")
    row = db.execute("SELECT kind, format, status FROM items WHERE vpath LIKE '%dossiers.rar'").fetchone()
    assert row == ("archive", "rar", "skipped")
    findings = db.execute("SELECT f.rule, f.severity FROM findings f JOIN items i ON i.id = f.item_id "
                          "WHERE i.vpath LIKE '%dossiers.rar'").fetchall()
    assert findings == [("archive-not-supported", "warning")]
    assert db.execute("SELECT COUNT(*) FROM errors").fetchone()[0] == 0
