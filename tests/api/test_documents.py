"""POST /v1/documents/cancel: the owner's editor withdraws documents; they stop hitting; a rerun changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kalkan.access.scope import Scope
from kalkan.store import documents
from kalkan.store.database import Database
from kalkan.store.tables import audit_log
from tests.api.calls import KZ_EDITOR, UZ_EDITOR, UZ_OFFICER, Api, error_of, fault_fields

URL = "/v1/documents/cancel"
CHECK = "/v1/checks/documents"


@pytest.fixture
def reported(api: Api, db: Database) -> dict[str, str]:
    with db.transaction() as conn:
        documents.write_batch(
            conn,
            Scope.system("UZ-NCB"),
            [
                documents.DocumentEntry("UZB", "passport", "FA1234567", "stolen", restriction_mode="all"),
                documents.DocumentEntry("UZB", "identity_card", "AB0000001", "lost", restriction_mode="all"),
            ],
        )
        ids = {r.number: r.id for r in conn.execute(select(documents.documents.c.number, documents.documents.c.id))}
    return {number: f"document:{row_id}" for number, row_id in ids.items()}


def outcomes(response_json: dict[str, object]) -> list[tuple[object, ...]]:
    results = response_json["results"]
    assert isinstance(results, list)
    return [(r["index"], r["number"], r["outcome"], r["record_id"]) for r in results]


def test_the_owner_cancels_and_the_documents_stop_hitting(api: Api, db: Database, reported: dict[str, str]) -> None:
    check = {"documents": [{"issuing_state": "UZB", "number": "FA1234567"}]}
    assert api.post(CHECK, UZ_OFFICER, json=check).json()["results"][0]["outcome"] == "hit"
    asked = {
        "documents": [
            {"issuing_state": "uzb", "number": "fa-123 4567"},
            {"issuing_state": "UZB", "document_type": "identity_card", "number": "AB0000001"},
            {"issuing_state": "UZB", "number": "AB0000001"},  # a passport: not reported
        ],
        "reason": "found by the holder",
    }
    response = api.post(URL, UZ_EDITOR, json=asked)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["cancelled"], answer["already_cancelled"], answer["not_found"]) == (2, 0, 1)
    assert outcomes(answer) == [
        (0, "FA1234567", "cancelled", reported["FA1234567"]),
        (1, "AB0000001", "cancelled", reported["AB0000001"]),
        (2, "AB0000001", "not_found", None),
    ]
    assert api.post(CHECK, UZ_OFFICER, json=check).json()["results"][0]["outcome"] == "no_hit"
    again = api.post(URL, UZ_EDITOR, json=asked).json()
    assert (again["cancelled"], again["already_cancelled"], again["not_found"]) == (0, 2, 1)
    with db.transaction() as conn:
        (entry,) = conn.execute(select(audit_log).where(audit_log.c.action == "document.cancel")).all()
    assert json.loads(entry.record_ids) == sorted(reported.values())
    assert entry.detail.endswith(": found by the holder")
    assert (entry.agency, entry.username) == ("UZ-NCB", "uz-ncb-editor")


def test_only_the_owners_editors_cancel(api: Api, db: Database, reported: dict[str, str]) -> None:
    asked = {"documents": [{"issuing_state": "UZB", "number": "FA1234567"}], "reason": "found"}
    assert api.post(URL, KZ_EDITOR, json=asked).json()["not_found"] == 1  # another agency's document
    assert error_of(api.post(URL, UZ_OFFICER, json=asked), 403)
    assert error_of(api.post(URL, None, json=asked), 401)
    with db.transaction() as conn:
        assert (
            conn.execute(select(documents.documents.c.status).where(documents.documents.c.number == "FA1234567")).scalar_one() == "active"
        )


def test_faults_name_the_document_and_field(api: Api, reported: dict[str, str]) -> None:
    faults = fault_fields(
        api.post(
            URL,
            UZ_EDITOR,
            json={"documents": [{"issuing_state": "UZB", "number": "FA1"}, {"issuing_state": "XYZ", "number": "A!"}], "reason": "x"},
        )
    )
    assert set(faults) == {"documents[1].issuing_state", "documents[1].number"}
    assert "reason" in fault_fields(
        api.post(URL, UZ_EDITOR, json={"documents": [{"issuing_state": "UZB", "number": "FA1"}], "reason": " "})
    )
    too_many = {"documents": [{"issuing_state": "UZB", "number": "FA1"}] * 1001, "reason": "found"}
    assert "documents" in fault_fields(api.post(URL, UZ_EDITOR, json=too_many))
    assert "documents" in fault_fields(api.post(URL, UZ_EDITOR, json={"documents": [], "reason": "found"}))
