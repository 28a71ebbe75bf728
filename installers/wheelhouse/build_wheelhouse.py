#!/usr/bin/env python3
"""Build the offline wheelhouse: every wheel Balise Workbench needs, per target system, with SHA-256 manifests.

Runs on a connected machine (stdlib + pip only). For each target it calls ``pip download --only-binary=:all:``
for the project's pinned dependencies and each Python version, adds the project's own wheel and the libmagic
that the target needs (pylibmagic on macOS; python-magic-bin's DLL on Windows; Debian's libmagic1 on Linux,
which is a system package and is documented, not downloaded), copies the install scripts in, and writes
``manifest.json`` + ``SHA256SUMS``. A dependency without a wheel for a target is reported and recorded in the
manifest's ``gaps``: never hidden.

    python installers/wheelhouse/build_wheelhouse.py [--targets linux-x86_64,win-amd64] [--python 3.11,3.12]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_OUT = HERE / "wheels"
PYTHONS = ("3.11", "3.12")


@dataclass(frozen=True)
class Target:
    name: str
    platforms: tuple[str, ...]  # pip --platform values (pip also accepts the older tags they imply)
    extras: tuple[str, ...]  # extra wheels for this system (libmagic carriers)
    install_script: str
    note: str


# glibc 2.28+ (Debian 10+, Ubuntu 20.04+, RHEL 8+); the highest manylinux tag actually fetched is recorded.
_MANYLINUX = tuple(f"manylinux_2_{m}_x86_64" for m in range(39, 16, -1)) + (
    "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64")
_MAC_ARM = tuple(f"macosx_{v}_0_arm64" for v in range(15, 10, -1))
_MAC_X86 = tuple(f"macosx_{v}_0_x86_64" for v in range(15, 10, -1)) + tuple(
    f"macosx_10_{m}_x86_64" for m in range(15, 8, -1)) + tuple(f"macosx_10_{m}_intel" for m in range(15, 5, -1))

TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("linux-x86_64", _MANYLINUX, (), "install.sh",
           "libmagic is the system package libmagic1 (Debian/Ubuntu) or file-libs (RHEL/Fedora)"),
    Target("win-amd64", ("win_amd64",), ("python-magic-bin==0.4.14",), "install.ps1",
           "libmagic.dll and magic.mgc come from the python-magic-bin wheel (unpacked by install.ps1)"),
    Target("macos-arm64", _MAC_ARM, ("pylibmagic==0.5.0",), "install.sh",
           "libmagic.dylib and magic.mgc come from the pylibmagic wheel"),
    Target("macos-x86_64", _MAC_X86, ("pylibmagic==0.5.0",), "install.sh",
           "libmagic.dylib and magic.mgc come from the pylibmagic wheel"),
)}


@dataclass
class Gap:
    requirement: str
    python: str
    reason: str


@dataclass
class TargetResult:
    target: str
    seconds: float = 0.0
    gaps: list[Gap] = field(default_factory=list)
    size_bytes: int = 0
    files: int = 0


def pinned_requirements(pyproject: Path = ROOT / "pyproject.toml",
                        constraints: Path = ROOT / "constraints.txt") -> list[str]:
    """The project's runtime dependencies as exact pins: each range of pyproject.toml, at its version in the lock.

    A wheelhouse must be reproducible: every runtime dependency needs a pin in ``constraints.txt`` (written by
    ``installers/lock.py``) that its range admits; a missing or out-of-range pin stops the build.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    deps = tomllib.loads(pyproject.read_text("utf-8"))["project"]["dependencies"]
    pins: dict[str, str] = {}
    if constraints.exists():
        for line in constraints.read_text("utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, version = line.split("==", 1)
                pins[canonicalize_name(name)] = version.strip()
    out, unpinned = [], []
    for dep in deps:
        req = Requirement(dep)
        version = pins.get(canonicalize_name(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            unpinned.append(dep if version is None else f"{dep} (lock: {version})")
        else:
            out.append(f"{req.name}=={version}")
    if unpinned:
        raise SystemExit(f"unpinned dependencies (no pin in {constraints.name} that the range admits): {unpinned}")
    return out


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _pip(args: list[str], log: Path) -> tuple[int, str]:
    cmd = [sys.executable, "-m", "pip", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}\n")
    return proc.returncode, proc.stdout + proc.stderr


def _download_args(target: Target, python: str, dest: Path) -> list[str]:
    args = ["download", "--disable-pip-version-check", "--only-binary=:all:", "--implementation", "cp",
            "--python-version", python, "--dest", str(dest)]
    if (ROOT / "constraints.txt").exists():
        args += ["-c", str(ROOT / "constraints.txt")]  # transitive dependencies at the tested versions too
    for p in target.platforms:
        args += ["--platform", p]
    return args


def _last_error(output: str) -> str:
    errors = [ln.strip() for ln in output.splitlines() if ln.startswith("ERROR")]
    return errors[-1] if errors else output.strip().splitlines()[-1] if output.strip() else "pip failed"


_PURE_TAG = re.compile(r"-(py3|py2\.py3)-none-any\.whl$")


def _build_pure_wheel(req: str, dest: Path, log: Path) -> Path | None:
    """Some pure-Python packages publish only an sdist (odfpy): build its wheel here, once, if it is pure.

    A pure ``py3-none-any`` wheel installs on every target; a platform wheel built here would only fit this
    machine, so it is thrown away and the requirement stays a gap.
    """
    with tempfile.TemporaryDirectory(prefix="balise-sdist-") as tmp:
        code, _ = _pip(["wheel", "--no-deps", "--disable-pip-version-check", "-w", tmp, req], log)
        built = list(Path(tmp).glob("*.whl"))
        if code != 0 or len(built) != 1 or not _PURE_TAG.search(built[0].name):
            return None
        final = dest / built[0].name
        shutil.copy2(built[0], final)
        return final


def download_target(target: Target, requirements: list[str], pythons: list[str], dest: Path,
                    log: Path) -> tuple[list[Gap], list[str]]:
    """Download all wheels for one target; on failure, find which requirements have no wheel.

    Returns (gaps, wheels built here from a pure-Python sdist). ``--find-links dest`` lets pip take such a
    wheel from the folder and still fetch its dependencies for the target.
    """
    gaps: list[Gap] = []
    built: list[str] = []
    for python in pythons:
        wanted = requirements + list(target.extras)
        base = _download_args(target, python, dest) + ["--find-links", str(dest)]
        code, out = _pip(base + wanted, log)
        if code == 0:
            print(f"  {target.name} py{python}: all {len(wanted)} requirements downloaded", flush=True)
            continue
        print(f"  {target.name} py{python}: the full set failed; checking each requirement", flush=True)
        for req in wanted:
            code, out = _pip(base + [req], log)
            if code != 0 and "No matching distribution" in out:
                wheel = _build_pure_wheel(req, dest, log)
                if wheel is not None:
                    code, out = _pip(base + [req], log)
                    if code == 0:
                        built.append(wheel.name)
                        print(f"  {target.name} py{python}: {req}: no wheel on the index, built the pure-Python "
                              f"wheel {wheel.name} from its sdist", flush=True)
            if code != 0:
                gap = Gap(req, python, _last_error(out))
                gaps.append(gap)
                print(f"  GAP {target.name} py{python}: {req}: {gap.reason}", flush=True)
    return gaps, sorted(set(built))


def build_project_wheel(dest: Path, log: Path) -> Path:
    """Build the project's own wheel (rules, translations and icons are package data under workbench/resources).

    Built from a staged copy of the sources so that setuptools' ``build/`` and ``*.egg-info`` never land in the
    checkout; the wheel is then checked to carry every bundled rule file.
    """
    with tempfile.TemporaryDirectory(prefix="balise-wheel-") as tmp:
        stage = Path(tmp) / "src"
        stage.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy2(ROOT / name, stage / name)
        shutil.copytree(ROOT / "workbench", stage / "workbench",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        out = Path(tmp) / "out"
        code, text = _pip(["wheel", "--no-deps", "--disable-pip-version-check",
                           "-w", str(out), str(stage)], log)
        if code != 0:
            raise SystemExit(f"building the project wheel failed: {_last_error(text)} (see {log})")
        (wheel,) = out.glob("*.whl")
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
        rules = [n for n in names if n.startswith("workbench/resources/rules/") and n.endswith(".yar")]
        expected = sorted((ROOT / "workbench" / "resources" / "rules").glob("*.yar"))
        if len(rules) != len(expected):
            raise SystemExit(f"project wheel carries {len(rules)} rule files, expected {len(expected)}")
        dest.mkdir(parents=True, exist_ok=True)
        final = dest / wheel.name
        shutil.copy2(wheel, final)
        return final


_MANYLINUX_RE = re.compile(r"manylinux_(\d+)_(\d+)_x86_64")


def _glibc_floor(names: list[str]) -> str | None:
    """The glibc the wheels need: each wheel runs from its lowest manylinux tag; the set needs the highest."""
    floors = []
    for n in names:
        tags = [(int(a), int(b)) for a, b in _MANYLINUX_RE.findall(n)]
        if "manylinux2014" in n:
            tags.append((2, 17))
        if tags:
            floors.append(min(tags))
    return "{}.{}".format(*max(floors)) if floors else None


def write_manifest(target: Target, folder: Path, pythons: list[str], gaps: list[Gap], seconds: float,
                   built_from_sdist: list[str]) -> dict:
    """``manifest.json`` and ``SHA256SUMS`` over every file of the target folder (scripts included)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in ("manifest.json", "SHA256SUMS"))
    entries = [{"path": p.relative_to(folder).as_posix(), "size": p.stat().st_size, "sha256": sha256_file(p)}
               for p in files]
    wheels = [e["path"] for e in entries if e["path"].endswith(".whl")]
    manifest = {
        "format": "balise-wheelhouse/1",
        "target": target.name,
        "platforms": list(target.platforms),
        "python_versions": pythons,
        "created_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pip": _pip_version(),
        "libmagic": target.note,
        "glibc_min": _glibc_floor(wheels) if target.name.startswith("linux") else None,
        "seconds": round(seconds, 1),
        "size_bytes": sum(e["size"] for e in entries),
        "gaps": [g.__dict__ for g in gaps],
        "built_from_sdist": built_from_sdist,
        "complete": not gaps,
        "files": entries,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    # Classic `sha256sum -c` format; manifest.json itself is listed last so that it is covered too.
    lines = [f"{e['sha256']}  {e['path']}" for e in entries]
    lines.append(f"{sha256_file(folder / 'manifest.json')}  manifest.json")
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", "utf-8")
    return manifest


def _write_notices(folder: Path, target: str) -> None:
    """LICENSE and THIRD_PARTY_NOTICES.txt (the licence texts read from inside each wheel) beside the wheels."""
    sys.path.insert(0, str(ROOT / "installers"))
    import notices

    shutil.copy2(ROOT / "LICENSE", folder / "LICENSE")
    strong = notices.write(notices.from_wheels(folder), folder / "THIRD_PARTY_NOTICES.txt",
                           f"the Balise Workbench wheelhouse ({target})")
    for c in strong:
        print(f"  {target}: {c.name} {c.version} is under {c.licence}: check it may ship with a proprietary "
              f"bundle", flush=True)


def _pip_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("pip")


def build(targets: list[str], pythons: list[str], out: Path, clean: bool) -> list[TargetResult]:
    requirements = pinned_requirements()
    out.mkdir(parents=True, exist_ok=True)
    log = out / "download.log"
    log.write_text("", "utf-8")
    results = []
    project_wheel_dir = out / ".project"
    if project_wheel_dir.exists():
        shutil.rmtree(project_wheel_dir)
    project_wheel = build_project_wheel(project_wheel_dir, log)
    print(f"project wheel: {project_wheel.name}", flush=True)
    for name in targets:
        target = TARGETS[name]
        folder = out / name
        if clean and folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        print(f"{name}: downloading for Python {', '.join(pythons)}", flush=True)
        gaps, built = download_target(target, requirements, pythons, folder, log)
        for old in folder.glob("balise_workbench-*.whl"):
            old.unlink()
        shutil.copy2(project_wheel, folder / project_wheel.name)
        _write_notices(folder, name)
        for script in ("install.sh", "install.ps1"):
            if script == target.install_script or (script == "install.sh" and name.startswith("macos")):
                shutil.copy2(HERE / script, folder / script)
        seconds = time.monotonic() - started
        manifest = write_manifest(target, folder, pythons, gaps, seconds, built)
        result = TargetResult(name, seconds, gaps, manifest["size_bytes"], len(manifest["files"]))
        results.append(result)
        state = "complete" if not gaps else f"INCOMPLETE: {len(gaps)} gap(s)"
        print(f"{name}: {result.files} files, {result.size_bytes / 2**20:.1f} MiB in {seconds:.0f} s, {state}",
              flush=True)
        # Send this digest to the laptop's user by another channel: it vouches for SHA256SUMS, hence every file.
        print(f"{name}: SHA-256 of SHA256SUMS = {sha256_file(folder / 'SHA256SUMS')}", flush=True)
    shutil.rmtree(project_wheel_dir, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default=",".join(TARGETS),
                        help=f"comma-separated, among {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--python", default=",".join(PYTHONS), help="Python versions (default: 3.11,3.12)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    parser.add_argument("--clean", action="store_true", help="empty each target folder first")
    args = parser.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {unknown}; choose among {list(TARGETS)}")
    pythons = [p.strip() for p in args.python.split(",") if p.strip()]
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    results = build(targets, pythons, args.out.resolve(), args.clean)
    summary = {r.target: {"size_mib": round(r.size_bytes / 2**20, 1), "files": r.files,
                          "seconds": round(r.seconds), "gaps": [g.__dict__ for g in r.gaps]} for r in results}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    gaps = sum(len(r.gaps) for r in results)
    if gaps:
        print(f"WARNING: {gaps} requirement(s) have no wheel for some target; see manifest.json 'gaps'",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
