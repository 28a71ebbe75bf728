"""Verification of a case: the signed, hash-chained custody log, the evidence it describes and the results.

Every custody entry is re-hashed (in the database and in its ``custody.jsonl`` mirror, line by line, not only
the list of hashes) and its signature checked with the case key (:mod:`.casekey`, which says what a signature
proves). Results live in Parquet files beside the database; each is registered with its SHA-256 when its task
ends, and the scan's last step logs the digest of the whole list, and of every result row kept in SQLite
(items, findings, errors, evidence, conflicts), in the custody log (``results-sealed``). So an edited, removed
or added result file or row, or an edited list, is detected like an edited log entry, and a chain recomputed
after such an edit fails on its signatures."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench.engine import evidence as evidence_mod
from workbench.engine.store.casekey import fingerprint_of, format_fingerprint, verify_entry
from workbench.engine.store.metadata import CUSTODY_MIRROR, GENESIS, CaseStore, _chain_hash, results_digest
from workbench.engine.store.schema import SHARDS_DIR


@dataclass
class ChainCheck:
    ok: bool
    entries: int
    head: str | None
    problems: list[str] = field(default_factory=list)
    key_id: str | None = None  # the case key's fingerprint (SHA-256 of its raw public key), None: unsigned case


def clean_fingerprint(text: str) -> str:
    """A fingerprint as typed or pasted (``SHA256:1a2b 3c4d ...``, any case) reduced to 64 hex digits."""
    text = text.strip().lower()
    if text.startswith("sha256:"):
        text = text[7:]
    return re.sub(r"[\s:]", "", text)


def _ranges(seqs: list[int]) -> str:
    """``3, 5-9`` (at most 5 runs shown)."""
    runs: list[list[int]] = []
    for n in seqs:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs[:5])
    return text + (", ..." if len(runs) > 5 else "")


def verify_chain(store: CaseStore, *, expected_key: str | None = None) -> ChainCheck:
    """Recompute every link of the custody chain and check every entry's signature with the case key; compare
    the head with case_meta, and re-hash every line of the JSONL mirror (its content, not only its hash field)
    against the database entry of the same number. ``expected_key``: the case key fingerprint written down
    outside the case (a report, a console log): a case re-keyed since is refused."""
    problems: list[str] = []
    prev = GENESIS
    entries = store.custody()
    public = store.meta("case_public_key")
    key_id = fingerprint_of(public) if public else None
    unsigned: list[int] = []
    for expected_seq, e in enumerate(entries, start=1):
        label = f"custody entry {e['seq']} ({e['action']})"
        if e["seq"] != expected_seq:
            problems.append(f"custody entry {expected_seq}: sequence gap (found {e['seq']})")
        if e["prev_hash"] != prev:
            problems.append(f"{label}: previous hash does not match: an entry before it was removed or replaced")
        h = _chain_hash(e["prev_hash"], e["seq"], e["ts_utc"], e["actor"], e["action"], e["detail"])
        if h != e["hash"]:
            problems.append(f"{label}: content edited (its hash no longer matches)")
        if public and not verify_entry(public, e["hash"], e.get("sig")):
            unsigned.append(e["seq"])
        prev = e["hash"]
    if not public:
        problems.append("the custody log is not signed: the case records no case key (made before case keys, "
                        "or the key was removed)")
    else:
        if store.meta("case_key_id") not in (None, key_id):
            problems.append("the recorded case key id does not match the case's public key")
        created = json.loads(entries[0]["detail"]) if entries and entries[0]["action"] == "case-created" else {}
        if created.get("case_key") != key_id:
            problems.append("the case key differs from the one recorded when the case was created")
        if unsigned:
            problems.append(f"custody entries {_ranges(unsigned)}: signature invalid or missing: the chain was "
                            f"recomputed or entries replaced without the case key")
    if expected_key and clean_fingerprint(expected_key) != key_id:
        problems.append(f"the case key is {format_fingerprint(key_id) if key_id else 'absent'}, expected "
                        f"{format_fingerprint(clean_fingerprint(expected_key))}: the case was re-keyed and its "
                        f"chain signed again")
    head = entries[-1]["hash"] if entries else None
    if store.meta("custody_head") != head:
        problems.append("log head differs from the recorded head: entries were removed or replaced")
    if store.meta("custody_count") != str(len(entries)):
        problems.append(f"log holds {len(entries)} entries, {store.meta('custody_count')} were recorded: truncated")
    problems.extend(_check_mirror(store.dir / CUSTODY_MIRROR, entries))
    return ChainCheck(not problems, len(entries), head, problems, key_id)


_MIRROR_FIELDS = ("seq", "ts_utc", "actor", "action", "detail", "prev_hash", "hash")


def _check_mirror(mirror: Path, entries: list[dict]) -> list[str]:
    """Each line of ``custody.jsonl`` re-hashed from its own fields and compared with the database entry."""
    if not mirror.exists():
        return [f"{CUSTODY_MIRROR} is missing"]
    problems: list[str] = []
    lines = [x for x in mirror.read_text(encoding="utf-8", errors="replace").splitlines() if x.strip()]
    if len(lines) != len(entries):
        problems.append(f"{CUSTODY_MIRROR} holds {len(lines)} entries, the database {len(entries)}: they disagree")
    for n, (text, e) in enumerate(zip(lines, entries, strict=False), start=1):
        try:
            m = json.loads(text)
            fields = [m[f] for f in _MIRROR_FIELDS]
            h = _chain_hash(m["prev_hash"], m["seq"], m["ts_utc"], m["actor"], m["action"], m["detail"])
        except (ValueError, KeyError, TypeError):
            problems.append(f"{CUSTODY_MIRROR} line {n}: not a custody entry (edited)")
            continue
        if h != m["hash"]:
            problems.append(f"{CUSTODY_MIRROR} line {n} ({m['action']}): content edited (its hash no longer matches)")
        elif fields != [e[f] for f in _MIRROR_FIELDS] or m.get("sig") != e.get("sig"):
            problems.append(f"{CUSTODY_MIRROR} line {n}: differs from custody entry {e['seq']} of the database")
    return problems


@dataclass
class ResultsCheck:
    """The result shards against their registered SHA-256 and the digest sealed in the custody log."""

    ok: bool
    files: int
    sealed: bool
    problems: list[str] = field(default_factory=list)


_TABLE_LABELS = {"evidence": "evidence rows", "evidence_files": "evidence file rows", "items": "item rows",
                 "findings": "findings", "errors": "item errors", "rulesets": "rule sets",
                 "attribution_conflicts": "attribution conflicts"}


def verify_results(store: CaseStore) -> ResultsCheck:
    """Re-hash every registered shard; any edited, missing or unregistered result file, a list that differs
    from the last one sealed in the custody log, or a result row in SQLite (items, findings, errors, evidence,
    conflicts) edited since the seal, is a problem; so is an evidence whose recorded hashes differ from those
    logged when it was taken in."""
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
    entries = store.custody()
    seals = [e for e in entries if e["action"] == "results-sealed"]
    started = [e["seq"] for e in entries if e["action"] == "scan-started"]
    sealed = bool(seals)
    if seals and started and started[-1] > seals[-1]["seq"]:
        problems.append(f"the scan started at custody entry {started[-1]} did not finish: its results are not "
                        f"sealed; run the same scan again to resume")
    elif seals:
        seal = json.loads(seals[-1]["detail"])
        if seal.get("digest") != results_digest((r["path"], r["sha256"]) for r in rows):
            problems.append("the list of result files differs from the one sealed in the custody log")
        sealed_tables = seal.get("tables") or {}
        now = store.table_digests() if sealed_tables else {}
        for table, before in sealed_tables.items():
            after = now.get(table)
            if after is not None and after["sha256"] != before.get("sha256"):
                problems.append(f"{_TABLE_LABELS.get(table, table)} (table {table}) edited, added or removed since "
                                f"the results were sealed ({before.get('rows')} rows sealed, {after['rows']} now)")
    elif rows:
        problems.append("results were never sealed (the last scan did not finish): scan again to resume")
    problems.extend(_evidence_against_intake(store, entries))
    problems.extend(_registry_copy(store, entries))
    return ResultsCheck(not problems, len(rows), sealed, problems)


def _registry_copy(store: CaseStore, entries: list[dict]) -> list[str]:
    """The registry the case keeps against the SHA-256 logged when the case adopted it."""
    adopted = [json.loads(e["detail"]) for e in entries if e["action"] in ("registry-adopted", "registry-replaced")]
    if not adopted:
        return []
    last = adopted[-1]
    path = store.dir / last.get("copy", "registry.json")
    if not path.is_file():
        return [f"{path.name}: the case's registry copy is missing"]
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    if digest != last.get("sha256") or store.meta("registry_sha256") != digest:
        return [f"{path.name}: the case's registry copy changed (sha256 {digest[:16]}..., logged "
                f"{str(last.get('sha256'))[:16]}...)"]
    return []


def _evidence_against_intake(store: CaseStore, entries: list[dict]) -> list[str]:
    """Each evidence row against the hashes logged (and signed) when it was taken in."""
    logged: dict[str, dict] = {}
    for e in entries:
        if e["action"] == "evidence-acquired":
            detail = json.loads(e["detail"])
            logged[detail.get("path")] = detail
    problems = []
    for row in store.evidence_list():
        if row["sha256"] is None:
            problems.append(f"evidence {row['path']} was never hashed (its scan was interrupted): run the same scan "
                            f"again to resume")
            continue
        intake = logged.get(row["path"])
        if intake is None:
            problems.append(f"evidence {row['path']}: no intake entry in the custody log")
            continue
        changed = [k for k in ("size", "md5", "sha1", "sha256") if intake.get(k) != row[k]]
        if changed:
            problems.append(f"evidence {row['path']}: {', '.join(changed)} in the case differ from the ones logged "
                            f"when it was taken in (sha256 {intake.get('sha256')})")
    return problems


@dataclass
class CaseCheck:
    chain: ChainCheck
    evidence: list[dict]
    results: ResultsCheck | None = None

    @property
    def ok(self) -> bool:
        return (self.chain.ok and all(e["unchanged"] for e in self.evidence)
                and (self.results is None or self.results.ok))


def verify_case(case_dir: Path, *, record: bool = True, expected_key: str | None = None,
                scheduler: str | None = None, path_map: Sequence[str] = ()) -> CaseCheck:
    """Check the custody chain and its signatures, the sealed results, re-hash every evidence; with ``record``
    the result is logged in the case. ``expected_key``: the case key fingerprint written down elsewhere.
    ``scheduler``: a Dask scheduler whose workers re-hash the evidence where it is (``path_map`` as for a scan);
    without it, this process hashes."""
    if scheduler is None:
        return _verify_case(case_dir, record, expected_key, None)
    from workbench.engine.dask_executor import DaskExecutor, PathMap

    pool = DaskExecutor(None, 1, scheduler, PathMap.parse(path_map))
    try:
        return _verify_case(case_dir, record, expected_key, pool.hash_files)
    finally:
        pool.shutdown()


def _verify_case(case_dir: Path, record: bool, expected_key: str | None, hasher) -> CaseCheck:
    with CaseStore(case_dir, create=False) as store:
        chain = verify_chain(store, expected_key=expected_key)
        results_check = verify_results(store)
        results = []
        for row in store.evidence_list():
            ev = store.load_evidence(row["id"])
            v = evidence_mod.verify(ev, hasher=hasher)
            results.append({"path": ev.path, "sha256": ev.sha256, "unchanged": v.unchanged, "changes": v.changes,
                            "verified_utc": v.verified_utc})
            if record and chain.ok:
                store.set_verification(row["id"], v.unchanged, v.verified_utc, v.changes)
        return CaseCheck(chain, results, results_check)
