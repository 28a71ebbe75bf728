"""A small but real case written the way the scan writes one (metadata through CaseStore, results as Parquet
shards through TaskShards), without running a scan: the window's models are tested on it alone."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from workbench.engine.model import Finding, ItemInfo
from workbench.engine.store.metadata import CaseStore
from workbench.engine.store.schema import ATTRIBUTION, ATTRIBUTION_FILE, SHARDS_DIR
from workbench.engine.store.shards import TaskShards, write_table

FAMILY = ["MARTIN", "LE GOFF", "GUILLOU", "TANGUY", "LE BRIS", "MORVAN", None, "HERVÉ", "Éon"]
GIVEN = ["Jean", "Anne", "Yann", "Maïwenn", "Loïc", None]
ESTABLISHMENTS = {"350005179": "CHU de Rennes", "290000017": "CHU de Brest"}


@dataclass
class ShardCase:
    case: Path
    evidence: Path
    records: int
    items: list[str]


def _csv(rows: int, seed: int) -> tuple[bytes, pd.DataFrame]:
    fam = [FAMILY[(i * 7 + seed) % len(FAMILY)] for i in range(rows)]
    giv = [GIVEN[(i * 5 + seed) % len(GIVEN)] for i in range(rows)]
    nir = [None if i % 11 == 0 else f"{1 + i % 2}{(50 + i % 50):02d}{1 + i % 12:02d}35{(i * 37) % 1000:03d}"
           f"{(i * 13) % 1000:03d}{(i * 7) % 97:02d}" for i in range(rows)]
    born = [f"19{40 + i % 60:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(rows)]
    frame = pd.DataFrame({"locator": [f"row:{i + 1}" for i in range(rows)], "nir": nir, "family_name": fam,
                          "given_name": giv, "birth_date": born, "sex": ["M" if i % 2 else "F" for i in range(rows)],
                          "event_last": [f"2024-{1 + i % 12:02d}-15" for i in range(rows)],
                          "src.NOM": fam, "src.NIR": nir})
    text = "NOM;PRENOM;NIR;NE_LE\n" + "".join(f"{f or ''};{g or ''};{n or ''};{b}\n"
                                            for f, g, n, b in zip(fam, giv, nir, born, strict=True))
    return text.encode("utf-8"), frame


def build_shard_case(root: Path) -> ShardCase:
    root.mkdir(parents=True, exist_ok=True)
    patients, patients_frame = _csv(600, 1)
    labo, labo_frame = _csv(300, 2)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("labo.csv", labo)
    evidence = root / "leak.zip"
    with zipfile.ZipFile(evidence, "w") as z:
        z.writestr("export/patients.csv", patients)
        z.writestr("inner.zip", inner.getvalue())
    case = root / "case"
    top, pcsv, izip, lcsv = ("leak.zip", "leak.zip!/export/patients.csv", "leak.zip!/inner.zip",
                             "leak.zip!/inner.zip!/labo.csv")

    def sha(b: bytes) -> str:
        return hashlib.sha256(b).hexdigest()

    with CaseStore(case) as store:
        store.set_case_info({"case_number": "T-1", "analyst": "tests"})
        for finess, name in ESTABLISHMENTS.items():
            store.set_meta(f"establishment:{finess}", name)
        eid = store.register_evidence(str(evidence), False)
        store.upsert_task("t-top", eid, [top], evidence.stat().st_size)
        store.upsert_task("t-inner", eid, [top, izip], len(inner.getvalue()))
        store.commit()
        items = [
            ItemInfo(top, "leak.zip", 0, kind="archive", format="zip", size=evidence.stat().st_size,
                     sha256=sha(evidence.read_bytes())),
            ItemInfo(pcsv, "patients.csv", 1, top, kind="csv", size=len(patients), encoding="utf-8",
                     delimiter=";", sha256=sha(patients)),
            ItemInfo(izip, "inner.zip", 1, top, kind="archive", format="zip", size=len(inner.getvalue()),
                     sha256=sha(inner.getvalue())),
            ItemInfo(lcsv, "labo.csv", 2, izip, kind="csv", size=len(labo), encoding="utf-8", delimiter=";",
                     sha256=sha(labo)),
        ]
        for info in items:
            store.put_item(info, evidence_id=eid, task_key="t-inner" if "inner.zip" in info.vpath else "t-top")
        store.add_findings([Finding(pcsv, "yara", "health_export", offset=0, length=20, namespace="bundled",
                                    tags=["pii"], meta={"description": "patients"}, excerpt="NOM;PRENOM;NIR",
                                    severity="warning"),
                            Finding(lcsv, "yara", "lab_results", offset=5, length=7, namespace="bundled",
                                    excerpt="PRENOM"),
                            Finding(pcsv, "identifier", "nir", offset=40, length=15, excerpt="1500135***")])
        rids = []
        for key, vpath, frame in (("t-top", pcsv, patients_frame), ("t-inner", lcsv, labo_frame)):
            shards = TaskShards(case, key, store.task_seq(key))
            shards.add_records(vpath, frame)
            rids += [shards.rid_base + i for i in range(len(frame))]
            if key == "t-top":
                shards.add_beacon_hits(vpath, [
                    {"beacon_id": f"CAN-{k}", "kind": "canary", "establishment": "350005179", "recipient": None,
                     "locator": f"row:{k * 50 + 1}", "container": vpath, "status": "exact",
                     "fields": ["nir", "family_name"]} for k in range(4)])
                shards.add_watermark_hits(vpath, [
                    {"locator": "table", "container": vpath, "kind": "table", "establishment": "350005179",
                     "recipient": "Labo Biorance", "rows": 600, "p_value": 1e-12, "fraction": 0.93,
                     "detail": {"column": "NOM"}}])
            store.set_record_counts(shards.records_per_item)
            shards.close()
            store.finish_task(key, "done")
        store.commit()
    attributed = [(r, "350005179" if i % 3 else "290000017") for i, r in enumerate(rids) if i % 4]
    table = pa.table({"rid": [r for r, _ in attributed], "establishment": [e for _, e in attributed],
                      "recipient": [None] * len(attributed),
                      "basis": ["canary" if e == "350005179" else "explicit" for _, e in attributed],
                      "confidence": ["high"] * len(attributed),
                      "proof": [json.dumps({"beacon_id": "CAN-1"})] * len(attributed)}, schema=ATTRIBUTION)
    write_table(case / SHARDS_DIR / ATTRIBUTION_FILE, table)
    return ShardCase(case, evidence, len(rids), [i.vpath for i in items])
