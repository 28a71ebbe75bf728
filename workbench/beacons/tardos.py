"""A symmetric binary Tardos code over the marked cells of a table, and its accusation with a proven bound.

Why: one independent key per recipient (the first table scheme) lets a coalition that merges copies keep every
colluder's mark, but gives no guarantee against colluders who *choose* their cells; Tardos codes (Tardos 2003,
"Optimal probabilistic fingerprint codes") are the codes whose length needed against c colluders is the
smallest possible order, m ~ c^2 ln(1/eps). Here the symmetric accusation of Skoric, Katzenbeisser and Celik
(2008, "Symmetric Tardos fingerprinting codes for arbitrary alphabet sizes") is used.

Code. Cell i (a carrier unit of :mod:`workbench.beacons.tabular_mark`, or one of the two bits of a 4-ary one)
has a bias p_i drawn from Tardos' density f(p) ~ 1/sqrt(p (1 - p)) on [t, 1 - t], t = :data:`CUTOFF`, from the
*establishment's* code key (so every recipient of one establishment shares the biases and nothing new is
stored in the registry). Recipient j's bit is x_ji = 1 when a 64-bit value of its own key (an HMAC of the
cell) is below p_i 2^64: Bernoulli(p_i), independent across recipients and cells. The drawing is exactly
symmetric (p and 1 - p are equally likely, as integers), so for a key drawn independently of a table the bit
is exactly Bernoulli(1/2): the existing per-key binomial tests keep their exact null.

Accusation. With y_i the bit the leaked table shows, recipient j scores S_j = sum_i g(y_i, x_ji, p_i) with
g = sqrt((1-p)/p) when x = y = 1, -sqrt(p/(1-p)) when x = 0 != y, and symmetrically for y = 0 (Skoric).
For an innocent j, x_j is independent of the leaked copy given the biases (the colluders never see it), so
given (p, y) its score is a sum of independent two-valued terms of mean 0 and variance 1, with the exact
moment generating function M(l) = prod_i (p_i e^{l g_i(1)} + (1 - p_i) e^{l g_i(0)}). Chernoff's bound
P(S_j >= s | p, y) <= exp(ln M(l) - l s) holds for every l >= 0, so the decision threshold

    Z = min over l > 0 of (ln M(l) + ln(n / eps)) / l

(n recipients tested, eps = 1e-6) gives P(any innocent accused) <= eps by construction (union bound), whatever
the colluders did; the bound is evaluated on a grid of l and refined, and any l gives a valid bound, so
numerical error can only make it conservative. It needs no simulation. For comparison, Bernstein's bound
with the worst |g| = sqrt((1-t)/t) = 20 (t = 1/400) gives for m = 29,500 cells and n = 20: Z = 1,114, the
Chernoff threshold on the same cells is 983 (measured on 29,500 cells of a 5,000-row lab table).

How many cells: a coalition's mean total score is at least 2m/pi for any strategy under the marking
assumption (Skoric et al.), so some colluder scores 2m/(pi c); against Z ~ sqrt(2 m ln(n/eps)) this needs
m >~ pi^2 c^2 ln(n/eps) / 2 cells: 1,400 for c = 4, n = 50, eps = 1e-6. A 5,000-row lab table has about
30,000 numeric cells (six measurements a row), far more than needed; measured accusations are in
``benchmarks/watermark.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

CUTOFF = 1 / 400  # t: biases in [t, 1 - t]; |g| <= sqrt((1-t)/t) ~ 20 keeps the innocent's tail light
EPSILON = 1e-6  # probability of accusing any innocent, by construction
SCHEME = "symmetric Tardos (Skoric 2008)"
_TWO64 = 1 << 64
_R_T = math.asin(math.sqrt(CUTOFF))
_LAMBDA_GRID = np.geomspace(1e-5, 5.0, 48)


def bias(value: int) -> int:
    """The integer threshold P = p 2^64 of a cell's bias from 64 keyed bits: the low 63 bits pick
    p = sin^2(r), r uniform on [asin sqrt t, pi/2 - asin sqrt t] (Tardos' density), the top bit picks p or 1 - p
    exactly (P or 2^64 - P), so the bit drawn from it is exactly Bernoulli(1/2) over keys."""
    frac = (value & ((1 << 63) - 1)) / float(1 << 63)
    r = _R_T + (math.pi / 2 - 2 * _R_T) * frac
    threshold = min(max(int(math.sin(r) ** 2 * _TWO64), 1), _TWO64 - 1)
    return threshold if value >> 63 else _TWO64 - threshold


def bit(value: int, threshold: int) -> int:
    """The codeword bit: 1 when the recipient's 64 keyed bits fall below the cell's threshold."""
    return 1 if value < threshold else 0


def probabilities(thresholds: np.ndarray | list[int]) -> np.ndarray:
    return np.array([t / _TWO64 for t in thresholds], dtype=np.float64)


def scores(y: np.ndarray, p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Symmetric Tardos scores: ``x`` is (recipients, cells) of 0/1, ``y`` and ``p`` are per cell."""
    up, down = np.sqrt((1 - p) / p), np.sqrt(p / (1 - p))
    g1 = np.where(y == 1, up, -up)  # x = 1
    g0 = np.where(y == 1, -down, down)  # x = 0
    return (x * g1 + (1 - x) * g0).sum(axis=1) if x.ndim == 2 else float((x * g1 + (1 - x) * g0).sum())


class InnocentBound:
    """Chernoff bounds on an innocent's score given the biases and the leaked bits (see the module docstring)."""

    def __init__(self, y: np.ndarray, p: np.ndarray) -> None:
        up, down = np.sqrt((1 - p) / p), np.sqrt(p / (1 - p))
        self._g1 = np.where(y == 1, up, -up)
        self._g0 = np.where(y == 1, -down, down)
        self._logp, self._log1p = np.log(p), np.log1p(-p)
        self.cells = int(len(p))
        self._grid = _LAMBDA_GRID
        self._phi = np.array([self.log_mgf(lam) for lam in self._grid]) if self.cells else np.zeros(len(self._grid))

    def gains(self) -> tuple[np.ndarray, np.ndarray]:
        """g(y_i, 1, p_i) and g(y_i, 0, p_i) per cell."""
        return self._g1, self._g0

    def log_mgf(self, lam: float) -> float:
        """ln M(lam) = sum_i ln(p_i e^{lam g_i(1)} + (1 - p_i) e^{lam g_i(0)}), computed in logs."""
        return float(np.logaddexp(self._logp + lam * self._g1, self._log1p + lam * self._g0).sum())

    def _refine(self, f, i: int) -> float:
        """Golden-section search of the unimodal ``f`` between the grid neighbours of point ``i``."""
        lo = self._grid[max(i - 1, 0)]
        hi = self._grid[min(i + 1, len(self._grid) - 1)]
        a, b = math.log(lo), math.log(hi)
        best = f(self._grid[i])
        ratio = (math.sqrt(5) - 1) / 2
        c, d = b - ratio * (b - a), a + ratio * (b - a)
        fc, fd = f(math.exp(c)), f(math.exp(d))
        for _ in range(30):
            if fc < fd:
                b, d, fd = d, c, fc
                c = b - ratio * (b - a)
                fc = f(math.exp(c))
            else:
                a, c, fc = c, d, fd
                d = a + ratio * (b - a)
                fd = f(math.exp(d))
        return min(best, fc, fd)

    def threshold(self, log_inv_eps: float) -> float:
        """Z with P(S >= Z) <= exp(-log_inv_eps): min over lam of (ln M(lam) + log_inv_eps) / lam."""
        if not self.cells:
            return math.inf
        values = (self._phi + log_inv_eps) / self._grid
        i = int(np.argmin(values))
        return self._refine(lambda lam: (self.log_mgf(lam) + log_inv_eps) / lam, i)

    def log_tail(self, score: float) -> float:
        """ln of a bound on P(S >= score) for an innocent (0 for scores at or below the mean)."""
        if not self.cells or score <= 0:
            return 0.0
        values = self._phi - self._grid * score
        i = int(np.argmin(values))
        return min(0.0, self._refine(lambda lam: self.log_mgf(lam) - lam * score, i))


@dataclass
class RecipientScore:
    label: str
    score: float
    log10_bound: float  # log10 of n x P(innocent scores this much): the family-wise p-value of the accusation
    accused: bool


@dataclass
class Accusation:
    """The Tardos accusation of one establishment's recipients on one table."""

    cells: int
    recipients: int
    threshold: float
    epsilon: float = EPSILON
    results: list[RecipientScore] = field(default_factory=list)
    scheme: str = SCHEME  # the previous table scheme's accusation says so (mark_accusation.legacy_accusation)

    @property
    def accused(self) -> list[RecipientScore]:
        return [r for r in self.results if r.accused]


def accuse(y: np.ndarray, p: np.ndarray, codewords: Mapping[str, np.ndarray],
           epsilon: float = EPSILON) -> Accusation:
    """Score every recipient's codeword against the leaked bits ``y`` (cells with biases ``p``) and accuse those
    above the threshold that bounds the probability of accusing any innocent by ``epsilon``."""
    labels = list(codewords)
    n = max(len(labels), 1)
    bound = InnocentBound(y, p)
    log_inv = math.log(n / epsilon)
    z = bound.threshold(log_inv)
    out = Accusation(cells=bound.cells, recipients=len(labels), threshold=z, epsilon=epsilon)
    if not labels or not bound.cells:
        out.results = [RecipientScore(lab, 0.0, 0.0, False) for lab in labels]
        return out
    g1, g0 = bound.gains()
    for lab in labels:  # one recipient at a time: memory stays a few arrays of one float per cell
        x = codewords[lab]
        score = float(np.where(x == 1, g1, g0).sum())
        log10_b = min(0.0, (bound.log_tail(score) + math.log(n)) / math.log(10)) if score > 0 else 0.0
        out.results.append(RecipientScore(lab, float(score), log10_b, bool(score >= z)))
    return out
