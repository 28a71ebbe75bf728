"""The case store: shards written per task, the reader following them, old cases refused, attribution set-based."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pyarrow.parquet as pq
import pytest

from workbench.beacons.registry import Registry
from workbench.engine.attribution import attribute_case
from workbench.engine.model import ItemInfo, ScanError
from workbench.engine.pipeline import run_scan
from workbench.engine.store import CaseReader, CaseStore, OldCaseError, TaskShards
from workbench.engine.store.schema import RECORDS, RID_TASK_SHIFT
from workbench.engine.store.shards import patient_key, shard_path

E1, E2 = "350005179", "290000017"


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, dtype="string")


def test_records_become_one_arrow_table_with_case_wide_ids_and_patient_keys(tmp_path):
    CaseStore(tmp_path).close()
    shards = TaskShards(tmp_path, "task-a", 7)
    frame = _frame([
        {"locator": "row:1", "nir": "1 85 05 78 006 084 91", "family_name": "Le Goff", "given_name": "Anne",
         "birth_date": "1985-05-01", "src.NOM": "LE GOFF"},
        {"locator": "row:2", "nir": "", "family_name": "Le Gôff-d'Arc", "given_name": "Éloïse",
         "birth_date": "1990-01-02", "src.NOM": "x"},
        {"locator": "row:3", "nir": None, "family_name": "Sans", "given_name": "Date", "birth_date": None,
         "src.NOM": "y"},
    ])
    assert shards.add_records("dump.csv", frame) == 3
    assert shards.add_records("dump.csv", frame) == 3
    assert shards.close()["records"] == 6
    table = pq.read_table(shard_path(tmp_path, "records", "task-a", 7))
    assert table.schema.equals(RECORDS)
    rids = table.column("rid").to_pylist()
    assert rids == [(7 << RID_TASK_SHIFT) + i for i in range(6)]
    stored = table.column("patient_key").to_pylist()[:3]
    assert stored == [None, "idt:LE GOFF D ARC|ELOISE|1990-01-02", None]  # a NIR's key is implied by the NIR
    assert stored[1] == patient_key(None, "Le Gôff-d'Arc", "Éloïse", "1990-01-02")
    assert table.column("nir").to_pylist()[1] is None  # empty strings are nulls
    assert json.loads(table.column("source")[0].as_py()) == {"NOM": "LE GOFF"}  # not carried by a common column
    with CaseReader(tmp_path) as reader:
        keys = [r[0] for r in reader.rows("SELECT patient_key FROM records ORDER BY rid LIMIT 3")]
        assert keys == ["nir:185057800608491", "idt:LE GOFF D ARC|ELOISE|1990-01-02", None]
        assert reader.patient_count() == 2


def test_source_fields_carried_by_common_columns_are_stored_once_and_read_back_whole(tmp_path):
    CaseStore(tmp_path).close()
    shards = TaskShards(tmp_path, "t", 1)
    frame = _frame([
        {"locator": "row:1", "nir": "185057800608491", "family_name": "LE GOFF", "phone": "+33612345678",
         "src.NIR": "185057800608491", "src.NOM": "LE GOFF", "src.TEL": "06 12 34 56 78", "src.NOTE": ""},
        {"locator": "row:2", "nir": None, "family_name": "MARTIN", "phone": None,
         "src.NIR": "", "src.NOM": "MARTIN", "src.TEL": "", "src.NOTE": "vu le 3/2"},
    ])
    shards.add_records("a.csv", frame)
    shards.close()
    table = pq.read_table(shard_path(tmp_path, "records", "t", 1))
    # TEL is the common phone spelled the French way: the layout names the spelling, the value is not stored.
    assert json.loads(table.column("source")[0].as_py()) == {"NOTE": ""}
    assert ["TEL", "phone|spaced"] in json.loads(table.column("source_layout")[0].as_py())
    with CaseReader(tmp_path) as reader:
        rids = [r[0] for r in reader.rows("SELECT rid FROM records ORDER BY rid")]
        first = json.loads(reader.record(rids[0])["source"])
        second = json.loads(reader.record(rids[1])["source"])
    assert list(first) == ["NIR", "NOM", "TEL", "NOTE"]  # the source's own order
    assert first == {"NIR": "185057800608491", "NOM": "LE GOFF", "TEL": "06 12 34 56 78", "NOTE": ""}
    assert second == {"NIR": None, "NOM": "MARTIN", "TEL": None, "NOTE": "vu le 3/2"}  # empty reads as missing


def test_a_phone_spelled_several_ways_in_one_batch_is_stored_as_written(tmp_path):
    """The spelling alias holds for a whole batch or not at all: mixed spellings stay verbatim in the JSON."""
    CaseStore(tmp_path).close()
    shards = TaskShards(tmp_path, "t", 1)
    rows = [("+33240576598", "02 40 57 65 98"), ("+33612345678", "0612345678"), ("+33712345678", "07.12.34.56.78")]
    shards.add_records("a.csv", _frame([{"locator": f"row:{i}", "phone": p, "src.TEL": t}
                                        for i, (p, t) in enumerate(rows, 1)]))
    shards.close()
    table = pq.read_table(shard_path(tmp_path, "records", "t", 1))
    assert [json.loads(v)["TEL"] for v in table.column("source").to_pylist()] == [t for _, t in rows]
    with CaseReader(tmp_path) as reader:
        rids = [r[0] for r in reader.rows("SELECT rid FROM records ORDER BY rid")]
        assert [json.loads(reader.record(r)["source"])["TEL"] for r in rids] == [t for _, t in rows]


def test_a_phone_mostly_spelled_one_way_keeps_only_the_other_spellings_and_reads_back_whole(tmp_path):
    """Most rows national, some spaced, one that is no phone at all: the layout names the national spelling
    and the JSON keeps only the rows it does not rebuild."""
    CaseStore(tmp_path).close()
    shards = TaskShards(tmp_path, "t", 1)
    rows = [("+33240576598", "0240576598"), ("+33612345678", "06 12 34 56 78"), ("+33712345678", "0712345678"),
            (None, "inconnu"), ("+33299000000", "0299000000"), (None, "")]
    shards.add_records("a.csv", _frame([{"locator": f"row:{i}", "phone": p, "src.TEL": t, "src.ID": str(i)}
                                        for i, (p, t) in enumerate(rows, 1)]))
    shards.close()
    table = pq.read_table(shard_path(tmp_path, "records", "t", 1))
    assert ["TEL", "phone|national"] in json.loads(table.column("source_layout")[0].as_py())
    kept = [json.loads(v).get("TEL") for v in table.column("source").to_pylist()]
    assert kept == [None, "06 12 34 56 78", None, "inconnu", None, None]
    with CaseReader(tmp_path) as reader:
        rids = [r[0] for r in reader.rows("SELECT rid FROM records ORDER BY rid")]
        back = [json.loads(reader.record(r)["source"]) for r in rids]
    assert [b["TEL"] for b in back] == [t or None for _, t in rows]  # an empty field reads as missing
    assert [b["ID"] for b in back] == [str(i) for i in range(1, 7)]
    assert list(back[0]) == ["TEL", "ID"]


def test_a_phone_field_empty_where_the_phone_is_known_is_not_aliased(tmp_path):
    """A null could not say both "derive me" and "this row's field was empty": no alias then."""
    CaseStore(tmp_path).close()
    shards = TaskShards(tmp_path, "t", 1)
    rows = [("+33240576598", "0240576598"), ("+33612345678", "0612345678"), ("+33712345678", None)]
    shards.add_records("a.csv", _frame([{"locator": f"row:{i}", "phone": p, "src.TEL": t}
                                        for i, (p, t) in enumerate(rows, 1)]))
    shards.close()
    table = pq.read_table(shard_path(tmp_path, "records", "t", 1))
    assert ["TEL", None] in json.loads(table.column("source_layout")[0].as_py())
    with CaseReader(tmp_path) as reader:
        rids = [r[0] for r in reader.rows("SELECT rid FROM records ORDER BY rid")]
        assert [json.loads(reader.record(r)["source"])["TEL"] for r in rids] == [t for _, t in rows]


def test_the_reader_follows_shards_as_tasks_finish_and_never_sees_a_half_written_one(tmp_path):
    CaseStore(tmp_path).close()
    with CaseReader(tmp_path) as reader:
        assert reader.record_count() == 0 and reader.identifier_totals() == {}
        first = TaskShards(tmp_path, "t1", 1)
        first.add_records("a.csv", _frame([{"locator": "row:1", "nir": "185057800608491"}]))
        assert reader.record_count() == 0  # still a .part file
        first.close()
        assert reader.record_count() == 1
        second = TaskShards(tmp_path, "t2", 2)
        second.add_records("b.csv", _frame([{"locator": f"row:{i}"} for i in range(1, 4)]))
        second.close()
        assert reader.record_count() == 4
        assert reader.basis_counts() == {"none": 4}
        TaskShards(tmp_path, "t2", 2).abandon()  # the task runs again: its old shard is gone first
        assert reader.record_count() == 1



def test_a_task_run_again_removes_its_shards_of_either_naming_and_no_other(tmp_path):
    """Shards are named ``<seq>-<task>.parquet`` (the window reads them in the plan's order); a case made before
    named them ``<task>.parquet``: a task that runs again removes its own under either name, half-written
    ``.part`` files included, and nothing of another task."""
    from workbench.engine.store.shards import delete_task_shards

    CaseStore(tmp_path).close()
    for key, seq in (("t1", 1), ("t2", 2)):
        shards = TaskShards(tmp_path, key, seq)
        shards.add_records(f"{key}.csv", _frame([{"locator": "row:1"}]))
        shards.close()
    folder = tmp_path / "shards" / "records"
    assert sorted(p.name for p in folder.glob("*.parquet")) == ["0000000001-t1.parquet", "0000000002-t2.parquet"]
    old = folder / "t2.parquet"
    (folder / "0000000001-t1.parquet").rename(folder / "t1.parquet")  # as an earlier version named it
    (folder / "t2.parquet.part").write_bytes(b"PAR1")  # a half-written file of an earlier run
    delete_task_shards(tmp_path, "t2", 2)
    assert sorted(p.name for p in folder.iterdir()) == ["t1.parquet"]
    delete_task_shards(tmp_path, "t1", 1)
    assert list(folder.iterdir()) == [] and not old.exists()


def test_records_stream_before_any_attribution_or_shard_exists(tmp_path):
    """The records CSV streams through a cursor of the reader's database: the empty stand-ins for results not
    written yet (no attribution: a case scanned without a registry) must be visible there too."""
    CaseStore(tmp_path).close()
    with CaseReader(tmp_path) as reader:
        assert [b.num_rows for b in reader.record_rows(["item", "basis"])] in ([], [0])
        shards = TaskShards(tmp_path, "t1", 1)
        shards.add_records("a.csv", _frame([{"locator": f"row:{i}"} for i in range(1, 4)]))
        shards.close()
        rows = [r for b in reader.record_rows(["locator", "establishment", "basis"]) for r in b.to_pylist()]
    assert rows == [{"locator": f"row:{i}", "establishment": None, "basis": "none"} for i in range(1, 4)]


def test_a_case_of_the_previous_version_is_refused_in_one_line(tmp_path):
    case = tmp_path / "old"
    case.mkdir()
    db = sqlite3.connect(case / "case.sqlite")
    db.executescript("CREATE TABLE case_meta (key TEXT PRIMARY KEY, value TEXT);"
                     "INSERT INTO case_meta VALUES ('schema_version', '1');"
                     "CREATE TABLE records (id INTEGER PRIMARY KEY, item_id INTEGER, nir TEXT);"
                     "INSERT INTO records(item_id, nir) VALUES (1, '185057800608491');")
    db.commit()
    db.close()
    with pytest.raises(OldCaseError) as exc:
        CaseReader(case)
    message = str(exc.value)
    assert "\n" not in message and "scan the same evidence again" in message and "schema 1" in message
    evidence = tmp_path / "a.csv"
    evidence.write_text("nom;prenom\nA;B\n", encoding="utf-8")
    with pytest.raises(ScanError, match="earlier Balise"):
        run_scan(case, [evidence], jobs=1)
    db = sqlite3.connect(case / "case.sqlite")
    assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 1  # the old case is left as it was
    db.close()


# -- attribution over hand-made shards -----------------------------------------------------------------------
@pytest.fixture
def registry(tmp_path):
    reg = Registry.init(tmp_path / "registry.json", "ARS test")
    reg.add_establishment(E1, "CHU de Rennes", dicom_uid_roots=["1.2.250.1.999.1"], ipp_patterns=[r"R\d{7}"])
    reg.add_establishment(E2, "CHU de Brest", dicom_uid_roots=["1.2.250.1.999.2"], ipp_patterns=[r"B\d{7}"])
    reg.save(tmp_path / "registry.json.key")
    return Registry.load(tmp_path / "registry.json")


def _case_with(tmp_path, items: list[tuple[str, str, list[dict]]], hits: dict[str, list[dict]]):
    case = tmp_path / "case"
    store = CaseStore(case)
    for seq, (vpath, kind, rows) in enumerate(items, start=1):
        key = f"task{seq}"
        store.upsert_task(key, 1, [vpath], 1)
        store.put_item(ItemInfo(vpath, vpath, 0, kind=kind), evidence_id=1, task_key=key)
        shards = TaskShards(case, key, store.task_seq(key))
        shards.add_records(vpath, _frame(rows))
        if vpath in hits:
            shards.add_beacon_hits(vpath, hits[vpath])
        shards.close()
    store.commit()
    return store


def _canary(est: str, locator: str, container: str = "") -> dict:
    return {"beacon_id": "b-1", "kind": "canary-patient", "establishment": est, "recipient": None,
            "locator": locator, "container": container, "status": "confirmed", "fields": ["nir", "identity"]}


def test_a_dicom_file_of_another_institution_is_not_pulled_into_a_canary_study(tmp_path, registry):
    study = "1.2.826.0.1.3680043.8.498.1"  # a study UID under no registered root
    store = _case_with(tmp_path, [
        ("a.dcm", "dicom", [{"locator": "file", "dicom_uid": study, "facility_name": "CHU DE RENNES"}]),
        ("b.dcm", "dicom", [{"locator": "file", "dicom_uid": study, "facility_name": "CHU DE RENNES"}]),
        ("c.dcm", "dicom", [{"locator": "file", "dicom_uid": study, "facility_name": "CHU de Brest"}]),
        ("d.dcm", "dicom", [{"locator": "file", "dicom_uid": study, "facility_name": "CLINIQUE INCONNUE"}]),
    ], {"a.dcm": [_canary(E1, "file")]})
    counts = attribute_case(store, registry)
    with CaseReader(store.dir) as reader:
        got = {r[0]: r[1:] for r in reader.rows("SELECT item, establishment, basis FROM records ORDER BY item")}
        conflicts = reader.conflicts()
    assert got["a.dcm"] == (E1, "canary") and got["b.dcm"] == (E1, "canary")
    assert got["c.dcm"] == (E2, "identifier")  # its own institution, not the study's canary
    assert got["d.dcm"] == (None, "none")  # another institution, unknown to the registry: left out
    assert counts == {"canary": 2, "identifier": 1, "none": 1}
    assert {c["item"] for c in conflicts} == {"c.dcm", "d.dcm"}
    assert all(c["basis"] == "canary" for c in conflicts)
    store.close()


def test_a_canary_in_one_table_vouches_for_the_dump_except_records_pointing_elsewhere(tmp_path, registry):
    patients = [{"locator": f"table:patients/row:{i}", "table": "patients", "ipp": f"R{i:07d}"} for i in range(1, 6)]
    stays = [{"locator": f"table:sejours/row:{i}", "table": "sejours"} for i in range(1, 4)]
    stays.append({"locator": "table:sejours/row:4", "table": "sejours", "facility_finess": E2})
    other = [{"locator": "row:1", "ipp": "R0000001"}, {"locator": "row:2", "ipp": "X1"}]
    store = _case_with(tmp_path, [("dump.sql", "sql-dump", patients + stays), ("other.csv", "csv", other)],
                       {"dump.sql": [_canary(E1, "table:patients/row:2", "patients")]})
    attribute_case(store, registry)
    with CaseReader(store.dir) as reader:
        rows = reader.rows("SELECT item, locator, establishment, basis, proof FROM records ORDER BY rid")
        conflicts = reader.conflicts()
    by_loc = {(r[0], r[1]): r[2:] for r in rows}
    assert all(by_loc[("dump.sql", p["locator"])][:2] == (E1, "canary") for p in patients)
    assert all(by_loc[("dump.sql", s["locator"])][:2] == (E1, "canary") for s in stays[:3])
    assert "database dump" in json.loads(by_loc[("dump.sql", "table:sejours/row:1")][2])["container"]
    assert by_loc[("dump.sql", "table:sejours/row:4")][:2] == (E2, "identifier")
    assert by_loc[("other.csv", "row:1")][:2] == (E1, "pattern")  # numbering format only: weak
    assert by_loc[("other.csv", "row:2")][:2] == (None, "none")
    assert [c["item"] for c in conflicts] == ["dump.sql"]
    store.close()


def test_two_establishments_in_one_container_are_a_conflict_and_claim_nothing(tmp_path, registry):
    rows = [{"locator": f"row:{i}"} for i in range(1, 5)]
    store = _case_with(tmp_path, [("merged.csv", "csv", rows)],
                       {"merged.csv": [_canary(E1, "row:1"), _canary(E2, "row:3")]})
    counts = attribute_case(store, registry)
    with CaseReader(store.dir) as reader:
        conflicts = reader.conflicts()
    assert counts == {"none": 4}
    assert len(conflicts) == 1 and set(json.loads(conflicts[0]["establishments"])) == {E1, E2}
    store.close()


def _reference_key(nir, family, given, born):
    """The scalar definition the previous store used (record by record in Python)."""
    import unicodedata

    def norm(value):
        if not value:
            return ""
        text = unicodedata.normalize("NFKD", value)
        text = "".join(c for c in text if not unicodedata.combining(c)).upper()
        return " ".join("".join(c if c.isalnum() else " " for c in text).split())

    compact = (nir or "").replace(" ", "").upper()
    if len(compact) == 15:
        return "nir:" + compact
    if norm(family) and born:
        return f"idt:{norm(family)}|{norm(given)}|{born}"
    return None


def test_patient_keys_over_whole_columns_equal_the_record_by_record_definition():
    import random

    import pyarrow as pa

    from workbench.engine.store.shards import patient_keys

    rng = random.Random(4)
    names = ["Le Gôff", "N'Diaye", "Müller-Lüdenscheidt", "ØSTERGÅRD", "Çelik", "de  la   Tour", "", None, "Ἀθηνᾶ",
             "O’Brien", "Nguyễn", "ß-Straße", "李", "  ", "José Ángel"]
    rows = [(rng.choice(["185057800608491", "2 85 05 78 006 084 12", "", None, "12345", "1850578006084"]),
             rng.choice(names), rng.choice(names), rng.choice(["1990-01-02", None, "1985-12-31"]))
            for _ in range(2000)]
    cols = [pa.array([r[i] for r in rows], pa.string()) for i in range(4)]
    assert patient_keys(*cols).to_pylist() == [_reference_key(*r) for r in rows]


def test_rule_files_applied_and_not_applied_and_findings_replaced(tmp_path):
    from workbench.engine.model import Finding

    store = CaseStore(tmp_path)
    store.set_rulesets([("rules/index.yar", "/r/index.yar", "a" * 64, "user")],
                       [("/r/cuckoo.yar", 1, 'imports module "cuckoo", which this YARA build does not have', "b" * 64,
                         "user")])
    store.set_meta("rule_paths", json.dumps(["/r"]))
    store.put_item(ItemInfo(vpath="big.zip", name="big.zip", depth=0, kind="archive"), evidence_id=1, task_key="plan")
    for _ in range(2):  # a task run again: its findings on the container replace the first run's
        store.replace_findings("big.zip", "yara", [Finding("big.zip", "yara", "Zip_Comment")])
    store.commit()
    store.close()
    with CaseReader(tmp_path) as reader:
        assert reader.rules_skipped() == [{"path": "/r/cuckoo.yar", "line": 1, "reason": 'imports module "cuckoo", '
                                           "which this YARA build does not have", "sha256": "b" * 64, "origin": "user"}]
        assert [r["name"] for r in reader.rulesets()] == ["rules/index.yar"]
        assert [str(p) for p in reader.user_rule_paths()] == ["/r"]  # the folder given, not its files
        assert reader.meta_one("SELECT findings FROM items WHERE vpath='big.zip'") == 1
        assert reader.meta_one("SELECT COUNT(*) FROM findings") == 1
