"""Notices: create, submit, review, cancel, list, and the secretariat's review queue.

Every call goes through ``NoticeStore``, which applies who may do what and who may see what.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kalkan.api.bodies import BodyDep
from kalkan.api.deps import ConnectionDep, ScopeDep, SettingsDep
from kalkan.api.errors import error_responses
from kalkan.api.routers.records import parse_record_body
from kalkan.errors import ValidationFailed
from kalkan.model.notices import NoticeState, Review
from kalkan.model.records import Notice, NoticeRecord, NoticeType
from kalkan.store.notices import NoticeStore, NoticeView

router = APIRouter(prefix="/notices", tags=["notices"], responses=error_responses(401, 403, 422))

NoticeIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="the notice's record id")]


class NoticeReviewResponse(BaseModel):
    at: datetime
    reviewer: str
    record_version: int
    decision: str
    checklist: dict[str, Any]
    reasons: str | None


class NoticeResponse(BaseModel):
    record: NoticeRecord
    state: NoticeState
    review_pending: bool = Field(description="a diffusion already out, not yet reviewed")
    submitted_at: datetime | None
    published_at: datetime | None
    reviews: list[NoticeReviewResponse] = Field(description="for the requesting agency and the secretariat only")


class NoticeListResponse(BaseModel):
    items: list[NoticeResponse]
    total: int
    limit: int
    offset: int


class NoticeListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: NoticeState | None = None
    type: NoticeType | None = None
    limit: int = Field(50, ge=1, description="at most the server's page size limit")
    offset: int = Field(0, ge=0)


class CancelNoticeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


def _store(conn: ConnectionDep, scope: ScopeDep, settings: SettingsDep) -> NoticeStore:
    return NoticeStore(conn, scope, settings.review_period_days)


StoreDep = Annotated[NoticeStore, Depends(_store)]


def _dump(view: NoticeView) -> dict[str, Any]:
    return {
        "record": view.record.model_dump(mode="json"),
        "state": view.state.value,
        "review_pending": view.review_pending,
        "submitted_at": view.submitted_at.isoformat() if view.submitted_at else None,
        "published_at": view.published_at.isoformat() if view.published_at else None,
        "reviews": [
            {
                "at": r.at.isoformat(),
                "reviewer": r.reviewer,
                "record_version": r.record_version,
                "decision": r.decision.value,
                "checklist": r.checklist,
                "reasons": r.reasons,
            }
            for r in view.reviews
        ],
    }


def _notice_body(body: bytes) -> Notice:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = None  # parse_record_body names the fault
    if isinstance(data, dict):
        if data.setdefault("kind", "notice") != "notice":
            raise ValidationFailed.one("kind", f"this endpoint takes notices; {data['kind']!r} records go to /v1/records")
        body = json.dumps(data).encode()
    notice = parse_record_body(body)
    if not isinstance(notice, Notice):  # pragma: no cover - the kind was checked above
        raise ValidationFailed.one("kind", "expected a notice")
    return notice


@router.post(
    "",
    status_code=201,
    response_model=NoticeResponse,
    responses=error_responses(409),
    summary="Create a draft notice of the caller's agency (an editor)",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Notice"}}}}},
)
def create_notice(request: Request, body: BodyDep, store: StoreDep) -> JSONResponse:
    view = store.create(_notice_body(body))
    location = request.app.url_path_for("read_notice", notice_id=view.record.id)
    return JSONResponse(_dump(view), status_code=201, headers={"Location": location})


@router.get("", response_model=NoticeListResponse, summary="Notices the caller may see")
def list_notices(query: Annotated[NoticeListQuery, Query()], store: StoreDep, settings: SettingsDep) -> JSONResponse:
    if query.limit > settings.page_size_limit:
        raise ValidationFailed.one("limit", f"must be at most {settings.page_size_limit}")
    found, total = store.find(state=query.state, notice_type=query.type, limit=query.limit, offset=query.offset)
    return JSONResponse({"items": [_dump(v) for v in found], "total": total, "limit": query.limit, "offset": query.offset})


@router.get("/review-queue", response_model=NoticeListResponse, summary="Notices waiting for the secretariat's review")
def review_queue(store: StoreDep, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> JSONResponse:
    found = store.review_queue(limit=limit)
    return JSONResponse({"items": [_dump(v) for v in found], "total": len(found), "limit": limit, "offset": 0})


@router.get("/{notice_id}", response_model=NoticeResponse, responses=error_responses(404))
def read_notice(notice_id: NoticeIdPath, store: StoreDep) -> JSONResponse:
    return JSONResponse(_dump(store.get(notice_id)))


@router.post(
    "/{notice_id}/submit",
    response_model=NoticeResponse,
    responses=error_responses(404, 409),
    summary="Send a notice to the secretariat for review; a diffusion goes out at once",
)
def submit_notice(notice_id: NoticeIdPath, store: StoreDep) -> JSONResponse:
    return JSONResponse(_dump(store.submit(notice_id)))


@router.post(
    "/{notice_id}/review",
    response_model=NoticeResponse,
    responses=error_responses(404, 409),
    summary="The secretariat publishes or refuses a notice, with its checklist and reasons",
)
def review_notice(notice_id: NoticeIdPath, review: Review, store: StoreDep) -> JSONResponse:
    return JSONResponse(_dump(store.review(notice_id, review)))


@router.post("/{notice_id}/cancel", response_model=NoticeResponse, responses=error_responses(404, 409))
def cancel_notice(notice_id: NoticeIdPath, cancel: CancelNoticeQuery, store: StoreDep) -> JSONResponse:
    return JSONResponse(_dump(store.cancel(notice_id, reason=cancel.reason)))
