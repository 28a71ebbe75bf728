"""Spreadsheets through python-calamine, openpyxl where number formats restore leading zeros.

Measured (issue 12): a 200,000 x 10 XLSX (9.8 MB, written by openpyxl) parsed into records in 71 s of CPU with
openpyxl's read-only mode (266 s wall on the loaded shared machine) and 5.2 s of CPU with calamine (5.7 s wall):
about 13x. The test below checks a 20,000-row sheet gives the same records both ways.
"""

from __future__ import annotations

import io

import pytest

from workbench.engine import kinds, walker
from workbench.engine.blob import Blob
from workbench.engine.records import RecordsError, parse, sheets
from workbench.engine.records.sheets import _parse_openpyxl, parse_calamine


def _xlsx(rows: int, *, padded: bool = False) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Patients")
    ws.append(["IPP", "NOM", "PRENOM", "TELEPHONE", "POIDS"])
    for k in range(rows):
        ws.append([f"{k:08d}", f"NOM{k}", "Anne", 298000000 + k, 60.5 + k % 3])
    buf = io.BytesIO()
    wb.save(buf)
    if not padded:
        return buf.getvalue()
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(buf.getvalue()))
    for (cell,) in wb["Patients"].iter_rows(min_row=2, min_col=4, max_col=4):
        cell.number_format = "0000000000"  # a phone number kept as a number, shown with its leading zero
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _records(data: bytes, name: str):
    info = kinds.sniff(data[:65536], name)
    frames = list(parse(info.kind, Blob.from_bytes(data), info, name))
    return info, frames


def test_calamine_and_openpyxl_give_the_same_records():
    data = _xlsx(20_000)
    fast = list(parse_calamine(Blob.from_bytes(data), None, "x.xlsx", batch_rows=50_000))
    slow = list(_parse_openpyxl(Blob.from_bytes(data), "x.xlsx", 50_000))
    assert sum(map(len, fast)) == 20_000
    for a, b in zip(fast, slow, strict=True):
        assert a.fillna("").astype(str).equals(b.fillna("").astype(str))
    assert fast[0]["src.POIDS"].tolist()[:2] == ["60.5", "61.5"] and fast[0]["ipp"][0] == "00000000"


def test_a_zero_padding_format_sends_the_workbook_to_openpyxl():
    data = _xlsx(5, padded=True)
    with Blob.from_bytes(data) as blob, blob.open() as fh:
        assert sheets._zero_padded_formats(fh)
    _, frames = _records(data, "p.xlsx")
    assert frames[0]["src.TELEPHONE"].tolist()[0] == "0298000000"  # the leading zero restored from the format
    with Blob.from_bytes(_xlsx(5)) as blob, blob.open() as fh:
        assert not sheets._zero_padded_formats(fh)


def test_a_big_xls_whose_directory_lies_past_the_head_is_typed_by_the_walker():
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Patients")
    for col, name in enumerate(["IPP", "NOM", "PRENOM", "NOTE"]):
        sheet.write(0, col, name)
    for row in range(1, 3000):
        for col, value in enumerate([f"{row:08d}", f"NOM{row}", "Yann", "x" * 40 + str(row)]):
            sheet.write(row, col, value)
    buf = io.BytesIO()
    book.save(buf)
    data = buf.getvalue()
    assert len(data) > 3 * 65536
    head_kind = kinds.sniff(data[:65536], "big.xls")
    with Blob.from_bytes(data) as blob:
        assert head_kind.kind == "xls" or walker._ole2_kind(blob) == "xls"
        frames = list(parse("xls", blob, head_kind, "big.xls"))
    assert sum(map(len, frames)) == 2999 and frames[0]["ipp"][0] == "00000001"


def test_other_ole2_files_stay_binary():
    data = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    data[0x1E:0x20] = (9).to_bytes(2, "little")
    data[0x30:0x34] = (0).to_bytes(4, "little")
    entry = "WordDocument".encode("utf-16-le") + b"\x00\x00"
    data[512:512 + len(entry)] = entry
    data[512 + 64:512 + 66] = len(entry).to_bytes(2, "little")
    data[512 + 66] = 2
    assert kinds.sniff(bytes(data), "x.doc").kind == "binary"


@pytest.mark.parametrize("name", ["bad.xlsx", "bad.ods"])
def test_a_corrupt_workbook_is_one_records_error(name):
    data = b"PK\x03\x04" + b"\x00" * 200
    with pytest.raises(RecordsError, match="not a readable spreadsheet"):
        list(parse_calamine(Blob.from_bytes(data), None, name, batch_rows=10))


def test_a_huge_sheet_goes_to_the_streaming_reader(monkeypatch):
    data = _xlsx(50)
    calls = []
    monkeypatch.setattr(sheets, "MAX_CALAMINE_PART_BYTES", 1000)
    monkeypatch.setattr(sheets, "_parse_openpyxl", lambda blob, vpath, rows: calls.append(vpath) or iter(()))
    assert list(parse("xlsx", Blob.from_bytes(data), kinds.sniff(data[:65536], "h.xlsx"), "h.xlsx")) == []
    assert calls == ["h.xlsx"]
    from tests.engine.records.test_records_sheets_agree import ods_bytes

    ods = ods_bytes()
    with pytest.raises(RecordsError, match="over the 1000-byte limit"):
        list(parse("ods", Blob.from_bytes(ods), kinds.sniff(ods[:65536], "h.ods"), "h.ods"))
