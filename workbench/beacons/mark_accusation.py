"""Which establishment marked a table, then which of its recipients made the copies it was built from.

Two questions, two tests (numbers from ``benchmarks/watermark.py``):

1. *Is establishment E's mark present?* The per-key binomial tests of :mod:`workbench.beacons.tabular_mark`,
   taken for E as the smallest decision p-value of its keys times their number (Bonferroni). Their null is
   exact for a table E did not mark (a key's bit is exactly Bernoulli(1/2) whatever the data), so this stays
   the proof of origin, and it survives collusion: every copy of E carries E's biases.
2. *Which recipients?* Not the per-key tests: recipients of one establishment share the cells' biases, so an
   innocent's codeword agrees with a leaked copy on about 3/4 of the binary cells and its binomial p-value is
   tiny too. The symmetric Tardos accusation (:mod:`workbench.beacons.tardos`) decides, with the probability
   of accusing any innocent among E's recipients at most 1e-6 by construction. Measured on 5,000 lab rows
   (29,500 cells, 20 recipients, threshold Z = 983, 3 trials): 2-4 colluders who pick cells, take the
   majority or average the values are all accused (lowest colluder score 2,063: 4 averaging), the highest
   innocent score is 481. On 1,000 rows (5,900 cells, Z = 433) at least one of 4 averaging colluders is
   still accused (3.67 of 4 on average), no innocent.

Averaging is the hardest of the three attacks, and why: each copy moves a measurement by one unit in the
direction that keeps *its own* column mean and standard deviation (:class:`numeric_mark.NumericMarker`), so two
colluders with the same bit may have moved the same value in opposite directions (72.3 -> 72.2 and 72.4);
their average shows the other parity, a cell outside the marking assumption that lowers every colluder's
score (4 colluders, lowest score: 2,063 averaging against 4,131 interleaving on 5,000 rows) without touching an innocent's
bound, which holds given the leaked bits whatever produced them. Shared directions would avoid it but move a
copy's standard deviation by about 0.1 % on 2,000 rows of glucose (half a unit squared of rounding noise per
moved cell), beyond the distortion budget.

Tables marked before the Tardos code (scheme ``balise-table/1``, one independent key per recipient) are found
by the same per-key tests under that scheme (:meth:`UnitCollector.test`); their recipients are then accused by
their own keys' p-values with a Bonferroni factor over the establishment's keys (what that scheme's accusation
was: an innocent's key is independent of the copy, its test exactly null), not by a Tardos score.

When E's mark is present but nobody reaches the threshold (a copy cut down to a few hundred cells, or a
mixture where E's rows are a few per cent), the establishment is proven and no recipient is named.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from workbench.beacons import tardos
from workbench.beacons.tabular_mark import (
    DETECTION_THRESHOLD,
    LEGACY_SCHEME,
    MarkKey,
    TableMarkResult,
    UnitCollector,
)


@dataclass
class EstablishmentVerdict:
    """The verdict for one establishment on one table."""

    establishment: str
    results: list[TableMarkResult]  # its keys' binomial tests
    presence_log10_p: float  # smallest decision log10 p of its keys + log10(number of keys)
    accusation: tardos.Accusation | None  # None when its mark is not present

    @property
    def detected(self) -> bool:
        return self.presence_log10_p < math.log10(DETECTION_THRESHOLD)

    @property
    def scheme(self) -> str:
        """The table scheme whose mark was found (the previous one only when the current one was not)."""
        return self.accusation.scheme if self.accusation is not None else "-"


def split_label(label: str) -> tuple[str, str]:
    """``FINESS|recipient`` -> (FINESS, recipient); the establishment's own copy has an empty recipient."""
    finess, _, recipient = label.partition("|")
    return finess, recipient


def verdicts(collector: UnitCollector, keys: Mapping[str, MarkKey], *,
             epsilon: float = tardos.EPSILON) -> list[EstablishmentVerdict]:
    """Test every key (labelled ``FINESS|recipient``), then accuse the recipients of each establishment whose
    mark is present. One verdict per establishment, strongest first."""
    results = collector.test(keys)
    by_est: dict[str, list[TableMarkResult]] = {}
    for res in results:
        by_est.setdefault(split_label(res.label)[0], []).append(res)
    out = []
    for finess, group in by_est.items():
        presence = min(0.0, min(r.combined_log10_p for r in group) + math.log10(len(group)))
        verdict = EstablishmentVerdict(finess, group, presence, None)
        if verdict.detected:
            current = min(r.own_log10_p for r in group) + math.log10(len(group))
            if current < math.log10(DETECTION_THRESHOLD):
                verdict.accusation = collector.accuse({r.label: keys[r.label] for r in group}, epsilon)
            else:
                verdict.accusation = legacy_accusation(group, epsilon)
        out.append(verdict)
    out.sort(key=lambda v: v.presence_log10_p)
    return out


def legacy_accusation(results: list[TableMarkResult], epsilon: float = tardos.EPSILON) -> tardos.Accusation:
    """The accusation of a table marked by the previous scheme (``balise-table/1``): every recipient had its own
    independent key, so a key whose test under that scheme has p * n < ``epsilon`` (n keys of the
    establishment) is accused, and P(any innocent accused) <= ``epsilon`` (an innocent's test is exactly null).
    Scores and threshold are -log10 p, so that "score >= threshold" reads as for the Tardos accusation."""
    n = max(len(results), 1)
    threshold = -math.log10(epsilon / n)
    out = tardos.Accusation(cells=max((r.legacy.votes + r.legacy.num_votes for r in results if r.legacy), default=0),
                            recipients=len(results), threshold=threshold, epsilon=epsilon, scheme=LEGACY_SCHEME)
    for r in results:
        log10_p = r.legacy.combined_log10_p if r.legacy is not None else 0.0
        out.results.append(tardos.RecipientScore(r.label, -log10_p, min(0.0, log10_p + math.log10(n)),
                                                 -log10_p >= threshold))
    return out
