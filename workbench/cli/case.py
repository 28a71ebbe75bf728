"""``balise case``: verify a case (custody chain and evidence), show its state."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli._common import fatal
from workbench.engine.store import OldCaseError
from workbench.engine.store.custody import verify_case


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("case", help="verify a case")
    csub = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    v = csub.add_parser("verify", help="check the custody log chain and re-hash the evidence")
    v.add_argument("case_dir", type=Path, metavar="DIR")
    v.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    try:
        check = verify_case(args.case_dir)
    except (FileNotFoundError, OldCaseError) as exc:
        return fatal(str(exc))
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


def run(args: argparse.Namespace) -> int:  # pragma: no cover - subcommands set their own run
    return 2
