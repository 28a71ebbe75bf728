import json
import sqlite3

from workbench.engine.evidence import take_in
from workbench.engine.store.custody import verify_case, verify_chain
from workbench.engine.store.metadata import CUSTODY_MIRROR, DB_NAME, CaseStore


def _case(tmp_path):
    ev_path = tmp_path / "dump.csv"
    ev_path.write_bytes("NOM;PRENOM;NIR\nLE GOFF;Anne;2850229019045 22\n".encode("cp1252"))
    case = tmp_path / "case"
    with CaseStore(case) as store:
        store.add_evidence(take_in(ev_path))
        store.log("analyst", "note", {"text": "seized from share X"})
    return case, ev_path


def test_chain_intact_and_mirrored(tmp_path):
    case, _ = _case(tmp_path)
    check = verify_case(case)
    assert check.ok, check.chain.problems
    lines = (case / CUSTODY_MIRROR).read_text().splitlines()
    with CaseStore(case, create=False) as store:
        entries = store.custody()
    # verify_case appended its own verification entry
    assert [json.loads(x)["hash"] for x in lines] == [e["hash"] for e in entries]
    assert entries[0]["prev_hash"] == "0" * 64
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(entries, entries[1:], strict=False))


def test_edited_entry_is_detected(tmp_path):
    case, _ = _case(tmp_path)
    db = sqlite3.connect(case / DB_NAME)
    db.execute("UPDATE custody SET detail='{\"text\": \"nothing\"}' WHERE action='note'")
    db.commit()
    db.close()
    with CaseStore(case, create=False) as store:
        check = verify_chain(store)
    assert not check.ok
    assert any("edited" in p for p in check.problems)


def test_truncated_log_is_detected(tmp_path):
    case, _ = _case(tmp_path)
    db = sqlite3.connect(case / DB_NAME)
    db.execute("DELETE FROM custody WHERE seq=(SELECT MAX(seq) FROM custody)")
    db.commit()
    db.close()
    with CaseStore(case, create=False) as store:
        check = verify_chain(store)
    assert not check.ok
    assert any("truncated" in p or "head" in p for p in check.problems)


def test_changed_evidence_is_detected(tmp_path):
    case, ev_path = _case(tmp_path)
    ev_path.write_bytes(b"changed")
    check = verify_case(case)
    assert check.chain.ok and not check.ok
    assert check.evidence[0]["unchanged"] is False
