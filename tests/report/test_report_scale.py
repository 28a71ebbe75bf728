"""A case of 100,000 items (and as many records) renders in under a minute, with the item list as a CSV annex."""

from __future__ import annotations

import hashlib
import json
import random
import time

import pyarrow as pa
import pytest
from pypdf import PdfReader

from workbench.engine.evidence import take_in
from workbench.engine.model import ItemError
from workbench.engine.store import schema
from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.shards import write_table
from workbench.report.exports import write_reports

N_ITEMS = 100_000
CATS = ("identity,nir", "identity,contact,health-result", "identity,health-imaging,administrative")


def _build(tmp_path):
    """Metadata rows straight into SQLite (100k items, findings), results as the Parquet shards a task writes."""
    evidence = tmp_path / "gros_dump.bin"
    evidence.write_bytes(random.Random(1).randbytes(2**20))
    rng = random.Random(7)
    case_dir = tmp_path / "case"
    with CaseStore(case_dir) as store:
        store.set_case_info({"case_number": "PERF-100K", "title": "Volume"})
        eid = store.add_evidence(take_in(evidence))
        with store.transaction():
            store.set_meta("registry_authority", "Test")
            store.set_meta("registry_signature", "ok")
            for k in range(5):
                store.set_meta(f"establishment:35099{k:03d}9", f"Établissement {k}")
            store.upsert_task("t1", eid, ["gros_dump.bin"], evidence.stat().st_size)
            seq = store.task_seq("t1")
            store.db.executemany(
                "INSERT INTO items(id, evidence_id, task_key, vpath, name, depth, kind, size, sha256, status) "
                "VALUES(?,?,?,?,?,?,?,?,?,?)",
                ((i, eid, "t1", _vpath(i), f"patients_{i:06d}.csv", 1, "csv", rng.randrange(100, 10**6),
                  hashlib.sha256(str(i).encode()).hexdigest(), "done") for i in range(1, N_ITEMS + 1)))
            store.db.executemany(
                "INSERT INTO findings(item_id, detector, rule, meta, offset, excerpt, severity) VALUES(?,?,?,?,?,?,?)",
                ((i, "yara", f"rule_{i % 40}", json.dumps({"matches": i % 7 + 1}), 0, "…", "info")
                 for i in range(1, N_ITEMS + 1)))
            for i in range(1, 2_001):
                store.add_error(ItemError(f"gros_dump.bin!/x/{i}", "records", "ValueError: bad row"))
            store.finish_task("t1", "done")
    ids = range(1, N_ITEMS + 1)
    rids = [(seq << schema.RID_TASK_SHIFT) + i for i in ids]
    columns = {f.name: pa.nulls(N_ITEMS, f.type) for f in schema.RECORDS}  # what the test leaves out is null
    columns.update({
        "item": pa.array([_vpath(i) for i in ids]), "locator": pa.array(["row:1"] * N_ITEMS),
        "family_name": pa.array(["NOM"] * N_ITEMS),
        "event_first": pa.array([f"20{rng.randrange(15, 25)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}"
                                 for _ in ids]),
        "categories": pa.array([CATS[i % 3] for i in ids]), "patient_key": pa.array([f"idt:{i % 60_000}" for i in ids])})
    columns.update({"rid": pa.array(rids, pa.int64()), "source": pa.array(["{}"] * N_ITEMS)})
    records = pa.table(columns, schema=schema.RECORDS)
    shards = case_dir / schema.SHARDS_DIR
    write_table(shards / "records" / "t1.parquet", records)
    attributed = [i for i in ids if i % 6 < 5]
    write_table(shards / schema.ATTRIBUTION_FILE, pa.table({
        "rid": pa.array([(seq << schema.RID_TASK_SHIFT) + i for i in attributed], pa.int64()),
        "establishment": pa.array([f"35099{i % 6:03d}9" for i in attributed]),
        "recipient": pa.nulls(len(attributed), pa.string()),
        "basis": pa.array(["identifier"] * len(attributed)), "confidence": pa.array(["0.90"] * len(attributed)),
        "proof": pa.array([json.dumps({"basis": "identifier", "field": "facility_finess",
                                       "value": f"35099{i % 6:03d}9"}) for i in attributed])},
        schema=schema.ATTRIBUTION))
    write_table(shards / "identifiers" / "t1.parquet", pa.table({
        "item": pa.array([_vpath(i) for i in ids]), "type": pa.array(["email"] * N_ITEMS),
        "value": pa.array([f"p{i % 50_000}@exemple.fr" for i in ids]), "count": pa.array([1] * N_ITEMS, pa.int64()),
        "first_offset": pa.array([0] * N_ITEMS, pa.int64())}, schema=schema.IDENTIFIERS))
    return case_dir


def _vpath(i: int) -> str:
    return f"gros_dump.bin!/lot{i // 1000:03d}/patients_{i:06d}.csv"


@pytest.mark.slow
def test_hundred_thousand_items_under_a_minute(tmp_path):
    case_dir = _build(tmp_path)
    out = tmp_path / "out" / "rapport.pdf"
    t0 = time.perf_counter()
    written = write_reports(case_dir, pdf_path=out, json_path=out.with_suffix(".json"),
                            records_csv=out.with_suffix(".csv"), lang="fr")
    elapsed = time.perf_counter() - t0
    assert elapsed < 60, f"report took {elapsed:.1f} s"
    annex = written["items-csv"]
    with open(annex, encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == N_ITEMS + 1
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert report["summary"]["records"] == N_ITEMS and len(report["establishments"]) == 5
    assert sum(e["records"] for e in report["establishments"]) + report["unattributed"]["records"] == N_ITEMS
    assert report["summary"]["patients"] == 60_000
    pages = len(PdfReader(out).pages)
    assert pages < 60, f"{pages} pages: the item list must not be inlined"
    print(f"\n100k items: {elapsed:.1f} s, {pages} pages")
