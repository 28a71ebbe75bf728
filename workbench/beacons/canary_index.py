"""Finding canary patients in records and identifier hits, by keyed hash.

:class:`CanaryIndex` is built once from a verified registry and shipped to worker processes (it pickles: a
key, two dicts). Each present field of a record is normalised, hashed with the registry's lookup key
(HMAC-SHA-256) and looked up in a dict: no canary value is ever held in clear, and the work per record is a
few hashes whatever the number of canaries.

A canary is *confirmed* when two or more of its fields match within one record, at least one of them a
distinguishing field (not only :data:`WEAK_FIELDS`): a birth date and a postcode are shared by too many real
people to prove anything together. A single distinguishing field is a *partial* match (a NIR found in a PDF, a
name alone). A match made only of weak fields is not reported at all: one birth date in 30,000 is a canary's.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from workbench.beacons import normalise as norm
from workbench.beacons.registry import KIND_CANARY, Registry

STATUS_CONFIRMED = "confirmed"
STATUS_PARTIAL = "partial"

# Fields that a real person shares with a canary too often to count alone (nor two of them together).
WEAK_FIELDS = frozenset({"birth_date", "postcode"})
# Registry field names hashed under another field's label: a birth name is matched as a name.
_LOGICAL_FIELD = {"birth_name": "name"}
# Record keys read by match_record, and the single-value fields they feed.
_SIMPLE_FIELDS = ("nir", "birth_date", "phone", "email", "ipp", "postcode", "address")
# Identifier types (scanner hits) that can be looked up alone, mapped to the field they are hashed as.
_IDENTIFIER_FIELDS = {"nir": "nir", "ins": "nir", "email": "email", "phone": "phone", "ipp": "ipp"}


@dataclass(frozen=True)
class CanaryMatch:
    """Fields of one canary found in one record (or one identifier hit)."""

    beacon_id: str
    establishment: str
    recipient: str | None
    fields_matched: tuple[str, ...]
    status: str  # "confirmed" | "partial"


def _digest(key: bytes, field_name: str, canonical: str) -> bytes:
    return hmac.digest(key, f"{field_name}\x1f{canonical}".encode(), hashlib.sha256)


class CanaryIndex:
    """field hash -> canaries having that value; picklable."""

    def __init__(self, lookup_key: bytes, hashes: dict[bytes, tuple[tuple[str, str], ...]],
                 beacons: dict[str, tuple[str, str | None]]) -> None:
        self.lookup_key = lookup_key
        self.hashes = hashes  # digest -> ((beacon_id, logical field), ...)
        self.beacons = beacons  # beacon_id -> (establishment FINESS, recipient)

    @classmethod
    def from_registry(cls, registry: Registry) -> CanaryIndex:
        hashes: dict[bytes, list[tuple[str, str]]] = {}
        beacons: dict[str, tuple[str, str | None]] = {}
        for beacon in registry.beacons.values():
            if beacon.kind != KIND_CANARY:
                continue
            beacons[beacon.beacon_id] = (beacon.establishment, beacon.recipient)
            for field_name, hex_digest in beacon.fields.items():
                entry = (beacon.beacon_id, _LOGICAL_FIELD.get(field_name, field_name))
                bucket = hashes.setdefault(bytes.fromhex(hex_digest), [])
                if entry not in bucket:
                    bucket.append(entry)
        return cls(registry.lookup_key, {k: tuple(v) for k, v in hashes.items()}, beacons)

    def __len__(self) -> int:
        """Number of canaries indexed."""
        return len(self.beacons)

    # ------------------------------------------------------------------ hashing a record

    def record_digests(self, fields: Mapping[str, str | None]) -> Iterator[bytes]:
        """The hashes of the present fields of a record in the common schema."""
        key = self.lookup_key
        for field_name in _SIMPLE_FIELDS:
            value = fields.get(field_name)
            if value:
                canonical = norm.NORMALISERS[field_name](str(value))
                if canonical:
                    yield _digest(key, field_name, canonical)
        given = fields.get("given_name")
        if given:
            names = {norm.person_name(str(fields.get(k) or ""), str(given)) for k in ("family_name", "birth_name")}
            for canonical in names:
                if canonical:
                    yield _digest(key, "name", canonical)

    def match_digests(self, digests: Iterable[bytes]) -> list[CanaryMatch]:
        """Group hash hits by canary and grade them (see the module docstring)."""
        found: dict[str, set[str]] = {}
        hashes = self.hashes
        for digest in digests:
            for beacon_id, field_name in hashes.get(digest, ()):
                found.setdefault(beacon_id, set()).add(field_name)
        out = []
        for beacon_id, field_names in found.items():
            strong = field_names - WEAK_FIELDS
            if not strong:
                continue
            status = STATUS_CONFIRMED if len(field_names) >= 2 else STATUS_PARTIAL
            establishment, recipient = self.beacons[beacon_id]
            out.append(CanaryMatch(beacon_id, establishment, recipient, tuple(sorted(field_names)), status))
        out.sort(key=lambda m: (m.status != STATUS_CONFIRMED, -len(m.fields_matched), m.beacon_id))
        return out

    def match_record(self, fields: Mapping[str, str | None]) -> list[CanaryMatch]:
        """Canaries found in one record given as ``{nir, family_name, given_name, birth_name, birth_date,
        phone, email, ipp, postcode, address}`` (any may be missing or ``None``); best matches first."""
        if not self.hashes:
            return []
        return self.match_digests(self.record_digests(fields))

    def match_identifier(self, id_type: str, value: str) -> list[CanaryMatch]:
        """Canaries having this identifier (a NIR, e-mail, phone or IPP found outside any record):
        always partial, one field."""
        field_name = _IDENTIFIER_FIELDS.get(id_type)
        if field_name is None or not self.hashes:
            return []
        canonical = norm.NORMALISERS[field_name](value)
        if not canonical:
            return []
        return self.match_digests([_digest(self.lookup_key, field_name, canonical)])

    def _hit(self, field_name: str, value: object, cache: dict[object, bool]) -> bool:
        hit = cache.get(value)
        if hit is None:
            canonical = norm.NORMALISERS[field_name](value) if isinstance(value, str) and value else None
            hit = bool(canonical) and _digest(self.lookup_key, field_name, canonical) in self.hashes
            cache[value] = hit
        return hit

    def match_frame(self, frame: object) -> list[tuple[int, CanaryMatch]]:
        """Canaries in a records batch (a pandas DataFrame with the common columns): ``(row position,
        match)`` pairs. Each distinct value of a column is hashed once; only rows with a hit are graded."""
        if not self.hashes:
            return []
        columns = set(frame.columns)  # type: ignore[attr-defined]
        wanted = [c for c in (*_SIMPLE_FIELDS, "family_name", "given_name", "birth_name") if c in columns]
        data = {c: frame[c].tolist() for c in wanted}  # type: ignore[index]
        rows: set[int] = set()
        for field_name in _SIMPLE_FIELDS:
            if field_name in data:
                cache: dict[object, bool] = {}
                rows.update(i for i, v in enumerate(data[field_name]) if v and self._hit(field_name, v, cache))
        if "given_name" in data:
            for family_col in ("family_name", "birth_name"):
                if family_col not in data:
                    continue
                cache = {}
                for i, pair in enumerate(zip(data[family_col], data["given_name"], strict=True)):
                    if pair[0] and pair[1] and isinstance(pair[0], str) and isinstance(pair[1], str):
                        joined = f"{pair[0]}|{pair[1]}"
                        if self._hit("name", joined, cache):
                            rows.add(i)
        out = []
        for i in sorted(rows):
            record = {c: (v if isinstance(v := data[c][i], str) else None) for c in wanted}
            out.extend((i, match) for match in self.match_record(record))
        return out
