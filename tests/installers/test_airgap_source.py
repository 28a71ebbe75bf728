"""Proof of air-gapped use from the source install: demo, report and window with no network (``unshare -n``)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.installers.netns import NO_NETWORK_PROBE, offline, unshare_prefix

pytestmark = pytest.mark.netns
ROOT = Path(__file__).resolve().parents[2]
PREFIX, WHY = unshare_prefix()
needs_netns = pytest.mark.skipif(PREFIX is None, reason=f"no network namespace for the air-gap proof: {WHY}")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _field(stdout: str, label: str) -> Path:
    line = next(ln for ln in stdout.splitlines() if ln.startswith(label))
    return Path(line.split(":", 1)[1].strip())


@needs_netns
def test_namespace_has_no_network() -> None:
    proc = offline([sys.executable, "-c", NO_NETWORK_PROBE], timeout=60)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def offline_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if PREFIX is None:
        pytest.skip(f"no network namespace for the air-gap proof: {WHY}")
    out = tmp_path_factory.mktemp("airgap") / "demo"
    proc = offline([sys.executable, "-m", "workbench", "demo", "--out", str(out), "--size-mb", "2", "--no-pdf"],
                   timeout=600, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc.stdout


@pytest.mark.slow
def test_demo_completes_offline(offline_demo: tuple[Path, str]) -> None:
    out, stdout = offline_demo
    report = json.loads(_field(stdout, "Report:").read_text("utf-8"))
    assert report["summary"]["records"] > 0 and report["summary"]["items"] > 0
    assert report["establishments"], "the demo leak is attributed to its establishments"
    assert report["beacons"], "canaries are found with no network"
    assert (_field(stdout, "Case:") / "case.sqlite").is_file()


@pytest.mark.slow
def test_doctor_offline_on_demo_case(offline_demo: tuple[Path, str]) -> None:
    _, stdout = offline_demo
    case = _field(stdout, "Case:")
    proc = offline([sys.executable, "-m", "workbench", "doctor", "--json", "--case", str(case)],
                   timeout=180, env=_env(), cwd=ROOT)
    facts = json.loads(proc.stdout)
    assert proc.returncode == 0 and facts["ok"], proc.stdout + proc.stderr
    checks = {c["name"]: c for c in facts["checks"]}
    assert "signature valid" in checks["registry"]["detail"]
    assert checks["qt"]["ok"], checks["qt"]


@pytest.mark.slow
def test_gui_smoke_offline(offline_demo: tuple[Path, str]) -> None:
    _, stdout = offline_demo
    case = _field(stdout, "Case:")
    proc = offline([sys.executable, str(ROOT / "tests" / "installers" / "gui_smoke.py"), str(case)],
                   timeout=180, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    facts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert facts["visible"] and facts["platform"] == "offscreen"


@needs_netns
@pytest.mark.slow
def test_demo_with_pdf_offline(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = offline([sys.executable, "-m", "workbench", "demo", "--out", str(out), "--size-mb", "2"],
                   timeout=900, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pdf = Path(proc.stdout.split("Report:", 1)[1].splitlines()[1].strip())
    assert pdf.suffix == ".pdf" and pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
    from pypdf import PdfReader

    text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    assert "Balise" in text or "BALISE" in text
