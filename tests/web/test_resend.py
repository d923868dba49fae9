"""A form sent after its session ended, or with an earlier session's token, is offered again, not lost:
through the application on SQLite and PostgreSQL."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.store.database import Database
from kalkan.store.tables import records
from tests import factories
from tests.web.conftest import PASSWORD, Browser, username

UZ = "UZ-NCB"
HERE = {"origin": "http://testserver", "referer": "http://testserver/records/new/person"}
PERSON = {
    "names[0].value": "Karimov Bekzod",
    "names[0].kind": "primary",
    "names[1].value": "Каримов Бекзод",
    "names[1].kind": "original_script",
    "nationalities": "UZB",
    "restriction.mode": "owner",
    "restriction.hit_disclosure": "nothing",
}
ZONE = "P<UZBJALOLOV<<AZIZ<<<<<<<<<<<<<<<<<<<<<<<<<<\nFA12345672UZB8403125M3105011<<<<<<<<<<<<<<04"


class _Fields(HTMLParser):
    """The fields of one form of a page (by its id, or the first form), as a browser would send them."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields, self.action = form_id, False, [], ""
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form" and not self.action and (self.form_id is None or named.get("id") == self.form_id):
            self.inside, self.action = True, named.get("action") or ""
        elif self.inside and tag == "input" and named.get("name"):
            self.fields.append((named["name"], named.get("value") or ""))
        elif self.inside and tag == "textarea":
            self._textarea, self._text = named.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False


def _form(page: httpx.Response, form_id: str | None = None) -> tuple[str, list[tuple[str, str]]]:
    parser = _Fields(form_id)
    parser.feed(page.text)
    assert parser.action, f"no form {form_id or ''} on the page"
    return parser.action, parser.fields


def _as_data(fields: list[tuple[str, str]], **more: str) -> dict[str, list[str]]:
    """A form's fields as a post sends them (a field given twice, twice), with ``more`` in place of the same names."""
    data: dict[str, list[str]] = {}
    for name, value in fields:
        if name not in more:
            data.setdefault(name, []).append(value)
    return data | {name: [value] for name, value in more.items()}


def _signing_in(fields: list[tuple[str, str]], user: str, password: str = PASSWORD) -> dict[str, list[str]]:
    return _as_data(fields, username=user, password=password)


def _records(db: Database) -> int:
    with db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def _expired(client: TestClient) -> None:
    client.cookies.clear()
    client.cookies.set("kalkan_session", "a-session-that-has-ended")


def test_a_form_sent_after_its_session_ended_is_kept_through_signing_in_and_sent_again(client: TestClient, db: Database) -> None:
    _expired(client)
    answer = client.post("/records/new/person", data={**PERSON, "csrf_token": "of-the-old-session"}, headers=HERE)
    assert answer.status_code == 401
    assert 'id="carried"' in answer.text
    assert _records(db) == 0  # nothing was done
    action, fields = _form(answer)
    assert action == "/sign-in"
    assert ("carry:names[1].value", "Каримов Бекзод") in fields
    offered = client.post("/sign-in", data=_signing_in(fields, username(UZ, Role.EDITOR)))
    assert offered.status_code == 200
    assert 'id="resend-form"' in offered.text
    assert "Karimov Bekzod" in offered.text  # what was typed, shown
    assert _records(db) == 0
    action, fields = _form(offered, "resend-form")
    assert action == "/records/new/person"
    assert dict(fields)["names[0].value"] == "Karimov Bekzod"
    sent = client.post(action, data=_as_data(fields))
    assert sent.status_code == 303, sent.text
    assert _records(db) == 1


def test_a_wrong_password_keeps_the_carried_form(client: TestClient) -> None:
    _expired(client)
    answer = client.post("/records/new/person", data={**PERSON, "csrf_token": "x"}, headers=HERE)
    _, fields = _form(answer)
    refused = client.post("/sign-in", data=_signing_in(fields, username(UZ, Role.EDITOR), "wrong!"))
    assert refused.status_code == 401
    assert ("carry:names[0].value", "Karimov Bekzod") in _form(refused)[1]


def test_a_zone_of_two_lines_survives_the_round_trip_and_a_photo_is_asked_for_again(client: TestClient) -> None:
    _expired(client)
    answer = client.post(
        "/check",
        data={"mrz": ZONE, "border_post": "Dusti", "csrf_token": "x"},
        files={"face_image": ("traveller.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")},
        headers={"origin": "http://testserver", "referer": "http://testserver/check"},
    )
    assert answer.status_code == 401
    _, fields = _form(answer)
    assert ("carry:mrz", ZONE) in fields
    offered = client.post("/sign-in", data=_signing_in(fields, username(UZ, Role.OFFICER)))
    assert 'id="resend-files"' in offered.text
    action, fields = _form(offered, "resend-form")
    assert ("mrz", ZONE) in fields
    checked = client.post(action, data=_as_data(fields))
    assert 'id="verdict"' in checked.text  # the zone was read whole: the check ran


def test_a_form_from_another_site_is_not_carried(client: TestClient, db: Database) -> None:
    _expired(client)
    answer = client.post(
        "/records/new/person", data={**PERSON, "csrf_token": "x"}, headers={"origin": "https://elsewhere.example", "referer": ""}
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in?")
    Browser(client, username(UZ, Role.EDITOR))
    forged = client.post("/records/new/person", data={**PERSON, "csrf_token": "forged"}, headers={"origin": "https://elsewhere.example"})
    assert forged.status_code == 403
    assert 'id="resend-form"' not in forged.text
    assert _records(db) == 0


def test_an_earlier_sessions_token_gets_the_form_back_with_the_live_sessions_token(client: TestClient, db: Database) -> None:
    first = Browser(client, username(UZ, Role.EDITOR))
    first.post("/sign-out")
    now = Browser(client, username(UZ, Role.EDITOR))
    answer = client.post("/records/new/person", data={**PERSON, "csrf_token": first.csrf}, headers=HERE)
    assert answer.status_code == 403
    assert _records(db) == 0
    action, fields = _form(answer, "resend-form")
    assert dict(fields)["csrf_token"] == now.csrf
    assert client.post(action, data=_as_data(fields)).status_code == 303
    assert _records(db) == 1


def test_passwords_are_never_carried(client: TestClient, world: factories.World) -> None:
    user_id = world.scope(UZ, Role.ANALYST).user_id
    _expired(client)
    answer = client.post(
        f"/admin/users/{user_id}/password",
        data={"password": "a new secret password", "csrf_token": "x", "note": "kept"},
        headers={"origin": "http://testserver", "referer": f"http://testserver/admin/users/{user_id}"},
    )
    assert "a new secret password" not in answer.text
