"""Fixtures shared across test packages: the demo case, built once per session (about 20 s on 2 cores)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class DemoCase:
    out: Path
    case: Path
    truth: dict
    report_json: Path


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory) -> DemoCase:
    """The demo leak scanned into a case (``balise demo``'s code path, 4 MiB, no PDF). Tests may append to its
    custody log (exports, reports) but must not change its results."""
    from workbench.demo import run_demo

    out = tmp_path_factory.mktemp("demo-case")
    result = run_demo(out, size_bytes=4 * 2**20, seed=5, pdf=False)
    return DemoCase(out, result.case, json.loads(result.truth.read_text(encoding="utf-8")), result.report_json)
