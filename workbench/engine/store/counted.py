"""The case's headline figures as the scan counted them, kept in the custody chain (``results-counted``).

Every report and the scan's own console summary need the same two sets of figures: records, distinct people and
date spans per establishment and recipient (:func:`report_queries.record_figures`), and occurrences and distinct
values per identifier type (:meth:`CaseReader.identifier_totals`). On the 5 GB dump (42.7 million records, 128
million identifier rows, 2 cores) they cost 10 s and 14-18 s of DuckDB passes, counted once at the end of the scan
and again by every report (65 s, of which these were 24 s).

The scan counts them once, after sealing its results: the figures are kept in the case's metadata
(``counted_figures``, canonical JSON) and a signed custody entry names their SHA-256, the seal's digest and the
headline totals (records, people), so the annex of every report shows what was counted and when, in a few lines
whatever the number of establishments. A reader takes them only when that entry still describes the case: it is
the last entry of its kind, after the last seal and the last scan start, its hash and its case-key signature
check, the kept figures hash to the SHA-256 it names, and the digest it names is the digest of the result files
registered now (a shard edited in place is reported by ``balise case verify``; the logged figures are those of
the sealed results). Anything else (a case sealed before this entry existed, an unsigned case, a resumed scan, a
chain that does not check) falls back to counting again: the figures are then exactly those a fresh count gives,
as the tests check on the demo.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from workbench.engine.store import report_queries as q
from workbench.engine.store.casekey import verify_entry
from workbench.engine.store.metadata import CaseStore, _chain_hash, results_digest
from workbench.engine.store.reader import CaseReader

__all__ = ["COUNTED_ACTION", "CountedFigures", "case_figures", "log_counted", "logged_figures"]

COUNTED_ACTION = "results-counted"
COUNTED_META = "counted_figures"
# Entries after which the logged figures no longer describe the results: a new seal, or a scan that started
# (a resumed or extended scan changes the results before it seals again).
_RESETS = ("results-sealed", "scan-started")


@dataclass(frozen=True)
class CountedFigures:
    """Figures logged by a scan: ``records`` as :func:`report_queries.record_figures` returns them,
    ``identifiers`` as :meth:`CaseReader.identifier_totals`; ``seq``: the custody entry they were read from
    (None: counted from the results just now)."""

    records: dict[str, Any]
    identifiers: dict[str, dict[str, int]]
    seq: int | None = None


def _canonical(records: dict[str, Any], identifiers: dict[str, dict[str, int]]) -> str:
    return json.dumps({"identifiers": identifiers, "records": records}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def log_counted(store: CaseStore, digest: str, records: dict[str, Any],
                identifiers: dict[str, dict[str, int]]) -> None:
    """Keep the figures counted over the results sealed as ``digest`` and log their SHA-256 (custody)."""
    text = _canonical(records, identifiers)
    with store.transaction():
        store.set_meta(COUNTED_META, text)
    total = records.get("total", {})
    store.log("balise", COUNTED_ACTION, {"digest": digest,
                                         "figures_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                                         "records": total.get("records", 0), "patients": total.get("patients", 0)})


def case_figures(reader: CaseReader, *, use_log: bool = True) -> CountedFigures:
    """The case's record figures and identifier totals: logged by the scan when they still describe the case
    (and ``use_log``: a caller whose chain check failed passes False), else counted now."""
    logged = logged_figures(reader) if use_log else None
    if logged is not None:
        return logged
    return CountedFigures(records=q.record_figures(reader), identifiers=reader.identifier_totals())


def logged_figures(reader: CaseReader) -> CountedFigures | None:
    """The figures of the last ``results-counted`` entry when they still describe the case's results, else None
    (see the module's docstring for each condition)."""
    entries = reader.custody()
    last = next((e for e in reversed(entries) if e["action"] == COUNTED_ACTION), None)
    if last is None or any(e["seq"] > last["seq"] and e["action"] in _RESETS for e in entries):
        return None
    public = reader.meta_value("case_public_key")
    if not public or not verify_entry(public, last["hash"], last.get("sig")):
        return None
    if _chain_hash(last["prev_hash"], last["seq"], last["ts_utc"], last["actor"], last["action"],
                   last["detail"]) != last["hash"]:
        return None
    text = reader.meta_value(COUNTED_META)
    try:
        detail = json.loads(last["detail"])
        digest, sha = detail["digest"], detail["figures_sha256"]
        if text is None or hashlib.sha256(text.encode("utf-8")).hexdigest() != sha:
            return None
        figures = json.loads(text)
        records, identifiers = figures["records"], figures["identifiers"]
    except (ValueError, KeyError, TypeError):
        return None
    registered = reader.meta_rows("SELECT path, sha256 FROM shards")
    if digest != results_digest((r["path"], r["sha256"]) for r in registered):
        return None
    return CountedFigures(records=records, identifiers=identifiers, seq=int(last["seq"]))
