"""Entry point of the frozen ``balise-workbench`` window (PyInstaller)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # scan workers are spawned from this same executable
    from workbench.gui.app import main

    sys.exit(main())
