"""A case of 100,000 items (and as many records) renders in under a minute, with the item list as a CSV annex."""

from __future__ import annotations

import hashlib
import json
import random
import time

import pytest
from pypdf import PdfReader

from workbench.engine.casestore import CaseStore
from workbench.engine.evidence import take_in
from workbench.report.exports import write_reports

N_ITEMS = 100_000
CATS = ("identity,nir", "identity,contact,health-result", "identity,health-imaging,administrative")


def _build(tmp_path):
    evidence = tmp_path / "gros_dump.bin"
    evidence.write_bytes(random.Random(1).randbytes(2**20))
    rng = random.Random(7)
    with CaseStore(tmp_path / "case") as store:
        store.set_case_info({"case_number": "PERF-100K", "title": "Volume"})
        eid = store.add_evidence(take_in(evidence))
        with store.transaction():
            store.set_meta("registry_authority", "Test")
            store.set_meta("registry_signature", "ok")
            for k in range(5):
                store.set_meta(f"establishment:35099{k:03d}9", f"Établissement {k}")
            store.db.executemany(
                "INSERT INTO items(id, evidence_id, vpath, name, depth, kind, size, sha256, status) "
                "VALUES(?,?,?,?,?,?,?,?,?)",
                ((i, eid, f"gros_dump.bin!/lot{i // 1000:03d}/patients_{i:06d}.csv", f"patients_{i:06d}.csv", 1,
                  "csv", rng.randrange(100, 10**6), hashlib.sha256(str(i).encode()).hexdigest(), "done")
                 for i in range(1, N_ITEMS + 1)))
            store.db.executemany(
                "INSERT INTO records(item_id, locator, nir, family_name, event_first, event_last, categories, "
                "patient_key, establishment, basis, confidence, proof) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                ((i, "row:1", None, "NOM", f"20{rng.randrange(15, 25)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}",
                  None, CATS[i % 3], f"idt:{i % 60_000}", f"35099{i % 6:03d}9" if i % 6 < 5 else None,
                  "identifier" if i % 6 < 5 else "none", "0.90" if i % 6 < 5 else "0",
                  json.dumps({"basis": "identifier", "field": "facility_finess", "value": f"35099{i % 6:03d}9"}))
                 for i in range(1, N_ITEMS + 1)))
            store.db.executemany(
                "INSERT INTO findings(item_id, detector, rule, meta, offset, excerpt, severity) VALUES(?,?,?,?,?,?,?)",
                ((i, "yara", f"rule_{i % 40}", json.dumps({"matches": i % 7 + 1}), 0, "…", "info")
                 for i in range(1, N_ITEMS + 1)))
            store.db.executemany("INSERT INTO identifiers(item_id, type, value, count) VALUES(?,?,?,?)",
                                 ((i, "email", f"p{i % 50_000}@exemple.fr", 1) for i in range(1, N_ITEMS + 1)))
            store.db.executemany("INSERT INTO errors(item_id, vpath, stage, error) VALUES(?,?,?,?)",
                                 ((i, f"gros_dump.bin!/x/{i}", "records", "ValueError: bad row")
                                  for i in range(1, 2_001)))
    return tmp_path / "case"


@pytest.mark.slow
def test_hundred_thousand_items_under_a_minute(tmp_path):
    case_dir = _build(tmp_path)
    out = tmp_path / "out" / "rapport.pdf"
    t0 = time.perf_counter()
    written = write_reports(case_dir, pdf_path=out, lang="fr")
    elapsed = time.perf_counter() - t0
    assert elapsed < 60, f"report took {elapsed:.1f} s"
    annex = written["items-csv"]
    with open(annex, encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == N_ITEMS + 1
    pages = len(PdfReader(out).pages)
    assert pages < 60, f"{pages} pages: the item list must not be inlined"
    print(f"\n100k items: {elapsed:.1f} s, {pages} pages")
