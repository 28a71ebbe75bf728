"""GUI smoke flow, run as a script in a child process (offscreen): window, open a scanned case, views, close.

    python tests/installers/gui_smoke.py CASE_DIR
Prints one JSON line of what it saw; exit 0 when the window opened the case and closed cleanly.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    case = Path(argv[1]) if len(argv) > 1 else None
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from workbench.gui.resources import icon
    from workbench.gui.window import MainWindow

    app = QApplication.instance() or QApplication([argv[0]])
    app.setWindowIcon(icon("balise"))
    window = MainWindow()
    window.show()
    if case is not None:
        window.open_case(case)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # let lazy models and workers fill the views
        app.processEvents()
        time.sleep(0.05)
    image = window.grab().toImage()
    facts = {"title": window.windowTitle(), "visible": window.isVisible(), "width": image.width(),
             "height": image.height(), "platform": app.platformName(), "icon_null": icon("balise").isNull()}
    QTimer.singleShot(0, window.close)
    app.processEvents()
    window.close()
    print(json.dumps(facts), flush=True)
    return 0 if facts["visible"] and image.width() > 100 and not facts["icon_null"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
