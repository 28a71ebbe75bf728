"""The fast scanner finds exactly what the previous hyperscan-only scanner found, on random tricky text."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from stdnum import iban as std_iban
from stdnum import luhn as std_luhn
from stdnum.fr import nir as std_nir

from tests.engine.identifiers_reference import IdentifierScanner as ReferenceScanner
from workbench.engine.identifiers import validators as V
from workbench.engine.identifiers.scanner import IdentifierScanner, IdHit
from workbench.engine.identifiers.validators import nir_key

from .test_identifiers_scanner import patient_csv

SEPS = [" ", ".", "-", "\xa0"]
GLUE = ["", "", "", ";", " ", ",", "'", "|", "^", "+", "A", "7", "x", "\r\n", "@", ".", "-", "(", "\xe9"]
HEADS = ["0", "+33", "+33 ", "+33.", "0033", "0033 ", "+33(0)", "+33 (0)", "+33 (0) ", "0033 (0)", "+33(0) "]
KEYWORDS = ["FINESS", "finess:", "RPPS", "IDNPS", "ADELI", "1.2.250.1.71.4.2.1", "N° EJ", "n°eg", "NEG"]


def _luhn_complete(body: str) -> str:
    """``body`` and its Luhn digit (Corsican FINESS: 2A -> 21, 2B -> 22 in the sum)."""
    for d in "0123456789":
        s = body.replace("2A", "21").replace("2B", "22") + d
        total = sum(int(c) if i % 2 == len(s) % 2 else sum(divmod(2 * int(c), 10)) for i, c in enumerate(s))
        if total % 10 == 0:
            return body + d
    raise AssertionError


def _token(rnd: random.Random) -> str:
    kind = rnd.randrange(12)
    if kind == 0:  # NIR, maybe Corsican, maybe lower-case letter, maybe a wrong key
        dept = rnd.choice(["35", "2A", "2B", "99", "00", "2a"])
        body = f"{rnd.choice('1234785')}{rnd.randint(0, 99):02d}{rnd.choice([1, 12, 13, 20, 42, 45, 50, 99]):02d}" \
               f"{dept}{rnd.randint(0, 999):03d}{rnd.randint(0, 999):03d}"
        key = nir_key(body.upper()) if rnd.random() < 0.8 else rnd.randint(0, 99)
        nir = body + f"{key:02d}"
        form = rnd.randrange(3)
        if form == 1:
            g = [nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]]
            return "".join(x + rnd.choice(SEPS) for x in g[:-1]) + g[-1]
        return nir[:13] + rnd.choice(SEPS) + nir[13:] if form == 2 else nir
    if kind == 1:  # phone
        digits = f"{rnd.randint(0, 9)}{rnd.randint(0, 99999999):08d}"
        head = rnd.choice(HEADS)
        if rnd.random() < 0.5:
            return head + digits
        return head + digits[0] + "".join(rnd.choice(SEPS) + digits[i : i + 2] for i in range(1, 9, 2))
    if kind in (2, 3):  # FINESS or RPPS, sometimes labelled
        num = _luhn_complete(rnd.choice(["35", "2A", "29", "2B"]) + f"{rnd.randint(0, 999999):06d}") if kind == 2 \
            else rnd.choice(["", "8"]) + _luhn_complete("1" + f"{rnd.randint(0, 10**9 - 1):09d}")
        return rnd.choice(KEYWORDS + [""] * 6) + rnd.choice([" ", " : ", "^", ""]) + num
    if kind == 4:  # e-mail
        local = rnd.choice(["jean.dupont", "a", "x_y-z+tag", ".lead", "double..dot", "trail.", "o%b"])
        domain = rnd.choice(["chu-rennes.fr", "chu.rennes.fr", "b.co", "mail.example.org", "x.xn--p1ai", "chu", "a.1"])
        return local + "@" + domain
    if kind == 5:
        return rnd.choice(["FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189",
                           "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "FR76 3000 6000 0112 3456 7890 188"])
    if kind == 6:
        return "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 20)))
    return rnd.choice(["Dupont", "né le", "12/03/1975", "rue", "Hôpital", "\t", "  ", "IPP", "-", "."])


def tricky_text(rnd: random.Random, n: int) -> bytes:
    parts = []
    for _ in range(n):
        parts.append(rnd.choice(GLUE))
        parts.append(_token(rnd))
    return "".join(parts).encode("cp1252", errors="replace")


def reference_hits(data: bytes, **kw) -> list[IdHit]:
    """The previous scanner's hits, with its one known defect removed: an address near the start of a window was
    also reported at its shorter ends (x@chu.rennes beside x@chu.rennes.fr)."""
    hits = list(ReferenceScanner(**kw).scan(data))
    longest: dict[int, int] = {}
    for h in hits:
        if h.type == "email":
            longest[h.offset] = max(longest.get(h.offset, 0), h.length)
    return [h for h in hits if h.type != "email" or h.length == longest[h.offset]]


@pytest.mark.parametrize("seed", range(6))
def test_same_hits_as_the_reference_on_random_text(seed: int) -> None:
    rnd = random.Random(seed)
    data = tricky_text(rnd, 3000)
    expected = reference_hits(data)
    assert len({h.type for h in expected}) == 6  # every type is exercised
    assert list(IdentifierScanner().scan(data)) == expected
    small = IdentifierScanner(window=rnd.randint(50, 500), overlap=32)  # many window cuts
    assert list(small.scan(data)) == expected
    assert list(IdentifierScanner(context_types=()).scan(data)) == reference_hits(data, context_types=())


def test_same_counts_on_csv_and_utf16() -> None:
    data, _ = patient_csv(500, seed=3)
    for raw in (data, data.decode("cp1252").encode("utf-16-le"), data.decode("cp1252").encode("utf-16")):
        new = IdentifierScanner(window=4096).count(raw, "x")
        old = ReferenceScanner().count(raw, "x")
        assert new.counts == old.counts and new.first_offset == old.first_offset


def test_shorter_ends_of_an_address_are_not_reported_at_the_buffer_start() -> None:
    assert [h.value for h in IdentifierScanner().scan(b"x@chu.rennes.fr;")] == ["x@chu.rennes.fr"]


# --- scanner vs validator vs python-stdnum, candidate by candidate (issue 12) ----------------------------------
#
# For each type, at least 100,000 random and adversarial candidates written in the forms the scanner looks for
# (compact, grouped with one-byte separators, the phone heads, spaced IBANs, the scanner's e-mail charset). Each
# candidate stands alone on a line; the scanner (every number reported, no context keyword needed) must report the
# whole line exactly when the validator accepts it, with the validator's canonical value; every hit it reports
# anywhere must validate. Where python-stdnum covers the type (NIR, IBAN; the Luhn of FINESS/RPPS) the validator
# must agree with it plus the INSEE/ARS structural rules stated here independently of the rules table.

N_CANDIDATES = 100_000
_SCANNER = None


def _scanner() -> IdentifierScanner:
    global _SCANNER
    if _SCANNER is None:
        _SCANNER = IdentifierScanner(context_types=())
    return _SCANNER


def _hits_per_line(cands: list[str]) -> list[list[IdHit]]:
    """Scan the candidates as one buffer, one per line; hits grouped by line, offsets relative to their line."""
    lines = [c.encode("latin-1") for c in cands]
    starts = np.cumsum([0] + [len(b) + 1 for b in lines[:-1]])
    per: list[list[IdHit]] = [[] for _ in cands]
    for h in _scanner().scan(b"\n".join(lines), encoding=None):
        line = int(np.searchsorted(starts, h.offset, "right")) - 1
        per[line].append(h._replace(offset=h.offset - int(starts[line])))
    return per


def _assert_scanner_agrees(id_type: str, cands: list[str]) -> int:
    """The agreement check; returns how many candidates the validator accepted."""
    accepted = 0
    bad: list[str] = []
    for cand, hits in zip(cands, _hits_per_line(cands), strict=True):
        valid = V.VALIDATORS[id_type](cand)
        accepted += valid
        end = len(cand.encode("latin-1"))
        value = V.normalise(id_type, cand) if valid else None
        # the token itself; for "+33 06 12 ..." (trunk 0 after a separator) its national part, same value
        whole = [h for h in hits if h.type == id_type and h.offset + h.length == end
                 and (h.offset == 0 or (id_type == "phone" and h.value == value))]
        if valid != bool(whole) or (valid and whole[0].value != value):
            bad.append(f"{cand!r}: validator {valid}, scanner {[h.value for h in whole]}")
        if len(bad) > 20:
            break
    assert not bad, "\n".join(bad)
    return accepted


def _assert_hits_sound(cands: list[str]) -> None:
    """Every value the scanner reports anywhere (sub-tokens included) is one the validator accepts."""
    data = "\n".join(cands).encode("latin-1")
    bad = []
    for h in _scanner().scan(data, encoding=None):
        raw = data[h.offset:h.offset + h.length].decode("latin-1")
        if not V.VALIDATORS[h.type](raw) or V.normalise(h.type, raw) != h.value:
            bad.append(f"{h.type} {raw!r} -> {h.value!r}")
    assert not bad[:20], "\n".join(bad[:20])


def _digits(rnd: random.Random, n: int) -> str:
    return "".join(rnd.choices("0123456789", k=n))


def _mutate(rnd: random.Random, s: str, alphabet: str = "0123456789") -> str:
    """One typo: a changed character, two neighbours swapped, or one dropped/doubled."""
    i = rnd.randrange(len(s))
    op = rnd.randrange(4)
    if op == 0:
        return s[:i] + rnd.choice(alphabet) + s[i + 1:]
    if op == 1 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if op == 2:
        return s[:i] + s[i + 1:]
    return s[:i] + s[i] + s[i:]


def _nir_candidates(rnd: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        sex = rnd.choice("1234781234785690")
        month = rnd.choice([f"{rnd.randint(0, 99):02d}", "00", "01", "12", "13", "19", "20", "42", "43", "49", "50"])
        dept = rnd.choice([_digits(rnd, 2), _digits(rnd, 2), "00", "2A", "2B", "2a", "2b", "2C", "3A", "20", "99"])
        body = sex + _digits(rnd, 2) + month + dept + _digits(rnd, 6)
        try:
            key = V.nir_key(body.upper()) if rnd.random() < 0.75 else rnd.randint(0, 99)
        except ValueError:  # a letter outside Corsica: no key to compute
            key = rnd.randint(0, 99)
        nir = body + f"{key:02d}"
        if rnd.random() < 0.15:
            nir = _mutate(rnd, nir)
        if len(nir) != 15 or rnd.random() < 0.5:
            out.append(nir)
        elif rnd.random() < 0.5:
            g = [nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]]
            out.append("".join(x + rnd.choice(SEPS) for x in g[:-1]) + g[-1])
        else:
            out.append(nir[:13] + rnd.choice(SEPS) + nir[13:])
    return out


def _luhn_body(rnd: random.Random, body: str, corsica: dict[str, str] | None = None) -> str:
    digits = body
    for k, v in (corsica or {}).items():
        if body.upper().startswith(k):
            digits = v + body[2:]
    if not digits.isdigit():
        return body + rnd.choice("0123456789")
    return body + (std_luhn.calc_check_digit(digits) if rnd.random() < 0.75 else rnd.choice("0123456789"))


def _finess_candidates(rnd: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        dept = rnd.choice([_digits(rnd, 2), _digits(rnd, 2), "00", "2A", "2B", "2a", "2b", "2C", "20"])
        f = _luhn_body(rnd, dept + _digits(rnd, 6), {"2A": "21", "2B": "22"})
        out.append(_mutate(rnd, f) if rnd.random() < 0.15 else f)
    return out


def _rpps_candidates(rnd: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        r = _luhn_body(rnd, rnd.choice("1111111023456789") + _digits(rnd, 9))
        if rnd.random() < 0.15:
            r = _mutate(rnd, r)
        out.append(rnd.choice(["8", "", "", "9"]) + r)
    return out


_BBAN = re.compile(r"(\d+)!([nac])")
_IBAN_COUNTRIES = ["FR", "FR", "FR", "DE", "GB", "MC", "NO", "BE", "ES", "IT", "NL", "CH", "LU", "PT", "MT", "SC"]


def _iban_candidates(rnd: random.Random, n: int) -> list[str]:
    from stdnum import numdb

    db = numdb.get("iban")
    structure = {cc: db.info(cc)[0][1]["bban"] for cc in _IBAN_COUNTRIES}
    alpha = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    out = []
    for _ in range(n):
        cc = rnd.choice(_IBAN_COUNTRIES)
        bban = "".join("".join(rnd.choices(alpha[kind], k=int(k))) for k, kind in _BBAN.findall(structure[cc]))
        check = std_iban.calc_check_digits(cc + "00" + bban) if rnd.random() < 0.8 else _digits(rnd, 2)
        iban = cc + check + bban
        if rnd.random() < 0.15:
            iban = _mutate(rnd, iban, alpha["c"])
        case = rnd.random()
        iban = iban.lower() if case < 0.3 else (iban[:2].capitalize() + iban[2:].lower() if case < 0.35 else iban)
        if rnd.random() < 0.4:
            iban = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        out.append(iban)
    return out


_LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-"


def _email_candidates(rnd: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        local = "".join(rnd.choices(_LOCAL_CHARS, k=rnd.choice([1, 2, 5, 10, 20, 64, 65])))
        labels = ["".join(rnd.choices("abcdefghijklmnopqrstuvwxyz0123456789-", k=rnd.choice([1, 3, 8, 63, 64])))
                  for _ in range(rnd.randint(1, 3))]
        tld = rnd.choice(["fr", "com", "org", "xn--p1ai", "c", "123", "museum", "x" * 24, "x" * 25])
        out.append(local + "@" + ".".join(labels + [tld]))
    return out


def _phone_candidates(rnd: random.Random, n: int) -> list[str]:
    heads = list(dict.fromkeys(HEADS + ["0", "0", "+33", "+33 0", "+330", "0033 0", "+33 (0)\xa0", "1", "+34"]))
    out = []
    for _ in range(n):
        digits = rnd.choice("0123456789") + _digits(rnd, 8)
        if rnd.random() < 0.1:
            digits = _mutate(rnd, digits)
        head = rnd.choice(heads)
        if rnd.random() < 0.5 or len(digits) != 9:
            out.append(head + digits)
        else:
            out.append(head + digits[0] + "".join(rnd.choice(SEPS) + digits[i:i + 2] for i in range(1, 9, 2)))
    return out


GENERATORS = {"nir": _nir_candidates, "finess": _finess_candidates, "rpps": _rpps_candidates,
              "iban": _iban_candidates, "email": _email_candidates, "phone": _phone_candidates}


@pytest.mark.slow
@pytest.mark.parametrize("id_type", sorted(GENERATORS))
def test_scanner_and_validator_agree_on_every_candidate(id_type: str) -> None:
    cands = GENERATORS[id_type](random.Random(f"diff-{id_type}"), N_CANDIDATES)
    accepted = _assert_scanner_agrees(id_type, cands)
    assert N_CANDIDATES // 50 < accepted < N_CANDIDATES  # both sides of the rule are exercised
    _assert_hits_sound(cands)


def _nir_rules_stated_here(nir: str) -> bool:
    """INSEE's structural rules, written out independently of workbench.engine.identifiers.rules."""
    month = int(nir[3:5]) if nir[3:5].isdigit() else -1
    return (nir[0] in "123478" and (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99)
            and nir[5:7] != "00")


@pytest.mark.slow
def test_nir_validator_agrees_with_stdnum() -> None:
    cands = [c.replace("-", "").replace("\xa0", "") for c in _nir_candidates(random.Random("std-nir"), N_CANDIDATES)]
    bad = [c for c in cands
           if V.is_valid_nir(c) != (std_nir.is_valid(c) and _nir_rules_stated_here(std_nir.compact(c)))]
    assert not bad[:20]
    assert sum(map(V.is_valid_nir, cands)) > N_CANDIDATES // 10


@pytest.mark.slow
def test_iban_validator_agrees_with_stdnum() -> None:
    cands = _iban_candidates(random.Random("std-iban"), N_CANDIDATES)
    bad = [c for c in cands if V.is_valid_iban(c) != (std_iban.is_valid(c) and std_iban.compact(c)[2:4].isdigit())]
    assert not bad[:20]
    assert sum(map(V.is_valid_iban, cands)) > N_CANDIDATES // 10


@pytest.mark.slow
def test_finess_and_rpps_check_digits_agree_with_stdnum_luhn() -> None:
    rnd = random.Random("std-luhn")
    for f in _finess_candidates(rnd, N_CANDIDATES):
        dept = f[:2].upper()
        digits = {"2A": "21", "2B": "22"}.get(dept, dept) + f[2:]
        expected = (len(f) == 9 and digits.isdigit() and dept != "00" and std_luhn.is_valid(digits))
        assert V.is_valid_finess(f) == expected, f
    for r in _rpps_candidates(rnd, N_CANDIDATES):
        core = r[1:] if len(r) == 12 and r[0] == "8" else r
        expected = len(core) == 11 and core.isdigit() and core[0] == "1" and std_luhn.is_valid(core)
        assert V.is_valid_rpps(r) == expected, r


def test_department_00_and_lower_case_ibans() -> None:
    """The two disagreements issue 12 measured, on their own."""
    nir00 = "18505" + "00" + "006084"
    nir00 += f"{V.nir_key(nir00):02d}"
    finess00 = "00" + "000001"
    finess00 += std_luhn.calc_check_digit(finess00)
    assert not V.is_valid_nir(nir00) and not V.is_valid_finess(finess00)
    data = f"NIR {nir00}; FINESS {finess00}; iban fr7630006000011234567890189 / fr76 3000 6000 0112 3456 7890 189"
    hits = list(IdentifierScanner().scan(data.encode()))
    assert [(h.type, h.value) for h in hits] == [("iban", "FR7630006000011234567890189")] * 2


def _load_throughput():  # the benchmark's dense dump writer (benchmarks/ is no package)
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "throughput.py"
    spec = importlib.util.spec_from_file_location("_throughput_for_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("sql", [False, True], ids=["csv", "mysqldump"])
def test_count_columns_same_as_the_reference_on_a_dense_dump(tmp_path, sql: bool) -> None:
    """issue 10's dense dump (a NIR, e-mail, phone, FINESS with keyword, RPPS per row), 1.5 MB as benchmarks/
    throughput.py writes it: count_columns (default and cut 2 KiB windows, slices emitted) counts what the
    reference counts, value by value, with the same first offsets."""
    path = tmp_path / ("dump.sql" if sql else "dump.csv")
    _load_throughput().write_dense(path, 3 * 2**19, seed=11, sql=sql)
    data = path.read_bytes()
    for context in (("finess", "rpps"), ()):  # with () every Luhn-valid FINESS and RPPS counts
        old = ReferenceScanner(context_types=context).count(data, "x")
        assert {"nir", "email", "phone"} | ({"finess", "rpps"} if not context else set()) <= set(old.counts)
        _same_columns(data, old, context)


def _same_columns(data: bytes, old, context: tuple[str, ...]) -> None:
    for scanner, slice_bytes in ((IdentifierScanner(context_types=context), 2**30),
                                 (IdentifierScanner(window=2048, context_types=context), 2**18)):
        counts: dict[str, dict[str, int]] = {}
        first: dict[str, dict[str, int]] = {}
        parts = []
        scanner.count_columns(data, "x", parts.append, max_values=20_000, slice_bytes=slice_bytes)
        for part in parts:
            for t, v, n, o in zip(*(part.table.column(c).to_pylist() for c in ("type", "value", "count",
                                                                                 "first_offset")), strict=True):
                counts.setdefault(t, {})[v] = counts.get(t, {}).get(v, 0) + n
                first.setdefault(t, {})[v] = min(first.get(t, {}).get(v, o), o)
        assert counts == old.counts and first == old.first_offset
        assert len(parts) > 1 or slice_bytes > len(data)
