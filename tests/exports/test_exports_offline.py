"""Every export, and case_validate on the CASE/UCO one, run with no network at all (``unshare -n``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.installers.netns import offline, unshare_prefix

pytestmark = [pytest.mark.netns, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PREFIX, WHY = unshare_prefix()

VALIDATE = ("import sys\nfrom case_utils.case_validate import validate\n"
            "r = validate(sys.argv[1], allow_infos=True, inference='none')\nsys.exit(0 if r.conforms else 1)\n")


@pytest.mark.skipif(PREFIX is None, reason=f"no network namespace: {WHY}")
def test_exports_and_case_validate_work_offline(demo_case, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(ROOT)
    outs = {"stix": "e.stix.json", "misp": "e.misp.json", "case-uco": "e.case.jsonld", "dfxml": "e.dfxml",
            "features": "features"}
    for fmt, name in outs.items():
        proc = offline([sys.executable, "-m", "workbench", "export", "--case", str(demo_case.case), "--format", fmt,
                        "--out", str(tmp_path / name)], timeout=300, env=env, cwd=ROOT)
        assert proc.returncode == 0, fmt + proc.stdout + proc.stderr
    proc = offline([sys.executable, "-c", VALIDATE, str(tmp_path / outs["case-uco"])], timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
