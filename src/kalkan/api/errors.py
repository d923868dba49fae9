"""Every error the API answers with, as one JSON shape, mapped in one place.

The body is always ``{"error": {"code": ..., "message": ..., "faults": [...]}}``; ``faults``
(field and fault) comes only with validation errors. Requests refused for want of
authentication, permission or visibility are written to the audit log in a transaction of
their own, since the request's transaction is rolled back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from kalkan.access.scope import Scope
from kalkan.errors import Fault, KalkanError, NotAuthenticated, ServiceUnavailable
from kalkan.model.validation import field_path
from kalkan.store import audit
from kalkan.store.database import Database

logger = logging.getLogger(__name__)


#: Statuses of requests refused to the caller; each is audited as "request.denied".
DENIED_STATUSES = frozenset({401, 403, 404})

#: Where FastAPI says a parameter came from; the field path starts after it.
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
}


class FaultResponse(BaseModel):
    field: str
    fault: str


class ErrorDetailResponse(BaseModel):
    code: str
    message: str
    faults: list[FaultResponse] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetailResponse


_MEANINGS = {
    401: "No valid API token",
    403: "The caller's roles or agency do not allow this",
    404: "No such thing that the caller may see",
    409: "The change conflicts with the current state (a newer version, a duplicate)",
    422: "Invalid input; each fault names its field",
    428: "The If-Match header is required",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of an operation, for the OpenAPI document."""
    return {status: {"model": ErrorResponse, "description": _MEANINGS[status]} for status in statuses}


def error_response(status: int, error: Mapping[str, object], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def faults_of_request(error: RequestValidationError) -> list[Fault]:
    """FastAPI's validation errors as field-and-fault pairs, the field a readable path."""
    faults = []
    for item in error.errors():
        location = tuple(item.get("loc", ()))
        if location and location[0] in _LOCATIONS:
            location = location[1:]
        if item.get("type") == "json_invalid":
            position = location[0] if location and isinstance(location[0], int) else None
            faults.append(Fault("", malformed_json_fault(str(item.get("ctx", {}).get("error", "")), error.body, position)))
            continue
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        faults.append(Fault(field_path(location), message))
    return faults


def malformed_json_fault(reason: str, document: Any, position: int | None) -> str:
    """``malformed JSON: Expecting value at line 1 column 9``, as precise as the parser says."""
    if isinstance(document, str) and position is not None:
        where = json.JSONDecodeError(reason, document, position)
        return f"malformed JSON: {reason} at line {where.lineno} column {where.colno}"
    return f"malformed JSON: {reason}" if reason else "malformed JSON"


async def _kalkan_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, KalkanError):  # registered for KalkanError only
        raise error
    if error.status in DENIED_STATUSES:
        scope = getattr(request.state, "scope", None)
        detail = f"{request.method} {request.url.path}: {error.message}"
        database: Database = request.app.state.database
        await run_in_threadpool(audit.record_denial, database, scope if isinstance(scope, Scope) else None, detail)
    headers = {"WWW-Authenticate": 'Bearer realm="kalkan"'} if isinstance(error, NotAuthenticated) else None
    return error_response(error.status, error.as_dict(), headers)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):  # registered for RequestValidationError only
        raise error
    faults = faults_of_request(error)
    body = {
        "code": "validation_failed",
        "message": "; ".join(str(f) for f in faults) or "invalid input",
        "faults": [{"field": f.field, "fault": f.fault} for f in faults],
    }
    return error_response(422, body)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, HTTPException):  # registered for HTTPException only
        raise error
    code = _HTTP_CODES.get(error.status_code, "http_error")
    message = str(error.detail)
    if error.status_code == 404 and message == "Not Found":  # no route matched
        message = f"no endpoint {request.url.path}; the API is described at /docs"
    elif error.status_code == 405 and message == "Method Not Allowed":
        message = f"{request.method} is not allowed on {request.url.path}"
    return error_response(error.status_code, {"code": code, "message": message}, dict(error.headers or {}))


async def _database_unavailable(_request: Request, error: Exception) -> JSONResponse:
    logger.error("database error", exc_info=error)
    unavailable = ServiceUnavailable("the database is unavailable or busy; try again shortly")
    return error_response(unavailable.status, unavailable.as_dict(), {"Retry-After": "5"})


async def _unexpected(_request: Request, _error: Exception) -> JSONResponse:
    # The traceback goes to the server's log (Starlette re-raises the error), never to the client.
    return error_response(500, {"code": "internal_error", "message": "an internal error occurred; it has been logged for the operators"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KalkanError, _kalkan_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
