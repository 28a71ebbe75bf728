"""The signed beacon registry: establishments, their beacons, and the keys to find them.

One JSON file, UTF-8, canonical (sorted keys, no spaces)::

    {"format": "balise-registry/1",
     "payload": {authority, version, created, updated, normalisation, lookup_key, establishments, beacons},
     "signature": {"alg": "Ed25519", "public_key": b64, "key_id": sha256 hex of the raw key, "value": b64}}

The signature covers the canonical bytes of ``payload``. The signing key lives beside the registry
(``FILE.key``, PEM PKCS8, mode 600) and never inside it. Canary values are never stored: each canary field is
kept as HMAC-SHA-256(lookup_key, field + "\\x1f" + canonical form) (see :mod:`workbench.beacons.normalise`),
so reading the registry does not tell which records are canaries. It does let whoever holds it *test* a
record: that is what an analyst needs offline, and why the registry is handed only to people who need it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from workbench.beacons import normalise as norm

FORMAT = "balise-registry/1"
ALG = "Ed25519"
KIND_CANARY = "canary-patient"
KIND_TABLE_WATERMARK = "table-watermark"
KIND_IMAGE_WATERMARK = "image-watermark"
BEACON_KINDS = (KIND_CANARY, KIND_TABLE_WATERMARK, KIND_IMAGE_WATERMARK)
MAX_REGISTRY_BYTES = 256 * 2**20  # 100k canaries take ~60 MB; anything far larger is not a registry
MAX_KEY_BYTES = 64 * 2**10
_FINESS = re.compile(r"^(?:\d{2}|2A|2B)\d{7}$")
_IPP_MAX_LEN = 64  # patterns are matched against at most this many characters (bounded regex work)


class RegistryError(Exception):
    """The registry cannot be used: unreadable, malformed, or an operation on it is refused."""


class RegistrySignatureError(RegistryError):
    """The registry's signature does not verify, or its key is not one of the trusted keys."""


class RegistryMergeError(RegistryError):
    """Two registries cannot be merged (different authority or lineage)."""


def canonical_json(obj: Any) -> bytes:
    """The canonical bytes of ``obj``: UTF-8 JSON, sorted keys, no spaces."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def key_fingerprint(public_raw: bytes) -> str:
    """The key id: SHA-256 of the raw 32-byte Ed25519 public key, hex."""
    return hashlib.sha256(public_raw).hexdigest()


def format_fingerprint(key_id: str) -> str:
    """A key id grouped for reading aloud: ``SHA256:1a2b 3c4d ...`` (16 groups of 4 hex digits)."""
    return "SHA256:" + " ".join(key_id[i : i + 4] for i in range(0, len(key_id), 4))


def _clean_fingerprint(text: str) -> str:
    text = text.strip().lower()
    if text.startswith("sha256:"):
        text = text[7:]
    return re.sub(r"[\s:]", "", text)


def normalise_recipient(recipient: str | None) -> str:
    """Recipients are labels typed by people: compare them case- and space-insensitively."""
    if recipient is None:
        return ""
    return " ".join(recipient.split()).casefold()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str, length: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise RegistryError(f"registry: {what} is not a base64 string")
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise RegistryError(f"registry: {what} is not valid base64") from exc
    if length is not None and len(data) != length:
        raise RegistryError(f"registry: {what} is {len(data)} bytes, expected {length}")
    return data


def new_beacon_id() -> str:
    """A random beacon id: ``BCN-`` and 12 base32 characters (60 bits)."""
    return "BCN-" + base64.b32encode(secrets.token_bytes(8)).decode("ascii")[:12]


def load_signing_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Read an Ed25519 private key (PEM PKCS8, unencrypted) written by :meth:`Registry.init`."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise RegistryError(f"cannot read signing key {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_KEY_BYTES:
        raise RegistryError(f"signing key {path} is too large to be a key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise RegistryError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise RegistryError(f"{path} is not an Ed25519 key")
    return key


def read_registry_bytes(path: str | os.PathLike[str]) -> bytes:
    """A registry file's bytes, bounded (:data:`MAX_REGISTRY_BYTES`); :class:`RegistryError` in one line."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_REGISTRY_BYTES + 1)
    except OSError as exc:
        raise RegistryError(f"cannot read registry {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_REGISTRY_BYTES:
        raise RegistryError(f"registry {path} is larger than {MAX_REGISTRY_BYTES} bytes")
    return data


def _public_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _str_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"registry: {what} must be a list of strings")
    return list(value)


@dataclass
class Establishment:
    """A health establishment, keyed by FINESS, with what identifies it inside data."""

    finess: str
    name: str
    group: str | None = None
    city: str | None = None
    dicom_uid_roots: list[str] = field(default_factory=list)
    hl7_facility_codes: list[str] = field(default_factory=list)
    ipp_patterns: list[str] = field(default_factory=list)
    nda_patterns: list[str] = field(default_factory=list)
    name_variants: list[str] = field(default_factory=list)
    watermark_secret: str = field(default="", repr=False)  # base64 of 32 random bytes: never in logs
    recipients: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Establishment:
        if not isinstance(data, Mapping):
            raise RegistryError("registry: an establishment is not an object")
        finess, name = data.get("finess"), data.get("name")
        if not isinstance(finess, str) or not isinstance(name, str):
            raise RegistryError("registry: an establishment lacks finess or name")
        est = cls(
            finess=finess,
            name=name,
            group=data.get("group"),
            city=data.get("city"),
            dicom_uid_roots=_str_list(data.get("dicom_uid_roots"), "dicom_uid_roots"),
            hl7_facility_codes=_str_list(data.get("hl7_facility_codes"), "hl7_facility_codes"),
            ipp_patterns=_str_list(data.get("ipp_patterns"), "ipp_patterns"),
            nda_patterns=_str_list(data.get("nda_patterns"), "nda_patterns"),
            name_variants=_str_list(data.get("name_variants"), "name_variants"),
            watermark_secret=data.get("watermark_secret", ""),
            recipients=_str_list(data.get("recipients"), "recipients"),
        )
        _unb64(est.watermark_secret, f"watermark_secret of {finess}", 32)
        return est


@dataclass
class Beacon:
    """One planted beacon. ``fields`` maps a field name to the HMAC of its canonical value (never the value)."""

    beacon_id: str
    kind: str
    establishment: str
    recipient: str | None
    target: str | None
    created: str
    fields: dict[str, str] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Beacon:
        if not isinstance(data, Mapping):
            raise RegistryError("registry: a beacon is not an object")
        try:
            beacon = cls(
                beacon_id=data["beacon_id"],
                kind=data["kind"],
                establishment=data["establishment"],
                recipient=data.get("recipient"),
                target=data.get("target"),
                created=data["created"],
                fields=dict(data.get("fields") or {}),
                meta=dict(data.get("meta") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RegistryError(f"registry: malformed beacon ({exc})") from exc
        if beacon.kind not in BEACON_KINDS:
            raise RegistryError(f"registry: beacon {beacon.beacon_id} has unknown kind {beacon.kind!r}")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in beacon.fields.items()):
            raise RegistryError(f"registry: beacon {beacon.beacon_id} has malformed fields")
        return beacon


@dataclass
class MergeReport:
    """What :meth:`Registry.merge` did. Conflicts name the entries and keys that differed, never values."""

    establishments_added: list[str] = field(default_factory=list)
    beacons_added: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise RegistryError(f"registry: duplicate key {key!r}")
        out[key] = value
    return out


class Registry:
    """An in-memory registry. Mutations mark it dirty; :meth:`save` bumps the version and re-signs."""

    def __init__(self, *, authority: str, version: int, created: str, updated: str, lookup_key: bytes,
                 establishments: Iterable[Establishment] = (), beacons: Iterable[Beacon] = (),
                 public_key: bytes | None = None, path: Path | None = None) -> None:
        self.authority = authority
        self.version = version
        self.created = created
        self.updated = updated
        self.lookup_key = lookup_key
        self.establishments: dict[str, Establishment] = {e.finess: e for e in establishments}
        self.beacons: dict[str, Beacon] = {b.beacon_id: b for b in beacons}
        self.public_key = public_key  # raw 32 bytes of the key that signed the file, None until first save
        self.path = path
        self.dirty = False
        self._indexes: dict[str, Any] | None = None

    # ----------------------------------------------------------------- file I/O

    @classmethod
    def init(cls, path: str | os.PathLike[str], authority: str) -> Registry:
        """Create a new registry at ``path`` and its signing key at ``path + '.key'``; refuse to overwrite."""
        path = Path(path)
        key_path = Path(str(path) + ".key")
        if not authority.strip():
            raise RegistryError("the authority name is empty")
        for existing in (path, key_path):
            if existing.exists():
                raise RegistryError(f"{existing} already exists: refusing to overwrite it")
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise RegistryError(f"{key_path} already exists: refusing to overwrite it") from exc
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        os.chmod(key_path, 0o600)
        now = utc_now()
        registry = cls(authority=authority.strip(), version=0, created=now, updated=now,
                       lookup_key=secrets.token_bytes(32), path=path)
        registry.dirty = True
        try:
            registry.save(key_path)
        except BaseException:
            key_path.unlink(missing_ok=True)
            raise
        return registry

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, trusted_keys: Iterable[str] | None = None) -> Registry:
        """Read and verify a registry. Raises :class:`RegistrySignatureError` if the signature fails or,
        when ``trusted_keys`` (key ids, any case, ``SHA256:`` prefix and spaces allowed) is given, if the
        file was signed by another key."""
        return cls.loads(read_registry_bytes(path), Path(path), trusted_keys=trusted_keys)

    @classmethod
    def loads(cls, data: bytes, path: Path, *, trusted_keys: Iterable[str] | None = None) -> Registry:
        """:meth:`load` from bytes already read (``path`` names them in messages): a caller that keeps the
        exact bytes it verified (the case's copy of its registry) never reads the file twice."""
        try:
            doc = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RegistryError(f"registry {path} is not valid UTF-8 JSON: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise RegistryError(f"{path} is not a {FORMAT} registry")
        payload, sig = doc.get("payload"), doc.get("signature")
        if not isinstance(payload, dict) or not isinstance(sig, dict):
            raise RegistryError(f"registry {path} lacks its payload or signature")
        if sig.get("alg") != ALG:
            raise RegistrySignatureError(f"registry {path}: unsupported signature algorithm {sig.get('alg')!r}")
        public_raw = _unb64(sig.get("public_key"), "public_key", 32)
        key_id = key_fingerprint(public_raw)
        if sig.get("key_id") != key_id:
            raise RegistrySignatureError(f"registry {path}: key_id does not match the public key")
        try:
            Ed25519PublicKey.from_public_bytes(public_raw).verify(_unb64(sig.get("value"), "signature", 64),
                                                                  canonical_json(payload))
        except InvalidSignature:
            raise RegistrySignatureError(
                f"registry {path}: SIGNATURE INVALID (the file was altered after signing; "
                f"key {format_fingerprint(key_id)})") from None
        if trusted_keys is not None:
            trusted = {_clean_fingerprint(k) for k in trusted_keys}
            if key_id not in trusted:
                raise RegistrySignatureError(
                    f"registry {path}: signed by untrusted key {format_fingerprint(key_id)}")
        registry = cls._from_payload(payload, path)
        registry.public_key = public_raw
        return registry

    @classmethod
    def _from_payload(cls, payload: Mapping[str, Any], path: Path | None) -> Registry:
        if payload.get("normalisation", norm.NORMALISATION) != norm.NORMALISATION:
            raise RegistryError(f"registry uses normalisation {payload.get('normalisation')!r}, "
                                f"this version reads {norm.NORMALISATION}")
        try:
            authority = payload["authority"]
            version = payload["version"]
            created, updated = payload["created"], payload["updated"]
        except KeyError as exc:
            raise RegistryError(f"registry payload lacks {exc}") from exc
        if not isinstance(authority, str) or not isinstance(version, int) or isinstance(version, bool):
            raise RegistryError("registry payload: bad authority or version")
        ests = payload.get("establishments") or []
        beacons = payload.get("beacons") or []
        if not isinstance(ests, list) or not isinstance(beacons, list):
            raise RegistryError("registry payload: establishments and beacons must be lists")
        return cls(authority=authority, version=version, created=created, updated=updated,
                   lookup_key=_unb64(payload.get("lookup_key"), "lookup_key", 32),
                   establishments=[Establishment.from_dict(e) for e in ests],
                   beacons=[Beacon.from_dict(b) for b in beacons], path=path)

    def payload(self) -> dict[str, Any]:
        return {
            "authority": self.authority,
            "version": self.version,
            "created": self.created,
            "updated": self.updated,
            "normalisation": norm.NORMALISATION,
            "lookup_key": _b64(self.lookup_key),
            "establishments": [self.establishments[k].to_dict() for k in sorted(self.establishments)],
            "beacons": [self.beacons[k].to_dict() for k in sorted(self.beacons)],
        }

    @property
    def key_id(self) -> str | None:
        return key_fingerprint(self.public_key) if self.public_key else None

    def check_signing_key(self, signing_key_path: str | os.PathLike[str]) -> None:
        """Raise :class:`RegistryError` unless the key can be read and is the one that signed the registry
        (call before long work whose result must be saved)."""
        public_raw = _public_raw(load_signing_key(signing_key_path))
        if self.public_key is not None and public_raw != self.public_key:
            raise RegistryError(
                f"{signing_key_path} is key {format_fingerprint(key_fingerprint(public_raw))}, but the registry "
                f"is signed by {format_fingerprint(key_fingerprint(self.public_key))}")

    def save(self, signing_key_path: str | os.PathLike[str], path: str | os.PathLike[str] | None = None, *,
             rotate_key: bool = False) -> Path:
        """Bump the version (if anything changed), sign and write atomically. A key other than the one that
        signed the registry is refused unless ``rotate_key`` (pinned verifiers will then refuse the file)."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise RegistryError("no path to save the registry to")
        key = load_signing_key(signing_key_path)
        public_raw = _public_raw(key)
        if self.public_key is not None and public_raw != self.public_key and not rotate_key:
            raise RegistryError(
                f"{signing_key_path} is key {format_fingerprint(key_fingerprint(public_raw))}, but the registry "
                f"is signed by {format_fingerprint(key_fingerprint(self.public_key))}")
        if self.dirty:
            self.version += 1
            self.updated = utc_now()
        payload = self.payload()
        doc = {
            "format": FORMAT,
            "payload": payload,
            "signature": {"alg": ALG, "public_key": _b64(public_raw), "key_id": key_fingerprint(public_raw),
                          "value": _b64(key.sign(canonical_json(payload)))},
        }
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "xb") as fh:
                fh.write(canonical_json(doc))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        self.public_key = public_raw
        self.path = target
        self.dirty = False
        return target

    # ----------------------------------------------------------------- changes

    def _touch(self) -> None:
        self.dirty = True
        self._indexes = None

    def add_establishment(self, finess: str, name: str, *, group: str | None = None, city: str | None = None,
                          dicom_uid_roots: Iterable[str] = (), hl7_facility_codes: Iterable[str] = (),
                          ipp_patterns: Iterable[str] = (), nda_patterns: Iterable[str] = (),
                          name_variants: Iterable[str] = (), recipients: Iterable[str] = ()) -> Establishment:
        """Register an establishment (a fresh random watermark secret is drawn). FINESS must be new."""
        finess = finess.strip().upper()
        if not _FINESS.match(finess):
            raise RegistryError(f"FINESS {finess!r} is not 9 characters (2 for the department, 7 digits)")
        if finess in self.establishments:
            raise RegistryError(f"establishment {finess} is already registered")
        if not name.strip():
            raise RegistryError("the establishment name is empty")
        for pattern in (*ipp_patterns, *nda_patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise RegistryError(f"bad IPP/NDA pattern {pattern!r}: {exc}") from exc
        for root in dicom_uid_roots:
            if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", root):
                raise RegistryError(f"bad DICOM UID root {root!r}")
        est = Establishment(finess=finess, name=name.strip(), group=group, city=city,
                            dicom_uid_roots=list(dicom_uid_roots), hl7_facility_codes=list(hl7_facility_codes),
                            ipp_patterns=list(ipp_patterns), nda_patterns=list(nda_patterns),
                            name_variants=list(name_variants), watermark_secret=_b64(secrets.token_bytes(32)),
                            recipients=list(recipients))
        self.establishments[finess] = est
        self._touch()
        return est

    def update_establishment(self, finess: str, **changes: Any) -> Establishment:
        """Change fields of a registered establishment (its FINESS and watermark secret are fixed)."""
        est = self.establishment(finess)
        allowed = set(Establishment.__dataclass_fields__) - {"finess", "watermark_secret"}
        unknown = set(changes) - allowed
        if unknown:
            raise RegistryError(f"cannot change {', '.join(sorted(unknown))} of an establishment")
        for pattern in (*changes.get("ipp_patterns", ()), *changes.get("nda_patterns", ())):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise RegistryError(f"bad IPP/NDA pattern {pattern!r}: {exc}") from exc
        for key, value in changes.items():
            setattr(est, key, list(value) if isinstance(value, list | tuple) else value)
        self._touch()
        return est

    def add_beacon(self, kind: str, establishment: str, *, recipient: str | None = None,
                   target: str | None = None, fields: Mapping[str, str] | None = None,
                   meta: Mapping[str, Any] | None = None, beacon_id: str | None = None) -> Beacon:
        """Record a beacon. ``fields`` must already be hashes (see :meth:`lookup_hash`), never values."""
        if kind not in BEACON_KINDS:
            raise RegistryError(f"unknown beacon kind {kind!r}")
        est = self.establishment(establishment)
        for fname, digest in (fields or {}).items():
            if not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise RegistryError(f"beacon field {fname!r} is not an HMAC-SHA-256 hex digest")
        beacon_id = beacon_id or new_beacon_id()
        while beacon_id in self.beacons:
            beacon_id = new_beacon_id()
        if recipient is not None:
            recipient = " ".join(recipient.split())
            if normalise_recipient(recipient) not in {normalise_recipient(r) for r in est.recipients}:
                est.recipients.append(recipient)
        beacon = Beacon(beacon_id=beacon_id, kind=kind, establishment=est.finess, recipient=recipient or None,
                        target=target, created=utc_now(), fields=dict(fields or {}), meta=dict(meta or {}))
        self.beacons[beacon_id] = beacon
        self._touch()
        return beacon

    def merge(self, other: Registry) -> MergeReport:
        """Fold ``other`` (same authority and lookup key) into this registry. On a conflict the entry of the
        registry with the higher version (then the later ``updated``) is kept and the conflict reported."""
        if other.authority != self.authority:
            raise RegistryMergeError(f"authorities differ: {self.authority!r} and {other.authority!r}")
        if not hmac.compare_digest(other.lookup_key, self.lookup_key):
            raise RegistryMergeError("lookup keys differ: the registries are not copies of one registry, "
                                     "their canary hashes cannot be merged")
        other_newer = (other.version, other.updated) > (self.version, self.updated)
        report = MergeReport()
        for finess, theirs in sorted(other.establishments.items()):
            mine = self.establishments.get(finess)
            if mine is None:
                self.establishments[finess] = Establishment.from_dict(theirs.to_dict())
                report.establishments_added.append(finess)
                continue
            mine_d, theirs_d = mine.to_dict(), theirs.to_dict()
            recipients = list(mine.recipients)
            seen = {normalise_recipient(r) for r in recipients}
            recipients += [r for r in theirs.recipients if normalise_recipient(r) not in seen]
            del mine_d["recipients"], theirs_d["recipients"]
            if mine_d != theirs_d:
                keys = sorted(k for k in mine_d if mine_d[k] != theirs_d[k])
                kept = "other" if other_newer else "this"
                report.conflicts.append(
                    f"establishment {finess}: {', '.join(keys)} differ; kept {kept} registry's "
                    f"(version {other.version if other_newer else self.version})")
                if other_newer:
                    mine = Establishment.from_dict(theirs.to_dict())
            mine.recipients = recipients
            self.establishments[finess] = mine
        for beacon_id, theirs_b in sorted(other.beacons.items()):
            mine_b = self.beacons.get(beacon_id)
            if mine_b is None:
                self.beacons[beacon_id] = Beacon.from_dict(theirs_b.to_dict())
                report.beacons_added.append(beacon_id)
            elif mine_b.to_dict() != theirs_b.to_dict():
                report.conflicts.append(f"beacon {beacon_id}: entries differ; kept "
                                        f"{'other' if other_newer else 'this'} registry's")
                if other_newer:
                    self.beacons[beacon_id] = Beacon.from_dict(theirs_b.to_dict())
        for beacon in self.beacons.values():
            if beacon.establishment not in self.establishments:
                report.conflicts.append(f"beacon {beacon.beacon_id}: establishment {beacon.establishment} "
                                        "is not registered")
        self.version = max(self.version, other.version)
        self.created = min(self.created, other.created)
        self._touch()
        return report

    # ----------------------------------------------------------------- keys and hashes

    def hash_canonical(self, field_name: str, canonical: str) -> str:
        """HMAC-SHA-256(lookup_key, field + "\\x1f" + canonical), hex. ``canonical`` is already normalised."""
        return hmac.new(self.lookup_key, f"{field_name}\x1f{canonical}".encode(), hashlib.sha256).hexdigest()

    def lookup_hash(self, field_name: str, value: str | None) -> str | None:
        """The keyed hash of ``value`` read as ``field_name``, or ``None`` if it does not normalise."""
        canonical = norm.normalise(field_name, value)
        if canonical is None:
            return None
        return self.hash_canonical(field_name, canonical)

    def watermark_key(self, finess: str, recipient: str | None = None) -> bytes:
        """A 32-byte key for watermarking the exports of ``finess`` for ``recipient`` (HKDF-SHA256 of the
        establishment's secret; each recipient gets an independent key, and ``None`` a key of its own)."""
        est = self.establishment(finess)
        secret = _unb64(est.watermark_secret, f"watermark_secret of {est.finess}", 32)
        info = b"balise-watermark/1\x1f" + est.finess.encode() + b"\x1f" + normalise_recipient(recipient).encode()
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)

    def table_code_key(self, finess: str) -> bytes:
        """The establishment's 32-byte code key for table marks: the Tardos biases of the cells, shared by all
        its recipients (HKDF-SHA256 of the establishment's secret, another label than the recipients' keys).
        Derived, never stored: the registry needs nothing new to accuse recipients."""
        est = self.establishment(finess)
        secret = _unb64(est.watermark_secret, f"watermark_secret of {est.finess}", 32)
        info = b"balise-table-code/2\x1f" + est.finess.encode()
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)

    def table_mark_key(self, finess: str, recipient: str | None = None):
        """The key that marks a table export of ``finess`` for ``recipient``: the establishment's code key and
        the recipient's own key (:meth:`watermark_key`) whose bits are its Tardos codeword."""
        from workbench.beacons.tabular_mark import MarkKey

        return MarkKey(self.table_code_key(finess), self.watermark_key(finess, recipient))

    # ----------------------------------------------------------------- establishment look-ups

    def establishment(self, finess: str) -> Establishment:
        """The establishment with this FINESS; :class:`RegistryError` if it is not registered."""
        est = self.by_finess(finess)
        if est is None:
            raise RegistryError(f"establishment {finess} is not in the registry")
        return est

    def _index(self) -> dict[str, Any]:
        if self._indexes is None:
            hl7: dict[str, str] = {}
            names: dict[str, str] = {}
            roots: list[tuple[str, str]] = []
            ipp: list[tuple[re.Pattern[str], str]] = []
            nda: list[tuple[re.Pattern[str], str]] = []
            for finess, est in self.establishments.items():
                for code in est.hl7_facility_codes:
                    hl7[code.strip().casefold()] = finess
                for variant in (est.name, *est.name_variants):
                    key = norm.name(variant)
                    if key:
                        names[key] = finess
                roots += [(root.rstrip("."), finess) for root in est.dicom_uid_roots]
                ipp += [(re.compile(p), finess) for p in est.ipp_patterns]
                nda += [(re.compile(p), finess) for p in est.nda_patterns]
            roots.sort(key=lambda item: len(item[0]), reverse=True)
            self._indexes = {"hl7": hl7, "names": names, "roots": roots, "ipp": ipp, "nda": nda}
        return self._indexes

    def by_finess(self, finess: str) -> Establishment | None:
        return self.establishments.get(finess.strip().upper())

    def by_hl7_facility(self, code: str) -> Establishment | None:
        """Match an HL7 facility (MSH-4, PV1-3 ...): the whole field, else each of its components, ignoring
        case. ``CHU_RENNES^1.2.250.1.71.4.2.2^ISO`` is found by ``CHU_RENNES`` or by its OID."""
        hl7 = self._index()["hl7"]
        candidates = [code, *re.split(r"[\^&]", code)]
        for cand in candidates:
            finess = hl7.get(cand.strip().casefold())
            if finess:
                return self.establishments[finess]
        return None

    def by_dicom_uid(self, uid: str) -> Establishment | None:
        """The establishment with the longest registered root that ``uid`` equals or extends."""
        uid = uid.strip().rstrip("\x00 ")
        for root, finess in self._index()["roots"]:
            if uid == root or uid.startswith(root + "."):
                return self.establishments[finess]
        return None

    def by_name(self, institution: str) -> Establishment | None:
        """Match an institution name (DICOM 0008,0080, a CSV column...) against names and name variants."""
        key = norm.name(institution)
        finess = self._index()["names"].get(key) if key else None
        return self.establishments[finess] if finess else None

    def by_ipp(self, ipp: str) -> list[Establishment]:
        """Every establishment whose IPP pattern matches the whole ``ipp`` (weak evidence: formats overlap)."""
        return self._by_pattern("ipp", ipp)

    def by_nda(self, nda: str) -> list[Establishment]:
        return self._by_pattern("nda", nda)

    def _by_pattern(self, which: str, value: str) -> list[Establishment]:
        value = value.strip()
        if not value or len(value) > _IPP_MAX_LEN:
            return []
        found = [finess for pattern, finess in self._index()[which] if pattern.fullmatch(value)]
        return [self.establishments[f] for f in dict.fromkeys(found)]

    # ----------------------------------------------------------------- summaries

    def beacon_counts(self) -> dict[str, dict[str, int]]:
        """``{finess: {kind: count}}`` for every registered establishment."""
        counts: dict[str, dict[str, int]] = {f: {} for f in self.establishments}
        for beacon in self.beacons.values():
            per = counts.setdefault(beacon.establishment, {})
            per[beacon.kind] = per.get(beacon.kind, 0) + 1
        return counts
