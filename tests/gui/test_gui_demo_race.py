"""Issue 13.1: "Open the demo" opens the case only once its job has ended; cancelling it opens nothing; both
over an already open case, again and again, without an error, a stale job or a half-built window."""

from __future__ import annotations

import time

import pytest

from workbench.gui import jobs

DEMO_SIZE = 2 * 2**20


@pytest.fixture
def slow_end(monkeypatch):
    """Widen the gap between ``succeeded`` (emitted inside ``run``) and the thread's real end, where the window
    used to reopen the case while the job still ran ("Wait for the running job to finish", 2 runs in 3)."""
    original = jobs.JobThread.run

    def run(self):
        original(self)
        time.sleep(0.4)

    monkeypatch.setattr(jobs.JobThread, "run", run)


def _idle(w) -> bool:
    return w.job is None


def test_demo_opens_its_case_after_its_job_ends(qtbot, window, slow_end):
    w = window
    w.demo_size = DEMO_SIZE
    assert w.open_demo()
    assert not w.act_demo.isEnabled() and not w.act_open.isEnabled()
    qtbot.waitUntil(lambda: _idle(w), timeout=300_000)  # the event loop runs: signals arrive as they would live
    assert w.errors == []
    assert w.case_dir == (w.demo_folder / "case").resolve()
    assert all(w.tabs.isTabEnabled(i) for i in range(w.tabs.count()))
    assert w.tabs.currentWidget() is w.dashboard
    assert w.start.case.progress.phase.text() == "done"
    assert w.records_page.model is not None and w.records_page.model.rowCount() > 0
    assert w.act_demo.isEnabled() and w.act_scan.isEnabled() is False


def test_demo_cancelled_repeatedly_over_an_open_case(qtbot, window, demo, slow_end):
    w = window
    w.demo_size = DEMO_SIZE
    assert w.open_case(demo.case)
    for attempt in range(3):
        assert w.open_demo(), attempt
        assert w.case_dir is None  # the open case was closed before the demo is built
        qtbot.wait(50 * attempt)  # cancel at different moments: building the leak, scanning
        w.cancel_job()
        qtbot.waitUntil(lambda: _idle(w), timeout=300_000)
        assert w.errors == [], attempt
        assert w.case_dir is None and w.reader is None  # a cancelled demo opens nothing
        assert "cancelled" in w.start.case.info.text()
        assert w.act_demo.isEnabled() and w.act_open.isEnabled()
        # the window is usable at once: the previous case opens again
        assert w.open_case(demo.case), attempt
        assert w.records_page.model.rowCount() > 0
    # and a demo confirmed over the open case, let run to its end, opens the demo case
    assert w.open_demo()
    qtbot.waitUntil(lambda: _idle(w), timeout=300_000)
    assert w.errors == []
    assert w.case_dir == (w.demo_folder / "case").resolve()
    assert not list(w.demo_folder.rglob(".staging*"))


def test_a_late_signal_of_an_ended_job_is_ignored(qtbot, window, demo):
    """A job replaced by another (or already handled) cannot open a case or reset the progress."""
    w = window
    assert w.open_case(demo.case)
    calls = []
    job = w._start_job("export", lambda cancel, progress: 42, calls.append)
    assert w.wait_job()
    assert calls == [42] and w.job is None
    w._job_finished(job)  # delivered twice: no second call
    assert calls == [42]
