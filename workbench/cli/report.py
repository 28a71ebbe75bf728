"""``balise report``: report.json, the forensic PDF and the records CSV of a case."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench.cli._common import fatal


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write the report of a case (JSON, PDF, records CSV)")
    p.add_argument("--case", required=True, type=Path, help="case folder")
    p.add_argument("--json", type=Path, help="write report.json here")
    p.add_argument("--pdf", type=Path, help="write the PDF report here")
    p.add_argument("--records-csv", type=Path, help="one line per record: item,locator,establishment,recipient,basis,confidence")
    p.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the PDF (default: fr)")
    p.add_argument("--establishment", metavar="FINESS",
                   help="the report for this establishment's data controller: its records and people only, the "
                        "other establishments as counts")
    p.add_argument("--unmasked", action="store_true",
                   help="show identifiers in clear (masked by default); needs --reason, logged in the custody log")
    p.add_argument("--reason", metavar="TEXT", help="why the identifiers are shown in clear (with --unmasked)")
    p.add_argument("--excel", action="store_true",
                   help="CSV for Excel: UTF-8 with BOM, ';' separator when --lang fr (default: UTF-8, ',')")
    p.add_argument("--print-json", action="store_true",
                   help="print the files written (kind, path, SHA-256) as one JSON object on stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from workbench.engine.store import CaseReadError, OldCaseError
    from workbench.report import exports

    if not (args.case / "case.sqlite").exists():
        return fatal(f"no case in {args.case}")
    if not (args.json or args.pdf or args.records_csv):
        return fatal("nothing to write: give --json, --pdf and/or --records-csv")
    if args.reason and not args.unmasked:
        return fatal("--reason goes with --unmasked")
    if args.unmasked:
        refused = _record_unmasking(args)
        if refused:
            return fatal(refused)
    try:
        written = exports.write_reports(args.case, json_path=args.json, pdf_path=args.pdf,
                                        records_csv=args.records_csv, lang=args.lang, unmasked=args.unmasked,
                                        establishment=args.establishment, excel=args.excel)
    except (OSError, ValueError, CaseReadError, OldCaseError) as exc:
        return fatal(str(exc))
    if args.print_json:
        print(json.dumps({"written": [{"kind": k, "path": str(Path(p).resolve()), "sha256": exports.file_sha256(Path(p))}
                                      for k, p in written.items()]}, ensure_ascii=False, indent=2))
        return 0
    for kind, path in written.items():
        print(f"{kind}: {path}", file=sys.stdout)
    return 0


def _record_unmasking(args: argparse.Namespace) -> str | None:
    """Ask for the reason (prompt on a terminal, else ``--reason``) and log the unmasking before any file is
    written; returns the refusal's one line, or None."""
    import getpass

    from workbench.engine.unmasking import UnmaskingRefused, record_unmasking

    reason = args.reason
    if not reason and sys.stdin.isatty():
        try:
            reason = input("Reason for showing identifiers in clear (written to the custody log): ")
        except EOFError:
            reason = ""
    if not reason:
        return "--unmasked needs a reason: add --reason TEXT (it is written to the custody log)"
    outputs = [k for k in ("pdf", "json", "records_csv") if getattr(args, k)]
    scope = "report " + " ".join(o.replace("_", "-") for o in outputs)
    if args.establishment:
        scope += f" establishment {args.establishment}"
    try:
        record_unmasking(args.case, getpass.getuser(), reason, scope)
    except UnmaskingRefused as exc:
        return str(exc)
    return None


def dump_json(report: dict, path: Path) -> None:
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
