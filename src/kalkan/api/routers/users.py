"""Users: agency admins manage their own agency's users, the secretariat everyone's.

The store enforces who may manage whom and which roles an agency admin may grant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kalkan.access.roles import Role
from kalkan.api.deps import ConnectionDep, ScopeDep
from kalkan.api.errors import error_responses
from kalkan.api.params import AgencyCodeParam
from kalkan.store import users
from kalkan.store.users import User

router = APIRouter(prefix="/users", tags=["users"], responses=error_responses(401, 403, 422))

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Language = Literal["en", "fr", "ru"]
Roles = Annotated[list[Role], Field(min_length=1, max_length=len(Role))]


class UserResponse(BaseModel):
    id: int
    username: str
    display_name: str
    agency: str
    roles: list[Role]
    active: bool
    language: str
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserResponse:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            agency=user.agency,
            roles=sorted(user.roles),
            active=user.active,
            language=user.language,
            created_at=user.created_at,
        )


class UserListResponse(BaseModel):
    items: list[UserResponse]


class UserCreateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username = Field(description="lower-case letters, digits, '.', '_' and '-'; 3 to 64 characters")
    agency: AgencyCodeParam | None = Field(None, description="default: the caller's agency")
    roles: Roles
    display_name: DisplayName | None = None
    language: Language = "en"


class UserUpdateQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: Roles | None = None
    active: bool | None = Field(None, description="false deactivates the user: their tokens stop working")
    display_name: DisplayName | None = None
    language: Language | None = None


@router.get("")
def list_users(
    conn: ConnectionDep,
    scope: ScopeDep,
    agency: Annotated[AgencyCodeParam | None, Query(description="default: all the caller may manage")] = None,
) -> UserListResponse:
    return UserListResponse(items=[UserResponse.of(u) for u in users.list_users(conn, scope, agency)])


@router.post("", status_code=201, responses=error_responses(409))
def create_user(request: Request, response: Response, new: UserCreateQuery, conn: ConnectionDep, scope: ScopeDep) -> UserResponse:
    created = users.create_user(
        conn,
        scope,
        username=new.username,
        agency=new.agency or scope.agency,
        roles=frozenset(new.roles),
        display_name=new.display_name,
        language=new.language,
    )
    response.headers["Location"] = request.app.url_path_for("read_user", user_id=str(created.id))
    return UserResponse.of(created)


@router.get("/{user_id}", responses=error_responses(404))
def read_user(user_id: int, conn: ConnectionDep, scope: ScopeDep) -> UserResponse:
    return UserResponse.of(users.get_user(conn, scope, user_id))


@router.patch("/{user_id}", responses=error_responses(404))
def update_user(user_id: int, change: UserUpdateQuery, conn: ConnectionDep, scope: ScopeDep) -> UserResponse:
    updated = users.update_user(
        conn,
        scope,
        user_id,
        roles=frozenset(change.roles) if change.roles is not None else None,
        active=change.active,
        display_name=change.display_name,
        language=change.language,
    )
    return UserResponse.of(updated)
