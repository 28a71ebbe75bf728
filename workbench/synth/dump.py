"""Build a realistic leak dump (zip, folder or tar.gz) of synthetic establishment data, with its ground truth.

Layout: one folder per establishment with its systems' exports (CSV, SQL dumps, HL7, FHIR, DICOM, PDF, XLSX,
e-mail), nested archives (zip in tar.gz, 7z, .sql.gz, .zst), lying extensions and, when `hostile`, broken items.
The big CSV and SQL files are sized so that the top-level files add up to about `target_bytes` (before the
outer zip/tar.gz compresses them: the same seed and target give the same content in every layout).
Everything is streamed: memory does not grow with the target.

`plant(est, fmt, records)` may wrap the records of every file to add (or drop) PatientRecords; `fmt` is one of
PLANT_FORMATS. What it adds is written and counted in the ground truth like the rest.
"""

from __future__ import annotations

import gzip
import io
import itertools
import queue
import shutil
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import py7zr
import zstandard

from workbench.synth.establishments import (
    DEMO_ESTABLISHMENTS,
    UNREGISTERED_ESTABLISHMENT,
    EstablishmentProfile,
)
from workbench.synth.formats import csv_export, dicom, email, fhir, hl7, pdf, sql, xlsx
from workbench.synth.people import PatientRecord, PeopleFactory
from workbench.synth.truth import GroundTruth, ItemTruth

PlantHook = Callable[[EstablishmentProfile, str, Iterator[PatientRecord]], Iterable[PatientRecord]]
LAYOUTS = ("zip", "folder", "tar.gz")
PLANT_FORMATS = ("csv", "csv-lab", "csv-en", "sql-mysql", "sql-postgresql", "sql-sqlite", "hl7-adt", "hl7-oru",
                 "fhir-bundle", "fhir-ndjson", "dicom", "pdf", "xlsx", "eml")
SEP = "!/"
ZIP_TIME = (2025, 7, 1, 2, 14, 0)
ARCHIVE_PASSWORD = "Balise2025!"
MIN_POPULATION = 200  # every subset file takes a prefix of the population: keep the big files larger
SQL_STYLES = ("mysql.gz", "postgresql", "sqlite.zst", "mysql")


def default_establishments() -> list[EstablishmentProfile]:
    return [*DEMO_ESTABLISHMENTS[:3], UNREGISTERED_ESTABLISHMENT]


class _Counter(io.RawIOBase):
    """Counts the bytes written through it (the content size of one top-level file)."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh, self.count = fh, 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        n = self._fh.write(b)
        n = len(b) if n is None else n
        self.count += n
        return n


class _Sink:
    """Top-level files of the dump, written into a zip, a folder or a tar.gz."""

    def __init__(self, out_path: Path, layout: str, staging: Path) -> None:
        self.layout, self.out_path, self.staging = layout, out_path, staging
        self.content_bytes = 0
        self._tmp = itertools.count()
        if layout == "zip":
            self.zf = zipfile.ZipFile(out_path, "w", allowZip64=True)
        elif layout == "tar.gz":
            self._raw = open(out_path, "wb")  # noqa: SIM115 (closed in close())
            self._gz = gzip.GzipFile(filename=out_path.name.removesuffix(".gz"), mode="wb", fileobj=self._raw,
                                     compresslevel=1, mtime=0)
            self.tf = tarfile.open(fileobj=self._gz, mode="w", format=tarfile.PAX_FORMAT)  # noqa: SIM115
        else:
            out_path.mkdir(parents=True)

    def vpath(self, rel: str) -> str:
        return f"{self.out_path.name}/{rel}" if self.layout == "folder" else f"{self.out_path.name}{SEP}{rel}"

    @contextmanager
    def open(self, rel: str, *, compressible: bool = True) -> Iterator[BinaryIO]:
        if self.layout == "zip":
            zi = zipfile.ZipInfo(rel, ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED if compressible else zipfile.ZIP_STORED
            # deflate level 1: fast; the attribute is `compress_level` from 3.13, `_compresslevel` before
            setattr(zi, "compress_level" if hasattr(zi, "compress_level") else "_compresslevel", 1)
            with self.zf.open(zi, "w", force_zip64=True) as w:
                counter = _Counter(w)
                yield counter  # type: ignore[misc]
        elif self.layout == "folder":
            path = self.out_path.joinpath(*rel.split("/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as w:
                counter = _Counter(w)
                yield counter  # type: ignore[misc]
        else:
            tmp = self.staging / f"member-{next(self._tmp)}"
            with open(tmp, "xb") as w:
                counter = _Counter(w)
                yield counter  # type: ignore[misc]
            info = tarfile.TarInfo(rel)
            info.size, info.mtime, info.mode = counter.count, 1751336040, 0o640
            info.uname = info.gname = "backup"
            with open(tmp, "rb") as r:
                self.tf.addfile(info, r)
            tmp.unlink()
        self.content_bytes += counter.count

    def write_bytes(self, rel: str, data: bytes, *, compressible: bool = True) -> None:
        with self.open(rel, compressible=compressible) as fh:
            fh.write(data)

    def close(self) -> None:
        if self.layout == "zip":
            self.zf.close()
        elif self.layout == "tar.gz":
            self.tf.close()
            self._gz.close()
            self._raw.close()

    def evidence_bytes(self) -> int:
        if self.layout == "folder":
            return sum(p.stat().st_size for p in self.out_path.rglob("*") if p.is_file())
        return self.out_path.stat().st_size


class _Builder:
    def __init__(self, sink: _Sink, truth: GroundTruth, ests: list[EstablishmentProfile], seed: int,
                 plant: PlantHook | None, staging: Path) -> None:
        self.sink, self.truth, self.ests, self.seed, self.plant, self.staging = sink, truth, ests, seed, plant, staging
        width = 899 // len(ests)
        self._slots = {e.finess: (1 + i * width, (i + 1) * width) for i, e in enumerate(ests)}

    # -- records ---------------------------------------------------------------------------------------

    def population(self, est: EstablishmentProfile, n: int, start: int = 0) -> Iterator[PatientRecord]:
        """Records start..start+n of the establishment's population (the same people in every file)."""
        idx = self.ests.index(est)
        factory = PeopleFactory(self.seed * 1000 + idx, nir_order_range=self._slots[est.finess])
        it = factory.records(est, start + n)
        return itertools.islice(it, start, None)

    def records(self, est: EstablishmentProfile, fmt: str, item: ItemTruth, n: int, start: int = 0
                ) -> Iterator[PatientRecord]:
        return self.wrap(est, fmt, item, self.population(est, n, start))

    def wrap(self, est: EstablishmentProfile, fmt: str, item: ItemTruth, recs: Iterator[PatientRecord]
             ) -> Iterator[PatientRecord]:
        """Records through the plant hook, counted into `item`."""
        if self.plant is not None:
            recs = iter(self.plant(est, fmt, recs))
        for rec in recs:
            item.patients += 1
            yield rec

    def item(self, vpath: str, kind: str, fmt: str | None = None, est: EstablishmentProfile | None = None,
             **kw) -> ItemTruth:
        it = ItemTruth(vpath=vpath, kind=kind, format=fmt, establishment=est.finess if est else None, **kw)
        self.truth.items.append(it)
        return it

    # -- fixed-size items ------------------------------------------------------------------------------

    def fixed(self, est: EstablishmentProfile) -> None:
        s, sk = est.short, self.sink
        if "hl7" in est.systems:
            rel = f"{s}/hl7/ADT_{est.hl7_facility}_2024.hl7"
            it = self.item(sk.vpath(rel), "hl7v2", None, est)
            with sk.open(rel) as fh:
                it.records = hl7.write_adt(self.records(est, "hl7-adt", it, 150), fh, sink=it.add)
            if est.kind == "lab":
                rel = f"{s}/hl7/ORU_{est.hl7_facility}_2024.hl7"
                it = self.item(sk.vpath(rel), "hl7v2", None, est)
                with sk.open(rel) as fh:
                    it.records = hl7.write_oru(self.records(est, "hl7-oru", it, 150), fh, sink=it.add)
        if "fhir" in est.systems:
            rel = f"{s}/fhir/bundle_patients.json"
            it = self.item(sk.vpath(rel), "fhir-json", None, est)
            with sk.open(rel) as fh:
                fhir.write_bundle(self.records(est, "fhir-bundle", it, 40), fh, sink=it.add)
            it.records = it.patients  # the engine's FHIR record is the Patient, its encounters and results folded in
            rel = f"{s}/fhir/Patient_Encounter_Observation.ndjson"
            it = self.item(sk.vpath(rel), "fhir-ndjson", None, est)
            with sk.open(rel) as fh:
                fhir.write_ndjson(self.records(est, "fhir-ndjson", it, 40, start=40), fh, sink=it.add)
            it.records = it.patients
        if "xlsx" in est.systems:
            rel = f"{s}/exports/extraction_{s}.xlsx"
            it = self.item(sk.vpath(rel), "xlsx", None, est, layer="office-text")
            buf = io.BytesIO()
            it.records = xlsx.write_xlsx(self.records(est, "xlsx", it, 60), buf, sink=it.add)
            sk.write_bytes(rel, buf.getvalue(), compressible=False)
        if "dicom" in est.systems:
            studies = 3 if est.kind == "imaging" else 2
            modalities = ("CT", "MR", "CR")
            for k, rec in enumerate(self._per_record(est, "dicom", studies, start=100)):
                folder = f"{s}/pacs/ETUDE_{k + 1:04d}"
                rec_item: list[ItemTruth] = []

                def emit(name: str, data: bytes, folder: str = folder, rec_item: list[ItemTruth] = rec_item,
                         rec: PatientRecord = rec) -> None:
                    rel = f"{folder}/{name}"
                    it = self.item(sk.vpath(rel), "dicom", None, rec.establishment, records=1, patients=1)
                    rec_item.append(it)
                    sk.write_bytes(rel, data)

                files = dicom.write_study(rec, emit, modality=modalities[k % 3], images=2)
                for it in rec_item:
                    it.add("nir", rec.patient.nir)
                self._last_dicom = files[0]
        if "pdf" in est.systems:
            for rec in self._per_record(est, "pdf", 3, start=10, results=True):
                rel = f"{s}/comptes-rendus/CR_{rec.patient.ipp}.pdf"
                it = self.item(sk.vpath(rel), "pdf", None, rec.establishment, layer="pdf-text", records=1,
                               patients=1, text_layer=pdf.report_text_lines(rec))
                buf = io.BytesIO()
                pdf.write_lab_report(rec, buf, sink=it.add)
                sk.write_bytes(rel, buf.getvalue(), compressible=False)
        if "eml" in est.systems:
            for k, rec in enumerate(self._per_record(est, "eml", 2, start=20, results=True)):
                rel = f"{s}/mails/envoi_{k + 1:03d}.eml"
                it = self.item(sk.vpath(rel), "email", None, rec.establishment, records=1, patients=1)
                child = self.item(it.vpath + SEP + email.attachment_name(rec), "pdf", None, rec.establishment,
                                  layer="pdf-text", records=1, patients=1, text_layer=pdf.report_text_lines(rec))
                buf = io.BytesIO()
                email.write_eml(rec, buf, sink=it.add, pdf_sink=child.add)
                sk.write_bytes(rel, buf.getvalue())

    def _per_record(self, est: EstablishmentProfile, fmt: str, n: int, *, start: int, results: bool = False
                    ) -> Iterator[PatientRecord]:
        """`n` records for one-file-per-record formats (those with results when asked), through the plant hook."""
        pool = (r for r in self.population(est, 10 * n + 50, start) if r.results or not results)
        recs: Iterator[PatientRecord] = itertools.islice(pool, n)
        if self.plant is not None:
            recs = iter(self.plant(est, fmt, recs))
        return recs

    # -- nested archives, lying names ------------------------------------------------------------------

    def nested(self, ests: list[EstablishmentProfile]) -> None:
        sk = self.sink
        e0, e1, e2, last = ests[0], ests[min(1, len(ests) - 1)], ests[min(2, len(ests) - 1)], ests[-1]
        # zip inside a tar.gz
        rel = f"{e0.short}/archives/exports_2022.tar.gz"
        outer = self.item(sk.vpath(rel), "archive", "tar")
        zpath = outer.vpath + SEP + "exports_2022/patients_2022.zip"
        self.item(zpath, "archive", "zip")
        csv_it = self.item(zpath + SEP + "patients_2022.csv", "csv", "csv", e0)
        inner_csv = io.BytesIO()
        csv_it.records = csv_export.write_csv(self.records(e0, "csv", csv_it, 80), inner_csv, sink=csv_it.add)
        zbuf = io.BytesIO()
        with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(zipfile.ZipInfo("patients_2022.csv", ZIP_TIME), inner_csv.getvalue(), zipfile.ZIP_DEFLATED)
        readme = "Export annuel des patients 2022 - ne pas diffuser.\r\n".encode("cp1252")
        self.item(outer.vpath + SEP + "exports_2022/LISEZMOI.txt", "text")
        tbuf = io.BytesIO()
        with gzip.GzipFile(fileobj=tbuf, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tf:
            for name, data in (("exports_2022/patients_2022.zip", zbuf.getvalue()),
                               ("exports_2022/LISEZMOI.txt", readme)):
                ti = tarfile.TarInfo(name)
                ti.size, ti.mtime = len(data), 1672531200
                tf.addfile(ti, io.BytesIO(data))
        sk.write_bytes(rel, tbuf.getvalue(), compressible=False)
        # a 7z of HL7 files
        hl7_est = next((e for e in ests if "hl7" in e.systems), e1)
        rel = f"{hl7_est.short}/archives/hl7_2023.7z"
        outer = self.item(sk.vpath(rel), "archive", "7z")
        members = []
        for k in range(2):
            name = f"ADT_2023_{k + 1:02d}.hl7"
            it = self.item(outer.vpath + SEP + name, "hl7v2", None, hl7_est)
            buf = io.BytesIO()
            it.records = hl7.write_adt(self.records(hl7_est, "hl7-adt", it, 40, start=40 * k), buf, sink=it.add)
            members.append((name, buf.getvalue()))
        sk.write_bytes(rel, _seven_zip(members), compressible=False)
        # a zip named .dat
        rel = f"{e2.short}/sauvegarde_0001.dat"
        outer = self.item(sk.vpath(rel), "archive", "zip", ext_mismatch=True)
        it = self.item(outer.vpath + SEP + "resultats.csv", "csv", "csv", e2)
        buf = io.BytesIO()
        it.records = csv_export.write_csv(self.records(e2, "csv-lab", it, 50), buf, dialect="lab", sink=it.add)
        zbuf = io.BytesIO()
        with zipfile.ZipFile(zbuf, "w") as zf:
            zf.writestr(zipfile.ZipInfo("resultats.csv", ZIP_TIME), buf.getvalue(), zipfile.ZIP_DEFLATED)
        sk.write_bytes(rel, zbuf.getvalue(), compressible=False)
        # a CSV named .jpg
        rel = f"{last.short}/scan_0042.jpg"
        it = self.item(sk.vpath(rel), "csv", "csv", last, ext_mismatch=True)
        with sk.open(rel) as fh:
            it.records = csv_export.write_csv(self.records(last, "csv-en", it, 30), fh, encoding="utf-8",
                                              delimiter=",", dialect="export_en", sink=it.add)

    # -- hostile items -----------------------------------------------------------------------------------

    def hostile(self, ests: list[EstablishmentProfile]) -> None:
        sk, e0, last = self.sink, ests[0], ests[-1]
        # truncated gzip of an older SQL dump (its people are all in the full exports too)
        rel = f"{e0.short}/backup/dpi_2021.sql.gz"
        outer = self.item(sk.vpath(rel), "archive", "gzip", hostile="truncated-gzip",
                          expect={"status": "error", "stage": "archive"})
        child = self.item(outer.vpath + SEP + "dpi_2021.sql", "sql-dump", "mysql", e0, exact=False,
                          note="truncated: only a prefix is readable; its people are in the full exports")
        buf = io.BytesIO()
        with gzip.GzipFile(filename="dpi_2021.sql", mode="wb", fileobj=buf, mtime=0) as gz:
            child.rows_per_table = sql.write_mysql_dump(self.records(e0, "sql-mysql", child, 60), gz,
                                                        database="dpi_2021", sink=child.add, tmp_dir=str(self.staging))
        data = buf.getvalue()
        sk.write_bytes(rel, data[: len(data) * 55 // 100], compressible=False)
        # a DICOM file cut in the middle of its pixel data (a partial copy): the header, with the identity and the
        # NIR, still reads (pydicom is lenient), the image does not
        dest = next((e for e in ests if "dicom" in e.systems), e0)
        rec = next(self._per_record(dest, "dicom", 1, start=150))
        good = dicom.write_study(rec, None, images=1)[0]
        pixels = good.rindex(b"\xe0\x7f\x10\x00")  # (7FE0,0010) Pixel Data, explicit VR OW: 12-byte header
        cut = pixels + 12 + (len(good) - pixels - 12) // 2
        rel = f"{dest.short}/pacs/ETUDE_CORROMPUE/IM00001.dcm"
        it = self.item(sk.vpath(rel), "dicom", None, rec.establishment, hostile="corrupt-dicom", records=1,
                       patients=1, expect={"status": "done", "pixels": "error"},
                       note="pixel data cut in half: header and NIR readable, image decoding fails")
        it.add("nir", rec.patient.nir)
        sk.write_bytes(rel, good[:cut])
        # empty and all-NUL files
        self.item(sk.vpath(f"{last.short}/exports/vide.csv"), "empty", hostile="empty")
        sk.write_bytes(f"{last.short}/exports/vide.csv", b"")
        rel = f"{last.short}/exports/extraction_2024.csv"
        self.item(sk.vpath(rel), "binary", hostile="all-nul", ext_mismatch=True)
        sk.write_bytes(rel, bytes(65536))
        # an encrypted 7z (AES-256): the members are listed, their content needs the password
        rel = f"{e0.short}/confidentiel_direction.7z"
        outer = self.item(sk.vpath(rel), "archive", "7z", hostile="encrypted", expect={"status": "encrypted"},
                          password=ARCHIVE_PASSWORD)
        it = self.item(outer.vpath + SEP + "patients_vip.csv", "csv", "csv", e0, exact=False,
                       expect={"status": "encrypted"}, password=ARCHIVE_PASSWORD)
        buf = io.BytesIO()
        it.records = csv_export.write_csv(self.records(e0, "csv", it, 20), buf, sink=it.add)
        sk.write_bytes(rel, _seven_zip([("patients_vip.csv", buf.getvalue())], password=ARCHIVE_PASSWORD),
                       compressible=False)

    # -- the big files -------------------------------------------------------------------------------------

    def big_plan(self, ests: list[EstablishmentProfile]) -> list[tuple[EstablishmentProfile, str | None, str | None]]:
        plan = []
        sql_ests = [e for e in ests if "sql" in e.systems]
        for e in ests:
            csv_dialect = ("lab" if e.kind == "lab" else "dpi") if "csv" in e.systems else None
            style = SQL_STYLES[sql_ests.index(e) % len(SQL_STYLES)] if e in sql_ests else None
            if csv_dialect or style:
                plan.append((e, csv_dialect, style))
        return plan

    def bytes_per_record(self, est: EstablishmentProfile, dialect: str | None, style: str | None) -> float:
        sample = list(self.population(est, 300))
        buf = io.BytesIO()
        if dialect:
            csv_export.write_csv(sample, buf, dialect=dialect)
        if style:
            self._write_sql(style, sample, buf, "calibration", None)
        return max(buf.tell() / len(sample), 1.0)

    def _write_sql(self, style: str, recs: Iterable[PatientRecord], fh: BinaryIO, db: str, item: ItemTruth | None
                   ) -> dict[str, int]:
        add = item.add if item else None
        tmp = str(self.staging)
        if style == "mysql.gz":
            with gzip.GzipFile(filename=f"{db}.sql", mode="wb", fileobj=fh, compresslevel=3, mtime=0) as gz:
                return sql.write_mysql_dump(recs, gz, database=db, sink=add, tmp_dir=tmp)
        if style == "sqlite.zst":
            with zstandard.ZstdCompressor(level=3).stream_writer(fh, closefd=False) as zw:
                return sql.write_sqlite_dump(recs, zw, sink=add, tmp_dir=tmp)  # type: ignore[arg-type]
        if style == "postgresql":
            return sql.write_postgres_dump(recs, fh, owner=db, sink=add, tmp_dir=tmp)
        return sql.write_mysql_dump(recs, fh, database=db, sink=add, tmp_dir=tmp)

    def big(self, ests: list[EstablishmentProfile], budget: int) -> None:
        plan = self.big_plan(ests)
        if not plan:
            return
        weights = [{"chu": 3, "ght": 2}.get(e.kind, 1) for e, _, _ in plan]
        for (est, dialect, style), w in zip(plan, weights, strict=True):
            share = budget * w / sum(weights)
            n = max(MIN_POPULATION, int(share / self.bytes_per_record(est, dialect, style)))
            s, sk = est.short, self.sink
            csv_job = sql_job = None
            if dialect:
                rel = f"{s}/exports/{'resultats_sil' if dialect == 'lab' else 'export_patients_dpi'}.csv"
                csv_item = self.item(sk.vpath(rel), "csv", "csv", est)
                fmt = "csv-lab" if dialect == "lab" else "csv"

                def csv_job(recs, rel=rel, it=csv_item, fmt=fmt, est=est, dialect=dialect):
                    with self.sink.open(rel) as fh:
                        it.records = csv_export.write_csv(self.wrap(est, fmt, it, recs), fh, dialect=dialect,
                                                          sink=it.add)
            if style:
                db = {"chu": "dpi_prod", "lab": "sil_prod", "imaging": "ris_prod"}.get(est.kind, "gap_prod")
                fmt = {"mysql.gz": "mysql", "mysql": "mysql", "postgresql": "postgresql", "sqlite.zst": "sqlite"}[style]
                name = {"mysql.gz": f"{db}.sql.gz", "postgresql": f"pg_dump_{db}.sql", "sqlite.zst": f"{db}.sql.zst",
                        "mysql": f"{db}.sql"}[style]
                rel = f"{s}/backup/{name}"
                if style in ("mysql.gz", "sqlite.zst"):
                    self.item(sk.vpath(rel), "archive", "gzip" if style == "mysql.gz" else "zstd")
                    sql_item = self.item(sk.vpath(rel) + SEP + f"{db}.sql", "sql-dump", fmt, est)
                else:
                    sql_item = self.item(sk.vpath(rel), "sql-dump", fmt, est)
                compressible = style in ("postgresql", "mysql")

                def sql_job(recs, rel=rel, it=sql_item, fmt=fmt, est=est, style=style, db=db,
                            compressible=compressible, to_staging=bool(dialect)):
                    recs = self.wrap(est, f"sql-{fmt}", it, recs)
                    if to_staging:  # written while the CSV member is open: the zip takes one writer at a time
                        tmp = self.staging / f"{db}-{est.short}.part"
                        with open(tmp, "xb") as fh:
                            rows = self._write_sql(style, recs, fh, db, it)
                        it.rows_per_table, it.records = rows, sum(rows.values())
                        return tmp, rel, compressible
                    with self.sink.open(rel, compressible=compressible) as fh:
                        rows = self._write_sql(style, recs, fh, db, it)
                    it.rows_per_table, it.records = rows, sum(rows.values())
                    return None

            source = self.population(est, n)
            if csv_job and sql_job:
                # one generation of the population feeds both files (the same people, half the work)
                _, staged = tee_into(source, csv_job, sql_job)
                tmp, rel, compressible = staged
                with open(tmp, "rb") as src, self.sink.open(rel, compressible=compressible) as fh:
                    shutil.copyfileobj(src, fh, 1 << 20)
                tmp.unlink()
            elif csv_job:
                csv_job(source)
            elif sql_job:
                sql_job(source)


_END = object()


def tee_into(records: Iterable[PatientRecord], first: Callable[[Iterator[PatientRecord]], object],
             second: Callable[[Iterator[PatientRecord]], object]) -> tuple[object, object]:
    """Run two consumers over one stream: `first` in this thread, `second` in a helper thread fed through a
    bounded queue (memory stays bounded; an error on either side stops both and is raised here)."""
    q: queue.Queue = queue.Queue(maxsize=512)
    box: dict[str, object] = {}

    def drain() -> Iterator[PatientRecord]:
        while (item := q.get()) is not _END:
            yield item  # type: ignore[misc]
        box["ended"] = True

    def run() -> None:
        try:
            box["result"] = second(drain())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc
        finally:
            while "ended" not in box and q.get() is not _END:  # keep the producer unblocked until it is done
                pass

    def feed() -> Iterator[PatientRecord]:
        for rec in records:
            if "error" in box:
                break
            q.put(rec)
            yield rec

    worker = threading.Thread(target=run, name="synth-tee", daemon=True)
    worker.start()
    try:
        result = first(feed())
    finally:
        q.put(_END)
        worker.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return result, box.get("result")


def _seven_zip(members: list[tuple[str, bytes]], password: str | None = None) -> bytes:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password) as z:
        for name, data in members:
            z.writestr(data, name)
    return buf.getvalue()


def build_dump(out_path: Path, *, target_bytes: int, seed: int = 0,
               establishments: Iterable[EstablishmentProfile] | None = None, layout: str = "zip",
               hostile: bool = True, plant: PlantHook | None = None) -> GroundTruth:
    """Build the dump at `out_path` (a .zip / .tar.gz file, or a folder) and return its ground truth.

    Writes only `out_path` and a staging folder next to it (removed at the end)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    out_path = Path(out_path)
    if out_path.exists():
        raise FileExistsError(out_path)
    ests = list(establishments) if establishments is not None else default_establishments()
    if not ests:
        raise ValueError("at least one establishment is needed")
    if len({e.finess for e in ests}) != len(ests):
        raise ValueError("establishments must be distinct")
    staging = out_path.parent / f".{out_path.name}.staging"
    staging.mkdir(parents=True)
    truth = GroundTruth(evidence=out_path.name, layout=layout, seed=seed, target_bytes=target_bytes)
    for e in ests:
        truth.establishments[e.finess] = {"name": e.name, "short": e.short, "kind": e.kind,
                                          "registered": e.meta.get("registered", "true") == "true"}
    sink = _Sink(out_path, layout, staging)
    try:
        b = _Builder(sink, truth, ests, seed, plant, staging)
        for est in ests:
            b.fixed(est)
        b.nested(ests)
        if hostile:
            b.hostile(ests)
        b.big(ests, max(target_bytes - sink.content_bytes, 0))
    finally:
        sink.close()
        shutil.rmtree(staging, ignore_errors=True)
    truth.content_bytes = sink.content_bytes
    truth.evidence_bytes = sink.evidence_bytes()
    return truth


def main(argv: list[str] | None = None) -> int:
    """`python -m workbench.synth.dump OUT --size 20M [--layout zip] [--seed 0]`: build a dump and its truth."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--size", default="20M", help="target content size, e.g. 20M, 1G")
    ap.add_argument("--layout", choices=LAYOUTS, default="zip")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-hostile", action="store_true")
    args = ap.parse_args(argv)
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    size = args.size.upper()
    target = int(float(size[:-1]) * units[size[-1]]) if size[-1] in units else int(size)
    truth = build_dump(args.out, target_bytes=target, seed=args.seed, layout=args.layout, hostile=not args.no_hostile)
    truth_path = args.out.with_name(args.out.name + ".truth.json")
    with open(truth_path, "x", encoding="utf-8") as fh:
        truth.write_json(fh)
    print(f"{args.out} ({truth.evidence_bytes} bytes, content {truth.content_bytes}); truth: {truth_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
