import codecs
import io
import random
import tracemalloc

import pytest

from tests.engine.records._support import info, records
from workbench.engine.blob import Blob
from workbench.engine.identifiers.validators import nir_key
from workbench.engine.records import RecordsError, parse


def make_nir(sex: int, year: int, month: int, dept: str, commune: int, order: int) -> str:
    first = f"{sex}{year % 100:02d}{month:02d}{dept}{commune:03d}{order:03d}"
    return first + f"{nir_key(first):02d}"


PEOPLE = [
    # family, birth name, given, birth date (FR), sex, NIR, IPP, phone, e-mail, address, CP, city, FINESS
    ("LE GALL", "LE GALL", "Anaïs", "03/02/1987", "F", make_nir(2, 1987, 2, "29", 19, 45), "00012345",
     "02 98 12 34 56", "anais.legall@orange.fr", "3 rue de Siam", "29200", "Brest", "290000017"),
    ("KERJEAN", "MORVAN", "Gwénaëlle", "28/11/1954", "F", make_nir(2, 1954, 11, "2A", 4, 12), "00012346",
     "06.11.22.33.44", "gkerjean@free.fr", "Lieu-dit Kerhuel; bâtiment B", "01500", "Ambérieu-en-Bugey",
     "350005179"),
    ("L'HÉNAFF", "L'HÉNAFF", "Loïc", "01/01/2001", "M", make_nir(1, 2001, 1, "35", 238, 7), "00012347",
     "+33 6 98 76 54 32", "loic.lhenaff@gmail.com", "12 bd de la Liberté\r\nappartement 4", "35000", "Rennes",
     "350005179"),
]
HEADER = ["NOM_USUEL", "nom_naissance", "Prénom", "DDN", "Sexe", "NIR", "IPP", "Tél", "Mail", "Adresse",
          "CP", "Ville", "FINESS", "DATE_ENTREE", "DATE_SORTIE", "DIAG_PRINCIPAL"]


def _cp1252_csv() -> bytes:
    out = io.StringIO(newline="")
    out.write(";".join(HEADER) + "\r\n")
    for i, p in enumerate(PEOPLE):
        cells = list(p) + [f"1{i}/03/2024 08:15", f"2{i}/03/2024", "C50.9"]
        out.write(";".join(f'"{c}"' if (";" in c or "\n" in c) else c for c in cells) + "\r\n")
    return out.getvalue().encode("cp1252")


def test_cp1252_semicolon_crlf_with_accents_quotes_and_leading_zeros():
    df = records("csv", _cp1252_csv(), encoding="cp1252", delimiter=";")
    assert list(df.locator) == ["row:1", "row:2", "row:3"]
    assert list(df.nir) == [p[5] for p in PEOPLE]
    assert df.nir[1][5:7] == "2A"
    assert list(df.ipp) == ["00012345", "00012346", "00012347"]  # leading zeros kept
    assert list(df.postcode) == ["29200", "01500", "35000"]
    assert list(df.facility_finess) == ["290000017", "350005179", "350005179"]
    assert list(df.given_name) == ["Anaïs", "Gwénaëlle", "Loïc"]
    assert list(df.family_name) == ["LE GALL", "KERJEAN", "L'HÉNAFF"]
    assert list(df.birth_name) == ["LE GALL", "MORVAN", "L'HÉNAFF"]
    assert list(df.birth_date) == ["1987-02-03", "1954-11-28", "2001-01-01"]
    assert list(df["src.DDN"]) == ["03/02/1987", "28/11/1954", "01/01/2001"]  # raw kept
    assert list(df.sex) == ["F", "F", "M"]
    assert list(df.phone) == ["+33298123456", "+33611223344", "+33698765432"]
    assert df.address[1] == "Lieu-dit Kerhuel; bâtiment B"
    assert df["src.Adresse"][2] == "12 bd de la Liberté\r\nappartement 4"  # newline inside quotes
    assert list(df.event_first) == ["2024-03-10", "2024-03-11", "2024-03-12"]
    assert list(df.event_last) == ["2024-03-20", "2024-03-21", "2024-03-22"]
    assert set(df.categories) == {"identity,contact,nir,health-diagnosis,administrative"}
    assert set(df.item) == {"dump.zip!/item"} and set(df.table.isna()) == {True}


def test_encoding_and_delimiter_found_without_hints():
    df = records("csv", _cp1252_csv())
    assert list(df.given_name) == ["Anaïs", "Gwénaëlle", "Loïc"]


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-8", codecs.BOM_UTF8)])
def test_bom_encodings_tab_separated(codec, bom):
    text = "\r\n".join(["last_name\tfirst_name\tdob\tssn\tzip"] + [
        f"{p[0]}\t{p[2]}\t{p[3]}\t{p[5]}\t{p[10]}" for p in PEOPLE]) + "\r\n"
    data = bom + text.encode(codec)
    df = records("csv", data, encoding=codec, delimiter="\t")
    assert list(df.nir) == [p[5] for p in PEOPLE]
    assert list(df.given_name) == ["Anaïs", "Gwénaëlle", "Loïc"]
    assert list(df.postcode) == ["29200", "01500", "35000"]
    assert list(df.columns[-5:]) == ["src.last_name", "src.first_name", "src.dob", "src.ssn", "src.zip"]


def test_headerless_csv_is_mapped_by_content():
    rng = random.Random(5)
    lines = []
    expected = []
    for i in range(60):
        nir = make_nir(rng.choice((1, 2)), rng.randrange(1930, 2005), rng.randrange(1, 13), "35",
                       rng.randrange(1, 400), rng.randrange(1, 999))
        expected.append(nir)
        born = f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(1930, 2005)}"
        admitted = f"2024-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}"
        lines.append(f"{i + 1},X{i:05d},{nir},{born},{admitted},06{rng.randrange(10**8):08d},"
                     f"p{i}@exemple.fr,350005179")
    df = records("csv", ("\n".join(lines) + "\n").encode(), delimiter=",")
    assert len(df) == 60 and list(df.nir) == expected
    assert df.locator.iloc[0] == "row:1"  # the first line is data, not a header
    assert df.birth_date.notna().all() and df.event_first.str.startswith("2024-").all()
    assert df.email.iloc[3] == "p3@exemple.fr" and df.phone.str.startswith("+336").all()
    assert set(df.facility_finess) == {"350005179"}
    assert list(df.columns[len(df.columns) - 8:]) == [f"src.col{k}" for k in range(1, 9)]


def test_ragged_rows_fall_back_and_keep_exact_row_numbers():
    good = [f"{p[0]};{p[2]};{p[5]}" for p in PEOPLE]
    body = ["nom;prenom;nir"] + good * 2000 + [f"DUPONT;Jean;{PEOPLE[0][5]};surplus;cells", "MARTIN"] + good
    df = records("csv", ("\n".join(body) + "\n").encode(), delimiter=";", batch_rows=1000)
    assert len(df) == 6000 + 2 + 3
    assert list(df.locator) == [f"row:{k}" for k in range(1, 6006)]
    extra = df[df.locator == "row:6001"].iloc[0]
    assert extra.family_name == "DUPONT" and extra["src.#extra"] == "surplus;cells"
    short = df[df.locator == "row:6002"].iloc[0]
    assert short.family_name == "MARTIN" and short.nir is None
    assert df.nir.iloc[-1] == PEOPLE[2][5]


def test_table_without_personal_columns_gives_no_records():
    data = b"code;libelle\nC50.9;Tumeur maligne du sein\nI10;Hypertension essentielle\n"
    assert records("csv", data, delimiter=";").empty


def test_batches_stream_300k_rows_with_bounded_memory():
    rng = random.Random(11)
    nirs = [make_nir(rng.choice((1, 2)), rng.randrange(1930, 2010), rng.randrange(1, 13), "29",
                     rng.randrange(1, 400), rng.randrange(1, 999)) for _ in range(1000)]
    out = io.StringIO(newline="")
    out.write("IPP;NOM;PRENOM;DATE_NAISSANCE;NIR;CP;VILLE;DATE_ENTREE\r\n")
    for i in range(300_000):
        out.write(f"{i:09d};TANGUY;Yann;{1 + i % 28:02d}/0{1 + i % 9}/19{40 + i % 60};{nirs[i % 1000]};"
                  f"29200;Brest;2023-0{1 + i % 9}-1{i % 10}\r\n")
    data = out.getvalue().encode("cp1252")
    del out
    blob = Blob.from_bytes(data)
    tracemalloc.start()
    sizes, last, count = [], None, 0
    for frame in parse("csv", blob, info("csv", encoding="cp1252", delimiter=";"), "big.csv", batch_rows=40_000):
        sizes.append(len(frame))
        last = frame.iloc[-1]
        count += int(frame.ipp.str.startswith("0").sum())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert sum(sizes) == 300_000 and len(sizes) == 8 and max(sizes) == 40_000
    assert last.locator == "row:300000" and last.ipp == "000299999"
    assert count == 300_000
    # one batch of 40k rows x 31 columns lives at a time; the whole file as objects would be several times more
    assert peak < 160 * 2**20, peak


def test_overlong_line_is_refused(monkeypatch):
    from workbench.engine.records import csvfile

    monkeypatch.setattr(csvfile, "MAX_LINE_CHARS", 1000)
    data = b"nom;prenom;nir\nA;B;" + b"x" * 5000 + b"\n"
    with pytest.raises(RecordsError, match="longer than"):
        records("csv", data, delimiter=";")
