"""Web sessions: server-side, one row per signed-in browser, found by the SHA-256 of its cookie.

The cookie holds a random secret; only its hash is stored, as with API tokens. Each session
carries the token that every form it serves must send back (CSRF protection) and, if the
user chose one for this browser, a language. A session ends when its user signs out, after
``IDLE_TIMEOUT`` without a request, after ``LIFETIME`` in any case, and at once when its user
is deactivated or its agency suspended.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, Connection, DateTime, ForeignKey, String, Table, delete, insert, or_, select, update

from kalkan.access.scope import Scope
from kalkan.store import audit
from kalkan.store.clock import as_utc, now
from kalkan.store.tables import Serial, agencies, metadata, users
from kalkan.store.users import User, find_user, scope_of

IDLE_TIMEOUT = timedelta(hours=2)
LIFETIME = timedelta(hours=12)

#: Between two refreshes of ``last_seen_at``: a page view need not write the session row.
_TOUCH_EVERY = timedelta(minutes=1)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Serial, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("language", String(8), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live session: who it belongs to, the token its forms carry, the language chosen for it."""

    user: User
    csrf_token: str
    language: str | None
    expires_at: datetime

    @property
    def scope(self) -> Scope:
        return scope_of(self.user)


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A new session: ``secret`` goes into the cookie and is never stored."""

    secret: str
    session: WebSession


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(conn: Connection, user: User) -> OpenedSession:
    """A new session for a user who has just proved who they are."""
    stamp = now()
    conn.execute(delete(web_sessions).where(or_(web_sessions.c.expires_at <= stamp, web_sessions.c.last_seen_at <= stamp - IDLE_TIMEOUT)))
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = stamp + LIFETIME
    conn.execute(
        insert(web_sessions).values(
            id_hash=_hash(secret), user_id=user.id, csrf_token=csrf, language=None, created_at=stamp, last_seen_at=stamp, expires_at=expires
        )
    )
    audit.append(conn, scope_of(user), "session.open")
    return OpenedSession(secret, WebSession(user=user, csrf_token=csrf, language=None, expires_at=expires))


def resolve_session(conn: Connection, secret: str, *, touch: bool = True) -> WebSession | None:
    """The live session a cookie names, or None (unknown, expired, idle too long, user or agency off).

    It marks the session in use (and deletes one that has ended) unless ``touch`` is False: a
    read that must not wait for the database's write lock.
    """
    if not secret or len(secret) > 200:
        return None
    row = conn.execute(
        select(web_sessions, users.c.username, users.c.active.label("user_active"), agencies.c.active.label("agency_active"))
        .join(users, users.c.id == web_sessions.c.user_id)
        .join(agencies, agencies.c.code == users.c.agency)
        .where(web_sessions.c.id_hash == _hash(secret))
    ).first()
    if row is None:
        return None
    stamp = now()
    last_seen = as_utc(row.last_seen_at)
    if as_utc(row.expires_at) <= stamp or last_seen + IDLE_TIMEOUT <= stamp or not row.user_active or not row.agency_active:
        if touch:
            conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == row.id_hash))
        return None
    user = find_user(conn, row.username)
    if user is None:  # pragma: no cover - the foreign key keeps the user
        return None
    if touch and stamp - last_seen >= _TOUCH_EVERY:
        conn.execute(update(web_sessions).where(web_sessions.c.id_hash == row.id_hash).values(last_seen_at=stamp))
    return WebSession(user=user, csrf_token=row.csrf_token, language=row.language, expires_at=as_utc(row.expires_at))


def close_session(conn: Connection, secret: str) -> None:
    """Sign out: the session's row is deleted, so its cookie opens nothing any more."""
    session = resolve_session(conn, secret)
    if session is None:
        return
    conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _hash(secret)))
    audit.append(conn, session.scope, "session.close")


def set_session_language(conn: Connection, secret: str, language: str | None) -> None:
    conn.execute(update(web_sessions).where(web_sessions.c.id_hash == _hash(secret)).values(language=language))


def close_sessions_of(conn: Connection, user_id: int) -> int:
    """End every session of a user (after a password change); returns how many there were."""
    return int(conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id)).rowcount or 0)
