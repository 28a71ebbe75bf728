"""pg_dump archives made by a real PostgreSQL: typed, reported with the pg_restore command, and the plain dump
pg_restore makes from them gives the records.

Needs the PostgreSQL server and client programs (Debian: postgresql, postgresql-client); skipped without them.
As root, the throw-away cluster runs as ``nobody`` (postgres refuses root). Nothing listens on TCP: the socket
is in the test's temporary folder.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.engine.records.test_records_csv import make_nir
from workbench.engine import kinds
from workbench.engine.blob import Blob
from workbench.engine.records import RecordNote, parse
from workbench.engine.records.pgarchive import archive_header

NIR = make_nir(1, 1961, 5, "29", 232, 41)


def _bindir() -> str | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if all(os.path.exists(os.path.join(candidate, p)) for p in ("initdb", "pg_ctl", "pg_dump", "psql")):
            return candidate
    return None


def _run(args: list[str], *, as_nobody: bool) -> None:
    if as_nobody:
        args = ["su", "-s", "/bin/sh", "nobody", "-c", shlex.join(args)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def archive():
    bindir = _bindir()
    as_nobody = os.geteuid() == 0
    if bindir is None or (as_nobody and shutil.which("su") is None):
        pytest.skip("PostgreSQL server programs not installed")
    with tempfile.TemporaryDirectory(prefix="balise-pg-") as name:  # pytest's folders are closed to nobody
        folder = Path(name)
        os.chmod(folder, 0o777)
        yield _make_archive(bindir, folder, as_nobody)


def _make_archive(bindir: str, folder: Path, as_nobody: bool) -> Path:
    data, port = folder / "data", "54331"
    try:
        _run([f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", "pg"], as_nobody=as_nobody)
        _run([f"{bindir}/pg_ctl", "-D", str(data), "-o", f"-k {folder} -c listen_addresses= -p {port}", "-l",
              str(folder / "log"), "start", "-w"], as_nobody=as_nobody)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"no throw-away PostgreSQL cluster here: {exc.stderr.decode(errors='replace')[:200]}")
    try:
        sql = ("CREATE TABLE patients (id int, ipp text, nir char(15), nom text, note text, photo bytea);"
               f"INSERT INTO patients VALUES (1, '00042', '{NIR}', 'LE BRIS', E'tab\\there', '\\x89504e47'),"
               "(2, '00043', NULL, 'O''NEILL', NULL, NULL);")
        client = ["-h", str(folder), "-p", port, "-U", "pg"]
        _run([f"{bindir}/psql", *client, "-d", "postgres", "-q", "-c", sql], as_nobody=as_nobody)
        _run([f"{bindir}/pg_dump", *client, "-Fc", "-f", str(folder / "leak.dump"), "postgres"], as_nobody=as_nobody)
    finally:
        _run([f"{bindir}/pg_ctl", "-D", str(data), "stop", "-m", "fast"], as_nobody=as_nobody)
    return folder / "leak.dump"


def test_a_real_custom_archive_is_typed_and_reported(archive):
    data = archive.read_bytes()
    info = kinds.sniff(data[:65536], archive.name)
    assert (info.kind, info.format) == ("pg-archive", "custom")
    header = archive_header(data)
    assert header["database"] == "postgres" and header["archive_version"].startswith("1.1")
    notes: list[RecordNote] = []
    assert list(parse(info.kind, Blob.from_bytes(data), info, "leak.zip!/leak.dump", notes=notes)) == []
    assert notes[0].meta["command"] == "pg_restore -f out.sql leak.dump"


def test_the_command_of_the_finding_makes_a_dump_that_gives_the_records(archive, tmp_path):
    out = tmp_path / "out.sql"
    subprocess.run([f"{_bindir()}/pg_restore", "-f", str(out), str(archive)], check=True, timeout=60)
    data = out.read_bytes()
    info = kinds.sniff(data[:65536], "out.sql")
    frames = list(parse(info.kind, Blob.from_bytes(data), info, "out.sql"))
    (frame,) = frames
    assert frame["locator"].tolist() == ["table:public.patients/row:1", "table:public.patients/row:2"]
    assert frame["nir"].tolist() == [NIR, None] and frame["family_name"].tolist() == ["LE BRIS", "O'NEILL"]
    assert frame["src.note"][0] == "tab\there" and frame["src.photo"][0] == "\\x89504e47"
