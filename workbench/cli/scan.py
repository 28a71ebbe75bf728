"""``balise scan``: scan dumps into a case, with a live progress bar and a summary."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench.cli._common import fatal, human_bytes
from workbench.engine.bounds import Bounds
from workbench.engine.masking import mask_text
from workbench.engine.passwords import read_password_file
from workbench.engine.pipeline import Progress, ScanError, ScanSummary, run_scan
from workbench.engine.store.casekey import format_fingerprint
from workbench.engine.tasks import CancelToken
from workbench.engine.yara_externals import DefineError, parse_defines
from workbench.report.numbers import group_int

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
    p.add_argument("--registry", type=Path,
                   help="signed beacon registry (default: the one the case was scanned with, kept in the case)")
    p.add_argument("--replace-registry", action="store_true",
                   help="give the case another registry than the one it keeps: re-attributes, every task redone")
    p.add_argument("--trusted-key", action="append", default=[], metavar="FINGERPRINT_OR_FILE", dest="trusted_keys",
                   help="accept a registry signed by this key (a fingerprint, or a key, registry or fingerprint "
                        "file) even if another key is pinned for its authority; the pin is replaced")
    p.add_argument("--rules", nargs="+", type=Path, default=[], metavar="PATH", help="extra YARA files or folders")
    p.add_argument("--no-bundled-rules", action="store_true", help="scan with the --rules files only")
    p.add_argument("--rules-define", action="append", default=[], metavar="NAME=VALUE",
                   help="set a YARA external variable, as yara -d (repeatable)")
    p.add_argument("--strict-rules", action="store_true",
                   help="refuse the rule set if any rule file does not compile (default: skip that file)")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where tasks run: local worker processes (default) or a Dask distributed cluster")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="with --executor dask: the scheduler's address (default: a local cluster of --jobs workers)")
    p.add_argument("--path-map", action="append", default=[], metavar="LOCAL=REMOTE",
                   help="with --executor dask: rewrite a folder prefix for the workers when their mount points "
                        "differ (repeatable); the evidence and the case folder must be on a mount every worker sees")
    p.add_argument("--password-file", type=Path, metavar="FILE", help="passwords to try on encrypted zip (ZipCrypto, WinZip AES) and 7z members, one per "
                        "line (never logged)")
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
    p.add_argument("--split-text-min-bytes", type=int, default=Bounds.split_text_min_bytes, metavar="BYTES",
                   help="a CSV at least this big (plain or .gz) is scanned as byte ranges shared by the --jobs "
                        "cores, when its structure makes that provably safe (default: %(default)s = 64 MiB)")
    p.add_argument("--split-text-chunk-bytes", type=int, default=Bounds.split_text_chunk_bytes, metavar="BYTES",
                   help="bytes of one such range (default: %(default)s = 32 MiB)")
    p.add_argument("--known-good", action="append", type=Path, default=[], metavar="FILE",
                   help="hash set of files to skip: NSRL RDS v3 (SQLite) or a SHA-256/MD5 list; repeatable")
    p.add_argument("--known-bad", action="append", type=Path, default=[], metavar="FILE",
                   help="hash set of files to flag (high finding): SHA-256/MD5 list or RDS v3; repeatable")
    p.add_argument("--no-verify", action="store_true", help="skip re-hashing the evidence at the end")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the final summary as one JSON object on stdout")
    p.set_defaults(run=run)


def refuse_case_dir(case: Path) -> str | None:
    """Why ``--case`` cannot be used, or None: a file, or a folder that holds other things but no case (a scan
    would silently turn someone's folder into a case and write beside their files)."""
    if case.exists() and not case.is_dir():
        return f"--case {case} is a file, not a case folder"
    if case.is_dir() and not (case / "case.sqlite").exists() and any(case.iterdir()):
        return f"--case {case} is a folder that is not empty and is not a case: give a new or empty folder"
    return None


def run(args: argparse.Namespace) -> int:
    refused = refuse_case_dir(args.case)
    if refused:
        return fatal(refused)
    passwords: list[bytes] = []
    if args.password_file:
        try:
            passwords = read_password_file(args.password_file)
        except OSError as exc:
            return fatal(f"cannot read password file: {exc}")
    bounds = Bounds(max_depth=args.max_depth, max_member_bytes=args.max_member_bytes,
                    max_evidence_bytes=args.max_evidence_bytes, max_ratio=args.max_ratio, max_members=args.max_members,
                    split_text_min_bytes=args.split_text_min_bytes,
                    split_text_chunk_bytes=max(1 << 20, args.split_text_chunk_bytes))
    try:
        defines = parse_defines(args.rules_define)
    except DefineError as exc:
        return fatal(str(exc))
    cancel = CancelToken()
    bar = _ProgressBar(enabled=not args.quiet and sys.stderr.isatty())
    try:
        summary = run_scan(args.case, args.dumps, registry_path=args.registry, rule_paths=args.rules, jobs=args.jobs,
                           bounds=bounds, passwords=passwords, progress=bar.update, cancel=cancel,
                           verify_at_end=not args.no_verify, bundled_rules=not args.no_bundled_rules,
                           executor=args.executor, scheduler=args.scheduler, path_map=args.path_map,
                           rule_defines=defines, strict_rules=args.strict_rules,
                           on_rule_skipped=lambda line: print(f"balise: rule file skipped: {line}", file=sys.stderr),
                           trusted_keys=args.trusted_keys, replace_registry=args.replace_registry,
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


PATH_WIDTH = 44  # characters of the current item shown; the bar's line never changes width


def middle_cut(text: str, width: int) -> str:
    """``leak.zip!/chu-rennes/…/patients_2022.csv``: both ends kept (the evidence and the file name say where)."""
    if len(text) <= width:
        return text.ljust(width)
    head = (width - 1) // 2
    tail = width - 1 - head
    return f"{text[:head]}…{text[-tail:]}"


def clock(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "--:--"
    seconds = int(round(seconds))
    if seconds >= 100 * 3600:  # an early estimate of days: the line keeps its width
        return ">99h"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def progress_line(p: Progress, elapsed: float) -> str:
    """The text right of the bar, always of the same width: percent, bytes, mean rate and time left since the
    start (bytes left at the mean rate), items, current item masked and cut in the middle."""
    total = max(p.bytes_total or 0, p.bytes_done or 0, 1)
    done = p.bytes_done or 0
    rate = done / elapsed if elapsed > 0.5 and done else None
    eta = (total - done) / rate if rate else None
    speed = f"{human_bytes(rate)}/s" if rate else ""
    return (f"{100 * done / total:3.0f}% {human_bytes(done):>8} / {human_bytes(total):<8} {speed:>10} "
            f"{clock(eta):>8} left {n(p.items_done):>9} items  {middle_cut(mask_text(p.current or ''), PATH_WIDTH)}")


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
    """A progress line on stderr of fixed width: phase, bar, percent, bytes, rate, time left, items, current item
    (masked, cut in the middle). The time left is the bytes left at the mean rate since the start (rich's own
    estimate needs a window of samples and showed ``-:--:--`` for the first 45 s of a scan)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.progress = None
        self.task = None
        self.started: float | None = None

    def update(self, p: Progress) -> None:
        if not self.enabled:
            return
        import time

        now = time.monotonic()
        if self.progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn
            from rich.progress import Progress as RichProgress

            self.started = now
            self.progress = RichProgress(TextColumn("{task.fields[phase]}"), BarColumn(bar_width=24),
                                         TextColumn("{task.fields[info]}"), console=Console(stderr=True),
                                         transient=True, expand=False)
            self.progress.start()
            self.task = self.progress.add_task("scan", total=1, phase="", info="")
        total = max(p.bytes_total or 0, p.bytes_done or 0, 1)
        self.progress.update(self.task, completed=p.bytes_done or 0, total=total, phase=f"{p.phase:<11.11}",
                             info=progress_line(p, now - (self.started or now)))

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def n(value: int | float) -> str:
    """A count with thousands separators (the console is English: ``45,638``)."""
    return group_int(value, "en")


def print_summary(s: ScanSummary) -> None:
    out = sys.stdout
    state = "completed" if s.completed else ("cancelled" if s.cancelled else "incomplete")
    print(f"Scan {state}: {n(s.items)} items, {human_bytes(s.bytes_total)} in {s.elapsed_s:.1f} s "
          f"({n(s.tasks_done)}/{n(s.tasks_total)} tasks, {n(s.tasks_skipped)} resumed)", file=out)
    print(f"Case: {s.case_dir}", file=out)
    if s.case_key:
        print(f"Case key: {format_fingerprint(s.case_key)}  (signs the custody log: keep this line; "
              f"balise case verify --case-key checks it)", file=out)
    for ev in s.evidence:
        state = {True: "unchanged", False: "CHANGED", None: "not re-verified"}[ev["unchanged"]]
        print(f"Evidence: {ev['path']}  sha256 {ev['sha256']}  {state}", file=out)
    if s.items_by_kind:
        print("Items by kind: " + ", ".join(f"{k} {n(v)}" for k, v in s.items_by_kind.items()), file=out)
    if s.findings_by_rule:
        print("Findings by rule:", file=out)
        for rule, count in list(s.findings_by_rule.items())[:25]:
            print(f"  {n(count):>10}  {rule}", file=out)
    if s.identifiers:
        print("Identifiers (validated):", file=out)
        for t, c in s.identifiers.items():
            print(f"  {t:<7} {n(c['hits']):>11} hits  {n(c['unique']):>10} unique", file=out)
    print_attribution(Path(s.case_dir), out)
    print(f"Errors: {n(s.errors)}" + ("  (balise report --case ... --json lists them)" if s.errors else ""),
          file=out)


def print_attribution(case_dir: Path, out=sys.stdout, *, failed_shown: int = 20) -> None:
    """Who the records come from (establishments, the recipients whose copy leaked, records, people, the basis
    of each attribution), then the items that could not be analysed in full, named, masked."""
    from workbench.engine.store import report_queries as q
    from workbench.engine.store.counted import case_figures
    from workbench.engine.store.reader import CaseReader

    try:
        reader = CaseReader(case_dir)
    except Exception as exc:  # noqa: BLE001 - the summary must not hide the scan's result behind a traceback
        print(f"Attribution: not available ({type(exc).__name__}: {exc})", file=out)
        return
    with reader:
        figures = case_figures(reader).records  # as the scan just counted and logged them
        bases = q.basis_figures(reader)
        names = q.establishment_names(reader)
        failed, failed_total = q.failed_items(reader, limit=failed_shown)
    total = figures["total"]
    print(f"Records: {n(total['records'])} describing {n(total['patients'])} people", file=out)
    ests = sorted(figures["establishments"].items(), key=lambda kv: (-kv[1]["records"], kv[0]))
    if not ests:
        print("Attribution: no record attributed to an establishment"
              + (" (no registry: give --registry)" if total["records"] else ""), file=out)
    else:
        print(f"Attribution: {n(len(ests))} establishment{'s' if len(ests) > 1 else ''}", file=out)
        for finess, f in ests:
            print(f"  {finess}  {names.get(finess) or '?'}: {n(f['records'])} records, {n(f['patients'])} people",
                  file=out)
            basis = ", ".join(f"{b['basis']} {n(b['records'])}" for b in bases.get(finess, []))
            if basis:
                print(f"      basis: {basis}", file=out)
            for r in figures["recipients"].get(finess, []):
                who = r["recipient"] or "its own copy (no recipient)"
                print(f"      recipient: {who}: {n(r['records'])} records", file=out)
    un = figures["unattributed"]
    if un["records"]:
        print(f"  unattributed: {n(un['records'])} records, {n(un['patients'])} people", file=out)
    if failed_total:
        print(f"Items not analysed in full: {n(failed_total)}", file=out)
        for f in failed:
            why = f["error"] or f["status"]
            why = why if len(why) <= 100 else why[:99] + "…"
            print(f"  {f['status']:<9} {f['cause']:<9} {mask_text(f['item'] or '')}: {mask_text(why)}", file=out)
        if failed_total > len(failed):
            print(f"  … and {n(failed_total - len(failed))} more (balise report --case ... --json)", file=out)
