"""Issue 14's hostile inputs, one at a time, each built here the way it is met in the field."""

from __future__ import annotations

import io
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.engine import hostile_corpus as hc
from workbench.engine import evidence as evidence_mod
from workbench.engine.archives import ArchiveError, iter_members
from workbench.engine.blob import Blob
from workbench.engine.bounds import Bounds, Budget
from workbench.engine.dicomcheck import dicom_anomalies
from workbench.engine.kinds import sniff
from workbench.engine.layers import Attachment, extract
from workbench.engine.records.errors import RecordsError
from workbench.engine.records.sheets import parse_xlsx
from workbench.engine.yara_rules import compile_rules

ROOT = Path(__file__).resolve().parents[2]
BOUNDS = Bounds()


def members(fmt: str, data: bytes, name: str = "x") -> tuple[list, list[bytes | Exception], Exception | None]:
    """Every member and what reading it gave, then the archive's own error (if any)."""
    blob = Blob.from_bytes(data)
    got, contents, error = [], [], None
    try:
        for m in iter_members(fmt, blob, name=name, bounds=BOUNDS, budget=Budget(BOUNDS, len(data))):
            got.append(m)
            try:
                with m.open() as fh:
                    contents.append(fh.read())
            except Exception as exc:  # noqa: BLE001 - recorded per member, as the walker does
                contents.append(exc)
    except ArchiveError as exc:
        error = exc
    return got, contents, error


def scan(evidence: Path, case: Path, *extra: str, prefix: list[str] | None = None,
         timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*(prefix or []), sys.executable, "-m", "workbench", "scan", str(evidence), "--case",
                           str(case), "--jobs", "1", *extra], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def rows(case: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True) as db:
        return db.execute(sql).fetchall()


# -- hangs -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("compress", [False, True], ids=["tar", "tar.gz"])
def test_tar_claiming_a_terabyte_ends_at_once(compress):
    import gzip

    data = hc.tar_claiming(1 << 40)
    assert len(data) < 5000
    if compress:
        data = gzip.compress(data, mtime=0)
    t0 = time.monotonic()
    got, contents, error = members("tar", data)
    assert time.monotonic() - t0 < 5
    assert [m.name for m in got] == ["big.bin"] and got[0].size_claimed == 1 << 40
    assert isinstance(contents[0], ArchiveError)
    assert error is not None and "claims more data" in str(error)


def test_fifo_as_evidence_is_refused_without_being_opened(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    proc = scan(fifo, tmp_path / "case", timeout=120)  # opening it for reading would block forever
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "fifo is not evidence" in proc.stderr, proc.stderr


def test_folder_with_fifo_socket_and_outward_link_is_scanned(tmp_path):
    import socket

    ev = tmp_path / "ev"
    (ev / "sub").mkdir(parents=True)
    (ev / "sub" / "patients.csv").write_bytes(hc.PATIENTS)
    os.mkfifo(ev / "sub" / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(ev / "sock"))
    sock.close()
    (ev / "passwd").symlink_to("/etc/passwd")
    skipped: list[evidence_mod.SkippedEntry] = []
    files = [r for r, _, _ in evidence_mod.iter_evidence_files(ev, skipped)]
    assert files == ["sub/patients.csv"]
    assert [(s.relpath, s.entry_type) for s in skipped] == [("passwd", "symlink"), ("sock", "other"),
                                                            ("sub/pipe", "fifo")]
    proc = scan(ev, tmp_path / "case", timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    errors = dict(rows(tmp_path / "case", "SELECT vpath, error FROM errors"))
    assert set(errors) == {"ev/passwd", "ev/sock", "ev/sub/pipe"}
    assert "not followed" in errors["ev/passwd"] and "not opened" in errors["ev/sub/pipe"]
    assert rows(tmp_path / "case", "SELECT kind, status FROM items WHERE vpath='ev/sub/patients.csv'") == [
        ("csv", "done")]


def _drop_read_override() -> list[str] | None:
    """How to run a process that file permissions apply to: nothing as a user; as root, setpriv dropping the
    capabilities that bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    caps = "-dac_override,-dac_read_search"
    prefix = [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_unreadable_file_and_folder_inside_a_folder_evidence(tmp_path):
    prefix = _drop_read_override()
    if prefix is None:
        pytest.skip("running as root without setpriv able to drop CAP_DAC_OVERRIDE: chmod cannot hide a file")
    ev = tmp_path / "ev"
    (ev / "locked").mkdir(parents=True)
    (ev / "locked" / "inside.csv").write_bytes(hc.PATIENTS)
    (ev / "secret.csv").write_bytes(hc.PATIENTS)
    (ev / "open.csv").write_bytes(hc.PATIENTS)
    (ev / "secret.csv").chmod(0)
    (ev / "locked").chmod(0)
    try:
        proc = scan(ev, tmp_path / "case", prefix=prefix)
    finally:
        (ev / "locked").chmod(0o755)
        (ev / "secret.csv").chmod(0o644)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    errors = dict(rows(tmp_path / "case", "SELECT vpath, error FROM errors"))
    assert errors == {"ev/locked": "folder not readable: Permission denied",
                      "ev/secret.csv": "file not readable: Permission denied"}
    assert rows(tmp_path / "case", "SELECT status FROM items WHERE vpath='ev/open.csv'") == [("done",)]


def test_unreadable_folder_listing_is_recorded_in_process(tmp_path, monkeypatch):
    """The same contract without privileges games: os.scandir refusing a sub-folder."""
    ev = tmp_path / "ev"
    (ev / "locked").mkdir(parents=True)
    (ev / "a.csv").write_bytes(hc.PATIENTS)
    real = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(evidence_mod.os, "scandir", scandir)
    skipped: list[evidence_mod.SkippedEntry] = []
    assert [r for r, _, _ in evidence_mod.iter_evidence_files(ev, skipped)] == ["a.csv"]
    assert skipped == [evidence_mod.SkippedEntry("locked", "dir", "folder not readable: Permission denied")]


# -- memory --------------------------------------------------------------------------------------------
def test_xlsx_inflating_to_3_gib_of_whitespace_is_stopped_while_inflating():
    data = hc.xlsx_whitespace_sheet(3 << 30)
    assert len(data) < 4 << 20
    claimed = sum(zi.file_size for zi in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert claimed > 3 << 30
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.monotonic()
    with Blob.from_bytes(data) as blob, pytest.raises(RecordsError, match="xml-size"):
        for _ in parse_xlsx(blob, None, "ws.xlsx", batch_rows=1000):
            pass
    assert time.monotonic() - t0 < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss0 < 200 << 20


def test_guarded_xlsx_still_reads_a_real_workbook():
    with Blob.from_bytes(hc.xlsx_sample()) as blob:
        frames = list(parse_xlsx(blob, None, "ok.xlsx", batch_rows=1000))
    assert sum(len(f) for f in frames) == 1


# -- crashes -------------------------------------------------------------------------------------------
def test_rule_file_that_is_not_text_is_one_line(tmp_path):
    bad = tmp_path / "blob.yar"
    bad.write_bytes(b'rule a { condition: true }\n\x00\x01\x02\xff' * 3)
    ruleset = compile_rules([bad], bundled=False)  # skipped with one line, the set goes on (yara CLI-like)
    [skipped] = ruleset.skipped
    assert skipped.line == 2 and "NUL" in skipped.reason


# -- silent skips ----------------------------------------------------------------------------------------
def test_zip_name_invalid_in_its_declared_utf8_hides_nothing():
    data = hc.zip_bad_utf8_name()
    with pytest.raises(UnicodeDecodeError):
        zipfile.ZipFile(io.BytesIO(data))  # what hid every member before
    got, contents, error = members("zip", data)
    assert error is None
    assert [m.name for m in got] == ["good.csv", "caf\ufffdx.txt"]
    assert contents == [hc.PATIENTS, b"hidden anne.martin@example.fr\n"]
    assert got[0].anomalies == ()
    assert got[1].anomalies[0][0] == "bad-entry-name"


def test_zip_name_with_a_nul_byte_is_a_finding():
    data = hc.zip_bytes([("nul@byte.txt", hc.PATIENTS)]).replace(b"nul@", b"nul\x00")
    got, contents, _ = members("zip", data)
    assert got[0].name == "nul\ufffdbyte.txt" and got[0].anomalies[0][0] == "bad-entry-name"
    assert contents == [hc.PATIENTS]


def test_tar_negative_size_is_an_anomaly_and_the_walk_goes_on():
    got, contents, error = members("tar", hc.tar_negative_size())
    assert error is None
    assert [m.name for m in got] == ["neg.txt", "after.csv"]
    assert got[0].anomalies[0][0] == "bad-entry-size" and "-1" in got[0].anomalies[0][1]
    assert contents[1] == hc.PATIENTS


@pytest.mark.parametrize("fmt,ext", [("gzip", "gz"), ("xz", "xz"), ("zstd", "zst")])
def test_truncated_stream_keeps_what_it_holds(tmp_path, fmt, ext):
    from tests.engine.hostile_corpus import _truncations

    case = next(c for c in _truncations() if c.name == f"cut.csv.{ext}")
    data = case.build()
    (member,), _, _ = members(fmt, data, name=case.name)[0], None, None
    with member.open() as stream:
        blob = Blob.spool(stream, tmp_path, keep_on=(ArchiveError,))
    assert isinstance(blob.cut, ArchiveError)
    assert blob.size > len(hc.TEXT_LINES) // 3
    assert hc.TEXT_LINES.startswith(bytes(blob.view()))


def test_spool_without_keep_on_still_raises(tmp_path):
    import gzip

    (member,) = members("gzip", hc.cut(gzip.compress(hc.TEXT_LINES), 0.5))[0]
    with member.open() as stream, pytest.raises(ArchiveError):
        Blob.spool(stream, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("build,rule", [
    (lambda: hc.cut(hc.dicom_file(), 0.7), "dicom-truncated"),
    (hc.dicom_bad_vr_length, "dicom-bad-vr-length"),
    (hc.dicom_huge_length, "dicom-huge-length"),
    (hc.dicom_pixels_short, "dicom-pixel-data-short"),
], ids=["truncated", "vr-length", "huge-length", "pixels-short"])
def test_dicom_damage_is_named(build, rule):
    found = dict(dicom_anomalies(memoryview(build())))
    assert rule in found, found


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_sound_dicom_has_no_anomaly(implicit):
    assert dicom_anomalies(memoryview(hc.dicom_file(implicit=implicit))) == []
    bare = hc.dicom_file(implicit=implicit)[132:]
    assert dicom_anomalies(memoryview(bare[bare.index(b"\x08\x00"):])) == []


@pytest.mark.parametrize("bits", [8, 12, 16])
def test_synthetic_studies_have_no_anomaly(bits):
    from workbench.synth.establishments import DEMO_ESTABLISHMENTS
    from workbench.synth.formats.dicom import write_study
    from workbench.synth.people import PeopleFactory

    record = PeopleFactory(bits).record(DEMO_ESTABLISHMENTS[0])
    for data in write_study(record, None, images=2, rows=32, cols=48, bits=bits):
        assert dicom_anomalies(memoryview(data)) == []


@pytest.mark.parametrize("encoding", ["plain", "base64", "quoted-printable"])
def test_forwarded_mail_is_descended(encoding):
    items = list(extract("email", Blob.from_bytes(hc.forwarded(1, encoding))))
    (att,) = [i for i in items if isinstance(i, Attachment)]
    assert att.data.replace(b"\r\n", b"\n").startswith(b"From: a@example.fr\nTo: b@example.fr")
    assert sniff(att.data, att.name).kind == "email"


def test_gzip_named_txt_is_an_extension_mismatch():
    import gzip

    info = sniff(gzip.compress(hc.PATIENTS), "notes.txt")
    assert info.kind == "archive" and info.ext_mismatch
    assert not sniff(hc.PATIENTS, "notes.txt").ext_mismatch


@pytest.mark.parametrize("big", [False, True], ids=["small", "split-into-member-tasks"])
def test_zip_of_directories_only(tmp_path, big):
    data = hc.zip_only_dirs(140, 65000) if big else hc.zip_only_dirs()
    (tmp_path / "dirs.zip").write_bytes(data)
    proc = scan(tmp_path / "dirs.zip", tmp_path / "case")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    kinds = rows(tmp_path / "case", "SELECT kind, count(*) FROM items GROUP BY kind ORDER BY kind")
    assert kinds == [("archive", 1), ("directory", 140 if big else 3)]
    assert rows(tmp_path / "case", "SELECT count(*) FROM errors") == [(0,)]
    assert rows(tmp_path / "case", "SELECT status FROM tasks") in ([], [("done",)])


def test_an_empty_zip_and_a_lone_surrogate_are_no_errors(tmp_path):
    """An empty archive (Python's ``zipfile`` and ``zip`` write its end record alone: an overlap check failed
    on it with "zip() argument 2 is longer than argument 1") and a FHIR resource with a lone ``\\ud800`` escape
    (valid JSON, not encodable as UTF-8: the whole file's records were lost) scan without an error line; the
    surrogate is read as U+FFFD."""
    from workbench.engine.pipeline import run_scan
    from workbench.engine.store.reader import CaseReader

    ev = tmp_path / "ev"
    ev.mkdir()
    zipfile.ZipFile(ev / "vide.zip", "w").close()
    (ev / "bare.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    (ev / "patient.fhir.json").write_bytes(
        b'{"resourceType":"Patient","name":[{"family":"LE GALL\\ud800","given":["Yann"]}],"birthDate":"1961-02-03"}')
    summary = run_scan(tmp_path / "case", [ev], jobs=1, verify_at_end=False)
    assert summary.completed and summary.errors == 0
    with CaseReader(tmp_path / "case") as reader:
        assert reader.errors() == []
        rows = [r for batch in reader.record_rows(["family_name", "given_name"]) for r in batch.to_pylist()]
    assert [(r["family_name"], r["given_name"]) for r in rows] == [("LE GALL\ufffd", "Yann")]
