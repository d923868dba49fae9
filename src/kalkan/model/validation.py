"""Turning pydantic's validation errors into Kalkan's field-and-fault errors."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from kalkan.errors import Fault, ValidationFailed
from kalkan.model.records import MODEL_BY_KIND, RecordInput, RecordModel

_RECORD_ADAPTER: TypeAdapter[RecordModel] = TypeAdapter(RecordInput)
_UNION_TAGS = {str(kind) for kind in MODEL_BY_KIND}


def field_path(location: tuple[int | str, ...], prefix: str = "") -> str:
    """``('names', 0, 'value')`` -> ``names[0].value``; drops pydantic's union tags."""
    out = prefix
    for i, part in enumerate(location):
        if i == 0 and part in _UNION_TAGS:
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-after[") or part.startswith("tagged-union["):
            continue
        else:
            out += f".{part}" if out else part
    return out


def faults_of(error: ValidationError, prefix: str = "") -> list[Fault]:
    faults = []
    for item in error.errors(include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        faults.append(Fault(field_path(tuple(item["loc"]), prefix), message))
    return faults


def parse_record(data: Any) -> RecordModel:
    """Validate one record as a client sends it; raise ValidationFailed naming each fault."""
    if not isinstance(data, dict):
        raise ValidationFailed.one("", "a record must be a JSON object")
    if "kind" not in data:
        raise ValidationFailed.one("kind", f"required; one of {', '.join(sorted(_UNION_TAGS))}")
    if not isinstance(data["kind"], str) or data["kind"] not in _UNION_TAGS:
        raise ValidationFailed.one("kind", f"unknown kind {data['kind']!r}; one of {', '.join(sorted(_UNION_TAGS))}")
    try:
        return _RECORD_ADAPTER.validate_python(data)
    except ValidationError as error:
        raise ValidationFailed(faults_of(error)) from None
