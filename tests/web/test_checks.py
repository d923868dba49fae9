"""The officer's traveller check and the bureau's hits, through the application on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from kalkan.access.roles import Role
from kalkan.store import hits
from kalkan.store.database import Database
from kalkan.web.i18n import catalogue
from tests import factories
from tests.screening.test_travellers import create_person, red_notice
from tests.web.conftest import Browser, username

UZ, KZ, TJ = "UZ-NCB", "KZ-NCB", "TJ-NCB"
ACTION = "Arrest with a view to extradition; inform KZ-NCB at once"
#: The person of ``factories.person`` as an officer types it from a passport without a readable zone.
WANTED = {
    "issuing_state": "UZB",
    "number": "AB1234567",
    "name": "Jalolov Aziz",
    "birth_date": "1984-03-12",
    "border_post": "Dusti",
    "direction": "entry",
}
NOBODY = {"issuing_state": "KAZ", "number": "N7654321", "name": "Sarsenbayev Nurlan", "birth_date": "1991-07-30"}


def _verdict(page: httpx.Response) -> str:
    start = page.text.index('id="verdict"')
    return page.text[start : page.text.index("</section>", start)]


def _level(page: httpx.Response) -> str:
    found = re.search(r'class="verdict (\w+)" id="verdict"', page.text)
    assert found, "the page shows no verdict"
    return found[1]


def _wanted(db: Database, world: factories.World) -> str:
    """A person of UZ-NCB under a red notice that KZ-NCB requested and the secretariat published."""
    person = create_person(db, world, UZ)
    red_notice(db, world, person, agency=KZ)
    return person


def _open_hits(db: Database) -> list[tuple[str, str, str]]:
    with db.transaction() as conn:
        rows = conn.execute(select(hits.hits.c.id, hits.hits.c.owner, hits.hits.c.state).order_by(hits.hits.c.created_at))
        return [(str(r.id), str(r.owner), str(r.state)) for r in rows]


def test_typed_fields_of_a_wanted_person_give_a_red_verdict_with_the_notices_action(
    client: TestClient, db: Database, world: factories.World
) -> None:
    person = _wanted(db, world)
    officer = Browser(client, username(TJ, Role.OFFICER))
    page = officer.post("/check", WANTED)
    assert page.status_code == 200, page.text
    assert _level(page) == "hit"
    verdict = _verdict(page)
    assert ACTION in verdict
    assert "<strong>Contact:</strong> KZ-NCB" in verdict  # the notice's requesting agency
    assert "Jalolov Aziz" in verdict
    assert f"/records/{person}" not in verdict  # an officer does not read records
    ((_, owner, state),) = _open_hits(db)
    assert (owner, state) == (UZ, "open")


def test_extra_names_in_another_script_find_the_person_too(client: TestClient, db: Database, world: factories.World) -> None:
    _wanted(db, world)
    officer = Browser(client, username(TJ, Role.OFFICER))
    page = officer.post("/check", {"name": "", "other_names": "Someone Else\nЖалолов Азиз", "birth_date": "1984-03-12"})
    assert _level(page) == "hit"
    assert ACTION in _verdict(page)


def test_a_traveller_matching_nothing_is_green_and_the_history_lists_both_checks_newest_first(
    client: TestClient, db: Database, world: factories.World
) -> None:
    _wanted(db, world)
    officer = Browser(client, username(TJ, Role.OFFICER))
    assert _level(officer.post("/check", WANTED)) == "hit"
    green = officer.post("/check", NOBODY)  # the post and direction are not sent again: the session remembers them
    assert _level(green) == "no_hit"
    assert green.status_code == 200
    history = officer.get("/check")
    assert 'id="verdict"' not in history.text
    assert 'name="border_post" value="Dusti"' in history.text
    assert '<option value="entry" selected>' in history.text
    rows = re.findall(r'<tr class="past (\w+)">.*?</tr>', history.text, re.S)
    assert rows == ["no_hit", "hit"]
    assert "Dusti" in history.text[history.text.index('id="history"') :]
    # Another officer's history holds none of them.
    other = Browser(client, username(TJ, Role.ANALYST))
    assert re.findall(r'<tr class="past (\w+)">', other.get("/check").text) == []
    assert 'name="border_post" value=""' in other.get("/check").text


def test_typed_fields_with_faults_come_back_kept_with_each_fault_by_its_field(client: TestClient) -> None:
    officer = Browser(client, username(TJ, Role.OFFICER))
    page = officer.post("/check", {"issuing_state": "UZB", "name": "Jalolov Aziz", "birth_date": "12 March"})
    assert page.status_code == 422
    assert 'id="f-number-fault"' in page.text
    assert 'id="f-birth_date-fault"' in page.text
    assert 'value="Jalolov Aziz"' in page.text
    assert 'id="verdict"' not in page.text
    empty = officer.post("/check", {})
    assert empty.status_code == 422
    assert 'id="check-fault"' in empty.text
    assert str(escape(catalogue("en")["check.mrz_empty"])) in empty.text


def test_a_false_positive_with_a_note_is_remembered_and_the_same_traveller_no_longer_hits(
    client: TestClient, db: Database, world: factories.World
) -> None:
    _wanted(db, world)
    assert _level(Browser(client, username(TJ, Role.OFFICER)).post("/check", WANTED)) == "hit"
    ((hit_id, _, _),) = _open_hits(db)
    bureau = Browser(client, username(UZ, Role.EDITOR))
    listed = bureau.get("/bureau")
    item = listed.text[listed.text.index(f'id="hit-{hit_id}"') :]
    item = item[: item.index("</li>")]
    assert "Jalolov Aziz" in item
    assert "Dusti" in item
    assert TJ in item  # the checking agency
    refused = bureau.post(f"/bureau/hits/{hit_id}/resolve", {"state": "false_positive", "note": ""})
    assert refused.status_code == 422
    assert f'id="note-{hit_id}-fault"' in refused.text
    assert _open_hits(db)[0][2] == "open"
    resolved = bureau.post(f"/bureau/hits/{hit_id}/resolve", {"state": "false_positive", "note": "born in another town; seen the papers"})
    assert resolved.status_code == 303
    assert _open_hits(db)[0][2] == "false_positive"
    assert f'id="hit-{hit_id}"' not in bureau.get("/bureau").text
    again = Browser(client, username(TJ, Role.OFFICER)).post("/check", WANTED)
    assert _level(again) == "no_hit"
    assert 'id="verdict-cleared"' in again.text
    assert UZ in _verdict(again)
    assert len(_open_hits(db)) == 1  # remembered: no new hit


def test_the_owner_confirms_a_hit_and_another_agency_can_neither_see_nor_resolve_it(
    client: TestClient, db: Database, world: factories.World
) -> None:
    _wanted(db, world)
    Browser(client, username(TJ, Role.OFFICER)).post("/check", WANTED)
    ((hit_id, _, _),) = _open_hits(db)
    other = Browser(client, username(KZ, Role.EDITOR))  # requested the notice, does not own the record
    assert f'id="hit-{hit_id}"' not in other.get("/bureau").text
    assert hit_id not in other.get("/bureau/hits").text
    for state in ("confirmed", "false_positive"):
        answer = other.post(f"/bureau/hits/{hit_id}/resolve", {"state": state, "note": ""})
        assert answer.status_code == 404
    assert _open_hits(db)[0][2] == "open"
    owner = Browser(client, username(UZ, Role.EDITOR))
    fragment = owner.get("/bureau/hits")
    assert f'id="hit-{hit_id}"' in fragment.text
    assert "<html" not in fragment.text  # the list alone, for the page's script
    assert owner.post(f"/bureau/hits/{hit_id}/resolve", {"state": "confirmed"}).status_code == 303
    assert _open_hits(db)[0][2] == "confirmed"
    assert owner.post(f"/bureau/hits/{hit_id}/resolve", {"state": "open"}).status_code == 422


def test_the_shift_is_forgotten_at_sign_out(client: TestClient) -> None:
    officer = Browser(client, username(TJ, Role.OFFICER))
    officer.post("/check", {**NOBODY, "border_post": "Fotehobod", "direction": "exit"})
    assert 'value="Fotehobod"' in officer.get("/check").text
    kept = client.cookies.get("kalkan_shift")
    assert kept
    officer.post("/sign-out")
    again = Browser(client, username(TJ, Role.OFFICER))
    client.cookies.set("kalkan_shift", kept, path="/check")  # a cookie of the ended session opens nothing
    assert 'value="Fotehobod"' not in again.get("/check").text


def test_every_label_the_templates_name_is_in_the_catalogues() -> None:
    english = catalogue("en")
    folder = Path(__file__).parents[2] / "src" / "kalkan" / "web"
    named: set[str] = set()
    for source in [*folder.glob("templates/*.html"), *folder.glob("routes/*.py"), *folder.glob("*.py")]:
        named |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_.]*[a-z_])"\s*[,)]', source.read_text(encoding="utf-8")))
    assert named, "no labels found"
    assert named <= set(english), sorted(named - set(english))
