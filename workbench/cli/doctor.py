"""``balise doctor [--registry FILE | --case DIR] [--json]``: is this installation able to work?

Prints the versions of Python, Qt, libmagic (and its database), YARA, hyperscan and the other libraries, the
bundled rule set's SHA-256 and whether it compiles, the registry in use and its signature state. Exit 0 when the
workbench can work, 1 when something required is missing or broken (a library, the rules, a bad registry
signature), or when the window cannot start (the Qt probe fails, or on Linux a library of Qt's X11 plugin such as
libxcb-cursor0 is missing: named, with the package to install); ``--no-qt`` checks the command line only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench.engine.environment import EnvironmentReport, gather


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check this installation (libraries, rules, registry, window)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--registry", type=Path, help="check this registry's signature")
    src.add_argument("--case", type=Path, help="check the registry this case was scanned with")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--no-qt", action="store_true", help="skip the check that the window can start")
    p.add_argument("--qt-timeout", type=float, default=60.0, metavar="S",
                   help="seconds allowed for the window check (default: %(default)s)")
    p.add_argument("--qt-probe", action="store_true", help=argparse.SUPPRESS)  # the subprocess side of the check
    p.set_defaults(run=run)


def qt_probe_command() -> list[str]:
    """How to run this program's Qt probe in a child process, frozen (PyInstaller) or not."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "doctor", "--qt-probe"]
    return [sys.executable, "-m", "workbench", "doctor", "--qt-probe"]


def qt_probe() -> int:
    """Start a QGuiApplication, draw text into an image, print one JSON line of facts."""
    import PySide6
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QFontDatabase, QGuiApplication, QImage, QPainter

    app = QGuiApplication([sys.argv[0]])
    image = QImage(120, 24, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.drawText(2, 18, "Balise 0123")
    painter.end()
    drawn = any(image.pixel(x, y) != 0 for x in range(image.width()) for y in range(image.height()))
    print(json.dumps({"qt": qVersion(), "pyside6": PySide6.__version__, "platform": app.platformName(),
                      "fonts": len(QFontDatabase.families()), "text_drawn": drawn}), flush=True)
    return 0


def format_text(report: EnvironmentReport) -> str:
    where = "standalone bundle" if report.frozen else report.executable
    lines = [f"Balise Workbench {report.tool_version}: Python {report.python} on {report.platform} ({where})", ""]
    width = max(len(c.name) for c in report.checks)
    for c in report.checks:
        state = "ok" if c.ok else ("MISSING" if c.required else "warning")
        text = f"  {state:<8} {c.name:<{width}}  {c.version or '':<16}"
        lines.append((text + (f" {c.detail}" if c.detail else "")).rstrip())
    lines.append("")
    window = report.window_problems
    if report.ok and window:  # never "ready" when the window cannot start
        lines.append("NOT READY for the window: " + "; ".join(f"{c.name}: {c.detail}" for c in window) +
                     ". The command line works.")
    elif report.ok:
        warnings = [c.name for c in report.checks if not c.ok]
        lines.append("Ready: every required check passed." +
                     (f" Warnings: {', '.join(warnings)}." if warnings else ""))
    else:
        lines.append(f"NOT READY: {', '.join(report.missing)} failed; the workbench cannot work.")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.qt_probe:
        return qt_probe()
    report = gather(registry=args.registry, case=args.case,
                    qt_command=None if args.no_qt else qt_probe_command(), qt_timeout=args.qt_timeout)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(format_text(report))
    return 0 if report.ok and not report.window_problems else 1
