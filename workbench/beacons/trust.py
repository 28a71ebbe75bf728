"""Which key may sign a registry for an authority: pinned on first use, in the case and in the user's settings.

A registry's signature proves only that the holder of *some* key signed it. Issue 14 found that a registry
re-signed under the same authority name with another key was accepted: anyone can make such a file in one
command. So, as SSH does with host keys, the first key seen for an authority is remembered (trust on first
use), in two places: the case (``case_meta``, so that the case cannot later be scanned with an impostor) and
the user's settings (so that a *new* case does not trust an impostor either). A registry signed by another key
for a known authority is refused with one line naming both fingerprints. The analyst accepts a new key only
explicitly, with ``--trusted-key FINGERPRINT_OR_FILE`` after checking it with the authority; that replaces
the pins.

The settings file is ``trusted-registry-keys.json`` in the user's configuration folder: ``$BALISE_CONFIG_DIR``
when set (tests, portable installs), else ``%APPDATA%\\Balise`` on Windows, ``~/Library/Application
Support/Balise`` on macOS, ``$XDG_CONFIG_HOME/balise`` (``~/.config/balise``) elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from workbench.beacons.registry import (
    FORMAT,
    RegistryError,
    RegistrySignatureError,
    format_fingerprint,
    key_fingerprint,
    utc_now,
)

CONFIG_ENV = "BALISE_CONFIG_DIR"
PINS_FILE = "trusted-registry-keys.json"
_MAX_FILE_BYTES = 256 * 2**20
_HEX64 = re.compile(r"[0-9a-f]{64}")


class RegistryKeyRefused(RegistrySignatureError):
    """The registry is validly signed, but not by the key trusted for its authority."""


def config_dir() -> Path:
    """The user's configuration folder for Balise (see the module docstring)."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "Balise"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Balise"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "balise"


def clean_fingerprint(text: str) -> str:
    text = text.strip().lower()
    if text.startswith("sha256:"):
        text = text[7:]
    return re.sub(r"[\s:]", "", text)


def parse_trusted_key(value: str) -> str:
    """A key id from what ``--trusted-key`` received: a fingerprint (``SHA256:1a2b ...`` or 64 hex digits), or a
    file holding one: a PEM public or private Ed25519 key, a registry (its signing key), or the fingerprint as
    text. Raises :class:`RegistryError` in one line when it is none of these."""
    path = Path(value)
    if path.is_file():
        with path.open("rb") as fh:
            data = fh.read(_MAX_FILE_BYTES + 1)
        return _key_id_from_file(data, path)
    key_id = clean_fingerprint(value)
    if not _HEX64.fullmatch(key_id):
        raise RegistryError(f"--trusted-key {value!r} is neither a key fingerprint (64 hex digits) nor a file")
    return key_id


def _key_id_from_file(data: bytes, path: Path) -> str:
    if b"-----BEGIN" in data:
        for loader in (serialization.load_pem_public_key, lambda d: serialization.load_pem_private_key(d, None)):
            try:
                key = loader(data)
            except (ValueError, TypeError):
                continue
            if isinstance(key, Ed25519PrivateKey):
                key = key.public_key()
            if isinstance(key, Ed25519PublicKey):
                return key_fingerprint(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        raise RegistryError(f"{path} holds no Ed25519 key")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        doc = None
    if isinstance(doc, dict) and doc.get("format") == FORMAT and isinstance(doc.get("signature"), dict):
        key_id = str(doc["signature"].get("key_id", ""))
        if _HEX64.fullmatch(key_id):
            return key_id
    text = data.decode("utf-8", errors="replace").strip()
    key_id = clean_fingerprint(text.splitlines()[0] if text else "")
    if _HEX64.fullmatch(key_id):
        return key_id
    raise RegistryError(f"{path} holds neither a key, a registry nor a key fingerprint")


@dataclass
class UserPins:
    """The user's pinned registry keys, one per authority (``trusted-registry-keys.json``)."""

    path: Path
    pins: dict[str, dict]

    @classmethod
    def load(cls, folder: Path | None = None) -> UserPins:
        path = (folder or config_dir()) / PINS_FILE
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            pins = doc.get("authorities", {}) if isinstance(doc, dict) else {}
        except FileNotFoundError:
            pins = {}
        except (OSError, ValueError) as exc:
            raise RegistryError(f"cannot read the trusted registry keys {path}: {exc}") from exc
        return cls(path, {a: p for a, p in pins.items() if isinstance(p, dict) and "key_id" in p})

    def pinned(self, authority: str) -> str | None:
        pin = self.pins.get(authority)
        return pin["key_id"] if pin else None

    def pin(self, authority: str, key_id: str, source: str) -> None:
        """Remember ``key_id`` for ``authority`` and write the file atomically (mode 600)."""
        self.pins[authority] = {"key_id": key_id, "pinned_utc": utc_now(), "source": source}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"format": "balise-trusted-keys/1", "authorities": self.pins}, fh, ensure_ascii=False,
                          indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class TrustDecision:
    """Why a registry's key was accepted: ``trusted-key`` (given by the analyst), ``pinned`` (the key already
    pinned for its authority) or ``first-use`` (no pin yet: pinned now)."""

    authority: str
    key_id: str
    source: str
    pin_case: bool  # the case's pin must be written (first use, or a new trusted key)
    pin_user: bool  # the user's settings must be written


def check_registry_key(authority: str, key_id: str, *, case_pin: str | None, user_pins: UserPins,
                       trusted_keys: Sequence[str] = ()) -> TrustDecision:
    """Accept or refuse the key that signed a registry of ``authority`` (raises :class:`RegistryKeyRefused`)."""
    if trusted_keys:
        trusted = [parse_trusted_key(k) for k in trusted_keys]
        if key_id not in trusted:
            raise RegistryKeyRefused(
                f"registry of {authority!r} is signed by key {format_fingerprint(key_id)}, not by the trusted "
                f"key {format_fingerprint(trusted[0])}" + (f" (or {len(trusted) - 1} other)" if len(trusted) > 1 else ""))
        return TrustDecision(authority, key_id, "trusted-key", case_pin != key_id,
                             user_pins.pinned(authority) != key_id)
    user_pin = user_pins.pinned(authority)
    for where, pinned in (("in this case", case_pin), (f"in {user_pins.path}", user_pin)):
        if pinned is not None and pinned != key_id:
            raise RegistryKeyRefused(
                f"registry refused: authority {authority!r} is pinned to key {format_fingerprint(pinned)} {where}, "
                f"but this registry is signed by key {format_fingerprint(key_id)}; if the authority really changed "
                f"its key, check the new fingerprint with it and pass --trusted-key")
    first = case_pin is None and user_pin is None
    return TrustDecision(authority, key_id, "first-use" if first else "pinned", case_pin is None, user_pin is None)
