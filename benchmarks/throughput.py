"""Throughput of a full scan against its floor and its peer, in one run over the same bytes.

    python benchmarks/throughput.py [--size-mb 1000] [--jobs N] [--keep]

1. builds a synthetic leak (workbench.synth) of the given size, as a zip;
2. times ``sha256sum`` over the dump (the floor: reading and hashing once);
3. extracts the dump (nested archives unpacked, as a person would for the peer) and times ``yara -r -p N`` with
   the bundled rules over the extracted files (the peer; Debian package ``yara``);
4. times ``balise scan`` over the dump (hash x3, walk, type, YARA, identifiers, records, verify);
prints MB/s of each, the ratios and the peak memory (RSS of the scan's whole process tree).
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(cmd: list[str], **kw) -> tuple[float, int]:
    """Run a command; return (seconds, peak RSS in bytes of its process tree)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    peak = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        try:
            ps = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            try:
                procs = [ps, *ps.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.1)

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    _, err = proc.communicate()
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err.decode(errors='replace')[-500:]}")
    return time.perf_counter() - start, peak


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    from workbench.engine.yara_rules import bundled_rules_dir
    from workbench.synth.dump import build_dump

    work = args.workdir or Path(tempfile.mkdtemp(prefix="balise-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    dump = work / "leak.zip"
    t0 = time.perf_counter()
    if not dump.exists():
        build_dump(dump, target_bytes=args.size_mb * 10**6, seed=7, layout="zip", hostile=True)
    size = dump.stat().st_size
    print(f"dump: {dump} {size / 1e6:.0f} MB (built in {time.perf_counter() - t0:.0f} s)")

    rows = []
    secs, _ = timed(["sha256sum", str(dump)])
    rows.append(("sha256sum (floor)", secs, None))
    extracted = work / "extracted"
    if not extracted.exists():
        extracted.mkdir()
        extract_all(dump, extracted)
    yara_bin = shutil.which("yara")
    if yara_bin:
        rule_files = sorted(str(p) for p in bundled_rules_dir().glob("*.yar"))
        secs, peak = timed([yara_bin, "-r", "-p", str(args.jobs), "-w", *rule_files, str(extracted)])
        rows.append((f"yara -r -p {args.jobs} (peer)", secs, peak))
    else:
        print("yara not installed (apt-get install yara): peer skipped")
    case = work / "case"
    shutil.rmtree(case, ignore_errors=True)
    balise = [sys.executable, "-m", "workbench", "scan", str(dump), "--case", str(case), "--jobs", str(args.jobs), "-q"]
    secs, peak = timed(balise, cwd=ROOT)
    rows.append((f"balise scan --jobs {args.jobs}", secs, peak))

    floor = rows[0][1]
    print(f"\n{'tool':<28}{'seconds':>9}{'MB/s':>9}{'x floor':>9}{'peak RSS':>11}")
    for name, secs, peak in rows:
        peak_txt = f"{peak / 2**20:.0f} MiB" if peak else "-"
        print(f"{name:<28}{secs:>9.1f}{size / 1e6 / secs:>9.1f}{floor / secs:>9.3f}{peak_txt:>11}")
    if not args.keep and args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
