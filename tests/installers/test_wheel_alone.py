"""The wheel a plain ``pip wheel .`` builds works alone: installed in a clean venv, doctor is ready, the demo runs.

Offline: the wheel is built without build isolation (setuptools>=77 is a dev dependency) and the clean venv gets
the dependencies from this venv's site-packages through a ``.pth`` line, so only the project's own files come
from the wheel. That is the point: rules, translations and icons must travel inside it (a wheel without them
said "NOT READY: rules failed"). The run happens outside the checkout, without PYTHONPATH or BALISE_* variables.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _metadata() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_metadata_declares_ranges_and_the_lock_pins_each_inside_them() -> None:
    meta = _metadata()
    pins = _locked()
    deps = meta["project"]["dependencies"] + [d for ds in meta["project"]["optional-dependencies"].values()
                                             for d in ds]
    for dep in deps:
        req = Requirement(dep)
        assert "==" not in dep, f"{dep}: the published metadata holds ranges, the lock holds the pins"
        assert req.specifier, f"{dep}: no range at all"
        assert canonicalize_name(req.name) in pins, f"{req.name} has no pin in constraints.txt"
        assert req.specifier.contains(pins[canonicalize_name(req.name)]), (dep, pins[canonicalize_name(req.name)])
    build = [Requirement(r) for r in meta["build-system"]["requires"]]
    setuptools = next(r for r in build if r.name == "setuptools")
    assert not setuptools.specifier.contains("76.1"), "SPDX licence expressions need setuptools 77 or later"
    assert (ROOT / "LICENSE").is_file()


def test_every_runtime_dependency_is_imported_somewhere() -> None:
    """No unused runtime dependency (pywavelets was pinned and never imported): each import name appears."""
    from workbench.engine.environment import DICOM_DECODER_PACKAGES, PACKAGES

    import_names = {canonicalize_name(dist): mod for dist, mod, _ in PACKAGES}
    import_names["python-magic"] = "magic"  # doctor checks it as libmagic (check_libmagic), with its database
    plugins = {canonicalize_name(d) for d in DICOM_DECODER_PACKAGES}  # loaded by pydicom, checked by doctor
    deps = [canonicalize_name(Requirement(d).name) for d in _metadata()["project"]["dependencies"]
            if canonicalize_name(Requirement(d).name) not in plugins]
    assert set(deps) == set(import_names), "environment.PACKAGES (doctor) and pyproject disagree"
    sources = "\n".join(p.read_text("utf-8") for p in (ROOT / "workbench").rglob("*.py"))
    for dist in deps:
        mod = import_names[dist]
        used = (f"import {mod}", f"from {mod}", f'engine="{mod}"')  # pandas engines import theirs by name
        assert any(u in sources for u in used), f"{dist} ({mod}) is never imported"


def _build_wheel(tmp: Path) -> Path:
    stage = tmp / "src"
    stage.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, stage / name)
    shutil.copytree(ROOT / "workbench", stage / "workbench", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp / "dist"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--no-index", "--disable-pip-version-check", "-q", "-w", str(out), str(stage)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (wheel,) = out.glob("*.whl")
    return wheel


def test_the_plain_wheel_carries_its_resources_and_runs_alone(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    rules = sorted(p.name for p in (ROOT / "workbench" / "resources" / "rules").glob("*.yar"))
    assert rules and all(f"workbench/resources/rules/{r}" in names for r in rules)
    assert "workbench/resources/translations/balise_fr.qm" in names
    assert "workbench/resources/icons/balise.svg" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: LicenseRef-Proprietary" in meta
    assert not [line for line in meta.splitlines() if line.startswith("Requires-Dist") and "==" in line.split(";")[0]]

    venv = tmp_path / "venv"
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)],
                   check=True, timeout=120)
    py = venv / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                              "--no-index", "--disable-pip-version-check", "-q", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        text=True).strip())
    # Dependencies only: this venv's site-packages as a plain path entry (its editable-install hook is not run).
    (site / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", "utf-8")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("BALISE_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    where = subprocess.check_output([str(py), "-c", "import workbench; print(workbench.__file__)"], text=True,
                                    env=env, cwd=tmp_path)
    assert where.startswith(str(site)), where
    doctor = subprocess.run([str(venv / "bin" / "balise"), "doctor", "--json", "--no-qt"], capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=300)
    facts = json.loads(doctor.stdout)
    rules_check = next(c for c in facts["checks"] if c["name"] == "rules")
    assert facts["ok"], doctor.stdout
    assert str(site) in rules_check["detail"]
    demo = subprocess.run([str(venv / "bin" / "balise"), "demo", "--out", str(tmp_path / "demo"), "--size-mb", "2",
                           "--no-pdf"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    report = json.loads(next((tmp_path / "demo").rglob("report.json")).read_text("utf-8"))
    assert report["summary"]["records"] > 0 and report["beacons"]
