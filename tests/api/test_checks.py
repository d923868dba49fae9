"""POST /v1/checks/documents: single and batch checks, restrictions, faults by field, audit."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence

import httpx
import pytest
from sqlalchemy import Connection, select

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.store import audit, documents
from kalkan.store.audit_writer import AuditWriter, Ticket
from kalkan.store.database import Database
from kalkan.store.tables import audit_log
from tests.api.calls import SEC_AUDITOR, UZ_EDITOR, UZ_OFFICER, Api, error_of, fault_fields

TJ_OFFICER = ("TJ-NCB", Role.OFFICER)
URL = "/v1/checks/documents"
#: Long enough never to be reached by a test that passes; a broken writer fails instead of hanging.
PATIENCE = 30.0


@pytest.fixture
def stolen(api: Api, db: Database) -> dict[str, str]:
    """Documents reported by KZ-NCB: one for all, one restricted with "contact us", and one record of the records API."""
    with db.transaction() as conn:
        documents.write_batch(
            conn,
            Scope.system("KZ-NCB"),
            [
                documents.DocumentEntry("KAZ", "passport", "N1234567", "stolen", restriction_mode="all", reported_on=None),
                documents.DocumentEntry("KAZ", "passport", "N7654321", "lost", restriction_mode="owner", hit_disclosure="contact_owner"),
            ],
        )
        ids = {r.number: r.id for r in conn.execute(select(documents.documents.c.number, documents.documents.c.id))}
    record = api.create(
        {
            "kind": "travel_document",
            "issuing_state": "UZB",
            "number": "FA1234567",
            "document_status": "lost",
            "restriction": {"mode": "all"},
        },
        UZ_EDITOR,
    )
    return {"N1234567": f"document:{ids['N1234567']}", "N7654321": f"document:{ids['N7654321']}", "FA1234567": record["id"]}


def test_a_batch_answers_each_document_in_order(api: Api, db: Database, stolen: dict[str, str]) -> None:
    response = api.post(
        URL,
        TJ_OFFICER,
        json={
            "documents": [
                {"issuing_state": "KAZ", "number": "N1234567"},
                {"issuing_state": "kaz", "document_type": "passport", "number": "NI234567"},
                {"issuing_state": "KAZ", "number": "N7654321"},
                {"issuing_state": "UZB", "number": "FA1234567"},
                {"issuing_state": "FRA", "number": "12AB34567"},
            ]
        },
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["hit", "possible_hit", "hit", "hit", "no_hit"]
    first = results[0]["hits"][0]
    assert (first["record_id"], first["document_status"], first["contact_agency"], first["restricted"]) == (
        stolen["N1234567"],
        "stolen",
        "KZ-NCB",
        False,
    )
    assert results[1]["hits"][0]["differences"] == ["ocr_variant"]
    assert results[1]["hits"][0]["matched_number"] == "N1234567"
    restricted = results[2]["hits"][0]
    assert restricted == {"outcome": "hit", "differences": [], "restricted": True, "contact_agency": "KZ-NCB"}
    assert results[3]["hits"][0]["record_id"] == stolen["FA1234567"]
    with db.transaction() as conn:
        (entry,) = conn.execute(select(audit_log).where(audit_log.c.action == "check.documents")).all()
    assert set(json.loads(entry.record_ids)) == set(stolen.values())
    assert entry.agency == "TJ-NCB"


def test_a_zone_is_checked(api: Api, stolen: dict[str, str]) -> None:
    mrz = "P<UZBJALOLOV<<AZIZ<<<<<<<<<<<<<<<<<<<<<<<<<<\nFA12345672UZB8403125M3105011<<<<<<<<<<<<<<04"
    response = api.post(URL, UZ_OFFICER, json={"documents": [{"mrz": mrz}]})
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert result["query"] == {"issuing_state": "UZB", "document_type": "passport", "number": "FA1234567"}
    assert result["outcome"] == "hit"


def test_faults_name_the_document_and_field(api: Api, stolen: dict[str, str]) -> None:
    response = api.post(
        URL,
        UZ_OFFICER,
        json={
            "documents": [
                {"issuing_state": "KAZ", "number": "N1"},
                {"issuing_state": "XYZ", "number": "A!"},
                {"number": "N1"},
                {"mrz": "P<"},
            ]
        },
    )
    faults = fault_fields(response)
    assert set(faults) == {"documents[1].issuing_state", "documents[1].number", "documents[2].issuing_state", "documents[3].mrz"}
    assert "unknown country code" in faults["documents[1].issuing_state"]
    too_many = api.post(URL, UZ_OFFICER, json={"documents": [{"issuing_state": "KAZ", "number": "N1"}] * 1001})
    assert "documents" in fault_fields(too_many)


def test_callers_without_the_right_to_check_are_refused(api: Api, stolen: dict[str, str]) -> None:
    assert error_of(api.post(URL, SEC_AUDITOR, json={"documents": [{"issuing_state": "KAZ", "number": "N1234567"}]}), 403)
    assert error_of(api.post(URL, None, json={"documents": [{"issuing_state": "KAZ", "number": "N1234567"}]}), 401)


# -- the audit entry, through the process's audit writer -----------------------------------


def check_entries(db: Database) -> list[str]:
    with db.reading() as conn:
        return [row.detail for row in conn.execute(select(audit_log).where(audit_log.c.action == "check.documents"))]


def test_the_answer_waits_for_its_audit_entry_to_be_committed(api: Api, db: Database, stolen: dict[str, str]) -> None:
    writer: AuditWriter = api.client.app.state.audit_writer  # type: ignore[attr-defined]
    entered, release = threading.Event(), threading.Event()

    def hold(_conn: Connection, batch: Sequence[Ticket]) -> None:
        if any(ticket.entry.action == "check.documents" for ticket in batch):
            entered.set()
            assert release.wait(PATIENCE)

    writer.before_commit = hold
    responses: list[httpx.Response] = []
    body = {"documents": [{"issuing_state": "KAZ", "number": "N1234567"}]}
    request = threading.Thread(target=lambda: responses.append(api.post(URL, TJ_OFFICER, json=body)))
    request.start()
    try:
        assert entered.wait(PATIENCE)
        assert responses == []  # the entry is appended but not committed: no answer yet
        assert check_entries(db) == []
    finally:
        release.set()
        request.join(PATIENCE)
    (response,) = responses
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["outcome"] == "hit"
    assert check_entries(db) == ["1 documents: 1 hit, 0 possible hit"]
    with db.reading() as conn:
        (entry,) = conn.execute(select(audit_log).where(audit_log.c.action == "check.documents")).all()
        assert audit.verify(conn).intact
    assert entry.query_digest == audit.query_digest([{"issuing_state": "KAZ", "document_type": None, "number": "N1234567"}])
    assert json.loads(entry.record_ids) == [stolen["N1234567"]]


def test_an_audit_entry_that_cannot_be_written_withholds_the_answer(api: Api, db: Database, stolen: dict[str, str]) -> None:
    writer: AuditWriter = api.client.app.state.audit_writer  # type: ignore[attr-defined]

    def fail(_conn: Connection, batch: Sequence[Ticket]) -> None:
        if any(ticket.entry.action == "check.documents" for ticket in batch):
            raise RuntimeError("disk full")

    writer.before_commit = fail
    response = api.post(URL, TJ_OFFICER, json={"documents": [{"issuing_state": "KAZ", "number": "N1234567"}]})
    error = error_of(response, 503)
    assert error["code"] == "service_unavailable"
    assert "N1234567" not in response.text
    assert check_entries(db) == []
    writer.before_commit = None
    assert api.post(URL, TJ_OFFICER, json={"documents": [{"issuing_state": "KAZ", "number": "N1234567"}]}).status_code == 200
    assert check_entries(db) == ["1 documents: 1 hit, 0 possible hit"]
