"""Date carriers of the table watermark: the parity of a date's day number, set by a keyed shift of one day.

Why: a lab-results extract (the most common research table) has a sample date in every row; the numeric
carriers disappear when its measurements are dropped, the date stays. A sample or admission date moved by one
day changes no clinical reading; a birth (or death) date moved by one day changes an identity and a legal
fact, so those are never carriers unless the user allows them explicitly.

Carrier: a column of dates (``02/03/2024``, ``2-3-2024``, ``2024-03-02``, ``2024/03/02``, with or without a
time of day ``14:32[:10]``, or real date cells of a spreadsheet). The day number (proleptic Gregorian ordinal)
modulo 2 carries one bit. The unit is ``ordinal // BLOCK_DAYS | row anchor``: the anchor is the two smallest
identity hashes of the row's cells that are *not* dates, numbers or date-times (name, IPP, town...), so it does
not move when the date moves, when a date is re-spelled (``02/03/2024`` -> ``2024-03-02``), when its time of
day is dropped or when a spreadsheet stores it as a real date. A cell whose bit is wrong moves by +1 or -1 day
inside its block of :data:`BLOCK_DAYS` days (one of the two always stays inside for a block of 2 days or more),
so the unit is the same before and after marking and in every recipient's copy (the marking assumption of the
Tardos code holds for dates). Where both directions are allowed, the one that brings the column's running sum
of shifts back towards 0 is taken (ties by a keyed bit); only a cell at the edge of its block has one
direction, so the sum of shifts stays within a few days (measured on 10,000-row columns: 0 and -1 day), the
mean date moves by a few ten-thousandths of a day, its standard deviation by about 0.001 %, and about half the
cells move by exactly one day (``benchmarks/watermark.py --dates-only``).

Which columns (embedding; :class:`DatePolicy`): a date column is a carrier unless

* its header names a birth or death date (``naissance``, ``date_naiss``, ``ddn``, ``dob``, ``birth``...,
  ``deces``, ``death``: :data:`CIVIL_STATUS_NAMES`), or
* its content is birth-like: at least half of its dates are :data:`BIRTH_YEARS` years or more before the
  reference day (today when marking): sample, admission and discharge dates of an export are recent, the
  median patient was born decades ago;

``allow`` names columns that carry whatever their name or content, ``deny`` columns that never do, and a
budget of 0 days turns dates off. Detection knows no header (columns may be renamed): it reads every date
column whose dates are not birth-like relative to the table's own latest date.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

BLOCK_DAYS = 8  # the unit's coarse date; a cell never leaves its block, so the unit survives the shift
BIRTH_YEARS = 15.0
MIN_DATE_SHARE = 0.5  # a date column: at least half its non-empty cells are dates
MIN_DATE_CELLS = 5
DEFAULT_MAX_SHIFT_DAYS = 1
CIVIL_STATUS_NAMES = r"nais|birth|\bddn\b|\bdob\b|\bdtn\b|\bdn\b|deces|death|\bdcd\b|\bdod\b"

_DATE = re.compile(
    r"^(?P<lead>\s*)(?:(?P<Y>\d{4})(?P<s1>[-/.])(?P<M>\d{1,2})(?P=s1)(?P<D>\d{1,2})"
    r"|(?P<d>\d{1,2})(?P<s2>[-/.])(?P<m>\d{1,2})(?P=s2)(?P<y>\d{4}))"
    r"(?P<time>[ T](?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?)?(?P<trail>\s*)$")


@dataclass(frozen=True)
class DateCell:
    ordinal: int  # date.toordinal()
    midnight: bool  # no time of day, or 00:00[:00]
    match: re.Match[str]


@dataclass(frozen=True)
class DatePolicy:
    """Which date columns may carry the mark when embedding, and by how much a date may move."""

    max_shift_days: int = DEFAULT_MAX_SHIFT_DAYS  # 0: dates never carry
    allow: tuple[str, ...] = ()  # column names (case and accents folded) that carry whatever they hold
    deny: tuple[str, ...] = ()  # column names that never carry
    birth_years: float = BIRTH_YEARS
    civil_status_names: str = CIVIL_STATUS_NAMES

    @property
    def enabled(self) -> bool:
        return self.max_shift_days >= 1


DEFAULT_POLICY = DatePolicy()
NO_DATES = DatePolicy(max_shift_days=0)


@dataclass(frozen=True)
class DatePlan:
    """How one date column carries the mark."""

    max_shift_days: int = DEFAULT_MAX_SHIFT_DAYS
    has_time: bool = False  # some cells show a time of day (the column is also a ``ts`` carrier then)


def fold_name(name: object) -> str:
    """A header as the policy compares it: case, accents, spaces and quotes folded."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def load_policy(obj: object, base: DatePolicy = DEFAULT_POLICY) -> DatePolicy:
    """A policy from JSON-like ``{"max_shift_days": 1, "allow": [...], "deny": [...], "birth_years": 15}``
    (every key optional; unknown keys refused so that a typo does not silently mark a birth date)."""
    if not isinstance(obj, Mapping):
        raise ValueError("a date policy is a JSON object {\"max_shift_days\", \"allow\", \"deny\", \"birth_years\"}")
    unknown = set(obj) - {"max_shift_days", "allow", "deny", "birth_years"}
    if unknown:
        raise ValueError(f"unknown date policy key(s): {', '.join(sorted(unknown))}")
    shift = obj.get("max_shift_days", base.max_shift_days)
    years = obj.get("birth_years", base.birth_years)
    if isinstance(shift, bool) or not isinstance(shift, int) or not 0 <= shift <= 30:
        raise ValueError(f"max_shift_days must be an integer from 0 to 30, not {shift!r}")
    if isinstance(years, bool) or not isinstance(years, (int, float)) or not 0 < years < 200:
        raise ValueError(f"birth_years must be a number of years, not {years!r}")
    lists = {}
    for name in ("allow", "deny"):
        value = obj.get(name, list(getattr(base, name)))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{name} must be a list of column names")
        lists[name] = tuple(fold_name(v) for v in value)
    return DatePolicy(max_shift_days=shift, allow=lists["allow"], deny=lists["deny"], birth_years=float(years),
                      civil_status_names=base.civil_status_names)


def with_columns(policy: DatePolicy, *, allow: Iterable[str] = (), deny: Iterable[str] = (),
                 max_shift_days: int | None = None) -> DatePolicy:
    """``policy`` with more allowed and denied columns (the CLI's ``--date-allow/--date-deny``)."""
    return DatePolicy(max_shift_days=policy.max_shift_days if max_shift_days is None else max_shift_days,
                      allow=policy.allow + tuple(fold_name(a) for a in allow),
                      deny=policy.deny + tuple(fold_name(d) for d in deny),
                      birth_years=policy.birth_years, civil_status_names=policy.civil_status_names)


# ---------------------------------------------------------------- cells


def parse_date(text: str) -> DateCell | None:
    """A date cell (see the module docstring), or None."""
    m = _DATE.match(text)
    if m is None:
        return None
    if m["Y"]:
        y, mo, d = int(m["Y"]), int(m["M"]), int(m["D"])
    else:
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    if not 1 <= y <= 9998:
        return None
    try:
        ordinal = date(y, mo, d).toordinal()
    except ValueError:
        return None
    midnight = True
    if m["time"]:
        hh, mi, ss = int(m["hh"]), int(m["mi"]), int(m["ss"] or 0)
        if hh > 23 or mi > 59 or ss > 59:
            return None
        midnight = hh == 0 and mi == 0 and ss == 0 and not (m["frac"] and int(m["frac"]))
    return DateCell(ordinal, midnight, m)


def unit_coarse(ordinal: int, anchor: str) -> str:
    return f"{ordinal // BLOCK_DAYS}|{anchor}"


def symbol(ordinal: int) -> int:
    return ordinal % 2


def format_date(cell: DateCell, ordinal: int) -> str:
    """The cell's text with its date replaced by ``ordinal``, in the cell's own spelling (order, separator,
    zero padding, time of day and surrounding spaces kept)."""
    m = cell.match
    new = date.fromordinal(ordinal)
    if m["Y"]:
        body = (f"{new.year:04d}{m['s1']}{new.month:0{len(m['M'])}d}{m['s1']}{new.day:0{len(m['D'])}d}")
    else:
        body = (f"{new.day:0{len(m['d'])}d}{m['s2']}{new.month:0{len(m['m'])}d}{m['s2']}{new.year:04d}")
    return m["lead"] + body + (m["time"] or "") + m["trail"]


def shift_value(value: datetime, days: int) -> datetime:
    """A spreadsheet's real date cell moved by ``days`` (time of day kept)."""
    return value + timedelta(days=days)


# ---------------------------------------------------------------- columns


@dataclass(frozen=True)
class DateColumnStats:
    share: float  # of the non-empty cells that are dates
    count: int
    median: float  # ordinal
    latest: int  # ordinal
    has_time: bool


def column_stats(texts: Sequence[str]) -> DateColumnStats | None:
    """What the classifiers need of a column's non-empty cells, or None when it is not a date column."""
    if not texts:
        return None
    probe = texts[:64]
    if sum(_DATE.match(t) is not None for t in probe) < 0.25 * len(probe):
        return None
    cells = [c for c in (parse_date(t) for t in texts) if c is not None]
    if len(cells) < max(MIN_DATE_CELLS, MIN_DATE_SHARE * len(texts)):
        return None
    ordinals = np.fromiter((c.ordinal for c in cells), dtype=np.int64, count=len(cells))
    return DateColumnStats(len(cells) / len(texts), len(cells), float(np.median(ordinals)), int(ordinals.max()),
                           any(not c.midnight for c in cells))


def birth_like(stats: DateColumnStats, reference: int, years: float = BIRTH_YEARS) -> bool:
    """At least half the column's dates lie ``years`` or more before the ``reference`` day."""
    return stats.median <= reference - years * 365.2425


def plan_for_embedding(texts: Sequence[str], header: object, policy: DatePolicy, *,
                       today: date | None = None) -> DatePlan | None:
    """The date plan of a column when marking, or None (policy, then name, then content: module docstring)."""
    if not policy.enabled:
        return None
    stats = column_stats(texts)
    if stats is None:
        return None
    name = fold_name(header) if header is not None else ""
    if name and name in policy.deny:
        return None
    if not (name and name in policy.allow):
        if name and re.search(policy.civil_status_names, name):
            return None
        reference = (today or date.today()).toordinal()
        if birth_like(stats, reference, policy.birth_years):
            return None
    return DatePlan(policy.max_shift_days, stats.has_time)


def columns_for_detection(stats: Mapping[object, DateColumnStats], years: float = BIRTH_YEARS) -> list[object]:
    """The date columns a detector reads: all but the birth-like ones relative to the table's latest date
    (no header and no clock: a renamed column or a scan years later reads the same)."""
    if not stats:
        return []
    reference = max(s.latest for s in stats.values())
    return [name for name, s in stats.items() if not birth_like(s, reference, years)]


# ---------------------------------------------------------------- embedding


class DateMarker:
    """Moves the cells of one column by one day at most, keeping the column's sum of shifts near zero."""

    def __init__(self, plan: DatePlan) -> None:
        self.plan = plan
        self.total = 0  # sum of shifts, in days
        self.cells = 0
        self.moved = 0

    def move(self, ordinal: int, want: int, tie: int) -> int:
        """The marked ordinal (parity ``want``): the same day, or one day later or earlier inside its block."""
        self.cells += 1
        if ordinal % 2 == want:
            return ordinal
        block = ordinal // BLOCK_DAYS
        options = [s for s in (1, -1) if (ordinal + s) // BLOCK_DAYS == block]
        preferred = 1 if tie else -1
        step = min(options, key=lambda s: (abs(self.total + s), s != preferred))
        self.total += step
        self.moved += 1
        return ordinal + step

    @property
    def mean_shift(self) -> float:
        """Mean shift of the column's date cells, in days."""
        return self.total / self.cells if self.cells else 0.0


def mean_shift_bound(cells: int) -> float:
    """The largest mean shift (days) a marked column of ``cells`` dates can show: one day over n."""
    return 1.0 / cells if cells else math.inf
