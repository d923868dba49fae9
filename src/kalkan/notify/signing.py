"""Signing webhook deliveries, and checking a signature as a receiver does.

Each delivery carries ``Kalkan-Delivery-Id`` (the notification's id, the same on every retry)
and ``Kalkan-Signature: t=<unix time>,v1=<hex>``, where ``<hex>`` is HMAC-SHA256 under the
webhook's secret of ``<t>.<delivery id>.<body>``. A receiver recomputes it, compares in
constant time, and refuses a timestamp too far from its clock (a replayed delivery).

A webhook's secret is not stored: it is derived from ``KALKAN_SECRET_KEY`` and the webhook's
random salt, and shown once when the webhook is registered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

#: How far a receiver accepts a signature's time from its own clock, in seconds.
DEFAULT_TOLERANCE = 300

SIGNATURE_HEADER = "Kalkan-Signature"
DELIVERY_ID_HEADER = "Kalkan-Delivery-Id"
EVENT_HEADER = "Kalkan-Event"


def derive_secret(secret_key: str, salt: str) -> str:
    """The signing secret of the webhook with ``salt``: ``whsec_`` and 43 base64url characters."""
    digest = hmac.new(secret_key.encode(), b"kalkan webhook secret\x00" + salt.encode(), hashlib.sha256).digest()
    return "whsec_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signature(secret: str, timestamp: int, delivery_id: str, body: bytes) -> str:
    signed = f"{timestamp}.{delivery_id}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, delivery_id: str, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, delivery_id, body)}"


class InvalidSignature(ValueError):
    """A delivery whose signature does not verify; the message says why."""


def verify(secret: str, header: str, delivery_id: str, body: bytes, *, now: float, tolerance: int = DEFAULT_TOLERANCE) -> None:
    """Check a delivery as a receiver does; raise ``InvalidSignature`` naming the fault."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    stamps = parts.get("t", [])
    if len(stamps) != 1 or not stamps[0].isdigit():
        raise InvalidSignature("the signature header has no timestamp t=<unix time>")
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature(f"the signature's timestamp is {int(now - timestamp)} s from now, beyond {tolerance} s")
    expected = signature(secret, timestamp, delivery_id, body)
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise InvalidSignature("no v1 signature matches the body, the delivery id and the timestamp")
