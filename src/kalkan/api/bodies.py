"""Request bodies read whole before any work starts, and decoded where the work is done.

Handlers that take a raw body read it in the event loop (a slow upload holds no connection
and no lock), then decode and validate it in their own work, after the caller is
authenticated, with every fault named by its field.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from kalkan.api.errors import malformed_json_fault
from kalkan.errors import ValidationFailed
from kalkan.model.validation import faults_of

ModelT = TypeVar("ModelT", bound=BaseModel)


async def read_body(request: Request) -> bytes:
    """The raw body, read before the request's transaction opens (a slow upload holds no lock)."""
    return await request.body()


BodyDep = Annotated[bytes, Depends(read_body)]


def parse_json(body: bytes) -> Any:
    """The JSON document ``body`` holds; ValidationFailed saying where it is malformed."""
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise ValidationFailed.one("", malformed_json_fault(error.msg, error.doc, error.pos)) from None
    except (ValueError, RecursionError):  # not UTF-8, or nested beyond reason
        raise ValidationFailed.one("", "malformed JSON: not UTF-8 text, or nested too deeply") from None


def validated(model: type[ModelT], data: Any) -> ModelT:
    """``data`` as ``model``; ValidationFailed naming each field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(faults_of(error)) from None
