"""Test-wide fixtures: isolation of the user's settings, and the demo case built once per session.

Registry keys are pinned per authority in the user's settings (:mod:`workbench.beacons.trust`). Tests make many
registries under the same authority names, each with a new key: sharing one settings folder, the second would
be refused as an impostor (and the analyst's own ~/.config would be written). So every fixture set-up and every
test body gets a fresh, empty settings folder through ``$BALISE_CONFIG_DIR`` (subprocesses inherit it)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench.beacons.trust import CONFIG_ENV

_BASE = tempfile.mkdtemp(prefix="balise-test-config-")


def _fresh_config_dir() -> None:
    os.environ[CONFIG_ENV] = tempfile.mkdtemp(dir=_BASE)


_fresh_config_dir()
# The window's own settings (QSettings: layout, recent cases, per-case choices) live under $XDG_CONFIG_HOME on
# Linux: without this, every test that built a window with the default settings wrote into the analyst's
# ~/.config/Balise, and the next real start restored a test's 771-pixel layout with a squeezed details pane.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="xdg-", dir=_BASE)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    _fresh_config_dir()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    _fresh_config_dir()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_BASE, ignore_errors=True)


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
