"""Entry point of the window: ``balise-workbench`` and ``balise gui [--case DIR]``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def run_window(case: Path | None = None, argv: Sequence[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from workbench.gui.resources import icon
    from workbench.gui.window import MainWindow

    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("Balise Workbench")
    app.setOrganizationName("Balise")
    app.setWindowIcon(icon("balise"))
    window = MainWindow()
    window.show()
    if case is not None:
        window.open_case(case)
    return app.exec()


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="balise-workbench", description="The Balise Workbench window.")
    parser.add_argument("--case", type=Path, help="open this case folder")
    args = parser.parse_args(list(argv) if argv is not None else None)
    return run_window(args.case)


if __name__ == "__main__":
    sys.exit(main())
