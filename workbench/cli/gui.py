"""``balise gui [--case DIR]``: the workbench window."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli._common import fatal


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the workbench window")
    p.add_argument("--case", type=Path, help="open this case folder")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.case is not None and not (args.case / "case.sqlite").is_file():
        return fatal(f"not a case folder: {args.case}")
    try:
        from workbench.gui.app import run_window
    except ImportError as exc:
        return fatal(f"the window needs PySide6: {exc}")
    return run_window(args.case)
