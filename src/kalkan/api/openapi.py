"""The OpenAPI document, with the bodies that handlers decode themselves.

Record bodies are read and validated by ``kalkan.model.validation.parse_record`` (so that
errors name the field), and check bodies by their handlers after the caller is
authenticated, not by FastAPI, which therefore cannot describe them. This module adds their
schemas to the document: ``RecordInput`` and the models it is made of, and each model named
with ``json_body``.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, TypeAdapter

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


#: Models of bodies that handlers decode themselves, by the name they have in the document.
_DECODED_BODIES: dict[str, type[BaseModel]] = {}


def json_body(model: type[BaseModel], description: str | None = None) -> dict[str, Any]:
    """``openapi_extra`` of an operation whose handler decodes a JSON body of ``model`` itself."""
    _DECODED_BODIES[model.__name__] = model
    body: dict[str, Any] = {"required": True, "content": {"application/json": {"schema": {"$ref": _REF + model.__name__}}}}
    if description:
        body["description"] = description
    return {"requestBody": body}


@cache
def _input_schema(name: str) -> dict[str, Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(RecordInput if name == "RecordInput" else _DECODED_BODIES[name])
    return adapter.json_schema(mode="validation", ref_template=_REF + "{model}")


def add_input_schemas(components: dict[str, Any], name: str) -> None:
    """Add the input schema ``name`` and the models it uses to ``components``.

    A model FastAPI already described the same way keeps its name; one that differs as an
    input (defaults, validation-only fields) is added as ``<Model>Input``.
    """
    schema = copy.deepcopy(_input_schema(name))
    definitions: dict[str, Any] = schema.pop("$defs", {})
    names = {key: key if components.get(key, value) == value else f"{key}Input" for key, value in definitions.items()}
    renamed = {_REF + old: _REF + new for old, new in names.items()}
    for key, value in definitions.items():
        components[names[key]] = _rewrite_refs(value, renamed)
    components[name] = _rewrite_refs(schema, renamed)


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
    """Serve FastAPI's generated document with the schemas of the bodies handlers decode added."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            components = document.setdefault("components", {}).setdefault("schemas", {})
            for name in ("RecordInput", *sorted(_DECODED_BODIES)):
                add_input_schemas(components, name)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document
