"""Minting canaries: realistic, unique, recorded as hashes only, written in each system's format and found
again after a round trip through standard readers."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from stdnum.fr import nir as stdnum_nir

from workbench.beacons.canaries import (
    CANARY_ORDER_RANGE,
    CanaryError,
    mint,
    profile_for,
    template_from_pattern,
    write_canaries,
)
from workbench.beacons.canary_index import STATUS_CONFIRMED, CanaryIndex
from workbench.beacons.registry import KIND_CANARY, Registry
from workbench.synth.establishments import DEMO_ESTABLISHMENTS

RENNES, BREST, BIORANCE = DEMO_ESTABLISHMENTS[0], DEMO_ESTABLISHMENTS[1], DEMO_ESTABLISHMENTS[2]


def _registry(path: Path) -> Registry:
    reg = Registry.init(path, "GCS e-santé Bretagne")
    for p in (RENNES, BREST, BIORANCE):
        reg.add_establishment(p.finess, p.name, group=p.group, city=p.city, dicom_uid_roots=[p.dicom_uid_root],
                              hl7_facility_codes=[p.hl7_facility], ipp_patterns=[p.ipp_pattern],
                              nda_patterns=[p.nda_pattern], name_variants=list(p.name_variants))
    reg.add_establishment("560990031", "Clinique Saint-Yves", city="Vannes", ipp_patterns=[r"^CSY[0-9]{6}$"])
    return reg


@pytest.fixture
def reg(tmp_path: Path) -> Registry:
    return _registry(tmp_path / "reg.json")


def test_canaries_look_real(reg: Registry) -> None:
    canaries = mint(reg, RENNES.finess, count=40, target_format="csv", seed=1)
    for c in canaries:
        p = c.record.patient
        assert stdnum_nir.is_valid(p.nir)
        assert p.nir[0] == ("1" if p.sex == "M" else "2")
        assert p.nir[1:3] == f"{p.birth_date.year % 100:02d}" and p.nir[3:5] == f"{p.birth_date.month:02d}"
        assert p.nir[5:10] == p.birth_commune_insee
        assert CANARY_ORDER_RANGE[0] <= int(p.nir[10:13]) <= CANARY_ORDER_RANGE[1]
        assert re.fullmatch(RENNES.ipp_pattern, p.ipp)
        assert c.record.stays and c.record.results
        assert all(re.fullmatch(RENNES.nda_pattern, s.nda) for s in c.record.stays)
        assert c.record.extra["beacon_id"] == c.beacon_id
        assert p.nir not in c.masked() and p.family_name not in c.masked()
    assert len({c.record.patient.nir for c in canaries}) == 40


def test_registered_as_hashes(reg: Registry) -> None:
    canaries = mint(reg, BIORANCE.finess, recipient="Équipe IRSET", count=5, target_format="sql", seed=2)
    for c in canaries:
        beacon = reg.beacons[c.beacon_id]
        assert beacon.kind == KIND_CANARY and beacon.establishment == BIORANCE.finess
        assert beacon.recipient == "Équipe IRSET" and beacon.target == "sql"
        assert {"nir", "name", "birth_date", "ipp", "address", "postcode"} <= set(beacon.fields)
        assert beacon.fields["nir"] == reg.lookup_hash("nir", c.record.patient.nir)
    assert "Équipe IRSET" in reg.establishment(BIORANCE.finess).recipients


def _forms(value: str) -> set[str]:
    forms = {value, value.upper(), value.lower(), value.replace(" ", ""), value.upper().replace(" ", "")}
    import unicodedata
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))
    forms |= {plain, plain.upper(), plain.lower()}
    return {f for f in forms if len(f) >= 4}


def _clear_values_in(raw: str, canaries) -> tuple[list[str], int]:
    """Forms of the canaries' values found in a registry file's text, and how many forms were looked for.

    Where a canary could leak: its beacon entries, without the ids and recipients (random / typed by people).
    Short forms (a 4-letter given name) are looked for there; long ones in the whole file."""
    beacons = json.dumps([{k: v for k, v in b.items() if k not in ("beacon_id", "recipient")}
                          for b in json.loads(raw)["payload"]["beacons"]], ensure_ascii=False)
    found, checked = [], 0
    for c in canaries:
        p = c.record.patient
        values = [p.nir, p.nir[:13], f"{p.nir[0]} {p.nir[1:3]} {p.nir[3:5]} {p.nir[5:7]} {p.nir[7:10]}",
                  p.family_name, p.birth_name, p.given_name, f"{p.family_name} {p.given_name}",
                  f"{p.given_name} {p.family_name}", p.birth_date.isoformat(), p.birth_date.strftime("%d/%m/%Y"),
                  p.birth_date.strftime("%Y%m%d"), p.birth_date.strftime("%d%m%Y"), p.ipp, p.address,
                  p.email or "", p.phone or "", "+33" + (p.phone or "0000").replace(" ", "")[1:]]
        values += [s.nda for s in c.record.stays]
        for value in values:
            for form in _forms(value):
                checked += 1
                if form in beacons or (len(form) >= 8 and form in raw):
                    found.append(f"{form!r} of {c.beacon_id}")
    return found, checked


def test_registry_file_holds_no_canary_value(tmp_path: Path) -> None:
    path = tmp_path / "reg.json"
    reg = _registry(path)
    canaries = []
    for finess, recipient in ((RENNES.finess, None), (RENNES.finess, "Biorance"), (BREST.finess, "CHU Nantes")):
        canaries += mint(reg, finess, recipient=recipient, count=15, target_format="csv")
    reg.save(str(path) + ".key")
    found, checked = _clear_values_in(path.read_text("utf-8"), canaries)
    assert found == [] and checked > 1000
    assert Registry.load(path).beacons.keys() == {c.beacon_id for c in canaries}
    # the check itself sees a value that slipped in (here into a beacon's meta)
    born = canaries[3].record.patient.birth_date.strftime("%d/%m/%Y")
    nir = canaries[4].record.patient.nir.lower()
    reg.beacons[canaries[3].beacon_id].meta["note"] = born
    reg.beacons[canaries[4].beacon_id].meta["note"] = nir
    reg.dirty = True
    reg.save(str(path) + ".key")
    found, _ = _clear_values_in(path.read_text("utf-8"), canaries)
    assert f"{born!r} of {canaries[3].beacon_id}" in found and f"{nir!r} of {canaries[4].beacon_id}" in found


def test_unique_across_establishments_recipients_and_reruns(reg: Registry) -> None:
    batches = [mint(reg, RENNES.finess, count=25, target_format="csv", seed=9),
               mint(reg, RENNES.finess, recipient="Biorance", count=25, target_format="csv", seed=9),
               mint(reg, BREST.finess, recipient="Biorance", count=25, target_format="hl7", seed=9),
               mint(reg, "560990031", count=25, target_format="sql", seed=9)]
    everyone = [c for batch in batches for c in batch]
    assert len({c.beacon_id for c in everyone}) == 100
    for key in ("nir", "ipp"):
        assert len({c.fields[key] for c in everyone}) == 100
    pairs = {(c.fields["name"], c.fields["birth_date"]) for c in everyone}
    assert len(pairs) == 100
    assert all(re.fullmatch(r"CSY\d{6}", c.record.patient.ipp) for c in batches[3])
    index = CanaryIndex.from_registry(reg)
    for c in everyone:
        p = c.record.patient
        (match,) = index.match_record({"nir": p.nir, "family_name": p.family_name, "given_name": p.given_name})
        assert (match.beacon_id, match.establishment, match.recipient) == (c.beacon_id, c.establishment, c.recipient)


def test_refusals(reg: Registry, tmp_path: Path) -> None:
    with pytest.raises(CanaryError, match="format"):
        mint(reg, RENNES.finess, count=1, target_format="pdf")
    with pytest.raises(CanaryError, match="count"):
        mint(reg, RENNES.finess, count=0, target_format="csv")
    with pytest.raises(Exception, match="not in the registry"):
        mint(reg, "350000000", count=1, target_format="csv")
    assert reg.beacons == {}
    canaries = mint(reg, RENNES.finess, count=1, target_format="csv")
    (tmp_path / "taken.csv").write_text("x")
    with pytest.raises(CanaryError, match="overwrite"):
        write_canaries(canaries, "csv", tmp_path / "taken.csv")
    with pytest.raises(CanaryError, match="does not exist"):
        write_canaries(canaries, "csv", tmp_path / "nowhere" / "c.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reg.json", "reg.json.key", "taken.csv"]


def test_ipp_templates_from_patterns() -> None:
    assert template_from_pattern(r"RN\d{8}") == "RN########"
    assert template_from_pattern(r"^BIO-[0-9]{7}$") == "BIO-#######"
    assert template_from_pattern(r"\d{2}R\d\d") == "##R##"
    with pytest.raises(CanaryError):
        template_from_pattern(r"(RN|RB)\d{8}")
    with pytest.raises(CanaryError):
        template_from_pattern(r"[A-Z]{2}\d+")


def test_profile_of_an_unknown_establishment(reg: Registry) -> None:
    profile = profile_for(reg.establishment("560990031"))
    assert profile.kind == "clinic" and profile.department == "56"
    assert profile.communes and all(c.startswith("56") for c in profile.communes)


# ------------------------------------------------------------------ formats, read back with standard readers

CSV_COLUMNS = {"NOM": "family_name", "NOM_NAISSANCE": "birth_name", "PRENOM": "given_name",
               "DATE_NAISSANCE": "birth_date", "DDN": "birth_date", "NIR": "nir", "IPP": "ipp",
               "TELEPHONE": "phone", "EMAIL": "email", "CP": "postcode"}


def _assert_all_confirmed(index: CanaryIndex, frame: pd.DataFrame, canaries) -> None:
    found = index.match_frame(frame.rename(columns=CSV_COLUMNS))
    confirmed = {m.beacon_id for _, m in found if m.status == STATUS_CONFIRMED}
    assert confirmed == {c.beacon_id for c in canaries}


@pytest.mark.parametrize("finess", [RENNES.finess, BIORANCE.finess])
def test_csv_round_trip(reg: Registry, tmp_path: Path, finess: str) -> None:
    canaries = mint(reg, finess, recipient="IRSET", count=12, target_format="csv")
    (out,) = write_canaries(canaries, "csv", tmp_path / "canaries.csv")
    raw = out.read_bytes()
    assert b"\r\n" in raw
    frame = pd.read_csv(io.BytesIO(raw), sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    assert set(c.record.patient.nir for c in canaries) <= set(frame["NIR"].str.replace(" ", ""))
    _assert_all_confirmed(CanaryIndex.from_registry(reg), frame, canaries)


_MYSQL_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|(NULL)|(-?\d+(?:\.\d+)?)")


def _mysql_rows(dump: str, table: str) -> list[list[str | None]]:
    """The rows of a table's extended INSERTs (mysqldump quoting: backslash escapes)."""
    rows: list[list[str | None]] = []
    for line in dump.splitlines():
        if not line.startswith(f"INSERT INTO `{table}` VALUES "):
            continue
        for tup in re.findall(r"\(((?:'(?:[^'\\]|\\.)*'|[^()'])*)\)", line[len(f"INSERT INTO `{table}` VALUES "):]):
            row = []
            for m in _MYSQL_STRING.finditer(tup):
                if m[1] is not None:
                    row.append(re.sub(r"\\(.)", r"\1", m[1]))
                else:
                    row.append(None if m[2] else m[3])
            rows.append(row)
    return rows


def _mysql_columns(dump: str, table: str) -> list[str]:
    create = dump[dump.index(f"CREATE TABLE `{table}`"):]
    create = create[: create.index(";")]
    return re.findall(r"^\s+`(\w+)`", create, flags=re.M)


def test_sql_round_trip(reg: Registry, tmp_path: Path) -> None:
    canaries = mint(reg, BREST.finess, count=10, target_format="sql")
    (out,) = write_canaries(canaries, "sql", tmp_path / "canaries.sql")
    dump = out.read_text("utf-8")
    assert dump.startswith("-- MySQL dump")
    columns = _mysql_columns(dump, "patients")
    rows = _mysql_rows(dump, "patients")
    assert len(rows) == 10 and all(len(r) == len(columns) for r in rows)
    frame = pd.DataFrame(rows, columns=columns, dtype=str)
    rename = {c: t for c in columns for k, t in (("nom", "family_name"), ("prenom", "given_name"), ("nir", "nir"),
                                                  ("date_naissance", "birth_date"), ("ipp", "ipp")) if c == k}
    assert {"nir", "birth_date"} <= set(rename.values()), columns
    index = CanaryIndex.from_registry(reg)
    found = index.match_frame(frame.rename(columns=rename))
    assert {m.beacon_id for _, m in found if m.status == STATUS_CONFIRMED} == {c.beacon_id for c in canaries}


def test_hl7_round_trip(reg: Registry, tmp_path: Path) -> None:
    pytest.importorskip("workbench.synth.formats.hl7")
    canaries = mint(reg, RENNES.finess, count=6, target_format="hl7")
    (out,) = write_canaries(canaries, "hl7", tmp_path / "adt.hl7")
    text = out.read_bytes().decode("latin-1")
    pids = [seg.split("|") for seg in re.split(r"[\r\n]+", text) if seg.startswith("PID|")]
    assert pids
    index = CanaryIndex.from_registry(reg)
    found = set()
    for pid in pids:
        name = pid[5].split("~")[0].split("^")
        ids = [rep.split("^") for rep in pid[3].split("~")]
        fields = {"family_name": name[0], "given_name": name[1] if len(name) > 1 else None, "birth_date": pid[7]}
        for rep in ids:  # CX: id^^^assigning authority (HD, OID 1.2.250.1.213.1.4.8 = INS-NIR)^type
            fields["nir" if "1.2.250.1.213.1.4.8" in rep[3] else "ipp"] = rep[0]
        found |= {m.beacon_id for m in index.match_record(fields) if m.status == STATUS_CONFIRMED}
    assert found == {c.beacon_id for c in canaries}


def test_fhir_round_trip(reg: Registry, tmp_path: Path) -> None:
    pytest.importorskip("workbench.synth.formats.fhir")
    canaries = mint(reg, BREST.finess, count=6, target_format="fhir")
    (out,) = write_canaries(canaries, "fhir", tmp_path / "bundle.json")
    bundle = json.loads(out.read_bytes())
    assert bundle["resourceType"] == "Bundle"
    patients = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert len(patients) == 6
    index = CanaryIndex.from_registry(reg)
    found = set()
    for res in patients:
        nir = [i["value"] for i in res["identifier"] if i.get("system") == "urn:oid:1.2.250.1.213.1.4.8"]
        assert nir, res["identifier"]
        name = res["name"][0]
        fields = {"nir": nir[0], "family_name": name["family"], "given_name": name["given"][0],
                  "birth_date": res["birthDate"]}
        found |= {m.beacon_id for m in index.match_record(fields) if m.status == STATUS_CONFIRMED}
    assert found == {c.beacon_id for c in canaries}


def test_dicom_round_trip(reg: Registry, tmp_path: Path) -> None:
    pytest.importorskip("workbench.synth.formats.dicom")
    import pydicom

    canaries = mint(reg, RENNES.finess, count=2, target_format="dicom")
    files = write_canaries(canaries, "dicom", tmp_path / "studies")
    assert files and all(f.is_relative_to(tmp_path / "studies") for f in files)
    index = CanaryIndex.from_registry(reg)
    found = set()
    for f in files:
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        family, _, given = str(ds.PatientName).partition("^")
        fields = {"family_name": family, "given_name": given.split("^")[0], "birth_date": ds.PatientBirthDate,
                  "ipp": ds.PatientID}
        found |= {m.beacon_id for m in index.match_record(fields) if m.status == STATUS_CONFIRMED}
    assert found == {c.beacon_id for c in canaries}
