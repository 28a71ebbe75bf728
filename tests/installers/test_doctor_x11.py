"""Issue 13.12: ``balise doctor`` names the X11 library the window lacks and does not say ready without it.

The missing library is made real: a copy of PySide6's X11 plugin next to a copy of ``libQt6XcbQpa.so.6`` whose
DT_NEEDED entry for ``libxcb-cursor.so.0`` is renamed (same length) to a library no system has, so that the
loader itself (``ldd``) reports it as not found, as on a minimal Debian without libxcb-cursor0.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.cli.doctor import format_text
from workbench.engine import environment as env

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None,
                                reason="the X11 check is for Linux with ldd")


def test_debian_package_names() -> None:
    assert env.debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert env.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert env.debian_package("libX11-xcb.so.1") == "libx11-xcb1"
    assert env.debian_package("libxcb-render-util.so.0") == "libxcb-render-util0"


def _broken_plugins(tmp_path: Path) -> Path:
    real = env.qt_plugins_dir()
    assert real is not None
    qt_lib = real.parent / "lib"
    plugins = tmp_path / "Qt" / "plugins"
    (plugins / "platforms").mkdir(parents=True)
    shutil.copy2(real / "platforms" / "libqxcb.so", plugins / "platforms" / "libqxcb.so")
    lib = tmp_path / "Qt" / "lib"
    lib.mkdir()
    for f in qt_lib.iterdir():
        if f.name != "libQt6XcbQpa.so.6":
            (lib / f.name).symlink_to(f)
    data = (qt_lib / "libQt6XcbQpa.so.6").read_bytes()
    needed = b"\x00libxcb-cursor.so.0\x00"
    assert needed in data
    (lib / "libQt6XcbQpa.so.6").write_bytes(data.replace(needed, b"\x00libxcb-cursoR.so.0\x00", 1))
    return plugins


def test_x11_check_names_the_missing_library_and_its_package(tmp_path: Path) -> None:
    good = env.check_x11()
    if not good.ok:
        pytest.skip(f"this machine lacks X11 libraries already: {good.detail}")
    assert "xcb libraries found" in good.detail
    broken = env.check_x11(_broken_plugins(tmp_path))
    assert not broken.ok and not broken.required
    assert "libxcb-cursoR.so.0" in broken.detail and "apt-get install libxcb-cursor0" in broken.detail
    assert "libQt6" not in broken.detail  # only what is really missing


def test_doctor_is_not_ready_when_the_window_cannot_start(tmp_path: Path, monkeypatch, capsys) -> None:
    plugins = _broken_plugins(tmp_path)
    real_check = env.check_x11
    monkeypatch.setattr(env, "check_x11", lambda plugins_dir=None: real_check(plugins))
    rc = main(["doctor", "--qt-timeout", "90"])
    text = capsys.readouterr().out
    assert rc == 1
    assert "Ready: every required check passed" not in text
    assert "NOT READY for the window" in text and "libxcb-cursor0" in text and "The command line works" in text
    assert main(["doctor", "--no-qt"]) == 0  # the command line alone is ready
    report = env.EnvironmentReport("0", "3.11", "x", "x", False, [env.Check("qt", False, detail="exit 1",
                                                                            required=False)])
    assert report.ok and "NOT READY for the window: qt: exit 1" in format_text(report)
