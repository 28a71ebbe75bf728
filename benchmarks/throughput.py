"""Throughput of a full scan against its floor and its peer, in one run over the same bytes; issue 10's targets.

    python benchmarks/throughput.py [--dense | --leak] [--size-mb 200] [--jobs 2] [--seed 7]
                                    [--json FILE] [--workdir DIR] [--keep]

Modes (the evidence):

``--dense`` (default)
    a PII-dense dump like issue 10's: ``patients_export.csv`` (``;``-separated, with a header) and
    ``dpi_dump.sql``, a stock ``mysqldump`` (header comments, ``DROP TABLE IF EXISTS``, ``CREATE TABLE ...
    ENGINE=InnoDB``, ``LOCK TABLES``, extended ``INSERT INTO `patients` VALUES (...),(...);`` lines of about
    1 MB, ``UNLOCK TABLES``, trailer), ``--size-mb`` split half and half: about 860,000 rows per 100 MB
    (CSV lines of about 107 bytes, SQL tuples of about 128). Every row has a valid NIR (sex consistent with
    the given name, year and month with the birth date, key = 97 - (first 13 digits mod 97)), a family and a
    given name, a birth date, an e-mail, a French phone number (``06 12 34 56 78`` or ``0612345678``), a
    valid FINESS (9 digits, Luhn; 64 establishments per file) and a valid RPPS (11 digits, Luhn; 5,000
    practitioners per file). NIRs, e-mails and phones are (all but) distinct per row. Generated column-wise
    with numpy (1 GB in about 15 s), deterministic for a given ``--seed`` and ``--size-mb``; a sample of the
    written rows is checked with the engine's validators before anything is timed.
``--leak``
    a synthetic leak (``workbench.synth``) of the given size, as a zip of nested archives and many formats;
    the peer runs over the dump extracted (nested archives unpacked, as a person would for the peer).

Measured, in one run over the same bytes:

1. ``sha256sum`` over the evidence (the floor: reading and hashing once);
2. ``yara -r -p JOBS -w`` with the bundled rules (resources/rules) over the files (the peer; Debian package
   ``yara``: ``apt-get install yara``; skipped with a note when missing);
3. ``balise scan EVIDENCE --case DIR --jobs JOBS`` end to end (hash, walk, type, YARA, identifiers,
   records, verify); peak memory of its whole process tree (PSS and RSS); then the apparent bytes of all files of the case
   folder.

Printed: seconds, MB/s (10**6 bytes), x floor and peak RSS of each tool; then issue 10's targets as ratios
beside their baselines (measured when the issue was filed, 200 MB dense dump, 2 cores), PASS/FAIL each:

- scan speed / yara speed            >= 1.0   (baseline about 0.02)
- case folder bytes / evidence bytes <= 0.5   (baseline about 7)
- peak memory of the scan's tree     < 1024 MiB (on 1 GB and 5 GB dumps), as the tree's summed PSS

The tree's memory is the sum of its processes' PSS (proportional set size: a page mapped by several processes,
a shared library or the evidence file, is split among them), so every page counts once. RSS summed over the
processes counts those pages once per process (1,043 MiB of summed RSS for 823 MiB of PSS on the 100 MB dense
dump); it is printed beside it with the private part (RSS less shared pages). Both count the evidence pages a
process has mapped and read (clean page cache, dropped by the kernel when it needs the room). ``--memory-cap 1024`` (root, a writable memory cgroup) is
the direct test: the scan runs inside a cgroup of 1,024 MiB, memory and swap, page cache counted, and must
finish without an OOM kill (1 GB dump, 2 cores: finished in 363 s with the cap against 354 s without).

The window target (10 million records: first paint < 0.1 s, sort and filter < 1 s) is not measured here.
A failed ``balise scan`` is reported in one line; the other figures are still printed. ``--json FILE``
writes every figure. Reference run of issue 10: ``--size-mb 200 --jobs 2`` on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 10**6
MIB = 2**20

# Issue 10's targets and the baselines measured when it was filed (200 MB dense dump, 2 cores).
TARGET_SPEED_RATIO = 1.0
BASELINE_SPEED_RATIO = 0.02
TARGET_CASE_RATIO = 0.5
BASELINE_CASE_RATIO = 7.0
TARGET_PEAK_MIB = 1024


class CommandFailed(RuntimeError):
    def __init__(self, cmd: list[str], returncode: int, stderr: str) -> None:
        super().__init__(f"{cmd[0]} failed ({returncode}): {stderr[-500:]}")
        self.returncode = returncode
        self.stderr = stderr

    def one_line(self) -> str:
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        return f"exit {self.returncode}: " + (lines[-1][:200] if lines else "no message")


PRIVATE_PEAKS: dict[str, int] = {}  # command name -> peak of RSS less shared pages, for the last timed() run
PSS_PEAKS: dict[str, int] = {}  # command name -> peak of the tree's summed PSS, for the last timed() run


def _tree_memory(procs: list) -> tuple[int, int, int]:
    """(RSS, RSS less shared, PSS) summed over a process tree. PSS gives each process its share of a page mapped
    by several (the shared libraries every worker loads, the evidence file the coordinator hashes while a worker
    reads it), so the sum counts every page once; summed RSS counts those pages once per process (100 MB dense
    dump: 1,043 MiB summed RSS for 823 MiB PSS)."""
    rss = private = pss = 0
    for p in procs:
        try:
            m = p.memory_full_info()  # /proc/PID/smaps_rollup
        except psutil.Error:
            continue
        rss += m.rss
        private += m.rss - getattr(m, "shared", 0)
        pss += getattr(m, "pss", m.rss)
    return rss, private, pss


def timed(cmd: list[str], **kw) -> tuple[float, int]:
    """Run a command; return (seconds, peak RSS in bytes of its process tree). Also records in PRIVATE_PEAKS the
    peak of RSS less shared pages (mapped evidence files, shared libraries), which RSS counts in every process,
    and in PSS_PEAKS the peak of the tree's PSS (each shared page counted once, see :func:`_tree_memory`)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    peak = private = pss = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak, private, pss
        try:
            ps = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            try:
                rss_now, private_now, pss_now = _tree_memory([ps, *ps.children(recursive=True)])
                peak, private, pss = max(peak, rss_now), max(private, private_now), max(pss, pss_now)
            except psutil.Error:
                pass
            time.sleep(0.1)

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    _, err = proc.communicate()
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise CommandFailed(cmd, proc.returncode, err.decode(errors="replace"))
    PRIVATE_PEAKS[Path(cmd[0]).name] = private
    PSS_PEAKS[Path(cmd[0]).name] = pss
    return time.perf_counter() - start, peak


class MemoryCap:
    """A memory cgroup capping a command's whole process tree, page cache of the mapped evidence included.

    RSS counts every evidence page a process has mapped and read: a worker that scans a 500 MB file shows 500 MB
    more RSS even though those pages are clean page cache the kernel drops when it needs the room (``yara -p 2``
    showed 1,097 MiB of RSS on the 1 GB dump). The question a laptop asks is whether the scan RUNS in the memory
    it has: the command is run inside a cgroup whose limit (memory and swap) is the cap, where the kernel
    reclaims page cache first and kills the tree only if its own memory does not fit. Needs a writable cgroup
    (root; v1 ``memory`` or v2 with the memory controller); otherwise :meth:`create` returns None."""

    def __init__(self, path: Path, v2: bool, mib: int) -> None:
        self.path, self.v2, self.mib = path, v2, mib

    @classmethod
    def create(cls, mib: int) -> MemoryCap | None:
        name = f"balise-bench-{os.getpid()}"
        limit = str(mib * MIB)
        v1 = Path("/sys/fs/cgroup/memory")
        try:
            if v1.is_dir():
                path = v1 / name
                path.mkdir(exist_ok=True)
                (path / "memory.limit_in_bytes").write_text(limit)
                swap = path / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(limit)
                return cls(path, False, mib)
            v2 = Path("/sys/fs/cgroup")
            if "memory" in (v2 / "cgroup.controllers").read_text().split():
                path = v2 / name
                path.mkdir(exist_ok=True)
                (path / "memory.max").write_text(limit)
                (path / "memory.swap.max").write_text("0")
                return cls(path, True, mib)
        except OSError:
            return None
        return None

    def wrap(self, cmd: list[str]) -> list[str]:
        """The command, started inside the cgroup (the shell joins it, then becomes the command)."""
        return ["sh", "-c", f'echo $$ > "{self.path}/cgroup.procs" && exec "$@"', "sh", *cmd]

    def figures(self) -> dict[str, int]:
        """Peak usage (page cache included) and the number of OOM kills in the cgroup."""
        if self.v2:
            events = dict(line.split() for line in (self.path / "memory.events").read_text().splitlines())
            peak_file = self.path / "memory.peak"
            peak = int(peak_file.read_text()) if peak_file.exists() else 0
            return {"peak_bytes": peak, "oom_kills": int(events.get("oom_kill", 0))}
        oom = dict(line.split() for line in (self.path / "memory.oom_control").read_text().splitlines())
        return {"peak_bytes": int((self.path / "memory.max_usage_in_bytes").read_text()),
                "oom_kills": int(oom.get("oom_kill", 0))}

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            self.path.rmdir()


# ---------------------------------------------------------------------------------------------------------
# synthetic leak (--leak)


def extract_all(archive: Path, dest: Path, depth: int = 0) -> None:
    """Unpack an archive and the archives inside it, for the peer only (the workbench never extracts)."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(dest)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                tf.extractall(dest, filter="data")
        elif archive.suffix == ".gz":
            with gzip.open(archive) as src, open(dest / archive.stem, "wb") as out:
                shutil.copyfileobj(src, out)
        else:
            return
    except Exception:  # corrupt members of the hostile dump: the peer sees what could be unpacked
        return
    if depth >= 6:
        return
    for inner in [p for p in dest.rglob("*") if p.is_file()]:
        if zipfile.is_zipfile(inner) or inner.suffix in (".gz", ".tgz") or _is_tar(inner):
            extract_all(inner, inner.with_name(inner.name + ".d"), depth + 1)
            inner.unlink()


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


def build_leak(work: Path, size_mb: int, seed: int) -> tuple[list[Path], Path]:
    """The synthetic zip leak; returns ([the zip], the folder the peer scans)."""
    from workbench.synth.dump import build_dump

    dump = work / "leak.zip"
    t0 = time.perf_counter()
    if not dump.exists():
        build_dump(dump, target_bytes=size_mb * MB, seed=seed, layout="zip", hostile=True)
    print(f"dump: {dump} {dump.stat().st_size / MB:.0f} MB (built in {time.perf_counter() - t0:.0f} s)")
    extracted = work / "extracted"
    if not extracted.exists():
        extracted.mkdir()
        extract_all(dump, extracted)
    return [dump], extracted


# ---------------------------------------------------------------------------------------------------------
# PII-dense dump (--dense), generated column-wise with numpy
#
# A chunk of rows is a (rows, width) uint8 matrix made of fixed-width slots side by side (constants and
# columns of ASCII/UTF-8 bytes); a shorter value (a name, the number in an e-mail) is padded with NUL bytes
# in its slot. Dropping the NULs of the raveled matrix gives the rows, concatenated, in one pass.

CHUNK_ROWS = 200_000
SQL_STATEMENT_BYTES = 1_000_000
FINESS_POOL = 64  # establishments per file
RPPS_POOL = 5_000  # practitioners per file
BIRTH_FIRST = np.datetime64("1930-01-01")
BIRTH_LAST = np.datetime64("2024-12-31")
NIR_DEPARTMENTS = np.array([d for d in range(1, 96) if d != 20], dtype=np.int64)  # 2A/2B not minted here
FINESS_DEPARTMENTS = np.array([22, 29, 35, 56], dtype=np.int64)  # Brittany
CSV_HEADER = b"nir;nom;prenom;date_naissance;email;telephone;finess;rpps_medecin\n"
SQL_TABLE = "patients"
SQL_INSERT = f"INSERT INTO `{SQL_TABLE}` VALUES ".encode()


def _const(n: int, text: bytes) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text, dtype=np.uint8), (n, len(text)))


def _digits(x: np.ndarray, k: int) -> np.ndarray:
    """(n, k) ASCII digits of non-negative integers, zero-padded on the left."""
    p = 10 ** np.arange(k - 1, -1, -1, dtype=np.int64)
    return ((x[:, None] // p) % 10 + 48).astype(np.uint8)


def _unpadded(d: np.ndarray) -> np.ndarray:
    """Leading zeros of a digit matrix turned into NUL padding (the last digit is always kept)."""
    d = d.copy()
    seen = np.maximum.accumulate(d != 48, axis=1)
    seen[:, -1] = True
    d[~seen] = 0
    return d


def _luhn_completed(payload: np.ndarray) -> np.ndarray:
    """Payload digits (n, k) followed by their Luhn check digit: (n, k + 1)."""
    v = payload.astype(np.int64) - 48
    doubled = v[:, ::-1][:, 0::2] * 2  # from the right, the digit next to the check digit is doubled
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = doubled.sum(axis=1) + v[:, ::-1][:, 1::2].sum(axis=1)
    check = ((10 - total % 10) % 10 + 48).astype(np.uint8)
    return np.hstack([payload, check[:, None]])


def _as_matrix(values: np.ndarray) -> np.ndarray:
    """An ``S`` array (NUL-padded) as its (n, itemsize) uint8 matrix."""
    values = np.ascontiguousarray(values)
    return values.view(np.uint8).reshape(len(values), values.dtype.itemsize)


def _vocab(words: list[str]) -> np.ndarray:
    return np.array([w.encode() for w in words], dtype=f"S{max(len(w.encode()) for w in words)}")


class DenseVocab:
    """Names, e-mail slugs and domains, as ``S`` arrays to index with numpy."""

    def __init__(self, sql: bool) -> None:
        from workbench.synth.people import ascii_slug
        from workbench.synth.tables import (
            BRETON_FAMILY_NAMES,
            BRETON_GIVEN_NAMES_F,
            BRETON_GIVEN_NAMES_M,
            EMAIL_DOMAINS,
        )

        def esc(s: str) -> str:  # mysqldump escapes quotes with a backslash
            return s.replace("\\", "\\\\").replace("'", "\\'") if sql else s

        self.n_family = len(BRETON_FAMILY_NAMES)
        self.n_given_m = len(BRETON_GIVEN_NAMES_M)
        self.n_given_f = len(BRETON_GIVEN_NAMES_F)
        self.family = _vocab([esc(n) for n in BRETON_FAMILY_NAMES])
        given = [*BRETON_GIVEN_NAMES_M, *BRETON_GIVEN_NAMES_F]
        self.given = _vocab([esc(n) for n in given])
        self.family_slug = _vocab([ascii_slug(n) for n in BRETON_FAMILY_NAMES])
        self.given_slug = _vocab([ascii_slug(n, "-") for n in given])
        self.domains = _vocab(list(EMAIL_DOMAINS))


def _pool(rng: np.random.Generator, size: int, prefixes: np.ndarray, prefix_digits: int, body_digits: int) -> np.ndarray:
    """``size`` Luhn-valid numbers: prefix + random body + check digit, as (size, width) digits."""
    pre = _digits(rng.choice(prefixes, size), prefix_digits)
    body = _digits(rng.integers(0, 10**body_digits, size), body_digits)
    return _luhn_completed(np.hstack([pre, body]))


def compile_sources() -> None:
    """Byte-compile the workbench's modules before anything is timed, as an installed copy has them (pip
    compiles at install; an editable checkout writes ``__pycache__`` at its first run). Without the ``.pyc``
    files (``PYTHONDONTWRITEBYTECODE`` set, or a read-only checkout) the coordinator and every worker compile
    the sources at each start: about 0.4 s of CPU per process on this machine, 5-10% of a 100 MB scan's time,
    which measures the interpreter, not the scan."""
    import compileall

    import workbench

    t0 = time.perf_counter()
    ok = compileall.compile_dir(str(Path(workbench.__file__).parent), quiet=1, workers=1)
    print(f"workbench modules byte-compiled in {time.perf_counter() - t0:.1f} s" + ("" if ok else " (some failed)"))


def dense_columns(rng: np.random.Generator, n: int, first_id: int, vocab: DenseVocab,
                  finess_pool: np.ndarray, rpps_pool: np.ndarray) -> dict[str, np.ndarray]:
    """n people, column by column, each column a (n, width) uint8 matrix (NUL-padded where variable)."""
    sex = rng.integers(1, 3, n)
    days = rng.integers(0, int((BIRTH_LAST - BIRTH_FIRST).astype(np.int64)) + 1, n)
    birth = BIRTH_FIRST + days.astype("timedelta64[D]")
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = birth.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (birth - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    dept = rng.choice(NIR_DEPARTMENTS, n)
    commune = rng.integers(1, 990, n)
    order = rng.integers(1, 1000, n)
    nir13 = (sex * 10**12 + (year % 100) * 10**10 + month * 10**8 + dept * 10**6 + commune * 10**3 + order)
    key = 97 - nir13 % 97

    fam = rng.integers(0, vocab.n_family, n)
    giv = np.where(sex == 1, rng.integers(0, vocab.n_given_m, n), vocab.n_given_m + rng.integers(0, vocab.n_given_f, n))
    mail_no = _unpadded(_digits(rng.integers(1, 10_000, n), 4))
    phone_head = np.array([b"06", b"07", b"02", b"06", b"07", b"09"], dtype="S2")[rng.integers(0, 6, n)]
    phone_body = _digits(rng.integers(0, 10**8, n), 8)
    # "06 12 34 56 78" or "0612345678", half and half (the spaces' slots left NUL)
    sp = np.where(rng.integers(0, 2, n) == 1, ord(" "), 0).astype(np.uint8)[:, None]
    return {
        "id": _unpadded(_digits(first_id + np.arange(n, dtype=np.int64), 10)),
        "nir": np.hstack([_digits(nir13, 13), _digits(key, 2)]),
        "family": _as_matrix(vocab.family[fam]),
        "given": _as_matrix(vocab.given[giv]),
        "birth": np.hstack([_digits(year, 4), _const(n, b"-"), _digits(month, 2), _const(n, b"-"), _digits(day, 2)]),
        "email": np.hstack([
            _as_matrix(vocab.given_slug[giv]), _const(n, b"."), _as_matrix(vocab.family_slug[fam]), mail_no,
            _const(n, b"@"), _as_matrix(vocab.domains[rng.integers(0, len(vocab.domains), n)]),
        ]),
        "phone": np.hstack([_as_matrix(phone_head), sp, phone_body[:, 0:2], sp, phone_body[:, 2:4], sp,
                            phone_body[:, 4:6], sp, phone_body[:, 6:8]]),
        "finess": finess_pool[rng.integers(0, len(finess_pool), n)],
        "rpps": rpps_pool[rng.integers(0, len(rpps_pool), n)],
    }


def _pack(mat: np.ndarray) -> np.ndarray:
    flat = mat.ravel()
    return flat[flat != 0]


def _csv_rows(c: dict[str, np.ndarray], n: int) -> np.ndarray:
    sep = _const(n, b";")
    parts = []
    for name in ("nir", "family", "given", "birth", "email", "phone", "finess", "rpps"):
        parts += [c[name], sep]
    parts[-1] = _const(n, b"\n")
    return np.hstack(parts)


def _sql_rows(c: dict[str, np.ndarray], n: int) -> np.ndarray:
    q = _const(n, b"','")
    return np.hstack([
        _const(n, b"("), c["id"], _const(n, b",'"), c["nir"], q, c["family"], q, c["given"], q, c["birth"], q, c["email"], q, c["phone"], q, c["finess"], q, c["rpps"], _const(n, b"')"),
    ])


def _sql_separators(lens: np.ndarray) -> np.ndarray:
    """After each tuple: ',' inside a statement, ';\\nINSERT ... VALUES ' between statements, ';\\n' at the end."""
    n = len(lens)
    cont = b";\n" + SQL_INSERT
    sep = np.zeros((n, len(cont)), dtype=np.uint8)
    sep[:, 0] = ord(",")
    stmt = np.cumsum(lens + 1) // SQL_STATEMENT_BYTES
    last = np.zeros(n, dtype=bool)
    last[:-1] = stmt[:-1] != stmt[1:]
    sep[last] = np.frombuffer(cont, dtype=np.uint8)
    sep[-1] = 0
    sep[-1, :2] = np.frombuffer(b";\n", dtype=np.uint8)
    return sep


def _sql_header() -> bytes:
    return f"""-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: 10.29.4.12    Database: dpi_prod
-- ------------------------------------------------------
-- Server version\t8.0.36-0ubuntu0.22.04.1

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

--
-- Table structure for table `{SQL_TABLE}`
--

DROP TABLE IF EXISTS `{SQL_TABLE}`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `{SQL_TABLE}` (
  `id` int NOT NULL AUTO_INCREMENT,
  `nir` char(15) NOT NULL,
  `nom` varchar(64) NOT NULL,
  `prenom` varchar(64) NOT NULL,
  `date_naissance` date NOT NULL,
  `email` varchar(128) DEFAULT NULL,
  `telephone` varchar(20) DEFAULT NULL,
  `finess` char(9) NOT NULL,
  `rpps_medecin` char(11) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_nir` (`nir`),
  KEY `idx_finess` (`finess`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `{SQL_TABLE}`
--

LOCK TABLES `{SQL_TABLE}` WRITE;
/*!40000 ALTER TABLE `{SQL_TABLE}` DISABLE KEYS */;
""".encode()


SQL_TRAILER = f"""/*!40000 ALTER TABLE `{SQL_TABLE}` ENABLE KEYS */;
UNLOCK TABLES;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2025-03-14  2:17:41
""".encode()


def write_dense(path: Path, target_bytes: int, seed: int, sql: bool) -> int:
    """Write one file of the dense dump (CSV or mysqldump) of about ``target_bytes``; return its row count."""
    rng = np.random.default_rng([seed, 1 if sql else 0])
    vocab = DenseVocab(sql)
    finess_pool = _pool(rng, FINESS_POOL, FINESS_DEPARTMENTS, 2, 6)
    rpps_pool = _pool(rng, RPPS_POOL, np.array([10], dtype=np.int64), 2, 8)
    head = _sql_header() if sql else CSV_HEADER
    tail = SQL_TRAILER if sql else b""
    budget = target_bytes - len(head) - len(tail)
    rows = 0
    with open(path, "wb", buffering=16 * MIB) as out:
        out.write(head)
        while budget > 0:
            size = min(CHUNK_ROWS, budget // 90 + 64)  # rows are longer than 90 bytes: enough to fill the budget
            cols = dense_columns(rng, size, 1 + rows, vocab, finess_pool, rpps_pool)
            mat = _sql_rows(cols, size) if sql else _csv_rows(cols, size)
            lens = np.count_nonzero(mat, axis=1) + (1 if sql else 0)  # + the ',' after a tuple
            n = int(np.searchsorted(np.cumsum(lens), budget, side="right"))
            n = min(max(n, 1), size)
            mat = mat[:n]
            if sql:
                out.write(SQL_INSERT)
                mat = np.hstack([mat, _sql_separators(lens[:n])])
            packed = _pack(mat)
            out.write(memoryview(packed))
            budget -= len(packed) + (len(SQL_INSERT) if sql else 0)
            rows += n
        out.write(tail)
    return rows


def _sample_lines(path: Path, count: int, seed: int) -> list[str]:
    """Whole lines at random offsets of a file (plus the first ones)."""
    size = path.stat().st_size
    rnd = random.Random(seed)
    lines = []
    with open(path, "rb") as f:
        for _ in range(count):
            f.seek(rnd.randrange(size))
            f.readline()  # the rest of a partial line
            line = f.readline()
            if line:
                lines.append(line.decode())
    return lines


def _pick(items: list, k: int, seed: int) -> list:
    return random.Random(seed).sample(items, min(k, len(items)))


_SQL_TUPLE = re.compile(r"\((\d+),'((?:[^'\\]|\\.)*(?:','(?:[^'\\]|\\.)*){7})'\)")


def self_check(csv_path: Path, sql_path: Path, seed: int, sample: int = 400) -> tuple[int, int]:
    """Check a sample of rows of both files with the engine's validators; return (rows, values) checked."""
    from workbench.engine.identifiers import validators as v

    rows: list[list[str]] = []
    with open(csv_path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split(";")
        assert header[0] == "nir", header
        rows += [f.readline().rstrip("\n").split(";") for _ in range(sample // 4)]
    rows += [line.rstrip("\n").split(";") for line in _sample_lines(csv_path, sample // 4, seed)]
    sql_rows = []
    for line in _sample_lines(sql_path, 8, seed):
        if line.startswith("INSERT INTO"):
            found = _SQL_TUPLE.findall(line)
            assert line.rstrip("\n").endswith(");") and found, line[:200]
            sql_rows += [t[1].split("','") for t in _pick(found, sample // 8, seed)]
    assert sql_rows, "no INSERT line sampled in the SQL dump"
    rows += sql_rows
    checks = 0
    for nir, family, given, birth, email, phone, finess, rpps in rows:
        bad = [name for name, ok in (
            ("nir", v.is_valid_nir(nir)),
            ("nir/birth", nir[1:3] == birth[2:4] and nir[3:5] == birth[5:7]),
            ("email", v.is_valid_email(email)),
            ("phone", v.is_valid_phone_fr(phone)),
            ("finess", v.is_valid_finess(finess)),
            ("rpps", v.is_valid_rpps(rpps)),
            ("names", bool(family) and bool(given)),
        ) if not ok]
        if bad:
            raise AssertionError(f"generated row fails {bad}: {[nir, family, given, birth, email, phone, finess, rpps]}")
        checks += 6
    return len(rows), checks


def build_dense(work: Path, size_mb: int, seed: int) -> tuple[list[Path], Path, int]:
    """The dense dump (CSV + mysqldump), reused from ``work`` when made with the same parameters."""
    folder = work / "dense"
    params = {"size_mb": size_mb, "seed": seed, "format": 1}
    stamp = work / "dense.params.json"  # outside the folder: the peer and the scan see the two files only
    csv_path, sql_path = folder / "patients_export.csv", folder / "dpi_dump.sql"
    done = json.loads(stamp.read_text()) if stamp.exists() else {}
    if {k: done.get(k) for k in params} == params and csv_path.exists() and sql_path.exists():
        rows = done["rows"]
        print(f"dense dump reused: {folder}")
    else:
        stamp.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        t0 = time.perf_counter()
        half = size_mb * MB // 2
        rows = write_dense(csv_path, half, seed, sql=False)
        rows += write_dense(sql_path, size_mb * MB - half, seed, sql=True)
        secs = time.perf_counter() - t0
        total = csv_path.stat().st_size + sql_path.stat().st_size
        print(f"dense dump: {folder} generated in {secs:.1f} s ({total / MB / secs:.0f} MB/s)")
        stamp.write_text(json.dumps({**params, "rows": rows}))
    t0 = time.perf_counter()
    n_rows, n_values = self_check(csv_path, sql_path, seed)
    print(f"self-check: {n_values} identifiers in {n_rows} sampled rows valid (engine validators, "
          f"{time.perf_counter() - t0:.1f} s)")
    files = [csv_path, sql_path]
    for p in files:
        print(f"  {p.name:<22}{p.stat().st_size / MB:>9.1f} MB")
    print(f"  {'rows':<22}{rows:>9,}")
    return files, folder, rows


# ---------------------------------------------------------------------------------------------------------
# measurement


def case_breakdown(case: Path) -> dict[str, int]:
    """Apparent bytes of the case folder's entries (folders one level deeper: shards/records...)."""
    out: dict[str, int] = {}
    for entry in sorted(case.iterdir()):
        if entry.is_dir() and not entry.is_symlink() and any(p.is_dir() for p in entry.iterdir()):
            for sub in sorted(entry.iterdir()):
                out[f"{entry.name}/{sub.name}"] = tree_bytes(sub) if sub.is_dir() else sub.lstat().st_size
        else:
            out[entry.name] = tree_bytes(entry) if entry.is_dir() else entry.lstat().st_size
    return out


def tree_bytes(path: Path) -> int:
    """Apparent bytes of all files under ``path`` (``du -sb``)."""
    total = 0
    for dirpath, _, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):  # a file removed while walking
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


# The report.json sections that must not depend on the executor (issue 11: "identical report.json (counts, people,
# attribution)"); the rest (case id, timings, custody, the tasks' host names) legitimately differ.
SAME_REPORT_SECTIONS = ("summary", "identifiers", "establishments", "beacons", "watermarks", "findings_total",
                        "categories", "date_span", "unattributed", "conflicts")


def report_differences(case_a: Path, case_b: Path) -> list[str]:
    """The SAME_REPORT_SECTIONS of report.json that differ between two cases of the same evidence."""
    from workbench.report.model import build_report_model, report_json

    a, b = (report_json(build_report_model(c)) for c in (case_a, case_b))
    return [k for k in SAME_REPORT_SECTIONS if a.get(k) != b.get(k)]


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--dense", dest="mode", action="store_const", const="dense",
                      help="PII-dense CSV + mysqldump, issue 10's benchmark (default)")
    mode.add_argument("--leak", dest="mode", action="store_const", const="leak",
                      help="synthetic leak (zip of nested archives, many formats)")
    ap.set_defaults(mode="dense")
    ap.add_argument("--size-mb", type=int, default=200, help="evidence size in MB (10**6 bytes); default 200")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="yara -p and balise scan --jobs")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, metavar="FILE", help="write every figure to this JSON file")
    ap.add_argument("--workdir", type=Path, default=None, help="keep and reuse the dump here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (dump, case)")
    ap.add_argument("--memory-cap", type=int, metavar="MIB", default=None,
                    help="run the balise scan inside a memory cgroup of MIB (memory and swap, page cache counted; "
                         "needs root): the scan must finish without an OOM kill")
    ap.add_argument("--dask", action="store_true",
                    help="also scan with --executor dask (a LocalCluster of --jobs workers) and print its ratio")
    args = ap.parse_args()
    from workbench.engine.yara_rules import bundled_rules_dir

    work = args.workdir or Path(tempfile.mkdtemp(prefix="balise-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"mode {args.mode}, {args.size_mb} MB, --jobs {args.jobs}, seed {args.seed}, {os.cpu_count()} cores, "
          f"work folder {work}")
    rows = None
    if args.mode == "dense":
        files, peer_target, rows = build_dense(work, args.size_mb, args.seed)
    else:
        files, peer_target = build_leak(work, args.size_mb, args.seed)
    evidence = sum(p.stat().st_size for p in files)
    mb = evidence / MB

    tools: list[dict] = []

    def record(name: str, secs: float | None, peak: int | None, error: str | None = None) -> dict:
        entry = {"tool": name, "seconds": secs, "mb_per_s": mb / secs if secs else None,
                 "peak_rss_mib": peak / MIB if peak else None, "error": error}
        tools.append(entry)
        return entry

    compile_sources()
    secs, peak = timed(["sha256sum", *map(str, files)])
    floor = record("sha256sum (floor)", secs, peak)

    peer = None
    yara_bin = shutil.which("yara")
    peer_name = f"yara -r -p {args.jobs} (peer)"
    if yara_bin:
        rule_files = sorted(str(p) for p in bundled_rules_dir().glob("*.yar"))
        try:
            secs, peak = timed([yara_bin, "-r", "-p", str(args.jobs), "-w", *rule_files, str(peer_target)])
            peer = record(peer_name, secs, peak)
        except CommandFailed as e:
            record(peer_name, None, None, e.one_line())
    else:
        print("yara not installed: install it with `apt-get install yara` (Debian package yara); peer skipped")

    case = work / "case"
    shutil.rmtree(case, ignore_errors=True)
    balise = [sys.executable, "-m", "workbench", "scan", *map(str, files), "--case", str(case),
              "--jobs", str(args.jobs), "-q"]
    scan_name = f"balise scan --jobs {args.jobs}"
    cap = MemoryCap.create(args.memory_cap) if args.memory_cap else None
    if args.memory_cap and cap is None:
        print(f"--memory-cap {args.memory_cap}: no writable memory cgroup here (root and cgroup v1 memory or v2 "
              "needed); the scan runs uncapped")
    cap_figures = None
    try:
        secs, peak = timed(cap.wrap(balise) if cap else balise, cwd=ROOT)
        scan = record(scan_name, secs, peak)
    except CommandFailed as e:
        scan = None
        record(scan_name, None, None, e.one_line())
    finally:
        if cap:
            cap_figures = cap.figures()
            cap.remove()
    case_bytes = tree_bytes(case) if case.is_dir() else 0
    breakdown = case_breakdown(case) if case.is_dir() else {}
    dask_scan = None
    if args.dask:  # issue 11: the same scan on a LocalCluster of --jobs workers
        dask_case = work / "case-dask"
        shutil.rmtree(dask_case, ignore_errors=True)
        dask_name = f"balise scan --executor dask --jobs {args.jobs}"
        try:
            secs, peak = timed([*balise[:balise.index("--case") + 1], str(dask_case), "--jobs", str(args.jobs),
                                "-q", "--executor", "dask"], cwd=ROOT)
            dask_scan = record(dask_name, secs, peak)
        except CommandFailed as e:
            record(dask_name, None, None, e.one_line())

    print(f"\nevidence: {mb:.1f} MB in {len(files)} file(s)" + (f", {rows:,} rows" if rows else ""))
    print(f"{'tool':<28}{'seconds':>9}{'MB/s':>9}{'x floor':>9}{'peak RSS':>12}")
    for t in tools:
        if t["error"]:
            print(f"{t['tool']:<28}FAILED ({t['error']})")
            continue
        peak_txt = f"{t['peak_rss_mib']:.0f} MiB" if t["peak_rss_mib"] else "-"
        print(f"{t['tool']:<28}{t['seconds']:>9.1f}{t['mb_per_s']:>9.1f}"
              f"{floor['seconds'] / t['seconds']:>9.3f}{peak_txt:>12}")

    targets: dict[str, dict] = {}
    print(f"\n{'issue 10 targets (same run)':<34}{'measured':>12}{'target':>13}{'baseline':>11}  verdict")

    def target(key: str, label: str, value: float | None, text: str, goal: str, base: str, ok: bool | None,
               why: str = "") -> None:
        verdict = "n/a" if ok is None else _verdict(ok)
        targets[key] = {"value": value, "target": goal, "baseline": base, "verdict": verdict}
        print(f"{label:<34}{text:>12}{goal:>13}{base:>11}  {verdict}{('  ' + why) if why else ''}")

    if scan and peer:
        r = peer["seconds"] / scan["seconds"]
        target("speed_ratio", "scan speed / yara speed", r, f"{r:.3f}x", f">= {TARGET_SPEED_RATIO}x",
               f"~{BASELINE_SPEED_RATIO}x", r >= TARGET_SPEED_RATIO,
               f"({scan['mb_per_s']:.1f} / {peer['mb_per_s']:.1f} MB/s)")
    else:
        target("speed_ratio", "scan speed / yara speed", None, "-", f">= {TARGET_SPEED_RATIO}x",
               f"~{BASELINE_SPEED_RATIO}x", None, "(scan failed)" if not scan else "(yara missing or failed)")
    if scan:
        r = case_bytes / evidence
        target("case_ratio", "case folder / evidence bytes", r, f"{r:.2f}x", f"<= {TARGET_CASE_RATIO}x",
               f"~{BASELINE_CASE_RATIO:.0f}x", r <= TARGET_CASE_RATIO,
               f"({case_bytes / MB:.1f} MB / {mb:.1f} MB)")
        big = sorted(breakdown.items(), key=lambda kv: -kv[1])
        print("  case folder: " + ", ".join(f"{k} {b / MB:.1f} MB" for k, b in big[:6])
              + (f", {len(big) - 6} more" if len(big) > 6 else ""))
        name = "sh" if cap else Path(sys.executable).name  # sh: the cgroup wrapper
        p = PSS_PEAKS.get(name, 0) / MIB
        rss_mib = scan["peak_rss_mib"] or 0.0
        target("peak_mib", "scan peak memory (tree PSS)", p, f"{p:.0f} MiB", f"< {TARGET_PEAK_MIB} MiB",
               "-", p < TARGET_PEAK_MIB)
        private_mib = PRIVATE_PEAKS.get(name, 0) / MIB
        print(f"  RSS summed over the processes (shared pages once per process): {rss_mib:.0f} MiB; "
              f"private (RSS less shared pages): {private_mib:.0f} MiB")
        targets["peak_mib"].update(rss_mib=rss_mib, private_mib=private_mib)
    else:
        target("case_ratio", "case folder / evidence bytes", None, "-", f"<= {TARGET_CASE_RATIO}x",
               f"~{BASELINE_CASE_RATIO:.0f}x", None, "(scan failed)")
        target("peak_mib", "scan peak memory (process tree)", None, "-", f"< {TARGET_PEAK_MIB} MiB", "-", None,
               "(scan failed)")
    if cap_figures is not None:
        peak_cg = cap_figures["peak_bytes"] / MIB
        target("memory_cap", f"scan inside a {cap.mib} MiB cgroup", peak_cg, f"{peak_cg:.0f} MiB",
               "finishes", "-", bool(scan) and cap_figures["oom_kills"] == 0,
               f"({cap_figures['oom_kills']} OOM kill(s); peak counts reclaimable page cache)")
    print("window (10M records: first paint < 0.1 s, sort/filter < 1 s): not measured by this script")
    if scan and dask_scan:
        r = dask_scan["seconds"] / scan["seconds"]
        target("dask_ratio", "dask LocalCluster / local time", r, f"{r:.2f}x", "<= 1.15x", "-", r <= 1.15,
               "(issue 11)")
        differing = report_differences(case, dask_case)
        target("dask_same_report", "report.json local == dask", float(not differing),
               "same" if not differing else "DIFFERS", "same", "-", not differing,
               f"(compared: {', '.join(SAME_REPORT_SECTIONS)})" if not differing
               else f"(differing: {', '.join(differing)})")

    if args.json:
        args.json.write_text(json.dumps({
            "mode": args.mode, "size_mb": args.size_mb, "seed": args.seed, "jobs": args.jobs,
            "cores": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
            "evidence_bytes": evidence, "files": [p.name for p in files], "rows": rows,
            "case_bytes": case_bytes if scan else None,
            "case_breakdown": breakdown if scan else None, "tools": tools, "targets": targets,
        }, indent=2) + "\n")
        print(f"figures written to {args.json}")
    if args.keep or args.workdir is not None:
        print(f"kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if scan else 1


if __name__ == "__main__":
    raise SystemExit(main())
