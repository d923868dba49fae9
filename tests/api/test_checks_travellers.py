"""POST /v1/checks/travellers and /v1/hits: verdicts, what a restricted hit shows, faults, tokens, resolutions."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from kalkan.access.roles import Role
from kalkan.api.app import create_app
from kalkan.settings import Settings
from kalkan.store.clock import now
from kalkan.store.database import Database
from kalkan.store.hits import checks as hit_checks
from kalkan.store.outbox import notifications
from kalkan.store.tables import audit_log, tokens
from kalkan.store.users import hash_token
from tests import factories
from tests.api.calls import KZ_ANALYST, TJ_ANALYST, UZ_ANALYST, UZ_EDITOR, Api, error_of, fault_fields
from tests.screening.test_travellers import MRZ, create_person, red_notice, report_stolen

URL = "/v1/checks/travellers"
TJ_OFFICER = ("TJ-NCB", Role.OFFICER)
CONTEXT = {"border_post": "Dusti", "direction": "entry", "carrier": "Somon Air", "flight": "SZ 202"}


@pytest.fixture
def wanted(api: Api, db: Database) -> dict[str, str]:
    """Jalolov (UZ-NCB's person, under KZ-NCB's red notice), his stolen passport, and a restricted stolen one."""
    person = create_person(db, api.world)
    return {
        "person": person,
        "notice": red_notice(db, api.world, person),
        "passport": report_stolen(db, restriction_mode="all"),
        "restricted": report_stolen(db, "N7654321", restriction_mode="owner", hit_disclosure="contact_owner"),
        "hidden": report_stolen(db, "N1111111", restriction_mode="owner", hit_disclosure="nothing"),
    }


def test_a_manifest_answers_each_traveller_with_a_verdict(api: Api, db: Database, wanted: dict[str, str]) -> None:
    response = api.post(
        URL,
        TJ_OFFICER,
        json={
            "context": CONTEXT,
            "travellers": [
                {"mrz": MRZ},
                {"issuing_state": "UZB", "number": "N7654321"},
                {"issuing_state": "UZB", "number": "N1111111", "names": ["Ivanov Pyotr"]},
            ],
        },
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["verdict"] for r in results] == ["hit", "possible_hit", "no_hit"]
    by_record = {hit["record_id"]: hit for hit in results[0]["hits"]}
    assert set(by_record) == {wanted["person"], wanted["passport"]}
    person = by_record[wanted["person"]]
    assert (person["contact_agency"], person["record_kind"], person["restricted"]) == ("UZ-NCB", "person", False)
    assert person["score"] > 0
    assert person["explanation"]["features"]
    (notice,) = person["notices"]
    assert (notice["notice_id"], notice["notice_type"], notice["requesting_agency"]) == (wanted["notice"], "red", "KZ-NCB")
    assert notice["action_to_take"].startswith("Arrest")
    assert by_record[wanted["passport"]]["document"]["document_status"] == "stolen"
    (restricted,) = results[1]["hits"]
    assert set(restricted) == {"outcome", "restricted", "contact_agency", "hit_id"}
    assert (restricted["outcome"], restricted["restricted"], restricted["contact_agency"]) == ("possible_hit", True, "KZ-NCB")
    assert wanted["hidden"] not in response.text
    assert wanted["restricted"] not in response.text
    with db.transaction() as conn:
        (entry,) = conn.execute(select(audit_log).where(audit_log.c.action == "check.travellers")).all()
        told = conn.execute(select(notifications.c.agency, notifications.c.payload)).all()
    assert set(json.loads(entry.record_ids)) == {wanted["person"], wanted["passport"], wanted["notice"], wanted["restricted"]}
    assert sorted(agency for agency, _ in told) == ["KZ-NCB", "KZ-NCB", "KZ-NCB", "UZ-NCB"]


def test_the_record_behind_a_restricted_hit_stays_hidden(api: Api, db: Database) -> None:
    hidden = create_person(db, api.world, restriction={"mode": "owner", "hit_disclosure": "contact_owner"})
    response = api.post(URL, TJ_OFFICER, json={"travellers": [{"mrz": MRZ}], "context": CONTEXT})
    (hit,) = response.json()["results"][0]["hits"]
    assert (hit["restricted"], hit["contact_agency"]) == (True, "UZ-NCB")
    assert hidden not in response.text
    assert error_of(api.get(f"/v1/records/{hidden}", TJ_ANALYST), 404)
    assert error_of(api.get(f"/v1/hits/{hit['hit_id']}/resolve", TJ_ANALYST), 405)
    assert error_of(api.post(f"/v1/hits/{hit['hit_id']}/resolve", TJ_ANALYST, json={"state": "handled"}), 404)
    (owned,) = api.get("/v1/hits?state=open", UZ_ANALYST).json()["items"]
    assert (owned["id"], owned["record_id"], owned["checking_agency"], owned["restricted"]) == (hit["hit_id"], hidden, "TJ-NCB", True)
    assert owned["context"]["border_post"] == "Dusti"
    assert api.get("/v1/hits", KZ_ANALYST).json()["items"] == []


def test_the_owner_resolves_a_hit_and_a_false_positive_is_remembered(api: Api, db: Database) -> None:
    person = create_person(db, api.world)
    first = api.post(URL, TJ_OFFICER, json={"travellers": [{"mrz": MRZ}]}).json()["results"][0]
    (hit,) = first["hits"]
    assert error_of(api.post(f"/v1/hits/{hit['hit_id']}/resolve", TJ_OFFICER, json={"state": "false_positive"}), 403)
    assert "state" in fault_fields(api.post(f"/v1/hits/{hit['hit_id']}/resolve", UZ_EDITOR, json={"state": "open"}))
    resolved = api.post(f"/v1/hits/{hit['hit_id']}/resolve", UZ_EDITOR, json={"state": "false_positive", "note": "another Jalolov"})
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["state"], resolved.json()["note"], resolved.json()["resolved_by"]) == (
        "false_positive",
        "another Jalolov",
        "uz-ncb-editor",
    )
    assert api.get("/v1/hits?state=open", UZ_ANALYST).json()["items"] == []
    assert [h["id"] for h in api.get("/v1/hits?state=false_positive", UZ_ANALYST).json()["items"]] == [hit["hit_id"]]

    again = api.post(URL, TJ_OFFICER, json={"travellers": [{"mrz": MRZ}]}).json()["results"][0]
    assert (again["verdict"], again["hits"]) == ("no_hit", [])
    assert [h["record_id"] for h in again["remembered_false_positives"]] == [person]


def test_faults_name_the_traveller_and_field(api: Api) -> None:
    faults = fault_fields(
        api.post(
            URL,
            TJ_OFFICER,
            json={"travellers": [{"mrz": MRZ}, {}, {"issuing_state": "UZB"}, {"mrz": "P<"}], "context": {"direction": "sideways"}},
        )
    )
    assert "context.direction" in faults
    faults = fault_fields(api.post(URL, TJ_OFFICER, json={"travellers": [{"mrz": MRZ}, {}, {"issuing_state": "UZB"}, {"mrz": "P<"}]}))
    assert set(faults) == {"travellers[1]", "travellers[2].number", "travellers[3].mrz"}
    assert "no identifying data" in faults["travellers[1]"]
    assert "travellers" in fault_fields(api.post(URL, TJ_OFFICER, json={"travellers": [{"names": ["A B"]}] * 1001}))


def test_a_revoked_token_is_refused(api: Api, db: Database) -> None:
    with db.transaction() as conn:
        conn.execute(update(tokens).where(tokens.c.token_hash == hash_token(api.world.token(*TJ_OFFICER))).values(revoked_at=now()))
    error = error_of(api.post(URL, TJ_OFFICER, json={"travellers": [{"mrz": MRZ}]}), 401)
    assert "revoked" in error["message"]
    assert error_of(api.get("/v1/hits", None), 401)


def test_a_movement_is_recorded_when_the_deployment_asks(api: Api, db: Database, settings: Settings) -> None:
    person = create_person(db, api.world)
    off = api.post(URL, TJ_OFFICER, json={"travellers": [{"mrz": MRZ}], "context": CONTEXT}).json()["results"][0]
    assert off["movement_id"] is None
    with TestClient(create_app(settings.model_copy(update={"record_movements": True}))) as client:
        headers = {"Authorization": f"Bearer {api.world.token(*TJ_OFFICER)}"}
        on = client.post(URL, headers=headers, json={"travellers": [{"mrz": MRZ}], "context": CONTEXT}).json()["results"][0]
    assert on["movement_id"] is not None
    event = api.get(f"/v1/records/{on['movement_id']}", TJ_ANALYST).json()
    assert (event["owner"], event["movement"]["person_id"], event["movement"]["direction"]) == ("TJ-NCB", person, "entry")
    assert error_of(api.get(f"/v1/records/{on['movement_id']}", UZ_ANALYST), 404)  # owner only by default
    assert factories.SECRETARIAT not in event["restriction"]["agencies"]


def test_a_check_without_hits_writes_its_audit_entry_and_nothing_else(api: Api, db: Database, wanted: dict[str, str]) -> None:
    def written() -> tuple[int, int, int]:
        with db.transaction() as conn:
            return (
                len(conn.execute(select(hit_checks)).all()),
                len(conn.execute(select(notifications)).all()),
                len(conn.execute(select(audit_log).where(audit_log.c.action == "check.travellers")).all()),
            )

    before = written()
    response = api.post(URL, TJ_OFFICER, json={"travellers": [{"issuing_state": "UZB", "number": "ZZ0000000", "names": ["Ivanov Pyotr"]}]})
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["verdict"] == "no_hit"
    assert written() == (before[0], before[1], before[2] + 1)
    hit = api.post(URL, TJ_OFFICER, json={"travellers": [{"mrz": MRZ}], "context": CONTEXT})
    assert hit.json()["results"][0]["verdict"] == "hit"
    checks, told, entries = written()
    assert (checks, entries) == (before[0] + 1, before[2] + 2)
    assert told > before[1]
