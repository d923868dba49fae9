"""Notices over HTTP: the life cycle, the review checklist, and callers who may not see or act."""

from __future__ import annotations

from typing import Any

from kalkan.store.database import Database
from tests import factories
from tests.api.calls import KZ_ANALYST, KZ_EDITOR, SEC_ADMIN, TJ_ANALYST, UZ_ANALYST, UZ_EDITOR, Api, error_of, fault_fields, written

MET = {"passed": True}
CHECKLIST = dict.fromkeys(
    ("lawful_purpose", "no_political_military_religious_racial_character", "minimum_identifiers", "data_quality"), MET
)


def red_notice(subject_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "notice_type": "red",
        "subject_id": subject_id,
        "grounds": "Warrant 2024/117: financing of terrorism",
        "action_to_take": "Arrest; inform UZ-NCB at once",
        "restriction": {"mode": "except", "agencies": ["TJ-NCB"]},
        **fields,
    }


def test_a_notice_from_draft_to_publication_over_http(api: Api, db: Database) -> None:
    subject = api.create(factories.person())["id"]
    created = api.post("/v1/notices", UZ_EDITOR, json=red_notice(subject, expires_on="2035-01-01"))
    assert created.status_code == 201, created.text
    notice = created.json()
    notice_id = notice["record"]["id"]
    assert created.headers["Location"] == f"/v1/notices/{notice_id}"
    assert (notice["state"], notice["record"]["kind"], notice["record"]["owner"]) == ("draft", "notice", "UZ-NCB")
    assert error_of(api.get(f"/v1/notices/{notice_id}", KZ_ANALYST), 404)["code"] == "not_found"  # a draft

    # Another agency does not learn that the draft exists, let alone submit it.
    assert error_of(api.post(f"/v1/notices/{notice_id}/submit", KZ_EDITOR), 404)["code"] == "not_found"
    assert error_of(api.get(f"/v1/records/{notice_id}", KZ_ANALYST), 404)["code"] == "not_found"
    assert notice_id not in api.get("/v1/records", KZ_ANALYST, params={"kind": "notice"}).text
    assert api.post(f"/v1/notices/{notice_id}/submit", UZ_EDITOR).json()["state"] == "submitted"
    assert error_of(api.get(f"/v1/records/{notice_id}", KZ_ANALYST), 404)["code"] == "not_found"  # submitted, not published
    queue = api.get("/v1/notices/review-queue", SEC_ADMIN).json()
    assert [item["record"]["id"] for item in queue["items"]] == [notice_id]
    assert error_of(api.get("/v1/notices/review-queue", UZ_EDITOR), 403)["code"] == "forbidden"

    review = {"checklist": CHECKLIST, "decision": "publish", "reasons": "complete and lawful"}
    assert (
        error_of(api.post(f"/v1/notices/{notice_id}/review", UZ_EDITOR, json=review), 403)["message"]
        == "only the secretariat reviews notices"
    )
    published = api.post(f"/v1/notices/{notice_id}/review", SEC_ADMIN, json=review)
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"
    assert published.json()["reviews"][0]["reasons"] == "complete and lawful"

    assert api.get(f"/v1/records/{notice_id}", KZ_ANALYST).status_code == 200  # published: shared as its restriction says
    seen = api.get(f"/v1/notices/{notice_id}", KZ_ANALYST).json()
    assert (seen["state"], seen["record"]["action_to_take"], seen["reviews"]) == ("published", "Arrest; inform UZ-NCB at once", [])
    assert error_of(api.get(f"/v1/notices/{notice_id}", TJ_ANALYST), 404)["code"] == "not_found"  # the restriction leaves it out
    assert api.get("/v1/notices", TJ_ANALYST).json()["items"] == []
    listed = api.get("/v1/notices", KZ_ANALYST, params={"state": "published", "type": "red"}).json()
    assert ([item["record"]["id"] for item in listed["items"]], listed["total"]) == ([notice_id], 1)
    assert api.get("/v1/notices", KZ_ANALYST, params={"type": "blue"}).json()["total"] == 0

    assert error_of(api.post(f"/v1/notices/{notice_id}/cancel", KZ_EDITOR, json={"reason": "x"}), 403)["code"] == "forbidden"
    cancelled = api.post(f"/v1/notices/{notice_id}/cancel", UZ_EDITOR, json={"reason": "extradited"})
    assert cancelled.json()["state"] == "cancelled"
    assert api.get(f"/v1/notices/{notice_id}", UZ_ANALYST).json()["record"]["status"] == "cancelled"
    assert error_of(api.post(f"/v1/notices/{notice_id}/cancel", UZ_EDITOR, json={"reason": "again"}), 409)["code"] == "conflict"


def test_a_review_names_each_fault(api: Api) -> None:
    subject = api.create(factories.person())["id"]
    notice_id = api.post("/v1/notices", UZ_EDITOR, json=red_notice(subject)).json()["record"]["id"]
    api.post(f"/v1/notices/{notice_id}/submit", UZ_EDITOR)
    url = f"/v1/notices/{notice_id}/review"
    missing = {k: v for k, v in CHECKLIST.items() if k != "data_quality"}
    assert "checklist.data_quality" in fault_fields(api.post(url, SEC_ADMIN, json={"checklist": missing, "decision": "publish"}))
    failed = {**CHECKLIST, "minimum_identifiers": {"passed": False}}
    assert "checklist.minimum_identifiers" in fault_fields(
        api.post(url, SEC_ADMIN, json={"checklist": failed, "decision": "refuse", "reasons": "x"})
    )
    unmet = {**CHECKLIST, "lawful_purpose": {"passed": False, "reason": "a civil matter"}}
    faults = fault_fields(api.post(url, SEC_ADMIN, json={"checklist": unmet, "decision": "publish"}))
    assert any("not met: lawful_purpose" in fault for fault in faults.values())
    refused = api.post(url, SEC_ADMIN, json={"checklist": unmet, "decision": "refuse", "reasons": "a civil matter"})
    assert refused.json()["state"] == "refused"
    assert error_of(api.post(url, SEC_ADMIN, json={"checklist": CHECKLIST, "decision": "publish"}), 409)["code"] == "conflict"


def test_bad_notices_are_refused_naming_the_field(api: Api, db: Database) -> None:
    subject = api.create(factories.person())["id"]
    before = written(db)
    assert "notice_type" in fault_fields(api.post("/v1/notices", UZ_EDITOR, json=red_notice(subject, notice_type="pink")))
    assert "subject_id" in fault_fields(api.post("/v1/notices", UZ_EDITOR, json=red_notice("f" * 32)))
    assert "addressees" in fault_fields(api.post("/v1/notices", UZ_EDITOR, json=red_notice(subject, notice_type="diffusion")))
    assert "kind" in fault_fields(api.post("/v1/notices", UZ_EDITOR, json={**red_notice(subject), "kind": "person"}))
    assert error_of(api.post("/v1/notices", UZ_ANALYST, json=red_notice(subject)), 403)["code"] == "forbidden"
    assert written(db) == before


def test_a_diffusion_is_out_on_submission_for_its_addressees(api: Api) -> None:
    subject = api.create(factories.person())["id"]
    diffusion = red_notice(subject, notice_type="diffusion", addressees=["KZ-NCB"], restriction={"mode": "only", "agencies": ["KZ-NCB"]})
    notice_id = api.post("/v1/notices", UZ_EDITOR, json=diffusion).json()["record"]["id"]
    sent = api.post(f"/v1/notices/{notice_id}/submit", UZ_EDITOR).json()
    assert (sent["state"], sent["review_pending"]) == ("published", True)
    assert api.get(f"/v1/notices/{notice_id}", KZ_ANALYST).json()["state"] == "published"
    assert [item["record"]["id"] for item in api.get("/v1/notices/review-queue", SEC_ADMIN).json()["items"]] == [notice_id]


def test_a_notice_through_the_records_api_reads_as_a_draft(api: Api) -> None:
    subject = api.create(factories.person())["id"]
    created = api.create({"kind": "notice", **red_notice(subject)})
    assert created["kind"] == "notice"
    assert api.get(f"/v1/notices/{created['id']}", UZ_EDITOR).json()["state"] == "draft"
