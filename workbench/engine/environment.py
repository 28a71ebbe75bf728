"""Facts about this installation, for ``balise doctor`` and the window's About box; libmagic set-up.

Qt-free: the Qt runtime is probed by running a command given by the caller in a subprocess, with a timeout,
so that a broken platform plugin cannot hang or crash the caller. :func:`configure_libmagic` makes python-magic
use the libmagic and database shipped with the application (PyInstaller bundle, Windows wheelhouse, pylibmagic)
rather than whatever the host has; ``kinds.py`` calls it before its first ``import magic``.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Check", "EnvironmentReport", "bundle_dir", "configure_libmagic", "magic_database", "rules_digest",
    "check_packages", "check_libmagic", "check_rules", "check_registry", "check_qt", "check_x11", "gather",
    "debian_package", "missing_libraries",
]

# (distribution, import name, required). Required: the workbench cannot scan or report without it.
PACKAGES: tuple[tuple[str, str, bool], ...] = (
    ("yara-python", "yara", True),
    ("hyperscan", "hyperscan", True),
    ("pandas", "pandas", True),
    ("pyarrow", "pyarrow", True),
    ("duckdb", "duckdb", True),
    ("rapidgzip", "rapidgzip", False),  # big tar.gz split into member tasks; without it, one task per archive
    ("numpy", "numpy", True),
    ("pydicom", "pydicom", True),
    ("reportlab", "reportlab", True),
    ("cryptography", "cryptography", True),
    ("matplotlib", "matplotlib", True),
    ("pypdf", "pypdf", True),
    ("py7zr", "py7zr", True),
    ("zstandard", "zstandard", True),
    ("openpyxl", "openpyxl", True),
    ("odfpy", "odf", True),
    ("python-calamine", "python_calamine", True),
    ("python-stdnum", "stdnum", True),
    ("pillow", "PIL", True),
    ("scipy", "scipy", True),
    ("rich", "rich", True),
    ("pyzipper", "pyzipper", True),  # WinZip AES zip members
    ("faker", "faker", False),  # demo and synthetic data only
    ("pyside6", "PySide6", False),  # the window only: the command line works without it
    ("stix2", "stix2", False),  # balise export --format stix only
    ("pymisp", "pymisp", False),  # balise export --format misp only
)

_MAGIC_LIB_NAMES = {"linux": ("libmagic.so.1",), "darwin": ("libmagic.1.dylib", "libmagic.dylib"),
                    "win32": ("libmagic.dll", "libmagic-1.dll", "magic1.dll")}


@dataclass
class Check:
    """One fact: ``ok`` False on a ``required`` check means the workbench cannot work."""

    name: str
    ok: bool
    version: str | None = None
    detail: str | None = None
    required: bool = True


@dataclass
class EnvironmentReport:
    tool_version: str
    python: str
    platform: str
    executable: str
    frozen: bool
    checks: list[Check] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Names of the required checks that failed."""
        return [c.name for c in self.checks if c.required and not c.ok]

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def window_problems(self) -> list[Check]:
        """The window's checks (Qt probe, X11 libraries) that failed: the window cannot start."""
        return [c for c in self.checks if c.name in ("qt", "x11") and not c.ok]

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"], d["missing"] = self.ok, self.missing
        d["window_ok"] = not self.window_problems
        return d


# ------------------------------------------------------------------------------------------- libmagic


def bundle_dir() -> Path | None:
    """PyInstaller's unpacked bundle (``sys._MEIPASS``) when frozen, else None."""
    meipass = getattr(sys, "_MEIPASS", None)
    return Path(meipass) if getattr(sys, "frozen", False) and meipass else None


def _shipped_libmagic_dirs() -> list[Path]:
    """Folders where a libmagic shipped with the application may be: bundle, Windows venv, pylibmagic."""
    dirs = []
    bundle = bundle_dir()
    if bundle is not None:
        dirs.append(bundle / "libmagic")
    dirs.append(Path(sys.prefix) / "libmagic")  # install.ps1 unpacks python-magic-bin's DLL + database here
    try:
        spec = importlib.util.find_spec("pylibmagic")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        dirs.append(Path(next(iter(spec.submodule_search_locations))))
    return dirs


def magic_database() -> Path | None:
    """The ``magic.mgc`` shipped with the application, or None when the host's default is to be used."""
    for d in _shipped_libmagic_dirs():
        if (d / "magic.mgc").is_file():
            return d / "magic.mgc"
    return None


_configured = False
_configure_lock = threading.Lock()


def configure_libmagic() -> Path | None:
    """Point python-magic at the shipped libmagic and database; call before the first ``import magic``.

    Sets ``$MAGIC`` (libmagic's default database, used by ``magic.Magic()`` without ``magic_file``) and loads
    the shipped shared library first, so that python-magic's ``CDLL("libmagic.so.1")`` (or its Windows/macOS
    search) finds it and not the host's. Returns the database path, or None when the host's library and
    database are used (a plain Linux install: Debian's libmagic1). Idempotent.
    """
    global _configured
    database = magic_database()
    with _configure_lock:
        if _configured:
            return database
        _configured = True
        if database is None:
            return None
        folder = database.parent
        if folder.name == "pylibmagic" or (folder / "__init__.py").is_file():
            with contextlib.suppress(Exception):  # a broken pylibmagic: our own set-up below still runs
                importlib.import_module("pylibmagic")  # sets its own library path and $MAGIC
        os.environ["MAGIC"] = str(database)
        names = _MAGIC_LIB_NAMES.get(sys.platform, ())
        if sys.platform == "win32":
            os.environ["PATH"] = str(folder) + os.pathsep + os.environ.get("PATH", "")
            if hasattr(os, "add_dll_directory"):
                os.add_dll_directory(str(folder))
        for name in names:
            lib = folder / name
            if lib.is_file():
                try:
                    ctypes.CDLL(str(lib))  # same soname: python-magic's later dlopen returns this one
                except OSError:
                    continue
                break
        return database


def _loaded_library_path(fragment: str) -> str | None:
    """Path of a loaded shared library whose file name contains ``fragment`` (Linux /proc/self/maps)."""
    maps = Path("/proc/self/maps")
    if not maps.is_file():
        return None
    try:
        with maps.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                path = line.split(maxsplit=5)[-1].strip()
                if fragment in Path(path).name:
                    return path
    except OSError:
        return None
    return None


def check_libmagic() -> Check:
    """libmagic's version, library and database, and a real identification of a PDF and a ZIP header."""
    database = configure_libmagic()
    try:
        import magic  # noqa: PLC0415 - after configure_libmagic(), on purpose

        version = str(magic.version()) if hasattr(magic, "version") else None
        if version and version.isdigit() and len(version) == 3:
            version = f"{version[0]}.{version[1:]}"
        db = str(database) if database else _default_magic_path()
        pdf = magic.Magic(mime=True).from_buffer(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
        zipped = magic.Magic(mime=True).from_buffer(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40)
    except Exception as exc:  # noqa: BLE001 - ImportError (no libmagic), MagicException (no database)...
        return Check("libmagic", False, detail=f"unusable: {type(exc).__name__}: {exc}")
    lib = _loaded_library_path("libmagic")
    where = "bundled" if database else "system"
    detail = f"database {db} ({where})" + (f", library {lib}" if lib else "")
    if pdf != "application/pdf" or "zip" not in zipped:
        return Check("libmagic", False, version, f"{detail}; wrong answers: PDF -> {pdf}, ZIP -> {zipped}")
    return Check("libmagic", True, version, detail)


def _default_magic_path() -> str | None:
    """libmagic's own idea of its database (``magic_getpath``): honours ``$MAGIC``."""
    try:
        from magic import loader

        lib = loader.load_lib()
        getpath = lib.magic_getpath
        getpath.restype, getpath.argtypes = ctypes.c_char_p, [ctypes.c_char_p, ctypes.c_int]
        raw = getpath(None, 0)
        return raw.decode("utf-8", "replace") if raw else None
    except Exception:  # noqa: BLE001 - an old libmagic without magic_getpath
        return os.environ.get("MAGIC")


# ------------------------------------------------------------------------------------------- packages


def _version_of(dist: str, module: Any) -> str | None:
    """The installed distribution's version; the module's own attribute when metadata is absent (frozen)."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        pass
    for attr in ("__version__", "VERSION", "version"):
        v = getattr(module, attr, None)
        if isinstance(v, str):
            return v
    return None


def check_packages(packages: Sequence[tuple[str, str, bool]] = PACKAGES) -> list[Check]:
    """Import each library (a wheel without its native part fails here, not in the middle of a scan)."""
    checks = []
    for dist, module_name, required in packages:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # noqa: BLE001 - ImportError, or a native library that fails to load
            checks.append(Check(dist, False, detail=f"cannot import {module_name}: {exc}", required=required))
            continue
        checks.append(Check(dist, True, _version_of(dist, module), required=required))
    yara = next((c for c in checks if c.name == "yara-python"), None)
    if yara is not None and yara.ok:
        import yara as yara_module

        yara.detail = f"libyara {getattr(yara_module, 'YARA_VERSION', '?')}"
    return checks


# ------------------------------------------------------------------------------------------- rules


def rules_digest(folder: Path) -> tuple[str, list[str]]:
    """SHA-256 of the rule set: of the ``sha256sum``-style listing of its files sorted by relative path.

    Reproducible by hand: ``cd workbench/resources/rules && LC_ALL=C sha256sum *.yar | sha256sum``.
    """
    from workbench.engine.yara_rules import RULE_SUFFIXES

    files = sorted((p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in RULE_SUFFIXES),
                   key=lambda p: p.relative_to(folder).as_posix().encode("utf-8"))
    listing = hashlib.sha256()
    names = []
    for p in files:
        rel = p.relative_to(folder).as_posix()
        listing.update(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {rel}\n".encode())
        names.append(rel)
    return listing.hexdigest(), names


def check_rules() -> Check:
    """The bundled rule set: where it is, its digest, and whether it compiles."""
    from workbench.engine import yara_rules

    try:
        folder = yara_rules.bundled_rules_dir()
        digest, names = rules_digest(folder)
    except (FileNotFoundError, OSError) as exc:
        return Check("rules", False, detail=str(exc))
    if not names:
        return Check("rules", False, detail=f"no rule files in {folder}")
    try:
        ruleset = yara_rules.compile_rules()
        count = len(ruleset.all_rules())
    except Exception as exc:  # noqa: BLE001 - RuleCompileError, yara.Error, missing yara
        return Check("rules", False, digest, f"{len(names)} files in {folder} DO NOT COMPILE: {exc}")
    return Check("rules", True, digest, f"{len(names)} files, {count} rules, compiled, in {folder}")


# ------------------------------------------------------------------------------------------- registry


def registry_of_case(case_dir: Path) -> Path | None:
    """The registry a case was scanned with: the copy the case keeps (``registry.json``), else the path it was
    loaded from (a case made before cases kept their registry), or None."""
    from workbench.engine.store import CaseReader

    with CaseReader(case_dir) as reader:
        value = reader.meta_value("registry_path")
        copy = reader.meta_value("registry_copy")
    if copy and (Path(case_dir) / copy).is_file():
        return Path(case_dir) / copy
    return Path(value) if value else None


def check_registry(registry: Path | None = None, case: Path | None = None) -> Check:
    """Signature state of the registry given, or of the case's registry. Not required when there is none."""
    from workbench.beacons.registry import Registry, RegistryError, RegistrySignatureError, format_fingerprint

    source = "--registry"
    if registry is None and case is not None:
        try:
            registry = registry_of_case(case)
        except (FileNotFoundError, OSError, Exception) as exc:  # noqa: BLE001 - SQLite/DuckDB errors on a bad case
            return Check("registry", False, detail=f"cannot read case {case}: {exc}")
        source = f"case {case}"
        if registry is None:
            return Check("registry", True, detail=f"{source} was scanned without a registry", required=False)
    if registry is None:
        return Check("registry", True, detail="none given (--registry FILE or --case DIR)", required=False)
    try:
        reg = Registry.load(registry)
    except RegistrySignatureError as exc:
        return Check("registry", False, detail=f"{registry} ({source}): {exc}")
    except RegistryError as exc:
        return Check("registry", False, detail=f"{registry} ({source}): unreadable: {exc}")
    key = format_fingerprint(reg.key_id) if reg.key_id else "?"
    return Check("registry", True, f"v{reg.version}",
                 f"{registry} ({source}): signature valid, key {key}, authority {reg.authority!r}, "
                 f"{len(reg.establishments)} establishments, {len(reg.beacons)} beacons")


# ------------------------------------------------------------------------------------------- Qt


def qt_environment() -> dict[str, str]:
    """Environment for the Qt probe: offscreen when a Linux machine has no display (doctor works headless)."""
    env = dict(os.environ)
    if (sys.platform.startswith("linux") and not env.get("QT_QPA_PLATFORM")
            and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def check_qt(command: Sequence[str], timeout: float = 60.0) -> Check:
    """Run ``command`` (it starts a QGuiApplication and prints one JSON line) and report what it said.

    Not required: the command line works without a window; the doctor still says the window cannot start.
    """
    env = qt_environment()
    try:
        proc = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Check("qt", False, detail=f"the Qt probe did not answer within {timeout:.0f} s", required=False)
    except OSError as exc:
        return Check("qt", False, detail=f"cannot run the Qt probe: {exc}", required=False)
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("{")), None)
    if proc.returncode != 0 or line is None:
        errors = proc.stderr.strip().splitlines() or ["no output"]
        # Qt names the missing library on an earlier line ("... libxcb-cursor0 is needed to load the Qt xcb
        # platform plugin"); the last line only lists the plugins it has.
        tail = next((ln.strip() for ln in errors if "is needed" in ln or "cannot open shared object" in ln),
                    errors[-1])
        return Check("qt", False, detail=f"the window cannot start (exit {proc.returncode}): {tail}",
                     required=False)
    info = json.loads(line)
    return Check("qt", True, info.get("qt"),
                 f"PySide6 {info.get('pyside6')}, platform {info.get('platform')!r}"
                 f"{' (no display: offscreen)' if env.get('QT_QPA_PLATFORM') == 'offscreen' else ''}, "
                 f"{info.get('fonts', 0)} font families", required=False)


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships a library: ``libxcb-cursor.so.0`` -> ``libxcb-cursor0``,
    ``libxkbcommon-x11.so.0`` -> ``libxkbcommon-x11-0``, ``libX11-xcb.so.1`` -> ``libx11-xcb1`` (Debian's rule:
    the soname's base in lower case, its major version appended, after a dash when the base ends in a digit)."""
    base, _, version = soname.partition(".so")
    major = version.lstrip(".").split(".")[0]
    base = base.lower()
    if not major:
        return base
    return f"{base}-{major}" if base[-1:].isdigit() else f"{base}{major}"


def missing_libraries(ldd_output: str) -> list[str]:
    """Sonames that ``ldd`` printed as ``=> not found``."""
    return sorted({ln.split("=>")[0].strip() for ln in ldd_output.splitlines() if "=> not found" in ln})


def qt_plugins_dir() -> Path | None:
    """PySide6's Qt plugin folder (wheel or PyInstaller bundle), without importing Qt."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec is not None else []
    bundle = bundle_dir()
    if bundle is not None:
        roots.append(bundle / "PySide6")
    for root in roots:
        for candidate in (root / "Qt" / "plugins", root / "plugins"):
            if (candidate / "platforms").is_dir():
                return candidate
    return None


def check_x11(plugins: Path | None = None) -> Check:
    """On Linux, the libraries Qt's X11 (xcb) platform plugin needs, found by ``ldd`` as the loader finds them.

    Qt 6.5+ needs libxcb-cursor0 and a dozen xcb utility libraries that a minimal Debian or Ubuntu lacks: the
    window then fails at start with a message that does not say which package to install, while an offscreen
    probe (no display) still passes. Not required: the command line works without them.
    """
    if not sys.platform.startswith("linux"):
        return Check("x11", True, detail="not Linux: the X11 libraries are not used", required=False)
    plugins = plugins or qt_plugins_dir()
    plugin = plugins / "platforms" / "libqxcb.so" if plugins is not None else None
    if plugin is None or not plugin.is_file():
        return Check("x11", False, detail="PySide6's X11 platform plugin (libqxcb.so) is missing", required=False)
    ldd = shutil.which("ldd")
    if ldd is None:
        return Check("x11", True, detail="ldd not found: the X11 libraries were not checked", required=False)
    try:
        proc = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("x11", True, detail=f"ldd failed ({exc}): the X11 libraries were not checked", required=False)
    missing = missing_libraries(proc.stdout)
    if missing:
        packages = " ".join(sorted({debian_package(m) for m in missing}))
        return Check("x11", False, detail=f"the window cannot start on an X11 desktop: missing {', '.join(missing)} "
                                          f"(Debian/Ubuntu: apt-get install {packages})", required=False)
    found = sum(1 for ln in proc.stdout.splitlines() if "=>" in ln and "xcb" in ln)
    return Check("x11", True, detail=f"X11 platform plugin and its {found} xcb libraries found", required=False)


# ------------------------------------------------------------------------------------------- all


# Distributions pydicom loads as pixel-data plugins (never imported by name here): check_dicom_decoders reports
# which syntax each one decodes.
DICOM_DECODER_PACKAGES = ("python-gdcm", "pyjpegls", "pylibjpeg", "pylibjpeg-openjpeg")

# Compressed DICOM pixel data the image watermark check must decode (README: the decoders and their licences).
DICOM_SYNTAXES = (("JPEG Lossless", "1.2.840.10008.1.2.4.70"), ("JPEG-LS", "1.2.840.10008.1.2.4.80"),
                  ("JPEG 2000", "1.2.840.10008.1.2.4.90"))


def check_dicom_decoders() -> Check:
    """Which pydicom plugin decodes each compressed syntax. Not required: only watermarks on such images need it."""
    try:
        from pydicom.pixels import get_decoder
    except Exception as exc:  # pydicom itself is checked with the packages
        return Check("dicom-decoders", False, detail=f"pydicom.pixels unavailable: {exc}", required=False)
    found, missing = [], []
    for label, syntax in DICOM_SYNTAXES:
        plugins = get_decoder(syntax).available_plugins
        (found if plugins else missing).append(f"{label}: {', '.join(plugins)}" if plugins else label)
    detail = "; ".join(found) + (f"; NO DECODER for {', '.join(missing)}" if missing else "")
    return Check("dicom-decoders", not missing, None, detail, required=False)


def gather(*, registry: Path | None = None, case: Path | None = None, qt_command: Sequence[str] | None = None,
           qt_timeout: float = 60.0) -> EnvironmentReport:
    """Every check; ``qt_command`` None skips the Qt probe."""
    from workbench import __version__

    report = EnvironmentReport(
        tool_version=__version__,
        python=platform.python_version(),
        platform=f"{platform.system()} {platform.release()} {platform.machine()}",
        executable=sys.executable,
        frozen=bundle_dir() is not None,
    )
    report.checks.append(Check("python", sys.version_info[:2] >= (3, 11), platform.python_version(),
                               f"{platform.python_implementation()} {sys.executable}"))
    report.checks.append(check_libmagic())
    report.checks.extend(check_packages())
    report.checks.append(check_dicom_decoders())
    report.checks.append(check_rules())
    report.checks.append(check_registry(registry, case))
    if qt_command is not None:
        report.checks.append(check_x11())
        report.checks.append(check_qt(qt_command, qt_timeout))
    return report
