"""The ``balise`` command line: parses arguments and calls the core. Exit codes: 0 done, 1 fatal, 2 usage."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from workbench import __version__

# Command modules, each with add_parser(subparsers) and run(args) -> int.
COMMAND_MODULES = ("scan", "case", "report", "export", "registry", "beacons", "watermark", "demo", "gui", "doctor")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="balise", description="Balise Workbench: triage of leaked health-data dumps.")
    parser.add_argument("--version", action="version", version=f"balise {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="structured log (JSON lines) on stderr: -v info, -vv debug (default: warnings only)")
    parser.add_argument("--log-file", type=Path, metavar="FILE",
                        help="append the structured log (JSON lines, identifiers masked) to FILE (default: none)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"workbench.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"workbench.cli.{name}":
                continue  # a command group not shipped in this build
            raise
        before = set(sub.choices)
        module.add_parser(sub)
        for added in set(sub.choices) - before:
            if sub.choices[added].get_default("run") is None:
                sub.choices[added].set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    from workbench.logs import configure, event, unconfigure

    try:
        handlers = configure(args.verbose, args.log_file)
    except OSError as exc:
        print(f"balise: cannot open the log file: {exc}", file=sys.stderr)
        return 1
    log = logging.getLogger("workbench.cli")
    started = time.monotonic()
    event(log, "command-started", command=args.command, argv=list(argv if argv is not None else sys.argv[1:]))
    rc = 1
    try:
        rc = int(args.run(args) or 0)
        return rc
    except KeyboardInterrupt:
        rc = 130
        print("balise: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `balise ... | head`: the reader left, nothing more to say
        unconfigure(handlers)
        handlers = []
        sys.stderr.close()
        rc = 0
        return 0
    finally:
        event(log, "command-finished", command=args.command, rc=rc, elapsed_s=round(time.monotonic() - started, 3))
        unconfigure(handlers)
