"""Smoke test of the standalone build dist/balise (``make app && make app-test``), with no network and the
host's libmagic hidden (bind-mounted over in a private mount namespace): the bundle must carry its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.installers.netns import unshare_prefix

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dist" / "balise"
EXE = ".exe" if sys.platform == "win32" else ""
PREFIX, WHY = unshare_prefix()

pytestmark = [
    pytest.mark.slow, pytest.mark.netns,
    pytest.mark.skipif(os.environ.get("BALISE_TEST_APP") != "1", reason="set BALISE_TEST_APP=1 (make app-test)"),
    pytest.mark.skipif(not (APP / f"balise{EXE}").is_file(), reason=f"no standalone build in {APP}: run `make app`"),
    pytest.mark.skipif(PREFIX is None, reason=f"no network namespace for the air-gap proof: {WHY}"),
]


def _host_libmagic() -> list[str]:
    """The host's libmagic library and databases, to hide from the bundle."""
    paths = set()
    for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
        for p in Path(d).glob("libmagic.so*") if Path(d).is_dir() else ():
            paths.add(os.path.realpath(p))
    for p in ("/usr/lib/file/magic.mgc", "/usr/share/misc/magic.mgc", "/usr/share/file/magic.mgc"):
        if Path(p).exists():
            paths.add(os.path.realpath(p))
    return sorted(paths)


def _command(cmd: list[str]) -> list[str]:
    mounts = " && ".join(f"mount --bind /dev/null '{p}'" for p in _host_libmagic()) or "true"
    return [*PREFIX, "-m", "sh", "-c", f'{mounts} && exec "$@"', "sh", *cmd]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and k not in ("PYTHONPATH", "MAGIC", "BALISE_RULES_DIR")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _run(cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(_command(cmd), capture_output=True, text=True, timeout=timeout, env=_env(), cwd=cwd,
                          stdin=subprocess.DEVNULL)


def test_host_libmagic_is_really_hidden(tmp_path: Path) -> None:
    probe = "import ctypes, ctypes.util, sys\ntry:\n    ctypes.CDLL('libmagic.so.1')\nexcept OSError:\n    sys.exit(0)\nsys.exit(1)"
    proc = _run([sys.executable, "-c", probe], tmp_path, 60)
    assert proc.returncode == 0, "the host libmagic is still loadable: the test would prove nothing"


def test_doctor_from_bundle(tmp_path: Path) -> None:
    proc = _run([str(APP / f"balise{EXE}"), "doctor", "--json"], tmp_path, 300)
    facts = json.loads(proc.stdout)
    assert proc.returncode == 0 and facts["ok"], proc.stdout + proc.stderr
    checks = {c["name"]: c for c in facts["checks"]}
    assert facts["frozen"]
    assert "(bundled)" in checks["libmagic"]["detail"] and str(APP) in checks["libmagic"]["detail"]
    assert str(APP) in checks["rules"]["detail"] and checks["rules"]["ok"]
    assert checks["qt"]["ok"], checks["qt"]


def test_demo_with_pdf_from_bundle(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = _run([str(APP / f"balise{EXE}"), "demo", "--out", str(tmp_path / "demo"), "--size-mb", "2"], tmp_path,
                900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pdfs = list((tmp_path / "demo").rglob("*.pdf"))
    report = json.loads(next((tmp_path / "demo").rglob("report.json")).read_text("utf-8"))
    assert pdfs and pdfs[0].read_bytes()[:5] == b"%PDF-"
    assert report["summary"]["records"] > 0 and report["beacons"] and report["establishments"]
    print(f"bundle demo: {time.monotonic() - started:.0f} s")


def test_window_starts_from_bundle(tmp_path: Path) -> None:
    proc = subprocess.Popen(_command([str(APP / f"balise-workbench{EXE}")]), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), cwd=tmp_path, stdin=subprocess.DEVNULL)
    try:
        time.sleep(10)
        alive = proc.poll() is None
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert alive, f"the window exited early ({proc.returncode}): {err[-2000:]}"
    assert "Traceback" not in err, err[-2000:]
