"""``balise scan``: scan dumps into a case, with a live progress bar and a summary."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench.cli._common import fatal, human_bytes
from workbench.engine.bounds import Bounds
from workbench.engine.masking import mask_text
from workbench.engine.pipeline import Progress, ScanError, ScanSummary, run_scan
from workbench.engine.tasks import CancelToken

SCAN_EXAMPLES = """examples:
  balise scan leak.zip --case cases/2026-014
  balise scan dump/ extra.7z --case cases/2026-014 --registry consortium.registry.json --jobs 4
  balise scan leak.zip --case C --rules myrules/ --password-file pw.txt --max-depth 12
  balise scan leak.zip --case C --known-good RDS_modern_minimal.db --known-bad bad.sha256 --json

A second run with the same --case resumes where the first stopped."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="scan dumps into a case (a second run resumes)", epilog=SCAN_EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dumps", nargs="+", type=Path, metavar="DUMP", help="dump files or folders (opened read-only)")
    p.add_argument("--case", required=True, type=Path, help="case folder (created if missing)")
    p.add_argument("--registry", type=Path, help="signed beacon registry (default: none, no beacon detection)")
    p.add_argument("--rules", nargs="+", type=Path, default=[], metavar="PATH",
                   help="extra YARA files or folders (default: the bundled rules only)")
    p.add_argument("--no-bundled-rules", action="store_true", help="scan with the --rules files only")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--password-file", type=Path, metavar="FILE",
                   help="passwords to try on encrypted archives, one per line (default: none)")
    p.add_argument("--max-depth", type=int, default=Bounds.max_depth, metavar="N",
                   help="archive nesting levels opened (default: %(default)s)")
    p.add_argument("--max-member-bytes", type=int, default=Bounds.max_member_bytes, metavar="BYTES",
                   help="decompressed bytes of one archive member (default: %(default)s = 16 GiB)")
    p.add_argument("--max-evidence-bytes", type=int, default=Bounds.max_evidence_bytes, metavar="BYTES",
                   help="decompressed bytes of all members of one evidence (default: %(default)s = 1 TiB)")
    p.add_argument("--max-ratio", type=float, default=Bounds.max_ratio, metavar="RATIO",
                   help="decompressed/compressed size, checked after 64 MiB out (default: %(default)s)")
    p.add_argument("--max-members", type=int, default=Bounds.max_members, metavar="N",
                   help="members of one archive (default: %(default)s)")
    p.add_argument("--known-good", action="append", type=Path, default=[], metavar="FILE",
                   help="hash set of files to skip: NSRL RDS v3 (SQLite) or a SHA-256/MD5 list; repeatable")
    p.add_argument("--known-bad", action="append", type=Path, default=[], metavar="FILE",
                   help="hash set of files to flag (high finding): SHA-256/MD5 list or RDS v3; repeatable")
    p.add_argument("--no-verify", action="store_true", help="skip re-hashing the evidence at the end")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the final summary as one JSON object on stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    passwords: list[bytes] = []
    if args.password_file:
        try:
            passwords = [line.rstrip(b"\r\n") for line in args.password_file.read_bytes().splitlines() if line.strip()]
        except OSError as exc:
            return fatal(f"cannot read password file: {exc}")
    bounds = Bounds(max_depth=args.max_depth, max_member_bytes=args.max_member_bytes,
                    max_evidence_bytes=args.max_evidence_bytes, max_ratio=args.max_ratio, max_members=args.max_members)
    cancel = CancelToken()
    bar = _ProgressBar(enabled=not args.quiet and sys.stderr.isatty())
    try:
        summary = run_scan(args.case, args.dumps, registry_path=args.registry, rule_paths=args.rules, jobs=args.jobs,
                           bounds=bounds, passwords=passwords, progress=bar.update, cancel=cancel,
                           verify_at_end=not args.no_verify, bundled_rules=not args.no_bundled_rules,
                           known_good=args.known_good, known_bad=args.known_bad)
    except ScanError as exc:
        bar.close()
        return fatal(str(exc))
    except KeyboardInterrupt:
        cancel.cancel()
        bar.close()
        print("balise: scan interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    bar.close()
    if args.json:
        print(json.dumps(summary_json(summary), ensure_ascii=False, indent=2, default=str))
    else:
        print_summary(summary)
    return 0


def summary_json(s: ScanSummary) -> dict:
    """The final summary for a script: the same facts as the text summary (no identifier in it)."""
    return {"state": "completed" if s.completed else ("cancelled" if s.cancelled else "incomplete"),
            "case": str(s.case_dir), "items": s.items, "bytes": s.bytes_total, "elapsed_s": round(s.elapsed_s, 3),
            "tasks": {"done": s.tasks_done, "total": s.tasks_total, "resumed": s.tasks_skipped},
            "evidence": [{"path": ev["path"], "sha256": ev["sha256"], "unchanged": ev["unchanged"]}
                         for ev in s.evidence],
            "items_by_kind": dict(s.items_by_kind), "findings_by_rule": dict(s.findings_by_rule),
            "identifiers": {t: dict(c) for t, c in s.identifiers.items()}, "records": s.records, "errors": s.errors}


class _ProgressBar:
    """A rich progress bar on stderr (bytes, items, rate, ETA, current item masked)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.progress = None
        self.task = None

    def update(self, p: Progress) -> None:
        if not self.enabled:
            return
        if self.progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )
            from rich.progress import Progress as RichProgress

            self.progress = RichProgress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                         TransferSpeedColumn(), TimeRemainingColumn(),
                                         TextColumn("{task.fields[items]} items  {task.fields[current]}"),
                                         console=Console(stderr=True), transient=True)
            self.progress.start()
            self.task = self.progress.add_task("scan", total=p.bytes_total or 1, items=0, current="")
        current = mask_text(p.current)[-60:]
        self.progress.update(self.task, completed=p.bytes_done, total=p.bytes_total or 1, items=p.items_done,
                             current=current, description=p.phase)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def print_summary(s: ScanSummary) -> None:
    out = sys.stdout
    state = "completed" if s.completed else ("cancelled" if s.cancelled else "incomplete")
    print(f"Scan {state}: {s.items} items, {human_bytes(s.bytes_total)} in {s.elapsed_s:.1f} s "
          f"({s.tasks_done}/{s.tasks_total} tasks, {s.tasks_skipped} resumed)", file=out)
    print(f"Case: {s.case_dir}", file=out)
    for ev in s.evidence:
        state = {True: "unchanged", False: "CHANGED", None: "not re-verified"}[ev["unchanged"]]
        print(f"Evidence: {ev['path']}  sha256 {ev['sha256']}  {state}", file=out)
    if s.items_by_kind:
        print("Items by kind: " + ", ".join(f"{k} {n}" for k, n in s.items_by_kind.items()), file=out)
    if s.findings_by_rule:
        print("Findings by rule:", file=out)
        for rule, n in list(s.findings_by_rule.items())[:25]:
            print(f"  {n:>8}  {rule}", file=out)
    if s.identifiers:
        print("Identifiers (validated):", file=out)
        for t, c in s.identifiers.items():
            print(f"  {t:<7} {c['hits']:>9} hits  {c['unique']:>8} unique", file=out)
    if s.records:
        print(f"Records: {s.records}", file=out)
    print(f"Errors: {s.errors}" + ("  (balise report --case ... --json lists them)" if s.errors else ""), file=out)
