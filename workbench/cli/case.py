"""``balise case``: verify a case (custody chain and its signatures, sealed results, evidence)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench.cli._common import fatal
from workbench.engine.model import ScanError
from workbench.engine.store import OldCaseError
from workbench.engine.store.casekey import CaseKeyError, format_fingerprint
from workbench.engine.store.custody import CaseCheck, verify_case


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("case", help="verify a case")
    csub = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    v = csub.add_parser("verify", help="check the custody log (chain and signatures), the sealed results and "
                                       "re-hash the evidence")
    v.add_argument("case_dir", type=Path, metavar="DIR", help="case folder")
    v.add_argument("--case-key", metavar="FINGERPRINT",
                   help="the case key fingerprint written down earlier (scan summary, report): refuse a re-keyed case")
    v.add_argument("--json", action="store_true", help="print the verification as one JSON object")
    v.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="re-hash the evidence on the workers of this Dask scheduler, where the files are "
                        "(only paths and digests travel)")
    v.add_argument("--path-map", action="append", default=[], metavar="LOCAL=REMOTE",
                   help="with --scheduler: rewrite a folder prefix for the workers when their mount points differ")
    v.set_defaults(run=run_verify)


def problems_of(check: CaseCheck) -> list[str]:
    """Every problem found, one line each, custody first."""
    out = list(check.chain.problems)
    if check.results is not None:
        out += check.results.problems
    for ev in check.evidence:
        if not ev["unchanged"]:
            out.append(f"evidence {ev['path']} changed: " + "; ".join(ev["changes"]))
    return out


def run_verify(args: argparse.Namespace) -> int:
    try:
        check = verify_case(args.case_dir, expected_key=args.case_key, scheduler=args.scheduler,
                            path_map=args.path_map)
    except (FileNotFoundError, OldCaseError, CaseKeyError, ScanError) as exc:
        return fatal(str(exc))
    chain, results = check.chain, check.results
    problems = problems_of(check)
    if args.json:
        print(json.dumps({**check_json(check), "case_key": chain.key_id, "problems": problems},
                         ensure_ascii=False, indent=2))
    else:
        key = format_fingerprint(chain.key_id) if chain.key_id else "none (unsigned case)"
        print(f"Case key: {key}")
        print("  (compare it with the fingerprint in the scan summary or the report; --case-key checks it)")
        print(f"Custody log: {chain.entries} entries, head {chain.head}: "
              + ("chain intact, every entry signed" if chain.ok else "BROKEN"))
        for problem in chain.problems:
            print(f"  - {problem}")
        if results is not None:
            state = "intact, sealed in the custody log" if results.ok and results.sealed else (
                "none" if results.ok else "PROBLEMS")
            print(f"Result files: {results.files} registered, with the result rows: {state}")
            for problem in results.problems:
                print(f"  - {problem}")
        for ev in check.evidence:
            state = "unchanged" if ev["unchanged"] else "CHANGED: " + "; ".join(ev["changes"])
            print(f"Evidence {ev['path']} (sha256 {ev['sha256']}): {state}")
    if not check.ok:
        more = f" (and {len(problems) - 1} more problems above)" if len(problems) > 1 else ""
        return fatal(f"case verification failed: {problems[0] if problems else 'see above'}{more}")
    if not args.json:
        print("Case verified.")
    return 0


def check_json(check) -> dict:
    """The case verification for a script: the custody chain, the result files, each evidence re-hashed."""
    results = check.results
    return {"ok": check.ok,
            "custody": {"ok": check.chain.ok, "entries": check.chain.entries, "head": check.chain.head,
                        "problems": list(check.chain.problems)},
            "results": None if results is None else {"ok": results.ok, "files": results.files,
                                                     "sealed": results.sealed, "problems": list(results.problems)},
            "evidence": [{"path": ev["path"], "sha256": ev.get("sha256"), "unchanged": ev["unchanged"],
                          "changes": list(ev.get("changes") or [])} for ev in check.evidence]}


def run(args: argparse.Namespace) -> int:  # pragma: no cover - subcommands set their own run
    print("balise case: choose an action: verify", file=sys.stderr)
    return 2
