"""``kill -9`` of the coordinator of a scan on the dask executor, then the same command again: the scan resumes
and the case ends with the figures of a scan that ran once without trouble; no worker outlives the kill.

The coordinator is a real ``balise scan --executor dask`` subprocess (a LocalCluster of 2 worker processes);
one item is held by the ``stall`` fault hook so the kill lands mid-scan, after other tasks are recorded done.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.casesql import case_sql
from workbench.engine.pipeline import run_scan
from workbench.report.model import build_report_model, report_json

psutil = pytest.importorskip("psutil")
pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses SIGKILL")]

ROOT = Path(__file__).resolve().parents[2]
_SAME = ("summary", "identifiers", "establishments", "findings_total", "categories", "date_span")


def _dump(tmp_path: Path) -> Path:
    """A seized folder: 10 CSVs of patients (one per department), a nested folder, and the item to stall."""
    ev = tmp_path / "seized"
    (ev / "archive").mkdir(parents=True)
    for i in range(10):
        rows = "\r\n".join(f"LE GALL{i};Yann{r};1970-01-{r % 28 + 1:02d};06 12 {i:02d} {r // 100 % 100:02d} "
                           f"{r % 100:02d}" for r in range(3000))
        folder = ev / "archive" if i % 3 == 0 else ev
        (folder / f"dept{i:02d}.csv").write_bytes(("NOM;PRENOM;DATE_NAISSANCE;TEL\r\n" + rows).encode("cp1252"))
    (ev / "target.csv").write_bytes(b"NOM;PRENOM;TEL\r\nMARTIN;Paul;06 11 22 33 44\r\n")
    return ev


def _env(tmp_path: Path, stall: Path | None) -> dict:
    env = {**os.environ, "BALISE_CONFIG_DIR": str(tmp_path / "config"), "PYTHONPATH": str(ROOT)}
    env.pop("BALISE_FAULT_INJECT", None)
    if stall is not None:
        env["BALISE_FAULT_INJECT"] = f"stall:target.csv:{stall}"
    return env


def _cmd(ev: Path, case: Path) -> list[str]:
    return [sys.executable, "-m", "workbench", "scan", str(ev), "--case", str(case), "--jobs", "2", "-q",
            "--executor", "dask"]


def _tasks_done(case: Path) -> int:
    try:
        db = case_sql(case)
    except Exception:  # the case is being created
        return 0
    try:
        return db.execute("SELECT COUNT(*) FROM tasks WHERE status='done'").fetchone()[0]
    except Exception:
        return 0
    finally:
        db.close()


def _living(procs: list) -> list:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def test_coordinator_killed_then_the_rerun_gives_the_figures_of_a_clean_scan(tmp_path):
    ev, case, stall = _dump(tmp_path), tmp_path / "case", tmp_path / "stall.pid"
    proc = subprocess.Popen(_cmd(ev, case), env=_env(tmp_path, stall), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    family: list = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not (stall.exists() and stall.read_text().strip()
                                                   and _tasks_done(case) >= 3):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        assert stall.exists() and _tasks_done(case) >= 3, "the scan never reached the stalled item"
        family = psutil.Process(proc.pid).children(recursive=True)
        stalled = int(stall.read_text())
        assert stalled in {p.pid for p in family}  # a LocalCluster worker of this coordinator holds the item
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        gone_by = time.monotonic() + 30
        while _living(family) and time.monotonic() < gone_by:
            time.sleep(0.2)
        assert not _living(family), "dask worker processes outlived the killed coordinator"
    finally:
        for p in _living(family):  # never leave a worker behind, whatever failed above
            p.kill()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        proc.stderr.close()

    done_before = _tasks_done(case)
    assert 3 <= done_before < 12
    rerun = subprocess.run(_cmd(ev, case), env=_env(tmp_path, stall), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    db = case_sql(case)
    assert {r[0] for r in db.execute("SELECT status FROM tasks")} == {"done"}
    assert db.execute("SELECT COUNT(*) FROM items WHERE entry_type='file'").fetchone()[0] == 11
    resumed = db.execute("SELECT detail FROM custody WHERE action='scan-resumed'").fetchall()
    db.close()
    assert len(resumed) == 1 and f'"tasks_done_before": {done_before}' in resumed[0][0]

    clean = run_scan(tmp_path / "clean", [ev], jobs=2)
    assert clean.completed and clean.records == 10 * 3000 + 1
    resumed_report = report_json(build_report_model(case))
    clean_report = report_json(build_report_model(tmp_path / "clean"))
    assert {k: resumed_report[k] for k in _SAME} == {k: clean_report[k] for k in _SAME}
    assert resumed_report["evidence"][0]["sha256"] == clean_report["evidence"][0]["sha256"]
