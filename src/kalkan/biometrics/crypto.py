"""Biometric data at rest: AES-256-GCM under a key derived from the settings, with key ids.

``KALKAN_BIOMETRIC_KEY`` is stretched with HKDF-SHA256 into a 256-bit key; its id is the
first 16 hex digits of a SHA-256 over the derived key, stored beside every sealed blob, so
that a blob names the key that can open it. Retired keys (``KALKAN_BIOMETRIC_RETIRED_KEYS``)
still open old blobs until ``kalkan biometrics rotate-key`` has re-sealed them under the
current key. Each blob is ``nonce (12 bytes) || ciphertext || tag``; the associated data
binds it to its purpose ("image" or "template") so the two cannot be swapped.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from kalkan.biometrics.extra import require
from kalkan.errors import ConfigurationError
from kalkan.settings import Mode, Settings

#: Used in development mode only, when no key is set; production refuses to start without one.
DEVELOPMENT_KEY = "kalkan-development-biometric-key-not-for-real-data"

_NONCE = 12


class KeyUnavailable(ConfigurationError):
    """A blob sealed by a key that is neither current nor retired."""


@dataclass(frozen=True, slots=True)
class _Key:
    id: str
    material: bytes


def _derive(secret: str) -> _Key:
    hkdf_module = require("cryptography.hazmat.primitives.kdf.hkdf")
    hashes = require("cryptography.hazmat.primitives.hashes")
    material: bytes = hkdf_module.HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kalkan-biometrics", info=b"aes-256-gcm v1").derive(
        secret.encode()
    )
    return _Key(hashlib.sha256(material).hexdigest()[:16], material)


class KeyRing:
    """The current key, which seals, and the retired ones, which only open."""

    def __init__(self, current: str, retired: list[str] | None = None) -> None:
        if not current:
            raise ConfigurationError("KALKAN_BIOMETRIC_KEY is empty")
        self.current = _derive(current)
        self._keys = {self.current.id: self.current}
        for secret in retired or []:
            key = _derive(secret)
            self._keys.setdefault(key.id, key)

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        current = settings.biometric_key.get_secret_value()
        if not current:
            if settings.mode is Mode.PRODUCTION:
                raise ConfigurationError("KALKAN_BIOMETRIC_KEY must be set in production mode")
            current = DEVELOPMENT_KEY
        retired = [k.strip() for k in settings.biometric_retired_keys.get_secret_value().split(",") if k.strip()]
        return cls(current, retired)

    @property
    def current_id(self) -> str:
        return self.current.id

    def seal(self, data: bytes, purpose: str) -> tuple[str, bytes]:
        """(key id, sealed bytes) under the current key."""
        aead = require("cryptography.hazmat.primitives.ciphers.aead")
        nonce = os.urandom(_NONCE)
        sealed: bytes = aead.AESGCM(self.current.material).encrypt(nonce, data, purpose.encode())
        return self.current.id, nonce + sealed

    def open(self, key_id: str, blob: bytes, purpose: str) -> bytes:
        key = self._keys.get(key_id)
        if key is None:
            raise KeyUnavailable(
                f"biometric data sealed by key {key_id}, which is neither KALKAN_BIOMETRIC_KEY nor in KALKAN_BIOMETRIC_RETIRED_KEYS"
            )
        aead = require("cryptography.hazmat.primitives.ciphers.aead")
        exceptions = require("cryptography.exceptions")
        try:
            opened: bytes = aead.AESGCM(key.material).decrypt(blob[:_NONCE], blob[_NONCE:], purpose.encode())
        except exceptions.InvalidTag:
            raise KeyUnavailable(f"biometric data under key {key_id} failed its integrity check (altered or wrong key)") from None
        return opened
