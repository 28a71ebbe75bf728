"""Faults with real ``kill -9``: a worker killed mid-task, the main process killed mid-scan, then a rerun.

The worker is held on one item by the ``stall`` fault hook (it writes its pid, then sleeps), so the kill lands
while that task runs; everything else is a real scan in a real subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.casesql import case_sql

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")]

ROWS = "\r\n".join(f"LE GALL;Yann{i};0{i % 9 + 1} 02 03 04 0{i % 10}" for i in range(300))


def _evidence(tmp_path: Path) -> Path:
    ev = tmp_path / "seized"
    ev.mkdir()
    for i in range(4):
        (ev / f"part{i}.csv").write_bytes(("NOM;PRENOM;TEL\r\n" + ROWS).encode("cp1252"))
    (ev / "target.csv").write_bytes(("NOM;PRENOM;TEL\r\n" + ROWS).encode("cp1252"))
    return ev


def _scan(ev: Path, case: Path, env: dict, *, wait: bool = True):
    cmd = [sys.executable, "-m", "workbench", "scan", str(ev), "--case", str(case), "--jobs", "2", "-q"]
    if wait:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _env(tmp_path: Path, pidfile: Path | None = None) -> dict:
    env = {**os.environ, "BALISE_CONFIG_DIR": str(tmp_path / "config")}
    env.pop("BALISE_FAULT_INJECT", None)
    if pidfile is not None:
        env["BALISE_FAULT_INJECT"] = f"stall:target.csv:{pidfile}"
    return env


def _wait_pid(pidfile: Path, proc: subprocess.Popen, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pidfile.exists() and pidfile.read_text().strip():
            return int(pidfile.read_text())
        assert proc.poll() is None, "the scan ended before the stalled item was reached"
        time.sleep(0.05)
    raise AssertionError("the stalled worker never started")


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with open(task / "children") as fh:
            out |= {int(x) for x in fh.read().split()}
    return out


def test_a_worker_killed_mid_task_is_retried_and_nothing_is_lost(tmp_path):
    ev, case, pidfile = _evidence(tmp_path), tmp_path / "case", tmp_path / "stall.pid"
    proc = _scan(ev, case, _env(tmp_path, pidfile), wait=False)
    worker = _wait_pid(pidfile, proc)
    os.kill(worker, signal.SIGKILL)
    assert proc.wait(timeout=300) == 0
    db = case_sql(case)
    status = dict(db.execute("SELECT name, status FROM items WHERE entry_type='file'").fetchall())
    assert status == {**{f"part{i}.csv": "done" for i in range(4)}, "target.csv": "done"}
    assert db.execute("SELECT COUNT(*) FROM errors").fetchone()[0] == 0
    assert db.execute("SELECT SUM(records) FROM items WHERE name='target.csv'").fetchone()[0] == 300
    assert {r[0] for r in db.execute("SELECT status FROM tasks")} == {"done"}
    died = [r[0] for r in db.execute("SELECT detail FROM custody WHERE action='worker-died'")]
    assert len(died) == 1 and "retried" in died[0] and "target.csv" in died[0]
    verify = subprocess.run([sys.executable, "-m", "workbench", "case", "verify", str(case)],
                            capture_output=True, text=True, timeout=120, env=_env(tmp_path))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_main_killed_workers_die_and_a_rerun_hashes_the_evidence(tmp_path):
    ev, case, pidfile = _evidence(tmp_path), tmp_path / "case", tmp_path / "stall.pid"
    proc = _scan(ev, case, _env(tmp_path, pidfile), wait=False)
    stalled = _wait_pid(pidfile, proc)
    workers = _children(proc.pid)
    assert stalled in workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "worker processes outlived the killed scan"

    db = case_sql(case)
    assert db.execute("SELECT sha256 FROM evidence").fetchone()[0] is None  # killed before the hashes were stored
    db.close()
    rerun = _scan(ev, case, _env(tmp_path, pidfile))  # the pid file is there: the item is not stalled again
    assert rerun.returncode == 0, rerun.stderr
    db = case_sql(case)
    sha256, md5 = db.execute("SELECT sha256, md5 FROM evidence").fetchone()
    assert sha256 and md5 and len(sha256) == 64
    assert db.execute("SELECT SUM(records) FROM items WHERE entry_type='file'").fetchone()[0] == 5 * 300
    assert {r[0] for r in db.execute("SELECT status FROM tasks")} == {"done"}
    verify = subprocess.run([sys.executable, "-m", "workbench", "case", "verify", str(case)],
                            capture_output=True, text=True, timeout=120, env=_env(tmp_path))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_workers_that_die_as_they_start_end_the_scan_in_one_line(tmp_path):
    """A worker that cannot start is not respawned forever: the scan stops with one line, no traceback."""
    ev, case = _evidence(tmp_path), tmp_path / "case"
    env = {**_env(tmp_path), "BALISE_FAULT_INJECT": "crash-at-start"}
    out = _scan(ev, case, env)
    assert out.returncode == 1
    assert "scan workers die as they start" in out.stderr and "balise doctor" in out.stderr
    assert "Traceback" not in out.stderr


def test_many_worker_crashes_never_hang_the_scan(tmp_path):
    """Twelve items that crash their worker (``os.abort``, as a native crash does), each run twice, among files
    whose workers keep sending events: the scan ends with each crash recorded. The workers once shared one event
    queue whose write lock a worker killed mid-write kept forever: the other workers' events never came and the
    scan hung with every worker idle (seen once in a full test run; each worker now has its own pipe)."""
    ev = tmp_path / "seized"
    ev.mkdir()
    for i in range(12):
        (ev / f"part{i}.csv").write_bytes(("NOM;PRENOM;TEL\r\n" + ROWS).encode("cp1252"))
        (ev / f"poison{i}.bin").write_bytes(bytes(range(256)) * (i + 1))
    env = {**_env(tmp_path), "BALISE_FAULT_INJECT": "crash:poison"}
    for run in range(2):
        case = tmp_path / f"case{run}"
        cmd = [sys.executable, "-m", "workbench", "scan", str(ev), "--case", str(case), "--jobs", "2", "-q"]
        try:  # about 10 s of work (24 worker deaths, each a new spawned worker)
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            pytest.fail("the scan hung after worker crashes")
        assert proc.returncode == 0, proc.stderr[-2000:]
        db = case_sql(case)
        worker_errors = db.execute("SELECT vpath FROM errors WHERE stage = 'worker'").fetchall()
        assert sorted(r[0] for r in worker_errors) == sorted(f"seized/poison{i}.bin" for i in range(12))
        assert db.execute("SELECT COUNT(*) FROM items WHERE name LIKE 'part%' AND status = 'done'").fetchone()[0] == 12
