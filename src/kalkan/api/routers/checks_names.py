"""Name checks: ``POST /v1/checks/persons`` and ``POST /v1/checks/organisations``.

A body is one query (``{"name": "Жалолов Азиз", "birth_date": "1984"}``) or a batch
(``{"queries": [...], "top": 5}``, up to 1,000 queries). Each query gives names in any
script and, for persons, what else is known. The answer ranks candidates by score, with
``hit`` (the score reaches the kind's operating threshold) and an explanation; records the
caller's agency may not see are left out, or named only as "contact agency X" where their
owner allows it. ``kalkan.screening.names`` does the work; this module only translates HTTP.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from kalkan.api.bodies import BodyDep, parse_json, validated
from kalkan.api.deps import ConnectionDep, ScopeDep, ServicesDep
from kalkan.api.errors import error_responses
from kalkan.model.countries import CountryCode
from kalkan.model.dates import FlexibleDate
from kalkan.model.names import MAX_NAME_LENGTH
from kalkan.model.records import Gender
from kalkan.screening.names import MAX_BATCH, MAX_TOP, CheckResult, NameQuery, NameScreening

QueryT = TypeVar("QueryT", bound=BaseModel)

router = APIRouter(prefix="/checks", tags=["checks"], responses=error_responses(401, 403, 422))

NameText = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]


async def get_screening(services: ServicesDep) -> NameScreening:
    """The process's name screening, made on first use with the app's database."""
    return services.names


ScreeningDep = Annotated[NameScreening, Depends(get_screening)]


class PersonToCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NameText | None = Field(None, description="the name as written, in any script")
    names: list[NameText] = Field(default_factory=list, max_length=20, description="more names of the same person")
    birth_date: FlexibleDate | None = Field(None, description='"1984", "1984-03", "1984-03-12", or a range or approximation')
    nationality: CountryCode | None = None
    gender: Gender | None = None
    document_numbers: list[Annotated[str, Field(max_length=60)]] = Field(default_factory=list, max_length=20)


class OrganisationToCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NameText | None = None
    names: list[NameText] = Field(default_factory=list, max_length=20)
    country: CountryCode | None = None


class PersonCheckQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queries: list[PersonToCheck] = Field(min_length=1, max_length=MAX_BATCH)
    top: int = Field(10, ge=1, le=MAX_TOP, description="candidates per query")


class OrganisationCheckQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queries: list[OrganisationToCheck] = Field(min_length=1, max_length=MAX_BATCH)
    top: int = Field(10, ge=1, le=MAX_TOP)


class NamePartResponse(BaseModel):
    query: str
    record: str
    via: str
    similarity: float


class FeatureResponse(BaseModel):
    name: str
    value: float
    weight: float
    contribution: float


class ExplanationResponse(BaseModel):
    query_name: str
    record_name: str
    parts: list[NamePartResponse]
    features: list[FeatureResponse]
    threshold: float


class ExternalRefResponse(BaseModel):
    scheme: str
    value: str


class NameCandidateResponse(BaseModel):
    record_id: str
    owner: str
    label: str
    external_refs: list[ExternalRefResponse]
    score: float
    hit: bool
    explanation: ExplanationResponse


class NameCheckResultResponse(BaseModel):
    query: int = Field(description="the query's position in the request")
    hit: bool
    candidates: list[NameCandidateResponse]
    contact_agencies: list[str] = Field(description="agencies to contact about a hit on a record your agency may not see")


class NameCheckResponse(BaseModel):
    results: list[NameCheckResultResponse]


def _parse(body: bytes, model: type[QueryT]) -> QueryT:
    """One query, or ``{"queries": [...], "top": N}``."""
    data = parse_json(body)
    if isinstance(data, dict) and "queries" not in data:
        top = data.pop("top", 10)
        data = {"queries": [data], "top": top}
    return validated(model, data)


def _names(item: PersonToCheck | OrganisationToCheck) -> tuple[str, ...]:
    return tuple(([item.name] if item.name else []) + item.names)


def _result_json(position: int, result: CheckResult) -> dict[str, Any]:
    return {
        "query": position,
        "hit": result.hit,
        "candidates": [
            {
                "record_id": c.record_id,
                "owner": c.owner,
                "label": c.label,
                "external_refs": [{"scheme": scheme, "value": value} for scheme, value in c.external_refs],
                "score": c.score,
                "hit": c.hit,
                "explanation": c.explanation,
            }
            for c in result.candidates
        ],
        "contact_agencies": list(result.contact_agencies),
    }


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"description": "one query, or {'queries': [...], 'top': N}"}}},
    }
}


@router.post(
    "/persons",
    response_model=NameCheckResponse,
    openapi_extra=_BODY_DOC,
    summary="Check persons by name, date of birth, nationality, gender and document numbers (1 to 1,000 per request)",
)
def check_persons(body: BodyDep, conn: ConnectionDep, scope: ScopeDep, screening: ScreeningDep) -> JSONResponse:
    parsed = _parse(body, PersonCheckQuery)
    queries = [
        NameQuery(
            _names(item),
            item.birth_date,
            item.nationality,
            item.gender.value if item.gender else None,
            tuple(item.document_numbers),
        )
        for item in parsed.queries
    ]
    results = screening.check(conn, scope, queries, kind="person", top=parsed.top)
    return JSONResponse({"results": [_result_json(i, result) for i, result in enumerate(results)]})


@router.post(
    "/organisations",
    response_model=NameCheckResponse,
    openapi_extra=_BODY_DOC,
    summary="Check organisations by name and country (1 to 1,000 per request)",
)
def check_organisations(body: BodyDep, conn: ConnectionDep, scope: ScopeDep, screening: ScreeningDep) -> JSONResponse:
    parsed = _parse(body, OrganisationCheckQuery)
    queries = [NameQuery(_names(item), nationality=item.country) for item in parsed.queries]
    results = screening.check(conn, scope, queries, kind="organisation", top=parsed.top)
    return JSONResponse({"results": [_result_json(i, result) for i, result in enumerate(results)]})
