"""Stolen and lost travel documents of the bulk table: their owner withdraws them.

``POST /v1/documents/cancel`` cancels 1 to 1,000 of the caller's agency's documents, named by
issuing state, type and number as they were imported: found again, or reported in error. It
is one batch of ``store.documents.cancel_batch``: one change-log row, one audit entry naming
each document cancelled and the reason; the screening indexes drop them when they catch up.
Cancelling again changes nothing. Importing a cancelled document again reinstates it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kalkan.api.deps import ConnectionDep, ScopeDep
from kalkan.api.errors import error_responses
from kalkan.errors import Fault, ValidationFailed
from kalkan.io.documents import key_of
from kalkan.model.documents import DocumentType
from kalkan.store.documents import MAX_REASON, DocumentKey, cancel_batch

#: The most documents one request may cancel.
MAX_CANCEL = 1000

router = APIRouter(prefix="/documents", tags=["records"], responses=error_responses(401, 403, 422))


class DocumentToCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuing_state: str = Field(max_length=10, description="ISO 3166-1 alpha-3 or ICAO code")
    document_type: DocumentType = Field(DocumentType.PASSPORT, description="as imported; passport when left out")
    number: str = Field(max_length=60)


class CancelDocumentsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[DocumentToCancel] = Field(min_length=1, max_length=MAX_CANCEL)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON)] = Field(
        description="why the documents are withdrawn (found again, reported in error): kept in the audit log"
    )


class CancelledDocumentResponse(BaseModel):
    index: int
    issuing_state: str
    document_type: str
    number: str
    outcome: Literal["cancelled", "already_cancelled", "not_found"]
    record_id: str | None = Field(None, description="the document cancelled by this request")


class CancelDocumentsResponse(BaseModel):
    cancelled: int
    already_cancelled: int
    not_found: int = Field(description="documents the caller's agency has not reported (another agency's included)")
    results: list[CancelledDocumentResponse]


def keys_of(body: CancelDocumentsQuery) -> list[DocumentKey]:
    """Every document's key, normalised as an import does; one ValidationFailed naming every fault."""
    keys: list[DocumentKey] = []
    faults: list[Fault] = []
    for i, item in enumerate(body.documents):
        try:
            keys.append(key_of({"issuing_state": item.issuing_state, "document_type": item.document_type.value, "number": item.number}))
        except ValidationFailed as error:
            faults += [Fault(f"documents[{i}].{fault.field}", fault.fault) for fault in error.faults]
    if faults:
        raise ValidationFailed(faults)
    return keys


@router.post(
    "/cancel",
    response_model=CancelDocumentsResponse,
    summary="Cancel documents the caller's agency reported (1 to 1,000 per request)",
)
def cancel_documents(body: CancelDocumentsQuery, conn: ConnectionDep, scope: ScopeDep) -> JSONResponse:
    """Only the caller's agency's own documents are cancelled: any other is "not found".
    Needs the editor role. Audited as one entry per request that cancels something."""
    keys = keys_of(body)
    outcome = cancel_batch(conn, scope, keys, reason=body.reason)
    results: list[dict[str, Any]] = []
    for i, key in enumerate(keys):
        state, kind, number = key
        ref = outcome.cancelled.get(key)
        status = "cancelled" if ref else "not_found" if key in outcome.not_found else "already_cancelled"
        results.append({"index": i, "issuing_state": state, "document_type": kind, "number": number, "outcome": status, "record_id": ref})
    return JSONResponse(
        {
            "cancelled": len(outcome.cancelled),
            "already_cancelled": len(outcome.already_cancelled),
            "not_found": len(outcome.not_found),
            "results": results,
        }
    )
