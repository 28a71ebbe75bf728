"""The password file: BOM, CR LF, blanks, and a non-ASCII password tried in the encodings zip tools use."""

from __future__ import annotations

import io
import zipfile

from tests.engine.bombs import patients_csv
from tests.engine.test_archives_zip import _encrypted_zip, _members, _read
from workbench.engine.passwords import parse_passwords


def test_lines_bom_crlf_blanks_and_spaces() -> None:
    data = b"\xef\xbb\xbfazerty\r\n\r\n  \r\n mot de passe \r\nazerty\n"
    assert parse_passwords(data) == [b"azerty", b" mot de passe "]


def test_non_ascii_password_tried_in_legacy_code_pages() -> None:
    got = parse_passwords("Hôpital\n".encode())
    assert got[0] == "Hôpital".encode() and "Hôpital".encode("cp850") in got and "Hôpital".encode("cp1252") in got


def test_zipcrypto_made_on_windows_opens_with_a_utf8_password_file() -> None:
    csv = patients_csv(100)
    data = _encrypted_zip("patients.csv", csv, "Sécurité".encode("cp850"))  # Explorer: the OEM code page
    assert zipfile.ZipFile(io.BytesIO(data)).read("patients.csv", pwd="Sécurité".encode("cp850")) == csv
    (m,) = _members(data, passwords=parse_passwords("Sécurité\n".encode()))
    assert not m.encrypted and _read(m) == csv
