"""Finding canary patients in records and identifier hits, by keyed hash.

:class:`CanaryIndex` is built once from a verified registry and shipped to worker processes (it pickles: a
key, two dicts). Each present field of a record is normalised, hashed with the registry's lookup key
(HMAC-SHA-256) and looked up in a dict: no canary value is ever held in clear, and the work per record is a
few hashes whatever the number of canaries.

Grading. Each field belongs to an evidence group; fields that real people share for a common reason count once:
the name, the birth name and the e-mail (``first.last@provider``) are one *identity*; the address and the
postcode are one *place*. A canary is *confirmed* when a record matches two counted groups among ``nir``,
``ipp``, ``identity``, ``phone`` and ``birth`` (the birth date), at least one of them not ``birth``; a *place*
is listed in ``fields_matched`` but never confirms (a real namesake in the same postcode, or a household at a
real-looking address, is far too likely: against 1,000 canaries, one synthetic Breton patient in 350
shared a canary's name and postcode). One distinguishing group alone is a *partial* match (a NIR in a PDF, a
name alone). Matches made only of a birth date and/or a place are not reported: one birth date in 30,000 is
a canary's.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from workbench.beacons import normalise as norm
from workbench.beacons.keyed_hmac import PrefixHmac
from workbench.beacons.registry import KIND_CANARY, Registry

STATUS_CONFIRMED = "confirmed"
STATUS_PARTIAL = "partial"

# Evidence group of each (logical) field, and which groups distinguish a person / count towards confirmation.
FIELD_GROUPS = {"nir": "nir", "ipp": "ipp", "name": "identity", "email": "identity", "phone": "phone",
                "birth_date": "birth", "address": "place", "postcode": "place"}
STRONG_GROUPS = frozenset({"nir", "ipp", "identity", "phone"})
COUNTED_GROUPS = STRONG_GROUPS | {"birth"}
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


class KeyedDigest:
    """:func:`_digest` through :class:`PrefixHmac` (the same bytes, 2.5x faster); pickles as its key."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self._mac = PrefixHmac(key)
        self._prefixes: dict[str, bytes] = {}

    def __reduce__(self):
        return (KeyedDigest, (self.key,))

    def __call__(self, field_name: str, canonical: str) -> bytes:
        prefix = self._prefixes.get(field_name)
        if prefix is None:
            prefix = self._prefixes[field_name] = f"{field_name}\x1f".encode()
        return self._mac(prefix, canonical.encode())


class CanaryIndex:
    """field hash -> canaries having that value; picklable."""

    def __init__(self, lookup_key: bytes, hashes: dict[bytes, tuple[tuple[str, str], ...]],
                 beacons: dict[str, tuple[str, str | None]], weak: dict[str, dict[str, bytes]]) -> None:
        self.lookup_key = lookup_key
        self.digest = KeyedDigest(lookup_key)
        self.hashes = hashes  # digest of a distinguishing field -> ((beacon_id, logical field), ...)
        self.beacons = beacons  # beacon_id -> (establishment FINESS, recipient)
        self.weak = weak  # beacon_id -> {weak field: digest}: shared by many canaries, checked per candidate

    @classmethod
    def from_registry(cls, registry: Registry) -> CanaryIndex:
        hashes: dict[bytes, list[tuple[str, str]]] = {}
        beacons: dict[str, tuple[str, str | None]] = {}
        weak: dict[str, dict[str, bytes]] = {}
        for beacon in registry.beacons.values():
            if beacon.kind != KIND_CANARY:
                continue
            beacons[beacon.beacon_id] = (beacon.establishment, beacon.recipient)
            for field_name, hex_digest in beacon.fields.items():
                logical = _LOGICAL_FIELD.get(field_name, field_name)
                if FIELD_GROUPS.get(logical) not in STRONG_GROUPS:
                    weak.setdefault(beacon.beacon_id, {})[logical] = bytes.fromhex(hex_digest)
                    continue
                entry = (beacon.beacon_id, logical)
                bucket = hashes.setdefault(bytes.fromhex(hex_digest), [])
                if entry not in bucket:
                    bucket.append(entry)
        return cls(registry.lookup_key, {k: tuple(v) for k, v in hashes.items()}, beacons, weak)

    def __len__(self) -> int:
        """Number of canaries indexed."""
        return len(self.beacons)

    # ------------------------------------------------------------------ hashing a record

    def record_digests(self, fields: Mapping[str, str | None]) -> Iterator[tuple[str, bytes]]:
        """``(field, hash)`` of the present fields of a record in the common schema."""
        digest = self.digest
        for field_name in _SIMPLE_FIELDS:
            value = fields.get(field_name)
            if value and isinstance(value, str):  # None, NaN and numbers from a frame are not values here
                canonical = norm.NORMALISERS[field_name](value)
                if canonical:
                    yield field_name, digest(field_name, canonical)
        given = fields.get("given_name")
        if given and isinstance(given, str):
            names = {norm.person_name(family, given) for k in ("family_name", "birth_name")
                     if isinstance(family := fields.get(k), str)}
            for canonical in names:
                if canonical:
                    yield "name", digest("name", canonical)

    def match_digests(self, digests: Iterable[tuple[str, bytes]]) -> list[CanaryMatch]:
        """Group hash hits by canary and grade them (see the module docstring). Canaries are found through
        their distinguishing fields; weak fields (birth date, place) are then compared for those only."""
        found: dict[str, set[str]] = {}
        hashes = self.hashes
        weak_seen: dict[str, bytes] = {}
        for field_name, digest in digests:
            if FIELD_GROUPS.get(field_name) in STRONG_GROUPS:
                for beacon_id, logical in hashes.get(digest, ()):
                    found.setdefault(beacon_id, set()).add(logical)
            else:
                weak_seen[field_name] = digest
        if not found:
            return []
        out = []
        for beacon_id, field_names in found.items():
            for field_name, digest in self.weak.get(beacon_id, {}).items():
                if weak_seen.get(field_name) == digest:
                    field_names.add(field_name)
            groups = {FIELD_GROUPS.get(f, f) for f in field_names}
            status = STATUS_CONFIRMED if len(groups & COUNTED_GROUPS) >= 2 else STATUS_PARTIAL
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
        return self.match_digests([(field_name, self.digest(field_name, canonical))])

    def _hit(self, field_name: str, value: object, cache: dict[object, bool]) -> bool:
        hit = cache.get(value)
        if hit is None:
            canonical = norm.NORMALISERS[field_name](value) if isinstance(value, str) and value else None
            hit = bool(canonical) and self.digest(field_name, canonical) in self.hashes
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
            if field_name in data and FIELD_GROUPS[field_name] in STRONG_GROUPS:
                cache: dict[object, bool] = {}
                rows.update(i for i, v in enumerate(data[field_name]) if v and self._hit(field_name, v, cache))
        if "given_name" in data:
            # Each name is folded once per batch (names recur: a few thousand distinct values for 20k rows), and
            # the pair hashed as ``full_name`` would: ``norm.full_name("F|G") == f"{name(F)}|{name(G)}"``.
            folded: dict[str, str | None] = {}
            for family_col in ("family_name", "birth_name"):
                if family_col not in data:
                    continue
                cache: dict[object, bool] = {}
                for i, (family, given) in enumerate(zip(data[family_col], data["given_name"], strict=True)):
                    if not (family and given and isinstance(family, str) and isinstance(given, str)):
                        continue
                    if "|" in family or "|" in given:
                        continue  # full_name reads exactly one "|": such a pair has no canonical form
                    fam = folded[family] if family in folded else folded.setdefault(family, norm.name(family))
                    giv = folded[given] if given in folded else folded.setdefault(given, norm.name(given))
                    if not fam or not giv:
                        continue
                    joined = f"{fam}|{giv}"
                    hit = cache.get(joined)
                    if hit is None:
                        hit = cache[joined] = self.digest("name", joined) in self.hashes
                    if hit:
                        rows.add(i)
        out = []
        for i in sorted(rows):
            record = {c: (v if isinstance(v := data[c][i], str) else None) for c in wanted}
            out.extend((i, match) for match in self.match_record(record))
        return out
