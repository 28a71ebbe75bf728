"""``balise case``: verify a case (custody chain and evidence), show its state."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from workbench.cli._common import fatal
from workbench.engine.store import OldCaseError
from workbench.engine.store.custody import verify_case


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("case", help="verify a case")
    csub = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    v = csub.add_parser("verify", help="check the custody log chain and re-hash the evidence")
    v.add_argument("case_dir", type=Path, metavar="DIR", help="case folder")
    v.add_argument("--json", action="store_true", help="print the verification as one JSON object on stdout")
    v.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    try:
        check = verify_case(args.case_dir)
    except (FileNotFoundError, OldCaseError) as exc:
        return fatal(str(exc))
    if getattr(args, "json", False):
        print(json.dumps(check_json(check), ensure_ascii=False, indent=2))
        return 0 if check.ok else 1
    chain = check.chain
    print(f"Custody log: {chain.entries} entries, head {chain.head}: " + ("chain intact" if chain.ok else "BROKEN"))
    for problem in chain.problems:
        print(f"  - {problem}")
    results = check.results
    if results is not None:
        state = "intact, sealed in the custody log" if results.ok and results.sealed else (
            "none" if results.ok else "PROBLEMS")
        print(f"Result files: {results.files} registered: {state}")
        for problem in results.problems:
            print(f"  - {problem}")
    for ev in check.evidence:
        state = "unchanged" if ev["unchanged"] else "CHANGED: " + "; ".join(ev["changes"])
        print(f"Evidence {ev['path']} (sha256 {ev['sha256']}): {state}")
    if not check.ok:
        return fatal("case verification failed")
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
    return 2
