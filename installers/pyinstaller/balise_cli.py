"""Entry point of the frozen ``balise`` command (PyInstaller)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # scan workers are spawned from this same executable
    from workbench.cli import main

    sys.exit(main())
