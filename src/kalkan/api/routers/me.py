"""``GET /v1/me``: who the token belongs to and what it allows."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from kalkan.access.roles import Permission, Role
from kalkan.api.deps import ScopeDep

router = APIRouter(tags=["me"])


class MeResponse(BaseModel):
    user_id: int | None
    username: str
    agency: str
    roles: list[Role]
    permissions: list[Permission]


@router.get("/me")
def read_me(scope: ScopeDep) -> MeResponse:
    return MeResponse(
        user_id=scope.user_id,
        username=scope.username,
        agency=scope.agency,
        roles=sorted(scope.roles),
        permissions=sorted(scope.permissions),
    )
