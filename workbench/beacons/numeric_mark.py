"""Numeric carriers of the table watermark: the parity of the last displayed digit of a measurement.

Why this exists: the most common research extract (lab results: weight, height, creatinine, glucose,
haemoglobin, blood pressure) has no phone, address or time of day, so the invisible carriers find nothing.

Carrier (chosen by content, never by header): a column of decimals or small integers (at most 4 integer
digits, no leading zeros, not years, not all-distinct integers such as row numbers or IPPs, a step of one
displayed unit at most 5 % of the median value). The column's *displayed precision* d is the largest number
of decimals it shows (so ``5`` read back from a spreadsheet in a 1-decimal column is 5.0). A cell is the
integer N = value x 10^d; its parity carries one bit.

Unit: ``d | N // 10 | row anchor``. The truncated value alone collides (thousands of glucose values share
``5.``, and one vote per unit would collapse them), so each cell is tied to its row by an *anchor*: the two
smallest hashes (BLAKE2b) of the row's identity cells (every non-numeric cell, folded: names case- and
accent-folded, dates to ISO, times to the minute, phones to their ten digits, addresses without the comma).
The anchor survives sorting, subsets, renamed or reordered columns, format round trips and the invisible
marks themselves; dropping one identity column changes it only in rows where that cell was one of the two
smallest hashes (2 rows in m for m identity columns). Numbers never enter the anchor, so rounding or
converting a measurement column never disturbs the other columns' votes.

Distortion budget: N moves by at most one (one unit of displayed precision), never across a clinical
threshold (:data:`DEFAULT_THRESHOLDS`, a value equal to a threshold is never moved either), never with a
carry (x9 -> x10 would change N // 10); where both directions are allowed the direction is chosen greedily
so that the column's sum of moves and sum of squared deviations stay near zero: mean and standard deviation
move by well under 0.1 % on columns of a few hundred rows or more.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

_NUM = re.compile(r"^\s*([+-]?)(\d{1,5})(?:([.,])(\d{1,4}))?\s*$")
_DATE = re.compile(r"^\s*(?:(\d{4})-(\d{2})-(\d{2})|(\d{2})/(\d{2})/(\d{4}))\s*$")
MAX_STEP_SHARE = 0.05  # one displayed unit is at most 5 % of the median |value|
MIN_INT_ROWS = 20


@dataclass(frozen=True)
class Threshold:
    """Clinical thresholds of one analyte in one unit: applied to a column whose header matches ``hint``
    or, whatever its header, whose median lies in [lo, hi] (conservative: a wrongly applied threshold only
    leaves a few cells unmoved)."""

    name: str
    hint: str
    lo: float
    hi: float
    values: tuple[float, ...]
    by_range: bool = True


DEFAULT_THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("glucose mmol/L", r"gluc|glyc", 2.5, 25.0, (3.9, 5.6, 7.0, 11.1)),
    Threshold("glucose g/L", r"gluc|glyc", 0.5, 3.0, (0.7, 1.1, 1.26, 2.0)),
    Threshold("glucose mg/dL", r"gluc|glyc", 50, 400, (70, 100, 126, 200)),
    Threshold("HbA1c %", r"a1c|glyqu", 4.0, 14.0, (5.7, 6.5, 7.0, 8.0)),
    Threshold("HbA1c mmol/mol", r"a1c|glyqu", 20, 130, (39, 48, 53)),
    Threshold("creatinine umol/L", r"cr[eé]at", 30, 1500, (45, 90, 104, 110, 120, 354)),
    Threshold("creatinine mg/dL", r"cr[eé]at", 0.3, 15.0, (0.5, 1.0, 1.2, 1.4, 4.0)),
    Threshold("systolic mmHg", r"sys|pas\b|tas\b|press|tension", 70, 250, (90, 120, 130, 140, 160, 180)),
    Threshold("diastolic mmHg", r"dia|pad\b|tad\b", 40, 140, (60, 80, 90, 100, 110)),
    Threshold("haemoglobin g/dL", r"h[eé]mo|hgb|\bhb\b", 5.0, 22.0, (7.0, 8.0, 10.0, 11.0, 12.0, 13.0, 18.0)),
    Threshold("haemoglobin g/L", r"h[eé]mo|hgb|\bhb\b", 50, 220, (70, 80, 100, 110, 120, 130, 180)),
    Threshold("potassium mmol/L", r"potass|\bk\b|kali", 2.0, 8.0, (3.0, 3.5, 5.0, 5.5, 6.0)),
    Threshold("sodium mmol/L", r"sodium|\bna\b|natr", 110, 170, (125, 130, 135, 145, 150)),
    Threshold("temperature C", r"temp", 34.0, 43.0, (36.0, 38.0, 38.5, 40.0)),
    Threshold("BMI", r"imc|bmi", 12, 60, (18.5, 25.0, 30.0, 35.0, 40.0)),
)


@dataclass(frozen=True)
class NumericPlan:
    """How one numeric column carries the mark (all in units of its displayed precision)."""

    decimals: int
    count: int
    mean: float  # of N
    std: float  # of N
    thresholds: tuple[float, ...] = ()  # scaled by 10^decimals
    separator: str = "."


def load_thresholds(rows: Iterable[Mapping[str, object]]) -> tuple[Threshold, ...]:
    """A threshold table from JSON-like rows ``{"name", "hint", "lo", "hi", "values", "by_range"?}``."""
    if not isinstance(rows, list):
        raise ValueError("a threshold table is a JSON list of entries")
    out = []
    for row in rows:
        try:
            values = tuple(float(v) for v in row["values"])  # type: ignore[attr-defined]
            out.append(Threshold(str(row["name"]), str(row.get("hint", "")) or r"(?!)", float(row["lo"]),
                                 float(row["hi"]), values, bool(row.get("by_range", True))))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad threshold entry {row!r}: {exc}") from exc
    return tuple(out)


def parse_number(text: str, decimals: int) -> int | None:
    """N = value x 10^decimals for a cell showing at most ``decimals`` decimals, else None."""
    m = _NUM.match(text)
    if not m or (m[4] is not None and len(m[4]) > decimals):
        return None
    frac = (m[4] or "").ljust(decimals, "0")
    n = int(m[2]) * 10**decimals + (int(frac) if frac else 0)
    return -n if m[1] == "-" else n


def is_numeric_cell(text: str) -> bool:
    """A cell that could be a measurement (never part of a row anchor)."""
    return _NUM.match(text) is not None


def thresholds_for(header: str | None, median: float,
                   table: Iterable[Threshold] = DEFAULT_THRESHOLDS) -> tuple[float, ...]:
    out: set[float] = set()
    for t in table:
        if (header and re.search(t.hint, header, re.IGNORECASE)) or (t.by_range and t.lo <= median <= t.hi):
            out.update(t.values)
    return tuple(sorted(out))


def classify_numeric(texts: Sequence[str], header: str | None = None, *,
                     thresholds: Iterable[Threshold] = DEFAULT_THRESHOLDS) -> NumericPlan | None:
    """The numeric plan of a column from its non-empty cells, or None (see the module docstring)."""
    if not texts:
        return None
    probe = texts[:64]
    if sum(_NUM.match(t) is not None for t in probe) < 0.5 * len(probe):
        return None
    matches = [m for m in (_NUM.match(t) for t in texts) if m is not None]
    if len(matches) < 0.5 * len(texts) or len(matches) < 5:
        return None
    decimals = max(len(m[4] or "") for m in matches)
    if decimals == 0:
        ints = [m[2] for m in matches]
        if any(len(s) > 4 or (len(s) > 1 and s[0] == "0") for s in ints):
            return None  # codes, postcodes, identifiers
        values = [int(s) for s in ints]
        if len(values) < MIN_INT_ROWS or len(set(values)) == len(values):
            return None  # row numbers and short identifiers are all distinct; measurements repeat
        if all(1880 <= v <= 2100 for v in values):
            return None  # years (of birth): never touched
    seps = [m[3] for m in matches if m[3]]
    sep = max(set(seps), key=seps.count) if seps else "."
    n = np.array([parse_number(m[0], decimals) for m in matches], dtype=np.float64)
    median = float(np.median(np.abs(n)))
    if len(np.unique(n)) < 5 or median < 1 / MAX_STEP_SHARE:
        return None  # flags, scores, sex codes: a step of one would be a change of category
    scale = 10**decimals
    ths = tuple(round(v * scale, 6) for v in thresholds_for(header, median / scale, thresholds))
    return NumericPlan(decimals, len(n), float(n.mean()), float(n.std()), ths, sep)


# ---------------------------------------------------------------- row anchors


def row_anchor(hashes: Iterable[int | None]) -> str | None:
    """The anchor of a row from its identity-cell hashes: the two smallest, or None when it has none."""
    ordered = sorted({h for h in hashes if h is not None})
    if not ordered:
        return None
    return "".join(f"{h:016x}" for h in ordered[:2])


def fold_date(text: str) -> str | None:
    """A date-only cell as ISO ``YYYY-MM-DD`` (``02/03/1954`` and ``1954-03-02`` fold alike)."""
    d = _DATE.match(text)
    if d is None:
        return None
    return f"{d[1]}-{d[2]}-{d[3]}" if d[1] else f"{d[6]}-{d[5]}-{d[4]}"


def unit_coarse(plan: NumericPlan, n: int, anchor: str) -> str:
    return f"{plan.decimals}|{n // 10}|{anchor}"


# ---------------------------------------------------------------- embedding


class NumericMarker:
    """Moves the cells of one column, keeping the sums of moves and of squared-deviation changes near 0."""

    def __init__(self, plan: NumericPlan) -> None:
        self.plan = plan
        self.s1 = 0.0  # sum of moves
        self.s2 = 0.0  # change of the sum of squared deviations from the mean
        n = max(plan.count, 1)
        self._w1 = 1.0 / max(n * max(abs(plan.mean), 1.0) * 1e-3, 1.0)
        self._w2 = 1.0 / max(n * max(plan.std, 1.0) ** 2 * 2e-3, 1.0)
        self.skipped = 0

    def _crosses(self, a: int, b: int) -> bool:
        return any((a < t) != (b < t) or (a > t) != (b > t) for t in self.plan.thresholds)

    def move(self, n: int, want: int) -> int | None:
        """The marked N (parity ``want``), N itself when it already shows it, None when no move is allowed."""
        if n % 2 == want:
            return n
        best, best_cost = None, math.inf
        for step in (1, -1):
            new = n + step
            if new // 10 != n // 10 or (n >= 0) != (new >= 0) or self._crosses(n, new):
                continue
            dev = 2 * (n - self.plan.mean) * step + 1
            cost = ((self.s1 + step) * self._w1) ** 2 + ((self.s2 + dev) * self._w2) ** 2
            if cost < best_cost:
                best, best_cost = new, cost
        if best is None:
            self.skipped += 1
            return None
        self.s1 += best - n
        self.s2 += 2 * (n - self.plan.mean) * (best - n) + 1
        return best


def format_number(text: str, n: int, plan: NumericPlan) -> str:
    """``n`` written like ``text`` (same separator, sign style and surrounding spaces), at the column's
    displayed precision."""
    m = _NUM.match(text)
    sep = (m[3] if m and m[3] else plan.separator)
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    sign = "-" if n < 0 else ("+" if m and m[1] == "+" else "")
    a = abs(n)
    if plan.decimals == 0:
        body = str(a)
    else:
        scale = 10**plan.decimals
        body = f"{a // scale}{sep}{a % scale:0{plan.decimals}d}"
    return lead + sign + body + trail


# ---------------------------------------------------------------- the row-grouped statistic


def poisson_binomial_pmf(groups: Mapping[int, int]) -> np.ndarray:
    """pmf of C = sum over sizes s of Bin(groups[s], 2^-s): the number of groups whose s binary votes all
    match under the null. Exact convolution of binomial pmfs (no normal or Poisson approximation)."""
    pmf = np.ones(1)
    for size, count in sorted(groups.items()):
        b = stats.binom.pmf(np.arange(count + 1), count, 2.0**-size)
        b = np.trim_zeros(b, "b")
        pmf = np.convolve(pmf, b)
        pmf = np.trim_zeros(pmf, "b")
    return pmf


def pmf_log_sf(pmf: np.ndarray, c: int) -> float:
    """ln P(C >= c); -690.8 (1e-300) stands for a tail below float range."""
    if c <= 0:
        return 0.0
    if c >= len(pmf):
        return math.log(1e-300)
    tail = float(pmf[c:].sum())
    return math.log(max(min(tail, 1.0), 1e-300))
