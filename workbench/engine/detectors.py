"""The content detectors run on every leaf item and text layer: YARA rules and identifier validation.

Built once per worker process (compiling YARA and the hyperscan database is the costly part).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workbench.engine import yara_rules
from workbench.engine.identifiers.scanner import IdentifierScanner
from workbench.engine.model import Finding, IdentifierCounts

TEXT_ONLY_NAMESPACES = {"fr_identifiers"}  # bundled namespaces of identifier-shaped regexes


class ContentScanner:
    def __init__(self, rule_paths: Sequence[str] = (), *, bundled_rules: bool = True) -> None:
        self.ruleset = yara_rules.compile_rules([Path(p) for p in rule_paths], bundled=bundled_rules)
        # Identifier-shaped regexes have no literal atom: on binary content (page files, disk images, pixels) YARA
        # tries them at every byte (14 MB/s on zeros). Binary items (``kind_traits.traits(kind).binary``) get the
        # rule set without them; their identifiers are still found by the validated identifier scanner.
        self.binary_ruleset = self.ruleset.without(TEXT_ONLY_NAMESPACES)
        self.identifiers = IdentifierScanner()

    def scan(self, buf, *, vpath: str, layer: str = "raw", identifiers: bool = True, binary: bool = False,
             spill=None) -> tuple[list[Finding], dict[str, dict[str, int]], dict[str, dict[str, int]], list[str]]:
        """YARA findings, validated identifiers (``counts[type][value]``, ``first[type][value]`` offsets) and the
        errors of each detector: one detector failing (a YARA timeout) does not silence the other."""
        errors: list[str] = []
        findings: list[Finding] = []
        try:
            ruleset = self.binary_ruleset if binary else self.ruleset
            findings = yara_rules.scan(ruleset, buf, vpath=vpath, layer=layer)
        except yara_rules.YaraScanError as exc:
            errors.append(f"yara ({layer}): {exc}")
        if not identifiers:
            return findings, {}, {}, errors
        if spill is not None:  # a big item: its distinct values go to the store in slices as they pile up
            found = self.identifiers.count_spilling(buf, vpath, spill)
        else:
            found = self.identifiers.count(buf, vpath)
        return findings, found.counts, found.first_offset, errors


def merge_layer_counts(total: IdentifierCounts, counts: dict[str, dict[str, int]],
                       first: dict[str, dict[str, int]]) -> None:
    """Fold one layer's identifiers into an item's: per value, the most occurrences seen in any one layer.

    The same NIR may be visible in the raw bytes and again in the extracted text of the same item (an uncompressed
    PDF, a plain-text e-mail body): taking the maximum per value, not the sum, avoids counting it twice.
    """
    for id_type, per in counts.items():
        dest = total.counts.setdefault(id_type, {})
        firsts = total.first_offset.setdefault(id_type, {})
        for value, n in per.items():
            if n > dest.get(value, 0):
                dest[value] = n
            firsts.setdefault(value, first.get(id_type, {}).get(value, 0))
