"""``balise doctor`` and workbench.engine.environment: real libraries, real rules, real signed registries."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.beacons.registry import Registry
from workbench.cli import main
from workbench.cli.doctor import format_text
from workbench.engine import environment as env
from workbench.engine.store.metadata import CaseStore
from workbench.engine.yara_rules import bundled_rules_dir

ROOT = Path(__file__).resolve().parents[2]


def _signed_registry(tmp_path: Path) -> Path:
    path = tmp_path / "registry.json"
    reg = Registry.init(path, authority="GCS e-Santé Bretagne")
    reg.add_establishment("350005179", "CHU de Rennes", city="Rennes")
    reg.save(Path(str(path) + ".key"))
    return path


def test_rules_digest_is_sha256sum_listing(tmp_path: Path) -> None:
    folder = bundled_rules_dir()
    digest, names = env.rules_digest(folder)
    files = sorted(folder.glob("*.yar"), key=lambda p: p.name.encode())
    listing = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in files)
    assert digest == hashlib.sha256(listing.encode()).hexdigest()
    assert names == [p.name for p in files] and len(names) >= 5
    if shutil.which("sha256sum"):  # the digest a reader can recompute by hand
        out = subprocess.run("LC_ALL=C sha256sum *.yar | sha256sum", shell=True, cwd=folder, capture_output=True,
                             text=True, check=True).stdout.split()[0]
        assert out == digest
    copy = tmp_path / "rules"
    shutil.copytree(folder, copy)
    first = sorted(copy.glob("*.yar"))[0]
    first.write_bytes(first.read_bytes() + b"\n")  # one byte more in one rule file changes the digest
    assert env.rules_digest(copy)[0] != digest


def test_check_rules_ok_and_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = env.check_rules()
    assert good.ok and len(good.version) == 64 and "compiled" in good.detail
    broken = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), broken)
    (broken / "zz_broken.yar").write_text('rule broken { strings: $a = "x" condition: $b }\n', "utf-8")
    monkeypatch.setenv("BALISE_RULES_DIR", str(broken))
    bad = env.check_rules()
    assert not bad.ok and bad.required and "DO NOT COMPILE" in bad.detail
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("BALISE_RULES_DIR", str(empty))
    assert not env.check_rules().ok


def test_check_registry_states(tmp_path: Path) -> None:
    path = _signed_registry(tmp_path)
    good = env.check_registry(path)
    reg = Registry.load(path)
    assert good.ok and "signature valid" in good.detail and "1 establishments" in good.detail
    assert reg.key_id[:12].upper() in good.detail.replace(":", "").replace(" ", "").upper()
    # Tamper: one byte of the signed payload changed.
    doc = json.loads(path.read_text("utf-8"))
    doc["payload"]["establishments"][0]["name"] = "CHU de Brest"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc), "utf-8")
    bad = env.check_registry(tampered)
    assert not bad.ok and bad.required and "SIGNATURE INVALID" in bad.detail
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xffnot json")
    assert not env.check_registry(garbage).ok
    none = env.check_registry(None)
    assert none.ok and not none.required


def test_check_registry_of_case(tmp_path: Path) -> None:
    path = _signed_registry(tmp_path)
    case = tmp_path / "case"
    with CaseStore(case) as store:
        store.set_meta("registry_path", str(path))
        store.db.commit()
    assert env.registry_of_case(case) == path
    assert env.check_registry(case=case).ok
    path.write_text(path.read_text("utf-8").replace("Rennes", "Renne5"), "utf-8")
    assert not env.check_registry(case=case).ok
    assert not env.check_registry(case=tmp_path / "no-case").ok


def test_check_libmagic_identifies_real_headers() -> None:
    check = env.check_libmagic()
    assert check.ok, check.detail
    assert check.version and check.version[0].isdigit() and "database" in check.detail


def test_bundled_libmagic_is_used_when_frozen(tmp_path: Path) -> None:
    """A fake PyInstaller bundle holding libmagic + magic.mgc: the child process must load those, not the host's."""
    import ctypes.util

    lib = ctypes.util.find_library("magic")
    host_db = next((p for p in (Path("/usr/lib/file/magic.mgc"), Path("/usr/share/misc/magic.mgc")) if p.is_file()),
                   None)
    if sys.platform != "linux" or lib is None or host_db is None:
        pytest.skip("needs the host's libmagic1 to build a fake bundle")
    real_lib = Path(os.path.realpath(next(p for p in ("/lib/x86_64-linux-gnu/" + lib, "/usr/lib/x86_64-linux-gnu/" + lib)
                                          if Path(p).exists())))
    bundle = tmp_path / "bundle"
    (bundle / "libmagic").mkdir(parents=True)
    shutil.copy2(real_lib, bundle / "libmagic" / "libmagic.so.1")
    shutil.copy2(host_db, bundle / "libmagic" / "magic.mgc")
    code = (
        "import sys, json; sys.frozen = True; sys._MEIPASS = sys.argv[1]\n"
        "from workbench.engine import environment as e\n"
        "db = e.configure_libmagic(); c = e.check_libmagic()\n"
        "print(json.dumps({'db': str(db), 'ok': c.ok, 'detail': c.detail}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(bundle)], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={**os.environ, "MAGIC": "/nonexistent"})
    facts = json.loads(out.stdout.strip().splitlines()[-1])
    assert facts["ok"], facts
    assert facts["db"] == str(bundle / "libmagic" / "magic.mgc")
    assert "(bundled)" in facts["detail"] and f"library {bundle}" in facts["detail"]


def test_check_packages_reports_missing() -> None:
    checks = env.check_packages([("yara-python", "yara", True), ("no-such-dist", "no_such_module_xyz", True),
                                 ("optional-thing", "no_such_module_abc", False)])
    by = {c.name: c for c in checks}
    assert by["yara-python"].ok and by["yara-python"].version == "4.5.4"
    assert not by["no-such-dist"].ok and "cannot import" in by["no-such-dist"].detail
    report = env.EnvironmentReport("0", "3.11", "x", "x", False, checks)
    assert report.missing == ["no-such-dist"] and not report.ok
    assert "NOT READY: no-such-dist" in format_text(report)


def test_check_qt_timeout_and_failure() -> None:
    hung = env.check_qt([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1.5)
    assert not hung.ok and "did not answer" in hung.detail and not hung.required
    failed = env.check_qt([sys.executable, "-c", "import sys; sys.stderr.write('xcb plugin missing\\n'); sys.exit(3)"])
    assert not failed.ok and "exit 3" in failed.detail and "xcb plugin missing" in failed.detail


def test_doctor_json_real_qt_probe(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["doctor", "--json", "--qt-timeout", "90"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["ok"] and out["missing"] == []
    names = {c["name"]: c for c in out["checks"]}
    for needed in ("python", "libmagic", "yara-python", "hyperscan", "pandas", "pydicom", "reportlab",
                   "cryptography", "rules", "registry", "qt", "pyside6"):
        assert needed in names, needed
    assert names["qt"]["ok"], names["qt"]
    assert names["qt"]["version"].startswith("6.")


def test_doctor_text_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _signed_registry(tmp_path)
    assert main(["doctor", "--no-qt", "--registry", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Ready: every required check passed." in text and "signature valid" in text
    doc = json.loads(path.read_text("utf-8"))
    doc["payload"]["version"] += 1
    path.write_text(json.dumps(doc), "utf-8")
    assert main(["doctor", "--no-qt", "--registry", str(path)]) == 1
    text = capsys.readouterr().out
    assert "NOT READY: registry" in text and "SIGNATURE INVALID" in text
    assert main(["doctor", "--registry", "a", "--case", "b"]) == 2  # mutually exclusive: usage error


def test_dicom_decoders_named_per_syntax() -> None:
    check = env.check_dicom_decoders()
    assert check.ok and not check.required
    assert "JPEG Lossless: gdcm" in check.detail and "pyjpegls" in check.detail and "pylibjpeg" in check.detail
