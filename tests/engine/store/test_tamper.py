"""Each tampering with a finished case is detected by ``balise case verify``: exit 1, one line naming it.

A case is scanned once (module fixture) and copied for each test; the tests edit it the way someone with write
access to the folder would: SQL on case.sqlite, a text editor on custody.jsonl, bytes of a shard, and a whole
chain recomputed after an edit (with and without re-keying the case)."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3

import pyarrow.parquet as pq
import pytest

from workbench.cli import main
from workbench.engine.pipeline import run_scan
from workbench.engine.store.casekey import (
    CASE_KEY_FILE,
    create_case_key,
    fingerprint_of,
    public_raw,
    sign_entry,
)
from workbench.engine.store.metadata import _chain_hash

ROWS = "NOM;PRENOM;NIR;DATE_NAISSANCE\n" + "".join(
    f"LE GOFF;Anne{i};2850229019045 22;1985-02-{1 + i % 28:02d}\n" for i in range(200))


def _evidence(root):
    ev = root / "evidence"
    ev.mkdir()
    (ev / "patients.csv").write_text(ROWS, encoding="cp1252")
    (ev / "notes.txt").write_text("contact: anne.legoff@chu-rennes.fr, 06 12 34 56 78, rule me\n", encoding="utf-8")
    return ev


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("pristine")
    rule = root / "mine.yar"
    rule.write_text('rule contact_line { strings: $a = "contact:" condition: $a }\n', encoding="utf-8")
    summary = run_scan(root / "case", [_evidence(root)], jobs=1, rule_paths=[rule])
    assert summary.completed and summary.findings_by_rule
    return root / "case"


@pytest.fixture
def case(pristine, tmp_path):
    copy = tmp_path / "case"
    shutil.copytree(pristine, copy)
    return copy


def _verify(capsys, case, *extra):
    rc = main(["case", "verify", str(case), *extra])
    out = capsys.readouterr()
    return rc, out.out, [x for x in out.err.splitlines() if x.strip()]


def _sql(case, *statements):
    db = sqlite3.connect(case / "case.sqlite")
    for s in statements:
        db.execute(s)
    db.commit()
    db.close()


def _shard(case, table):
    return next((case / "shards" / table).glob("*.parquet"))


def test_an_intact_copy_verifies_and_prints_the_case_key(case, capsys):
    rc, out, err = _verify(capsys, case)
    assert rc == 0, err
    db = sqlite3.connect(case / "case.sqlite")
    key_id = db.execute("SELECT value FROM case_meta WHERE key='case_key_id'").fetchone()[0]
    sigs = [r[0] for r in db.execute("SELECT sig FROM custody")]
    assert all(sigs) and len(key_id) == 64
    assert "Case key: SHA256:" + key_id[:4] in out
    assert (case / CASE_KEY_FILE).stat().st_mode & 0o777 == 0o600
    rc, _, err = _verify(capsys, case, "--case-key", key_id)
    assert rc == 0, err


def _one_line(result, *words):
    rc, _out, err = result
    assert rc == 1
    assert len(err) == 1, err
    assert err[0].startswith("balise: case verification failed: ")
    for w in words:
        assert w in err[0], err[0]


def test_an_edited_custody_entry(case, capsys):
    _sql(case, "UPDATE custody SET detail=replace(detail, 'evidence', 'EVIDENCE') WHERE action='scan-started'")
    _one_line(_verify(capsys, case), "custody entry", "scan-started", "content edited")


def test_an_edited_line_of_the_custody_mirror(case, capsys):
    mirror = case / "custody.jsonl"
    lines = mirror.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["detail"] = entry["detail"][:-1] + ', "note": "edited"}'  # the hash field is kept
    lines[1] = json.dumps(entry, ensure_ascii=False)
    mirror.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _one_line(_verify(capsys, case), "custody.jsonl line 2", "content edited")


def _recompute_chain(case, rekey: bool = False) -> None:
    """What an attacker does after an edit: every hash recomputed, head and mirror rewritten; with ``rekey``
    a new case key replaces the old one and every entry is signed again."""
    db = sqlite3.connect(case / "case.sqlite")
    key = None
    if rekey:
        (case / CASE_KEY_FILE).unlink()
        key = create_case_key(case)
        public = base64.b64encode(public_raw(key)).decode()
        db.execute("UPDATE case_meta SET value=? WHERE key='case_public_key'", (public,))
        db.execute("UPDATE case_meta SET value=? WHERE key='case_key_id'", (fingerprint_of(public),))
        first = json.loads(db.execute("SELECT detail FROM custody WHERE seq=1").fetchone()[0])
        first.update(case_key=fingerprint_of(public), case_public_key=public)
        db.execute("UPDATE custody SET detail=? WHERE seq=1", (json.dumps(first, sort_keys=True),))
    prev = "0" * 64
    mirror = []
    for seq, ts, actor, action, detail, sig in db.execute(
            "SELECT seq, ts_utc, actor, action, detail, sig FROM custody ORDER BY seq").fetchall():
        h = _chain_hash(prev, seq, ts, actor, action, detail)
        sig = sign_entry(key, h) if key else sig
        db.execute("UPDATE custody SET prev_hash=?, hash=?, sig=? WHERE seq=?", (prev, h, sig, seq))
        mirror.append(json.dumps({"seq": seq, "ts_utc": ts, "actor": actor, "action": action, "detail": detail,
                                  "prev_hash": prev, "hash": h, "sig": sig}, ensure_ascii=False))
        prev = h
    db.execute("UPDATE case_meta SET value=? WHERE key='custody_head'", (prev,))
    db.commit()
    db.close()
    (case / "custody.jsonl").write_text("\n".join(mirror) + "\n", encoding="utf-8")


def _zero_evidence_sha256(case) -> None:
    zero = "0" * 64
    db = sqlite3.connect(case / "case.sqlite")
    old = db.execute("SELECT sha256 FROM evidence").fetchone()[0]
    db.execute("UPDATE evidence SET sha256=?", (zero,))
    for seq, detail in db.execute("SELECT seq, detail FROM custody").fetchall():
        db.execute("UPDATE custody SET detail=? WHERE seq=?", (detail.replace(old, zero), seq))
    db.commit()
    db.close()


def test_a_recomputed_chain_fails_on_its_signatures(case, capsys):
    _zero_evidence_sha256(case)
    _recompute_chain(case)
    _one_line(_verify(capsys, case), "signature invalid", "recomputed")


def test_a_rekeyed_case_is_caught_by_the_fingerprint_written_down_elsewhere(case, capsys):
    db = sqlite3.connect(case / "case.sqlite")
    written_down = db.execute("SELECT value FROM case_meta WHERE key='case_key_id'").fetchone()[0]
    db.close()
    _zero_evidence_sha256(case)
    _recompute_chain(case, rekey=True)
    rc, out, err = _verify(capsys, case)
    # Inside the case everything is consistent again (what the signature cannot prove alone, see casekey.py),
    # except the evidence re-hash, which no edit of the case can fake: the real file is not all zeros.
    assert "SHA256:" + written_down[:4] not in out
    rc, out, err = _verify(capsys, case, "--case-key", written_down)
    assert rc == 1 and "re-keyed" in err[0] and written_down[:4] in err[0]


@pytest.mark.parametrize("how", ["deleted", "added", "edited"])
def test_a_result_shard(case, capsys, how):
    shard = _shard(case, "records")
    if how == "deleted":
        shard.unlink()
        words = ("missing", shard.name)
    elif how == "added":
        shutil.copy(shard, shard.with_name("planted.parquet"))
        words = ("planted.parquet", "no scan registered")
    else:  # rewritten as a valid Parquet file: every NIR replaced
        table = pq.read_table(shard)
        nir = table.schema.get_field_index("nir")
        table = table.set_column(nir, "nir", pq.read_table(shard).column("nir").cast("string").fill_null("x"))
        import pyarrow as pa
        import pyarrow.compute as pc

        table = table.set_column(nir, "nir", pc.if_else(pc.is_valid(table.column("nir")),
                                                        pa.scalar("185022901904522"), table.column("nir")))
        pq.write_table(table, shard)
        words = ("content changed", shard.name)
    _one_line(_verify(capsys, case), *words)


def test_an_edited_item_row(case, capsys):
    _sql(case, "UPDATE items SET kind='binary', records=0 WHERE name='patients.csv'")
    _one_line(_verify(capsys, case), "item rows", "table items", "sealed")


def test_deleted_findings(case, capsys):
    _sql(case, "DELETE FROM findings", "UPDATE items SET findings=0")
    _one_line(_verify(capsys, case), "findings", "table findings", "sealed")


def test_a_modified_evidence_file(tmp_path, capsys):
    summary = run_scan(tmp_path / "case", [_evidence(tmp_path)], jobs=1)
    assert summary.completed
    (tmp_path / "evidence" / "notes.txt").write_text("nothing to see\n", encoding="utf-8")
    _one_line(_verify(capsys, tmp_path / "case"), "evidence", "changed", "modified: notes.txt")


def test_the_report_and_the_scan_summary_write_the_case_key_down(case, tmp_path, capsys):
    from pypdf import PdfReader

    from workbench.engine.store.casekey import format_fingerprint
    from workbench.report.exports import write_reports

    db = sqlite3.connect(case / "case.sqlite")
    key_id, public = (db.execute("SELECT value FROM case_meta WHERE key=?", (k,)).fetchone()[0]
                      for k in ("case_key_id", "case_public_key"))
    db.close()
    write_reports(case, json_path=tmp_path / "r.json", pdf_path=tmp_path / "r.pdf", lang="en")
    check = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["custody_check"]
    assert check["case_key_id"] == key_id and check["case_public_key"] == public and check["chain_ok"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(tmp_path / "r.pdf").pages).split())
    assert format_fingerprint(key_id) in text
    # the scan's end summary prints it too (a rerun of the finished scan: nothing to redo)
    evidence = json.loads(db_detail(case, "scan-started"))["evidence"]
    assert main(["scan", *evidence, "--case", str(case), "-q"]) == 0
    assert f"Case key: {format_fingerprint(key_id)}" in capsys.readouterr().out


def db_detail(case, action):
    db = sqlite3.connect(case / "case.sqlite")
    try:
        return db.execute("SELECT detail FROM custody WHERE action=? ORDER BY seq LIMIT 1", (action,)).fetchone()[0]
    finally:
        db.close()
