"""Window tests run offscreen; the demo case (registry, leak with beacons, scanned case) is built once."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported anywhere

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

DEMO_BYTES = 3 * 2**20
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """``run_demo`` once: a signed registry, a leak folder carrying canaries and a watermark, its scanned case."""
    from workbench.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"), size_bytes=DEMO_BYTES, jobs=2, pdf=False)


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    from workbench.gui.settings import Settings

    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def window(qtbot, settings, tmp_path):
    from workbench.gui.window import MainWindow

    w = MainWindow(settings, language="en")
    w.jobs = 2
    w.demo_folder = tmp_path / "demo"
    w.resize(1400, 900)
    qtbot.addWidget(w)
    w.errors = []
    w.show_error = lambda title, text, details="": w.errors.append((title, text))
    w.ask = lambda title, text: True
    w.ask_unmasking = lambda: ("Analyste de test", "contrôle d'un canari demandé par le DPO")
    yield w
    if w.job is not None and w.job.isRunning():
        w.job.cancel()
        w.job.wait(60_000)


@pytest.fixture(scope="session")
def shard_case(tmp_path_factory):
    """A small case written as a scan writes it (metadata + Parquet shards), without a scan."""
    from .shardcase import build_shard_case

    return build_shard_case(tmp_path_factory.mktemp("shardcase"))
