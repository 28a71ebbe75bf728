"""Bundled YARA rule set: compiles, every rule fires on a realistic sample and not on unrelated data; user rules."""

from __future__ import annotations

import base64
import hashlib
import pickle
import struct
import time
from pathlib import Path

import pytest
import yara

from workbench.engine import yara_rules
from workbench.engine.yara_rules import RuleCompileError, YaraScanError, compile_rules, scan

NIR = "185057800608491"


@pytest.fixture(scope="module")
def ruleset() -> yara_rules.RuleSet:
    return compile_rules([])


def _dicom(preamble: bool) -> bytes:
    def el(group: int, elem: int, vr: bytes, value: bytes) -> bytes:
        if len(value) % 2:
            value += b" "
        return struct.pack("<HH", group, elem) + vr + struct.pack("<H", len(value)) + value

    body = (el(0x0008, 0x0005, b"CS", b"ISO_IR 100") + el(0x0008, 0x0016, b"UI", b"1.2.840.10008.5.1.4.1.1.2")
            + el(0x0008, 0x0080, b"LO", b"CHU de Rennes") + el(0x0010, 0x0010, b"PN", b"MOREAU^CAROLINE")
            + el(0x0010, 0x0020, b"LO", b"4159601") + el(0x0010, 0x0030, b"DA", b"19880912"))
    return (b"\0" * 128 + b"DICM" + body) if preamble else body


MYSQL_CANARY = (
    "-- MySQL dump 10.13  Distrib 8.0.26, for Linux (x86_64)\n--\n-- Host: localhost    Database: dpi\n"
    "LOCK TABLES `patient` WRITE;\nINSERT INTO `patient` VALUES (1,'MOREAU','Caroline','1988-09-12');\n"
    "SET @bb = CONCAT(\"CHANGE MASTER TO MASTER_PASSWORD='my-secret-pw', MASTER_RETRY_COUNT=1, MASTER_PORT=3306, "
    "MASTER_HOST='q4pqa3t81mssrfr86aozrzbrp.canarytokens.com', MASTER_USER='q4pqa3t81mssrfr86aozrzbrp\", "
    "@@lc_time_names, @@hostname, \"';\");\nPREPARE stmt FROM @bb;\nEXECUTE stmt;\nSTART REPLICA;\nUNLOCK TABLES;\n"
)
_INNER = ("SET @bb = CONCAT(\"CHANGE REPLICATION SOURCE TO SOURCE_PASSWORD='my-secret-pw', SOURCE_RETRY_COUNT=1, "
          "SOURCE_PORT=3306, SOURCE_HOST='80g00n1tvcfffsapl0w30qzd6.canarytokens.com', SOURCE_SSL=0, "
          "SOURCE_USER='80g00n1tvcfffsapl0w30qzd6\", @@lc_time_names, @@hostname, \"';\");")
MYSQL_CANARY_B64 = (
    "-- Dump completed\nSET @b = '" + base64.b64encode(_INNER.encode()).decode() + "';\nSET @s2 = FROM_BASE64(@b);\n"
    "PREPARE stmt1 FROM @s2;\nEXECUTE stmt1;\nPREPARE stmt2 FROM @bb;\nEXECUTE stmt2;\nSTART REPLICA;\n")
MYSQL_CANARY_HEX = "SET @b = 0x" + _INNER.encode().hex().upper() + ";\nSET @s2 = UNHEX(@b);\n"

POSITIVES: dict[str, bytes] = {
    "nir_unspaced": f"ipp;nom;nir\r\n80004521;MOREAU;{NIR}\r\n".encode("cp1252"),
    "nir_spaced": "Assuré : Mme MOREAU, n° 1 85 05 78 006 084 91\n".encode(),
    "nir_with_keyword": "N° de sécurité sociale : 1 85 05 78 006 084 91".encode("cp1252"),
    "ins_qualified_identity": f"PID|||{NIR}^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS".encode(),
    "finess_with_keyword": b"Etablissement : CHU de Rennes - FINESS EJ : 350005179\n",
    "rpps_with_keyword": b"Prescripteur : Dr LEFRANCOIS, RPPS 10100710366\n",
    "hl7v2_message": b"MSH|^~\\&|SIGEMS|CHU|LAB|LABO|20240326||ADT^A08|1|P|2.5\rEVN||20240326\r",
    "hl7v2_patient_data": b"MSH|^~\\&|SIGEMS|CHU|LAB|LABO|20240326||ADT^A01|1|P|2.5\rPID|||4159601^^^CHU^PI||MOREAU^CAROLINE\r",
    "hl7v2_results": b"MSH|^~\\&|LAB|BIO|DPI|CHU|20240326||ORU^R01|9|P|2.5\rPID|||4159601\rOBR|1\rOBX|1|NM|718-7^Hemoglobin^LN||13.2|g/dL\r",
    "dicom_part10": _dicom(True),
    "dicom_raw_dataset": _dicom(False),
    "dicom_patient_module": _dicom(True),
    "fhir_patient_json": b'{"resourceType": "Patient", "id": "p1", "name": [{"family": "MOREAU"}]}',
    "fhir_patient_xml": b'<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><name><family value="MOREAU"/></name></Patient>',
    "fhir_french_profiles": (b'{"resourceType":"Patient","meta":{"profile":["https://hl7.fr/ig/fhir/core/StructureDefinition/'
                             b'fr-core-patient"]},"identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"'
                             + NIR.encode() + b'"}]}'),
    "cda_clinical_document": (b'<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><recordTarget><patientRole>'
                              b'<patient><name><family>MOREAU</family></name></patient></patientRole></recordTarget>'
                              b'</ClinicalDocument>'),
    "cda_french_cisis": (b'<ClinicalDocument xmlns="urn:hl7-org:v3"><templateId root="1.2.250.1.213.1.1.1.1"/>'
                         b'<recordTarget><patientRole/></recordTarget></ClinicalDocument>'),
    "hprim_sante": (b"H|~^\\&|HPR0001.HPR||BIORANCE^Laboratoire Biorance|ADM||||DPI^CHU||P|H2.2^C|20240326101500\r"
                    b"P|1||4159601||MOREAU^CAROLINE||19880912|F\rOBR|1||24032601|NFS\r"
                    b"OBX|1|NM|HB^Hemoglobine||13.2|g/dl|12-16|N\rL|1|N\r"),
    "hprim_medecins": ("4159601\nMOREAU\nCAROLINE\n22 Bd Gambetta\n\n35000 RENNES\n12/09/1988\n185057800608491\n"
                       "24032601\n26/03/2024\nLABORATOIRE BIORANCE\nDr LEFRANCOIS\n\nNFS\n****LAB****\n"
                       "RES|Hémoglobine|HB|N|13.2|g/dl|12.0|16.0|N|F\nRES|Leucocytes|GB|N|6.1|G/l|4.0|10.0|N|F\n"
                       "****FINLAB****\n****FIN****\n").encode("cp1252"),
    "sql_patient_table": (b"CREATE TABLE `patient` (\n  `id` int NOT NULL,\n  `ipp` varchar(20) NOT NULL,\n"
                          b"  `nom` varchar(80) NOT NULL,\n  `prenom` varchar(80) NOT NULL,\n  `date_naissance` date ,\n"
                          b"  `nir` char(15) DEFAULT NULL,\n  `sexe` char(1) \n) ENGINE=InnoDB;\n"),
    "sql_patient_insert": b"INSERT INTO `patients` VALUES (1,'4159601','MOREAU','Caroline','1988-09-12');\n",
    "lab_report_fr": ("COMPTE RENDU D'EXAMENS DE BIOLOGIE MÉDICALE\nPrélèvement du 26/03/2024\nHémoglobine 13,2 g/dL "
                      "(12,0-16,0)\nLeucocytes 6,1 G/L\nPlaquettes 254 G/L\nCréatinine 72 µmol/L\n"
                      "Valeurs de référence selon l'âge\nLe biologiste : Dr MARTIN\n").encode(),
    "discharge_letter_fr": ("Cher confrère,\nJ'ai vu en consultation Mme MOREAU. Motif d'hospitalisation : dyspnée.\n"
                            "Antécédents : HTA, diabète de type 2.\nHistoire de la maladie : ...\n"
                            "Traitement de sortie : ...\nBien confraternellement,\n").encode("cp1252"),
    "prescription_fr": ("ORDONNANCE\nDr LEFRANCOIS\nAMOXICILLINE 1 g : 1 comprimé 3 fois par jour pendant 7 jours\n"
                        "Posologie adaptée. QSP 1 mois, à renouveler 2 fois.\n").encode(),
    "canarytoken_mysql_dump": MYSQL_CANARY.encode(),
    "canarytoken_mysql_dump_encoded": MYSQL_CANARY_B64.encode(),
    "canarytoken_host": b"<img src=\"http://canarytokens.com/traffic/about/tags/z5yghdcbwlr8kxpmsz1d2x3tm/post.jsp\">",
    "canarytoken_office_document": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Relationships xmlns="http://schemas.openxmlformats.'
        b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument'
        b'/2006/relationships/image" Target="http://canarytokens.com/articles/feedback/images/'
        b'z5yghdcbwlr8kxpmsz1d2x3tm/contact.php" TargetMode="External"/></Relationships>'),
    "canarytoken_pdf": (b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /URI /URI "
                        b"(http://z5yghdcbwlr8kxpmsz1d2x3tm.canarytokens.net/) >> >> endobj\n%%EOF\n"),
}

NEGATIVES = [
    b"Lorem ipsum dolor sit amet, consectetur adipiscing elit. Invoice 2024-03-26 total 1234.56 EUR\n" * 50,
    "sku;libelle;prix\r\n100234;Chaise de bureau;89,90\r\n100235;Lampe LED;19,90\r\n".encode("cp1252") * 40,
    b"CREATE TABLE `product` (`id` int, `name` varchar(80), `price` decimal(10,2));\n"
    b"INSERT INTO `product` VALUES (1,'Chair',89.90);\n",
    b'{"resourceType": "Organization", "name": "CHU"}',
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    b"MSH is not HL7 here. H|x P|y ORDONNANCE alone. canarytokens is a word, not a host.\n",
    "Réunion du comité : la plaquette de présentation et le compte rendu seront envoyés.\n".encode(),
]


def _rules(findings) -> set[str]:
    return {f.rule for f in findings}


def test_bundled_set_compiles_with_one_namespace_per_file(ruleset: yara_rules.RuleSet) -> None:
    names = [s.name for s in ruleset.sources]
    assert len(names) == len(set(names)) >= 8
    for src in ruleset.sources:
        assert src.origin == "bundled"
        assert src.sha256 == hashlib.sha256(Path(src.path).read_bytes()).hexdigest()
    # the remaining compile warnings are the digit-class NIR regexes (no literal atom to anchor on)
    assert ruleset.warnings
    assert all("fr_identifiers.yar" in w and "slow down scanning" in w for w in ruleset.warnings)


def test_every_rule_has_the_required_meta(ruleset: yara_rules.RuleSet) -> None:
    rules = ruleset.all_rules()
    assert {r.identifier for r in rules} == set(POSITIVES)
    for r in rules:
        assert {"description", "author", "category", "severity"} <= set(r.meta), r.identifier
        assert r.meta["author"] == "Balise Workbench"
        assert r.meta["severity"] in ("info", "warning", "high")
        if "honeytoken" in r.tags:
            assert r.meta["severity"] == "high" and "never resolve or contact" in r.meta["note"]


@pytest.mark.parametrize("rule", sorted(POSITIVES))
def test_rule_fires_on_its_positive_sample(ruleset: yara_rules.RuleSet, rule: str) -> None:
    findings = scan(ruleset, POSITIVES[rule], vpath="dump.zip!/sample")
    assert rule in _rules(findings)
    f = next(f for f in findings if f.rule == rule)
    assert f.detector == "yara" and f.vpath == "dump.zip!/sample" and f.meta["matches"] >= (0 if "dicom" in rule else 1)
    assert NIR not in f.excerpt and "4159601" not in f.excerpt  # excerpts are masked


@pytest.mark.parametrize("index", range(len(NEGATIVES)))
def test_no_rule_fires_on_unrelated_data(ruleset: yara_rules.RuleSet, index: int) -> None:
    assert scan(ruleset, NEGATIVES[index], vpath="x") == []


def test_hl7_is_not_taken_for_hprim(ruleset: yara_rules.RuleSet) -> None:
    assert "hprim_sante" not in _rules(scan(ruleset, POSITIVES["hl7v2_results"], vpath="x"))


def test_honeytoken_in_realistic_mysql_dumps(ruleset: yara_rules.RuleSet) -> None:
    for dump, rule in ((MYSQL_CANARY, "canarytoken_mysql_dump"), (MYSQL_CANARY_B64, "canarytoken_mysql_dump_encoded"),
                       (MYSQL_CANARY_HEX, "canarytoken_mysql_dump_encoded")):
        findings = [f for f in scan(ruleset, dump.encode(), vpath="leak.sql") if "honeytoken" in f.tags]
        assert rule in _rules(findings)
        assert all(f.severity == "high" for f in findings)


def test_offsets_layer_and_base_offset(ruleset: yara_rules.RuleSet) -> None:
    data = b"x" * 100 + POSITIVES["hl7v2_message"]
    (f,) = [f for f in scan(ruleset, data, vpath="a", layer="pdf-text", base_offset=5000) if f.rule == "hl7v2_message"]
    assert f.offset == 5100 and f.length == 9 and f.layer == "pdf-text" and f.namespace == "hl7v2"


def test_memoryview_and_mmap_buffers(ruleset: yara_rules.RuleSet, tmp_path: Path) -> None:
    import mmap

    p = tmp_path / "a.dcm"
    p.write_bytes(_dicom(True))
    with p.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        assert "dicom_part10" in _rules(scan(ruleset, mm, vpath="a.dcm"))
        assert "dicom_part10" in _rules(scan(ruleset, memoryview(mm), vpath="a.dcm"))


def test_user_rules_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "hl7v2.yar").write_text(
        'rule chu_rennes_feed { meta: description = "x" strings: $a = "CHU_RENNES" condition: $a }\n')
    (tmp_path / "site" / "sub").mkdir()
    (tmp_path / "site" / "sub" / "canaries.yara").write_text(
        'rule demo_canary { strings: $a = "CANARY-0001" condition: $a }\n')
    (tmp_path / "site" / "notes.txt").write_text("not a rule file")
    rs = compile_rules([tmp_path / "site"])
    user = [s for s in rs.sources if s.origin == "user"]
    assert [s.name for s in user] == ["site/hl7v2.yar", "site/sub/canaries.yara"]
    assert {s.namespace for s in user} == {"default"}  # one namespace, as the yara CLI with several files
    found = scan(rs, b"MSH|^~\\&|APP|CHU_RENNES|\rNTE|CANARY-0001\r", vpath="x")
    assert {("default", "chu_rennes_feed"), ("default", "demo_canary"), ("hl7v2", "hl7v2_message")} <= {
        (f.namespace, f.rule) for f in found}


def test_syntax_error_skips_the_file_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "mine.yar"
    bad.write_text('rule ok { strings: $a = "x" condition: $a }\n\nrule broken {\n  strings:\n'
                   '    $a = "y"\n  condition:\n    $a and and $a\n}\n')
    rs = compile_rules([bad])
    (skipped,) = rs.skipped
    assert skipped.path == str(bad) and skipped.line == 7 and "syntax error" in skipped.reason
    assert str(skipped).startswith(f"{bad}:7:")
    assert "ok" not in {r.identifier for r in rs.all_rules()}  # the whole file is not applied
    with pytest.raises(RuleCompileError) as exc:
        compile_rules([bad], strict=True)
    assert str(exc.value).startswith(f"{bad}:7: ") and "--strict-rules" in str(exc.value)
    undefined = tmp_path / "undefined.yar"
    undefined.write_text('rule u {\n  condition:\n    $b\n}\n')
    (skipped,) = compile_rules([undefined], bundled=False).skipped
    assert skipped.line in (3, 4) and "$b" in skipped.reason
    with pytest.raises(RuleCompileError, match="no such rule file or folder"):
        compile_rules([tmp_path / "missing.yar"])


def test_ruleset_pickles_as_compiled_rules(ruleset: yara_rules.RuleSet) -> None:
    clone = pickle.loads(pickle.dumps(ruleset))
    assert clone.sources == ruleset.sources and clone._rules == {}
    assert _rules(scan(clone, POSITIVES["hl7v2_patient_data"], vpath="x")) == _rules(
        scan(ruleset, POSITIVES["hl7v2_patient_data"], vpath="x"))


def test_timeout_becomes_a_scan_error(ruleset: yara_rules.RuleSet) -> None:
    class SlowRules:
        def match(self, **kwargs):
            raise yara.TimeoutError("timed out")

    broken = pickle.loads(pickle.dumps(ruleset))
    broken._rules = {"main": SlowRules(), "text": SlowRules()}
    with pytest.raises(YaraScanError, match="timed out"):
        scan(broken, b"data", vpath="x", timeout=1)


def test_bundled_rules_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALISE_RULES_DIR", str(tmp_path))
    assert yara_rules.bundled_rules_dir() == tmp_path
    monkeypatch.delenv("BALISE_RULES_DIR")
    assert (yara_rules.bundled_rules_dir() / "hl7v2.yar").is_file()


@pytest.mark.slow
def test_bundled_set_throughput(ruleset: yara_rules.RuleSet) -> None:
    """~100 MB of mixed health data (CSV, HL7, SQL, letters); prints MB/s (CPU time) of the bundled set."""
    block = b"".join(POSITIVES.values()) + b"".join(NEGATIVES)
    line = f"80004521;MOREAU;Caroline;12/09/1988;{NIR};22 Bd Gambetta;35000;Rennes;06 12 34 56 78\r\n".encode()
    chunk = (line * 2000 + block) * 8
    data = chunk * (100_000_000 // len(chunk) + 1)
    t0 = time.process_time()
    findings = scan(ruleset, data, vpath="big")
    dt = time.process_time() - t0
    assert {"nir_unspaced", "hl7v2_patient_data", "canarytoken_mysql_dump"} <= _rules(findings)
    print(f"\nYARA bundled set, fast mode: {len(data) / 1e6 / dt:.1f} MB/s (CPU time, {len(data) / 1e6:.0f} MB)")


def test_excerpts_of_latin1_names_and_cut_words_leave_no_piece_of_a_name() -> None:
    """A DICOM header in ISO_IR 100 (Latin-1): "Moreau^Gérard" decoded as UTF-8 with replacement characters
    became "G\ufffdrard", whose "rard" no masking could see; a word cut by the excerpt's edge ("ibault" of
    "Thibault") is not a recognisable given name either. Both are gone from the excerpt."""
    head = b"Thibault " + b"x" * 9 + b" Moreau^G\xe9rard^A\xebwenn "
    buf = head + b"ISO_IR 100 " + b"DICM" + b" Dupont^B\xe9atrice " + b"y" * 23 + b" Leguennec"
    at = buf.index(b"DICM")
    assert yara_rules.EXCERPT_BYTES == 48 and at - 48 == 3 and at + 4 + 48 == buf.index(b"Leguennec") + 7
    text = yara_rules._excerpt(memoryview(buf), at, 4)
    assert "DICM" in text and "\ufffd" not in text
    for piece in ("rard", "wenn", "atrice", "ibault", "oreau", "upont", "eguennec", "Gérard", "Aëwenn"):
        assert piece not in text, (piece, text)
    assert "G*****" in text  # Gérard, decoded as Latin-1, masked as a given name
    # UTF-8 text cut in the middle of a character at an edge stays UTF-8 (no mojibake of the names).
    utf8 = ("Hémoglobine " * 5 + "DICM Gérard ").encode()
    cut = yara_rules._excerpt(memoryview(utf8), utf8.index(b"DICM"), 4)
    assert "Ã" not in cut and "Hémoglobine" in cut and "rard" not in cut
