"""Verification of a case: the hash-chained custody log and the evidence it describes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from workbench.engine import evidence as evidence_mod
from workbench.engine.store.metadata import CUSTODY_MIRROR, GENESIS, CaseStore, _chain_hash


@dataclass
class ChainCheck:
    ok: bool
    entries: int
    head: str | None
    problems: list[str] = field(default_factory=list)


def verify_chain(store: CaseStore) -> ChainCheck:
    """Recompute every link of the custody chain; compare the head with case_meta and the JSONL mirror."""
    problems: list[str] = []
    prev = GENESIS
    entries = store.custody()
    for expected_seq, e in enumerate(entries, start=1):
        if e["seq"] != expected_seq:
            problems.append(f"entry {expected_seq}: sequence gap (found {e['seq']})")
        if e["prev_hash"] != prev:
            problems.append(f"entry {e['seq']}: previous hash does not match")
        h = _chain_hash(e["prev_hash"], e["seq"], e["ts_utc"], e["actor"], e["action"], e["detail"])
        if h != e["hash"]:
            problems.append(f"entry {e['seq']}: content edited (hash mismatch)")
        prev = e["hash"]
    head = entries[-1]["hash"] if entries else None
    if store.meta("custody_head") != head:
        problems.append("log head differs from the recorded head: entries were removed or replaced")
    if store.meta("custody_count") != str(len(entries)):
        problems.append(f"log holds {len(entries)} entries, {store.meta('custody_count')} were recorded: truncated")
    mirror = store.dir / CUSTODY_MIRROR
    if mirror.exists():
        lines = [json.loads(line) for line in mirror.read_text(encoding="utf-8").splitlines() if line.strip()]
        if [m["hash"] for m in lines] != [e["hash"] for e in entries]:
            problems.append(f"database log and {CUSTODY_MIRROR} disagree")
    else:
        problems.append(f"{CUSTODY_MIRROR} is missing")
    return ChainCheck(not problems, len(entries), head, problems)


@dataclass
class CaseCheck:
    chain: ChainCheck
    evidence: list[dict]

    @property
    def ok(self) -> bool:
        return self.chain.ok and all(e["unchanged"] for e in self.evidence)


def verify_case(case_dir: Path, *, record: bool = True) -> CaseCheck:
    """Check the custody chain, re-hash every evidence; with ``record`` the result is logged in the case."""
    with CaseStore(case_dir, create=False) as store:
        chain = verify_chain(store)
        results = []
        for row in store.evidence_list():
            ev = store.load_evidence(row["id"])
            v = evidence_mod.verify(ev)
            results.append({"path": ev.path, "sha256": ev.sha256, "unchanged": v.unchanged, "changes": v.changes,
                            "verified_utc": v.verified_utc})
            if record and chain.ok:
                store.set_verification(row["id"], v.unchanged, v.verified_utc, v.changes)
        return CaseCheck(chain, results)
