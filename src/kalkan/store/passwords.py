"""Passwords of users: argon2 hashes, sign-in with lock-out after repeated failures.

A password is set by the user themself, by whoever may manage the user (the same rule as
for every other change to a user: ``store.users``), or by the command line. Signing in
counts failures in ``users.failed_logins``; the ``MAX_FAILURES``-th locks the account for
``LOCK_DURATION``, during which no password is even tried. Every outcome is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update

from kalkan.access.scope import Scope
from kalkan.errors import ValidationFailed
from kalkan.store import audit
from kalkan.store.agencies import get_agency
from kalkan.store.clock import as_utc, now
from kalkan.store.tables import users
from kalkan.store.users import User, _check_may_act_on, find_user, get_user

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
MIN_LENGTH = 10
MAX_LENGTH = 200

_hasher = PasswordHasher()
#: Verified against when the username is unknown, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("no user has this password")


class SignInOutcome(StrEnum):
    SIGNED_IN = "signed_in"
    REFUSED = "refused"  # unknown user, wrong password, or no password set: one answer for all
    LOCKED = "locked"
    DISABLED = "disabled"  # the right password, but the user or the agency is switched off


@dataclass(frozen=True, slots=True)
class SignIn:
    outcome: SignInOutcome
    user: User | None = None
    locked_until: datetime | None = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password: str, username: str) -> None:
    """Refuse passwords too short, too long, or that are the username."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.one("password", f"at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.one("password", f"at most {MAX_LENGTH} characters")
    if username.casefold() in password.casefold():
        raise ValidationFailed.one("password", "must not contain the username")


def set_password(conn: Connection, scope: Scope, user_id: int, password: str) -> User:
    """Set a user's password, if ``scope`` may manage that user (or is that user); unlocks the account."""
    user = get_user(conn, scope, user_id)
    _check_may_act_on(scope, user)
    check_password(password, user.username)
    conn.execute(
        update(users).where(users.c.id == user_id).values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
    )
    audit.append(conn, scope, "user.set_password", detail=user.username)
    return user


def _attempt_scope(username: str, user: User | None) -> Scope:
    if user is None:
        return Scope(user_id=None, username=username[:64], agency="-", roles=frozenset())
    return Scope(user_id=user.id, username=user.username, agency=user.agency, roles=frozenset())


def sign_in(conn: Connection, username: str, password: str) -> SignIn:
    """Check a username and password; count failures and lock the account after too many."""
    username = username.strip().lower()
    user = find_user(conn, username) if 0 < len(username) <= 64 else None
    row = conn.execute(select(users).where(users.c.id == user.id).with_for_update()).first() if user else None
    stamp = now()
    attempt = _attempt_scope(username, user)
    if row is not None and row.locked_until is not None and as_utc(row.locked_until) > stamp:
        audit.append(conn, attempt, "session.refused", detail="locked")
        return SignIn(SignInOutcome.LOCKED, locked_until=as_utc(row.locked_until))
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        verified = _hasher.verify(stored, password[:MAX_LENGTH]) and row is not None and bool(row.password_hash)
    except (VerificationError, InvalidHashError):
        verified = False
    if user is None or row is None:
        audit.append(conn, attempt, "session.refused", detail="unknown user or wrong password")
        return SignIn(SignInOutcome.REFUSED)
    if not verified:
        failures = int(row.failed_logins) + 1
        locked_until = stamp + LOCK_DURATION if failures >= MAX_FAILURES else None
        conn.execute(
            update(users).where(users.c.id == user.id).values(failed_logins=0 if locked_until else failures, locked_until=locked_until)
        )
        audit.append(conn, attempt, "session.refused", detail=f"wrong password ({failures} of {MAX_FAILURES})")
        if locked_until is not None:
            return SignIn(SignInOutcome.LOCKED, locked_until=locked_until)
        return SignIn(SignInOutcome.REFUSED)
    if not user.active or not get_agency(conn, user.agency).active:
        audit.append(conn, attempt, "session.refused", detail="user deactivated or agency suspended")
        return SignIn(SignInOutcome.DISABLED)
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    conn.execute(update(users).where(users.c.id == user.id).values(**values))
    return SignIn(SignInOutcome.SIGNED_IN, user=user)
