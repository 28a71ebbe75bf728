"""The Linux wheelhouse installs into a fresh venv and runs the demo with no network (``make wheelhouse-test``).

Needs ``make wheelhouse`` first (it downloads; this test does not) and BALISE_TEST_WHEELHOUSE=1: it installs
about 600 MB of wheels, which takes a minute or two.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.installers.netns import offline, unshare_prefix

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "installers" / "wheelhouse" / "wheels" / "linux-x86_64"
PREFIX, WHY = unshare_prefix()

pytestmark = [
    pytest.mark.slow, pytest.mark.netns,
    pytest.mark.skipif(os.environ.get("BALISE_TEST_WHEELHOUSE") != "1",
                       reason="set BALISE_TEST_WHEELHOUSE=1 (make wheelhouse-test) to install the wheelhouse"),
    pytest.mark.skipif(not (FOLDER / "manifest.json").is_file(),
                       reason=f"no wheelhouse in {FOLDER}: run `make wheelhouse` first"),
    pytest.mark.skipif(PREFIX is None, reason=f"no network namespace for the air-gap proof: {WHY}"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux wheelhouse installs on Linux"),
]


def test_wheelhouse_installs_and_runs_demo_offline(tmp_path: Path) -> None:
    manifest = json.loads((FOLDER / "manifest.json").read_text("utf-8"))
    assert manifest["complete"], manifest["gaps"]
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PIP_FIND_LINKS")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    base_python = getattr(sys, "_base_executable", sys.executable)
    install = offline(["bash", str(FOLDER / "install.sh"), "--venv", str(venv), "--python", base_python],
                      timeout=900, env=env, cwd=tmp_path)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    assert "Ready: every required check passed." in install.stdout
    site = next(venv.glob("lib/python3*/site-packages"))
    assert (site / "workbench" / "resources" / "rules").is_dir(), "the rules travel inside the wheel"
    # Run from the install only: cwd outside the checkout, no PYTHONPATH.
    demo = offline([str(venv / "bin" / "balise"), "demo", "--out", str(tmp_path / "demo"), "--size-mb", "2",
                    "--no-pdf"], timeout=900, env=env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    report = json.loads((tmp_path / "demo").rglob("report.json").__next__().read_text("utf-8"))
    assert report["summary"]["records"] > 0 and report["beacons"]
    doctor = offline([str(venv / "bin" / "balise"), "doctor", "--json", "--no-qt"], timeout=300, env=env,
                     cwd=tmp_path)
    facts = json.loads(doctor.stdout)
    rules = next(c for c in facts["checks"] if c["name"] == "rules")
    assert facts["ok"] and str(site) in rules["detail"]
