"""Authentication: a bearer token that is missing, malformed, unknown, revoked or expired, or
whose user or agency is no longer active, is refused with 401, audited, and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from kalkan.store.clock import now
from kalkan.store.database import Database
from kalkan.store.tables import tokens
from kalkan.store.users import hash_token
from tests import factories
from tests.api.calls import KZ_ADMIN, SEC_ADMIN, UZ_ADMIN, UZ_EDITOR, Api, body, denied, error_of, written

PERSON = body(factories.person())


def _refused(response: httpx.Response, reason: str) -> None:
    error = error_of(response, 401)
    assert error["code"] == "not_authenticated"
    assert reason in error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing Authorization header"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "malformed Authorization header"),
        ({"Authorization": "Bearer"}, "malformed Authorization header"),
        ({"Authorization": "Bearer not-a-token"}, "not a Kalkan API token"),
        ({"Authorization": "Bearer kal_" + "x" * 43}, "unknown token"),
    ],
)
def test_without_a_valid_token_nothing_is_written(api: Api, db: Database, headers: dict[str, str], reason: str) -> None:
    before = written(db)
    _refused(api.post("/v1/records", None, json=PERSON, headers=headers), reason)
    assert written(db) == before
    username, agency, detail = denied(db)[-1]
    assert (username, agency) == ("anonymous", "-")
    assert detail.startswith("POST /v1/records: ")
    assert reason in detail


def test_a_revoked_token_is_refused(api: Api, db: Database) -> None:
    issued = api.post("/v1/tokens", UZ_EDITOR, json={"name": "laptop"}).json()
    secret = {"Authorization": f"Bearer {issued['token']}"}
    assert api.get("/v1/me", None, headers=secret).status_code == 200
    assert api.delete(f"/v1/tokens/{issued['id']}", UZ_EDITOR).status_code == 200
    before = written(db)
    _refused(api.post("/v1/records", None, json=PERSON, headers=secret), "revoked")
    assert written(db) == before


def test_an_expired_token_is_refused(api: Api, db: Database) -> None:
    secret = api.world.token(*UZ_EDITOR)
    with db.transaction() as conn:
        conn.execute(update(tokens).where(tokens.c.token_hash == hash_token(secret)).values(expires_at=now() - timedelta(seconds=1)))
    before = written(db)
    _refused(api.post("/v1/records", UZ_EDITOR, json=PERSON), "expired")
    assert written(db) == before


def test_a_deactivated_user_is_refused(api: Api, db: Database) -> None:
    editor = api.world.scope(*UZ_EDITOR)
    assert api.patch(f"/v1/users/{editor.user_id}", UZ_ADMIN, json={"active": False}).status_code == 200
    before = written(db)
    _refused(api.post("/v1/records", UZ_EDITOR, json=PERSON), "deactivated")
    assert written(db) == before
    assert api.patch(f"/v1/users/{editor.user_id}", UZ_ADMIN, json={"active": True}).json()["active"] is True
    assert api.get("/v1/me", UZ_EDITOR).status_code == 200


def test_a_suspended_agency_is_refused(api: Api) -> None:
    assert api.patch("/v1/agencies/KZ-NCB", SEC_ADMIN, json={"active": False}).json()["active"] is False
    _refused(api.get("/v1/me", KZ_ADMIN), "suspended")
    assert api.get("/v1/me", UZ_EDITOR).status_code == 200


def test_every_v1_endpoint_needs_a_token(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    checked = 0
    for path, operations in schema["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method in operations:
            url = path.replace("{record_id}", "a" * 32).replace("{code}", "UZ-NCB").replace("{user_id}", "1").replace("{token_id}", "1")
            _refused(api.call(method.upper(), url, None), "missing Authorization header")
            checked += 1
    assert checked >= 20


def test_the_health_check_needs_no_token(api: Api) -> None:
    assert api.get("/healthz", None).json() == {"status": "ok", "database": "ok"}
