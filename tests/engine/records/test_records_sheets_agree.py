"""The same patients exported as CSV, XLSX and ODS give the same records (issue 10: the ODS sheet that gave 0).

Each file is written the way its usual producer writes it:
  - CSV as French hospital software does: cp1252, ``;``, CRLF, dates ``dd/mm/yyyy``;
  - XLSX as Excel keeps a typed sheet: dates are date cells shown ``dd/mm/yyyy``, identifiers are text cells
    (number format ``@``) so that FINESS ``050031244`` keeps its leading zero;
  - ODS as LibreOffice Calc saves it: ``office:value-type="date"`` cells with an ``office:date-value``, text cells
    ``office:value-type="string"``, a display text, and the trailing block of repeated empty rows and columns.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests.engine import fixtures_kinds as F
from workbench.engine import kinds
from workbench.engine.blob import Blob
from workbench.engine.records import parse

FINESS = "050031244"  # a real-shaped FINESS with a leading zero (department 05)
HEADERS = ["NOM", "PRENOM", "DATE_NAISSANCE", "SEXE", "NIR", "IPP", "FINESS"]
PEOPLE = F.people(25, seed=10)
COMPARED = ["nir", "family_name", "given_name", "birth_date", "sex", "ipp", "facility_finess"]


def _birth(p: dict[str, str]) -> dt.date:
    return dt.date.fromisoformat(p["naissance"])


def csv_bytes() -> bytes:
    lines = [";".join(HEADERS)]
    for p in PEOPLE:
        lines.append(";".join([p["nom"].upper(), p["prenom"], _birth(p).strftime("%d/%m/%Y"), p["sexe"], p["nir"],
                               p["ipp"], FINESS]))
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Patients"
    ws.append(HEADERS)
    for p in PEOPLE:
        ws.append([p["nom"].upper(), p["prenom"], _birth(p), p["sexe"], p["nir"], p["ipp"], FINESS])
        row = ws.max_row
        ws.cell(row, 3).number_format = "DD/MM/YYYY"
        for col in (5, 6, 7):
            ws.cell(row, col).number_format = "@"  # typed as text, as the exporting software declares them
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ods_bytes() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Patients")
    table.addElement(TableColumn(numbercolumnsrepeated=len(HEADERS)))

    def text_cell(value: str) -> TableCell:
        cell = TableCell(valuetype="string")
        cell.addElement(P(text=value))
        return cell

    def date_cell(value: dt.date) -> TableCell:
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.strftime("%d/%m/%Y")))
        return cell

    header = TableRow()
    for name in HEADERS:
        header.addElement(text_cell(name))
    table.addElement(header)
    for p in PEOPLE:
        tr = TableRow()
        tr.addElement(text_cell(p["nom"].upper()))
        tr.addElement(text_cell(p["prenom"]))
        tr.addElement(date_cell(_birth(p)))
        for value in (p["sexe"], p["nir"], p["ipp"], FINESS):
            tr.addElement(text_cell(value))
        table.addElement(tr)
    # LibreOffice closes a sheet with one element standing for every empty row and column up to its limits.
    tail = TableRow(numberrowsrepeated=1048550)
    tail.addElement(TableCell(numbercolumnsrepeated=1024))
    table.addElement(tail)
    doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def xls_bytes() -> bytes:
    """Excel 97-2003 as xlwt writes it (BIFF8): date cells formatted DD/MM/YYYY, identifiers as text cells."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Patients")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for col, name in enumerate(HEADERS):
        sheet.write(0, col, name)
    for row, p in enumerate(PEOPLE, start=1):
        values = [p["nom"].upper(), p["prenom"], _birth(p), p["sexe"], p["nir"], p["ipp"], FINESS]
        for col, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write(row, col, value, date_style)
            else:
                sheet.write(row, col, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


WRITERS = {"patients.csv": csv_bytes, "patients.xlsx": xlsx_bytes, "patients.ods": ods_bytes,
           "patients.xls": xls_bytes}


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict[str, list]]:
    """name -> column -> values, every file typed by ``kinds.sniff`` as the scan types it."""
    out = {}
    for name, write in WRITERS.items():
        data = write()
        info = kinds.sniff(data[:65536], name)
        frames = list(parse(info.kind, Blob.from_bytes(data), info, f"dump.zip!/{name}"))
        assert frames, f"{name} ({info.kind}) gave no records"
        out[name] = {c: [v for f in frames for v in f[c].tolist()] for c in [*COMPARED, "locator"]}
    return out


def test_each_file_is_typed_as_its_format():
    assert [kinds.sniff(w()[:65536], n).kind for n, w in WRITERS.items()] == ["csv", "xlsx", "ods", "xls"]


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_patient_is_a_record(parsed, name):
    got = parsed[name]
    assert len(got["nir"]) == len(PEOPLE)
    assert got["nir"] == [p["nir"] for p in PEOPLE]
    assert got["birth_date"] == [p["naissance"] for p in PEOPLE]
    assert got["facility_finess"] == [FINESS] * len(PEOPLE)  # the leading zero survives


@pytest.mark.parametrize("name", ["patients.xlsx", "patients.ods", "patients.xls"])
def test_sheets_give_the_same_records_as_the_csv(parsed, name):
    for column in COMPARED:
        assert parsed[name][column] == parsed["patients.csv"][column], column
    assert parsed[name]["locator"] == [f"sheet:Patients/row:{i}" for i in range(1, len(PEOPLE) + 1)]
