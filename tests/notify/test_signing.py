"""Signatures of webhook deliveries, checked as a receiver checks them."""

from __future__ import annotations

import pytest

from kalkan.notify.signing import InvalidSignature, derive_secret, signature_header, verify

SECRET = derive_secret("k" * 40, "a1" * 32)
BODY = b'{"id":"5f0c","kind":"hit","payload":{"record":"\xd0\x96"}}'
DELIVERY = "5f0c0d1e2f3a4b5c6d7e8f9a0b1c2d3e"
NOW = 1_790_000_000


def test_a_receiver_verifies_a_signed_delivery() -> None:
    header = signature_header(SECRET, NOW, DELIVERY, BODY)
    assert header.startswith(f"t={NOW},v1=")
    verify(SECRET, header, DELIVERY, BODY, now=NOW + 10)


@pytest.mark.parametrize(
    ("case", "secret", "delivery", "body", "now", "fault"),
    [
        ("tampered body", SECRET, DELIVERY, BODY.replace(b"hit", b"hot"), NOW, "no v1 signature matches"),
        ("another delivery id", SECRET, "0" * 32, BODY, NOW, "no v1 signature matches"),
        ("another secret", derive_secret("k" * 40, "b2" * 32), DELIVERY, BODY, NOW, "no v1 signature matches"),
        ("old timestamp", SECRET, DELIVERY, BODY, NOW + 301, "beyond 300 s"),
        ("timestamp from the future", SECRET, DELIVERY, BODY, NOW - 301, "beyond 300 s"),
    ],
)
def test_a_receiver_refuses(case: str, secret: str, delivery: str, body: bytes, now: int, fault: str) -> None:
    header = signature_header(SECRET, NOW, DELIVERY, BODY)
    with pytest.raises(InvalidSignature, match=fault):
        verify(secret, header, delivery, body, now=now)


def test_a_header_with_its_timestamp_changed_fails() -> None:
    signed = signature_header(SECRET, NOW, DELIVERY, BODY)
    moved = signed.replace(f"t={NOW}", f"t={NOW + 60}")
    with pytest.raises(InvalidSignature, match="no v1 signature matches"):
        verify(SECRET, moved, DELIVERY, BODY, now=NOW + 60)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=abc,v1=abc", "t=1,t=2,v1=abc"])
def test_a_malformed_header_fails(header: str) -> None:
    with pytest.raises(InvalidSignature, match="no timestamp"):
        verify(SECRET, header, DELIVERY, BODY, now=NOW)


def test_secrets_differ_per_webhook_and_per_key() -> None:
    assert derive_secret("k" * 40, "a1" * 32) == SECRET
    assert derive_secret("k" * 40, "a2" * 32) != SECRET
    assert derive_secret("j" * 40, "a1" * 32) != SECRET
    assert SECRET.startswith("whsec_")
    assert len(SECRET) == 6 + 43
