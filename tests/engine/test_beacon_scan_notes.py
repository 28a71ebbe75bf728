"""The worker's records stage turns the parser's notes into findings, also when the parser fails afterwards."""

from __future__ import annotations

import pytest

from tests.engine.records.dumps import mysqldump
from workbench.engine.beacon_scan import BeaconScanner
from workbench.engine.blob import Blob
from workbench.engine.kinds import sniff
from workbench.engine.model import DETECTOR_RECORDS
from workbench.engine.records import RecordsError


class _Sink:
    def __init__(self) -> None:
        self.rows = 0

    def records(self, vpath, frame) -> None:
        self.rows += len(frame)


def _scan(text: str):
    data = text.encode()
    sink = _Sink()
    with Blob.from_bytes(data) as blob:
        return BeaconScanner(None).parse_records("dump.sql", (blob, sniff(data[:65536], "dump.sql")), sink), sink


def test_a_lost_row_is_a_finding_with_its_locator():
    findings, sink = _scan(mysqldump(200, per_statement=50, malformed_at=120))
    assert sink.rows == 199 + 2
    assert [(f.detector, f.rule, f.meta["locator"]) for f in findings] == [
        (DETECTOR_RECORDS, "row-skipped", "table:patients/row:120")]


def test_the_findings_before_a_fault_ride_on_the_exception():
    text = mysqldump(200, per_statement=50, malformed_at=120)
    cut = text[: text.index("(180,")] + "(180,'000"
    with pytest.raises(RecordsError, match="truncated") as caught:
        _scan(cut)
    assert [f.meta["locator"] for f in caught.value.findings] == ["table:patients/row:120"]


def test_records_without_a_registry_never_import_the_watermark_statistics():
    """A scan without a registry has no mark to test: its workers must not pay scipy's import (1.8 s each)."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; from tests.engine.test_beacon_scan_notes import _scan; "
            "from tests.engine.records.dumps import mysqldump; _, sink = _scan(mysqldump(50, per_statement=25)); "
            "assert sink.rows >= 50, sink.rows; "
            "print(sorted(m for m in ('scipy', 'workbench.beacons.tabular_mark') if m in sys.modules))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
