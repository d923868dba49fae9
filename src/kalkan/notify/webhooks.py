"""Registering an agency's webhook endpoints: the URL checked, the signing secret derived and shown once."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Connection

from kalkan.access.scope import Scope
from kalkan.errors import ConfigurationError, ValidationFailed
from kalkan.notify.signing import derive_secret
from kalkan.store import outbox


@dataclass(frozen=True, slots=True)
class RegisteredWebhook:
    webhook: outbox.Webhook
    secret: str  # shown once; derivable again only with KALKAN_SECRET_KEY


def checked_url(url: str, *, allow_http: bool) -> str:
    """An absolute http(s) URL without credentials; plain http only where ``allow_http``."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ValidationFailed.one("url", f"not a URL: {error}") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise ValidationFailed.one("url", f"must start with {' or '.join(s + '://' for s in schemes)}")
    if not parts.hostname:
        raise ValidationFailed.one("url", "names no host")
    if parts.username or parts.password:
        raise ValidationFailed.one("url", "must not carry a user name or password; the signature authenticates deliveries")
    if port == 0:
        raise ValidationFailed.one("url", "port 0 is not a port")
    return url


def register(conn: Connection, scope: Scope, *, url: str, description: str | None, secret_key: str, allow_http: bool) -> RegisteredWebhook:
    if not secret_key:
        raise ConfigurationError("webhooks need KALKAN_SECRET_KEY, from which their signing secrets are derived; set it and restart")
    webhook = outbox.register_webhook(conn, scope, url=checked_url(url, allow_http=allow_http), description=description)
    return RegisteredWebhook(webhook, derive_secret(secret_key, webhook.salt))
