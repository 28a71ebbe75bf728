import csv
import gzip
import io
import json
import re
import sqlite3
import tarfile
import zipfile
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import openpyxl
import py7zr
import pydicom
import pytest
import zstandard
from py7zr.io import BytesIOFactory
from pypdf import PdfReader

from tests.synth._idscan import extract
from workbench.synth.dump import ARCHIVE_PASSWORD, build_dump
from workbench.synth.people import PeopleFactory
from workbench.synth.truth import GroundTruth

MB = 1 << 20


def _children(name: str, data: bytes, fmt: str | None):
    """(member name, bytes) of an archive or e-mail held in memory."""
    if fmt == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield info.filename, zf.read(info)
    elif fmt == "tar":
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            for m in tf.getmembers():
                if m.isfile():
                    yield m.name, tf.extractfile(m).read()
    elif fmt == "gzip":
        yield name.rsplit("/", 1)[-1].removesuffix(".gz"), gzip.decompress(data)
    elif fmt == "zstd":
        yield name.rsplit("/", 1)[-1].removesuffix(".zst"), zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    elif fmt == "7z":
        factory = BytesIOFactory(64 * MB)
        with py7zr.SevenZipFile(io.BytesIO(data), password=ARCHIVE_PASSWORD) as z:
            z.extractall(factory=factory)  # in memory: nothing is written to disk
        for member_name, bio in factory.products.items():
            bio.seek(0)
            yield member_name, bio.read()
    elif fmt == "email":
        msg = message_from_bytes(data, policy=email_policy.default)
        for part in msg.iter_attachments():
            yield part.get_filename(), part.get_content()


def walk_dump(path: Path, layout: str, truth: GroundTruth) -> dict[str, bytes | Exception]:
    kinds = {it.vpath: (it.kind, it.format) for it in truth.items}
    out: dict[str, bytes | Exception] = {}

    def visit(vpath: str, data: bytes) -> None:
        out[vpath] = data
        kind, fmt = kinds.get(vpath, ("?", None))
        if kind == "archive" or kind == "email":
            try:
                for name, child in _children(vpath, data, "email" if kind == "email" else fmt):
                    visit(f"{vpath}!/{name}", child)
            except (EOFError, OSError) as exc:  # the truncated gzip
                out[f"{vpath}!/{vpath.rsplit('/', 1)[-1].removesuffix('.gz')}"] = exc

    if layout == "zip":
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                visit(f"{path.name}!/{info.filename}", zf.read(info))
    elif layout == "tar.gz":
        with tarfile.open(path, "r:gz") as tf:
            for m in tf.getmembers():
                visit(f"{path.name}!/{m.name}", tf.extractfile(m).read())
    else:
        for p in sorted(path.rglob("*")):
            if p.is_file():
                visit(f"{path.name}/{p.relative_to(path).as_posix()}", p.read_bytes())
    return out


def text_of(it, data: bytes) -> str:
    if it.layer == "pdf-text":
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    if it.layer == "office-text":
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(" ; ".join("" if v is None else str(v) for v in row)
                         for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
    return data.decode("latin-1")


def count_records(it, data: bytes) -> int | None:
    if it.kind == "csv":
        text = data.decode("utf-8" if it.vpath.endswith(".jpg") else "cp1252")
        return len(list(csv.reader(io.StringIO(text, newline=""), delimiter="," if it.vpath.endswith(".jpg")
                                   else ";"))) - 1
    if it.kind == "sql-dump" and it.format == "sqlite":
        con = sqlite3.connect(":memory:")
        con.executescript(data.decode())
        return sum(con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("patients", "sejours", "resultats"))
    if it.kind == "sql-dump" and it.format == "postgresql":
        text = data.decode()
        return sum(len(b.splitlines()) - 2 for b in re.findall(r"COPY public\.\w+ \(.*?\n\\\.\n", text, re.S))
    if it.kind == "sql-dump" and it.format == "mysql":
        text = data.decode()
        return len(re.findall(r"INSERT INTO `\w+` VALUES ", text)) + text.count("),(")
    if it.kind == "hl7v2":
        return data.count(b"MSH|")
    if it.kind == "fhir-ndjson":  # one record per Patient resource (its encounters and results fold into it)
        return sum(json.loads(line)["resourceType"] == "Patient" for line in data.splitlines() if line.strip())
    if it.kind == "dicom":
        pydicom.dcmread(io.BytesIO(data))
        return 1
    return None


def check_dump(path: Path, layout: str, truth: GroundTruth) -> None:
    items = walk_dump(path, layout, truth)
    by_vpath = {it.vpath: it for it in truth.items}
    assert set(items) == set(by_vpath), set(items) ^ set(by_vpath)
    for vpath, it in by_vpath.items():
        data = items[vpath]
        if it.hostile == "truncated-gzip":
            assert isinstance(items[vpath + "!/" + vpath.rsplit("/", 1)[-1].removesuffix(".gz")], EOFError)
            continue
        if isinstance(data, Exception):
            assert not it.exact
            continue
        if it.hostile == "empty":
            assert data == b""
        if it.hostile == "all-nul":
            assert data == bytes(len(data)) and len(data) > 0
        if it.hostile == "corrupt-dicom":
            ds = pydicom.dcmread(io.BytesIO(data))
            assert ds.OtherPatientIDsSequence[0].PatientID in it.identifiers["nir"]
            with pytest.raises(ValueError):
                ds.pixel_array  # noqa: B018
        if it.kind in ("archive", "text", "empty", "binary"):
            assert not it.identifiers
            continue
        if not it.exact:
            continue
        assert extract(text_of(it, data)) == it.identifiers, vpath
        n = count_records(it, data) if it.hostile is None else None
        if n is not None:
            assert n == it.records, vpath


def _unique_children(truth: GroundTruth, suffix: str) -> set[str]:
    return {it.vpath.split("!/", 1)[1] for it in truth.items if it.vpath.endswith(suffix)}


@pytest.fixture(scope="module")
def zip_dump(tmp_path_factory):
    out = tmp_path_factory.mktemp("zipdump") / "fuite_2025.zip"
    return out, build_dump(out, target_bytes=20 * MB, seed=1)


def test_zip_dump_matches_its_truth(zip_dump):
    out, truth = zip_dump
    assert 0.8 * 20 * MB < truth.content_bytes < 1.25 * 20 * MB
    assert truth.evidence_bytes == out.stat().st_size < truth.content_bytes
    check_dump(out, "zip", truth)
    totals = truth.totals()
    assert totals["unique_nirs"] > 5000
    assert set(totals["records_per_establishment"]) == set(truth.establishments)
    for t in ("nir", "finess", "rpps", "iban", "email", "phone"):
        assert totals["identifiers"][t]["unique"] > 0, t
    assert not truth.establishments[next(f for f, e in truth.establishments.items() if "hors registre" in e["name"])][
        "registered"]
    kinds = {it.kind for it in truth.items}
    assert {"csv", "sql-dump", "hl7v2", "fhir-json", "fhir-ndjson", "dicom", "pdf", "xlsx", "email", "archive",
            "empty", "binary"} <= kinds
    assert {it.format for it in truth.items if it.kind == "archive"} == {"zip", "tar", "gzip", "zstd", "7z"}
    assert {it.format for it in truth.items if it.kind == "sql-dump"} == {"mysql", "postgresql", "sqlite"}
    assert any(it.vpath.count("!/") == 3 for it in truth.items)  # dump.zip!/x.tar.gz!/y.zip!/z.csv


def test_truth_json_round_trip(zip_dump):
    _, truth = zip_dump
    again = GroundTruth.from_json(truth.to_json())
    assert again == truth
    assert again.totals() == truth.totals()


def test_hostile_items_hold_no_new_people(zip_dump):
    _, truth = zip_dump
    readable = truth.unique("nir")
    for it in truth.items:
        if not it.exact:
            assert it.identifiers.get("nir", set()) <= readable, it.vpath
    assert {it.hostile for it in truth.items if it.hostile} == {"truncated-gzip", "corrupt-dicom", "empty",
                                                                 "all-nul", "encrypted"}


@pytest.fixture(scope="module")
def small_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("smallzip") / "fuite.zip"
    return build_dump(out, target_bytes=3 * MB, seed=5, layout="zip")


def _same_content(a: GroundTruth, b: GroundTruth, layout: str) -> None:
    def strip(t):
        return [(it.vpath.split("/", 1)[1] if t.layout == "folder" else it.vpath.split("!/", 1)[1], it.records,
                 it.identifiers) for it in t.items]

    assert strip(a) == strip(b)
    assert abs(a.content_bytes - b.content_bytes) < 512  # py7zr stamps the current time: a few bytes move


@pytest.mark.parametrize("layout", ["folder", "tar.gz"])
def test_other_layouts_same_content(tmp_path, small_zip, layout):
    out = tmp_path / ("fuite" if layout == "folder" else "fuite.tar.gz")
    a = build_dump(out, target_bytes=3 * MB, seed=5, layout=layout)
    check_dump(out, layout, a)
    _same_content(a, small_zip, layout)
    assert not list(tmp_path.glob(".*staging"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["folder", "tar.gz"])
def test_other_layouts_at_20mb(tmp_path, layout):
    out = tmp_path / ("fuite" if layout == "folder" else "fuite.tar.gz")
    truth = build_dump(out, target_bytes=20 * MB, seed=1, layout=layout)
    assert 0.8 * 20 * MB < truth.content_bytes < 1.25 * 20 * MB
    check_dump(out, layout, truth)


def test_same_seed_same_dump_and_plant_hook(tmp_path):
    t1 = build_dump(tmp_path / "1.zip", target_bytes=1 * MB, seed=9, hostile=False)
    t2 = build_dump(tmp_path / "2.zip", target_bytes=1 * MB, seed=9, hostile=False)
    assert [(i.vpath.split("!/", 1)[1], i.identifiers, i.records) for i in t1.items] == \
        [(i.vpath.split("!/", 1)[1], i.identifiers, i.records) for i in t2.items]
    with zipfile.ZipFile(tmp_path / "1.zip") as z1, zipfile.ZipFile(tmp_path / "2.zip") as z2:
        assert z1.read("chu-rennes/exports/export_patients_dpi.csv") == z2.read("chu-rennes/exports/export_patients_dpi.csv")
    assert not any(i.hostile for i in t1.items)

    canaries = PeopleFactory(77, nir_order_range=(900, 999))
    planted: dict[tuple[str, str], str] = {}

    def plant(est, fmt, records):
        if fmt in ("csv", "hl7-adt"):
            canary = canaries.record(est)
            planted[(est.finess, fmt)] = canary.patient.nir
            yield canary
        yield from records

    t3 = build_dump(tmp_path / "3.zip", target_bytes=1 * MB, seed=9, hostile=False, plant=plant)
    assert planted
    for nir in planted.values():
        assert nir in t3.unique("nir") and nir not in t1.unique("nir")
    check_dump(tmp_path / "3.zip", "zip", t3)


def test_refuses_to_overwrite_and_bad_layout(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"")
    with pytest.raises(FileExistsError):
        build_dump(tmp_path / "x.zip", target_bytes=MB)
    with pytest.raises(ValueError):
        build_dump(tmp_path / "y.rar", target_bytes=MB, layout="rar")


@pytest.mark.timeout(30)
def test_tee_into_feeds_both_and_propagates_errors():
    from workbench.synth.dump import tee_into

    got = tee_into(iter(range(5000)), lambda it: sum(it), lambda it: [x for x in it if x % 1000 == 0])
    assert got == (sum(range(5000)), [0, 1000, 2000, 3000, 4000])

    def boom(it):
        for x in it:
            if x == 10:
                raise RuntimeError("second consumer failed")

    with pytest.raises(RuntimeError, match="second consumer failed"):
        tee_into(iter(range(100_000)), lambda it: sum(it), boom)
    with pytest.raises(ZeroDivisionError):
        tee_into(iter(range(100_000)), lambda it: [1 / (x - 50) for x in it], lambda it: sum(it))
