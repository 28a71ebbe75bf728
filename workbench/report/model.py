"""The report model: every fact of a case's report, read once through the case's reading API into frozen dataclasses.

:func:`build_report_model` reads the case (:class:`workbench.engine.store.CaseReader` and the queries of
:mod:`workbench.engine.store.report_queries`); ``report.json`` (:func:`report_json`), the records CSV and the PDF
sections are views of one :class:`ReportModel`, so the JSON and the PDF can never disagree on establishments,
recipients, date spans or figures. The model holds values in clear, like the case store; masking is the views'
job (the PDF masks through :class:`workbench.report.redact.Redactor`, the JSON masks finding excerpts).

Streams that grow with the dump (every record for the CSV, every item for the PDF's item annex) are not in the
model: the views read them in batches through the reader.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench import TOOL_NAME, __version__
from workbench.engine.evidence import utc_now
from workbench.engine.model import IDENTIFIER_TYPES
from workbench.engine.store import report_queries as q
from workbench.engine.store.counted import case_figures
from workbench.engine.store.custody import CaseCheck, ChainCheck, verify_chain
from workbench.engine.store.reader import CaseReader

BASIS_ORDER = ("canary", "watermark", "identifier", "pattern")
CASE_KEYS = ("case_number", "title", "analyst", "organisation", "created_utc", "registry_path", "custody_head",
             "custody_count")
WATERMARK_ACCEPT = 1e-6  # a watermark proves origin only below this p-value (DESIGN.md)


@dataclass(frozen=True)
class Span:
    """Earliest and latest event dates (yyyy-mm-dd) of some records; the latest bounds when the data was taken."""
    first: str | None = None
    last: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"first": self.first, "last": self.last}


@dataclass(frozen=True)
class Figures:
    records: int = 0
    patients: int = 0
    span: Span = Span()


@dataclass(frozen=True)
class CategoryFigures:
    records: int = 0
    patients: int = 0


@dataclass(frozen=True)
class BasisFigures:
    basis: str
    records: int
    confidence_min: float | None
    confidence_max: float | None


@dataclass(frozen=True)
class RecipientFigures:
    recipient: str | None  # None: the establishment's own copy (no recipient named)
    records: int
    patients: int
    span: Span


@dataclass(frozen=True)
class Proof:
    basis: str
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class CanaryGroup:
    """Matches of one canary in one item, with the person fields of the record where it was first found."""
    beacon_id: str
    kind: str | None
    status: str
    item: str | None
    container: str | None
    recipient: str | None
    fields: tuple[str, ...]
    locators: tuple[str, ...]
    hits: int
    nir: str | None
    family_name: str | None
    given_name: str | None


@dataclass(frozen=True)
class BeaconHit:
    beacon_id: str
    kind: str | None
    establishment: str | None
    recipient: str | None
    item: str | None
    locator: str | None
    container: str | None
    status: str | None
    fields: tuple[str, ...]


@dataclass(frozen=True)
class WatermarkHit:
    item: str | None
    locator: str | None
    container: str | None
    kind: str | None
    establishment: str | None
    recipient: str | None
    rows: int | None
    p_value: float | None
    fraction: float | None
    log10_p: float | None = None  # the p-value's power of ten (p itself underflows to 0.0 on big tables)
    accusation: Mapping[str, Any] | None = None  # table marks: the Tardos accusation (score, threshold, bound)

    @property
    def accused(self) -> bool:
        """A recipient named by the Tardos code (not merely the establishment's mark present)."""
        return bool(self.accusation and self.accusation.get("accused"))


@dataclass(frozen=True)
class Establishment:
    """One attributed establishment: its figures, how it was attributed, to whom the leaked copy was made, when."""
    finess: str
    name: str | None
    records: int
    patients: int
    span: Span
    bases: tuple[BasisFigures, ...]  # strongest basis first
    recipients: tuple[RecipientFigures, ...]  # most records first
    proofs: tuple[Proof, ...]  # distinct proofs, strongest basis first
    categories: Mapping[str, CategoryFigures]
    canaries_confirmed: int
    canaries_partial: int
    canary_groups: tuple[CanaryGroup, ...]
    canary_groups_total: int
    watermarks: tuple[WatermarkHit, ...]  # strongest first

    @property
    def label(self) -> str:
        return f"{self.name} (FINESS {self.finess})" if self.name else f"FINESS {self.finess}"

    @property
    def strongest_basis(self) -> str:
        return self.bases[0].basis if self.bases else "none"

    @property
    def best_p_value(self) -> float | None:
        values = [w.p_value for w in self.watermarks if w.p_value is not None]
        return min(values) if values else None

    @property
    def best_log10_p(self) -> float | None:
        values = [w.log10_p for w in self.watermarks if w.log10_p is not None]
        return min(values) if values else None

    def basis_records(self) -> dict[str, int]:
        return {b.basis: b.records for b in self.bases}


@dataclass(frozen=True)
class EvidenceEntry:
    id: int
    path: str
    is_dir: bool
    size: int | None
    md5: str | None
    sha1: str | None
    sha256: str | None
    acquired_utc: str | None
    verified_utc: str | None
    unchanged: bool | None
    changes: tuple[str, ...]
    files: int


@dataclass(frozen=True)
class Summary:
    evidence: int
    bytes: int
    items: int
    records: int
    patients: int
    errors: int
    error_items: int
    findings: int
    items_by_kind: Mapping[str, int]


@dataclass(frozen=True)
class Conflict:
    item: str | None
    container: str | None
    basis: str | None
    establishments: tuple[str, ...]
    detail: Any = None


@dataclass(frozen=True)
class FindingEntry:
    detector: str | None
    rule: str | None
    namespace: str | None
    item: str | None
    offset: int | None
    layer: str | None
    severity: str | None
    tags: tuple[str, ...]
    excerpt: str | None


@dataclass(frozen=True)
class RuleStat:
    detector: str
    rule: str
    findings: int
    items: int
    matches: int
    severity: str
    top_items: tuple[tuple[str, int], ...]  # (item, matches)
    excerpt: str | None


@dataclass(frozen=True)
class ErrorEntry:
    item: str | None
    stage: str | None
    error: str | None
    cause: str = "other"  # engine.error_causes: truncated, damaged, encrypted, limit, special, crashed, other


@dataclass(frozen=True)
class FailedItem:
    """An item not analysed in full: in error, analysed in part, encrypted, not read."""
    item: str | None
    status: str | None
    kind: str | None
    stage: str | None
    error: str | None
    cause: str = "other"  # engine.error_causes


@dataclass(frozen=True)
class CustodyEntry:
    seq: int
    ts_utc: str | None
    actor: str | None
    action: str | None
    detail: str | None
    hash: str | None


@dataclass(frozen=True)
class CustodyCheck:
    """The custody chain as checked when the model was built; ``reverified``: the evidence was re-hashed then."""
    chain_ok: bool
    entries: int
    head: str | None
    problems: tuple[str, ...]
    reverified: bool
    # The result files re-hashed against the list sealed in the custody log (None: not checked for this report).
    results_ok: bool | None = None
    results_files: int = 0
    results_problems: tuple[str, ...] = ()
    # The case key that signs every custody entry: its fingerprint and raw public key (base64). Printed here so
    # that it is written down outside the case: a case re-keyed later no longer matches this report.
    case_key_id: str | None = None
    case_public_key: str | None = None
    # The custody entry (``results-counted``) whose figures the report's records, people and identifier totals
    # are; None: counted from the results for this report.
    figures_entry: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"chain_ok": self.chain_ok, "entries": self.entries, "head": self.head,
                "problems": list(self.problems), "evidence_reverified": self.reverified,
                "results_ok": self.results_ok, "result_files": self.results_files,
                "results_problems": list(self.results_problems), "case_key_id": self.case_key_id,
                "case_public_key": self.case_public_key, "figures_entry": self.figures_entry}


@dataclass(frozen=True)
class ItemKind:
    kind: str
    items: int
    bytes: int


@dataclass(frozen=True)
class OtherEstablishment:
    """Another establishment of the case, in a report scoped to one: counts only."""
    finess: str
    name: str | None
    records: int
    patients: int

    @property
    def label(self) -> str:
        return f"{self.name} (FINESS {self.finess})" if self.name else f"FINESS {self.finess}"


@dataclass(frozen=True)
class ReportModel:
    tool: Mapping[str, str]
    case: Mapping[str, str | None]
    meta: Mapping[str, str]
    generated_utc: str
    registry: Mapping[str, Any] | None
    bounds: Mapping[str, Any] | None
    evidence: tuple[EvidenceEntry, ...]
    summary: Summary
    identifiers: Mapping[str, Mapping[str, int]]
    top_identifiers: tuple[Mapping[str, Any], ...]
    rulesets: tuple[Mapping[str, Any], ...]
    establishments: tuple[Establishment, ...]
    establishment_names: Mapping[str, str]
    unattributed: Figures
    beacons: tuple[BeaconHit, ...]
    watermarks: tuple[WatermarkHit, ...]
    conflicts: tuple[Conflict, ...]
    findings: tuple[FindingEntry, ...]
    rule_stats: tuple[RuleStat, ...]
    rule_count: int
    errors: tuple[ErrorEntry, ...]
    categories: Mapping[str, CategoryFigures]
    date_span: Span
    date_histogram: Mapping[str, int]
    detectors: tuple[str, ...]
    item_kinds: tuple[ItemKind, ...]
    item_status: Mapping[str, int]
    custody: CustodyCheck
    custody_tail: tuple[CustodyEntry, ...]
    custody_total: int
    evidence_checks: tuple[Mapping[str, Any], ...] = field(default=())  # this build's re-verification, if any
    # rule files of the scan that did not compile: skipped, NOT applied (path, line, reason, sha256, origin)
    rules_skipped: tuple[Mapping[str, Any], ...] = field(default=())
    # A report for one establishment's DPO (``--establishment``): the FINESS it is for, and the other
    # establishments as counts only (their records and people are never detailed there).
    scope: str | None = None
    others: tuple[OtherEstablishment, ...] = ()
    failed: tuple[FailedItem, ...] = ()  # items not analysed in full (encrypted ones have no error row)
    failed_total: int = 0
    failed_causes: Mapping[str, int] = field(default_factory=dict)  # every failed item per cause, most first
    hash_sets: tuple[Mapping[str, Any], ...] = field(default=())  # known-good/bad sets the scan used, with SHA-256

    def est_label(self, finess: str | None) -> str:
        """``name (FINESS n)`` of a registry establishment, or the bare FINESS."""
        if not finess:
            return ""
        name = self.establishment_names.get(finess)
        return f"{name} (FINESS {finess})" if name else f"FINESS {finess}"

    def establishment(self, finess: str) -> Establishment | None:
        return next((e for e in self.establishments if e.finess == finess), None)

    @property
    def scoped(self) -> Establishment | None:
        """The establishment a scoped report is for (None: the whole case)."""
        return self.establishment(self.scope) if self.scope else None


# -- building -------------------------------------------------------------------------------------------------
class _ChainSource:
    """What :func:`verify_chain` reads of a store, served by a read-only reader (no write lock taken)."""

    def __init__(self, reader: CaseReader) -> None:
        self.dir = reader.dir
        self.custody = reader.custody
        self.meta = reader.meta_value


def build_report_model(source: Path | str | CaseReader, *, check: CaseCheck | None = None,
                       finding_limit: int = 10_000, error_limit: int = 1_000, custody_limit: int = 1_000,
                       canaries_per_establishment: int = 100) -> ReportModel:
    """Read every fact of the report from a case folder or an open reader.

    ``check``: the case verification just made (:func:`workbench.engine.store.custody.verify_case`), whose
    evidence results are then those of the model; without it the evidence shows its last recorded verification
    and only the custody chain is checked (no re-hash)."""
    if isinstance(source, CaseReader):
        return _build(source, check, finding_limit, error_limit, custody_limit, canaries_per_establishment)
    with CaseReader(Path(source)) as reader:
        return _build(reader, check, finding_limit, error_limit, custody_limit, canaries_per_establishment)


def _build(reader: CaseReader, check: CaseCheck | None, finding_limit: int, error_limit: int, custody_limit: int,
           canaries_per_establishment: int) -> ReportModel:
    reader.refresh()  # a verification or an attribution may have just changed the case
    meta = reader.meta()
    names = q.establishment_names(reader)
    chain: ChainCheck = check.chain if check is not None else verify_chain(_ChainSource(reader))  # type: ignore[arg-type]

    # Logged by the scan beside its seal and still describing the results, or counted now (store.counted): never
    # from a chain that does not check or from results found edited since the seal.
    results_ok = check is None or check.results is None or check.results.ok
    counted = case_figures(reader, use_log=chain.ok and results_ok)
    figures = counted.records
    bases = q.basis_figures(reader)
    cats = q.category_figures(reader)
    proofs = q.proof_samples(reader)
    canaries = q.canary_summary(reader)
    groups = q.canary_groups(reader, per_establishment=canaries_per_establishment)
    watermarks = tuple(WatermarkHit(**w) for w in q.watermark_hits(reader))

    establishments = []
    order = {b: i for i, b in enumerate(BASIS_ORDER)}
    for finess, fig in sorted(figures["establishments"].items(), key=lambda kv: (-kv[1]["records"], kv[0])):
        est_bases = sorted(bases.get(finess, []), key=lambda b: (order.get(b["basis"], 99), b["basis"]))
        est_proofs = sorted(proofs.get(finess, []), key=lambda p: order.get(p[0], 99))
        est_groups, total_groups = groups.get(finess, ([], 0))
        establishments.append(Establishment(
            finess=finess, name=names.get(finess), records=fig["records"], patients=fig["patients"],
            span=Span(fig["first"], fig["last"]),
            bases=tuple(BasisFigures(**b) for b in est_bases),
            recipients=tuple(RecipientFigures(r["recipient"], r["records"], r["patients"], Span(r["first"], r["last"]))
                             for r in figures["recipients"].get(finess, [])),
            proofs=tuple(Proof(b, p if isinstance(p, dict) else {"proof": p}) for b, p in est_proofs),
            categories={c: CategoryFigures(**v) for c, v in cats.get(finess, q.zero_categories()).items()},
            canaries_confirmed=canaries.get(finess, {}).get("confirmed", 0),
            canaries_partial=canaries.get(finess, {}).get("partial", 0),
            canary_groups=tuple(CanaryGroup(**{**g, "fields": tuple(g["fields"]), "locators": tuple(g["locators"])})
                                for g in est_groups),
            canary_groups_total=total_groups,
            watermarks=tuple(w for w in watermarks if w.establishment == finess)))

    checks = {c["path"]: c for c in check.evidence} if check is not None else {}
    file_counts = q.evidence_file_counts(reader)
    evidence = []
    for r in reader.evidence():
        c = checks.get(r["path"])
        unchanged = c["unchanged"] if c else (None if r["unchanged"] is None else bool(r["unchanged"]))
        changes = c["changes"] if c else (json.loads(r["changes"]) if r["changes"] else [])
        evidence.append(EvidenceEntry(
            id=r["id"], path=r["path"], is_dir=bool(r["is_dir"]), size=r["size"], md5=r["md5"], sha1=r["sha1"],
            sha256=r["sha256"], acquired_utc=r["acquired_utc"],
            verified_utc=c["verified_utc"] if c else r["verified_utc"], unchanged=unchanged,
            changes=tuple(changes), files=file_counts.get(r["id"], 0)))

    items = q.item_figures(reader)
    errors = q.error_figures(reader, limit=error_limit)
    found, findings_total = q.findings(reader, limit=finding_limit)
    rules, rule_count = q.rule_stats(reader)
    tail, custody_total = q.custody_tail(reader, limit=custody_limit)
    failed, failed_total = q.failed_items(reader, limit=error_limit)
    failed_causes = q.failed_causes(reader) if failed_total else {}
    n_evidence, n_bytes = q.evidence_summary(reader)
    totals = counted.identifiers
    total = figures["total"]
    unattributed = figures["unattributed"]
    return ReportModel(
        tool={"name": TOOL_NAME, "version": __version__},
        case={k: meta.get(k) for k in CASE_KEYS},
        meta=dict(meta),
        generated_utc=utc_now(),
        registry=_registry_info(meta),
        bounds=_bounds_info(meta),
        evidence=tuple(evidence),
        summary=Summary(evidence=n_evidence, bytes=n_bytes, items=items["items"], records=total["records"],
                        patients=total["patients"], errors=errors["total"], error_items=errors["items"],
                        findings=findings_total, items_by_kind=reader.items_by_kind()),
        identifiers={t: dict(totals.get(t, {"hits": 0, "unique": 0})) for t in IDENTIFIER_TYPES},
        top_identifiers=tuple(q.top_identifiers(reader)),
        rulesets=tuple(reader.rulesets()),
        rules_skipped=tuple(reader.rules_skipped()),
        establishments=tuple(establishments),
        establishment_names=names,
        unattributed=Figures(unattributed["records"], unattributed["patients"],
                             Span(unattributed["first"], unattributed["last"])),
        beacons=tuple(BeaconHit(**{k: h.get(k) for k in BeaconHit.__dataclass_fields__ if k != "fields"},
                                fields=tuple(h["fields"])) for h in q.beacon_hits(reader)),
        watermarks=watermarks,
        conflicts=tuple(Conflict(c.get("item"), c.get("container"), c.get("basis"), tuple(c["establishments"]),
                                 c.get("detail")) for c in q.conflicts(reader)),
        findings=tuple(FindingEntry(**{**f, "tags": tuple(f["tags"])}) for f in found),
        rule_stats=tuple(RuleStat(r["detector"], r["rule"], r["findings"], r["items"], r["matches"] or 0,
                                  r["severity"], tuple((t["item"], t["matches"]) for t in r["top_items"]),
                                  r["excerpt"]) for r in rules),
        rule_count=rule_count,
        errors=tuple(ErrorEntry(**e) for e in errors["errors"]),
        categories={c: CategoryFigures(**v) for c, v in cats[None].items()},
        date_span=Span(total["first"], total["last"]),
        date_histogram=q.date_histogram(reader),
        detectors=tuple(q.detectors_seen(reader)),
        item_kinds=tuple(ItemKind(**k) for k in items["kinds"]),
        item_status=items["status"],
        custody=CustodyCheck(chain.ok, chain.entries, chain.head, tuple(chain.problems), check is not None,
                             *_results_check(check), case_key_id=meta.get("case_key_id"),
                             case_public_key=meta.get("case_public_key"), figures_entry=counted.seq),
        custody_tail=tuple(CustodyEntry(**e) for e in tail),
        custody_total=custody_total,
        evidence_checks=tuple(check.evidence) if check is not None else (),
        failed=tuple(FailedItem(**f) for f in failed),
        failed_total=failed_total,
        failed_causes=failed_causes,
        hash_sets=_hash_sets(meta),
    )


def _results_check(check: CaseCheck | None) -> tuple[bool | None, int, tuple[str, ...]]:
    if check is None or check.results is None:
        return None, 0, ()
    return check.results.ok, check.results.files, tuple(check.results.problems)


def _hash_sets(meta: Mapping[str, str]) -> tuple[Mapping[str, Any], ...]:
    """The hash sets recorded by the scan (role, path, format, SHA-256, entries); none when the meta is absent or
    unreadable."""
    try:
        value = json.loads(meta.get("hash_sets") or "[]")
    except ValueError:
        return ()
    return tuple(v for v in value if isinstance(v, dict)) if isinstance(value, list) else ()


def _registry_info(meta: Mapping[str, str]) -> dict[str, Any] | None:
    if not meta.get("registry_path") and not meta.get("registry_authority"):
        return None
    return {"path": meta.get("registry_path"), "authority": meta.get("registry_authority"),
            "version": meta.get("registry_version"), "signature": meta.get("registry_signature"),
            "key_id": meta.get("registry_key_id")}


def _bounds_info(meta: Mapping[str, str]) -> dict[str, Any] | None:
    """The scan's bounds, stored as JSON or as a Python dict literal (never evaluated, only parsed)."""
    import ast

    text = meta.get("bounds")
    if not text:
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, TypeError):
            continue
        if isinstance(value, dict):
            return value
    return {"bounds": text}


# -- report.json ------------------------------------------------------------------------------------------------
def report_json(model: ReportModel, *, unmasked: bool = False, names: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``report.json`` (the DESIGN.md contract, extended): a view of the model. Unless ``unmasked``, finding
    excerpts, item paths and error messages are masked like in the PDF: their identifiers, and the words that
    are ``names`` of the case's people (:func:`workbench.engine.store.report_queries.person_names`;
    ``CR_moreau_BIO-7815491.pdf`` -> ``CR_m*****_BIO-7815491.pdf``). Evidence paths (the seals the analyst gave)
    and every hash stay in clear."""
    from workbench.report.redact import Redactor

    red = Redactor(unmasked, names)

    def path(value: str | None) -> str | None:  # an item path or a message naming one; None stays None
        return red.path(value) if value else value

    def paths(detail: Mapping[str, Any]) -> dict[str, Any]:
        return {k: path(v) if k in ("item", "container") and isinstance(v, str) else v for k, v in detail.items()}

    return {
        "tool": dict(model.tool),
        "case": dict(model.case),
        "evidence": [{"path": e.path, "size": e.size, "md5": e.md5, "sha1": e.sha1, "sha256": e.sha256,
                      "acquired_utc": e.acquired_utc, "verified_utc": e.verified_utc, "unchanged": e.unchanged,
                      "changes": list(e.changes)} for e in model.evidence],
        "summary": {"items": model.summary.items, "bytes": model.summary.bytes, "errors": model.summary.errors,
                    "records": model.summary.records, "patients": model.summary.patients,
                    "items_by_kind": dict(model.summary.items_by_kind), "evidence": model.summary.evidence,
                    "error_items": model.summary.error_items, "findings": model.summary.findings},
        "identifiers": {t: dict(v) for t, v in model.identifiers.items()},
        "rulesets": [dict(r) for r in model.rulesets],
        "rules_not_applied": [dict(r) for r in model.rules_skipped],
        "establishments": [establishment_json(e, paths) for e in model.establishments],
        "beacons": [{"beacon_id": b.beacon_id, "kind": b.kind, "establishment": b.establishment,
                     "recipient": b.recipient, "item": path(b.item), "locator": b.locator, "status": b.status,
                     "fields": list(b.fields)} for b in model.beacons],
        "watermarks": [{"item": path(w.item), "locator": w.locator, "kind": w.kind, "establishment": w.establishment,
                        "recipient": w.recipient, "rows": w.rows, "p_value": w.p_value, "log10_p": w.log10_p,
                        "fraction": w.fraction, "accused": w.accused,
                        "accusation": dict(w.accusation) if w.accusation else None}
                       for w in model.watermarks],
        "findings": [{"detector": f.detector, "rule": f.rule, "namespace": f.namespace, "item": path(f.item),
                      "offset": f.offset, "layer": f.layer, "severity": f.severity, "tags": list(f.tags),
                      "excerpt": f.excerpt if unmasked else red.text(f.excerpt)} for f in model.findings],
        "findings_total": model.summary.findings,
        "errors": [{**asdict(e), "item": path(e.item), "error": path(e.error)} for e in model.errors],
        "failed_items": [{**asdict(f), "item": path(f.item), "error": path(f.error)} for f in model.failed],
        "failed_causes": dict(model.failed_causes),
        "categories": {c: asdict(v) for c, v in model.categories.items()},
        "date_span": model.date_span.to_json(),
        "unattributed": {"records": model.unattributed.records, "patients": model.unattributed.patients,
                         "date_span": model.unattributed.span.to_json()},
        "registry": dict(model.registry) if model.registry else None,
        "conflicts": [{"item": path(c.item), "container": path(c.container), "basis": c.basis,
                       "establishments": list(c.establishments)} for c in model.conflicts],
        "custody_check": model.custody.to_json(),
        **({"scope": {"establishment": model.scope,
                      "others": [{"finess": o.finess, "name": o.name, "records": o.records, "patients": o.patients}
                                 for o in model.others]}} if model.scope else {}),
        "hash_sets": [dict(h) for h in model.hash_sets],
    }


def establishment_json(e: Establishment, paths: Callable[[Mapping[str, Any]], dict[str, Any]] = dict) -> dict[str, Any]:
    """One establishment of report.json: the contract's fields (``bases`` as record counts, ``evidence`` as the
    distinct proofs, their ``item`` and ``container`` shown through ``paths``), plus recipients, date spans,
    confidence ranges and beacon counts."""
    return {
        "finess": e.finess, "name": e.name, "records": e.records, "patients": e.patients,
        "bases": e.basis_records(),
        "confidence": {b.basis: {"min": b.confidence_min, "max": b.confidence_max} for b in e.bases},
        "recipients": [{"recipient": r.recipient, "records": r.records, "patients": r.patients,
                        "date_span": r.span.to_json()} for r in e.recipients],
        "date_span": e.span.to_json(),
        "canaries": {"confirmed": e.canaries_confirmed, "partial": e.canaries_partial},
        "best_p_value": e.best_p_value,
        "best_log10_p": e.best_log10_p,
        "evidence": [paths(p.detail) for p in e.proofs[:50]],
    }


def scope_to_establishment(model: ReportModel, finess: str, reader: CaseReader) -> ReportModel:
    """The model of a report for one establishment's data controller: its records, people, beacons and proofs in
    detail; every other establishment as counts only; nothing that describes another establishment's patients
    (their canary rows, watermarks, conflicts, the case-wide most frequent identifiers, rule excerpts from
    items that hold none of this establishment's records). ``ValueError`` if no record of the case is
    attributed to ``finess``."""
    est = model.establishment(finess)
    if est is None:
        known = ", ".join(e.finess for e in model.establishments) or "none"
        raise ValueError(f"no record of this case is attributed to FINESS {finess} (attributed: {known})")
    own_items = q.establishment_items(reader, finess)
    # a partial canary match (one field: a real person who shares a name) sits in someone else's record, maybe
    # another establishment's patient: its person is not shown; a confirmed canary is the planted, fictitious one
    groups = tuple(g if g.status == "confirmed" else replace(g, nir=None, family_name=None, given_name=None)
                   for g in est.canary_groups)
    rules = tuple(replace(r, top_items=tuple(t for t in r.top_items if t[0] in own_items),
                          excerpt=r.excerpt if any(t[0] in own_items for t in r.top_items) else None)
                  for r in model.rule_stats)
    return replace(
        model,
        scope=finess,
        establishments=(replace(est, canary_groups=groups),),
        others=tuple(OtherEstablishment(e.finess, e.name, e.records, e.patients)
                     for e in model.establishments if e.finess != finess),
        beacons=tuple(b for b in model.beacons if b.establishment == finess),
        watermarks=tuple(w for w in model.watermarks if w.establishment == finess),
        conflicts=tuple(c for c in model.conflicts if finess in c.establishments),
        findings=tuple(f for f in model.findings if f.item in own_items),
        rule_stats=rules,
        top_identifiers=(),
        categories=dict(est.categories),
        date_span=est.span,
        date_histogram=q.date_histogram(reader, establishment=finess),
    )


def build_report(case_dir: Path, *, unmasked: bool = False, finding_limit: int = 10_000) -> dict[str, Any]:
    """``report.json`` of a case as a dictionary (the dashboard and scripts use it)."""
    return report_json(build_report_model(case_dir, finding_limit=finding_limit), unmasked=unmasked)
