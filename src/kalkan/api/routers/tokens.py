"""API tokens: issued (the secret shown once), listed and revoked. Hashes never leave the store."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kalkan.api.deps import ConnectionDep, ScopeDep, SettingsDep
from kalkan.api.errors import error_responses
from kalkan.errors import ValidationFailed
from kalkan.store import users
from kalkan.store.users import Token

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=error_responses(401, 403, 422))


class TokenResponse(BaseModel):
    id: int
    user_id: int
    name: str
    prefix: str = Field(description="the first characters of the secret, to recognise it")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: Token) -> TokenResponse:
        return cls(
            id=token.id,
            user_id=token.user_id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )


class IssuedTokenResponse(TokenResponse):
    token: str = Field(description="the secret: shown this once, never again")


class TokenListResponse(BaseModel):
    items: list[TokenResponse]


class TokenCreateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int | None = Field(None, description="default: the caller")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    lifetime_days: int | None = Field(None, ge=1, description="default and maximum: the server's token lifetime")


@router.post("", status_code=201, responses=error_responses(404))
def issue_token(new: TokenCreateQuery, conn: ConnectionDep, scope: ScopeDep, settings: SettingsDep) -> IssuedTokenResponse:
    days = new.lifetime_days or settings.token_lifetime_days
    if days > settings.token_lifetime_days:
        raise ValidationFailed.one("lifetime_days", f"must be at most {settings.token_lifetime_days}")
    user_id = new.user_id if new.user_id is not None else scope.user_id
    if user_id is None:
        raise ValidationFailed.one("user_id", "required: the caller is not a user")
    issued = users.issue_token(conn, scope, user_id, name=new.name, lifetime=timedelta(days=days))
    return IssuedTokenResponse(**TokenResponse.of(issued.token).model_dump(), token=issued.secret)


@router.get("")
def list_tokens(
    conn: ConnectionDep,
    scope: ScopeDep,
    user_id: Annotated[int | None, Query(description="default: every token the caller may manage")] = None,
) -> TokenListResponse:
    return TokenListResponse(items=[TokenResponse.of(t) for t in users.list_tokens(conn, scope, user_id)])


@router.delete("/{token_id}", responses=error_responses(404))
def revoke_token(token_id: int, conn: ConnectionDep, scope: ScopeDep) -> TokenResponse:
    """Revoke a token at once; answers the revoked token. Revoking twice changes nothing."""
    return TokenResponse.of(users.revoke_token(conn, scope, token_id))
