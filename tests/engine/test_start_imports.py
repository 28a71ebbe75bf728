"""The scan's start-up path does not load modules that only some items need.

Every ``balise scan`` pays the coordinator's CLI import and then each worker's import of
``workbench.engine.worker`` before its first task (measured with ``python -X importtime``: py7zr + Cryptodome
~0.2 s, duckdb ~0.1 s, faker ~0.15 s of CPU). These are loaded on first use instead (a 7z, the case reader, the
search index after the scan, canary minting). Each check runs a fresh interpreter: in this process the other
tests have imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Modules the start path must not import; each is loaded where it is used.
LAZY = ("py7zr", "Cryptodome", "duckdb", "faker", "rapidgzip", "pydicom", "openpyxl", "odf", "reportlab",
        "dask", "distributed")


def _loaded(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {LAZY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_worker_import_loads_no_heavy_optional_module() -> None:
    assert _loaded("import workbench.engine.worker") == []


def test_scan_cli_start_loads_no_heavy_optional_module() -> None:
    code = "import workbench.cli as c, workbench.cli.scan, workbench.engine.pipeline\nc.build_parser()"
    assert _loaded(code) == []


def test_a_7z_still_loads_py7zr_on_first_use() -> None:
    """The lazy 7z handler is wired: the format table reaches the real handler (a bad archive is an error)."""
    code = ("from workbench.engine.archives import iter_members\n"
            "from workbench.engine.archives._common import ArchiveError\n"
            "from workbench.engine.blob import Blob\n"
            "from workbench.engine.bounds import Bounds, Budget\n"
            "b = Bounds()\n"
            "try:\n"
            "    list(iter_members('7z', Blob.from_bytes(b\"7z\\xbc\\xaf\\x27\\x1c\" + bytes(40)), name='x.7z',"
            " bounds=b, budget=Budget(b)))\n"
            "except ArchiveError:\n"
            "    pass\n")
    assert "py7zr" in _loaded(code)
