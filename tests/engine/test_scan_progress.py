"""Issue 13.7: progress one can believe. A single zip (walked in one task) advances as its members are read; the
item count is the case's; the last event says the scan is done, not "re-verifying"."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from workbench.engine.model import Progress
from workbench.engine.pipeline import ZIP_SPLIT_MIN_BYTES, run_scan
from workbench.engine.store.reader import CaseReader
from workbench.synth.establishments import DEMO_ESTABLISHMENTS
from workbench.synth.formats.csv_export import write_csv
from workbench.synth.people import PeopleFactory


def write_patient_zip(path: Path, members: int = 8, rows: int = 900, seed: int = 13) -> Path:
    """A zip of CSV exports as a hospital's DPI writes them (cp1252, ';', CRLF), small enough to be one task."""
    people = PeopleFactory(seed)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(members):
            est = DEMO_ESTABLISHMENTS[i % len(DEMO_ESTABLISHMENTS)]
            buf = io.BytesIO()
            write_csv((people.record(est) for _ in range(rows)), buf, dialect="dpi")
            zf.writestr(f"exports/{est.finess}/patients_{i:02d}.csv", buf.getvalue())
    assert path.stat().st_size < ZIP_SPLIT_MIN_BYTES  # one task: the case the window showed at 0% throughout
    return path


@pytest.fixture(scope="module")
def single_zip(tmp_path_factory) -> Path:
    return write_patient_zip(tmp_path_factory.mktemp("zip") / "export.zip")


def test_a_single_zip_advances_member_by_member(single_zip, tmp_path):
    events: list[Progress] = []
    summary = run_scan(tmp_path / "case", [single_zip], jobs=1, progress=events.append)
    assert summary.completed
    total = single_zip.stat().st_size
    during = [e for e in events if e.phase == "scan"]
    assert all(e.bytes_total == total for e in during)
    inside = {e.bytes_done for e in during if 0 < e.bytes_done < total}
    assert len(inside) >= 2, [e.bytes_done for e in during]  # it moved before the end, more than once
    assert [e.bytes_done for e in during] == sorted(e.bytes_done for e in during)  # never backwards
    last = events[-1]
    assert last.phase == "done" and last.bytes_done == total and last.eta_s is None
    with CaseReader(tmp_path / "case") as reader:
        items = reader.counts().items
    assert last.items_done == items == summary.items  # one count on one screen


def test_time_left_is_not_said_before_there_is_something_to_measure():
    from workbench.engine.pipeline import TASK_COST_BYTES, _RunState

    class _Store:
        def count(self, table):
            return 0

    state = _RunState(_Store(), bytes_total=100 * 2**20, bytes_before=0, tasks_total=100, skipped=0,
                      progress=None, started=0.0)
    assert state.eta(10.0) is None  # nothing done yet
    state.bytes_done, state.tasks_done = 50 * 2**20, 50
    assert state.eta(1.0) is None  # too early to say
    # Half the bytes and half the tasks in 20 s: 20 s left, whatever the task cost.
    assert state.eta(20.0) == pytest.approx(20.0)
    # Big tasks first: 80% of the bytes but 10% of the tasks done: the tasks left weigh in.
    state.bytes_done, state.tasks_done = 80 * 2**20, 10
    left = state.eta(20.0)
    bytes_only = 20.0 * 20 / 80
    assert left > bytes_only
    assert TASK_COST_BYTES > 0


def test_done_comes_after_the_summary_figures_and_every_phase_is_named(single_zip, tmp_path, monkeypatch):
    """The summary's figures took 25 s of a 5 GB scan after the window had said "done": they now run in their
    own phase, after the seal, and "done" is said once they are counted."""
    events: list[Progress] = []
    phase_while_counting: list[str] = []
    counted = CaseReader.identifier_totals

    def watched(self, *args, **kwargs):
        phase_while_counting.append(events[-1].phase)
        return counted(self, *args, **kwargs)

    monkeypatch.setattr(CaseReader, "identifier_totals", watched)
    summary = run_scan(tmp_path / "case", [single_zip], jobs=1, progress=events.append)
    assert summary.completed
    assert phase_while_counting == ["summary"]
    order = [p for i, p in enumerate(e.phase for e in events) if i == 0 or events[i - 1].phase != p]
    assert order[-4:] == ["verify", "seal", "summary", "done"], order
    assert [e.phase for e in events].count("done") == 1

