"""Users: agency admins manage their own agency; system roles come from the secretariat."""

from __future__ import annotations

from typing import Any

import pytest

from kalkan.access.roles import Role
from tests.api.calls import KZ_ADMIN, SEC_ADMIN, UZ_ADMIN, UZ_ANALYST, UZ_EDITOR, Api, error_of, fault_fields


def _usernames(api: Api, **params: Any) -> set[str]:
    response = api.get("/v1/users", params.pop("caller", UZ_ADMIN), params=params)
    assert response.status_code == 200, response.text
    return {u["username"] for u in response.json()["items"]}


def test_an_agency_admin_creates_and_updates_a_user(api: Api) -> None:
    response = api.post("/v1/users", UZ_ADMIN, json={"username": "a.karimova", "roles": ["analyst"], "display_name": "Aziza Karimova"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["agency"], created["roles"], created["language"], created["active"]) == ("UZ-NCB", ["analyst"], "en", True)
    assert response.headers["Location"] == f"/v1/users/{created['id']}"
    assert api.get(response.headers["Location"], UZ_ADMIN).json() == created

    change = {"roles": ["analyst", "editor"], "language": "ru", "display_name": "Азиза Каримова"}
    updated = api.patch(f"/v1/users/{created['id']}", UZ_ADMIN, json=change).json()
    assert (updated["roles"], updated["language"], updated["display_name"]) == (["analyst", "editor"], "ru", "Азиза Каримова")
    assert "a.karimova" in _usernames(api)


@pytest.mark.parametrize(
    ("new", "field"),
    [
        ({"username": "Upper", "roles": ["analyst"]}, "username"),
        ({"username": "ab", "roles": ["analyst"]}, "username"),
        ({"username": "-dash", "roles": ["analyst"]}, "username"),
        ({"username": "good.name", "roles": []}, "roles"),
        ({"username": "good.name", "roles": ["janitor"]}, "roles[0]"),
        ({"username": "good.name", "roles": ["analyst"], "language": "de"}, "language"),
        ({"username": "good.name", "roles": ["analyst"], "agency": "no such agency!"}, "agency"),
        ({"username": "good.name", "roles": ["analyst"], "password": "x"}, "password"),
    ],
)
def test_bad_users_are_refused_naming_the_field(api: Api, new: dict[str, Any], field: str) -> None:
    before = _usernames(api)
    assert field in fault_fields(api.post("/v1/users", UZ_ADMIN, json=new))
    assert _usernames(api) == before


def test_an_agency_admin_stays_within_their_agency(api: Api) -> None:
    before = _usernames(api, caller=SEC_ADMIN)
    other = api.post("/v1/users", UZ_ADMIN, json={"username": "intruder", "agency": "KZ-NCB", "roles": ["analyst"]})
    assert "KZ-NCB" in error_of(other, 403)["message"]
    auditor = api.post("/v1/users", UZ_ADMIN, json={"username": "self.auditor", "roles": ["auditor"]})
    assert "secretariat" in error_of(auditor, 403)["message"]
    assert _usernames(api, caller=SEC_ADMIN) == before

    kz_analyst = api.world.scope("KZ-NCB", Role.ANALYST).user_id
    assert error_of(api.get(f"/v1/users/{kz_analyst}", UZ_ADMIN), 404)["code"] == "not_found"
    assert error_of(api.patch(f"/v1/users/{kz_analyst}", UZ_ADMIN, json={"active": False}), 404)["code"] == "not_found"
    assert api.get("/v1/me", ("KZ-NCB", Role.ANALYST)).status_code == 200
    assert error_of(api.get("/v1/users", UZ_ADMIN, params={"agency": "KZ-NCB"}), 403)["code"] == "forbidden"
    assert _usernames(api) == {u for u in before if u.startswith("uz-ncb-")}


def test_the_secretariat_manages_every_agency(api: Api) -> None:
    created = api.post("/v1/users", SEC_ADMIN, json={"username": "kz.auditor", "agency": "kz-ncb", "roles": ["auditor"]})
    assert created.status_code == 201, created.text
    assert created.json()["agency"] == "KZ-NCB"
    assert "kz.auditor" in _usernames(api, caller=SEC_ADMIN, agency="KZ-NCB")
    assert "kz.auditor" in _usernames(api, caller=KZ_ADMIN)
    assert error_of(api.patch(f"/v1/users/{created.json()['id']}", KZ_ADMIN, json={"roles": ["analyst"]}), 403)["code"] == "forbidden"


def test_usernames_are_unique(api: Api) -> None:
    response = api.post("/v1/users", UZ_ADMIN, json={"username": "uz-ncb-editor", "roles": ["analyst"]})
    assert "taken" in error_of(response, 409)["message"]


def test_users_without_management_roles_are_forbidden(api: Api) -> None:
    assert error_of(api.get("/v1/users", UZ_EDITOR), 403)["code"] == "forbidden"
    assert error_of(api.post("/v1/users", UZ_ANALYST, json={"username": "sneaky", "roles": ["editor"]}), 403)["code"] == "forbidden"
    editor_id = api.world.scope(*UZ_EDITOR).user_id
    assert api.get(f"/v1/users/{editor_id}", UZ_EDITOR).json()["username"] == "uz-ncb-editor"
    assert error_of(api.patch(f"/v1/users/{editor_id}", UZ_EDITOR, json={"roles": ["secretariat"]}), 403)["code"] == "forbidden"
    assert api.get("/v1/me", UZ_EDITOR).json()["roles"] == ["editor"]


def test_an_admin_cannot_deactivate_themself(api: Api) -> None:
    admin = api.world.scope(*UZ_ADMIN).user_id
    assert "active" in fault_fields(api.patch(f"/v1/users/{admin}", UZ_ADMIN, json={"active": False}))
    assert api.get("/v1/me", UZ_ADMIN).status_code == 200
