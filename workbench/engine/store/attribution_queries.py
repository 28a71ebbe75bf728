"""The set-based queries of attribution (the policy lives in :mod:`workbench.engine.attribution`).

Attribution used to update SQLite rows one statement per container and loop over every unattributed record in
Python for explicit identifiers (minutes on millions of records). Here the records are joined, in DuckDB, with
small tables built by the policy: the claims of beacons (containers proven by a canary or a watermark), the
registry's answer for each *distinct* facility value, and the registered numbering patterns; the result is
written once as ``CASE/shards/attribution.parquet``.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from workbench.engine.store.reader import CaseReader
from workbench.engine.store.schema import ATTRIBUTION_FILE, PART_SUFFIX, SHARDS_DIR

# What the policy hands over. Scope: "table" (item + tbl), "item" (every record of the item), "study" (every
# record whose dicom_uid is study_uid). ``extends``: the claim reaches beyond the container where the beacon
# was found, so a record that contradicts it (its own explicit establishment, or another institution) is left
# out and reported.
CLAIMS = pa.schema([("rank", pa.int32()), ("basis", pa.string()), ("scope", pa.string()), ("item", pa.string()),
                    ("tbl", pa.string()), ("study_uid", pa.string()), ("institution", pa.string()),
                    ("establishment", pa.string()), ("recipient", pa.string()), ("confidence", pa.string()),
                    ("proof", pa.string()), ("extends", pa.bool_())])
VALUE_MAP = pa.schema([("value", pa.string()), ("establishment", pa.string())])
PATTERNS = pa.schema([("pattern", pa.string()), ("establishment", pa.string())])
EXPLICIT_FIELDS = ("facility_finess", "facility_code", "dicom_uid", "facility_name")  # in order of preference


def beacon_claim_inputs(reader: CaseReader, watermark_threshold: float) -> tuple[list[dict], list[dict]]:
    """Confirmed canary hits and watermark detections below the threshold, each with its item's kind and, in a
    DICOM item, the study UID and institution of the record where it was found."""
    join = ("LEFT JOIN items it ON it.vpath = h.item "
            "LEFT JOIN (SELECT item, locator, any_value(dicom_uid) AS study_uid, "
            "any_value(facility_name) AS institution FROM records_raw "
            "WHERE item IN (SELECT vpath FROM items WHERE kind = 'dicom') GROUP BY item, locator) r "
            "ON r.item = h.item AND r.locator = h.locator")
    canaries = reader.arrow(
        f"SELECT h.beacon_id, h.establishment, h.recipient, h.item, h.locator, h.container, it.kind, "
        f"r.study_uid, r.institution FROM beacon_hits h {join} "
        f"WHERE h.status = 'confirmed' AND h.kind = 'canary-patient' ORDER BY h.item, h.locator, h.beacon_id",
        needs=("items",)).to_pylist()
    marks = reader.arrow(
        f"SELECT h.kind AS mark, h.establishment, h.recipient, h.item, h.locator, h.container, it.kind, "
        f"h.p_value, h.fraction, h.rows, h.detail, r.study_uid, r.institution FROM watermark_hits h {join} "
        f"WHERE h.p_value < ? ORDER BY h.item, h.locator", (watermark_threshold,), needs=("items",)).to_pylist()
    return canaries, marks


def distinct_values(reader: CaseReader, column: str, limit: int = 5_000_000) -> list[str]:
    """Distinct non-empty values of one record column (the registry is asked once per value, not per record)."""
    if column not in EXPLICIT_FIELDS + ("ipp",):
        raise ValueError(column)
    return [r[0] for r in reader.rows(
        f"SELECT DISTINCT {column} FROM records_raw WHERE {column} IS NOT NULL AND {column} <> '' LIMIT {limit}")]


def pattern_is_usable(reader: CaseReader, pattern: str) -> bool:
    """DuckDB's regular expressions (RE2) accept most registered patterns; Python-only syntax is matched in
    Python instead."""
    try:
        reader.rows("SELECT regexp_full_match('x', ?)", (pattern,))
        return True
    except Exception:  # duckdb raises its own error classes for a bad pattern
        return False


def write_attribution(reader: CaseReader, claims: pa.Table, maps: dict[str, pa.Table], patterns: pa.Table,
                      ipp_map: pa.Table, confidence: dict[str, str], max_ipp_len: int) -> dict:
    """Attribute every record in one pass and write ``attribution.parquet``.

    Returns ``{"bases": {basis: records}, "contradictions": [{item, establishment, claimed, basis, container,
    records}]}`` (records that a reaching claim did not take because they point elsewhere)."""
    duck = reader.duck
    with reader._lock:
        reader._ensure(("items",))
        duck.register("claims_in", claims)
        for field, table in maps.items():
            duck.register(f"map_{field}", table)
        duck.register("patterns_in", patterns)
        duck.register("ipp_map_in", ipp_map)
        explicit = " ".join(f"LEFT JOIN map_{f} m_{f} ON m_{f}.value = r.{f}" for f in EXPLICIT_FIELDS)
        explicit_est = "COALESCE(" + ", ".join(f"m_{f}.establishment" for f in EXPLICIT_FIELDS) + ")"
        explicit_field = "CASE " + " ".join(f"WHEN m_{f}.establishment IS NOT NULL THEN '{f}'"
                                            for f in EXPLICIT_FIELDS) + " END"
        explicit_value = "CASE " + " ".join(f"WHEN m_{f}.establishment IS NOT NULL THEN r.{f}"
                                            for f in EXPLICIT_FIELDS) + " END"
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE attr_rec AS SELECT r.rid, r.item, COALESCE(r.tbl, '') AS tbl, r.dicom_uid, "
            f"upper(trim(r.facility_name)) AS institution, trim(r.ipp) AS ipp, "
            f"{explicit_est} AS explicit_est, {explicit_field} AS explicit_field, {explicit_value} AS explicit_value "
            f"FROM records_raw r {explicit}")
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE attr_pattern AS SELECT rid, min(establishment) AS establishment FROM ("
            f"SELECT r.rid, p.establishment FROM attr_rec r JOIN patterns_in p "
            f"ON r.explicit_est IS NULL AND r.ipp IS NOT NULL AND length(r.ipp) BETWEEN 1 AND {int(max_ipp_len)} "
            f"AND regexp_full_match(r.ipp, p.pattern) "
            f"UNION SELECT r.rid, m.establishment FROM attr_rec r JOIN ipp_map_in m ON m.value = r.ipp "
            f"WHERE r.explicit_est IS NULL) GROUP BY rid HAVING count(DISTINCT establishment) = 1")
        # Every claim a record falls under, by equi-joins (an OR join would be a nested loop).
        duck.execute(
            "CREATE OR REPLACE TEMP TABLE attr_cand AS "
            "SELECT r.rid, r.item, r.explicit_est, r.institution AS rec_institution, c.* EXCLUDE (item) "
            "FROM attr_rec r JOIN claims_in c ON c.scope = 'table' AND c.item = r.item AND c.tbl = r.tbl "
            "UNION ALL SELECT r.rid, r.item, r.explicit_est, r.institution, c.* EXCLUDE (item) "
            "FROM attr_rec r JOIN claims_in c ON c.scope = 'item' AND c.item = r.item "
            "UNION ALL SELECT r.rid, r.item, r.explicit_est, r.institution, c.* EXCLUDE (item) "
            "FROM attr_rec r JOIN claims_in c ON c.scope = 'study' AND c.study_uid = r.dicom_uid")
        contradicts = ("(explicit_est IS NOT NULL AND explicit_est <> establishment) OR (explicit_est IS NULL AND "
                       "rec_institution IS NOT NULL AND rec_institution <> '' AND institution IS NOT NULL AND "
                       "institution <> '' AND rec_institution <> institution)")
        contradictions = [dict(zip(("item", "establishment", "claimed", "basis", "container", "records"), row,
                                   strict=True)) for row in duck.execute(
            f"SELECT item, explicit_est, establishment, basis, proof, count(*) FROM attr_cand "
            f"WHERE extends AND ({contradicts}) GROUP BY ALL ORDER BY item").fetchall()]
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE attr_beacon AS SELECT rid, arg_min(establishment, rank) AS establishment, "
            f"arg_min(recipient, rank) AS recipient, arg_min(basis, rank) AS basis, "
            f"arg_min(confidence, rank) AS confidence, arg_min(proof, rank) AS proof FROM attr_cand "
            f"WHERE NOT extends OR NOT ({contradicts}) GROUP BY rid")
        out = Path(reader.dir) / SHARDS_DIR / ATTRIBUTION_FILE
        part = out.with_name(out.name + PART_SUFFIX)
        part.parent.mkdir(parents=True, exist_ok=True)
        c_id, c_pat = confidence["identifier"], confidence["pattern"]
        duck.execute(
            f"COPY (SELECT r.rid, "
            f"COALESCE(b.establishment, r.explicit_est, p.establishment) AS establishment, "
            f"b.recipient AS recipient, "
            f"CASE WHEN b.rid IS NOT NULL THEN b.basis WHEN r.explicit_est IS NOT NULL THEN 'identifier' "
            f"ELSE 'pattern' END AS basis, "
            f"CASE WHEN b.rid IS NOT NULL THEN b.confidence WHEN r.explicit_est IS NOT NULL THEN '{c_id}' "
            f"ELSE '{c_pat}' END AS confidence, "
            f"CASE WHEN b.rid IS NOT NULL THEN b.proof WHEN r.explicit_est IS NOT NULL THEN "
            f"json_object('basis', 'identifier', 'field', r.explicit_field, 'value', r.explicit_value)::VARCHAR "
            f"ELSE json_object('basis', 'pattern', 'field', 'ipp', "
            f"'note', 'numbering format only: weak evidence')::VARCHAR END AS proof "
            f"FROM attr_rec r LEFT JOIN attr_beacon b ON b.rid = r.rid LEFT JOIN attr_pattern p ON p.rid = r.rid "
            f"WHERE b.rid IS NOT NULL OR r.explicit_est IS NOT NULL OR p.rid IS NOT NULL ORDER BY r.rid) "
            f"TO '{_sql_path(part)}' (FORMAT parquet, COMPRESSION zstd)")
        for name in ("attr_rec", "attr_pattern", "attr_cand", "attr_beacon"):
            duck.execute(f"DROP TABLE IF EXISTS {name}")
        for name in ("claims_in", "patterns_in", "ipp_map_in", *(f"map_{f}" for f in maps)):
            duck.unregister(name)
        part.replace(out)
    reader._refresh_shards(force=True)
    return {"bases": reader.basis_counts(), "contradictions": contradictions}


def clear_attribution(case_dir: Path) -> None:
    (Path(case_dir) / SHARDS_DIR / ATTRIBUTION_FILE).unlink(missing_ok=True)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
