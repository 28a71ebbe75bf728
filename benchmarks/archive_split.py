#!/usr/bin/env python3
"""One big tar.gz (or 7z) of many members: ``balise scan --jobs 2`` against ``--jobs 1``, in one run (issue 11).

    python benchmarks/archive_split.py [--size-mb 400] [--members 40] [--seed 7] [--workdir DIR] [--keep]
    python benchmarks/archive_split.py --format 7z [--size-mb 300] [--members 60] [--solid-block 16m]
    python benchmarks/archive_split.py --single-csv [--gzip] [--size-mb 500] ...
    python benchmarks/archive_split.py --single-sql [--size-mb 300] ...

``--single-csv``: one PII-dense CSV of ``--size-mb`` (``--gzip``: gzipped, level 6) instead of the tar.gz: the
byte ranges of text_split share the cores (before, one file was one task on one core). ``--single-sql``: one
PII-dense mysqldump of ``--size-mb`` (throughput.py's dense mysqldump writer: extended INSERT lines of about
1 MB), cut at its INSERT lines by sql_split; the planning pass alone is timed too.

The archive holds ``--members`` PII-dense exports (the generator of throughput.py: a NIR, names, a birth
date, an e-mail, a phone, a FINESS and an RPPS per row). ``tar.gz``: CSVs written as GNU tar then gzip level 6,
as ``tar czf`` does. Before the split a tar.gz was one task on one core whatever ``--jobs`` said (ratio about
1.0); the target is at least 1.6x with ``--jobs 2`` on 2 cores. Also printed: the planning pass (one parallel
decompression with rapidgzip to index the members) as a share of the scan.

``7z``: CSVs and, every third member, a mysqldump, written by the 7-Zip CLI (``7zz``/``7z``, Debian package
``7zip``) as ``7z a -mx=5 -ms=on -mqs=on -ms=SIZE`` (solid blocks of SIZE, files sorted by type), or by py7zr
(one block per append) without it. The scan splits it into one task per run of blocks (sevenzip_split).
"""


from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from throughput import write_dense  # noqa: E402


def build(work: Path, size_mb: int, members: int, seed: int) -> Path:
    parts = work / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    per = size_mb * 2**20 // members
    tar_path = work / "export.tar"
    with tarfile.open(tar_path, "w", format=tarfile.GNU_FORMAT) as tf:
        for i in range(members):
            p = parts / f"patients_{i:03d}.csv"
            write_dense(p, per, seed + i, sql=False)
            tf.add(p, arcname=f"export/{p.name}")
            p.unlink()
    gz_path = work / "export.tar.gz"
    with open(tar_path, "rb") as src, gzip.open(gz_path, "wb", compresslevel=6) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    tar_path.unlink()
    return gz_path


def build_7z(work: Path, size_mb: int, members: int, seed: int, solid_block: str) -> Path:
    parts = work / "parts" / "export"
    parts.mkdir(parents=True, exist_ok=True)
    per = size_mb * 2**20 // members
    for i in range(members):
        sql = i % 3 == 2
        write_dense(parts / f"patients_{i:03d}.{'sql' if sql else 'csv'}", per, seed + i, sql=sql)
    out = work / "export.7z"
    cli = shutil.which("7zz") or shutil.which("7z")
    if cli is not None:
        subprocess.run([cli, "a", "-bd", "-bso0", "-mx=5", "-ms=on", "-mqs=on", f"-ms={solid_block}", str(out),
                        "export"], cwd=parts.parent, check=True)
    else:  # py7zr writes one solid block per session: one append per member
        import py7zr

        for i, p in enumerate(sorted(parts.iterdir())):
            with py7zr.SevenZipFile(out, "w" if i == 0 else "a") as szf:
                szf.write(p, f"export/{p.name}")
    shutil.rmtree(work / "parts")
    return out


def blocks_of(archive: Path) -> int:
    import py7zr

    with py7zr.SevenZipFile(archive) as szf:
        return len(szf.header.main_streams.unpackinfo.folders)


def build_single(work: Path, size_mb: int, seed: int, gz: bool) -> Path:
    csv_path = work / "patients_export.csv"
    write_dense(csv_path, size_mb * 2**20, seed, sql=False)
    if not gz:
        return csv_path
    gz_path = work / "patients_export.csv.gz"
    with open(csv_path, "rb") as src, gzip.open(gz_path, "wb", compresslevel=6) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    csv_path.unlink()
    return gz_path


def build_single_sql(work: Path, size_mb: int, seed: int) -> Path:
    sql_path = work / "dpi_dump.sql"
    write_dense(sql_path, size_mb * 2**20, seed, sql=True)
    return sql_path


def planning_seconds(path: Path) -> tuple[float, int]:
    """The split planner alone on ``path`` (default bounds): seconds and ranges (0: not split)."""
    from workbench.engine import text_split
    from workbench.engine.bounds import Bounds

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        planned = text_split.plan(path, path.name, Bounds(), Path(tmp) / "idx", 1)
    return time.monotonic() - started, 0 if planned is None else len(planned.chunks)


def scan(archive: Path, case: Path, jobs: int) -> tuple[float, dict]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "workbench", "scan", str(archive), "--case", str(case),
                           "--jobs", str(jobs), "--no-verify", "-q"], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"scan --jobs {jobs} failed: {proc.stderr[-2000:]}")
    custody = [json.loads(line) for line in (case / "custody.jsonl").read_text().splitlines()]
    finished = next(c for c in custody if c["action"] == "scan-finished")
    return elapsed, json.loads(finished["detail"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=400, help="uncompressed CSV bytes in the archive (MB)")
    ap.add_argument("--members", type=int, default=40, help="CSV members in the archive")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--format", choices=("tar.gz", "7z"), default="tar.gz", help="the archive to build")
    ap.add_argument("--solid-block", default="16m", help="7z: the 7-Zip CLI's solid block size (-ms=)")
    ap.add_argument("--workdir", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--single-csv", action="store_true", help="one big CSV instead of a tar.gz of members")
    ap.add_argument("--gzip", action="store_true", help="with --single-csv: the CSV gzipped")
    ap.add_argument("--single-sql", action="store_true", help="one big mysqldump instead of a tar.gz of members")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="balise-split-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.monotonic()
        if args.single_sql:
            archive = build_single_sql(work, args.size_mb, args.seed)
            print(f"evidence: {archive} ({archive.stat().st_size / 1e6:.1f} MB, {args.size_mb} MiB of mysqldump in one "
                  f"file), built in {time.monotonic() - t0:.0f} s")
            secs, ranges = planning_seconds(archive)
            print(f"planner alone: {secs:.1f} s, {ranges} ranges ({archive.stat().st_size / 1e6 / max(secs, 1e-9):.0f} "
                  "MB/s)")
        elif args.single_csv:
            archive = build_single(work, args.size_mb, args.seed, args.gzip)
            print(f"evidence: {archive} ({archive.stat().st_size / 1e6:.1f} MB, {args.size_mb} MiB of CSV in one "
                  f"file), built in {time.monotonic() - t0:.0f} s")
        else:
            if args.format == "7z":
                archive = build_7z(work, args.size_mb, args.members, args.seed, args.solid_block)
                what = f"CSV and SQL in {args.members} members, {blocks_of(archive)} solid blocks"
            else:
                archive = build(work, args.size_mb, args.members, args.seed)
                what = f"CSV in {args.members} members"
            print(f"archive: {archive} ({archive.stat().st_size / 1e6:.1f} MB compressed, {args.size_mb} MB of {what}), "
                  f"built in {time.monotonic() - t0:.0f} s")
        one, facts1 = scan(archive, work / "case-j1", 1)
        two, facts2 = scan(archive, work / "case-j2", 2)
        print(f"{'scan':<22}{'seconds':>9}{'tasks':>8}{'items':>8}")
        print(f"{'--jobs 1':<22}{one:>9.1f}{facts1['tasks_total']:>8}{facts1['items']:>8}")
        print(f"{'--jobs 2':<22}{two:>9.1f}{facts2['tasks_total']:>8}{facts2['items']:>8}")
        ratio = one / two
        print(f"speed-up --jobs 2 / --jobs 1: {ratio:.2f}x (target >= 1.6x) "
              f"{'PASS' if ratio >= 1.6 else 'FAIL'}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
