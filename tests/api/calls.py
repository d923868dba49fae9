"""Calling the API as a member of the test world, and reading what the database holds."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.model.records import RecordModel
from kalkan.store.database import Database
from kalkan.store.tables import audit_log, change_log, records
from tests.factories import SECRETARIAT, World

Caller = tuple[str, Role]

UZ_EDITOR: Caller = ("UZ-NCB", Role.EDITOR)
UZ_ANALYST: Caller = ("UZ-NCB", Role.ANALYST)
UZ_OFFICER: Caller = ("UZ-NCB", Role.OFFICER)
UZ_ADMIN: Caller = ("UZ-NCB", Role.AGENCY_ADMIN)
KZ_EDITOR: Caller = ("KZ-NCB", Role.EDITOR)
KZ_ANALYST: Caller = ("KZ-NCB", Role.ANALYST)
KZ_ADMIN: Caller = ("KZ-NCB", Role.AGENCY_ADMIN)
TJ_ANALYST: Caller = ("TJ-NCB", Role.ANALYST)
TJ_EDITOR: Caller = ("TJ-NCB", Role.EDITOR)
SEC_ADMIN: Caller = (SECRETARIAT, Role.SECRETARIAT)
SEC_AUDITOR: Caller = (SECRETARIAT, Role.AUDITOR)


def body(record: RecordModel, **changes: Any) -> dict[str, Any]:
    """A record as a client sends it."""
    return {**record.model_dump(mode="json", exclude_none=True), **changes}


class Api:
    """The test client, calling as one user of the world: ``api.get("/v1/me", UZ_EDITOR)``."""

    def __init__(self, client: TestClient, world: World) -> None:
        self.client = client
        self.world = world

    def auth(self, caller: Caller) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.world.token(*caller)}"}

    def call(self, method: str, url: str, caller: Caller | None, *, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        sent = {**(self.auth(caller) if caller else {}), **(headers or {})}
        return self.client.request(method, url, headers=sent, **kwargs)

    def get(self, url: str, caller: Caller | None, **kwargs: Any) -> httpx.Response:
        return self.call("GET", url, caller, **kwargs)

    def post(self, url: str, caller: Caller | None, **kwargs: Any) -> httpx.Response:
        return self.call("POST", url, caller, **kwargs)

    def put(self, url: str, caller: Caller | None, **kwargs: Any) -> httpx.Response:
        return self.call("PUT", url, caller, **kwargs)

    def patch(self, url: str, caller: Caller | None, **kwargs: Any) -> httpx.Response:
        return self.call("PATCH", url, caller, **kwargs)

    def delete(self, url: str, caller: Caller | None, **kwargs: Any) -> httpx.Response:
        return self.call("DELETE", url, caller, **kwargs)

    def create(self, record: RecordModel | dict[str, Any], caller: Caller = UZ_EDITOR) -> dict[str, Any]:
        """Create a record and return it as stored."""
        response = self.post("/v1/records", caller, json=record if isinstance(record, dict) else body(record))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The ``error`` object of a response that must have ``status``."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) <= {"code", "message", "faults"}
    return error


def fault_fields(response: httpx.Response) -> dict[str, str]:
    """The faults of a 422 answer, by field."""
    error = error_of(response, 422)
    assert error["code"] == "validation_failed"
    return {fault["field"]: fault["fault"] for fault in error["faults"]}


def written(db: Database) -> tuple[int, int]:
    """How many records and changes the database holds: unchanged after a refused write."""
    with db.transaction() as conn:
        count_records = conn.execute(select(func.count()).select_from(records)).scalar_one()
        count_changes = conn.execute(select(func.count()).select_from(change_log)).scalar_one()
    return int(count_records), int(count_changes)


def denied(db: Database) -> list[tuple[str, str, str]]:
    """The audit log's ``request.denied`` entries, oldest first: (username, agency, detail)."""
    with db.transaction() as conn:
        rows = conn.execute(
            select(audit_log.c.username, audit_log.c.agency, audit_log.c.detail)
            .where(audit_log.c.action == "request.denied")
            .order_by(audit_log.c.seq)
        ).all()
    return [(r.username, r.agency, r.detail or "") for r in rows]
