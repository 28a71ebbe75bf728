"""The signed registry: init, establishments, beacons, signature checks, merge, look-ups, derived keys."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from workbench.beacons.registry import (
    KIND_CANARY,
    Registry,
    RegistryError,
    RegistryMergeError,
    RegistrySignatureError,
    canonical_json,
    format_fingerprint,
)

AUTHORITY = "GCS e-santé Bretagne"


def _rennes(reg: Registry) -> None:
    reg.add_establishment(
        "350991019", "CHU de Rennes (démo)", group="GHT Haute-Bretagne", city="Rennes",
        dicom_uid_roots=["1.2.250.1.999.1", "1.2.250.1.999.1.1"], hl7_facility_codes=["CHURENNES"],
        ipp_patterns=[r"RN\d{8}"], nda_patterns=[r"\d{2}R\d{6}"],
        name_variants=["CHU RENNES", "C.H.U. de Rennes", "Centre Hospitalier Universitaire de Rennes"])


def _brest(reg: Registry) -> None:
    reg.add_establishment(
        "290990020", "CHU de Brest (démo)", city="Brest", dicom_uid_roots=["1.2.250.1.999.1.2"],
        hl7_facility_codes=["CHUBREST"], ipp_patterns=[r"29\d{8}", r"\d{10}"], name_variants=["CHRU BREST"])


@pytest.fixture
def reg_path(tmp_path: Path) -> Path:
    path = tmp_path / "registry.json"
    reg = Registry.init(path, AUTHORITY)
    _rennes(reg)
    _brest(reg)
    reg.save(str(path) + ".key")
    return path


def test_init_writes_registry_and_private_key(tmp_path: Path) -> None:
    path = tmp_path / "reg.json"
    reg = Registry.init(path, AUTHORITY)
    key = Path(str(path) + ".key")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    raw = path.read_bytes()
    doc = json.loads(raw)
    assert raw == canonical_json(doc)  # canonical on disk: sorted keys, no spaces
    assert doc["format"] == "balise-registry/1" and doc["signature"]["alg"] == "Ed25519"
    assert doc["payload"]["authority"] == AUTHORITY and doc["payload"]["version"] == 1
    assert b"PRIVATE" not in raw
    assert reg.key_id == doc["signature"]["key_id"]
    with pytest.raises(RegistryError, match="refusing to overwrite"):
        Registry.init(path, AUTHORITY)
    path.unlink()
    with pytest.raises(RegistryError, match="refusing to overwrite"):
        Registry.init(path, AUTHORITY)  # the key is still there
    assert not path.exists()


def test_add_and_reload_bumps_version(reg_path: Path) -> None:
    reg = Registry.load(reg_path)
    assert reg.version == 2  # init, then one save with two establishments
    assert set(reg.establishments) == {"350991019", "290990020"}
    est = reg.establishment("350991019")
    assert est.group == "GHT Haute-Bretagne" and est.ipp_patterns == [r"RN\d{8}"]
    assert "watermark_secret" not in repr(est)
    reg.add_beacon(KIND_CANARY, "350991019", recipient="Équipe recherche IRSET", target="csv",
                   fields={"nir": "ab" * 32})
    reg.save(str(reg_path) + ".key")
    again = Registry.load(reg_path)
    assert again.version == 3
    (beacon,) = again.beacons.values()
    assert beacon.beacon_id.startswith("BCN-") and len(beacon.beacon_id) == 16
    assert again.establishment("350991019").recipients == ["Équipe recherche IRSET"]


def test_add_refuses_bad_input(reg_path: Path) -> None:
    reg = Registry.load(reg_path)
    with pytest.raises(RegistryError, match="already registered"):
        _rennes(reg)
    with pytest.raises(RegistryError, match="FINESS"):
        reg.add_establishment("3500", "Nowhere")
    with pytest.raises(RegistryError, match="pattern"):
        reg.add_establishment("350000000", "X", ipp_patterns=["RN(\\d"])
    with pytest.raises(RegistryError, match="UID root"):
        reg.add_establishment("350000000", "X", dicom_uid_roots=["1.2.abc"])
    with pytest.raises(RegistryError, match="not in the registry"):
        reg.add_beacon(KIND_CANARY, "560000000")
    with pytest.raises(RegistryError, match="HMAC"):
        reg.add_beacon(KIND_CANARY, "350991019", fields={"nir": "284032935212345"})  # a value, not a hash


def test_flipped_payload_byte_is_refused(reg_path: Path) -> None:
    raw = reg_path.read_bytes()
    pos = raw.index(b"Brest (d") + 1  # inside a string value: the JSON stays valid
    tampered = raw[:pos] + bytes([raw[pos] ^ 0x01]) + raw[pos + 1 :]
    json.loads(tampered)
    reg_path.write_bytes(tampered)
    with pytest.raises(RegistrySignatureError, match="SIGNATURE INVALID") as info:
        Registry.load(reg_path)
    assert "\n" not in str(info.value) and "SHA256:" in str(info.value)


def test_every_single_byte_flip_of_the_payload_is_refused(reg_path: Path) -> None:
    raw = reg_path.read_bytes()
    start = raw.index(b'"payload":') + len(b'"payload":')
    end = raw.index(b',"signature":')
    for pos in range(start, end, max(1, (end - start) // 150)):
        tampered = raw[:pos] + bytes([raw[pos] ^ 0x20]) + raw[pos + 1 :]
        reg_path.write_bytes(tampered)
        with pytest.raises(RegistryError):
            Registry.load(reg_path)


def test_resigned_with_another_key_is_refused_when_pinned(reg_path: Path, tmp_path: Path) -> None:
    genuine = Registry.load(reg_path)
    pinned = genuine.key_id
    assert pinned is not None
    forger = Registry.init(tmp_path / "forger.json", AUTHORITY)  # only for its key
    del forger
    fake = Registry.load(reg_path)
    fake.add_establishment("560990030", "Clinique fantôme")
    with pytest.raises(RegistryError, match="signed by"):
        fake.save(tmp_path / "forger.json.key")
    fake.save(tmp_path / "forger.json.key", rotate_key=True)
    Registry.load(reg_path)  # valid signature on its own...
    with pytest.raises(RegistrySignatureError, match="untrusted key"):
        Registry.load(reg_path, trusted_keys=[pinned])  # ...but not from the pinned authority
    Registry.load(reg_path, trusted_keys=[fake.key_id or ""])
    genuine_view = format_fingerprint(pinned)
    Registry.load(tmp_path / "forger.json", trusted_keys=[format_fingerprint(fake.key_id or "")])
    assert genuine_view.startswith("SHA256:") and len(genuine_view.split()) == 16


def test_corrupt_files_raise_clear_errors(tmp_path: Path, reg_path: Path) -> None:
    cases = {
        "empty.json": b"",
        "garbage.json": os.urandom(256),
        "truncated.json": reg_path.read_bytes()[:-40],
        "other.json": b'{"format": "something-else"}',
        "dupe.json": reg_path.read_bytes().replace(b'{"format":', b'{"format":"x","format":', 1),
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(RegistryError) as info:
            Registry.load(path)
        assert "\n" not in str(info.value)
    with pytest.raises(RegistryError, match="cannot read"):
        Registry.load(tmp_path / "missing.json")


def test_establishment_lookups(reg_path: Path) -> None:
    reg = Registry.load(reg_path)
    assert reg.by_finess("350991019").name == "CHU de Rennes (démo)"
    assert reg.by_finess("999999999") is None
    assert reg.by_hl7_facility("churennes").finess == "350991019"
    assert reg.by_hl7_facility("CHUBREST^1.2.250.1.999.1.2^ISO").finess == "290990020"
    assert reg.by_hl7_facility("CHUNANTES") is None
    # longest root wins: 1.2.250.1.999.1.2 is Brest even though Rennes owns 1.2.250.1.999.1
    assert reg.by_dicom_uid("1.2.250.1.999.1.2.3.4").finess == "290990020"
    assert reg.by_dicom_uid("1.2.250.1.999.1.1.7").finess == "350991019"
    assert reg.by_dicom_uid("1.2.250.1.999.1.7.7").finess == "350991019"
    assert reg.by_dicom_uid("1.2.250.1.999.10.1") is None  # a root is a whole arc prefix, not a string prefix
    assert reg.by_name("C.H.U. DE RENNES").finess == "350991019"
    assert reg.by_name("centre hospitalier universitaire de rennes").finess == "350991019"
    assert reg.by_name("CHU de Nantes") is None
    assert [e.finess for e in reg.by_ipp("RN00012345")] == ["350991019"]
    assert [e.finess for e in reg.by_ipp("2900012345")] == ["290990020"]
    assert reg.by_ipp("X" * 10_000) == []
    assert [e.finess for e in reg.by_nda("24R000123")] == ["350991019"]


def test_lookup_hash_is_keyed_and_normalised(reg_path: Path, tmp_path: Path) -> None:
    reg = Registry.load(reg_path)
    a = reg.lookup_hash("birth_date", "07/03/1984")
    assert a == reg.lookup_hash("birth_date", "19840307") and len(a or "") == 64
    assert a != reg.lookup_hash("birth_date", "08/03/1984")
    assert reg.lookup_hash("name", "Le Floc'h|Maëlle") == reg.lookup_hash("name", "LE FLOCH|MAELLE")
    assert reg.lookup_hash("birth_date", "not a date") is None
    other = Registry.init(tmp_path / "other.json", AUTHORITY)
    assert other.lookup_hash("birth_date", "07/03/1984") != a  # another registry, another key


def test_watermark_keys_differ_per_establishment_and_recipient(reg_path: Path) -> None:
    reg = Registry.load(reg_path)
    k0 = reg.watermark_key("350991019")
    k1 = reg.watermark_key("350991019", "Biorance")
    assert len(k0) == 32 and k0 != k1
    assert k1 == reg.watermark_key("350991019", "  biorance ")  # recipients compare loosely
    assert k1 != reg.watermark_key("290990020", "Biorance")
    assert k1 == Registry.load(reg_path).watermark_key("350991019", "Biorance")  # stable across loads
    with pytest.raises(RegistryError):
        reg.watermark_key("560000000")


def test_table_mark_keys_share_the_establishment_code(reg_path: Path) -> None:
    """The Tardos biases come from one code key per establishment, derived (nothing stored): every recipient
    of an establishment shares it, another establishment has its own, and it is none of the recipients' keys."""
    reg = Registry.load(reg_path)
    a, b = reg.table_mark_key("350991019", "Biorance"), reg.table_mark_key("350991019")
    assert a.code == b.code and len(a.code) == 32 and a.recipient != b.recipient
    assert a.recipient == reg.watermark_key("350991019", "Biorance") and a.code not in (a.recipient, b.recipient)
    assert reg.table_mark_key("290990020", "Biorance").code != a.code
    assert Registry.load(reg_path).table_mark_key("350991019", "Biorance") == a  # stable across loads
    assert repr(a.code) not in repr(a) and repr(a.recipient) not in repr(a)  # secrets never in a repr


def _copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    Path(str(dst) + ".key").write_bytes(Path(str(src) + ".key").read_bytes())
    return dst


def test_merge_two_copies_of_one_registry(reg_path: Path, tmp_path: Path) -> None:
    key = str(reg_path) + ".key"
    site = Registry.load(_copy(reg_path, tmp_path / "site.json"))
    site.add_beacon(KIND_CANARY, "290990020", recipient="Biorance", fields={"nir": "cd" * 32})
    site.update_establishment("290990020", city="Brest cedex")  # changed on the site's copy
    site.add_establishment("560990030", "EHPAD Les Hortensias (démo)")
    site.save(key)
    site.add_beacon(KIND_CANARY, "350991019", fields={"email": "ef" * 32})
    site.save(key)  # version 4: newer than the authority's
    central = Registry.load(reg_path)
    central.add_beacon(KIND_CANARY, "350991019", fields={"nir": "12" * 32})
    central.save(key)  # version 3
    report = central.merge(Registry.load(site.path))
    assert report.establishments_added == ["560990030"]
    assert len(report.beacons_added) == 2
    assert any("290990020" in c and "city" in c and "kept other" in c for c in report.conflicts)
    central.save(key)
    merged = Registry.load(reg_path)
    assert merged.version == 5 and len(merged.beacons) == 3
    assert merged.establishment("290990020").city == "Brest cedex"
    assert merged.establishment("290990020").recipients == ["Biorance"]


def test_merge_refuses_other_authority_or_lineage(reg_path: Path, tmp_path: Path) -> None:
    reg = Registry.load(reg_path)
    with pytest.raises(RegistryMergeError, match="authorities differ"):
        reg.merge(Registry.init(tmp_path / "b.json", "ARS Bretagne"))
    with pytest.raises(RegistryMergeError, match="lookup keys differ"):
        reg.merge(Registry.init(tmp_path / "c.json", AUTHORITY))
