"""Users and their API tokens. Tokens are random, shown once, stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Connection, DateTime, Row, insert, select, text, update

from kalkan.access.roles import SYSTEM_ROLES, Permission, Role
from kalkan.access.scope import Scope
from kalkan.errors import Conflict, Forbidden, NotAuthenticated, NotFound, ValidationFailed
from kalkan.store import audit
from kalkan.store.agencies import get_agency
from kalkan.store.clock import as_utc, now
from kalkan.store.tables import tokens, users

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
TOKEN_PREFIX = "kal_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for, not a secret


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    agency: str
    roles: frozenset[Role]
    active: bool
    language: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``secret`` is shown to its owner once and never stored."""

    token: Token
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _roles(text: str) -> frozenset[Role]:
    return frozenset(Role(r) for r in text.split(",") if r)


def _user(row: Row[Any]) -> User:
    return User(
        id=int(row.id),
        username=row.username,
        display_name=row.display_name,
        agency=row.agency,
        roles=_roles(row.roles),
        active=bool(row.active),
        language=row.language,
        created_at=as_utc(row.created_at),
    )


def _token(row: Row[Any]) -> Token:
    return Token(
        id=int(row.id),
        user_id=int(row.user_id),
        name=row.name,
        prefix=row.prefix,
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
        last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
    )


def scope_of(user: User) -> Scope:
    return Scope(user_id=user.id, username=user.username, agency=user.agency, roles=user.roles)


def _check_may_manage(scope: Scope, agency: str, roles: frozenset[Role] = frozenset()) -> None:
    """Agency admins manage their own agency's users; system roles come from the secretariat."""
    if scope.can(Permission.MANAGE_ALL_USERS):
        return
    scope.require(Permission.MANAGE_AGENCY_USERS)
    if agency != scope.agency:
        raise Forbidden(f"you manage the users of agency {scope.agency}, not of {agency}")
    granted = roles & SYSTEM_ROLES
    if granted:
        raise Forbidden(f"only the secretariat may grant the roles {', '.join(sorted(granted))}")


def _check_may_act_on(scope: Scope, user: User) -> None:
    """Only the secretariat manages a secretariat or auditor user, whatever the user's agency.

    Otherwise an agency admin could take those roles over by issuing itself the user's token.
    """
    if user.id != scope.user_id and user.roles & SYSTEM_ROLES and not scope.can(Permission.MANAGE_ALL_USERS):
        raise Forbidden("only the secretariat may manage a secretariat or auditor user")


def create_user(
    conn: Connection,
    scope: Scope,
    *,
    username: str,
    agency: str,
    roles: frozenset[Role],
    display_name: str | None = None,
    password_hash: str | None = None,
    language: str = "en",
) -> User:
    _check_may_manage(scope, agency, roles)
    if not roles:
        raise ValidationFailed.one("roles", "give at least one role")
    if not get_agency(conn, agency).active:
        raise ValidationFailed.one("agency", f"agency {agency} is suspended")
    if not _USERNAME.match(username):
        raise ValidationFailed.one(
            "username", "3 to 64 characters: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
        )
    if display_name is not None and not 1 <= len(display_name) <= 200:
        raise ValidationFailed.one("display_name", "1 to 200 characters")
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise Conflict(f"username {username} is taken")
    result = conn.execute(
        insert(users).values(
            username=username,
            display_name=display_name or username,
            agency=agency,
            roles=",".join(sorted(roles)),
            password_hash=password_hash,
            language=language,
            active=True,
            failed_logins=0,
            created_at=now(),
        )
    )
    user_id = int(result.inserted_primary_key[0])
    audit.append(conn, scope, "user.create", detail=f"{username} ({agency}): {','.join(sorted(roles))}")
    return get_user(conn, scope, user_id)


def get_user(conn: Connection, scope: Scope, user_id: int) -> User:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None or (row.agency != scope.agency and not scope.can(Permission.MANAGE_ALL_USERS) and row.id != scope.user_id):
        raise NotFound(f"no user {user_id} in your agency")
    if row.id != scope.user_id:
        _check_may_manage(scope, row.agency)
    return _user(row)


def find_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    return _user(row) if row else None


def list_users(conn: Connection, scope: Scope, agency: str | None = None) -> list[User]:
    if not scope.can(Permission.MANAGE_ALL_USERS):
        _check_may_manage(scope, agency or scope.agency)
        agency = scope.agency
    query = select(users).order_by(users.c.username)
    if agency:
        query = query.where(users.c.agency == agency)
    return [_user(r) for r in conn.execute(query)]


def update_user(
    conn: Connection,
    scope: Scope,
    user_id: int,
    *,
    roles: frozenset[Role] | None = None,
    active: bool | None = None,
    display_name: str | None = None,
    language: str | None = None,
) -> User:
    user = get_user(conn, scope, user_id)
    _check_may_manage(scope, user.agency, roles or frozenset())
    _check_may_act_on(scope, user)
    values: dict[str, Any] = {}
    if roles is not None:
        if not roles:
            raise ValidationFailed.one("roles", "give at least one role")
        values["roles"] = ",".join(sorted(roles))
    if active is not None:
        if not active and user.id == scope.user_id:
            raise ValidationFailed.one("active", "you cannot deactivate yourself")
        values["active"] = active
    if display_name is not None:
        values["display_name"] = display_name
    if language is not None:
        values["language"] = language
    if values:
        conn.execute(update(users).where(users.c.id == user_id).values(**values))
        audit.append(conn, scope, "user.update", detail=f"{user.username}: {sorted(values)}")
    return get_user(conn, scope, user_id)


def issue_token(conn: Connection, scope: Scope, user_id: int, *, name: str, lifetime: timedelta) -> IssuedToken:
    """A new API token for a user: the caller themself, or a user they manage."""
    if user_id != scope.user_id:
        _check_may_act_on(scope, get_user(conn, scope, user_id))
    if lifetime <= timedelta(0):
        raise ValidationFailed.one("lifetime_days", "must be positive")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    stamp = now()
    result = conn.execute(
        insert(tokens).values(
            user_id=user_id,
            name=name,
            token_hash=hash_token(secret),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            created_at=stamp,
            expires_at=stamp + lifetime,
        )
    )
    token_id = int(result.inserted_primary_key[0])
    audit.append(conn, scope, "token.issue", detail=f"token {token_id} for user {user_id}")
    row = conn.execute(select(tokens).where(tokens.c.id == token_id)).one()
    return IssuedToken(token=_token(row), secret=secret)


def list_tokens(conn: Connection, scope: Scope, user_id: int | None = None) -> list[Token]:
    query = select(tokens).join(users, users.c.id == tokens.c.user_id).order_by(tokens.c.id)
    if user_id is not None:
        if user_id != scope.user_id:
            get_user(conn, scope, user_id)
        query = query.where(tokens.c.user_id == user_id)
    elif scope.can(Permission.MANAGE_ALL_USERS):
        pass
    elif scope.can(Permission.MANAGE_AGENCY_USERS):
        query = query.where(users.c.agency == scope.agency)
    else:
        query = query.where(tokens.c.user_id == scope.user_id)
    return [_token(r) for r in conn.execute(query)]


def revoke_token(conn: Connection, scope: Scope, token_id: int) -> Token:
    row = conn.execute(select(tokens).where(tokens.c.id == token_id)).first()
    if row is None:
        raise NotFound(f"no token {token_id}")
    if row.user_id != scope.user_id:
        try:
            _check_may_act_on(scope, get_user(conn, scope, int(row.user_id)))
        except (Forbidden, NotFound):
            raise NotFound(f"no token {token_id}") from None
    if row.revoked_at is None:
        conn.execute(update(tokens).where(tokens.c.id == token_id).values(revoked_at=now()))
        audit.append(conn, scope, "token.revoke", detail=f"token {token_id}")
    return _token(conn.execute(select(tokens).where(tokens.c.id == token_id)).one())


#: What authenticating a token reads, in one query written once (every API request runs it).
_AUTHENTICATION = text(
    "SELECT tokens.revoked_at, tokens.expires_at, users.id, users.username, users.agency, users.roles,"
    " users.active AS user_active, agencies.active AS agency_active"
    " FROM tokens JOIN users ON users.id = tokens.user_id JOIN agencies ON agencies.code = users.agency"
    " WHERE tokens.token_hash = :token_hash"
).columns(revoked_at=DateTime(timezone=True), expires_at=DateTime(timezone=True), user_active=Boolean(), agency_active=Boolean())


def authenticate(conn: Connection, secret: str) -> Scope:
    """The Scope of a bearer token; NotAuthenticated if unknown, expired, revoked or suspended."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise NotAuthenticated("the token is not a Kalkan API token")
    row = conn.execute(_AUTHENTICATION, {"token_hash": hash_token(secret)}).first()
    if row is None:
        raise NotAuthenticated("unknown token")
    if row.revoked_at is not None:
        raise NotAuthenticated("the token was revoked")
    if as_utc(row.expires_at) <= now():
        raise NotAuthenticated("the token has expired")
    if not row.user_active:
        raise NotAuthenticated("the token's user is deactivated")
    if not row.agency_active:
        raise NotAuthenticated("the token's agency is suspended")
    return Scope(user_id=int(row.id), username=row.username, agency=row.agency, roles=_roles(row.roles))
