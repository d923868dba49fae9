"""Records: create, read, replace, cancel, search, and the links of one record.

Every call goes through ``RecordStore``, which filters by the caller's Scope and refuses what
the caller may not do; handlers only translate HTTP. Bodies of records are validated by
``parse_record`` so that each fault names its field. A record's version is its ETag;
replacing a record needs ``If-Match`` with the version the client read.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kalkan.api.bodies import BodyDep, parse_json
from kalkan.api.deps import ConnectionDep, ScopeDep, SettingsDep
from kalkan.api.errors import error_responses
from kalkan.api.openapi import RECORD_BODY
from kalkan.api.params import AgencyCodeParam
from kalkan.errors import PreconditionRequired, ValidationFailed
from kalkan.model.records import LinkRecord, RecordKind, RecordModel, RecordStatus, StoredModel, StoredRecord
from kalkan.model.validation import parse_record
from kalkan.store.records import RecordFilter, RecordStore

router = APIRouter(prefix="/records", tags=["records"], responses=error_responses(401, 403, 422))

RecordIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="32 lower-case hexadecimal digits")]

_ETAG = re.compile(r'^"(\d{1,18})"$', re.ASCII)


class RecordListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: RecordKind | None = None
    status: Literal["active", "cancelled", "expired", "any"] = Field("active", description="'any' for every status")
    owner: AgencyCodeParam | None = Field(None, description="code of the owner agency")
    q: str | None = Field(None, min_length=1, max_length=200, description="part of a name, document number or reference")
    ref_scheme: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=40)] | None = None
    ref_value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    review_overdue: bool | None = None
    limit: int = Field(50, ge=1, description="at most the server's page size limit")
    offset: int = Field(0, ge=0)


class RecordListResponse(BaseModel):
    items: list[StoredRecord]
    total: int = Field(description="how many records match, across all pages")
    limit: int
    offset: int


class RecordLinksResponse(BaseModel):
    items: list[LinkRecord]


class CancelQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    version: int | None = Field(None, ge=1, description="the version being cancelled; refused if the record has changed since")


def parse_record_body(body: bytes) -> RecordModel:
    return parse_record(parse_json(body))


def expected_version(if_match: str | None) -> int:
    """The version named by ``If-Match: "<version>"``."""
    if if_match is None:
        raise PreconditionRequired(
            'the If-Match header is required: send the ETag of the version you read (If-Match: "3") '
            "so that a change made since is not overwritten"
        )
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise ValidationFailed.one("If-Match", f'expected the record\'s ETag, a version in double quotes such as "3"; got {if_match!r}')
    return int(match[1])


def etag(record: StoredModel) -> str:
    return f'"{record.version}"'


def record_response(record: StoredModel, status_code: int = 200, location: str | None = None) -> JSONResponse:
    # Records come out of the store validated: dump them once rather than have FastAPI
    # validate them again against the response model.
    headers = {"ETag": etag(record)}
    if location:
        headers["Location"] = location
    return JSONResponse(record.model_dump(mode="json"), status_code=status_code, headers=headers)


def _store(conn: ConnectionDep, scope: ScopeDep, settings: SettingsDep) -> RecordStore:
    return RecordStore(conn, scope, settings.review_period_days)


StoreDep = Annotated[RecordStore, Depends(_store)]


@router.post(
    "",
    status_code=201,
    response_model=StoredRecord,
    openapi_extra=RECORD_BODY,
    responses=error_responses(409),
    summary="Create a record owned by the caller's agency",
)
def create_record(request: Request, body: BodyDep, store: StoreDep) -> JSONResponse:
    created = store.create(parse_record_body(body))
    return record_response(created, 201, request.app.url_path_for("read_record", record_id=created.id))


@router.get("/{record_id}", response_model=StoredRecord, responses=error_responses(404))
def read_record(record_id: RecordIdPath, store: StoreDep) -> JSONResponse:
    return record_response(store.get(record_id))


@router.put(
    "/{record_id}",
    response_model=StoredRecord,
    openapi_extra=RECORD_BODY,
    responses=error_responses(404, 409, 428),
    summary="Replace a record (its owner only); If-Match names the version replaced",
)
def replace_record(
    record_id: RecordIdPath,
    body: BodyDep,
    store: StoreDep,
    if_match: Annotated[str | None, Header(description='the ETag of the version replaced, e.g. "3"')] = None,
) -> JSONResponse:
    version = expected_version(if_match)
    record = parse_record_body(body)
    return record_response(store.update(record_id, record, expected_version=version))


@router.post("/{record_id}/cancel", response_model=StoredRecord, responses=error_responses(404, 409))
def cancel_record(record_id: RecordIdPath, cancel: CancelQuery, store: StoreDep) -> JSONResponse:
    return record_response(store.cancel(record_id, reason=cancel.reason, expected_version=cancel.version))


@router.get("", response_model=RecordListResponse)
def list_records(query: Annotated[RecordListQuery, Query()], store: StoreDep, settings: SettingsDep) -> JSONResponse:
    if query.limit > settings.page_size_limit:
        raise ValidationFailed.one("limit", f"must be at most {settings.page_size_limit}")
    if query.ref_scheme and not query.ref_value:
        raise ValidationFailed.one("ref_scheme", "give ref_value with it")
    where = RecordFilter(
        kind=query.kind,
        status=None if query.status == "any" else RecordStatus(query.status),
        owner=query.owner,
        text=query.q,
        ref_scheme=query.ref_scheme or None,
        ref_value=query.ref_value,
        review_overdue=query.review_overdue,
    )
    found = store.find(where, limit=query.limit, offset=query.offset)
    page = {
        "items": [record.model_dump(mode="json") for record in found],
        "total": store.count(where),
        "limit": query.limit,
        "offset": query.offset,
    }
    return JSONResponse(page)


@router.get("/{record_id}/links", response_model=RecordLinksResponse, responses=error_responses(404))
def list_links(record_id: RecordIdPath, store: StoreDep) -> JSONResponse:
    """Links from or to the record, of any status; a link whose other end the caller may not see is left out."""
    return JSONResponse({"items": [link.model_dump(mode="json") for link in store.links_of(record_id)]})
