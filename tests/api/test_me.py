"""``GET /v1/me``: who the token belongs to."""

from __future__ import annotations

from kalkan.access.roles import Role
from tests.api.calls import SEC_ADMIN, UZ_EDITOR, Api, error_of


def test_me_names_the_user_their_agency_and_what_they_may_do(api: Api) -> None:
    me = api.get("/v1/me", UZ_EDITOR).json()
    assert me == {
        "user_id": api.world.scope(*UZ_EDITOR).user_id,
        "username": "uz-ncb-editor",
        "agency": "UZ-NCB",
        "roles": ["editor"],
        "permissions": ["read_records", "run_checks", "write_records"],
    }
    assert "manage_agencies" in api.get("/v1/me", SEC_ADMIN).json()["permissions"]


def test_a_token_is_only_as_good_as_its_roles(api: Api) -> None:
    officer = ("KZ-NCB", Role.OFFICER)
    assert api.get("/v1/me", officer).json()["permissions"] == ["run_checks"]
    assert error_of(api.get("/v1/records", officer), 403)["code"] == "forbidden"
