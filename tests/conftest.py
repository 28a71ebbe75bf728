"""Test-wide isolation of the user's settings.

Registry keys are pinned per authority in the user's settings (:mod:`workbench.beacons.trust`). Tests make many
registries under the same authority names, each with a new key: sharing one settings folder, the second would
be refused as an impostor (and the analyst's own ~/.config would be written). So every fixture set-up and every
test body gets a fresh, empty settings folder through ``$BALISE_CONFIG_DIR`` (subprocesses inherit it)."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from workbench.beacons.trust import CONFIG_ENV

_BASE = tempfile.mkdtemp(prefix="balise-test-config-")


def _fresh_config_dir() -> None:
    os.environ[CONFIG_ENV] = tempfile.mkdtemp(dir=_BASE)


_fresh_config_dir()


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    _fresh_config_dir()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    _fresh_config_dir()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_BASE, ignore_errors=True)
