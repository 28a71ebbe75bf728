"""The column-wise normalisers give exactly what the per-value ``checks`` functions give, value by value."""

import random

import numpy as np
import pytest

from workbench.engine.records import checks, fastnorm

SEPARATORS = ["", " ", ".", "-", "/", "\u00a0", "  ", "\t"]


def _dates(rng: random.Random) -> str:
    y, m, d = rng.randint(1800, 2250), rng.randint(0, 13), rng.randint(0, 32)
    form = rng.choice([
        f"{d:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{d}/{m}/{y}", f"{d:02d}.{m:02d}.{y}",
        f"{d:02d}-{m:02d}-{y}", f"{y}{m:02d}{d:02d}", f"{d:02d}/{m:02d}/{y % 100:02d}", f"{y}/{m:02d}/{d:02d}",
        f"{y}-{m:02d}-{d:02d}T12:30:00", f"{y}-{m:02d}-{d:02d} 12:30", f"{d:02d}/{m:02d}/{y} 21:41",
        f"{d:02d}/{m:02d}/{y}T08", f"{d:02d}/{m:02d}/{y}{rng.choice(['x', ' ', chr(10), ' x' * 20])}",
        f" {d:02d}/{m:02d}/{y}", f"{d:02d}/{m:02d}/{y} ", f"{y}-{m:02d}-{d:02d}\n", "٢٠٢٣-٠١-٠٥",
        f"{d:02d}/{m:02d}/{y}\u00a0", f"{y}-{m:02d}-{d:02d}T" + "9" * rng.randint(25, 32), "", "  ", "n/a",
    ])
    return form


def _phones(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(9))
    sep = rng.choice(SEPARATORS)
    pairs = sep.join([digits[1:3], digits[3:5], digits[5:7], digits[7:9]])
    return rng.choice([
        f"0{digits[0]}{sep}{pairs}", f"+33{sep}{digits[0]}{sep}{pairs}", f"+33 (0){digits[0]}{sep}{pairs}",
        f"0033{digits}", f"+33 0{digits[0]}{sep}{pairs}", f"0{digits[0]}{sep}{pairs} ", f"({digits})",
        f"+44 {digits}", "()", "", f"0 {digits}", f"0{digits}0",
    ])


def _texts(rng: random.Random) -> str:
    words = ["LE BRIS", "D'ARMOR", "Maël", "Anne-Laure", "ÉLODIE", "", "x", "İstanbul", "ß", "rue de l'Église"]
    spaces = [" ", "  ", "\t", "\u00a0", "\u2009", "\u3000", "\n", "\x1c", "\x85", ""]
    return rng.choice(spaces).join(rng.sample(words, rng.randint(1, 3))) + rng.choice(["", "", " ", "\u202f"])


def _codes(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789AB") for _ in range(rng.choice([4, 5, 8, 9, 13, 15])))
    return rng.choice([body, body.lower(), body[:5] + " " + body[5:], f" {body}", body + ".", "2A" + body])


def _emails(rng: random.Random) -> str:
    return rng.choice(["Anne.Le-Bris@Free.FR", " a@b.fr", "ÉLO@ex.fr", "x y@z", "", "MIXED@CASE.COM ", "İ@x.tr"])


GENERATORS = {
    checks.norm_date: _dates, checks.norm_phone: _phones, checks.norm_text: _texts, checks.norm_nir: _codes,
    checks.norm_finess: _codes, checks.norm_postcode: _codes, checks.norm_email: _emails,
}


@pytest.mark.parametrize("fn", list(GENERATORS), ids=lambda f: f.__name__)
def test_column_normaliser_equals_the_value_normaliser(fn):
    rng = random.Random(hash(fn.__name__) & 0xFFFF)
    values = [GENERATORS[fn](rng) for _ in range(5000)] + [None, "", None]
    objs = np.array(values, dtype=object)
    got = fastnorm.normalise(objs, fastnorm.to_arrow(objs), fn)
    expected = [fn(v) for v in values]
    assert list(got) == expected
    assert all(v is None or type(v) is str for v in got)


def test_fast_paths_take_the_common_forms():
    """The usual French forms are handled without calling the per-value function (where the speed comes from)."""
    objs = np.array(["15/04/1954", "2023-09-28 21:41:00", "02 99 48 92 86", "+33 6 12 34 56 78"], dtype=object)
    arr = fastnorm.to_arrow(objs)
    assert list(fastnorm._mask(arr, fastnorm._DATE_FAST)) == [True, True, False, False]
    phones, phones_arrow = fastnorm._phone(objs[2:], arr[2:])
    assert list(phones) == ["+33299489286", "+33612345678"]
    assert phones_arrow.to_pylist() == list(phones)  # all in the fast set: the Arrow form comes with them
    assert list(fastnorm._dates(objs[:2], arr[:2])[0]) == ["1954-04-15", "2023-09-28"]
    mixed, mixed_arrow = fastnorm._phone(objs[1:], arr[1:])  # a value off the fast set: no Arrow form
    assert mixed_arrow is None and list(mixed) == [checks.norm_phone(objs[1]), "+33299489286", "+33612345678"]


def test_invalid_calendar_dates_are_none():
    objs = np.array(["29/02/2023", "29/02/2024", "31/04/2020", "29/02/1900", "29/02/2000", "01/01/1849",
                     "2201-01-01", "2200-12-31"], dtype=object)
    got = fastnorm.normalise(objs, fastnorm.to_arrow(objs), checks.norm_date)
    assert list(got) == [None, "2024-02-29", None, None, "2000-02-29", None, None, "2200-12-31"]


def test_non_string_values_use_the_value_normaliser():
    import datetime as dt

    objs = np.array([dt.date(2020, 1, 2), "03/04/2021", None], dtype=object)
    assert fastnorm.to_arrow(objs) is None
    assert list(fastnorm.normalise(objs, None, checks.norm_date)) == ["2020-01-02", "2021-04-03", None]


def test_frame_from_arrow_columns_equals_the_value_by_value_result():
    """Repeated values (dictionary-encoded) and hostile ones: every common column is fn(value), row by row."""
    import pandas as pd
    import pyarrow as pa

    from workbench.engine.records.frame import NORMALISERS, columns_frame, locator_array

    rng = random.Random(11)
    n = 6000
    columns = {
        "NOM": [rng.choice(["LE BRIS", "MORVAN", " TANGUY", "D'ARMOR", "", None, "LE  GOFF"]) for _ in range(n)],
        "PRENOM": [_texts(rng) for _ in range(n)],
        "DDN": [rng.choice(["15/04/1954", "1961-05-02", "31/02/1990", "", None]) if rng.random() < 0.9
                else _dates(rng) for _ in range(n)],
        "NIR": [_codes(rng) if rng.random() < 0.3 else "254043536004875" for _ in range(n)],
        "TEL": [_phones(rng) for _ in range(n)],
        "CP": [rng.choice(["35000", "2900", "35 000", None]) for _ in range(n)],
        "ENTREE": [_dates(rng) for _ in range(n)],
        "SORTIE": [_dates(rng) for _ in range(n)],
    }
    mapping = {"family_name": "NOM", "given_name": "PRENOM", "birth_date": "DDN", "nir": "NIR", "phone": "TEL",
               "postcode": "CP", "event_date": "ENTREE", "event_date.2": "SORTIE"}
    locators = locator_array("row:", 1, n)
    assert list(locators[:2]) == ["row:1", "row:2"] and locators[-1] == f"row:{n}"
    arrow = columns_frame({k: pa.array(v, type=pa.string()) for k, v in columns.items()}, mapping,
                          item="x", locators=locators)
    objects = columns_frame({k: np.array(v, dtype=object) for k, v in columns.items()}, mapping,
                            item="x", locators=locators)
    pd.testing.assert_frame_equal(arrow, objects)
    for field, source in mapping.items():
        if field in NORMALISERS:
            assert list(arrow[field]) == [NORMALISERS[field](v) for v in columns[source]], field
    for k in range(n):
        dates = sorted(d for d in (checks.norm_date(columns["ENTREE"][k]), checks.norm_date(columns["SORTIE"][k])) if d)
        assert arrow.event_first[k] == (dates[0] if dates else None)
        assert arrow.event_last[k] == (dates[-1] if dates else None)
        assert arrow["src.NOM"][k] == columns["NOM"][k]
