"""Agencies: listed to every user, admitted and changed by the secretariat only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.calls import KZ_ADMIN, SEC_ADMIN, UZ_ANALYST, UZ_OFFICER, Api, error_of, fault_fields

KYRGYZ = {"code": "KG-NCB", "name": "National Central Bureau Bishkek", "country": "kgz", "kind": "national_bureau"}


def _codes(api: Api) -> list[str]:
    return [a["code"] for a in api.get("/v1/agencies", UZ_OFFICER).json()["items"]]


def test_every_user_lists_and_reads_agencies(api: Api) -> None:
    assert _codes(api) == sorted(["SEC", "KZ-NCB", "KZ-FIU", "UZ-NCB", "TJ-NCB", "CARICC"])
    fiu = api.get("/v1/agencies/kz-fiu", UZ_OFFICER).json()
    assert (fiu["code"], fiu["country"], fiu["kind"], fiu["parent"], fiu["active"]) == ("KZ-FIU", "KAZ", "national_service", "KZ-NCB", True)
    assert error_of(api.get("/v1/agencies/XX-NCB", UZ_OFFICER), 404)["code"] == "not_found"


def test_the_secretariat_admits_an_agency(api: Api) -> None:
    response = api.post("/v1/agencies", SEC_ADMIN, json=KYRGYZ)
    assert response.status_code == 201, response.text
    assert response.json()["country"] == "KGZ"
    assert response.headers["Location"] == "/v1/agencies/KG-NCB"
    assert "KG-NCB" in _codes(api)
    assert "already exists" in error_of(api.post("/v1/agencies", SEC_ADMIN, json=KYRGYZ), 409)["message"]


@pytest.mark.parametrize(
    ("change", "field", "fault"),
    [
        ({"country": "XYZ"}, "country", "unknown country code 'XYZ'"),
        ({"code": "K"}, "code", "pattern"),
        ({"kind": "embassy"}, "kind", "national_bureau"),
        ({"name": "N" * 201}, "name", "200"),
        ({"kind": "national_service"}, "parent", "national bureau"),
        ({"kind": "national_service", "parent": "UZ-NCB"}, "parent", "UZB"),
        ({"parent": "NOPE"}, "parent", "no agency NOPE"),
    ],
)
def test_a_bad_agency_is_refused_naming_the_field(api: Api, change: dict[str, Any], field: str, fault: str) -> None:
    faults = fault_fields(api.post("/v1/agencies", SEC_ADMIN, json={**KYRGYZ, **change}))
    assert fault in faults[field]
    assert "KG-NCB" not in _codes(api)


def test_only_the_secretariat_admits_and_changes_agencies(api: Api) -> None:
    assert error_of(api.post("/v1/agencies", KZ_ADMIN, json=KYRGYZ), 403)["code"] == "forbidden"
    assert error_of(api.patch("/v1/agencies/KZ-NCB", KZ_ADMIN, json={"name": "Renamed"}), 403)["code"] == "forbidden"
    assert "KG-NCB" not in _codes(api)
    assert api.get("/v1/agencies/KZ-NCB", UZ_ANALYST).json()["name"] == "National Central Bureau Astana"


def test_the_secretariat_renames_and_suspends(api: Api) -> None:
    renamed = api.patch("/v1/agencies/TJ-NCB", SEC_ADMIN, json={"name": "NCB Dushanbe"})
    assert renamed.json()["name"] == "NCB Dushanbe"
    assert api.patch("/v1/agencies/TJ-NCB", SEC_ADMIN, json={"active": False}).json()["active"] is False
    assert api.get("/v1/agencies/TJ-NCB", UZ_ANALYST).json() == {**renamed.json(), "active": False}
    assert "active" in fault_fields(api.patch("/v1/agencies/SEC", SEC_ADMIN, json={"active": False}))
    assert error_of(api.patch("/v1/agencies/NOPE", SEC_ADMIN, json={"name": "x"}), 404)["code"] == "not_found"
