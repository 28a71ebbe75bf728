"""Column-wise normalisers: the per-value functions of ``checks`` applied to whole columns, fast.

Each field has a *fast set* of values, recognised with one RE2 regex over the Arrow column, whose normal form
is computed with Arrow/numpy kernels and is by construction exactly what the ``checks`` function returns
(plain ASCII digits, no stray whitespace...). Every other non-empty value goes through the ``checks``
function itself, once per distinct value. So the result is always ``[fn(v) for v in column]``, only cheaper.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.engine.records import checks

# Characters Python's str.split()/str.strip() treat as whitespace (str.isspace), as an RE2 class body.
_SPACE = r"\x00-\x20\x7f-\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_TEXT_TIDY = rf"^[^{_SPACE}]+(?: [^{_SPACE}]+)*$"  # norm_text leaves it as is
_UPPER_CODE = r"^[0-9A-Z]+$"  # norm_nir leaves it as is
_FINESS9 = r"^[0-9A-Z]{9}$"  # norm_finess leaves it as is
_POSTCODE5 = r"^[0-9]{5}$"
_POSTCODE4 = r"^[0-9]{4}$"
_EMAIL_ASCII = r"^[!-~]+$"  # no whitespace, ASCII: lower() is ascii_lower
# A French number written 0X XX XX XX XX or +33 (0)X..., separators (space . -) optional: norm_phone removes the
# separators and gives +33 and the nine digits. Values the rewrite leaves unchanged go to norm_phone.
_PHONE_SEP = r"[ .\-]?"
_PHONE_FAST = (rf"^(?:0|\+33{_PHONE_SEP}(?:0{_PHONE_SEP})?)([1-9]){_PHONE_SEP}([0-9]{{2}}){_PHONE_SEP}"
               rf"([0-9]{{2}}){_PHONE_SEP}([0-9]{{2}}){_PHONE_SEP}([0-9]{{2}})$")
# ISO (checks._DATE_PATTERNS[0]) or French (pattern [3], the first that can match it) with two-digit day and
# month, an optional time part, at most 40 characters; ASCII digits only (Python's \d also takes other scripts'
# digits: those values go to checks.norm_date).
_DATE_FAST = (r"^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{2})[/.\-]([0-9]{2})[/.\-]([0-9]{4}))"
              r"(?:[T ][^\n]{0,29})?$")
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def to_arrow(values: np.ndarray) -> pa.Array | None:
    """A string Arrow array of an object array of str/None; None when it holds anything else."""
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def per_distinct(values: np.ndarray, fn: Callable[[object], str | None]) -> np.ndarray:
    """``fn`` applied once per distinct value (None stays None)."""
    if not len(values):
        return np.empty(0, dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = None  # code -1: missing
    return mapped[codes]


def _mask(arr: pa.Array, pattern: str) -> np.ndarray:
    return pc.match_substring_regex(arr, pattern).fill_null(False).to_numpy(zero_copy_only=False)


def _finish(objs: np.ndarray, out: np.ndarray, done: np.ndarray, fn: Callable[[object], str | None]) -> np.ndarray:
    """Values not handled yet (and not empty) go through ``fn``; empty and missing ones stay None."""
    rest = np.flatnonzero(~done)
    if len(rest):
        rest = rest[objs[rest].astype(bool)]
        out[rest] = per_distinct(objs[rest], fn)
    return out


# Each column normaliser returns the normalised objects and, when every value was in the fast set (no null, no
# empty value: the patterns need a character), the same column in Arrow, which the shard writer then takes as it
# is (records.frame keeps it) instead of converting the objects back.
Normalised = tuple[np.ndarray, pa.Array | None]


def _identity(pattern: str, fn: Callable[[object], str | None]) -> Callable[[np.ndarray, pa.Array], Normalised]:
    def run(objs: np.ndarray, arr: pa.Array) -> Normalised:
        done = _mask(arr, pattern)
        if done.all():
            return objs.copy(), arr
        out = np.full(len(objs), None, dtype=object)
        out[done] = objs[done]
        return _finish(objs, out, done, fn), None

    return run


def _postcode(objs: np.ndarray, arr: pa.Array) -> Normalised:
    five = _mask(arr, _POSTCODE5)
    four = _mask(arr, _POSTCODE4)
    out = np.full(len(objs), None, dtype=object)
    out[five] = objs[five]
    if four.any():
        out[four] = per_distinct(objs[four], lambda v: "0" + v)  # type: ignore[operator]
    return _finish(objs, out, five | four, checks.norm_postcode), None


def _email(objs: np.ndarray, arr: pa.Array) -> Normalised:
    done = _mask(arr, _EMAIL_ASCII)
    out = np.full(len(objs), None, dtype=object)
    if done.any():
        lowered_arrow = pc.ascii_lower(arr)
        lowered = lowered_arrow.to_numpy(zero_copy_only=False)
        if done.all():
            return lowered, lowered_arrow
        out[done] = lowered[done]
    return _finish(objs, out, done, checks.norm_email), None


def _phone(objs: np.ndarray, arr: pa.Array) -> Normalised:
    national = pc.replace_substring_regex(arr, _PHONE_FAST, r"+33\1\2\3\4\5")
    done = pc.not_equal(national, arr).fill_null(False).to_numpy(zero_copy_only=False)  # rewritten: matched
    out = np.full(len(objs), None, dtype=object)
    if done.any():
        values = national.to_numpy(zero_copy_only=False)
        if done.all():
            return values, national
        out[done] = values[done]
    return _finish(objs, out, done, checks.norm_phone), None


def _dates(objs: np.ndarray, arr: pa.Array) -> Normalised:
    """``checks.norm_date`` of ISO and French dates (with an optional time part) without a call per value.

    Matching values are recognised by one regex; their first ten characters (the date) are
    dictionary-encoded, and the distinct ones are read, checked on the calendar (the rules of
    ``datetime.date`` and the 1850-2200 range) and written ``yyyy-mm-dd`` with numpy.
    """
    done = _mask(arr, _DATE_FAST)
    out = np.full(len(objs), None, dtype=object)
    if done.any():
        heads = pc.if_else(pa.array(done), pc.utf8_slice_codeunits(arr, 0, 10), "0000-00-00")
        encoded = pc.dictionary_encode(heads)
        out[:] = _iso_dates(encoded.dictionary)[encoded.indices.to_numpy(zero_copy_only=False)]
    return _finish(objs, out, done, checks.norm_date), None


def _iso_dates(heads: pa.Array) -> np.ndarray:
    """``yyyy-mm-dd`` (or None when not a valid date) of ten-character ASCII ``yyyy-mm-dd`` or ``dd?mm?yyyy``."""
    offsets = np.frombuffer(heads.buffers()[1], dtype=np.int32)[heads.offset:heads.offset + len(heads) + 1]
    chars = np.frombuffer(heads.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]].reshape(-1, 10)
    iso = chars[:, 4] == ord("-")
    text = np.where(iso[:, None], chars, chars[:, [6, 7, 8, 9, 5, 3, 4, 2, 0, 1]])
    text[:, 4] = text[:, 7] = ord("-")
    digits = text.astype(np.int64) - ord("0")
    y = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    m = digits[:, 5] * 10 + digits[:, 6]
    d = digits[:, 8] * 10 + digits[:, 9]
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    last = _DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap)
    valid = (y >= 1850) & (y <= 2200) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= last)
    data = pa.py_buffer(np.ascontiguousarray(text).tobytes())
    starts = pa.py_buffer(np.arange(0, 10 * len(text) + 1, 10, dtype=np.int32).tobytes())
    values = pa.Array.from_buffers(pa.string(), len(text), [None, starts, data]).to_numpy(zero_copy_only=False)
    values[~valid] = None
    return values


COLUMN_NORMALISERS: dict[Callable[[object], str | None], Callable[[np.ndarray, pa.Array], Normalised]] = {
    checks.norm_text: _identity(_TEXT_TIDY, checks.norm_text),
    checks.norm_nir: _identity(_UPPER_CODE, checks.norm_nir),
    checks.norm_finess: _identity(_FINESS9, checks.norm_finess),
    checks.norm_postcode: _postcode,
    checks.norm_email: _email,
    checks.norm_phone: _phone,
    checks.norm_date: _dates,
}


def normalise(objs: np.ndarray, arr: pa.Array | None, fn: Callable[[object], str | None]) -> np.ndarray:
    """``[fn(v) for v in objs]`` as an object array; ``arr`` is the same column in Arrow (None: not available)."""
    return normalise_with_arrow(objs, arr, fn)[0]


def normalise_with_arrow(objs: np.ndarray, arr: pa.Array | None, fn: Callable[[object], str | None]) -> Normalised:
    """:func:`normalise`, and the result in Arrow when the column normaliser had it whole (else None)."""
    if not len(objs):
        return np.empty(0, dtype=object), None
    column = COLUMN_NORMALISERS.get(fn)
    if column is None or arr is None:
        return per_distinct(objs, fn), None
    return column(objs, arr)


DICTIONARY_SAMPLE = 1024


class TextColumn:
    """One source column: its values as an object array of str/None, plus what makes normalising it cheap.

    An Arrow column whose values repeat (names, cities, codes) is dictionary-encoded: the object array is
    built from the distinct values, and normalisers run on those only.
    """

    def __init__(self, values: np.ndarray | pa.Array | pa.ChunkedArray) -> None:
        self.codes: np.ndarray | None = None
        self.uniques: TextColumn | None = None
        self._arrow: pa.Array | None = None
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            if not pa.types.is_string(values.type):
                values = values.cast(pa.string())
            self._arrow = values
            sample = values.slice(0, DICTIONARY_SAMPLE)
            if len(values) > DICTIONARY_SAMPLE and len(pc.unique(sample)) * 4 < len(sample):
                encoded = pc.dictionary_encode(values)
                self.uniques = TextColumn(encoded.dictionary)
                self.codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
                self.values = _with_none(self.uniques.values)[self.codes]
            else:
                self.values = values.to_numpy(zero_copy_only=False)
        else:
            self.values = values
        self._converted = self._arrow is not None
        self.from_arrow = self._arrow is not None  # values were read as Arrow strings (not converted from objects)
        self.normalised_arrow: dict[Callable[[object], str | None], pa.Array | None] = {}

    @property
    def arrow(self) -> pa.Array | None:
        """The column in Arrow (None when it holds something else than str/None)."""
        if not self._converted:
            self._arrow = to_arrow(self.values)
            self._converted = True
        return self._arrow

    def normalised(self, fn: Callable[[object], str | None]) -> np.ndarray:
        """``[fn(v) for v in values]``; its Arrow form, when the normaliser had it whole, in ``normalised_arrow``."""
        if self.uniques is not None and self.codes is not None:
            return _with_none(self.uniques.normalised(fn))[self.codes]
        out, arrow = normalise_with_arrow(self.values, self.arrow, fn)
        self.normalised_arrow[fn] = arrow
        return out


def _with_none(values: np.ndarray) -> np.ndarray:
    """The values and a trailing None (the target of code -1)."""
    out = np.empty(len(values) + 1, dtype=object)
    out[:-1] = values
    return out
