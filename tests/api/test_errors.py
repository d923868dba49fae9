"""Bad input: each refusal names the field and the fault, and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kalkan.api.app import create_app
from kalkan.settings import Settings
from kalkan.store import audit
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from tests import factories
from tests.api.calls import SEC_ADMIN, UZ_ANALYST, UZ_EDITOR, Api, body, error_of, fault_fields, written
from tests.api.conftest import MAX_REQUEST_BYTES

PERSON = body(factories.person())
DOCUMENT = body(factories.travel_document())

BAD_RECORDS: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown country", {**PERSON, "nationalities": ["XYZ"]}, "nationalities[0]", "unknown country code 'XYZ'"),
    ("unknown issuing state", {**DOCUMENT, "issuing_state": "QQQ"}, "issuing_state", "QQQ"),
    ("impossible date of birth", {**PERSON, "dates_of_birth": [{"value": "1984-02-30"}]}, "dates_of_birth[0]", "day 30"),
    ("impossible issue date", {**DOCUMENT, "issued_on": "1984-02-30"}, "issued_on", "day value is outside expected range"),
    ("oversized name", {**PERSON, "names": [{"value": "A" * 10_000}]}, "names[0].value", "at most 300 characters"),
    ("unknown kind", {**PERSON, "kind": "vehicle"}, "kind", "unknown kind 'vehicle'"),
    ("missing kind", {k: v for k, v in PERSON.items() if k != "kind"}, "kind", "required"),
    ("unknown field", {**PERSON, "shoe_size": 44}, "shoe_size", "Extra inputs are not permitted"),
    ("bad document number", {**DOCUMENT, "number": "FA12#34"}, "number", "forbidden characters '#'"),
    ("no names", {**PERSON, "names": []}, "names", "at least 1 item"),
]


@pytest.mark.parametrize(("case", "record", "field", "fault"), BAD_RECORDS, ids=[case[0] for case in BAD_RECORDS])
def test_a_bad_record_is_refused_naming_the_field(
    api: Api, db: Database, case: str, record: dict[str, Any], field: str, fault: str
) -> None:
    before = written(db)
    faults = fault_fields(api.post("/v1/records", UZ_EDITOR, json=record))
    assert field in faults, case
    assert fault in faults[field]
    assert written(db) == before


def test_a_bad_replacement_changes_nothing(api: Api, db: Database) -> None:
    created = api.create(factories.person())
    before = written(db)
    response = api.put(f"/v1/records/{created['id']}", UZ_EDITOR, json={**PERSON, "nationalities": ["XYZ"]}, headers={"If-Match": '"1"'})
    assert "nationalities[0]" in fault_fields(response)
    assert written(db) == before
    assert api.get(f"/v1/records/{created['id']}", UZ_ANALYST).json()["nationalities"] == ["UZB"]


@pytest.mark.parametrize("url", ["/v1/records", "/v1/agencies"])
def test_malformed_json_is_refused_naming_where(api: Api, db: Database, url: str) -> None:
    before = written(db)
    response = api.post(
        url, SEC_ADMIN if "agencies" in url else UZ_EDITOR, content=b'{"kind": "person",}', headers={"Content-Type": "application/json"}
    )
    faults = fault_fields(response)
    assert faults[""].startswith("malformed JSON: ")
    assert "line 1 column 19" in faults[""]
    assert written(db) == before


@pytest.mark.parametrize(("content", "fault"), [(b"[1, 2]", "a record must be a JSON object"), (b"\xff\xfe", "malformed JSON")])
def test_a_body_that_is_not_a_record_is_refused(api: Api, content: bytes, fault: str) -> None:
    assert fault in fault_fields(api.post("/v1/records", UZ_EDITOR, content=content))[""]


def test_a_body_over_the_limit_is_refused(api: Api, db: Database) -> None:
    before = written(db)
    huge = {**PERSON, "remarks": "x" * MAX_REQUEST_BYTES}
    error = error_of(api.post("/v1/records", UZ_EDITOR, json=huge), 413)
    assert error["code"] == "request_too_large"
    assert str(MAX_REQUEST_BYTES) in error["message"]
    assert written(db) == before


def test_a_chunked_body_over_the_limit_is_refused(api: Api, db: Database) -> None:
    """No Content-Length: the body is counted as it arrives."""

    def chunks() -> Iterator[bytes]:
        yield b'{"kind": "person", "remarks": "'
        for _ in range(MAX_REQUEST_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    before = written(db)
    for url in ("/v1/records", "/v1/agencies"):
        response = api.post(url, UZ_EDITOR, content=chunks())
        assert "content-length" not in response.request.headers
        assert error_of(response, 413)["code"] == "request_too_large"
    assert written(db) == before


def test_a_large_body_within_the_limit_is_accepted(api: Api) -> None:
    descriptions = ["x" * 10_000] * 5
    assert len(str(descriptions)) > MAX_REQUEST_BYTES // 2
    assert api.create({**PERSON, "descriptions": descriptions})["descriptions"] == descriptions


def test_unknown_paths_and_methods_answer_in_the_same_shape(api: Api) -> None:
    assert error_of(api.get("/v1/nothing", UZ_ANALYST), 404)["code"] == "not_found"
    assert error_of(api.delete("/v1/records", UZ_ANALYST), 405)["code"] == "method_not_allowed"


def test_an_unexpected_error_answers_500_without_details(
    settings: Settings, world: factories.World, monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr(RecordStore, "get", explode)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        api = Api(client, world)
        response = api.get("/v1/records/" + "a" * 32, UZ_ANALYST)
    error = error_of(response, 500)
    assert error["code"] == "internal_error"
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text


def test_a_failure_after_writing_rolls_the_whole_request_back(
    settings: Settings, world: factories.World, monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    """The record and its change are written before the audit entry fails: none of it stays."""
    append = audit.append

    def failing_append(conn: Any, scope: Any, action: str, *args: Any, **kwargs: Any) -> int:
        if action == "record.create":
            raise RuntimeError("disk full")
        return append(conn, scope, action, *args, **kwargs)

    monkeypatch.setattr(audit, "append", failing_append)
    before = written(db)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = Api(client, world).post("/v1/records", UZ_EDITOR, json=PERSON)
    assert error_of(response, 500)["code"] == "internal_error"
    assert written(db) == before
