"""Verification of a case: the hash-chained custody log, the evidence it describes and the result files.

Results live in Parquet files beside the database; each is registered with its SHA-256 when its task ends, and
the scan's last step logs the digest of the whole list in the hash-chained custody log (``results-sealed``). So an
edited, removed or added result file, or an edited list, is detected like an edited log entry."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from workbench.engine import evidence as evidence_mod
from workbench.engine.store.metadata import CUSTODY_MIRROR, GENESIS, CaseStore, _chain_hash, results_digest
from workbench.engine.store.schema import SHARDS_DIR


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
class ResultsCheck:
    """The result shards against their registered SHA-256 and the digest sealed in the custody log."""

    ok: bool
    files: int
    sealed: bool
    problems: list[str] = field(default_factory=list)


def verify_results(store: CaseStore) -> ResultsCheck:
    """Re-hash every registered shard; any edited, missing or unregistered result file, or a list that differs
    from the last one sealed in the custody log, is a problem."""
    problems: list[str] = []
    rows = store.registered_shards()
    for r in rows:
        path = store.dir / r["path"]
        if not path.is_file():
            problems.append(f"{r['path']}: missing")
            continue
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if digest != r["sha256"]:
            problems.append(f"{r['path']}: content changed (sha256 {digest[:16]}..., registered {r['sha256'][:16]}...)")
    registered = {r["path"] for r in rows}
    base = store.dir / SHARDS_DIR
    if base.is_dir():
        for path in sorted(base.rglob("*.parquet")):
            rel = path.relative_to(store.dir).as_posix()
            if rel not in registered:
                problems.append(f"{rel}: a result file no scan registered")
    seals = [e for e in store.custody() if e["action"] == "results-sealed"]
    sealed = bool(seals)
    if seals:
        sealed_digest = json.loads(seals[-1]["detail"]).get("digest")
        if sealed_digest != results_digest((r["path"], r["sha256"]) for r in rows):
            problems.append("the list of result files differs from the one sealed in the custody log")
    elif rows:
        problems.append("results were never sealed (the last scan did not finish): scan again to resume")
    return ResultsCheck(not problems, len(rows), sealed, problems)


@dataclass
class CaseCheck:
    chain: ChainCheck
    evidence: list[dict]
    results: ResultsCheck | None = None

    @property
    def ok(self) -> bool:
        return (self.chain.ok and all(e["unchanged"] for e in self.evidence)
                and (self.results is None or self.results.ok))


def verify_case(case_dir: Path, *, record: bool = True) -> CaseCheck:
    """Check the custody chain, re-hash every evidence; with ``record`` the result is logged in the case."""
    with CaseStore(case_dir, create=False) as store:
        chain = verify_chain(store)
        results_check = verify_results(store)
        results = []
        for row in store.evidence_list():
            ev = store.load_evidence(row["id"])
            v = evidence_mod.verify(ev)
            results.append({"path": ev.path, "sha256": ev.sha256, "unchanged": v.unchanged, "changes": v.changes,
                            "verified_utc": v.verified_utc})
            if record and chain.ok:
                store.set_verification(row["id"], v.unchanged, v.verified_utc, v.changes)
        return CaseCheck(chain, results, results_check)
