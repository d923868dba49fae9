"""Checks: is this travel document reported stolen or lost? One document or a manifest of 1,000.

``POST /v1/checks/documents`` takes documents by issuing state, type and number, or by their
machine-readable zone, and answers for each: no hit, hit, or possible hit (one OCR
confusion away, another issuing state, another type), with what the caller's agency may see.
The work is ``screening.documents.DocumentChecker``'s; one checker (and one in-memory index)
serves the whole process. A check only reads: it runs on a reading connection, and its audit
entry goes through the process's ``AuditWriter``, which commits the entries of concurrent
checks together and lets each answer go once its entry is committed.
"""

from __future__ import annotations

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
from kalkan.errors import Fault, ValidationFailed
from kalkan.model.documents import DocumentType
from kalkan.screening.documents import MAX_BATCH, CheckResult, DocumentChecker, DocumentHit, DocumentQuery

router = APIRouter(prefix="/checks", tags=["checks"], responses=error_responses(401, 403, 422))


async def get_checker(services: ServicesDep) -> DocumentChecker:
    """The process's checker, made on first use with the app's database (its index is loaded on first check)."""
    return services.documents


CheckerDep = Annotated[DocumentChecker, Depends(get_checker)]


class DocumentToCheck(BaseModel):
    """A document by issuing state and number (type optional: any type), or by its zone."""

    model_config = ConfigDict(extra="forbid")

    issuing_state: str | None = Field(None, max_length=10, description="ISO 3166-1 alpha-3 or ICAO code")
    document_type: DocumentType | None = Field(None, description="leave out to match any type")
    number: str | None = Field(None, max_length=60)
    mrz: str | None = Field(None, max_length=400, description="the machine-readable zone as the scanner sent it")


class DocumentCheckQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[DocumentToCheck] = Field(min_length=1, max_length=MAX_BATCH)


class CheckedDocumentResponse(BaseModel):
    issuing_state: str
    document_type: str | None
    number: str


class DocumentHitResponse(BaseModel):
    outcome: Literal["hit", "possible_hit"]
    differences: list[Literal["ocr_variant", "other_state", "other_type"]]
    restricted: bool = Field(description="the caller's agency may not see the record: contact the owner agency")
    contact_agency: str = Field(description="the agency that reported the document")
    record_id: str | None = None
    issuing_state: str | None = None
    document_type: str | None = None
    number: str | None = None
    range_end: str | None = Field(None, description="the last number of a reported serial range")
    matched_number: str | None = Field(None, description="the reading that matched: the number asked or an OCR variant")
    document_status: str | None = None
    reported_on: str | None = None
    issued_on: str | None = None
    expires_on: str | None = None
    holder_name: str | None = None
    updated_at: str | None = None


class DocumentCheckResultResponse(BaseModel):
    index: int
    query: CheckedDocumentResponse
    outcome: Literal["hit", "possible_hit", "no_hit"]
    mrz_faults: list[str]
    hits: list[DocumentHitResponse]


class DocumentCheckResponse(BaseModel):
    results: list[DocumentCheckResultResponse]


def queries_of(body: DocumentCheckQuery) -> list[DocumentQuery]:
    """Every document as a query; one ValidationFailed naming every fault of every document."""
    queries: list[DocumentQuery] = []
    faults: list[Fault] = []
    for i, item in enumerate(body.documents):
        prefix = f"documents[{i}]."
        try:
            if item.mrz is not None:
                if item.number is not None or item.issuing_state is not None:
                    raise ValidationFailed.one(f"{prefix}mrz", "give either the zone or issuing_state and number, not both")
                queries.append(DocumentQuery.from_mrz(item.mrz, prefix=prefix))
            elif item.issuing_state is None or item.number is None:
                missing = [name for name in ("issuing_state", "number") if getattr(item, name) is None]
                raise ValidationFailed([Fault(f"{prefix}{name}", "is required (or give the zone as 'mrz')") for name in missing])
            else:
                kind = item.document_type.value if item.document_type else None
                queries.append(DocumentQuery.of(item.issuing_state, item.number, kind, prefix=prefix))
        except ValidationFailed as error:
            faults += error.faults
    if faults:
        raise ValidationFailed(faults)
    return queries


def hit_json(hit: DocumentHit) -> dict[str, Any]:
    candidate = hit.candidate
    answer: dict[str, Any] = {
        "outcome": hit.outcome.value,
        "differences": [d.value for d in hit.differences],
        "restricted": candidate.detail is None,
        "contact_agency": candidate.owner,
    }
    if candidate.detail is None:
        return answer
    detail = candidate.detail
    return answer | {
        "record_id": candidate.ref,
        "issuing_state": candidate.issuing_state,
        "document_type": candidate.document_type,
        "number": candidate.number,
        "range_end": candidate.range_end,
        "matched_number": hit.matched_number,
        "document_status": detail.document_status,
        "reported_on": detail.reported_on.isoformat() if detail.reported_on else None,
        "issued_on": detail.issued_on.isoformat() if detail.issued_on else None,
        "expires_on": detail.expires_on.isoformat() if detail.expires_on else None,
        "holder_name": detail.holder_name,
        "updated_at": detail.updated_at.isoformat(),
    }


def result_json(index: int, result: CheckResult) -> dict[str, Any]:
    return {
        "index": index,
        "query": result.query.as_dict(),
        "outcome": result.outcome.value,
        "mrz_faults": list(result.query.mrz_faults),
        "hits": [hit_json(hit) for hit in result.hits],
    }


@router.post(
    "/documents",
    response_model=DocumentCheckResponse,
    openapi_extra=json_body(DocumentCheckQuery),
    summary="Check travel documents against the stolen and lost documents (1 to 1,000 per request)",
)
async def check_documents(
    request: Request,
    body: BodyDep,
    credentials: CredentialsDep,
    database: DatabaseDep,
    checker: CheckerDep,
    writer: AuditWriterDep,
) -> Response:
    """Hits show what the caller's agency may see; a record it may not see shows as
    "contact agency X" when its owner allows that, and not at all otherwise. Audited as one
    entry per request, committed before the answer is sent (503 if it cannot be)."""

    def check(conn: Connection, scope: Scope) -> bytes:
        queries = queries_of(validated(DocumentCheckQuery, parse_json(body)))
        results = checker.check(conn, scope, queries, writer=writer)
        return json_bytes({"results": [result_json(i, result) for i, result in enumerate(results)]})

    return Response(await run_reading(request, database, credentials, check), media_type="application/json")
