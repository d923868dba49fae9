"""The OpenAPI document, with the record kinds a client may send.

Record bodies are read and validated by ``kalkan.model.validation.parse_record`` (so that
errors name the field), not by FastAPI, which therefore cannot describe them. This module
adds their schemas to the document, as ``RecordInput`` and the models it is made of.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from kalkan.model.records import RecordInput

#: ``openapi_extra`` of the operations whose body is one record.
RECORD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One record; `kind` says which. Unknown fields are refused.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecordInput"}}},
    }
}


_REF = "#/components/schemas/"


@cache
def _record_input_schema() -> dict[str, Any]:
    return TypeAdapter(RecordInput).json_schema(mode="validation", ref_template=_REF + "{model}")


def add_record_input_schemas(components: dict[str, Any]) -> None:
    """Add ``RecordInput`` and the models it uses to ``components``.

    A model FastAPI already described the same way keeps its name; one that differs as an
    input (defaults, validation-only fields) is added as ``<Model>Input``.
    """
    schema = copy.deepcopy(_record_input_schema())
    definitions: dict[str, Any] = schema.pop("$defs", {})
    names = {name: name if components.get(name, value) == value else f"{name}Input" for name, value in definitions.items()}
    renamed = {_REF + old: _REF + new for old, new in names.items()}
    for name, value in definitions.items():
        components[names[name]] = _rewrite_refs(value, renamed)
    components["RecordInput"] = _rewrite_refs(schema, renamed)


def _rewrite_refs(node: Any, renamed: dict[str, str]) -> Any:
    """Point references (``$ref`` and discriminator mappings) at the renamed schemas."""
    if isinstance(node, dict):
        return {key: _rewrite_refs(value, renamed) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(value, renamed) for value in node]
    if isinstance(node, str) and node.startswith(_REF):
        return renamed.get(node, node)
    return node


def install_openapi(app: FastAPI) -> None:
    """Serve FastAPI's generated document with the record input schemas added."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            add_record_input_schemas(document.setdefault("components", {}).setdefault("schemas", {}))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document
