"""Minting canary patients: synthetic people planted in an establishment's systems to prove a leak's origin.

A canary is an ordinary-looking patient from the synth people factory (Breton name, valid NIR consistent with
sex, birth date and birthplace, address, phone, e-mail, an IPP in the establishment's registered format, a stay
and lab results). Only keyed hashes of its fields go into the registry (see :mod:`registry`); the values
themselves exist only in the files written for the target system.

Why a real person will not match a canary on two fields. *Confirmed* (see :mod:`canary_index`) needs two
counted evidence groups among NIR, IPP, identity (name, birth name, e-mail), phone and birth date; the place
(address, postcode) never confirms.

* NIR. Canaries take order numbers 900-999 of their birth register (sex, year, month, commune). A Breton
  commune registers at most a few hundred births per sex and month (Rennes, the largest, about 170), so these
  NIRs belong to nobody; the synth factory keeps them out of generated patients too. Every new canary's NIR is
  also checked against every canary already in the registry. Any pair containing the NIR is therefore new.
* IPP, e-mail, phone are checked unique among the registry's canaries. The IPP should be the one the
  establishment's system assigns when the canary is entered there (by construction nobody else's); a minted
  random one is taken by a real patient of that establishment with probability (patients / format size, ~2 %
  for 2 million patients and 8 digits), who would also need the canary's name or birth date (1 in 30,000).
  A phone number may be a real subscriber's: that person would also need the canary's name or birth date.
* Identity + birth date, the one pair with no identifier in it, is checked new against the registry. For a
  real record to carry both, its (family, given) pair must be the canary's - under 1e-5 of people even for the
  commonest Breton pairs, ~1e-7 for a typical draw - and its birth date too (1 in ~33,000): 3e-10 per record
  and canary at worst, ~3e-12 typically, i.e. about 3e-3 expected false pairs in a dump of one million records
  against 1,000 canaries at worst. (Name + postcode would be ~1e-3 per record at worst: that is why the place
  never confirms.)

The seed comes from the operating system's CSPRNG (``secrets``) unless a test passes one, so nobody can
regenerate an establishment's canaries from public code.

Trade-off, stated plainly: an adversary who knows this scheme could look for NIR order numbers >= 900 in small
communes. Collision-freedom with real people was preferred to that residual tell.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from workbench.beacons import normalise as norm
from workbench.beacons.registry import KIND_CANARY, Establishment, Registry, RegistryError
from workbench.synth.establishments import DEMO_ESTABLISHMENTS, EstablishmentProfile
from workbench.synth.tables import BRETON_COMMUNES

if TYPE_CHECKING:  # synth.people loads faker (~0.15 s): mint() imports it; the CLI imports this module for every command
    from workbench.synth.people import PatientRecord

TARGET_FORMATS = ("csv", "sql", "hl7", "fhir", "dicom")
CANARY_ORDER_RANGE = (900, 999)
MAX_COUNT = 10_000
_MAX_ATTEMPTS_PER_CANARY = 50


class CanaryError(RegistryError):
    """Canaries cannot be minted as asked."""


@dataclass
class Canary:
    """One minted canary: its beacon id, where it is planted, and the synthetic record (values in clear,
    for writing into the target system only)."""

    beacon_id: str
    establishment: str
    recipient: str | None
    target_format: str
    record: PatientRecord
    fields: dict[str, str] = field(default_factory=dict)  # field -> HMAC hex, as stored in the registry

    def masked(self) -> str:
        """A one-line description that shows no value in clear (for consoles and logs)."""
        p = self.record.patient
        return (f"{self.beacon_id}  {p.sex}  NIR {p.nir[0]} {p.nir[1:3]} ** ** *** *** **  "
                f"{p.family_name[:1]}*** {p.given_name[:1]}***  IPP {p.ipp[:2]}{'*' * max(len(p.ipp) - 2, 0)}")


# ------------------------------------------------------------------------------------------ profiles

_TEMPLATE_TOKEN = re.compile(r"\\d\{(\d+)\}|\[0-9\]\{(\d+)\}|\\d|\[0-9\]|\\(.)|([A-Za-z0-9\-_/ ])")


def template_from_pattern(pattern: str) -> str:
    """The synth factory's number template (``#`` = digit) for a simple IPP/NDA regex such as ``RN\\d{8}``,
    ``BIO-[0-9]{7}`` or ``29\\d{8}``; :class:`CanaryError` for anything richer (alternation, ranges...)."""
    pattern = pattern.removeprefix("^").removesuffix("$")
    out, pos = [], 0
    while pos < len(pattern):
        m = _TEMPLATE_TOKEN.match(pattern, pos)
        if m is None:
            raise CanaryError(f"cannot mint a number matching pattern {pattern!r}: only literals, \\d and "
                              "\\d{n} are supported")
        count = m[1] or m[2]
        if count:
            out.append("#" * int(count))
        elif m[3] is not None:
            out.append(m[3])
        elif m[4] is not None:
            out.append(m[4])
        else:
            out.append("#")
        pos = m.end()
    template = "".join(out)
    if not template or re.fullmatch(pattern, template.replace("#", "0")) is None:
        raise CanaryError(f"cannot mint a number matching pattern {pattern!r}")
    return template


def _guess_kind(name: str) -> str:
    text = norm.fold(name)
    for needle, kind in (("EHPAD", "ehpad"), ("RESIDENCE", "ehpad"), ("LABO", "lab"), ("BIOLOG", "lab"),
                         ("IMAGERIE", "imaging"), ("RADIO", "imaging"), ("GHT", "ght"), ("CHU", "chu"),
                         ("CHRU", "chu"), ("CENTRE HOSPITALIER", "chu")):
        if needle in text:
            return kind
    return "clinic"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "establishment"


def profile_for(est: Establishment) -> EstablishmentProfile:
    """The synth factory's profile of a registered establishment: what the registry says (FINESS, names,
    facility codes, UID root, IPP/NDA formats), the rest (kind, catchment communes) from the demo profile of
    the same FINESS when there is one, else guessed from the name and the FINESS department."""
    demo = next((p for p in DEMO_ESTABLISHMENTS if p.finess == est.finess), None)
    ipp_pattern = est.ipp_patterns[0] if est.ipp_patterns else (demo.ipp_pattern if demo else r"\d{8}")
    nda_pattern = est.nda_patterns[0] if est.nda_patterns else (demo.nda_pattern if demo else r"\d{8}")
    if demo is not None and ipp_pattern == demo.ipp_pattern:
        ipp_template = demo.ipp_template
    else:
        ipp_template = template_from_pattern(ipp_pattern)
    if demo is not None and nda_pattern == demo.nda_pattern:
        nda_template = demo.nda_template
    else:
        nda_template = template_from_pattern(nda_pattern)
    department = est.finess[:2]
    communes = demo.communes if demo else tuple(c.insee for c in BRETON_COMMUNES if c.department == department)
    institution = est.name_variants[0] if est.name_variants else norm.fold(est.name)
    return EstablishmentProfile(
        finess=est.finess, name=est.name, short=demo.short if demo else _slug(est.name),
        group=est.group or (demo.group if demo else ""), city=est.city or (demo.city if demo else ""),
        department=department, kind=demo.kind if demo else _guess_kind(est.name),
        hl7_facility=(est.hl7_facility_codes or [demo.hl7_facility if demo else re.sub(r"\W", "", institution)])[0],
        dicom_uid_root=(est.dicom_uid_roots or [demo.dicom_uid_root if demo else "1.2.250.1.999"])[0],
        institution_name=institution, ipp_pattern=ipp_pattern, nda_pattern=nda_pattern,
        ipp_template=ipp_template, nda_template=nda_template, name_variants=tuple(est.name_variants),
        systems=demo.systems if demo else TARGET_FORMATS, communes=communes,
    )


# ------------------------------------------------------------------------------------------ hashing


def canary_fields(registry: Registry, record: PatientRecord) -> dict[str, str]:
    """The keyed hashes of a canary's fields, as stored in its beacon (never the values)."""
    p = record.patient
    values: dict[str, str | None] = {
        "nir": p.nir,
        "name": f"{p.family_name}|{p.given_name}",
        "birth_date": p.birth_date.isoformat() if isinstance(p.birth_date, date) else str(p.birth_date),
        "phone": p.phone,
        "email": p.email,
        "ipp": p.ipp,
        "address": p.address,
        "postcode": p.postcode,
    }
    if norm.name(p.birth_name) != norm.name(p.family_name):
        values["birth_name"] = f"{p.birth_name}|{p.given_name}"
    out: dict[str, str] = {}
    for field_name, value in values.items():
        hashed_as = "name" if field_name == "birth_name" else field_name
        digest = registry.lookup_hash(hashed_as, value)
        if digest is not None:
            out[field_name] = digest
    return out


class _Taken:
    """Hashes already used by the registry's canaries, to keep every new canary distinguishable."""

    UNIQUE = ("nir", "email", "phone", "ipp")

    def __init__(self, registry: Registry) -> None:
        self.single: dict[str, set[str]] = {f: set() for f in self.UNIQUE}
        self.name_date: set[tuple[str, str]] = set()
        for beacon in registry.beacons.values():
            if beacon.kind == KIND_CANARY:
                self.add(beacon.fields)

    @staticmethod
    def _pairs(fields: dict[str, str]) -> Iterable[tuple[str, str]]:
        if "birth_date" in fields:
            for key in ("name", "birth_name"):
                if key in fields:
                    yield fields[key], fields["birth_date"]

    def clashes(self, fields: dict[str, str]) -> bool:
        if "nir" not in fields:
            return True
        if any(fields.get(f) in self.single[f] for f in self.UNIQUE if f in fields):
            return True
        return any(pair in self.name_date for pair in self._pairs(fields))

    def add(self, fields: dict[str, str]) -> None:
        for f in self.UNIQUE:
            if f in fields:
                self.single[f].add(fields[f])
        self.name_date.update(self._pairs(fields))


# ------------------------------------------------------------------------------------------ minting


def mint(registry: Registry, finess: str, *, recipient: str | None = None, count: int, target_format: str,
         seed: int | None = None) -> list[Canary]:
    """Draw ``count`` new canaries for establishment ``finess`` (and ``recipient``), record each as a
    ``canary-patient`` beacon in ``registry`` (in memory: call ``registry.save(key)`` to re-sign)."""
    if target_format not in TARGET_FORMATS:
        raise CanaryError(f"unknown target format {target_format!r} (one of {', '.join(TARGET_FORMATS)})")
    if not 1 <= count <= MAX_COUNT:
        raise CanaryError(f"count must be between 1 and {MAX_COUNT}")
    est = registry.establishment(finess)
    profile = profile_for(est)
    from workbench.synth.people import PeopleFactory  # faker: loaded by minting only (see the imports)

    factory = PeopleFactory(secrets.randbits(63) if seed is None else seed, nir_order_range=CANARY_ORDER_RANGE)
    taken = _Taken(registry)
    drafts: list[tuple[PatientRecord, dict[str, str]]] = []
    attempts = 0
    while len(drafts) < count:
        attempts += 1
        if attempts > count * _MAX_ATTEMPTS_PER_CANARY:
            raise CanaryError(f"could not draw {count} distinct canaries for {finess}")
        try:
            record = factory.record(profile, stays=(1, 2), results=(1, 4))
        except RuntimeError as exc:  # the factory ran out of NIR order numbers in the canary range
            raise CanaryError(str(exc)) from exc
        fields = canary_fields(registry, record)
        if taken.clashes(fields):
            continue
        taken.add(fields)
        drafts.append((record, fields))
    canaries = []
    for record, fields in drafts:
        beacon = registry.add_beacon(KIND_CANARY, est.finess, recipient=recipient, target=target_format,
                                     fields=fields)
        record.extra["beacon_id"] = beacon.beacon_id
        canaries.append(Canary(beacon.beacon_id, est.finess, beacon.recipient, target_format, record, fields))
    return canaries


# ------------------------------------------------------------------------------------------ writing


def _staging(out: Path) -> Path:
    return out.with_name(f".{out.name}.{secrets.token_hex(4)}.partial")


def write_canaries(canaries: list[Canary], target_format: str, out: str | os.PathLike[str]) -> list[Path]:
    """Write the canaries' records in ``target_format`` through the synth writers: one file at ``out`` (csv,
    sql, hl7, fhir) or a new folder of DICOM studies. Refuses to overwrite; nothing is left behind on error.
    Returns the files written."""
    out = Path(out)
    if not canaries:
        raise CanaryError("no canary to write")
    records = [c.record for c in canaries]
    profile = records[0].establishment
    if out.exists() and (target_format != "dicom" or not out.is_dir() or any(out.iterdir())):
        raise CanaryError(f"{out} already exists: refusing to overwrite it")
    if not out.parent.is_dir():
        raise CanaryError(f"folder {out.parent} does not exist")
    stage = _staging(out)
    try:
        if target_format == "dicom":
            files = _write_dicom(records, stage)
        else:
            with open(stage, "xb") as fh:
                _write_stream(records, target_format, fh, profile)
            files = [stage]
        if target_format == "dicom" and out.is_dir():
            out.rmdir()  # the empty folder the caller made
        os.replace(stage, out)
    except BaseException:
        if stage.is_dir():
            shutil.rmtree(stage, ignore_errors=True)
        else:
            stage.unlink(missing_ok=True)
        raise
    if target_format == "dicom":
        return sorted(out / f.relative_to(stage) for f in files)
    return [out]


def _write_stream(records: list[PatientRecord], target_format: str, fh: BinaryIO,
                  profile: EstablishmentProfile) -> None:
    if target_format == "csv":
        from workbench.synth.formats import csv_export

        csv_export.write_csv(records, fh, dialect="lab" if profile.kind == "lab" else "dpi")
    elif target_format == "sql":
        from workbench.synth.formats import sql

        sql.write_mysql_dump(records, fh, database=profile.short.replace("-", "_"), tmp_dir=None)
    elif target_format == "hl7":
        hl7 = _writer_module("hl7")
        hl7.write_adt(records, fh)
    elif target_format == "fhir":
        fhir = _writer_module("fhir")
        fhir.write_bundle(records, fh)
    else:
        raise CanaryError(f"unknown target format {target_format!r}")


def _write_dicom(records: list[PatientRecord], folder: Path) -> list[Path]:
    dicom = _writer_module("dicom")
    folder.mkdir()
    written: list[Path] = []
    for i, record in enumerate(records, 1):
        study = folder / f"study{i:04d}"
        study.mkdir()
        dicom.write_study(record, study)
        written += sorted(p for p in study.rglob("*") if p.is_file())
    return written


def _writer_module(name: str):
    import importlib

    try:
        return importlib.import_module(f"workbench.synth.formats.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"workbench.synth.formats.{name}":
            raise CanaryError(f"no {name} writer in this build (workbench/synth/formats/{name}.py)") from None
        raise
