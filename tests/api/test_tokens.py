"""API tokens: the secret is shown once, never listed; revoking takes effect at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from kalkan.store.database import Database
from tests.api.calls import KZ_ADMIN, UZ_ADMIN, UZ_ANALYST, UZ_EDITOR, Api, error_of, fault_fields

TOKEN_FIELDS = {"id", "user_id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"}


def test_the_secret_is_returned_once_and_never_listed(api: Api) -> None:
    response = api.post("/v1/tokens", UZ_EDITOR, json={"name": "border post laptop"})
    assert response.status_code == 201, response.text
    issued = response.json()
    assert set(issued) == TOKEN_FIELDS | {"token"}
    assert issued["token"].startswith(issued["prefix"])
    assert issued["user_id"] == api.world.scope(*UZ_EDITOR).user_id
    me = api.get("/v1/me", None, headers={"Authorization": f"Bearer {issued['token']}"})
    assert me.json()["username"] == "uz-ncb-editor"

    listed = api.get("/v1/tokens", UZ_EDITOR)
    assert listed.status_code == 200
    assert issued["id"] in [t["id"] for t in listed.json()["items"]]
    assert all(set(t) == TOKEN_FIELDS for t in listed.json()["items"])
    assert issued["token"] not in listed.text
    assert "hash" not in listed.text


def test_the_lifetime_defaults_to_and_is_capped_by_the_settings(api: Api, db: Database) -> None:
    issued = api.post("/v1/tokens", UZ_EDITOR, json={"name": "default"}).json()
    lifetime = datetime.fromisoformat(issued["expires_at"]) - datetime.fromisoformat(issued["created_at"])
    assert lifetime == timedelta(days=90)
    short = api.post("/v1/tokens", UZ_EDITOR, json={"name": "short", "lifetime_days": 7}).json()
    assert datetime.fromisoformat(short["expires_at"]) - datetime.fromisoformat(short["created_at"]) == timedelta(days=7)

    count = len(api.get("/v1/tokens", UZ_EDITOR).json()["items"])
    assert "lifetime_days" in fault_fields(api.post("/v1/tokens", UZ_EDITOR, json={"name": "long", "lifetime_days": 91}))
    assert "lifetime_days" in fault_fields(api.post("/v1/tokens", UZ_EDITOR, json={"name": "none", "lifetime_days": 0}))
    assert "name" in fault_fields(api.post("/v1/tokens", UZ_EDITOR, json={"name": ""}))
    assert len(api.get("/v1/tokens", UZ_EDITOR).json()["items"]) == count


def test_an_agency_admin_issues_and_revokes_tokens_of_their_agency_only(api: Api) -> None:
    analyst = api.world.scope(*UZ_ANALYST).user_id
    issued = api.post("/v1/tokens", UZ_ADMIN, json={"user_id": analyst, "name": "for the analyst"})
    assert issued.status_code == 201
    assert issued.json()["user_id"] == analyst
    assert error_of(api.post("/v1/tokens", KZ_ADMIN, json={"user_id": analyst, "name": "intruder"}), 404)["code"] == "not_found"
    assert error_of(api.post("/v1/tokens", UZ_EDITOR, json={"user_id": analyst, "name": "colleague"}), 403)["code"] == "forbidden"

    theirs = api.get("/v1/tokens", KZ_ADMIN, params={"user_id": analyst})
    assert error_of(theirs, 404)["code"] == "not_found"
    assert issued.json()["id"] not in [t["id"] for t in api.get("/v1/tokens", KZ_ADMIN).json()["items"]]
    assert issued.json()["id"] in [t["id"] for t in api.get("/v1/tokens", UZ_ADMIN, params={"user_id": analyst}).json()["items"]]

    assert error_of(api.delete(f"/v1/tokens/{issued.json()['id']}", KZ_ADMIN), 404)["code"] == "not_found"
    secret = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert api.get("/v1/me", None, headers=secret).status_code == 200
    revoked = api.delete(f"/v1/tokens/{issued.json()['id']}", UZ_ADMIN)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert "token" not in revoked.json()
    assert api.get("/v1/me", None, headers=secret).status_code == 401


def test_a_user_sees_only_their_own_tokens(api: Api) -> None:
    api.post("/v1/tokens", UZ_ANALYST, json={"name": "mine"})
    mine = api.get("/v1/tokens", UZ_EDITOR).json()["items"]
    assert {t["user_id"] for t in mine} == {api.world.scope(*UZ_EDITOR).user_id}
    assert error_of(api.delete("/v1/tokens/999999", UZ_EDITOR), 404)["code"] == "not_found"
