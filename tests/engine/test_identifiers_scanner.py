"""Identifier scanner on realistic text: CSV (cp1252, ';'), HL7 v2, SQL dumps, UTF-16; windows and boundaries."""

from __future__ import annotations

import mmap
import random
import time
from functools import partial
from pathlib import Path

import pytest
from faker import Faker

from workbench.engine.identifiers.scanner import (
    IdentifierScanner,
    IdHit,
    count_unique,
    detect_utf16,
    to_identifier_counts,
)
from workbench.engine.identifiers.validators import nir_key


@pytest.fixture(scope="module")
def scanner() -> IdentifierScanner:
    return IdentifierScanner()


def make_nir(rnd: random.Random) -> str:
    dept = rnd.choice([f"{rnd.randint(1, 95):02d}"] * 30 + ["2A", "2B", "971", "974"])[:2]
    body = f"{rnd.choice('12')}{rnd.randint(0, 99):02d}{rnd.randint(1, 12):02d}{dept}" \
           f"{rnd.randint(1, 990):03d}{rnd.randint(1, 999):03d}"
    return body + f"{nir_key(body):02d}"


def spaced(nir: str) -> str:
    return " ".join([nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]])


def patient_csv(rows: int, seed: int = 7) -> tuple[bytes, dict[str, list[str]]]:
    """A cp1252 patient export with ';' separators, and the identifiers written in it, in order."""
    fk = Faker("fr_FR")
    fk.seed_instance(seed)
    rnd = random.Random(seed)
    expected: dict[str, list[str]] = {"nir": [], "phone": [], "email": []}
    lines = ["ipp;nom;prenom;date_naissance;nir;adresse;code_postal;ville;telephone;email;commentaire"]
    for i in range(rows):
        nir = make_nir(rnd)
        phone = f"0{rnd.choice('1234567')} {rnd.randint(0, 99):02d} {rnd.randint(0, 99):02d} " \
                f"{rnd.randint(0, 99):02d} {rnd.randint(0, 99):02d}"
        email = f"{fk.user_name()}{i}@{fk.free_email_domain()}"
        written_nir = spaced(nir) if i % 5 == 0 else nir
        lines.append(";".join([
            f"{80000000 + i:09d}" if i % 3 else f"IPP{i:07d}", fk.last_name().upper(), fk.first_name(),
            fk.date_of_birth().strftime("%d/%m/%Y"), written_nir, fk.street_address(), fk.postcode(),
            fk.city(), phone, email, rnd.choice(["", "allergie pénicilline", "suivi diabète", "à rappeler"])]))
        expected["nir"].append(nir)
        expected["phone"].append("+33" + phone.replace(" ", "")[1:])
        expected["email"].append(email.lower())
    return ("\r\n".join(lines) + "\r\n").encode("cp1252"), expected


def test_csv_cp1252_exact_hits(scanner: IdentifierScanner) -> None:
    data, expected = patient_csv(400)
    hits = list(scanner.scan(data))
    for id_type in ("nir", "phone", "email"):
        assert [h.value for h in hits if h.type == id_type] == expected[id_type], id_type
    assert {h.type for h in hits} == {"nir", "phone", "email"}  # the 9-digit IPPs are not FINESS (no context)
    for h in hits:  # offsets and lengths point at the raw bytes of each identifier
        raw = data[h.offset : h.offset + h.length].decode("cp1252")
        assert raw.replace(" ", "").lower() in (h.value.lower(), "0" + h.value[3:])
    offsets = [h.offset for h in hits]
    assert offsets == sorted(offsets)


HL7 = (
    "MSH|^~\\&|SIGEMS|CHU_RENNES^350005179^FINESS|LAB|LABO|20240326101500||ADT^A01^ADT_A01|MSG0001|P|2.5^FRA^2.10\r"
    "EVN||20240326101500\r"
    "PID|||4159601^^^CHU_RENNES^PI~{nir}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS||MOREAU^CAROLINE^^^^^L||"
    "19880912|F|||22 Boulevard Gambetta^^Rennes^^35000^FRA^H||^PRN^PH^^^^^^^^^0299284321~^PRN^CP^^^^^^^^^0672983401~"
    "^NET^Internet^caroline.moreau@wanadoo.fr\r"
    "PV1||I|CH01^213^213^350005179||||10100710366^LEFRANCOIS^PASCAL^^^DOC^^^ASIP-SANTE-PS&1.2.250.1.71.4.2.1&ISO^L^^^RPPS\r"
)


def test_hl7_pid_segment(scanner: IdentifierScanner) -> None:
    nir = "288091234567853"[:13]
    nir = nir + f"{nir_key(nir):02d}"
    msg = HL7.format(nir=nir).encode("latin-1")
    got = [(h.type, h.value) for h in scanner.scan(msg)]
    assert got == [
        ("finess", "350005179"),  # MSH-4, labelled ^FINESS
        ("nir", nir),  # PID-3, the INS
        ("phone", "+33299284321"),
        ("phone", "+33672983401"),
        ("email", "caroline.moreau@wanadoo.fr"),  # after ^NET^Internet^: HL7 separators are not address characters
        # PV1-3 repeats 350005179 with no label within 64 bytes: a bare 9-digit Luhn number is not counted
        ("rpps", "10100710366"),  # PV1-7, labelled with the PS OID and ^RPPS
    ]


def test_sql_insert_dump(scanner: IdentifierScanner) -> None:
    rnd = random.Random(3)
    nirs = [make_nir(rnd) for _ in range(50)]
    rows = ",\n".join(
        f"({i},'DUPONT{i}','Marie','1975-03-{i % 28 + 1:02d}','{n}','+33 6 12 34 {i:02d} 78',"
        f"'marie.dupont{i}@chu-brest.fr','FR76 3000 6000 0112 3456 7890 189')" for i, n in enumerate(nirs))
    sql = ("-- MySQL dump 10.13\nCREATE TABLE `patient` (`id` int, `nom` varchar(64), `prenom` varchar(64), "
           "`date_naissance` date, `nir` char(15), `tel` varchar(20), `email` varchar(128), `iban` varchar(40));\n"
           f"INSERT INTO `patient` VALUES {rows};\n").encode()
    c = count_unique(scanner.scan(sql))
    assert c == {"nir": (50, 50), "phone": (50, 50), "email": (50, 50), "iban": (50, 1)}
    values = [h.value for h in scanner.scan(sql) if h.type == "nir"]
    assert values == nirs


def test_digits_inside_longer_runs_are_rejected(scanner: IdentifierScanner) -> None:
    nir = "185057800608491"
    for text in (f"9{nir}", f"{nir}0", f"X{nir}", f"{nir}A", f"ref 00{nir}00 ", f"+{'0612345678'}".replace("+", "1")):
        assert list(scanner.scan(text.encode())) == [], text
    assert [h.value for h in scanner.scan(f";{nir};".encode())] == [nir]
    assert [h.value for h in scanner.scan(nir.encode())] == [nir]  # at both ends of the buffer


def test_invalid_keys_and_structures_are_not_reported(scanner: IdentifierScanner) -> None:
    text = b"nir 185057800608436 ; 595109912611193 ; 285139912611193 ; iban FR76 3000 6000 0112 3456 7890 188"
    assert list(scanner.scan(text)) == []


def test_window_edges_report_each_identifier_once() -> None:
    rnd = random.Random(11)
    data, _ = patient_csv(300, seed=11)
    reference = list(IdentifierScanner().scan(data))
    small = IdentifierScanner(window=97, overlap=64)  # hundreds of edges, many tokens straddle one
    assert list(small.scan(data)) == reference
    # a NIR straddling one window edge exactly
    nir = make_nir(rnd)
    edged = IdentifierScanner(window=200, overlap=32)
    for cut in range(1, 15):
        buf = b"x" * (200 - cut) + b";" + nir.encode() + b";" + b"y" * 300
        hits = list(edged.scan(buf))
        assert hits == [IdHit("nir", nir, 201 - cut, 15)]


def test_finess_and_rpps_need_a_keyword_nearby(scanner: IdentifierScanner) -> None:
    far = b"code 350005179 " + b"." * 200 + b" FINESS"
    assert list(scanner.scan(far)) == []
    assert [h.value for h in IdentifierScanner(context_types=()).scan(far)] == ["350005179"]
    near = b"N\xb0 FINESS : 2B0000020 - CH de Bastia; RPPS du Dr : 10100534436"
    assert [(h.type, h.value) for h in scanner.scan(near)] == [("finess", "2B0000020"), ("rpps", "10100534436")]


def test_utf16_text_is_found_and_offsets_map_to_raw_bytes(scanner: IdentifierScanner) -> None:
    data, expected = patient_csv(60)
    text = data.decode("cp1252")
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        raw = text.encode(encoding)
        if encoding != "utf-16":
            assert detect_utf16(raw) == encoding
        hits = list(scanner.scan(raw))
        assert [h.value for h in hits if h.type == "nir"] == expected["nir"]
        assert [h.value for h in hits if h.type == "email"] == expected["email"]
        codec = "utf-16-be" if encoding == "utf-16-be" else "utf-16-le"
        for h in hits:
            token = raw[h.offset : h.offset + h.length].decode(codec)
            assert token.replace(" ", "").lower() in (h.value.lower(), "0" + h.value[3:])
    assert detect_utf16(data) is None


def test_utf16_window_edges() -> None:
    data, expected = patient_csv(80, seed=5)
    raw = data.decode("cp1252").encode("utf-16-le")
    hits = list(IdentifierScanner(window=101, overlap=64).scan(raw))
    assert [h.value for h in hits if h.type == "phone"] == expected["phone"]
    assert hits == list(IdentifierScanner().scan(raw))


def test_mmap_and_base_offset(scanner: IdentifierScanner, tmp_path: Path) -> None:
    data, expected = patient_csv(50)
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        hits = list(scanner.scan(mm, base_offset=1000))
    assert [h.value for h in hits if h.type == "nir"] == expected["nir"]
    assert hits == [IdHit(h.type, h.value, h.offset + 1000, h.length) for h in scanner.scan(data)]
    first = hits[0]
    raw = data[first.offset - 1000 : first.offset - 1000 + first.length]
    assert raw.replace(b" ", b"").decode() == first.value


def test_counts_helpers(scanner: IdentifierScanner) -> None:
    data, expected = patient_csv(30)
    doubled = data + data
    hits = list(scanner.scan(doubled))
    assert count_unique(hits)["nir"] == (60, 30)
    counts = to_identifier_counts("dump.zip!/export.csv", hits)
    assert counts.counts["nir"][expected["nir"][0]] == 2
    assert counts.first_offset["nir"][expected["nir"][0]] < len(data)
    fast = scanner.count(doubled, "dump.zip!/export.csv")
    assert fast.counts == counts.counts and fast.first_offset == counts.first_offset


def test_scanner_is_picklable(scanner: IdentifierScanner) -> None:
    import pickle

    clone = pickle.loads(pickle.dumps(scanner))
    assert list(clone.scan(b";185057800608491;")) == list(scanner.scan(b";185057800608491;"))


@pytest.mark.slow
def test_throughput_on_pii_dense_csv() -> None:
    """~50 MB of patient CSV, a NIR, a phone and an e-mail per line; counts exact; prints MB/s of CPU time."""
    block, expected = patient_csv(2000, seed=1)
    reps = 50_000_000 // len(block) + 1
    data = block * reps
    scanner = IdentifierScanner()
    t0 = time.process_time()
    counts = count_unique(scanner.scan(data))
    dt = time.process_time() - t0
    assert counts["nir"] == (2000 * reps, len(set(expected["nir"])))
    assert counts["email"][0] == 2000 * reps
    print(f"\nidentifier scanner: {len(data) / 1e6 / dt:.1f} MB/s, {sum(c[0] for c in counts.values()) / dt / 1e6:.2f}"
          f" M identifiers/s (CPU time, {len(data) / 1e6:.0f} MB)")


def _keep_end(hits: list, pid: int, _frm: int, to: int, _flags: int, _ctx: object) -> None:
    hits.append((pid, to))


@pytest.mark.parametrize("context_bytes", [0, 3, 8, 64])
def test_context_keywords_are_found_exactly_where_the_regex_finds_them(context_bytes: int) -> None:
    """The column-wise keyword test (hyperscan ends, bodies enumerated, \\b from the neighbouring bytes) against
    CONTEXT_KEYWORDS.search on each token's own slice, whose edges count as word boundaries, on text made of
    the keywords' letters, spaces and word characters."""
    import numpy as np

    from workbench.engine.identifiers import scanner as S

    sc = IdentifierScanner(context_bytes=context_bytes)
    rnd = random.Random(context_bytes)
    keywords = [b"finess", b"RPPS", b"idnps", b"Adeli", b"1.2.250.1.71.4.2.1", b"nej", b"N eG", b"n1ej", b"nx ej",
                b"nxy eg", b"n  ej", b"nxyzeg"]
    found = 0
    for _ in range(300):
        data = bytearray(rnd.choice(b"nNeEjJgG \t\n_x1.-;") for _ in range(rnd.randint(5, 300)))
        for _ in range(rnd.randint(0, 3)):
            at = rnd.randint(0, len(data))
            data[at:at] = rnd.choice(keywords)
        data = bytes(data)
        hits: list[tuple[int, int]] = []
        sc._db.scan(data, match_event_handler=partial(_keep_end, hits), scratch=sc._scratch())
        pid_a = np.array([h[0] for h in hits], dtype=np.int64)
        to_a = np.array([h[1] for h in hits], dtype=np.int64)
        kw = sc._kind[pid_a] == 0 if hits else np.zeros(0, dtype=bool)
        spans = sc._keyword_spans(np.frombuffer(data, dtype=np.uint8), 0, pid_a[kw], to_a[kw]) if kw.any() \
            else S._NO_KEYWORDS
        starts = np.arange(len(data), dtype=np.int64)
        for length in (1, 9):
            got = sc._near_keyword(memoryview(data), starts, length, spans)
            lo = np.maximum(starts - context_bytes, 0)
            hi = np.minimum(starts + length + context_bytes, len(data))
            expected = [S.CONTEXT_KEYWORDS.search(data[a:b]) is not None for a, b in zip(lo, hi, strict=True)]
            assert got.tolist() == expected, data
            found += sum(expected)
    assert found > 1000  # the keywords were there to be found
