"""Biometric endpoints: enrol, search and image reads, with a caller whose agency may not see the record."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kalkan.settings import Settings
from tests.api.calls import KZ_ANALYST, TJ_ANALYST, UZ_EDITOR, Api, error_of
from tests.factories import person

pytest.importorskip("dlib", reason="the 'biometrics' extra is not installed")

DATA = Path(__file__).parents[1] / "biometrics" / "data"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, max_request_bytes=2 * 1024 * 1024, biometric_key="b" * 40)


def _b64(name: str) -> str:
    return base64.b64encode((DATA / name).read_bytes()).decode()


def test_a_restricted_face_is_a_candidate_only_for_the_agencies_listed(api: Api) -> None:
    record = api.create(person(restriction={"mode": "only", "agencies": ["KZ-NCB"]}), UZ_EDITOR)
    enrolled = api.post("/v1/biometrics/faces/enrol", UZ_EDITOR, json={"record_id": record["id"], "images": [_b64("obama__1.jpg")]})
    assert enrolled.status_code == 201, enrolled.text
    sample_id = enrolled.json()["samples"][0]["sample_id"]

    seen = api.post("/v1/biometrics/faces/search", KZ_ANALYST, json={"image": _b64("obama__2.jpg")})
    assert seen.status_code == 200, seen.text
    assert seen.json()["outcome"] == "potential_candidate"
    assert [c["record_id"] for c in seen.json()["candidates"]] == [record["id"]]

    unseen = api.post("/v1/biometrics/faces/search", TJ_ANALYST, json={"image": _b64("obama__2.jpg")})
    assert unseen.json()["outcome"] == "no_candidate"
    assert unseen.json()["candidates"] == []

    assert api.get(f"/v1/biometrics/samples/{sample_id}/image", KZ_ANALYST).content == (DATA / "obama__1.jpg").read_bytes()
    error_of(api.get(f"/v1/biometrics/samples/{sample_id}/image", TJ_ANALYST), 404)


def test_a_photo_without_a_face_is_refused_naming_the_field(api: Api) -> None:
    record = api.create(person(), UZ_EDITOR)
    blank = base64.b64encode((DATA / "README.md").read_bytes()).decode()
    response = api.post("/v1/biometrics/faces/enrol", UZ_EDITOR, json={"record_id": record["id"], "images": [blank]})
    error = error_of(response, 422)
    assert error["faults"][0]["field"] == "image"
    assert "not a PNG or JPEG" in error["faults"][0]["fault"]
