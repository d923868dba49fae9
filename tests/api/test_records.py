"""Records over HTTP: every kind created, read, replaced, cancelled, listed and linked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kalkan.model.records import RecordModel
from kalkan.store.database import Database
from tests import factories
from tests.api.calls import KZ_ANALYST, KZ_EDITOR, UZ_ANALYST, UZ_EDITOR, Api, body, error_of, fault_fields, written

Build = Callable[[Api], RecordModel]

#: kind -> how to build a record of it, creating the records it points to first.
KINDS: dict[str, Build] = {
    "person": lambda api: factories.person(),
    "organisation": lambda api: factories.organisation(),
    "travel_document": lambda api: factories.travel_document(holder_id=api.create(factories.person())["id"]),
    "link": lambda api: factories.link(api.create(factories.person())["id"], api.create(factories.organisation())["id"]),
    "event": lambda api: factories.event(person_id=api.create(factories.person())["id"]),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_created_read_replaced_cancelled_and_listed(api: Api, kind: str) -> None:
    record = KINDS[kind](api)
    response = api.post("/v1/records", UZ_EDITOR, json=body(record))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["kind"] == kind
    assert created["owner"] == "UZ-NCB"
    assert created["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/v1/records/{created['id']}"

    read = api.get(response.headers["Location"], KZ_ANALYST)
    assert read.status_code == 200
    assert read.json() == created
    assert read.headers["ETag"] == '"1"'

    replaced = api.put(f"/v1/records/{created['id']}", UZ_EDITOR, json=body(record, remarks="checked"), headers={"If-Match": '"1"'})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["remarks"] == "checked"
    assert replaced.json()["version"] == 2
    assert replaced.headers["ETag"] == '"2"'
    assert api.get(f"/v1/records/{created['id']}", UZ_ANALYST).json()["remarks"] == "checked"

    listed = api.get("/v1/records", KZ_ANALYST, params={"kind": kind}).json()
    assert created["id"] in [item["id"] for item in listed["items"]]
    assert {item["kind"] for item in listed["items"]} == {kind}

    links = api.get(f"/v1/records/{created['id']}/links", KZ_ANALYST)
    assert links.status_code == 200
    assert links.json() == {"items": []}

    cancelled = api.post(f"/v1/records/{created['id']}/cancel", UZ_EDITOR, json={"reason": "entered twice", "version": 2})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.headers["ETag"] == '"3"'
    active = api.get("/v1/records", KZ_ANALYST, params={"kind": kind}).json()
    assert created["id"] not in [item["id"] for item in active["items"]]
    every = api.get("/v1/records", KZ_ANALYST, params={"kind": kind, "status": "any"}).json()
    assert created["id"] in [item["id"] for item in every["items"]]


def test_links_of_a_record_from_either_end(api: Api) -> None:
    person = api.create(factories.person())
    group = api.create(factories.organisation())
    other = api.create(factories.person(names=["Karimov Bekzod"]))
    member = api.create(factories.link(person["id"], group["id"]))
    api.create(factories.link(other["id"], group["id"], link_type="leader_of"))

    from_person = api.get(f"/v1/records/{person['id']}/links", KZ_ANALYST).json()["items"]
    assert [link["id"] for link in from_person] == [member["id"]]
    assert from_person[0]["source_id"] == person["id"]
    from_group = api.get(f"/v1/records/{group['id']}/links", KZ_ANALYST).json()["items"]
    assert len(from_group) == 2
    assert {link["link_type"] for link in from_group} == {"member_of", "leader_of"}


def test_an_id_in_the_body_is_refused(api: Api, db: Database) -> None:
    before = written(db)
    response = api.post("/v1/records", UZ_EDITOR, json=body(factories.person(), id="a" * 32))
    assert "id" in fault_fields(response)
    assert written(db) == before


def test_replacing_needs_if_match_and_a_stale_one_changes_nothing(api: Api, db: Database) -> None:
    created = api.create(factories.person())
    url = f"/v1/records/{created['id']}"
    before = written(db)

    missing = api.put(url, UZ_EDITOR, json=body(factories.person(gender="female")))
    error = error_of(missing, 428)
    assert error["code"] == "precondition_required"
    assert "If-Match" in error["message"]

    malformed = api.put(url, UZ_EDITOR, json=body(factories.person(gender="female")), headers={"If-Match": 'W/"1"'})
    assert "If-Match" in fault_fields(malformed)
    assert written(db) == before

    api.put(url, UZ_EDITOR, json=body(factories.person(gender="female")), headers={"If-Match": '"1"'})
    after_first = written(db)
    stale = api.put(url, UZ_EDITOR, json=body(factories.person(gender="unknown")), headers={"If-Match": '"1"'})
    assert error_of(stale, 409)["code"] == "conflict"
    assert "version 2, not 1" in stale.json()["error"]["message"]
    assert written(db) == after_first
    current = api.get(url, UZ_ANALYST)
    assert current.json()["gender"] == "female"
    assert current.headers["ETag"] == '"2"'


def test_the_kind_of_a_record_cannot_change(api: Api, db: Database) -> None:
    created = api.create(factories.person())
    before = written(db)
    response = api.put(f"/v1/records/{created['id']}", UZ_EDITOR, json=body(factories.organisation()), headers={"If-Match": '"1"'})
    assert "cannot change" in fault_fields(response)["kind"]
    assert written(db) == before


def test_cancel_needs_a_reason_and_the_current_version(api: Api, db: Database) -> None:
    created = api.create(factories.person())
    url = f"/v1/records/{created['id']}/cancel"
    before = written(db)
    assert "reason" in fault_fields(api.post(url, UZ_EDITOR, json={}))
    assert "reason" in fault_fields(api.post(url, UZ_EDITOR, json={"reason": "   "}))
    assert "reason" in fault_fields(api.post(url, UZ_EDITOR, json={"reason": "x" * 1001}))
    assert error_of(api.post(url, UZ_EDITOR, json={"reason": "duplicate", "version": 7}), 409)["code"] == "conflict"
    assert written(db) == before
    assert api.get(f"/v1/records/{created['id']}", UZ_ANALYST).json()["status"] == "active"

    assert api.post(url, UZ_EDITOR, json={"reason": "duplicate", "version": None}).status_code == 200
    assert "already cancelled" in error_of(api.post(url, UZ_EDITOR, json={"reason": "again"}), 409)["message"]


def _ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_list_filters_and_pages(api: Api) -> None:
    wanted = api.create(factories.person(external_refs=[{"scheme": "un", "value": "QDi.431"}]))
    other = api.create(factories.person(names=["Karimov Bekzod"], review_date="2020-01-01"))
    group = api.create(factories.organisation())
    theirs = api.create(factories.person(names=["Nurlanov Daniyar"]), KZ_EDITOR)

    assert _ids(api.get("/v1/records", KZ_ANALYST, params={"q": "жалолов"})) == {wanted["id"]}
    assert _ids(api.get("/v1/records", KZ_ANALYST, params={"ref_scheme": "UN", "ref_value": "QDi.431"})) == {wanted["id"]}
    assert _ids(api.get("/v1/records", KZ_ANALYST, params={"ref_value": "QDi.431"})) == {wanted["id"]}
    assert _ids(api.get("/v1/records", KZ_ANALYST, params={"kind": "organisation"})) == {group["id"]}
    assert _ids(api.get("/v1/records", KZ_ANALYST, params={"owner": "kz-ncb"})) == {theirs["id"]}
    assert _ids(api.get("/v1/records", KZ_ANALYST, params={"review_overdue": "true"})) == {other["id"]}

    everything = {wanted["id"], other["id"], group["id"], theirs["id"]}
    first = api.get("/v1/records", KZ_ANALYST, params={"limit": 3}).json()
    second = api.get("/v1/records", KZ_ANALYST, params={"limit": 3, "offset": 3}).json()
    assert (first["total"], first["limit"], first["offset"]) == (4, 3, 0)
    assert len(first["items"]) == 3
    assert second["total"] == 4
    assert {i["id"] for i in first["items"]} | {i["id"] for i in second["items"]} == everything


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"kind": "vehicle"}, "kind"),
        ({"status": "deleted"}, "status"),
        ({"ref_scheme": "un"}, "ref_scheme"),
        ({"stauts": "any"}, "stauts"),
    ],
)
def test_list_refuses_bad_parameters_naming_them(api: Api, params: dict[str, Any], field: str) -> None:
    assert field in fault_fields(api.get("/v1/records", KZ_ANALYST, params=params))
