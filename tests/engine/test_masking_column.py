"""``mask_identifier_column`` (pyarrow, whole columns) gives exactly what ``mask_identifier`` gives, value by value."""

from __future__ import annotations

import random
import string

import pyarrow as pa
import pytest

from workbench.engine.masking import mask_identifier, mask_identifier_column


def _values(id_type: str, rng: random.Random) -> list[str | None]:
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    common = {
        "nir": [f"{rng.choice('12')}{digits(2)}{digits(2)}{rng.choice(['2A', '2B', digits(2)])}{digits(6)}{digits(3)}"
                for _ in range(300)] + ["1850578006084", "18505780060849199"],  # short and long: odd shapes
        "email": [f"{rng.choice(string.ascii_lowercase)}{digits(3)}.x@{rng.choice(['chu-rennes', 'a'])}.fr"
                  for _ in range(300)] + ["@nohost.fr", "a@b", "x@.fr", "jean@mail.example.co.uk"],
        "phone": [f"+33{rng.choice('1234679')}{digits(8)}" for _ in range(300)] + ["+4420123456", "0612"],
        "iban": [f"FR76{digits(23)}" for _ in range(100)] + ["DE89370400440532013000", "FR7"],
        "rpps": [f"10{digits(9)}" for _ in range(100)] + ["123", "1234567"],
        "finess": [digits(9) for _ in range(20)],
    }
    return [*common[id_type], None]


@pytest.mark.parametrize("id_type", ["nir", "email", "phone", "iban", "rpps", "finess"])
def test_column_mask_equals_the_value_mask(id_type):
    values = _values(id_type, random.Random(id_type))
    got = mask_identifier_column(id_type, pa.array(values, pa.string())).to_pylist()
    expected = [None if v is None else mask_identifier(id_type, v) for v in values]
    assert got == expected
    if id_type != "finess":
        assert not set(got) & {v for v in values if v and len(v) > 4}  # nothing left in clear


def test_chunked_columns_are_masked_too():
    column = pa.chunked_array([["+33612345678"], ["+33298765432"]])
    assert mask_identifier_column("phone", column).to_pylist() == ["+33 6 ** ** ** 78", "+33 2 ** ** ** 32"]
