"""The audit log over HTTP: what was read and refused, searched by auditors, its chain verified."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from kalkan.store.database import Database
from kalkan.store.tables import audit_log
from tests import factories
from tests.api.calls import KZ_ANALYST, SEC_ADMIN, SEC_AUDITOR, UZ_ANALYST, UZ_EDITOR, Api, error_of, fault_fields


def _entries(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/v1/audit", SEC_AUDITOR, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_reads_writes_and_refusals_are_in_the_log(api: Api) -> None:
    record = api.create(factories.person())
    api.get(f"/v1/records/{record['id']}", KZ_ANALYST)
    api.get("/v1/records/" + "0" * 32, KZ_ANALYST)
    api.get("/v1/me", None)

    about_record = _entries(api, record_id=record["id"])
    assert [(e["action"], e["username"]) for e in about_record] == [("record.read", "kz-ncb-analyst"), ("record.create", "uz-ncb-editor")]
    refusals = _entries(api, action="request.denied")
    assert [(e["username"], e["agency"]) for e in refusals] == [("anonymous", "-"), ("kz-ncb-analyst", "KZ-NCB")]
    assert refusals[0]["detail"].startswith("GET /v1/me: missing Authorization header")
    assert refusals[1]["detail"] == f"GET /v1/records/{'0' * 32}: no record {'0' * 32} that your agency may see"
    assert {e["agency"] for e in _entries(api, agency="kz-ncb")} == {"KZ-NCB"}
    assert {e["username"] for e in _entries(api, username="uz-ncb-editor")} == {"uz-ncb-editor"}


def test_the_log_pages_backwards(api: Api) -> None:
    first = api.get("/v1/audit", SEC_AUDITOR, params={"limit": 5}).json()
    assert len(first["items"]) == 5
    seqs = [e["seq"] for e in first["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert first["next_before_seq"] == seqs[-1]
    second = api.get("/v1/audit", SEC_AUDITOR, params={"limit": 5, "before_seq": first["next_before_seq"]}).json()
    assert max(e["seq"] for e in second["items"]) < min(seqs)
    assert api.get("/v1/audit", SEC_AUDITOR, params={"before_seq": 3}).json()["next_before_seq"] is None


def test_time_windows_and_bad_filters(api: Api) -> None:
    assert _entries(api, since="2999-01-01T00:00:00") == []
    assert _entries(api, until="2000-01-01T00:00:00+05:00") == []
    assert len(_entries(api, since="2000-01-01T00:00:00Z", limit=3)) == 3
    assert "limit" in fault_fields(api.get("/v1/audit", SEC_AUDITOR, params={"limit": 101}))
    assert "since" in fault_fields(api.get("/v1/audit", SEC_AUDITOR, params={"since": "yesterday"}))
    assert "record_id" in fault_fields(api.get("/v1/audit", SEC_AUDITOR, params={"record_id": "x"}))


def test_only_auditors_search_the_log(api: Api) -> None:
    for caller in (UZ_ANALYST, UZ_EDITOR, SEC_ADMIN):
        assert error_of(api.get("/v1/audit", caller), 403)["code"] == "forbidden"


def test_auditors_and_the_secretariat_verify_the_chain(api: Api, db: Database) -> None:
    report = api.get("/v1/audit/verify", SEC_AUDITOR).json()
    assert report["intact"] is True
    assert report["problems"] == []
    assert report["entries"] == report["head_seq"] > 0
    again = api.get("/v1/audit/verify", SEC_ADMIN).json()
    assert again["entries"] == report["entries"] + 1  # the first verification is itself logged
    assert error_of(api.get("/v1/audit/verify", UZ_EDITOR), 403)["code"] == "forbidden"

    with db.transaction() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(username="someone-else"))
    tampered = api.get("/v1/audit/verify", SEC_AUDITOR).json()
    assert tampered["intact"] is False
    assert [p["seq"] for p in tampered["problems"]] == [2]
    assert "edited" in tampered["problems"][0]["fault"]
