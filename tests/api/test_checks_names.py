"""POST /v1/checks/persons and /v1/checks/organisations: ranking, hits, explanations, access, audit, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kalkan.settings import Settings
from kalkan.store.database import Database
from kalkan.store.tables import audit_log
from tests import factories
from tests.api.calls import KZ_ANALYST, TJ_ANALYST, UZ_EDITOR, UZ_OFFICER, Api, body, fault_fields
from tests.api.conftest import MAX_REQUEST_BYTES


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, max_request_bytes=MAX_REQUEST_BYTES, index_dir=tmp_path / "index")


def persons(api: Api, query: dict[str, Any], caller: Any = UZ_OFFICER) -> dict[str, Any]:
    response = api.post("/v1/checks/persons", caller, json=query)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["results"][0]
    return result


# (query, expected: the record found first and a hit)
CASES = [
    ({"name": "Zhalolov Aziz"}, True),  # Russian romanisation of Жалолов
    ({"name": "Жалолов Азиз"}, True),  # the record's own Cyrillic name
    ({"name": "Aziz Jalolov", "birth_date": "1984"}, True),  # any order, partial date
    ({"name": "Djalolov Azis"}, True),  # another spelling and a typo
    ({"name": "Rustam Karimov"}, False),  # someone else
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_a_person_is_found_by_name_in_any_script(api: Api, query: dict[str, Any], expected: bool) -> None:
    record = api.create(factories.person())
    result = persons(api, query)
    found = [c for c in result["candidates"] if c["hit"]]
    assert bool(found) is expected
    if expected:
        assert found[0]["record_id"] == record["id"]
        assert result["hit"] is True
        explanation = found[0]["explanation"]
        assert explanation["features"][0]["name"] == "name_match"
        assert {part["via"] for part in explanation["parts"]} <= {"loose", "stem", "skeleton", "spelling", "initial", "joined"}


def test_date_of_birth_far_apart_lowers_the_score_below_the_threshold(api: Api) -> None:
    api.create(factories.person())
    close = persons(api, {"name": "Jalolov Aziz", "birth_date": "1984-03-12"})["candidates"][0]
    far = persons(api, {"name": "Jalolov Aziz", "birth_date": "1950"})["candidates"][0]
    assert close["score"] > far["score"]
    assert "dob_year_disjoint" in {f["name"] for f in far["explanation"]["features"]}


def test_a_batch_answers_each_query_in_order_and_is_audited_once(api: Api, db: Database) -> None:
    record = api.create(factories.person(external_refs=[{"scheme": "un", "value": "QDi.123"}]))
    response = api.post("/v1/checks/persons", UZ_OFFICER, json={"queries": [{"name": "Nobody Atall"}, {"name": "Жалолов Азиз"}], "top": 3})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["query"] for r in results] == [0, 1]
    assert results[0]["hit"] is False
    assert results[1]["candidates"][0]["external_refs"] == [{"scheme": "un", "value": "QDi.123"}]
    with db.transaction() as conn:
        entries = conn.execute(select(audit_log).where(audit_log.c.action == "check.persons")).all()
    assert len(entries) == 1
    assert json.loads(entries[0].record_ids) == [record["id"]]
    assert entries[0].query_digest


def test_organisations_are_checked_apart_from_persons(api: Api) -> None:
    organisation = api.create(factories.organisation())
    api.create(factories.person())
    response = api.post("/v1/checks/organisations", UZ_OFFICER, json={"name": "Союз исламского джихада"})
    assert response.status_code == 200, response.text
    candidates = response.json()["results"][0]["candidates"]
    assert [c["record_id"] for c in candidates if c["hit"]] == [organisation["id"]]


def test_a_record_the_caller_may_not_see_is_never_returned(api: Api) -> None:
    api.create(factories.person(restriction={"mode": "only", "agencies": ["KZ-NCB"]}))
    assert persons(api, {"name": "Jalolov Aziz"}, KZ_ANALYST)["hit"] is True
    hidden = persons(api, {"name": "Jalolov Aziz"}, TJ_ANALYST)
    assert hidden == {"query": 0, "hit": False, "candidates": [], "contact_agencies": []}


def test_contact_owner_says_whom_to_contact_and_nothing_more(api: Api) -> None:
    api.create(factories.person(restriction={"mode": "owner", "hit_disclosure": "contact_owner"}))
    result = persons(api, {"name": "Jalolov Aziz"}, TJ_ANALYST)
    assert result == {"query": 0, "hit": True, "candidates": [], "contact_agencies": ["UZ-NCB"]}


def test_a_cancelled_record_drops_out_and_an_update_is_seen(api: Api) -> None:
    record = api.create(factories.person())
    assert persons(api, {"name": "Jalolov Aziz"})["hit"] is True
    renamed = body(factories.person(), names=[{"value": "Karimov Rustam"}])
    response = api.put(f"/v1/records/{record['id']}", UZ_EDITOR, json=renamed, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    api.client.app.state.services.names.refresh_seconds = 0  # type: ignore[attr-defined]
    assert persons(api, {"name": "Jalolov Aziz"})["hit"] is False
    assert persons(api, {"name": "Karimov Rustam"})["hit"] is True
    response = api.post(f"/v1/records/{record['id']}/cancel", UZ_EDITOR, json={"reason": "closed"})
    assert response.status_code == 200, response.text
    assert persons(api, {"name": "Karimov Rustam"})["candidates"] == []


BAD = [
    ({"name": ""}, "queries[0].name"),
    ({"name": "?!..."}, "queries[0].names[0]"),
    ({"name": "x" * 10_000}, "queries[0].name"),
    ({"name": "Иvанов Пётр"}, "queries[0].names[0]"),
    ({"names": []}, "queries[0].names"),
    ({"queries": []}, "queries"),
    ({"name": "Ali", "birth_date": "1984-13"}, "queries[0].birth_date"),
]


@pytest.mark.parametrize(("query", "field"), BAD)
def test_bad_input_names_its_field(api: Api, query: dict[str, Any], field: str) -> None:
    api.create(factories.person())
    faults = fault_fields(api.post("/v1/checks/persons", UZ_OFFICER, json=query))
    assert field in faults


def test_a_caller_without_a_token_is_refused(api: Api) -> None:
    assert api.post("/v1/checks/persons", None, json={"name": "Jalolov"}).status_code == 401
