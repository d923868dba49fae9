"""Hits on an agency's records: ``GET /v1/hits`` and ``POST /v1/hits/{id}/resolve``.

The owner agency's analysts and editors see the hits on its records and mark each confirmed,
false positive or handled, with a note. A false positive is remembered for that traveller and
that version of the record (``kalkan.store.hits``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from kalkan.api.deps import ConnectionDep, ScopeDep, SettingsDep
from kalkan.api.errors import error_responses
from kalkan.errors import ValidationFailed
from kalkan.store import hits
from kalkan.store.hits import HitState, StoredHit

router = APIRouter(prefix="/hits", tags=["checks"], responses=error_responses(401, 403, 422))

HitIdPath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


class HitListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: HitState | None = None
    limit: int = Field(50, ge=1, description="at most the server's page size limit")
    offset: int = Field(0, ge=0)


class ResolveHitQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["confirmed", "false_positive", "handled"]
    note: str | None = Field(None, max_length=4000)


class HitResponse(BaseModel):
    id: str
    check_id: str
    record_id: str
    record_kind: str
    record_version: int
    owner: str
    checking_agency: str
    outcome: str
    score: float
    restricted: bool = Field(description="the checking agency was told only to contact you")
    notice_ids: list[str]
    state: str
    note: str | None
    resolved_by: str | None
    resolved_at: str | None
    created_at: str
    context: dict[str, Any]


class HitListResponse(BaseModel):
    items: list[HitResponse]
    limit: int
    offset: int


def _dump(hit: StoredHit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "check_id": hit.check_id,
        "record_id": hit.record_id,
        "record_kind": hit.record_kind,
        "record_version": hit.record_version,
        "owner": hit.owner,
        "checking_agency": hit.checking_agency,
        "outcome": hit.outcome,
        "score": hit.score,
        "restricted": hit.restricted,
        "notice_ids": list(hit.notice_ids),
        "state": hit.state.value,
        "note": hit.note,
        "resolved_by": hit.resolved_by,
        "resolved_at": hit.resolved_at.isoformat() if hit.resolved_at else None,
        "created_at": hit.created_at.isoformat(),
        "context": hit.context,
    }


@router.get("", response_model=HitListResponse, summary="Hits on your agency's records, newest first")
def list_hits(query: Annotated[HitListQuery, Query()], conn: ConnectionDep, scope: ScopeDep, settings: SettingsDep) -> JSONResponse:
    if query.limit > settings.page_size_limit:
        raise ValidationFailed.one("limit", f"must be at most {settings.page_size_limit}")
    found = hits.list_hits(conn, scope, state=query.state, limit=query.limit, offset=query.offset)
    return JSONResponse({"items": [_dump(h) for h in found], "limit": query.limit, "offset": query.offset})


@router.post(
    "/{hit_id}/resolve",
    response_model=HitResponse,
    responses=error_responses(404),
    summary="Mark a hit on your agency's record confirmed, false positive or handled",
)
def resolve_hit(hit_id: HitIdPath, body: ResolveHitQuery, conn: ConnectionDep, scope: ScopeDep) -> JSONResponse:
    return JSONResponse(_dump(hits.resolve(conn, scope, hit_id, HitState(body.state), body.note)))
