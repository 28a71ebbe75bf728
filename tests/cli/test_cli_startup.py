"""Every `balise` command builds the whole parser first: what the parser imports is paid by each command,
`--help` and a scan included (the watermark modules' scipy cost 1.0 s of a 2.4 s start)."""

from __future__ import annotations

import subprocess
import sys

from workbench.beacons import mark_io
from workbench.cli import watermark


def test_building_the_parser_does_not_import_the_heavy_modules():
    code = ("import sys; from workbench.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('scipy', 'workbench.beacons.image_mark', 'workbench.beacons.tabular_mark', "
            "'PySide6', 'reportlab') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_parser_offers_the_formats_the_watermark_reader_knows():
    assert watermark.TABLE_FORMATS == mark_io.FORMATS
