"""Every record endpoint, called by an agency that may not see the record and by a role that may not act."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kalkan.store.database import Database
from tests import factories
from tests.api.calls import (
    KZ_ANALYST,
    KZ_EDITOR,
    TJ_ANALYST,
    TJ_EDITOR,
    UZ_ANALYST,
    UZ_EDITOR,
    UZ_OFFICER,
    Api,
    Caller,
    body,
    denied,
    error_of,
    written,
)

SECRET_NAME = "Jalolov Aziz Rustamovich"


def _endpoints(record_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every endpoint that names one record: method, path and what to send."""
    replacement = body(factories.person(remarks="overwritten"))
    return [
        ("GET", f"/v1/records/{record_id}", {}),
        ("PUT", f"/v1/records/{record_id}", {"json": replacement, "headers": {"If-Match": '"1"'}}),
        ("POST", f"/v1/records/{record_id}/cancel", {"json": {"reason": "not mine", "version": 1}}),
        ("GET", f"/v1/records/{record_id}/links", {}),
    ]


def _reveals_nothing(response: httpx.Response) -> None:
    text = response.text
    assert SECRET_NAME not in text
    assert "UZ-NCB" not in text
    assert "terrorism" not in text


@pytest.mark.parametrize(
    ("restriction", "caller"),
    [
        ({"mode": "owner"}, KZ_EDITOR),
        ({"mode": "only", "agencies": ["TJ-NCB"]}, KZ_EDITOR),
        ({"mode": "except", "agencies": ["TJ-NCB"]}, TJ_EDITOR),
    ],
)
def test_a_record_the_agency_may_not_see_is_not_found_on_every_endpoint(
    api: Api, db: Database, restriction: dict[str, Any], caller: Caller
) -> None:
    hidden = api.create(factories.person(restriction=restriction), UZ_EDITOR)
    before = written(db)
    for method, path, send in _endpoints(hidden["id"]):
        response = api.call(method, path, caller, **send)
        error = error_of(response, 404)
        assert error["code"] == "not_found"
        _reveals_nothing(response)
    assert written(db) == before
    assert api.get(f"/v1/records/{hidden['id']}", UZ_ANALYST).json()["version"] == 1

    listed = api.get("/v1/records", caller, params={"q": "jalolov", "status": "any"})
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    assert listed.json()["total"] == 0
    assert api.get("/v1/records", caller, params={"owner": "UZ-NCB"}).json()["total"] == 0


def test_restriction_lists_decide_who_sees(api: Api) -> None:
    only_kz = api.create(factories.person(restriction={"mode": "only", "agencies": ["KZ-NCB"]}))
    except_kz = api.create(factories.person(restriction={"mode": "except", "agencies": ["KZ-NCB"]}))
    owner_only = api.create(factories.person(restriction={"mode": "owner"}))
    seen = {caller: {i["id"] for i in api.get("/v1/records", caller).json()["items"]} for caller in (KZ_ANALYST, TJ_ANALYST, UZ_ANALYST)}
    assert seen[KZ_ANALYST] == {only_kz["id"]}
    assert seen[TJ_ANALYST] == {except_kz["id"]}
    assert seen[UZ_ANALYST] == {only_kz["id"], except_kz["id"], owner_only["id"]}


def test_denied_requests_are_audited_as_the_caller(api: Api, db: Database) -> None:
    hidden = api.create(factories.person(restriction={"mode": "owner"}))
    api.get(f"/v1/records/{hidden['id']}", KZ_ANALYST)
    api.put(f"/v1/records/{hidden['id']}", KZ_EDITOR, json=body(factories.person()), headers={"If-Match": '"1"'})
    entries = denied(db)
    assert [(user, agency) for user, agency, _ in entries] == [("kz-ncb-analyst", "KZ-NCB"), ("kz-ncb-editor", "KZ-NCB")]
    assert entries[0][2].startswith(f"GET /v1/records/{hidden['id']}: ")
    assert entries[1][2].startswith(f"PUT /v1/records/{hidden['id']}: ")


@pytest.mark.parametrize(
    ("caller", "method", "path"),
    [
        (UZ_OFFICER, "GET", "/v1/records/{id}"),
        (UZ_OFFICER, "GET", "/v1/records"),
        (UZ_OFFICER, "GET", "/v1/records/{id}/links"),
        (UZ_ANALYST, "POST", "/v1/records"),
        (UZ_ANALYST, "PUT", "/v1/records/{id}"),
        (UZ_ANALYST, "POST", "/v1/records/{id}/cancel"),
    ],
)
def test_a_role_that_does_not_allow_it_is_forbidden(api: Api, db: Database, caller: Caller, method: str, path: str) -> None:
    record = api.create(factories.person())
    before = written(db)
    send: dict[str, Any] = {}
    if method in ("POST", "PUT"):
        send["json"] = {"reason": "no"} if path.endswith("cancel") else body(factories.person(remarks="mine now"))
    response = api.call(method, path.format(id=record["id"]), caller, headers={"If-Match": '"1"'}, **send)
    error = error_of(response, 403)
    assert error["code"] == "forbidden"
    assert caller[1].value in error["message"]
    assert written(db) == before
    assert denied(db)[-1][0] == f"uz-ncb-{caller[1].value}"


def test_another_agency_may_read_but_not_change_a_shared_record(api: Api, db: Database) -> None:
    shared = api.create(factories.person())
    assert api.get(f"/v1/records/{shared['id']}", KZ_ANALYST).status_code == 200
    before = written(db)
    replaced = api.put(f"/v1/records/{shared['id']}", KZ_EDITOR, json=body(factories.person(gender="female")), headers={"If-Match": '"1"'})
    assert "only its owner may change it" in error_of(replaced, 403)["message"]
    cancelled = api.post(f"/v1/records/{shared['id']}/cancel", KZ_EDITOR, json={"reason": "not theirs"})
    assert error_of(cancelled, 403)["code"] == "forbidden"
    assert written(db) == before
    assert api.get(f"/v1/records/{shared['id']}", UZ_ANALYST).json()["gender"] == "male"


def test_a_link_to_a_restricted_record_is_left_out(api: Api) -> None:
    hidden_person = api.create(factories.person(restriction={"mode": "owner"}))
    group = api.create(factories.organisation())
    link = api.create(factories.link(hidden_person["id"], group["id"]))

    assert [i["id"] for i in api.get(f"/v1/records/{group['id']}/links", UZ_ANALYST).json()["items"]] == [link["id"]]
    assert api.get(f"/v1/records/{group['id']}/links", KZ_ANALYST).json() == {"items": []}
    assert api.get("/v1/records", KZ_ANALYST, params={"kind": "link"}).json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    response = api.get(f"/v1/records/{link['id']}", KZ_ANALYST)
    assert error_of(response, 404)["code"] == "not_found"
    assert hidden_person["id"] not in response.text


def test_a_document_whose_holder_is_restricted_shows_no_holder(api: Api) -> None:
    holder = api.create(factories.person(restriction={"mode": "owner"}))
    document = api.create(factories.travel_document(holder_id=holder["id"]))
    assert api.get(f"/v1/records/{document['id']}", UZ_ANALYST).json()["holder_id"] == holder["id"]

    seen = api.get(f"/v1/records/{document['id']}", KZ_ANALYST)
    assert seen.json()["holder_id"] is None
    assert holder["id"] not in seen.text
    listed = api.get("/v1/records", KZ_ANALYST, params={"kind": "travel_document"}).json()["items"]
    assert [(d["id"], d["holder_id"]) for d in listed] == [(document["id"], None)]


def test_an_event_shows_only_the_persons_the_caller_may_see(api: Api) -> None:
    traveller = api.create(factories.person(restriction={"mode": "owner"}))
    crossing = api.create(factories.event(person_id=traveller["id"]))
    assert api.get(f"/v1/records/{crossing['id']}", KZ_ANALYST).json()["movement"]["person_id"] is None
    assert api.get(f"/v1/records/{crossing['id']}", UZ_ANALYST).json()["movement"]["person_id"] == traveller["id"]


def test_a_record_may_not_point_to_one_the_writer_may_not_see(api: Api, db: Database) -> None:
    hidden = api.create(factories.person(restriction={"mode": "owner"}))
    before = written(db)
    response = api.post("/v1/records", KZ_EDITOR, json=body(factories.travel_document(holder_id=hidden["id"])))
    assert error_of(response, 422)["faults"][0]["field"] == "holder_id"
    assert written(db) == before
