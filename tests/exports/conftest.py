"""Every export of the demo case, written once per session (masked, default options)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.exports import ExportOptions, export_case


@pytest.fixture(scope="session")
def demo_exports(demo_case, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exports")
    names = {"stix": "demo.stix.json", "misp": "demo.misp.json", "case-uco": "demo.case.jsonld",
             "dfxml": "demo.dfxml", "features": "features"}
    return {fmt: export_case(demo_case.case, fmt, out / name, ExportOptions()).out for fmt, name in names.items()}
