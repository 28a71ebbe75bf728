"""``balise demo``: build the consortium's registry and a leak carrying its beacons, scan it, write the report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench.cli._common import fatal
from workbench.cli.scan import _ProgressBar, n


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="build a demo leak, scan it and write the report")
    p.add_argument("--out", type=Path, default=Path("demo-out"), help="folder for everything (default: demo-out)")
    p.add_argument("--size-mb", type=float, default=12, help="size of the generated leak (default 12 MB)")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF report (JSON and CSV only)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from workbench.demo import run_demo
    from workbench.engine.pipeline import ScanError

    bar = _ProgressBar(enabled=sys.stderr.isatty())
    print(f"Building the demo leak and registry in {args.out} ...", file=sys.stderr)
    try:
        result = run_demo(args.out, size_bytes=int(args.size_mb * 2**20), jobs=args.jobs, progress=bar.update,
                          pdf=not args.no_pdf)
    except ScanError as exc:
        bar.close()
        return fatal(str(exc))
    bar.close()
    report = json.loads(result.report_json.read_text(encoding="utf-8"))
    s = report["summary"]
    print(f"Scanned {n(s['items'])} items: {n(s['records'])} records, {n(s['patients'])} patients, "
          f"{n(s['errors'])} items in error.")
    for est in report["establishments"]:
        bases = ", ".join(f"{k} {n(v)}" for k, v in sorted(est["bases"].items()))
        print(f"  {est['finess']}  {est['name'] or '?'}: {n(est['records'])} records ({bases})")
    unattributed = s["records"] - sum(e["records"] for e in report["establishments"])
    print(f"  unattributed: {n(unattributed)} records")
    print(f"Registry: {result.registry}")
    print(f"Evidence: {result.evidence}")
    print(f"Case:     {result.case}")
    print(f"Report:   {result.report_json}" + (f"\n          {result.report_pdf}" if result.report_pdf else ""))
    print(f"Records:  {result.records_csv}")
    return 0
