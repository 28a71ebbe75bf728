"""No export of the demo holds a planted identifier in clear (the values the synthetic leak was built with)."""

from __future__ import annotations

import pytest

from tests.planted import clear_values_in, planted_values


@pytest.mark.parametrize("fmt", ["stix", "misp", "case-uco", "dfxml", "features"])
def test_export_holds_no_planted_identifier(demo_case, demo_exports, fmt):
    planted = planted_values(demo_case.truth)
    assert sum(len(v) for v in planted.values()) > 1000  # the search is not vacuous
    path = demo_exports[fmt]
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert not clear_values_in(text, planted)[:5], f.name


def test_the_search_finds_values_in_clear(demo_case, tmp_path):
    """The check above would catch a leak: an unmasked feature file is flagged."""
    from workbench.exports import ExportOptions, export_case

    out = export_case(demo_case.case, "features", tmp_path / "f", ExportOptions(unmasked=True, reason="test")).out
    assert clear_values_in((out / "nir.txt").read_text(encoding="utf-8"), planted_values(demo_case.truth))
