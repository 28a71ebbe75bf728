"""``balise export``: a case as STIX 2.1, MISP, CASE/UCO, DFXML or bulk_extractor-style feature files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench.cli._common import fatal

FORMAT_CHOICES = ("stix", "misp", "case-uco", "dfxml", "features")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="export a case for other tools (STIX, MISP, CASE/UCO, DFXML, feature files)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="formats:\n"
               "  stix      STIX 2.1 bundle (JSON): report, file observables, YARA indicators, beacon sightings\n"
               "  misp      MISP event (JSON): file objects with hashes, TLP and PAP tags\n"
               "  case-uco  CASE/UCO provenance (JSON-LD): acquisition, scan and report as investigative actions\n"
               "  dfxml     DFXML listing of every item with hashes, sizes and virtual paths\n"
               "  features  bulk_extractor-style feature files (OUT is a folder)\n\n"
               "examples:\n"
               "  balise export --case CASE --format stix --out leak.stix.json --tlp amber\n"
               "  balise export --case CASE --format features --out features/ --unmasked --reason 'court order 42'")
    p.add_argument("--case", required=True, type=Path, help="case folder")
    p.add_argument("--format", required=True, choices=FORMAT_CHOICES, help="export format (see below)")
    p.add_argument("--out", required=True, type=Path, metavar="FILE",
                   help="file to write (a folder for --format features); written whole or not at all")
    p.add_argument("--tlp", default="amber", choices=("clear", "white", "green", "amber", "amber+strict", "red"),
                   help="TLP label of STIX and MISP exports (default: amber)")
    p.add_argument("--pap", default="amber", choices=("clear", "white", "green", "amber", "red"),
                   help="PAP label of MISP exports (default: amber)")
    p.add_argument("--unmasked", action="store_true",
                   help="identifiers and paths in clear (default: masked); needs --reason, logged in custody")
    p.add_argument("--reason", help="why identifiers are exported in clear (recorded in the custody log)")
    p.add_argument("--json", action="store_true", help="print the files written and their SHA-256 as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from workbench.exports import ExportError, ExportOptions, export_case

    try:
        result = export_case(args.case, args.format, args.out,
                             ExportOptions(tlp=args.tlp, pap=args.pap, unmasked=args.unmasked, reason=args.reason))
    except (ExportError, OSError, ValueError) as exc:
        return fatal(str(exc))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        for path, sha in result.files.items():
            print(f"{args.format}: {path}  sha256 {sha}", file=sys.stdout)
    return 0
