"""The wheelhouse builder and install scripts, without downloading anything."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / "installers" / "wheelhouse"


def _builder():
    spec = importlib.util.spec_from_file_location("build_wheelhouse", WHEELHOUSE / "build_wheelhouse.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_wheelhouse"] = module
    spec.loader.exec_module(module)
    return module


bw = _builder()


def test_requirements_are_the_pinned_project_dependencies() -> None:
    reqs = bw.pinned_requirements()
    names = {r.split("==")[0].lower() for r in reqs}
    assert {"python-magic", "yara-python", "hyperscan", "pyside6", "pydicom", "reportlab"} <= names
    assert all("==" in r for r in reqs)


def test_a_dependency_without_a_pin_in_its_range_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\ndependencies=["pandas>=2,<3", "rich>=1"]\n',
                                              "utf-8")
    (tmp_path / "constraints.txt").write_text("pandas==3.1.1\n", "utf-8")
    with pytest.raises(SystemExit, match=r"unpinned.*pandas>=2,<3 \(lock: 3.1.1\).*rich>=1"):
        bw.pinned_requirements(tmp_path / "pyproject.toml", tmp_path / "constraints.txt")
    (tmp_path / "constraints.txt").write_text("pandas==2.3.0\nrich==15.0.0\n", "utf-8")
    assert bw.pinned_requirements(tmp_path / "pyproject.toml", tmp_path / "constraints.txt") == [
        "pandas==2.3.0", "rich==15.0.0"]


def test_glibc_floor_is_the_highest_lowest_tag() -> None:
    names = ["numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
             "pyside6-6.12.0-cp310-abi3-manylinux_2_34_x86_64.whl",
             "yara_python-4.5.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
             "faker-40.63.0-py3-none-any.whl"]
    assert bw._glibc_floor(names) == "2.34"
    assert bw._glibc_floor(names[2:]) == "2.17"
    assert bw._glibc_floor(["faker-40.63.0-py3-none-any.whl"]) is None


def test_gaps_are_found_and_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The full set fails; each requirement is tried: one has no wheel (a gap), one is a pure sdist (built)."""
    calls: list[list[str]] = []
    built_once: list[str] = []

    def fake_pip(args: list[str], log: Path) -> tuple[int, str]:
        calls.append(args)
        reqs = [a for a in args if "==" in a]
        if "hyperscan==0.9.1" in reqs:
            return 1, "ERROR: Could not find a version that satisfies the requirement hyperscan==0.9.1\n" \
                      "ERROR: No matching distribution found for hyperscan==0.9.1"
        if "odfpy==1.4.1" in reqs and "odfpy==1.4.1" not in built_once:
            return 1, "ERROR: No matching distribution found for odfpy==1.4.1"
        return 0, "Successfully downloaded"

    def fake_build(req: str, dest: Path, log: Path) -> Path | None:
        built_once.append(req)
        if req.startswith("hyperscan"):
            return None  # an sdist that builds a platform wheel: thrown away, stays a gap
        wheel = dest / "odfpy-1.4.1-py2.py3-none-any.whl"
        wheel.write_bytes(b"PK")
        return wheel

    monkeypatch.setattr(bw, "_pip", fake_pip)
    monkeypatch.setattr(bw, "_build_pure_wheel", fake_build)
    target = bw.TARGETS["win-amd64"]
    gaps, built = bw.download_target(target, ["hyperscan==0.9.1", "odfpy==1.4.1", "pandas==3.1.1"], ["3.12"],
                                     tmp_path, tmp_path / "log")
    assert [(g.requirement, g.python) for g in gaps] == [("hyperscan==0.9.1", "3.12")]
    assert "No matching distribution" in gaps[0].reason
    assert built == ["odfpy-1.4.1-py2.py3-none-any.whl"]
    assert built_once == ["hyperscan==0.9.1", "odfpy==1.4.1"]
    full = calls[0]
    assert "--only-binary=:all:" in full and full[full.index("--platform") + 1] == "win_amd64"
    assert full[full.index("--python-version") + 1] == "3.12" and "python-magic-bin==0.4.14" in full


def _fake_wheelhouse(tmp_path: Path) -> Path:
    folder = tmp_path / "linux-x86_64"
    folder.mkdir()
    for name in ("pandas-3.1.1-cp311-cp311-manylinux_2_28_x86_64.whl", "faker-40.63.0-py3-none-any.whl"):
        (folder / name).write_bytes(os.urandom(4096))
    shutil.copy2(WHEELHOUSE / "install.sh", folder / "install.sh")
    manifest = bw.write_manifest(bw.TARGETS["linux-x86_64"], folder, ["3.11"], [], 1.0, [])
    assert manifest["complete"] and manifest["glibc_min"] == "2.28"
    return folder


def test_manifest_and_sha256sums(tmp_path: Path) -> None:
    folder = _fake_wheelhouse(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    for entry in manifest["files"]:
        assert hashlib.sha256((folder / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert {e["path"] for e in manifest["files"]} == {"install.sh", "pandas-3.1.1-cp311-cp311-manylinux_2_28_x86_64.whl",
                                                      "faker-40.63.0-py3-none-any.whl"}
    if shutil.which("sha256sum"):
        ok = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder, capture_output=True)
        assert ok.returncode == 0


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("attack", ["tamper", "extra-wheel", "manifest", "no-sums"])
def test_install_sh_refuses_altered_wheelhouse(tmp_path: Path, attack: str) -> None:
    folder = _fake_wheelhouse(tmp_path)
    if attack == "tamper":
        wheel = folder / "faker-40.63.0-py3-none-any.whl"
        data = bytearray(wheel.read_bytes())
        data[100] ^= 1
        wheel.write_bytes(bytes(data))
    elif attack == "extra-wheel":
        (folder / "evil-1.0-py3-none-any.whl").write_bytes(b"PK\x03\x04")
    elif attack == "manifest":
        (folder / "manifest.json").write_text("{}", "utf-8")
    else:
        (folder / "SHA256SUMS").unlink()
    venv = tmp_path / "venv"
    proc = subprocess.run(["bash", str(folder / "install.sh"), "--venv", str(venv)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert ("REFUSED" in proc.stderr) or (attack == "no-sums" and "SHA256SUMS is missing" in proc.stderr)
    assert not venv.exists(), "nothing is installed from an altered wheelhouse"
