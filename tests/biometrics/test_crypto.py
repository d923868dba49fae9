from __future__ import annotations

import pytest

from kalkan.biometrics.crypto import KeyRing, KeyUnavailable
from kalkan.settings import Mode, Settings

OLD = "o" * 40
NEW = "n" * 40


def test_sealed_bytes_open_with_their_key_and_purpose_only() -> None:
    keys = KeyRing(OLD)
    key_id, sealed = keys.seal(b"raw image bytes", "image")
    assert b"raw image bytes" not in sealed
    assert keys.open(key_id, sealed, "image") == b"raw image bytes"
    with pytest.raises(KeyUnavailable, match="integrity"):
        keys.open(key_id, sealed, "template")


def test_a_retired_key_still_opens_and_an_unknown_one_is_named() -> None:
    key_id, sealed = KeyRing(OLD).seal(b"x", "image")
    assert KeyRing(NEW, [OLD]).open(key_id, sealed, "image") == b"x"
    with pytest.raises(KeyUnavailable, match=key_id):
        KeyRing(NEW).open(key_id, sealed, "image")


def test_production_refuses_to_start_without_a_biometric_key() -> None:
    with pytest.raises(ValueError, match="KALKAN_BIOMETRIC_KEY"):
        Settings(mode=Mode.PRODUCTION, secret_key="s" * 40)
    assert Settings(mode=Mode.PRODUCTION, secret_key="s" * 40, biometric_key=NEW).biometric_key.get_secret_value() == NEW
