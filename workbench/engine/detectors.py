"""The content detectors run on every leaf item and text layer: YARA rules and identifier validation.

Built once per worker process (the hyperscan database is built here; the YARA rules are loaded from the case's
rules cache, compiled once by the main process: a 1,800-file public collection took about 8 s to compile in
every worker).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workbench.engine import yara_rules
from workbench.engine.identifiers.scanner import IdentifierScanner
from workbench.engine.model import Finding, IdentifierCounts, ItemInfo
from workbench.engine.yara_externals import ExternalValue, item_externals, owner_of


class ContentScanner:
    def __init__(self, rule_paths: Sequence[str] = (), *, bundled_rules: bool = True,
                 ruleset: yara_rules.RuleSet | None = None) -> None:
        # ``ruleset``: the main process's compiled set (its parts load from the case's cache); else compiled here.
        # Identifier-shaped regexes have no literal atom: on binary content (page files, disk images, pixels) YARA
        # tries them at every byte (14 MB/s on zeros). Binary items (``kind_traits.traits(kind).binary``) are
        # matched without them (``binary=True``); their identifiers are still found by the identifier scanner.
        self.ruleset = ruleset if ruleset is not None else yara_rules.compile_rules(
            [Path(p) for p in rule_paths], bundled=bundled_rules)
        self.identifiers = IdentifierScanner()
        self._task_vpath: str | None = None
        self._host_path: str | None = None
        self._owner = ""

    def begin_task(self, vpath: str, host_path: str) -> None:
        """The evidence file a task reads: the place (``filepath``) and ``owner`` of its items for the rules."""
        self._task_vpath, self._host_path, self._owner = vpath, host_path, owner_of(host_path)

    def externals_of(self, item: ItemInfo | None) -> dict[str, ExternalValue] | None:
        if item is None:
            return None
        return item_externals(item.name, item.vpath, task_vpath=self._task_vpath, host_path=self._host_path,
                              kind=item.kind, fmt=item.format, owner=self._owner)

    def scan_rules(self, buf, *, item: ItemInfo, binary: bool = True) -> tuple[list[Finding], list[str]]:
        """YARA alone on an item's own bytes (an archive, a compressed file, an empty file)."""
        try:
            return yara_rules.scan(self.ruleset, buf, vpath=item.vpath, binary=binary,
                                   externals=self.externals_of(item)), []
        except yara_rules.YaraScanError as exc:
            return [], [f"yara (raw): {exc}"]

    def scan(self, buf, *, vpath: str, layer: str = "raw", identifiers: bool = True, binary: bool = False,
             spill=None, item: ItemInfo | None = None
             ) -> tuple[list[Finding], dict[str, dict[str, int]], dict[str, dict[str, int]], list[str]]:
        """YARA findings, validated identifiers (``counts[type][value]``, ``first[type][value]`` offsets) and the
        errors of each detector: one detector failing (a YARA timeout) does not silence the other.
        ``item``: gives the rules their LOKI/THOR external variables (name, place, type, owner)."""
        errors: list[str] = []
        findings: list[Finding] = []
        try:
            findings = yara_rules.scan(self.ruleset, buf, vpath=vpath, layer=layer, binary=binary,
                                       externals=self.externals_of(item))
        except yara_rules.YaraScanError as exc:
            errors.append(f"yara ({layer}): {exc}")
        if not identifiers:
            return findings, {}, {}, errors
        if spill is not None:  # distinct values go to the store as Arrow tables, in slices as they pile up
            self.identifiers.count_columns(buf, vpath, spill)
            return findings, {}, {}, errors
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
