"""The application: its factories, the health check and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kalkan.api.app import app_from_environment, create_app
from kalkan.settings import Settings
from tests.api.calls import error_of


def test_the_environment_configures_the_app(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALKAN_DATABASE_URL", database_url)
    monkeypatch.setenv("KALKAN_MAX_REQUEST_BYTES", "2048")
    app = app_from_environment()
    assert app.state.settings.max_request_bytes == 2048
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
        assert error_of(client.post("/v1/records", content=b"x" * 2049), 413)["code"] == "request_too_large"


def test_healthy_with_a_reachable_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unavailable_without_a_database(tmp_path: Path) -> None:
    unreachable = Settings(database_url=f"sqlite:///{tmp_path}/no/such/directory/kalkan.db")
    with TestClient(create_app(unreachable)) as client:
        response = client.get("/healthz")
        assert error_of(response, 503)["code"] == "service_unavailable"
        assert "database" in response.json()["error"]["message"]
        me = client.get("/v1/me", headers={"Authorization": "Bearer kal_" + "x" * 43})
        assert error_of(me, 503)["code"] == "service_unavailable"


def test_the_openapi_document_describes_every_area(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = set(document["paths"])
    for path in ("/healthz", "/v1/records", "/v1/records/{record_id}", "/v1/records/{record_id}/cancel", "/v1/records/{record_id}/links"):
        assert path in paths
    for area in ("agencies", "users", "tokens", "audit", "me"):
        assert f"/v1/{area}" in paths
    schemas = document["components"]["schemas"]
    record_body = document["paths"]["/v1/records"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert record_body == {"$ref": "#/components/schemas/RecordInput"}
    mapping = schemas["RecordInput"]["discriminator"]["mapping"]
    assert set(mapping) == {"person", "organisation", "travel_document", "link", "event", "notice"}
    for reference in mapping.values():
        assert reference.removeprefix("#/components/schemas/") in schemas
    assert "id" not in schemas[mapping["person"].removeprefix("#/components/schemas/")]["properties"]
    assert document["paths"]["/v1/records"]["post"]["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert client.get("/docs").status_code == 200
    assert _references(document) <= {f"#/components/schemas/{name}" for name in schemas}


def _references(node: Any) -> set[str]:
    """Every ``$ref`` and discriminator mapping in the document: each must resolve."""
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        if isinstance(node.get("mapping"), dict):
            found |= set(node["mapping"].values())
        return found.union(*(_references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(value) for value in node))
    return set()
