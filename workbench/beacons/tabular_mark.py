"""Keyed watermark for health tables that changes no clinically meaningful value.

Carriers (chosen by content, never by header, so renamed or reordered columns do not matter):

``ts``     a date-time with a time of day: the seconds modulo 4 carry a 4-ary symbol. When the column has
           real seconds a value moves by at most 2 s inside its minute; when it has minute precision (no
           seconds, or always ``:00``) seconds are written below that precision (``4u + symbol``, u keyed).
           Columns whose times are all midnight are dates in disguise (birth dates) and are never touched.
``phone``  a French phone number: one of four equivalent spellings (``0299284321``, ``02 99 28 43 21``,
           ``02.99.28.43.21``, ``+33 2 99 28 43 21``) carries a 4-ary symbol. The number is unchanged.
``addr``   a street address that starts with a house number: a comma after the number or not
           (``12 rue de Brest`` / ``12, rue de Brest``) carries a bit. The address is unchanged.
``num``    a measurement (decimal or small integer): the parity of its last displayed digit carries a bit;
           the value moves by at most one unit of its displayed precision, never across a clinical
           threshold, and the column's mean and standard deviation stay within 0.1 %
           (:mod:`workbench.beacons.numeric_mark`). A ``num`` unit is tied to its row by a content anchor.
``date``   a date, with or without a time of day: the parity of its day number, by a keyed shift of one day at
           most inside a block of 8 days, in the cell's own spelling; never a birth or death date unless allowed
           (:mod:`workbench.beacons.date_mark`). Its unit is tied to its row by the row's cells that are neither
           dates nor numbers. Dates move first, so the ``num`` anchors are those of the marked rows.

Each carrier cell is a *unit* identified by its carrier kind and its coarse value (the minute of the
time, the ten digits of the number, the normalised address): everything that survives subsetting, shuffling,
dropping or renaming columns, conversion between CSV, SQL and XLSX and re-encoding. The expected symbol of a
unit is the recipient's codeword of a symmetric Tardos code (:mod:`workbench.beacons.tardos`): one bit per
binary unit, two per 4-ary one, each Bernoulli(p) with the unit's bias p drawn from the *establishment's* code
key and the coin from an HMAC-SHA-256 of the unit under the *recipient's* key (:class:`MarkKey`). Every row
is marked and nothing depends on other columns. Over keys the bits are exactly Bernoulli(1/2), so everything
below keeps its exact null; recipients of one establishment share the biases, which is what lets the Tardos
accusation (:meth:`UnitCollector.accuse`, :mod:`workbench.beacons.mark_accusation`) trace colluders.

Detection counts one vote per unit (duplicated rows or cells collapse into one vote; a unit whose copies
disagree with no majority is skipped), which makes the votes independent under the null: for a table not
marked with this key (any data, random key) each vote matches with probability exactly 1/q. The p-value is
the exact tail of the sum of Binomial(n4, 1/4) and Binomial(n2, 1/2) (the false-alarm probability for this
key); a table is *detected* for a key when p < 1e-6.

Value units (``num`` and ``date``: carriers that move a value) are tested apart (so the invisible carriers'
statistic above keeps its exact meaning): the same exact binomial over their votes (one per unit), and a *row-grouped* statistic for mixtures: the numeric votes
of one row anchor form a group; the number of groups (of two votes or more) whose votes all match is, under
the null, a sum of independent Bernoulli(2^-size) (groups share no unit), whose exact tail comes from a
convolution. Why: in a 2 % mixture a marked row shows 4-6 matching votes at once, which happens by chance
with probability 1/16-1/64, whereas one vote per unit dilutes those rows among 98 % of coin flips (z about
5 for 200 rows in 10,000 against about 16 for the grouped count). The decision takes the smallest of the
(up to three) p-values times their number (Bonferroni), so the false-alarm probability stays at most 1e-6.

Tables marked before the Tardos code (``balise-table/1``: a unit's symbol was the first 8 bytes of the
recipient's HMAC modulo q, same units, same recipient keys) are tested too, from the same digests, for every key
the current scheme does not detect; the 1e-6 budget is split 0.99 / 0.01 between the two schemes (weighted
Bonferroni: the current p-value is divided by 0.99, the old one multiplied by 100), so a 1,000-row old export
(p ~ 1e-500) is still found and an unmarked table still passes for an unmarked one with probability 1 - 1e-6.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from scipy import special, stats

from workbench.beacons import date_mark as dm
from workbench.beacons import numeric_mark as nm
from workbench.beacons import tardos
from workbench.beacons.keyed_hmac import PrefixHmac

KIND_TS = "ts"
KIND_PHONE = "phone"
KIND_ADDR = "addr"
KIND_NUM = "num"
KIND_DATE = "date"
KINDS = (KIND_TS, KIND_PHONE, KIND_ADDR)  # the invisible carriers, classified in this order
VALUE_KINDS = (KIND_NUM, KIND_DATE)  # carriers that move a value: tested apart from the invisible ones
ALPHABET = {KIND_TS: 4, KIND_PHONE: 4, KIND_ADDR: 2, KIND_NUM: 2, KIND_DATE: 2}
MIN_GROUP_VOTES = 2  # row groups of one vote carry no more than the per-unit test
DETECTION_THRESHOLD = 1e-6
MIN_CARRIER_SHARE = 0.5  # a column is a carrier when at least half of its non-empty cells parse
CLASSIFY_SAMPLE = 5000  # cells looked at to classify a column
_DOMAIN = b"balise-table/1"  # kept: every unit's message (the Tardos code of balise-table/2 keeps it too)
SCHEME = "balise-table/2 (Tardos)"
LEGACY_SCHEME = "balise-table/1"
# The false-alarm budget (DETECTION_THRESHOLD) is split between the two schemes (weighted Bonferroni): the
# current scheme's p-value is divided by 0.99, the previous scheme's multiplied by 100, so a key is detected
# with probability at most 1e-6 on an unmarked table whichever scheme it is tested under.
CURRENT_WEIGHT = 0.99
LEGACY_WEIGHT = 0.01
_CODE_DOMAIN = b"balise-table-code/2\x1f"

_TS = re.compile(
    r"^\s*(?:(?P<Y>\d{4})-(?P<M>\d{2})-(?P<D>\d{2})|(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>\d{4}))"
    r"(?P<sep>[ T])(?P<hh>\d{2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?P<frac>\.\d{1,9})?)?\s*$")
_PHONE = re.compile(r"^\s*(?:\+33\s?(?P<i>[1-9](?:[ .-]?\d{2}){4})|(?P<n>0[1-9](?:[ .-]?\d{2}){4}))\s*$")
_PHONE_STYLES = (
    re.compile(r"^0[1-9]\d{8}$"),
    re.compile(r"^0[1-9](?: \d{2}){4}$"),
    re.compile(r"^0[1-9](?:\.\d{2}){4}$"),
    re.compile(r"^\+33 [1-9](?: \d{2}){4}$"),
)
_ADDR = re.compile(r"^(?P<num>\d{1,4}(?: ?(?:bis|ter|quater|BIS|TER|QUATER|Bis|Ter))?)(?P<comma>,?)\s+"
                   r"(?P<rest>[^\d\s,].*)$")


@dataclass(frozen=True)
class ColumnPlan:
    """How one column carries the mark."""

    kind: str
    minute_precision: bool = False  # ts only: the column has no meaningful seconds
    numeric: nm.NumericPlan | None = None  # num only


@dataclass
class ColumnDistortion:
    kind: str
    cells: int = 0  # carrier cells
    changed: int = 0  # cells whose text changed
    max_change: float = 0.0  # ts: largest shift in seconds; num: in value units; date: in days; phone/addr: 0
    mean_change: float = 0.0  # num: relative change of the column mean; date: mean shift in days
    std_change: float = 0.0  # num: relative change of the column standard deviation
    skipped: int = 0  # num: cells left alone (a move would cross a threshold or carry)
    _sums: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0, 0.0], repr=False)

    def describe(self) -> str:
        if self.kind == KIND_TS:
            return f"time moved by at most {self.max_change:g} s, inside its minute"
        if self.kind == KIND_DATE:
            return (f"date moved by at most {self.max_change:g} day(s), in its own spelling; mean shift "
                    f"{self.mean_change:+.5f} day")
        if self.kind == KIND_NUM:
            return (f"value moved by at most {self.max_change:g}; mean {self.mean_change:+.4%}, "
                    f"sd {self.std_change:+.4%}; {self.skipped} cell(s) kept (threshold or carry)")
        return "spelling only, value unchanged"

    def add_values(self, before: float, after: float) -> None:
        """Track a numeric cell's value before and after (for the mean and sd changes)."""
        s = self._sums
        s[0] += 1
        s[1] += before
        s[2] += before * before
        s[3] += after
        s[4] += after * after
        n = s[0]
        m0, m1 = s[1] / n, s[3] / n
        v0, v1 = max(s[2] / n - m0 * m0, 0.0), max(s[4] / n - m1 * m1, 0.0)
        self.mean_change = (m1 - m0) / abs(m0) if m0 else 0.0
        self.std_change = (math.sqrt(v1) - math.sqrt(v0)) / math.sqrt(v0) if v0 > 0 else 0.0


@dataclass
class Distortion:
    """What embedding changed: per column, cells carrying, cells changed, largest change."""

    rows: int = 0
    columns: dict[str, ColumnDistortion] = field(default_factory=dict)

    @property
    def cells_changed(self) -> int:
        return sum(c.changed for c in self.columns.values())

    @property
    def carrier_cells(self) -> int:
        return sum(c.cells for c in self.columns.values())

    def merge(self, other: Distortion, prefix: str = "") -> None:
        self.rows += other.rows
        for name, col in other.columns.items():
            mine = self.columns.setdefault(prefix + name, ColumnDistortion(col.kind))
            mine.cells += col.cells
            mine.changed += col.changed
            mine.max_change = max(mine.max_change, col.max_change)
            mine.skipped += col.skipped
            mine.mean_change, mine.std_change = col.mean_change, col.std_change

    def lines(self) -> list[str]:
        out = [f"rows: {self.rows}; carrier cells: {self.carrier_cells}; cells changed: {self.cells_changed}"]
        for name, col in self.columns.items():
            out.append(f"  {name} [{col.kind}]: {col.changed}/{col.cells} cells changed; {col.describe()}")
        if not self.columns:
            out.append("  no carrier column (no date-time with a time of day, phone number, street address, "
                       "measurement or date other than a birth date)")
        return out


@dataclass
class TableMarkResult:
    """The test of one key against one table."""

    label: str
    p_value: float
    marked_fraction_estimate: float
    rows_tested: int
    votes: int
    matches: int
    expected_matches: float
    votes_by_kind: dict[str, int] = field(default_factory=dict)
    log10_p: float = 0.0  # log10 of the p-value, meaningful where p_value underflows to 0
    # numeric carriers, tested apart: one vote per unit, then one count over row groups
    num_votes: int = 0
    num_matches: int = 0
    num_log10_p: float = 0.0
    row_groups: int = 0  # row anchors with at least MIN_GROUP_VOTES numeric votes
    row_matches: int = 0  # groups whose votes all match
    row_expected: float = 0.0
    row_log10_p: float = 0.0
    tests: int = 1  # statistics that had votes (the Bonferroni factor)
    date_votes: int = 0  # of the value votes (num_votes), those of date units
    weight: float = 1.0  # this scheme's share of the false-alarm budget (CURRENT_WEIGHT or LEGACY_WEIGHT)
    scheme: str = SCHEME
    legacy: TableMarkResult | None = None  # the same key under the previous scheme, when this one missed

    @property
    def own_log10_p(self) -> float:
        """log10 of this scheme's decision p-value: the smallest of the statistics times their number, over
        the scheme's share of the false-alarm budget."""
        best = min(self.log10_p, self.num_log10_p, self.row_log10_p)
        return min(0.0, best + math.log10(max(self.tests, 1)) - math.log10(self.weight))

    @property
    def combined_log10_p(self) -> float:
        """log10 of the decision p-value: this scheme's, or the previous scheme's when it is smaller."""
        own = self.own_log10_p
        return own if self.legacy is None else min(own, self.legacy.combined_log10_p)

    @property
    def decisive(self) -> TableMarkResult:
        """The result whose statistics decide: this one, or the previous scheme's when its p is smaller."""
        if self.legacy is not None and self.legacy.combined_log10_p < self.own_log10_p:
            return self.legacy
        return self

    @property
    def combined_p_value(self) -> float:
        return 10.0 ** self.combined_log10_p

    @property
    def detected(self) -> bool:
        return self.combined_log10_p < math.log10(DETECTION_THRESHOLD)


class NoCarrierError(ValueError):
    """The table has nothing that can carry the mark without changing a value."""


# ---------------------------------------------------------------- parsing one cell


def _fold(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().replace("'", " ").replace("-", " ").split())


@dataclass(frozen=True)
class _Parsed:
    coarse: str
    symbol: int | None  # what the cell shows now; None when it carries nothing readable
    extra: object = None  # kind-specific parse result used by embedding


def _parse_ts(text: str) -> _Parsed | None:
    m = _TS.match(text)
    if not m:
        return None
    if m["Y"]:
        y, mo, d = int(m["Y"]), int(m["M"]), int(m["D"])
    else:
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    try:
        dt = datetime(y, mo, d, int(m["hh"]), int(m["mi"]), int(m["ss"] or 0))
    except ValueError:
        return None
    symbol = None
    if m["ss"] is not None:
        frac = float(m["frac"]) if m["frac"] else 0.0
        if frac >= 0.5:  # 14:32:16.999999 read back from a spreadsheet is 14:32:17
            dt += timedelta(seconds=1)
        symbol = dt.second % ALPHABET[KIND_TS]
    return _Parsed(dt.strftime("%Y-%m-%d %H:%M"), symbol, m)


def _parse_phone(text: str) -> _Parsed | None:
    m = _PHONE.match(text)
    if not m:
        return None
    digits = re.sub(r"\D", "", m["i"] or m["n"])
    national = digits if m["n"] else "0" + digits
    stripped = text.strip()
    symbol = next((i for i, style in enumerate(_PHONE_STYLES) if style.match(stripped)), None)
    return _Parsed(national, symbol)


def _parse_addr(text: str) -> _Parsed | None:
    m = _ADDR.match(text.strip())
    if not m or not any(ch.isalpha() for ch in m["rest"]):
        return None
    return _Parsed(_fold(m["num"]) + "|" + _fold(m["rest"]), 1 if m["comma"] else 0, m)


_PARSERS = {KIND_TS: _parse_ts, KIND_PHONE: _parse_phone, KIND_ADDR: _parse_addr}


def parse_cell(kind: str, text: str) -> tuple[str, int | None] | None:
    """``(coarse value, symbol shown)`` of a cell read as carrier ``kind``, or None if it is not one."""
    parsed = _PARSERS[kind](text)
    return None if parsed is None else (parsed.coarse, parsed.symbol)


# ---------------------------------------------------------------- columns


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    return text if text.strip() else None


def _sample_texts(values: Iterable[object], sample: int) -> list[str]:
    """The first ``sample`` non-empty cells of a column, as text (what both classifiers look at)."""
    texts: list[str] = []
    for value in values:
        text = _cell_text(value)
        if text is not None:
            texts.append(text)
            if len(texts) >= sample:
                break
    return texts


def classify_column(values: Iterable[object], *, sample: int = CLASSIFY_SAMPLE) -> ColumnPlan | None:
    """The carrier plan of a column from its content, or None. Looks at up to ``sample`` non-empty cells."""
    texts = _sample_texts(values, sample)
    if not texts:
        return None
    for kind in KINDS:
        probe = texts[:64]  # cheap early rejection: most columns are not carriers
        if sum(_PARSERS[kind](t) is not None for t in probe) < 0.25 * len(probe):
            continue
        parsed = [p for p in (_PARSERS[kind](t) for t in texts) if p is not None]
        if len(parsed) < MIN_CARRIER_SHARE * len(texts):
            continue
        if kind == KIND_TS:
            times = [p.extra for p in parsed]
            if all(int(t["hh"]) == 0 and int(t["mi"]) == 0 and int(t["ss"] or 0) == 0 for t in times):
                return None  # a date stored as a date-time (birth date): never touched
            minute = all(t["ss"] is None or (int(t["ss"]) == 0 and not t["frac"]) for t in times)
            return ColumnPlan(kind, minute_precision=minute)
        return ColumnPlan(kind)
    return None


def classify_numeric_column(values: Iterable[object], header: str | None = None, *,
                            sample: int = CLASSIFY_SAMPLE,
                            thresholds: Iterable[nm.Threshold] = nm.DEFAULT_THRESHOLDS) -> ColumnPlan | None:
    """The ``num`` plan of a column from its content (the header only picks clinical thresholds)."""
    texts = _sample_texts(values, sample)
    plan = nm.classify_numeric(texts, header, thresholds=thresholds)
    return None if plan is None else ColumnPlan(KIND_NUM, numeric=plan)


def plan_table(df: pd.DataFrame, *, numeric: bool = False,
               thresholds: Iterable[nm.Threshold] = nm.DEFAULT_THRESHOLDS) -> dict[str, ColumnPlan]:
    """Carrier plans of the columns of ``df`` that carry the mark (by content); ``numeric`` adds the
    measurement columns that no invisible carrier claimed."""
    plans = {}
    for name in df.columns:
        values = df[name].tolist()
        plan = classify_column(values)
        if plan is None and numeric:
            plan = classify_numeric_column(values, str(name), thresholds=thresholds)
        if plan is not None:
            plans[name] = plan
    return plans


@functools.lru_cache(maxsize=1 << 17)
def identity_hash(text: str) -> int | None:
    """The hash of a cell as a row identity (None for numbers and cells of two characters or less), folded
    so that the marks, spellings and format round trips do not change it."""
    if nm.is_numeric_cell(text):
        return None
    ts = _parse_ts(text)
    if ts is not None:
        folded = ts.coarse[:10] if ts.coarse.endswith(" 00:00") else ts.coarse
    elif (date := nm.fold_date(text)) is not None:
        folded = date
    elif (phone := _parse_phone(text)) is not None:
        folded = phone.coarse
    elif (addr := _parse_addr(text)) is not None:
        folded = addr.coarse
    else:
        folded = _fold(text)
    if len(folded) <= 2:
        return None
    return int.from_bytes(hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest(), "big")


@functools.lru_cache(maxsize=1 << 17)
def date_identity_hash(text: str) -> int | None:
    """:func:`identity_hash` for the anchor of the date units: None for dates and date-times as well (a marked
    date moves, an attacker re-spells it or drops its time of day; the anchor must stay)."""
    if dm.parse_date(text) is not None or _parse_ts(text) is not None:
        return None
    return identity_hash(text)


_NO_HASH = np.uint64(2**64 - 1)


def row_anchors(df: pd.DataFrame, hasher=identity_hash) -> list[str | None]:
    """The content anchor of every row (see :mod:`workbench.beacons.numeric_mark`): each column's distinct
    values are hashed once, the two smallest distinct hashes of each row are taken with numpy. ``hasher``
    :func:`date_identity_hash` gives the anchors of the date units."""
    if len(df) == 0 or len(df.columns) == 0:
        return [None] * len(df)
    hashes = np.full((len(df), len(df.columns)), _NO_HASH, dtype=np.uint64)
    for j in range(len(df.columns)):
        codes, uniques = pd.factorize(df.iloc[:, j], use_na_sentinel=True)
        table = np.array([h if (t := _cell_text(u)) is not None and (h := hasher(t)) is not None
                          else int(_NO_HASH) for u in uniques] + [int(_NO_HASH)], dtype=np.uint64)
        hashes[:, j] = table[codes]  # code -1 (missing) picks the sentinel at the end
    ordered = np.sort(hashes, axis=1)
    first = ordered[:, 0]
    second = np.where(ordered > first[:, None], ordered, _NO_HASH).min(axis=1)
    out: list[str | None] = []
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        if a == int(_NO_HASH):
            out.append(None)
        else:
            out.append(f"{a:016x}" if b == int(_NO_HASH) else f"{a:016x}{b:016x}")
    return out


def mark_number(plan: ColumnPlan, text: str, anchor: str | None, key: bytes | MarkKey, marker: nm.NumericMarker,
                dist: ColumnDistortion | None = None) -> str | None:
    """The marked text of one numeric cell, or None when the cell is not a carrier (or may not move)."""
    assert plan.numeric is not None
    n = nm.parse_number(text, plan.numeric.decimals) if anchor else None
    if n is None or anchor is None:
        return None
    want = expected_symbol(key, KIND_NUM, nm.unit_coarse(plan.numeric, n, anchor))
    new = marker.move(n, want)
    scale = 10**plan.numeric.decimals
    if dist is not None:
        dist.cells += 1
        dist.skipped = marker.skipped
        dist.add_values(n / scale, (n if new is None else new) / scale)
    if new is None or new == n:
        return text
    if dist is not None:
        dist.changed += 1
        dist.max_change = max(dist.max_change, abs(new - n) / scale)
    return nm.format_number(text, new, plan.numeric)


def date_anchor(cells: Iterable[str | None]) -> str | None:
    """The date units' anchor of one row given as text cells (the streaming embedders' per-row form)."""
    return nm.row_anchor(date_identity_hash(c) if c and c.strip() else None for c in cells)


def mark_date(text: str, anchor: str | None, key: bytes | MarkKey, marker: dm.DateMarker,
              dist: ColumnDistortion | None = None) -> tuple[str, int] | None:
    """The marked text of one date cell and its shift in days, or None when the cell is not a date (or its
    row has no anchor). The date keeps its spelling; a time of day is kept as it is."""
    cell = dm.parse_date(text) if anchor else None
    if cell is None or anchor is None:
        return None
    want, digest = _unit_symbol(as_mark_key(key), KIND_DATE, dm.unit_coarse(cell.ordinal, anchor))
    new = marker.move(cell.ordinal, want, digest[24] & 1)
    if dist is not None:
        track_date(dist, marker, new - cell.ordinal)
    return (text if new == cell.ordinal else dm.format_date(cell, new)), new - cell.ordinal


def track_date(dist: ColumnDistortion, marker: dm.DateMarker, shift: int) -> None:
    dist.cells += 1
    if shift:
        dist.changed += 1
        dist.max_change = max(dist.max_change, float(abs(shift)))
    dist.mean_change = marker.mean_shift


def date_distortion_name(name: object, other_plan: bool) -> str:
    """A date-time column that also carries seconds reports its days apart."""
    return f"{name} (day)" if other_plan else str(name)


def plan_dates(df: pd.DataFrame, policy: dm.DatePolicy | None, *, today=None) -> dict[str, dm.DatePlan]:
    """The date columns of ``df`` that carry the mark under ``policy`` (None: no date carries)."""
    if policy is None or not policy.enabled:
        return {}
    plans = {}
    for name in df.columns:
        plan = dm.plan_for_embedding(_sample_texts(df[name].tolist(), CLASSIFY_SAMPLE), name, policy, today=today)
        if plan is not None:
            plans[name] = plan
    return plans


# ---------------------------------------------------------------- keyed symbols


@dataclass(frozen=True)
class MarkKey:
    """The two secrets of a table mark: the establishment's *code* key (the Tardos biases of the cells, the
    seconds written below a minute precision) and the recipient's key (its codeword bits). Every recipient of
    one establishment shares the code key (:meth:`workbench.beacons.registry.Registry.table_mark_key`); a bare
    ``bytes`` key is both (a code of one recipient: independent keys stay independent)."""

    code: bytes = field(repr=False)
    recipient: bytes = field(repr=False)


def as_mark_key(key: bytes | MarkKey) -> MarkKey:
    return key if isinstance(key, MarkKey) else MarkKey(bytes(key), bytes(key))


def _unit_message(kind: str, coarse: str) -> tuple[bytes, bytes]:
    return _DOMAIN + b"\x1f" + kind.encode() + b"\x1f", coarse.encode("utf-8")


def _digest(key: bytes, kind: str, coarse: str) -> bytes:
    """The recipient's HMAC of a unit (its coins); :class:`PrefixHmac` gives the same bytes faster."""
    prefix, data = _unit_message(kind, coarse)
    return hmac.digest(key, prefix + data, "sha256")


def _code_digest(mac: PrefixHmac, kind: str, coarse: str) -> bytes:
    prefix, data = _unit_message(kind, coarse)
    return mac(_CODE_DOMAIN + prefix, data)


def _thresholds(code_digest: bytes, kind: str) -> tuple[int, ...]:
    """The Tardos bias thresholds of a unit's bits (one for a binary carrier, two for a 4-ary one)."""
    bits = 2 if ALPHABET[kind] == 4 else 1
    return tuple(tardos.bias(int.from_bytes(code_digest[8 * b : 8 * b + 8], "big")) for b in range(bits))


def _symbol(rec_digest: bytes, thresholds: tuple[int, ...]) -> int:
    """The recipient's codeword bits of a unit as one symbol (bit 0, then bit 1 for a 4-ary carrier)."""
    return sum(tardos.bit(int.from_bytes(rec_digest[8 * b : 8 * b + 8], "big"), t) << b
               for b, t in enumerate(thresholds))


def _unit_symbol(key: MarkKey, kind: str, coarse: str) -> tuple[int, bytes]:
    """The symbol a unit carries for ``key`` and the code digest (whose bytes 16-24 pick hidden seconds)."""
    prefix, data = _unit_message(kind, coarse)
    code = hmac.digest(key.code, _CODE_DOMAIN + prefix + data, "sha256")
    rec = _digest(key.recipient, kind, coarse)
    return _symbol(rec, _thresholds(code, kind)), code


def expected_symbol(key: bytes | MarkKey, kind: str, coarse: str) -> int:
    """The symbol a unit carries for ``key``: its recipient's Tardos codeword bits for the unit."""
    return _unit_symbol(as_mark_key(key), kind, coarse)[0]


# ---------------------------------------------------------------- embedding


def _nearest_second(second: int, residue: int) -> int:
    q = ALPHABET[KIND_TS]
    cand = second - second % q + residue
    if cand - second > q // 2 and cand - q >= 0:
        cand -= q
    elif second - cand > q // 2 and cand + q <= 59:
        cand += q
    return cand


def mark_value(plan: ColumnPlan, text: str, key: bytes | MarkKey) -> tuple[str, float] | None:
    """The marked spelling of one carrier cell and the size of the change (seconds for ``ts``, else 0),
    or None when the cell is not a carrier of this kind."""
    parsed = _PARSERS[plan.kind](text)
    if parsed is None:
        return None
    want, digest = _unit_symbol(as_mark_key(key), plan.kind, parsed.coarse)
    if plan.kind == KIND_PHONE:
        national = parsed.coarse
        pairs = [national[i : i + 2] for i in range(0, 10, 2)]
        spelled = (national, " ".join(pairs), ".".join(pairs), "+33 " + national[1] + " " + " ".join(pairs[1:]))
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):]
        return lead + spelled[want] + trail, 0.0
    if plan.kind == KIND_ADDR:
        m = parsed.extra
        return f"{m['num']}{',' if want else ''} {m['rest']}", 0.0
    m = parsed.extra
    old = int(m["ss"]) if m["ss"] is not None else 0
    if plan.minute_precision:
        new = ALPHABET[KIND_TS] * (int.from_bytes(digest[16:24], "big") % 15) + want
    else:
        new = _nearest_second(old, want)
    if m["ss"] is not None:
        start, end = m.span("ss")
        if m["frac"] and float(m["frac"]) >= 0.5:  # normalise the rounding case: drop the fraction
            end = m.end("frac")
        out = text[:start] + f"{new:02d}" + text[end:]
    else:
        end = m.end("mi")
        out = text[:end] + f":{new:02d}" + text[end:]
    return out, float(abs(new - old))


def mark_series(values: Sequence[object], plan: ColumnPlan, key: bytes | MarkKey,
                dist: ColumnDistortion) -> list[object]:
    """Mark every carrier cell of a column; other cells are returned unchanged."""
    out: list[object] = []
    for value in values:
        text = _cell_text(value) if not isinstance(value, datetime) else None
        marked = mark_value(plan, text, key) if text is not None else None
        if marked is None:
            out.append(value)
            continue
        new, change = marked
        dist.cells += 1
        if new != text:
            dist.changed += 1
            dist.max_change = max(dist.max_change, change)
        out.append(new)
    return out


def embed_table(df: pd.DataFrame, key: bytes | MarkKey, *, plans: Mapping[str, ColumnPlan] | None = None,
                numeric: bool = False, thresholds: Iterable[nm.Threshold] = nm.DEFAULT_THRESHOLDS,
                dates: dm.DatePolicy | None = None, today=None) -> tuple[pd.DataFrame, Distortion]:
    """Mark a table of text cells. Returns the marked copy and what changed. ``numeric`` also marks the
    measurement columns, ``dates`` the date columns its policy allows (the file entry points and the CLI do
    both by default). Dates move first, so that the measurements' row anchors are those of the marked rows.

    Raises :class:`NoCarrierError` when no column can carry the mark.
    """
    key = as_mark_key(key)
    if len(key.code) < 16 or len(key.recipient) < 16:
        raise ValueError("watermark key must be at least 16 bytes")
    plans = dict(plans) if plans is not None else plan_table(df, numeric=numeric, thresholds=thresholds)
    date_plans = plan_dates(df, dates, today=today)
    if not plans and not date_plans:
        raise NoCarrierError("no column can carry the mark (no date-time with a time of day, "
                             "French phone number, street address, measurement or date other than a birth date)")
    marked = df.copy()
    dist = Distortion(rows=len(df))
    if date_plans:
        date_anchors = row_anchors(df, date_identity_hash)
        for name, dplan in date_plans.items():
            col = ColumnDistortion(KIND_DATE)
            dmarker = dm.DateMarker(dplan)
            values = []
            for value, anchor in zip(df[name].tolist(), date_anchors, strict=True):
                text = _cell_text(value)
                new = mark_date(text, anchor, key, dmarker, col) if text is not None else None
                if new is not None and isinstance(value, datetime):
                    values.append(value + timedelta(days=new[1]))
                else:
                    values.append(value if new is None else new[0])
            marked[name] = pd.Series(values, index=df.index, dtype=df[name].dtype)
            dist.columns[date_distortion_name(name, name in plans)] = col
    anchors = row_anchors(marked) if any(p.kind == KIND_NUM for p in plans.values()) else []
    for name, plan in plans.items():
        col = ColumnDistortion(plan.kind)
        if plan.kind == KIND_NUM:
            assert plan.numeric is not None
            marker = nm.NumericMarker(plan.numeric)
            values = []
            for value, anchor in zip(marked[name].tolist(), anchors, strict=True):
                text = _cell_text(value)
                new = mark_number(plan, text, anchor, key, marker, col) if text is not None else None
                values.append(value if new is None else new)
        else:
            values = mark_series(marked[name].tolist(), plan, key, col)
        marked[name] = pd.Series(values, index=df.index, dtype=df[name].dtype)
        dist.columns[str(name)] = col
    return marked, dist


# ---------------------------------------------------------------- detection


class UnitCollector:
    """Collects carrier units (kind, coarse value) and the symbols they show, from any number of tables.

    Memory grows with the number of distinct units (one small entry per carrier cell value).
    """

    def __init__(self) -> None:
        self._units: dict[tuple[str, str], Counter[int]] = {}
        self.rows_tested = 0

    def add_column(self, values: Sequence[object], plan: ColumnPlan | None = None) -> np.ndarray:
        """Add the carrier cells of one column (classified by content unless ``plan`` is given).
        Returns a boolean mask of the cells that showed a symbol."""
        plan = plan or classify_column(values)
        mask = np.zeros(len(values), dtype=bool)
        if plan is None:
            return mask
        parser = _PARSERS[plan.kind]
        for i, value in enumerate(values):
            text = _cell_text(value)
            parsed = parser(text) if text is not None else None
            if parsed is not None and parsed.symbol is not None:
                self._units.setdefault((plan.kind, parsed.coarse), Counter())[parsed.symbol] += 1
                mask[i] = True
        return mask

    def add_table(self, df: pd.DataFrame) -> None:
        if len(df) == 0:
            return
        rows = np.zeros(len(df), dtype=bool)
        numeric: list[tuple[ColumnPlan, list[object]]] = []
        dates: dict[int, tuple[dm.DateColumnStats, list[object]]] = {}
        for j, name in enumerate(df.columns):
            values = df[name].tolist()
            mask = self.add_column(values)
            rows |= mask
            plan = None if mask.any() else classify_numeric_column(values)
            if plan is not None:
                numeric.append((plan, values))
            elif (stats := dm.column_stats(_sample_texts(values, CLASSIFY_SAMPLE))) is not None:
                dates[j] = (stats, values)
        if numeric:
            anchors = row_anchors(df)
            for plan, values in numeric:
                rows |= self.add_numeric_column(values, plan, anchors)
        keep = dm.columns_for_detection({j: stats for j, (stats, _) in dates.items()})
        if keep:
            anchors = row_anchors(df, date_identity_hash)
            for j in keep:
                rows |= self.add_date_column(dates[j][1], anchors)
        self.rows_tested += int(rows.sum())

    def add_date_column(self, values: Sequence[object], anchors: Sequence[str | None]) -> np.ndarray:
        """Add the ``date`` units of one column, each tied to its row's date anchor."""
        mask = np.zeros(len(values), dtype=bool)
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        parsed = [dm.parse_date(t) if (t := _cell_text(u)) is not None else None for u in uniques]
        for i, (code, anchor) in enumerate(zip(codes.tolist(), anchors, strict=True)):
            cell = parsed[code] if code >= 0 else None
            if cell is None or anchor is None:
                continue
            unit = (KIND_DATE, dm.unit_coarse(cell.ordinal, anchor))
            self._units.setdefault(unit, Counter())[dm.symbol(cell.ordinal)] += 1
            mask[i] = True
        return mask

    def add_numeric_column(self, values: Sequence[object], plan: ColumnPlan,
                           anchors: Sequence[str | None]) -> np.ndarray:
        """Add the ``num`` units of one column, each tied to its row anchor."""
        assert plan.numeric is not None
        mask = np.zeros(len(values), dtype=bool)
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        parsed = [nm.parse_number(t, plan.numeric.decimals) if (t := _cell_text(u)) is not None else None
                  for u in uniques]
        for i, (code, anchor) in enumerate(zip(codes.tolist(), anchors, strict=True)):
            n = parsed[code] if code >= 0 and anchor is not None else None
            if n is None or anchor is None:
                continue
            self._units.setdefault((KIND_NUM, nm.unit_coarse(plan.numeric, n, anchor)), Counter())[n % 2] += 1
            mask[i] = True
        return mask

    def merged(self, other: UnitCollector) -> UnitCollector:
        """A new collector holding the units of both (neither is modified): a large reference table is
        collected once and merged with each smaller one."""
        out = UnitCollector()
        out._units = dict(self._units)
        for unit, counts in other._units.items():
            out._units[unit] = out._units[unit] + counts if unit in out._units else counts
        out.rows_tested = self.rows_tested + other.rows_tested
        return out

    def votes(self) -> list[tuple[str, str, int]]:
        """One ``(kind, coarse, symbol)`` per unit; units whose copies disagree without a majority are left out."""
        out = []
        for (kind, coarse), counts in self._units.items():
            (top, n), *rest = counts.most_common(2) + [(None, 0)]
            if rest and rest[0][1] == n:
                continue
            out.append((kind, coarse, top))
        return out

    def test(self, keys: Mapping[str, bytes | MarkKey]) -> list[TableMarkResult]:
        """Every key against the collected votes, under the current scheme and, for a key it does not detect,
        under the previous one (``balise-table/1``: tables marked before the Tardos code), the false-alarm
        budget split between the two (:data:`CURRENT_WEIGHT`, :data:`LEGACY_WEIGHT`)."""
        votes = self.votes()
        current = _VoteParts(votes)
        messages = [_unit_message(kind, coarse) for kind, coarse, _ in current.ordered]
        old_units = [i for i, v in enumerate(current.ordered) if v[0] != KIND_DATE]  # v1 never moved a date
        legacy: _VoteParts | None = None
        codes: dict[bytes, list[tuple[int, ...]]] = {}  # one establishment's biases serve all its recipients
        out = []
        for label, key in keys.items():
            mk = as_mark_key(key)
            if mk.code not in codes:
                codes[mk.code] = unit_thresholds(mk.code, current.ordered)
            mac = PrefixHmac(mk.recipient)  # the key's hash states once per test, not once per vote
            digests = [mac(prefix, data) for prefix, data in messages]
            expected = [_symbol(d, ths) for d, ths in zip(digests, codes[mk.code], strict=True)]
            res = current.run(label, expected, self.rows_tested)
            res.weight = CURRENT_WEIGHT
            if not res.detected:  # the previous scheme's symbols come from the same digests: no hashing again
                legacy = legacy or _VoteParts([current.ordered[i] for i in old_units])
                old = legacy.run(label, [int.from_bytes(digests[i][:8], "big") % ALPHABET[current.ordered[i][0]]
                                         for i in old_units], self.rows_tested)
                old.weight, old.scheme = LEGACY_WEIGHT, LEGACY_SCHEME
                res.legacy = old
            out.append(res)
        return out

    def cells(self, code_key: bytes) -> tuple[list[tuple[str, str, int]], np.ndarray, np.ndarray, list]:
        """The Tardos cells of the collected table for one establishment: the votes, the bit each cell shows,
        its bias and the units' thresholds (a 4-ary unit gives two cells)."""
        votes = self.votes()
        thresholds = unit_thresholds(code_key, votes)
        y, p = [], []
        for (_, _, symbol), ths in zip(votes, thresholds, strict=True):
            for b, t in enumerate(ths):
                y.append((symbol >> b) & 1)
                p.append(t)
        return votes, np.array(y, dtype=np.int8), tardos.probabilities(p), thresholds

    def accuse(self, keys: Mapping[str, bytes | MarkKey], epsilon: float = tardos.EPSILON) -> tardos.Accusation:
        """The Tardos accusation of the recipients ``keys`` of ONE establishment (they share its code key):
        which of them made the copies this table was built from, with P(any innocent accused) <= ``epsilon``.
        Cells are the units that show a readable symbol; erased cells and units whose copies disagree without
        a majority are skipped (:meth:`votes`)."""
        marks = {label: as_mark_key(k) for label, k in keys.items()}
        code_keys = {mk.code for mk in marks.values()}
        if len(code_keys) > 1:
            raise ValueError("a Tardos accusation tests the recipients of one establishment (one code key)")
        if not marks:
            return tardos.Accusation(cells=0, recipients=0, threshold=math.inf, epsilon=epsilon)
        votes, y, p, thresholds = self.cells(next(iter(code_keys)))
        # each cell's bit is its 64-bit word of the recipient's HMAC below the cell's threshold (_symbol), taken
        # for all cells at once with numpy: the Python loop over cells cost 2 s of the 2.5 s of 20 recipients
        messages = [_unit_message(kind, coarse) for kind, coarse, _ in votes]
        unit = np.array([u for u, ths in enumerate(thresholds) for _ in ths], dtype=np.int64)
        word = np.array([b for ths in thresholds for b in range(len(ths))], dtype=np.int64)
        limit = np.array([t for ths in thresholds for t in ths], dtype=np.uint64)
        codewords = {}
        for label, mk in marks.items():
            mac = PrefixHmac(mk.recipient)
            digests = b"".join(mac(prefix, data) for prefix, data in messages)
            words = np.frombuffer(digests, dtype=">u8").reshape(len(messages), 4)
            codewords[label] = (words[unit, word].astype(np.uint64) < limit).astype(np.int8)
        return tardos.accuse(y, p, codewords, epsilon)


def unit_thresholds(code_key: bytes, votes: Sequence[tuple[str, str, int]]) -> list[tuple[int, ...]]:
    """The Tardos bias thresholds of each voted unit under one establishment's code key."""
    mac = PrefixHmac(code_key)
    return [_thresholds(_code_digest(mac, kind, coarse), kind) for kind, coarse, _ in votes]


def expected_symbols(recipient_key: bytes, votes: Sequence[tuple[str, str, int]],
                     thresholds: Sequence[tuple[int, ...]]) -> list[int]:
    """The symbol each voted unit carries for one recipient (its codeword bits)."""
    mac = PrefixHmac(recipient_key)  # the key's hash states once per test, not once per vote
    out = []
    for (kind, coarse, _), ths in zip(votes, thresholds, strict=True):
        prefix, data = _unit_message(kind, coarse)
        out.append(_symbol(mac(prefix, data), ths))
    return out


def legacy_symbols(recipient_key: bytes, votes: Sequence[tuple[str, str, int]]) -> list[int]:
    """The symbols the previous scheme (``balise-table/1``, before the Tardos code) wrote for a key: the first
    8 bytes of the recipient's HMAC of the unit, modulo the carrier's alphabet. That scheme's recipient key is
    today's recipient key (:meth:`Registry.watermark_key`) and its units are today's units."""
    mac = PrefixHmac(recipient_key)
    return [int.from_bytes(mac(*_unit_message(kind, coarse))[:8], "big") % ALPHABET[kind]
            for kind, coarse, _ in votes]


class _VoteParts:
    """The votes split for the statistics: invisible carriers; value carriers (measurements and dates), one
    vote per unit; measurements grouped by row anchor."""

    def __init__(self, votes: Sequence[tuple[str, str, int]]) -> None:
        self.invisible = [v for v in votes if v[0] not in VALUE_KINDS]
        self.values = [v for v in votes if v[0] in VALUE_KINDS]
        self.ordered = self.invisible + self.values
        self.groups = _row_groups([v for v in self.values if v[0] == KIND_NUM])
        self.sizes = Counter(len(g) for g in self.groups)
        self.pmf = nm.poisson_binomial_pmf(self.sizes) if self.groups else np.ones(1)
        self.tests = sum(1 for part in (self.invisible, self.values, self.groups) if part)

    def run(self, label: str, expected: Sequence[int], rows: int) -> TableMarkResult:
        n = len(self.invisible)
        res = _test_key(label, self.invisible, expected[:n], rows)
        res.tests = max(self.tests, 1)
        if self.values:
            _test_numeric(res, self.values, expected[n:], self.groups, self.pmf, self.sizes)
        return res


def _row_groups(numeric: Sequence[tuple[str, str, int]]) -> list[list[tuple[str, int]]]:
    """The numeric votes grouped by row anchor (the last field of the unit); groups of MIN_GROUP_VOTES or
    more. Groups share no unit, so their all-match events are independent under the null."""
    by_anchor: dict[str, list[tuple[str, int]]] = {}
    for _, coarse, symbol in numeric:
        by_anchor.setdefault(coarse.rsplit("|", 1)[1], []).append((coarse, symbol))
    return [g for g in by_anchor.values() if len(g) >= MIN_GROUP_VOTES]


def _test_numeric(res: TableMarkResult, numeric: Sequence[tuple[str, str, int]], expected: Sequence[int],
                  groups: Sequence[Sequence[tuple[str, int]]], pmf: np.ndarray, sizes: Mapping[int, int]) -> None:
    match = {(kind, coarse): want == symbol
             for (kind, coarse, symbol), want in zip(numeric, expected, strict=True)}
    hits = sum(match.values())
    res.num_votes, res.num_matches = len(numeric), hits
    res.date_votes = sum(1 for kind, _, _ in numeric if kind == KIND_DATE)
    res.num_log10_p = binomial_sum_logsf(hits, 0, len(numeric)) / math.log(10)
    if groups:
        full = sum(all(match[(KIND_NUM, c)] for c, _ in g) for g in groups)
        res.row_groups, res.row_matches = len(groups), full
        res.row_expected = sum(n * 2.0**-s for s, n in sizes.items())
        res.row_log10_p = nm.pmf_log_sf(pmf, full) / math.log(10)


def _log_tail(n: int, p: float) -> np.ndarray:
    """``out[t] = ln P(X > t)`` for X ~ Bin(n, p), t = 0..n, summed from the pmf in logs (no underflow)."""
    with np.errstate(divide="ignore"):
        logpmf = stats.binom.logpmf(np.arange(n + 1), n, p)
    tail = np.logaddexp.accumulate(logpmf[::-1])[::-1]  # tail[j] = ln P(X >= j)
    return np.append(tail[1:], -np.inf)


def binomial_sum_logsf(matches: int, n4: int, n2: int) -> float:
    """ln P(X + Y >= matches) for independent X ~ Bin(n4, 1/4), Y ~ Bin(n2, 1/2): exact up to float
    rounding, computed in logs so that tiny tails do not underflow."""
    if matches <= 0:
        return 0.0
    if matches > n4 + n2:
        return -math.inf
    tail4 = _log_tail(n4, 0.25)
    y = np.arange(n2 + 1)
    with np.errstate(divide="ignore"):
        log_y = stats.binom.logpmf(y, n2, 0.5)
    t = matches - y - 1  # need X > t
    log_x = np.where(t < 0, 0.0, tail4[np.clip(t, 0, n4)])
    return float(min(0.0, special.logsumexp(log_y + log_x)))


def binomial_sum_sf(matches: int, n4: int, n2: int) -> float:
    """P(X + Y >= matches), see :func:`binomial_sum_logsf`."""
    return math.exp(binomial_sum_logsf(matches, n4, n2))


def _test_key(label: str, votes: Sequence[tuple[str, str, int]], expected: Sequence[int],
              rows: int) -> TableMarkResult:
    by_kind: Counter[str] = Counter()
    hits = 0
    n = {4: 0, 2: 0}
    for (kind, _, symbol), want in zip(votes, expected, strict=True):
        by_kind[kind] += 1
        n[ALPHABET[kind]] += 1
        hits += want == symbol
    expected_hits = n[4] / 4 + n[2] / 2
    room = n[4] * 3 / 4 + n[2] / 2
    fraction = 0.0 if room == 0 else min(1.0, max(0.0, (hits - expected_hits) / room))
    log_p = binomial_sum_logsf(hits, n[4], n[2])
    return TableMarkResult(label=label, p_value=math.exp(log_p), marked_fraction_estimate=fraction,
                           rows_tested=rows, votes=len(votes), matches=hits, expected_matches=expected_hits,
                           votes_by_kind=dict(by_kind), log10_p=log_p / math.log(10))


def accused(results: Sequence[TableMarkResult], alpha: float = DETECTION_THRESHOLD) -> list[TableMarkResult]:
    """The recipients accused of a leak, colluders included: every key whose decision p-value is below
    ``alpha / len(results)``. Each recipient has its own key, so its expected bits are an independent random
    fingerprint over the marked cells; colluders who pick cells among their copies, or average the values
    and round them back to the display, leave every cell where their bits agree carrying all their bits, so
    each colluder's key matches well above chance (measured: 2-4 colluders on 5,000 lab rows, each at
    p < 1e-150). An innocent's key is independent of the merged copy, so its test is exactly null, and the
    probability of accusing any innocent is at most ``alpha`` (Bonferroni over the keys tested).

    Valid only for keys that share no code key (bare ``bytes`` keys, or keys of different establishments): the
    recipients of one establishment share the Tardos biases, an innocent's codeword agrees with a leaked copy
    on about 3/4 of its cells and passes this test too. Their accusation is :meth:`UnitCollector.accuse`."""
    bound = alpha / max(len(results), 1)
    return [r for r in results if r.combined_p_value < bound]


def detect_table(df: pd.DataFrame, keys: Mapping[str, bytes]) -> list[TableMarkResult]:
    """Test every key against a table (any columns, any order, any names). One result per key."""
    collector = UnitCollector()
    collector.add_table(df)
    return collector.test(keys)


def detect_dataframe(df: pd.DataFrame, keys: Mapping[str, bytes]) -> list[TableMarkResult]:
    """Detection on a records-parser frame: the source columns (``src.*``) when there are any, else all."""
    src = [c for c in df.columns if str(c).startswith("src.")]
    return detect_table(df[src] if src else df, keys)


def embed_file(in_path: str | os.PathLike[str], out_path: str | os.PathLike[str], key: bytes, *,
               fmt: str | None = None, numeric: bool = True,
               thresholds: Iterable[nm.Threshold] = nm.DEFAULT_THRESHOLDS,
               dates: dm.DatePolicy | None = dm.DEFAULT_POLICY, today=None) -> Distortion:
    """Watermark a CSV, XLSX or SQL dump file (see :mod:`workbench.beacons.mark_io`); ``numeric`` (default)
    also marks measurements, ``dates`` (default policy) the dates other than birth dates."""
    from workbench.beacons import mark_io

    return mark_io.embed_file(in_path, out_path, key, fmt=fmt, numeric=numeric, thresholds=tuple(thresholds),
                              dates=dates, today=today)


def detect_file(path: str | os.PathLike[str], keys: Mapping[str, bytes], *, fmt: str | None = None
                ) -> list[TableMarkResult]:
    """Test every key against a CSV, XLSX or SQL dump file."""
    from workbench.beacons import mark_io

    return mark_io.detect_file(path, keys, fmt=fmt)
