"""The registry a case is scanned with, kept in the case: a copy, its SHA-256 and its key, in the custody log.

Issue 13: re-scanning a case without ``--registry`` attributed nothing and silently replaced 100,987 attributed
records by "none". A case now keeps the exact bytes of the registry it was scanned with (``registry.json`` in
the case folder; its SHA-256, authority, version and key fingerprint in ``case_meta`` and in the custody log).
A later scan without ``--registry`` uses that copy (checked against its recorded SHA-256 and signature). Using
another registry is an explicit choice (``--replace-registry``): it is logged with both registries, and every
task is done again, because canary look-ups and watermark tests run inside the tasks: a registry change
re-attributes only if the beacons are searched again with it. A registry added to a case scanned without one
redoes the tasks the same way (nothing is lost, so no flag is needed).

Which key may sign the registry of an authority is decided by :mod:`workbench.beacons.trust` (pinned on first
use in the case and in the user's settings, ``--trusted-key`` to accept another).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.beacons.registry import Registry, RegistryError, format_fingerprint, read_registry_bytes
from workbench.beacons.trust import RegistryKeyRefused, TrustDecision, UserPins, check_registry_key
from workbench.engine.model import ScanError
from workbench.engine.store import CaseStore

REGISTRY_COPY = "registry.json"
_PIN_PREFIX = "registry_pin:"

__all__ = ["REGISTRY_COPY", "CaseRegistry", "RegistrySource", "case_registry", "read_source", "resolve_for_scan"]


@dataclass(frozen=True)
class RegistrySource:
    """A registry file as read once: its exact bytes, their SHA-256, and the verified registry."""

    path: Path
    data: bytes
    sha256: str
    registry: Registry


@dataclass(frozen=True)
class CaseRegistry:
    """What a case records about its registry (read from ``case_meta``: the window and doctor show it)."""

    authority: str | None
    version: str | None
    key_id: str | None
    sha256: str
    source_path: str | None  # where it was loaded from when the case adopted it
    copy: Path  # the copy kept in the case

    def label(self) -> str:
        key = format_fingerprint(self.key_id)[:27] + "…" if self.key_id else "?"
        return f"{self.authority or '?'}, version {self.version or '?'}, key {key} (kept in the case)"


def case_registry(meta: Mapping[str, str], case_dir: Path) -> CaseRegistry | None:
    """The case's registry, or None when the case was never scanned with one."""
    sha = meta.get("registry_sha256")
    if not sha:
        return None
    return CaseRegistry(meta.get("registry_authority"), meta.get("registry_version"), meta.get("registry_key_id"),
                        sha, meta.get("registry_path"), Path(case_dir) / REGISTRY_COPY)


def read_source(path: Path) -> RegistrySource:
    """Read and verify a registry file once (ScanError in one line when it cannot be used)."""
    path = Path(path)
    try:
        data = read_registry_bytes(path)
        registry = Registry.loads(data, path)
    except RegistryError as exc:
        if not path.exists():
            raise ScanError(f"registry not found: {path}") from exc
        raise ScanError(f"registry refused: {exc}") from exc
    return RegistrySource(path, data, hashlib.sha256(data).hexdigest(), registry)


def case_pin(meta: Mapping[str, str], authority: str) -> str | None:
    return meta.get(_PIN_PREFIX + authority)


def check_trust(source: RegistrySource, meta: Mapping[str, str], trusted_keys: Sequence[str]) -> TrustDecision:
    """The registry's key against the pins of the case (``meta``) and of the user; ScanError on a refusal."""
    reg = source.registry
    try:
        return check_registry_key(reg.authority, reg.key_id or "", case_pin=case_pin(meta, reg.authority),
                                  user_pins=UserPins.load(), trusted_keys=trusted_keys)
    except RegistryKeyRefused as exc:
        text = str(exc)
        raise ScanError(text if text.startswith("registry refused") else f"registry refused: {text}") from exc
    except RegistryError as exc:
        raise ScanError(str(exc)) from exc


def resolve_for_scan(store: CaseStore, source: RegistrySource | None, *, trusted_keys: Sequence[str] = (),
                     replace: bool = False, decision: TrustDecision | None = None) -> Registry | None:
    """The registry this scan uses: the one given (adopted by the case when new to it), else the case's copy.

    ``decision``: the trust check already made for ``source`` (:func:`check_trust`), whose pins are written
    here. Raises ScanError in one line when another registry is given without ``replace``."""
    recorded = store.meta("registry_sha256")
    copy = store.dir / REGISTRY_COPY
    if source is None:
        if replace:
            raise ScanError("--replace-registry needs the new registry: --registry FILE")
        if recorded is None:
            return None
        try:
            data = read_registry_bytes(copy)
        except RegistryError as exc:
            raise ScanError(f"the case's registry copy cannot be read ({exc}): run balise case verify") from exc
        sha = hashlib.sha256(data).hexdigest()
        if sha != recorded:
            raise ScanError(f"the case's registry copy {copy} changed since the case recorded it (sha256 {sha[:16]}…, "
                            f"recorded {recorded[:16]}…): run balise case verify")
        registry = _load(data, copy)
        # Only the case's pin counts for its own copy: it was trusted when the case adopted it.
        pinned = case_pin(store.all_meta(), registry.authority)
        if pinned is not None and pinned != registry.key_id:
            raise ScanError(f"registry refused: the case's registry copy is signed by key "
                            f"{format_fingerprint(registry.key_id or '')}, the case pinned "
                            f"{format_fingerprint(pinned)}: run balise case verify")
        return registry
    decision = decision or check_trust(source, store.all_meta(), trusted_keys)
    _write_pins(store, decision)
    if recorded == source.sha256:
        return source.registry
    if recorded is not None and not replace:
        raise ScanError(
            f"this case was scanned with another registry ({store.meta('registry_authority')}, version "
            f"{store.meta('registry_version')}, sha256 {recorded[:16]}…); pass --replace-registry to re-attribute the "
            f"case with {source.path} (every task is redone), or leave --registry out to keep the case's")
    _adopt(store, source, recorded, copy)
    return source.registry


def _load(data: bytes, path: Path) -> Registry:
    try:
        return Registry.loads(data, path)
    except RegistryError as exc:
        raise ScanError(f"registry refused: {exc}") from exc


def _write_pins(store: CaseStore, decision: TrustDecision) -> None:
    if decision.pin_case:
        store.set_meta(_PIN_PREFIX + decision.authority, decision.key_id)
        store.commit()
    pins = UserPins.load()
    if decision.pin_user:
        pins.pin(decision.authority, decision.key_id, decision.source)
    if decision.pin_case or decision.pin_user:
        store.log("balise", "registry-key-pinned", {
            "authority": decision.authority, "key_id": decision.key_id, "source": decision.source,
            "case": decision.pin_case, "user_settings": str(pins.path) if decision.pin_user else None})


def _adopt(store: CaseStore, source: RegistrySource, previous: str | None, copy: Path) -> None:
    """Keep ``source`` as the case's registry; redo every finished task when the case had results already."""
    before = {k: store.meta(f"registry_{k}") for k in ("sha256", "authority", "version", "key_id", "path")}
    tmp = copy.with_name(f".{copy.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fh.write(source.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, copy)
    finally:
        tmp.unlink(missing_ok=True)
    reg = source.registry
    for key, value in (("sha256", source.sha256), ("authority", reg.authority), ("version", str(reg.version)),
                       ("key_id", reg.key_id or ""), ("path", str(source.path.resolve())), ("copy", REGISTRY_COPY)):
        store.set_meta(f"registry_{key}", value)
    redone = store.redo_finished_tasks()
    store.commit()
    detail = {"path": str(source.path.resolve()), "copy": REGISTRY_COPY, "sha256": source.sha256,
              "authority": reg.authority, "version": reg.version, "key_id": reg.key_id, "tasks_redone": redone}
    if previous is not None:
        detail["previous"] = before
    store.log("analyst" if previous is not None else "balise",
              "registry-replaced" if previous is not None else "registry-adopted", detail)
