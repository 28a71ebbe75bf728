"""The report's queries: every figure of report.json, the records CSV and the PDF, read through a :class:`CaseReader`.

Each function takes a reader and returns plain data (dicts, lists, tuples); :mod:`workbench.report.model` turns
them into the typed report model. Queries over the results (records, identifiers, beacon and watermark hits) run
in DuckDB and aggregate whole columns, so their cost does not depend on Python and their memory is bounded by
DuckDB's limit (it spills into the case folder); queries of the metadata alone (items, findings, errors, evidence,
custody) run in SQLite, where those tables are indexed. Nothing here loops over records in Python.

Records are grouped by ``establishment`` with ``GROUPING SETS``: one pass over the records gives the records and
date spans of each establishment, of each (establishment, recipient), of the unattributed records (establishment
``NULL``) and of the whole case, so the totals and the parts can never be computed two different ways. Distinct
patients cannot be summed from parts: :func:`_distinct_patients` counts them exactly in the fewest passes.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from workbench.engine.store.causes import cause_sql
from workbench.engine.store.reader import WATERMARK_LOG10_P, CaseReader, sql_text

# A date the spans and the histogram trust: yyyy-mm-dd with a plausible year (what follows is ignored).
DATE_RE = r"^[12][0-9]{3}-[01][0-9]-[0-3][0-9]"
CATEGORIES = ("identity", "contact", "nir", "health-diagnosis", "health-result", "health-imaging", "administrative")
# String instances of a YARA finding (meta "matches"), 1 when the meta does not say (SQLite JSON functions).
_MATCHES = "COALESCE(CASE WHEN json_valid({t}meta) THEN CAST(json_extract({t}meta, '$.matches') AS INTEGER) END, 1)"
_LAST = "COALESCE(event_last, event_first)"


def _date_aggregates() -> str:
    """MIN of the valid first dates, MIN of the valid last dates (when a record has no first date) and MAX of
    the valid latest dates, as DuckDB aggregate expressions."""
    return (f"MIN(CASE WHEN regexp_matches(event_first, '{DATE_RE}') THEN substr(event_first, 1, 10) END), "
            f"MIN(CASE WHEN regexp_matches(event_last, '{DATE_RE}') THEN substr(event_last, 1, 10) END), "
            f"MAX(CASE WHEN regexp_matches({_LAST}, '{DATE_RE}') THEN substr({_LAST}, 1, 10) END)")


def _span(first_f: str | None, first_l: str | None, last: str | None) -> dict[str, str | None]:
    return {"first": first_f if first_f is not None else first_l, "last": last}


# -- records -------------------------------------------------------------------------------------------------
def record_figures(reader: CaseReader) -> dict[str, Any]:
    """Records, distinct patients and date span of the case, of the unattributed records, of each establishment
    and of each (establishment, recipient).

    Returns ``{"total": fig, "unattributed": fig, "establishments": {finess: fig}, "recipients": {finess:
    [fig + {"recipient"}]}}`` where ``fig`` is ``{"records", "patients", "first", "last"}``. Records and date
    spans come from one ``GROUPING SETS`` pass; the distinct patients from :func:`_distinct_patients`."""
    rows = reader.rows(
        "SELECT establishment, recipient, GROUPING(establishment) AS g_est, GROUPING(recipient) AS g_rcp, "
        f"COUNT(*), {_date_aggregates()} FROM records "
        "GROUP BY GROUPING SETS ((establishment, recipient), (establishment), ())")
    pairs, by_est, total_patients = _distinct_patients(reader)
    empty = {"records": 0, "patients": 0, "first": None, "last": None}
    out: dict[str, Any] = {"total": dict(empty), "unattributed": dict(empty), "establishments": {}, "recipients": {}}
    for est, rcp, g_est, g_rcp, n, first_f, first_l, last in rows:
        fig = {"records": int(n), **_span(first_f, first_l, last)}
        if g_est:
            out["total"] = {**fig, "patients": total_patients}
        elif g_rcp:
            fig["patients"] = by_est.get(est, 0)
            if est is None:
                out["unattributed"] = fig
            else:
                out["establishments"][est] = fig
        elif est is not None:
            out["recipients"].setdefault(est, []).append({"recipient": rcp, **fig, "patients": pairs.get((est, rcp), 0)})
    for recipients in out["recipients"].values():
        recipients.sort(key=lambda r: (-r["records"], r["recipient"] or ""))
    return out


def _distinct_patients(reader: CaseReader) -> tuple[dict[tuple, int], dict[str | None, int], int]:
    """Distinct patients per (establishment, recipient), per establishment and of the case, exact, in as few
    passes of ``COUNT(DISTINCT)`` as the groups allow.

    A distinct count cannot be summed from its parts, and each grouping set of a ``COUNT(DISTINCT)`` is its own
    hash table over every key: the three sets in one query took 24.4 s on 42.7 million records (5 GB dump, 2
    cores), one set 6.6 s. So the (establishment, recipient) pass runs first; an establishment with one
    recipient group has the same patients as that group, and a case of one establishment group (all records
    unattributed, or all from one establishment: the usual leak) the same as the case. Only establishments
    with several recipient groups, and a case of several establishments, cost another pass: exact every time.
    A pass that runs out of memory is done again by buckets of patients (:meth:`CaseReader.split_rows`)."""
    base = "SELECT establishment, recipient, patient_key FROM records"
    pairs: Counter = Counter()
    for est, rcp, n in reader.split_rows(base, "patient_key", "SELECT establishment, recipient, "
                                         "COUNT(DISTINCT patient_key) FROM {src} GROUP BY 1, 2"):
        pairs[(est, rcp)] += int(n or 0)  # by buckets: each patient counted in one
    groups = Counter(est for est, _rcp in pairs)
    by_est = {est: n for (est, _rcp), n in pairs.items() if groups[est] == 1}
    several = [est for est, g in groups.items() if g > 1]
    if several:
        named = [est for est in several if est is not None]
        where = " OR ".join(([f"establishment IN ({', '.join('?' * len(named))})"] if named else [])
                            + (["establishment IS NULL"] if None in several else []))
        for est, n in reader.split_rows(base, "patient_key", "SELECT establishment, COUNT(DISTINCT patient_key) "
                                        f"FROM {{src}} WHERE {where} GROUP BY 1", named):
            by_est[est] = by_est.get(est, 0) + int(n or 0)
    return dict(pairs), by_est, _case_wide_patients(reader, base, by_est)


def _case_wide_patients(reader: CaseReader, base: str, by_est: dict) -> int:
    """The distinct patients of all of ``base``'s rows: the establishment group's own figure when one group holds
    them all (the usual leak), else one more exact pass (by buckets if it runs out of memory)."""
    if len(by_est) <= 1:
        return next(iter(by_est.values()), 0)
    return sum(int(n or 0) for (n,) in reader.split_rows(base, "patient_key",
                                                         "SELECT COUNT(DISTINCT patient_key) FROM {src}"))


def basis_figures(reader: CaseReader) -> dict[str, list[dict[str, Any]]]:
    """Per attributed establishment: records per basis with the range of their confidence."""
    out: dict[str, list[dict[str, Any]]] = {}
    for est, basis, n, cmin, cmax in reader.rows(
            "SELECT establishment, basis, COUNT(*), MIN(TRY_CAST(confidence AS DOUBLE)), "
            "MAX(TRY_CAST(confidence AS DOUBLE)) FROM records WHERE establishment IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"):
        out.setdefault(est, []).append({"basis": basis, "records": int(n), "confidence_min": cmin,
                                        "confidence_max": cmax})
    return out


def category_figures(reader: CaseReader) -> dict[str | None, dict[str, dict[str, int]]]:
    """Records and distinct patients per data category: ``{None: case-wide, finess: of that establishment}``
    (the unattributed records count in the case-wide figures only).

    A record's categories are one string per combination (``identity,contact,nir``), and a case holds few
    combinations. So the records are counted per (establishment, combination), and the patients of a category
    are those of the combinations holding it: one exact ``COUNT(DISTINCT)`` per distinct set of combinations
    (categories held by the same combinations share it), never more passes than categories. The query this
    replaces unnested every record into its categories, a distinct-patient table per (establishment, category)
    and per category: 47 s for the 5 GB dump's 42.7 million records, split into 19 buckets written to disk;
    now one pass of 7.7 s there."""
    out: dict[str | None, dict[str, dict[str, int]]] = {None: zero_categories()}
    holders: dict[str, set[str]] = {c: set() for c in CATEGORIES}  # category -> the combinations holding it
    for est, combination, n in reader.rows("SELECT establishment, categories, COUNT(*) FROM records "
                                           "WHERE categories IS NOT NULL GROUP BY 1, 2"):
        for cat in _categories_of(combination):
            holders[cat].add(combination)
            out[None][cat]["records"] += int(n)
            if est is not None:
                out.setdefault(est, zero_categories())[cat]["records"] += int(n)
    sharing: dict[frozenset[str], list[str]] = {}
    for cat, combinations in holders.items():
        if combinations:
            sharing.setdefault(frozenset(combinations), []).append(cat)
    for combinations, cats in sharing.items():
        by_est, total = _patients_with(reader, sorted(combinations))
        for cat in cats:
            out[None][cat]["patients"] = total
            for est, n in by_est.items():
                if est is not None:
                    out[est][cat]["patients"] = n
    return out


def _categories_of(combination: str) -> list[str]:
    """The known categories a record's ``categories`` string names, each once (as the records are written:
    comma-separated, spaces ignored)."""
    return [c for c in dict.fromkeys(combination.replace(" ", "").split(",")) if c in CATEGORIES]


def _patients_with(reader: CaseReader, combinations: list[str]) -> tuple[dict[str | None, int], int]:
    """Distinct patients of the records whose categories are one of ``combinations``: per establishment, and
    case-wide (the establishment's own figure when one establishment group holds them all; else one more pass).
    A pass that runs out of memory is done again by buckets of patients (:meth:`CaseReader.split_rows`)."""
    base = ("SELECT establishment, patient_key FROM records "
            f"WHERE categories IN ({', '.join(sql_text(c) for c in combinations)})")
    by_est: Counter = Counter()
    for est, n in reader.split_rows(base, "patient_key",
                                    "SELECT establishment, COUNT(DISTINCT patient_key) FROM {src} GROUP BY 1"):
        by_est[est] += int(n or 0)  # by buckets: each patient counted in one
    return dict(by_est), _case_wide_patients(reader, base, by_est)


def zero_categories() -> dict[str, dict[str, int]]:
    return {c: {"records": 0, "patients": 0} for c in CATEGORIES}


def date_histogram(reader: CaseReader, *, establishment: str | None = None) -> dict[str, int]:
    """Records per month (``yyyy-mm``) of their latest date (of one establishment's records when given)."""
    where, params = ("AND establishment = ? ", (establishment,)) if establishment else ("", ())
    return {m: int(n) for m, n in reader.rows(
        f"SELECT substr({_LAST}, 1, 7) AS m, COUNT(*) FROM records WHERE regexp_matches({_LAST}, '{DATE_RE}') "
        f"{where}GROUP BY m ORDER BY m", params)}


def establishment_items(reader: CaseReader, finess: str) -> set[str]:
    """The items (paths) holding at least one record attributed to ``finess``."""
    return {r[0] for r in reader.rows("SELECT DISTINCT item FROM records WHERE establishment = ?", (finess,))}


def proof_samples(reader: CaseReader, per_basis: int = 20) -> dict[str, list[tuple[str, Any]]]:
    """Per attributed establishment, up to ``per_basis`` distinct proofs of each basis (first seen first), as
    ``(basis, parsed proof)``."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for est, basis, text in reader.rows(
            "SELECT establishment, basis, proof FROM ("
            "  SELECT establishment, basis, proof, MIN(rid) AS first FROM records "
            "  WHERE establishment IS NOT NULL AND proof IS NOT NULL GROUP BY 1, 2, 3) "
            "QUALIFY row_number() OVER (PARTITION BY establishment, basis ORDER BY first) <= ? "
            "ORDER BY establishment, basis, first", (per_basis,)):
        try:
            proof = json.loads(text)
        except (TypeError, ValueError):
            proof = {"proof": str(text)}
        out.setdefault(est, []).append((basis, proof))
    return out


def record_columns(reader: CaseReader, columns, *, establishment: str | None = None,
                   batch_rows: int = 100_000):
    """Every record's chosen columns (with its attribution) in record order, as Arrow batches."""
    return reader.record_rows(columns, establishment=establishment, batch_rows=batch_rows)


# -- beacons -------------------------------------------------------------------------------------------------
_LOC_ORDER = "length(locator), locator"  # row:2 before row:17


def canary_summary(reader: CaseReader) -> dict[str, dict[str, int]]:
    """Per establishment: distinct beacons by status (``confirmed``, ``partial``)."""
    out: dict[str, dict[str, int]] = {}
    for est, status, n in reader.rows("SELECT establishment, status, COUNT(DISTINCT beacon_id) FROM beacon_hits "
                                      "GROUP BY 1, 2"):
        out.setdefault(est, {})[status] = int(n)
    return out


def canary_groups(reader: CaseReader, *, per_establishment: int = 100,
                  max_locators: int = 6) -> dict[str, tuple[list[dict[str, Any]], int]]:
    """Canary matches grouped by (establishment, beacon, item, status), confirmed first, each with its first
    locators and the person fields of the record at its first locator. Returns ``{finess: (groups, all
    groups)}``."""
    rows = reader.arrow(
        "WITH g AS ("
        "  SELECT establishment, beacon_id, item, status, COUNT(*) AS hits, "
        f"   first(recipient ORDER BY {_LOC_ORDER}) AS recipient, first(kind ORDER BY {_LOC_ORDER}) AS kind, "
        f"   first(container ORDER BY {_LOC_ORDER}) AS container, first(fields ORDER BY {_LOC_ORDER}) AS fields, "
        f"   first(locator ORDER BY {_LOC_ORDER}) AS first_locator, "
        f"   list(locator ORDER BY {_LOC_ORDER})[1:{int(max_locators)}] AS locators "
        "  FROM beacon_hits GROUP BY establishment, beacon_id, item, status), "
        "ranked AS ("
        "  SELECT *, row_number() OVER (PARTITION BY establishment ORDER BY "
        "    CASE status WHEN 'confirmed' THEN 0 ELSE 1 END, item, length(first_locator), first_locator, "
        "    beacon_id) AS n, COUNT(*) OVER (PARTITION BY establishment) AS groups FROM g), "
        "shown AS (SELECT * FROM ranked WHERE n <= ?), "
        "person AS ("
        "  SELECT r.item, r.locator, first(r.nir ORDER BY r.rid) AS nir, "
        "    first(r.family_name ORDER BY r.rid) AS family_name, first(r.given_name ORDER BY r.rid) AS given_name "
        "  FROM records_raw r JOIN (SELECT DISTINCT item, first_locator FROM shown) k "
        "    ON r.item = k.item AND r.locator = k.first_locator GROUP BY r.item, r.locator) "
        "SELECT s.*, p.nir, p.family_name, p.given_name FROM shown s "
        "LEFT JOIN person p ON p.item = s.item AND p.locator = s.first_locator ORDER BY s.establishment, s.n",
        (per_establishment,)).to_pylist()
    out: dict[str, tuple[list[dict[str, Any]], int]] = {}
    for r in rows:
        groups, _ = out.get(r["establishment"], ([], 0))
        groups.append({"beacon_id": r["beacon_id"], "kind": r["kind"], "recipient": r["recipient"],
                       "status": r["status"], "item": r["item"], "container": r["container"],
                       "fields": _json_list(r["fields"]), "locators": list(r["locators"] or []),
                       "hits": int(r["hits"]), "nir": r["nir"], "family_name": r["family_name"],
                       "given_name": r["given_name"]})
        out[r["establishment"]] = (groups, int(r["groups"]))
    return out


def beacon_hits(reader: CaseReader) -> list[dict[str, Any]]:
    """Every canary match (they come in dozens, not millions), fields parsed."""
    return [{**h, "fields": _json_list(h["fields"])} for h in reader.beacon_hits()]


def watermark_hits(reader: CaseReader) -> list[dict[str, Any]]:
    """Every watermark detection, strongest first, with the Tardos accusation of a table mark (``accusation``:
    score, threshold, cells, recipients tested, error bound; None for an image or an older case)."""
    rows = reader.arrow(f"SELECT item, locator, container, kind, establishment, recipient, rows, p_value, fraction, "
                        f"{WATERMARK_LOG10_P} AS log10_p, detail FROM watermark_hits "
                        f"ORDER BY log10_p, item, locator, kind").to_pylist()
    for row in rows:
        detail = row.pop("detail")
        try:
            accusation = json.loads(detail).get("accusation") if detail else None
        except (ValueError, AttributeError):
            accusation = None
        row["accusation"] = accusation if isinstance(accusation, dict) else None
    return rows


def conflicts(reader: CaseReader) -> list[dict[str, Any]]:
    """Containers claimed by several establishments, with the claimants as a list."""
    out = []
    for row in reader.conflicts():
        ests = row.get("establishments")
        try:
            parsed = json.loads(ests) if isinstance(ests, str) else ests
        except ValueError:
            parsed = [e.strip() for e in str(ests).split(",") if e.strip()]
        row["establishments"] = [str(e) for e in parsed] if isinstance(parsed, list) else [str(parsed)]
        with contextlib.suppress(ValueError):
            row["detail"] = json.loads(row["detail"]) if isinstance(row.get("detail"), str) else row.get("detail")
        out.append(row)
    return out


# -- identifiers -------------------------------------------------------------------------------------------------
def top_identifiers(reader: CaseReader, types: tuple[str, ...] = ("nir", "iban", "email", "phone"),
                    per_type: int = 5) -> list[dict[str, Any]]:
    """The most frequent values of each personal identifier type, with their occurrences and items.

    One top-N query per type over the occurrences summed per value (``ORDER BY ... LIMIT``), then the items of
    those few values alone. The forms this replaces grouped every value per item first (a second hash table over
    every row): a grouped ``COUNT(DISTINCT)`` ran out of the reader's 488 MiB on a 2 GB dump; grouping by item,
    then value, ran out on a 5 GB dump (128 million identifier rows) and, split into buckets written to disk,
    took 65 s there; this form takes 24 s (one pass per type, 5 to 8.5 s each; the four types in one query
    ran out of memory in one run of two; then 1.5 s for the items). A pass that runs out of memory is done again
    by buckets of values (:meth:`CaseReader.split_rows`), whose top lists merge exactly (a value's rows all in
    one bucket).
    """
    top: list[tuple[str, str, int]] = []
    for t in types:  # one type at a time: the four in one query ran out of memory where each alone fits
        of_type = f"SELECT value, count FROM identifiers WHERE type = {sql_text(t)}"
        rows = reader.split_rows(of_type, "value", "SELECT value, SUM(count) AS n FROM {src} "
                                 "GROUP BY value ORDER BY n DESC, value LIMIT ?", [per_type])
        rows.sort(key=lambda r: (-int(r[1] or 0), r[0]))  # by buckets: each bucket's top list, merged
        top += [(t, v, int(n or 0)) for v, n in rows[:per_type]]
    if not top:
        return []
    values = sorted({v for _t, v, _n in top})
    items = {(t, v): int(k) for t, v, k in reader.rows(
        f"SELECT type, value, COUNT(DISTINCT item) FROM identifiers WHERE value IN ({', '.join('?' * len(values))}) "
        "GROUP BY type, value", values)}
    return [{"type": t, "value": v, "hits": n, "items": items.get((t, v), 0)} for t, v, n in top]


def person_names(reader: CaseReader, limit: int = 2_000_000) -> frozenset[str]:
    """The distinct family, birth and given names of the case's records, case and accents folded
    (:func:`workbench.engine.masking.fold_name`), of 3 letters or more: item paths named after a patient are
    masked with them in the report. The words of a name count one by one and joined ("LE GOFF": "goff" and
    "legoff", as file names write it). At
    most ``limit`` names (a dump's distinct names are far fewer; the bound keeps memory fixed)."""
    from workbench.engine.masking import NAME_MIN_LETTERS, fold_name

    rows = reader.rows(
        "WITH n AS (SELECT lower(strip_accents(n)) AS n FROM (SELECT family_name AS n FROM records_raw "
        "  UNION ALL SELECT birth_name FROM records_raw UNION ALL SELECT given_name FROM records_raw) "
        "  WHERE n IS NOT NULL) "
        "SELECT DISTINCT w FROM (SELECT unnest(regexp_split_to_array(n, '[^[:alpha:]''-]+')) AS w FROM n "
        "  UNION ALL SELECT regexp_replace(n, '[^[:alpha:]]+', '', 'g') FROM n) "  # "LE GOFF" as "legoff" too
        f"WHERE length(w) >= {NAME_MIN_LETTERS} LIMIT {int(limit)}")
    return frozenset(fold_name(r[0]) for r in rows)


def results_present(reader: CaseReader) -> dict[str, bool]:
    """Which result tables hold at least one row (the detectors that produced something)."""
    row = reader.rows("SELECT EXISTS(SELECT 1 FROM identifiers), EXISTS(SELECT 1 FROM records_raw), "
                      "EXISTS(SELECT 1 FROM beacon_hits), EXISTS(SELECT 1 FROM watermark_hits)")[0]
    return dict(zip(("identifiers", "records", "canary", "watermark"), (bool(v) for v in row), strict=True))


# -- metadata (SQLite) ------------------------------------------------------------------------------------------
def evidence_file_counts(reader: CaseReader) -> dict[int, int]:
    return {r[0]: r[1] for r in reader.meta_rows("SELECT evidence_id, COUNT(*) FROM evidence_files "
                                                 "GROUP BY evidence_id")}


def item_figures(reader: CaseReader) -> dict[str, Any]:
    """Items per kind (count and bytes) and per status."""
    kinds = [{"kind": r[0], "items": r[1], "bytes": r[2]} for r in reader.meta_rows(
        "SELECT COALESCE(kind, '?'), COUNT(*), COALESCE(SUM(size), 0) FROM items GROUP BY 1 ORDER BY 2 DESC, 1")]
    status = {r[0] or "unknown": r[1] for r in reader.meta_rows(
        "SELECT status, COUNT(*) FROM items GROUP BY status ORDER BY 2 DESC, 1")}
    return {"kinds": kinds, "status": status, "items": sum(k["items"] for k in kinds)}


def error_figures(reader: CaseReader, limit: int = 1_000) -> dict[str, Any]:
    """The first ``limit`` item errors with their cause (``engine.error_causes``), their total and the number of
    distinct failed items."""
    total, items = reader.meta_rows("SELECT COUNT(*), COUNT(DISTINCT vpath) FROM errors")[0]
    rows = reader.meta_rows(f"SELECT vpath, stage, error, {cause_sql('error', 'stage')} FROM errors ORDER BY id "
                            "LIMIT ?", (limit,))
    return {"total": total, "items": items,
            "errors": [{"item": r[0], "stage": r[1], "error": r[2], "cause": r[3]} for r in rows]}


_FAILED = ("FROM items i LEFT JOIN (SELECT item_id, MIN(id) AS id FROM errors GROUP BY item_id) f "
           "ON f.item_id = i.id LEFT JOIN errors e ON e.id = f.id WHERE i.status IS NOT NULL AND i.status <> 'done'")
_FAILED_CAUSE = cause_sql("COALESCE(e.error, i.error)", "COALESCE(i.error_stage, e.stage)", "i.status")


def failed_items(reader: CaseReader, limit: int = 1_000) -> tuple[list[dict[str, Any]], int]:
    """Items not analysed in full (in error, analysed in part, encrypted without a working password, not read),
    each with its status, stage, first error and cause (an encrypted member has no error row: its status says
    why), and how many there are. The report lists them under failed items, the command line names them."""
    total = reader.meta_one("SELECT COUNT(*) FROM items WHERE status IS NOT NULL AND status <> 'done'") or 0
    rows = reader.meta_rows(
        "SELECT i.vpath, i.status, i.kind, COALESCE(i.error_stage, e.stage) AS stage, COALESCE(e.error, i.error) "
        f"AS error, {_FAILED_CAUSE} AS cause {_FAILED} ORDER BY i.id LIMIT ?", (limit,))
    return [{"item": r[0], "status": r[1], "kind": r[2], "stage": r[3], "error": r[4], "cause": r[5]}
            for r in rows], total


def failed_causes(reader: CaseReader) -> dict[str, int]:
    """Items not analysed in full per cause, every one of them (not only the listed ones), most first."""
    rows = reader.meta_rows(f"SELECT {_FAILED_CAUSE} AS cause, COUNT(*) AS n {_FAILED} GROUP BY 1 ORDER BY 2 DESC, 1")
    return {r[0]: int(r[1]) for r in rows}


def findings(reader: CaseReader, limit: int = 10_000) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` findings with their item's path, and the total."""
    total = reader.meta_one("SELECT COUNT(*) FROM findings") or 0
    rows = reader.meta_rows(
        "SELECT f.detector, f.rule, f.namespace, f.offset, f.layer, f.excerpt, f.severity, f.tags, i.vpath "
        "FROM findings f JOIN items i ON i.id = f.item_id ORDER BY f.id LIMIT ?", (limit,)) if limit else []
    return [{"detector": r["detector"], "rule": r["rule"], "namespace": r["namespace"], "item": r["vpath"],
             "offset": r["offset"], "layer": r["layer"], "severity": r["severity"],
             "tags": _json_list(r["tags"]), "excerpt": r["excerpt"]} for r in rows], total


def rule_stats(reader: CaseReader, limit: int = 60, top: int = 3) -> tuple[list[dict[str, Any]], int]:
    """Per (detector, rule), most items first: findings, items, string matches, worst severity, the ``top`` items
    with most matches and the first excerpt. Returns (rules, number of distinct rules)."""
    rules = []
    for r in reader.meta_rows(
            "WITH a AS (SELECT detector, rule, COUNT(*) AS n, COUNT(DISTINCT item_id) AS items, "
            f"  SUM({_MATCHES.format(t='')}) AS matches, "
            "  MAX(CASE severity WHEN 'high' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END) AS sev, MIN(id) AS first_id "
            "  FROM findings GROUP BY detector, rule ORDER BY items DESC, n DESC, detector, rule LIMIT ?) "
            "SELECT a.*, f.excerpt FROM a LEFT JOIN findings f ON f.id = a.first_id "
            "ORDER BY a.items DESC, a.n DESC, a.detector, a.rule", (limit,)):
        rules.append({"detector": r["detector"], "rule": r["rule"], "findings": r["n"], "items": r["items"],
                      "matches": r["matches"], "severity": ("info", "warning", "high")[r["sev"] or 0],
                      "excerpt": r["excerpt"], "top_items": []})
    by_rule = {(r["detector"], r["rule"]): r for r in rules}
    if rules:
        for r in reader.meta_rows(
                "WITH a AS (SELECT detector, rule FROM findings GROUP BY detector, rule "
                "  ORDER BY COUNT(DISTINCT item_id) DESC, COUNT(*) DESC, detector, rule LIMIT ?), "
                f"per AS (SELECT f.detector, f.rule, f.item_id, SUM({_MATCHES.format(t='f.')}) AS n "
                "  FROM findings f JOIN a ON a.detector IS f.detector AND a.rule IS f.rule "
                "  GROUP BY f.detector, f.rule, f.item_id), "
                "ranked AS (SELECT *, row_number() OVER (PARTITION BY detector, rule ORDER BY n DESC, item_id) AS rk "
                "  FROM per) "
                "SELECT ranked.detector, ranked.rule, i.vpath, ranked.n FROM ranked JOIN items i ON i.id = ranked.item_id "
                "WHERE rk <= ? ORDER BY ranked.detector, ranked.rule, rk", (limit, top)):
            rule = by_rule.get((r[0], r[1]))
            if rule is not None:
                rule["top_items"].append({"item": r[2], "matches": r[3]})
    count = reader.meta_one("SELECT COUNT(*) FROM (SELECT 1 FROM findings GROUP BY detector, rule)") or 0
    return rules, count


def detectors_seen(reader: CaseReader) -> list[str]:
    """The detectors that produced something in this case."""
    seen = {r[0] for r in reader.meta_rows("SELECT DISTINCT detector FROM findings") if r[0]}
    seen |= {name for name, present in results_present(reader).items() if present}
    return sorted(seen)


def custody_tail(reader: CaseReader, limit: int = 1_000) -> tuple[list[dict[str, Any]], int]:
    """The last ``limit`` custody entries in order, and how many there are."""
    total = reader.meta_one("SELECT COUNT(*) FROM custody") or 0
    rows = reader.meta_rows("SELECT seq, ts_utc, actor, action, detail, hash FROM custody ORDER BY seq "
                            "LIMIT -1 OFFSET ?", (max(0, total - limit),))
    return [dict(r) for r in rows], total


ITEM_COLUMNS = ("vpath", "depth", "entry_type", "kind", "format", "size", "status", "error_stage", "extension",
                "ext_mismatch", "sha256")


def iter_items(reader: CaseReader, batch: int = 5_000) -> Iterator[list[dict[str, Any]]]:
    """Every item in id order, in batches (keyset pages: bounded memory whatever the number of items)."""
    last = -1
    cols = ", ".join(ITEM_COLUMNS)
    while True:
        rows = reader.meta_rows(f"SELECT id, {cols} FROM items WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
        if not rows:
            return
        last = rows[-1]["id"]
        yield [{c: r[c] for c in ITEM_COLUMNS} for r in rows]


def evidence_summary(reader: CaseReader) -> tuple[int, int]:
    """Number of evidence and their total bytes."""
    row = reader.meta_rows("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM evidence")[0]
    return int(row[0]), int(row[1])


def establishment_names(reader: CaseReader) -> dict[str, str]:
    """Names of the registry's establishments, as recorded in the case (``establishment:FINESS``)."""
    return {r[0].split(":", 1)[1]: r[1] for r in reader.meta_rows(
        "SELECT key, value FROM case_meta WHERE key LIKE 'establishment:%'")}


def _json_list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except (TypeError, ValueError):
        return [str(text)]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
