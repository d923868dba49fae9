"""Traveller checks: ``POST /v1/checks/travellers``, one traveller or a manifest of up to 1,000.

Each traveller is a machine-readable zone or the fields read from a document, with more names
if known, and the context of the crossing. The answer is a verdict per traveller (``no_hit``,
``possible_hit`` for review, ``hit``) with the hits as the caller's agency may see them: the
record, the score and why, the published notices with the action to take, and the owner
agency to contact. ``kalkan.screening.travellers`` does the work; this module translates HTTP.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from kalkan.access.scope import Scope
from kalkan.api.bodies import BodyDep, parse_json, validated
from kalkan.api.deps import AuditWriterDep, CredentialsDep, DatabaseDep, ServicesDep, run_reading
from kalkan.api.errors import error_responses
from kalkan.api.openapi import json_body
from kalkan.api.responses import json_bytes
from kalkan.api.routers.checks import hit_json
from kalkan.errors import Fault, ValidationFailed
from kalkan.model.countries import CountryCode
from kalkan.model.dates import FlexibleDate
from kalkan.model.documents import DocumentType
from kalkan.model.names import MAX_NAME_LENGTH
from kalkan.model.records import Direction, Gender
from kalkan.screening.travellers import (
    MAX_BATCH,
    Context,
    TravellerHit,
    TravellerQuery,
    TravellerResult,
    TravellerScreening,
    traveller_query,
)

router = APIRouter(prefix="/checks", tags=["checks"], responses=error_responses(401, 403, 422))

NameText = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]


async def get_traveller_screening(services: ServicesDep) -> TravellerScreening:
    """The process's document checker, name screening and biometrics, put to work together."""
    return services.travellers()


TravellerScreeningDep = Annotated[TravellerScreening, Depends(get_traveller_screening)]


class ContextQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    border_post: ShortText | None = None
    direction: Direction | None = None
    carrier: ShortText | None = None
    flight: ShortText | None = Field(None, description="flight or vessel")
    at: datetime | None = Field(None, description="when the traveller crossed (default: the time of the check)")


class TravellerToCheck(BaseModel):
    """A traveller: the zone, or the document's fields, and any more names."""

    model_config = ConfigDict(extra="forbid")

    mrz: str | None = Field(None, max_length=400, description="the machine-readable zone as the scanner sent it")
    issuing_state: str | None = Field(None, max_length=10)
    document_type: DocumentType | None = None
    number: str | None = Field(None, max_length=60)
    names: list[NameText] = Field(default_factory=list, max_length=20, description="names in any script")
    birth_date: FlexibleDate | None = None
    nationality: CountryCode | None = None
    sex: Gender | None = None
    context: ContextQuery | None = Field(None, description="this traveller's context, if not the request's")


class TravellerCheckQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    travellers: list[TravellerToCheck] = Field(min_length=1, max_length=MAX_BATCH)
    context: ContextQuery | None = Field(None, description="the crossing: border post, direction, carrier, flight, time")


class NoticeResponse(BaseModel):
    notice_id: str
    notice_type: str
    action_to_take: str
    requesting_agency: str


class TravellerHitResponse(BaseModel):
    outcome: Literal["hit", "possible_hit"]
    restricted: bool = Field(description="your agency may not see the record: contact the owner agency")
    contact_agency: str
    hit_id: str | None = Field(None, description="the stored hit; quote it when contacting the owner agency")
    record_id: str | None = None
    record_kind: str | None = None
    label: str | None = None
    score: float | None = None
    explanation: dict[str, Any] | None = None
    notices: list[NoticeResponse] = Field(default_factory=list)
    document: dict[str, Any] | None = Field(None, description="the reported document, as in /v1/checks/documents")


class TravellerResultResponse(BaseModel):
    index: int
    verdict: Literal["hit", "possible_hit", "no_hit"]
    check_id: str | None
    mrz_faults: list[str]
    hits: list[TravellerHitResponse]
    remembered_false_positives: list[TravellerHitResponse] = Field(
        description="records the owner agency marked false positive for this traveller: not hits"
    )
    movement_id: str | None = None


class TravellerCheckResponse(BaseModel):
    results: list[TravellerResultResponse]


def _context(given: ContextQuery | None) -> Context | None:
    if given is None:
        return None
    return Context(given.border_post, given.direction, given.carrier, given.flight, given.at)


def queries_of(body: TravellerCheckQuery) -> list[TravellerQuery]:
    """Every traveller as a query; one ValidationFailed naming every fault of every traveller."""
    queries: list[TravellerQuery] = []
    faults: list[Fault] = []
    shared = _context(body.context)
    for i, item in enumerate(body.travellers):
        try:
            queries.append(
                traveller_query(
                    mrz=item.mrz,
                    issuing_state=item.issuing_state,
                    document_type=item.document_type.value if item.document_type else None,
                    number=item.number,
                    names=item.names,
                    birth_date=item.birth_date,
                    nationality=item.nationality,
                    gender=item.sex.value if item.sex else None,
                    context=_context(item.context) or shared,
                    prefix=f"travellers[{i}].",
                )
            )
        except ValidationFailed as error:
            faults += error.faults
    if faults:
        raise ValidationFailed(faults)
    return queries


def traveller_hit_json(hit: TravellerHit) -> dict[str, Any]:
    answer: dict[str, Any] = {"outcome": hit.outcome.value, "restricted": hit.restricted, "contact_agency": hit.owner, "hit_id": hit.hit_id}
    if hit.restricted:
        return answer
    return answer | {
        "record_id": hit.record_id,
        "record_kind": hit.record_kind,
        "label": hit.label,
        "score": round(hit.score, 4),
        "explanation": hit.explanation,
        "notices": [
            {"notice_id": n.id, "notice_type": n.notice_type.value, "action_to_take": n.action_to_take, "requesting_agency": n.owner}
            for n in hit.notices
        ],
        "document": hit_json(hit.document) if hit.document is not None else None,
    }


def result_json(index: int, result: TravellerResult) -> dict[str, Any]:
    document = result.query.document
    return {
        "index": index,
        "verdict": result.verdict.value,
        "check_id": result.check_id,
        "mrz_faults": list(document.mrz_faults) if document else [],
        "hits": [traveller_hit_json(hit) for hit in result.hits],
        "remembered_false_positives": [traveller_hit_json(hit) for hit in result.remembered_false_positives],
        "movement_id": result.movement_id,
    }


@router.post(
    "/travellers",
    response_model=TravellerCheckResponse,
    openapi_extra=json_body(TravellerCheckQuery),
    summary="Check travellers: document and person checks together, one verdict each (1 to 1,000 per request)",
)
async def check_travellers(
    request: Request,
    body: BodyDep,
    credentials: CredentialsDep,
    database: DatabaseDep,
    screening: TravellerScreeningDep,
    writer: AuditWriterDep,
) -> Response:
    """Hits are stored and their owner agencies (and the agencies that requested a notice)
    notified in the same transaction. A record the caller's agency may not see shows as
    "possible hit: contact agency X" when its owner allows that, and not at all otherwise.
    Audited as one entry per request; a request without hits writes nothing else."""

    def check(conn: Connection, scope: Scope) -> bytes:
        queries = queries_of(validated(TravellerCheckQuery, parse_json(body)))
        results = screening.check_grouped(conn, scope, queries, writer=writer)
        return json_bytes({"results": [result_json(i, result) for i, result in enumerate(results)]})

    return Response(await run_reading(request, database, credentials, check), media_type="application/json")
