"""Property-based fuzzing (hypothesis) of the readers that meet raw evidence first (issue 14, point 6).

Each reader's contract: it raises only its declared error type, or records what is wrong, whatever the bytes.
- ``kinds.sniff``: never raises (typing must always give a kind);
- the SQL, HL7, CSV and FHIR record parsers (and the DICOM header reader): only ``RecordsError``;
- ``dicomcheck.dicom_anomalies``: never raises (it names the damage);
- the zip reader (central directory, local headers, names, members): only ``ArchiveError`` or ``BoundExceeded``.

Inputs are real files written by the project's synthetic writers (and pydicom, zipfile), mutated (bytes flipped,
inserted, deleted, duplicated, cut) or rebuilt from each format's significant tokens. A fixed budget:
derandomized (the same examples on every run, no example database written), ``max_examples`` per target.
"""

from __future__ import annotations

import functools
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine import hostile_corpus as hc
from workbench.engine.archives import ArchiveError, iter_members
from workbench.engine.blob import Blob
from workbench.engine.bounds import BoundExceeded, Bounds, Budget
from workbench.engine.dicomcheck import dicom_anomalies
from workbench.engine.kinds import KindInfo, sniff
from workbench.engine.records import RecordsError, parse

pytestmark = pytest.mark.slow

BUDGET = settings(derandomize=True, database=None, deadline=None, max_examples=150,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much])
BOUNDS = Bounds(ratio_grace_bytes=1 << 20, max_members=2000)


# -- seeds ----------------------------------------------------------------------------------------------
@functools.cache
def _people():
    from workbench.synth.establishments import DEMO_ESTABLISHMENTS
    from workbench.synth.people import PeopleFactory

    factory = PeopleFactory(14)
    return [factory.record(DEMO_ESTABLISHMENTS[i % len(DEMO_ESTABLISHMENTS)]) for i in range(3)]


def _written(writer, **kw) -> bytes:
    buf = io.BytesIO()
    writer(_people(), buf, **kw)
    return buf.getvalue()


@functools.cache
def seeds(kind: str) -> tuple[bytes, ...]:
    from workbench.synth.formats import csv_export, fhir, hl7, sql

    if kind == "csv":
        return (_written(csv_export.write_csv), _written(csv_export.write_csv, encoding="utf-8", delimiter=","),
                hc.PATIENTS)
    if kind == "sql-dump":
        return (_written(sql.write_mysql_dump, database="dpi"), _written(sql.write_postgres_dump),
                _written(sql.write_sqlite_dump))
    if kind == "hl7v2":
        return (_written(hl7.write_adt), _written(hl7.write_oru))
    if kind == "fhir-json":
        return (_written(fhir.write_bundle),)
    if kind == "fhir-ndjson":
        return (_written(fhir.write_ndjson),)
    if kind == "dicom":
        return (hc.dicom_file(), hc.dicom_file(implicit=True), hc.dicom_file(4, 4)[132:])
    if kind == "zip":
        return (hc.zip_bytes([("a.csv", hc.PATIENTS), ("d/", b""), ("b.txt", b"x" * 300)]),
                hc.zip_bytes([("a.csv", hc.PATIENTS)], compression=zipfile.ZIP_STORED),
                hc.zip_bad_utf8_name(), hc.zip_symlink("/etc/passwd"), b"junk" + hc.zip_bytes([("p.csv", b"1;2\n")]))
    raise ValueError(kind)


TOKENS = {
    "sql-dump": ["INSERT INTO ", "`t`", " VALUES ", "(", ")", ",", "'", "\\'", "''", "1", "-2.5e3", "NULL", ";\n",
                 "CREATE TABLE ", "t", " (", "nom varchar(20)", "nir char(15)", "`", '"', "COPY public.t (a, b) ",
                 "FROM stdin;\n", "\\.\n", "\t", "\\N", "-- c\n", "/*", "*/", "é", "\x00", "\n", "DUPONT",
                 "1850775123456", "_binary 0x4142", "X'00'", "BEGIN TRANSACTION;\n", "PRAGMA foreign_keys=OFF;\n"],
    "hl7v2": ["MSH|^~\\&|", "PID|", "PV1|", "OBX|", "|", "^", "~", "\\", "&", "\r", "\n", "1850775123456",
              "^^^FINESS&1.2.250.1.71.4.2.2&ISO^NH", "DUPONT^JEAN", "19850101", "ADT^A01", "2.5", "\x0b", "\x1c",
              "é", "\x00"],
    "csv": ["nom", "prenom", "nir", "email", ";", ",", "\t", '"', '""', "\n", "\r\n", "DUPONT", "1850775123456",
            "jean@example.fr", "é", "\x00", "=cmd|'/c calc'!A0", " "],
    "fhir-json": ['{"resourceType":"Bundle","entry":[', '{"resource":', '{"resourceType":"Patient"', ',"id":"1"',
                  ',"identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"1850775123456"}]',
                  ',"name":[{"family":"DUPONT","given":["Jean"]}]', ',"birthDate":"1985-01-01"', "}", "]", ",",
                  '"', "null", "1e999", "\\ud800", "[", "{", ":"],
    "fhir-ndjson": ['{"resourceType":"Patient","id":"1"}', '{"resourceType":"Encounter","subject":',
                    '{"reference":"Patient/1"}', "}", "\n", "{", "[", '"', "null", "\\u0000", ":", ","],
}


@st.composite
def mutated(draw, kind: str) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds(kind))))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut", "dup", "set"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[pos] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, ord("'"), ord("("), ord("|"), ord("\n")]))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "cut":
            del data[pos:]
        elif op == "dup":
            end = min(len(data), pos + draw(st.integers(1, 256)))
            data[pos:pos] = data[pos:end]
    return bytes(data)


def tokens(kind: str) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(TOKENS[kind]), max_size=80).map(lambda t: "".join(t).encode("utf-8"))


def inputs(kind: str) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(kind), tokens(kind)) if kind in TOKENS else mutated(kind)


def run_records(kind: str, data: bytes) -> None:
    info = sniff(data[:65536], "fuzz")
    info = KindInfo(kind=kind, format=info.format if info.kind == kind else None, mime=None, magic=None,
                    encoding=info.encoding, delimiter=info.delimiter)
    with Blob.from_bytes(data) as blob:
        try:
            for _frame in parse(kind, blob, info, "fuzz", batch_rows=500):
                pass
        except RecordsError:
            pass


# -- targets --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sql-dump", "hl7v2", "csv", "fhir-json", "fhir-ndjson", "dicom"])
def test_record_parsers_raise_only_records_error(kind):
    @BUDGET
    @given(inputs(kind))
    def check(data: bytes) -> None:
        run_records(kind, data)

    run_records(kind, seeds(kind)[0])  # the seed itself parses (else the mutations prove little)
    check()


def test_seeds_give_records():
    for kind in ("sql-dump", "hl7v2", "csv", "fhir-json", "fhir-ndjson", "dicom"):
        info = sniff(seeds(kind)[0][:65536], "seed")
        with Blob.from_bytes(seeds(kind)[0]) as blob:
            assert sum(len(f) for f in parse(kind, blob, info, "seed")) > 0, kind


MAGICS = [b"PK\x03\x04", b"\x1f\x8b\x08", b"BZh9", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"7z\xbc\xaf\x27\x1c",
          b"%PDF-1.7\n", b"\x00" * 128 + b"DICM", b"MSH|^~\\&|", b"INSERT INTO ", b"-- MySQL dump", b"COPY ",
          b'{"resourceType":', b"From: ", b"From a@b ", b"<?xml ", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
          b"SQLite format 3\x00", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0"]
NAMES = ["a.txt", "a.csv", "a.zip", "x.tar.gz", "noext", ".hidden", "a." + "b" * 300, "a.sql.zst", "é.DCM", ""]


@BUDGET
@given(st.one_of(st.binary(max_size=2048),
                 st.tuples(st.sampled_from(MAGICS), st.binary(max_size=1024)).map(b"".join)),
       st.sampled_from(NAMES))
def test_sniff_never_raises(head, name):
    info = sniff(head, name)
    assert isinstance(info.kind, str) and info.kind


@BUDGET
@given(inputs("dicom"))
def test_dicom_structure_check_never_raises(data):
    for rule, detail in dicom_anomalies(memoryview(data)):
        assert rule.startswith("dicom-") and detail


@settings(BUDGET, max_examples=300)
@given(inputs("zip"))
def test_zip_reader_raises_only_its_errors(data):
    blob = Blob.from_bytes(data)
    try:
        for member in iter_members("zip", blob, name="f.zip", bounds=BOUNDS, budget=Budget(BOUNDS, len(data))):
            assert isinstance(member.name, str)
            try:
                with member.open() as fh:
                    while fh.read(1 << 16):
                        pass
            except (ArchiveError, BoundExceeded):
                pass
    except (ArchiveError, BoundExceeded):
        pass
