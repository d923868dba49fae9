"""Notices and notifications through the pages, on SQLite and PostgreSQL: the bureau drafts and
submits, the secretariat reviews with the checklist, and the bureau's page lists and streams the
agency's notifications."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kalkan.access.roles import Role
from kalkan.model.notices import ChecklistItem
from kalkan.store import outbox
from kalkan.store.database import Database
from kalkan.store.notices import NoticeStore
from kalkan.store.records import RecordStore
from kalkan.store.tables import notices
from kalkan.web.forms import NOTICE_FORM, Group
from kalkan.web.i18n import LANGUAGES, catalogue
from tests import factories
from tests.web.conftest import Browser, username

UZ, KZ, SEC = "UZ-NCB", "KZ-NCB", factories.SECRETARIAT


def _subject(db: Database, world: factories.World, agency: str = UZ) -> str:
    with db.transaction() as conn:
        return RecordStore(conn, world.scope(agency, Role.EDITOR)).create(factories.person(restriction={"mode": "all"})).id


def _notice_form(subject_id: str, **fields: str) -> dict[str, str]:
    form = {
        "notice_type": "red",
        "subject_id": subject_id,
        "grounds": "Warrant 12/2026 of the Tashkent city court: armed robbery",
        "action_to_take": "Detain and inform UZ-NCB at once",
        "restriction.mode": "all",
        "restriction.hit_disclosure": "contact_owner",
    }
    form.update(fields)
    return form


def _notice_id(answer: Any) -> str:
    assert answer.status_code == 303, answer.text
    found = re.match(r"^/notices/([0-9a-f]{32})", answer.headers["location"])
    assert found, answer.headers["location"]
    return found[1]


def _state(db: Database, notice_id: str) -> str:
    with db.transaction() as conn:
        return str(conn.execute(select(notices.c.state).where(notices.c.record_id == notice_id)).scalar_one())


def _checklist(**answers: tuple[str, str]) -> dict[str, str]:
    """Every item answered yes, except those given as (answer, reason)."""
    form: dict[str, str] = {}
    for item in ChecklistItem:
        answer, reason = answers.get(item.value, ("yes", ""))
        form[f"checklist.{item.value}.passed"] = answer
        form[f"checklist.{item.value}.reason"] = reason
    return form


def _draft(client: TestClient, db: Database, world: factories.World) -> tuple[Browser, str]:
    subject = _subject(db, world)
    editor = Browser(client, username(UZ, Role.EDITOR))
    return editor, _notice_id(editor.post("/notices/new", _notice_form(subject)))


# -- the bureau ----------------------------------------------------------------------------


def test_a_notice_goes_from_draft_to_published_through_the_forms(client: TestClient, db: Database, world: factories.World) -> None:
    subject = _subject(db, world)
    editor = Browser(client, username(UZ, Role.EDITOR))
    record_page = editor.get(f"/records/{subject}").text
    assert f'href="/notices/new?subject_id={subject}"' in record_page  # "draft a notice" on the subject's page
    form = editor.get(f"/notices/new?subject_id={subject}")
    assert form.status_code == 200
    assert f'value="{subject}"' in form.text

    notice_id = _notice_id(editor.post("/notices/new", _notice_form(subject)))
    assert _state(db, notice_id) == "draft"
    as_record = editor.get(f"/records/{notice_id}")
    assert as_record.status_code == 303
    assert as_record.headers["location"] == f"/notices/{notice_id}"
    drafts = editor.get("/notices?state=draft").text
    assert f'href="/notices/{notice_id}"' in drafts
    assert f'href="/notices/{notice_id}"' not in editor.get("/notices?state=submitted").text

    assert editor.post(f"/notices/{notice_id}/submit").status_code == 303
    assert _state(db, notice_id) == "submitted"

    secretariat = Browser(client, username(SEC, Role.SECRETARIAT))
    queue = secretariat.get("/review-queue")
    assert queue.status_code == 200
    assert f'href="/notices/{notice_id}/review"' in queue.text
    review = secretariat.get(f"/notices/{notice_id}/review")
    assert 'id="review-form"' in review.text
    answer = secretariat.post(f"/notices/{notice_id}/review", {**_checklist(), "decision": "publish"})
    assert answer.status_code == 303, answer.text
    assert _state(db, notice_id) == "published"
    assert f'href="/notices/{notice_id}/review"' not in secretariat.get("/review-queue").text

    editor = Browser(client, username(UZ, Role.EDITOR))
    page = editor.get(f"/notices/{notice_id}").text
    assert 'id="notice-state" class="state-published"' in page
    assert "sec-secretariat" in page  # the review is shown to the requesting agency
    assert f'<a href="/records/{subject}" dir="auto">Jalolov Aziz Rustamovich</a>' in page


def test_a_refusal_with_reasons_is_shown_to_the_bureau(client: TestClient, db: Database, world: factories.World) -> None:
    editor, notice_id = _draft(client, db, world)
    editor.post(f"/notices/{notice_id}/submit")
    secretariat = Browser(client, username(SEC, Role.SECRETARIAT))
    refusal = {
        **_checklist(minimum_identifiers=("no", "no date of birth, no document")),
        "decision": "refuse",
        "reasons": "add a date of birth and submit again",
    }
    assert secretariat.post(f"/notices/{notice_id}/review", refusal).status_code == 303
    assert _state(db, notice_id) == "refused"
    page = Browser(client, username(UZ, Role.EDITOR)).get(f"/notices/{notice_id}").text
    assert "no date of birth, no document" in page
    assert "add a date of birth and submit again" in page
    assert f'action="/notices/{notice_id}/submit"' in page  # a refused notice can be submitted again


def test_a_checklist_no_without_a_reason_comes_back_with_the_fault_beside_it(
    client: TestClient, db: Database, world: factories.World
) -> None:
    editor, notice_id = _draft(client, db, world)
    editor.post(f"/notices/{notice_id}/submit")
    secretariat = Browser(client, username(SEC, Role.SECRETARIAT))
    posted = {**_checklist(data_quality=("no", "")), "decision": "refuse", "reasons": "the names are garbled"}
    answer = secretariat.post(f"/notices/{notice_id}/review", posted)
    assert answer.status_code == 422
    assert _state(db, notice_id) == "submitted"  # nothing was decided
    item = re.search(r'<fieldset class="field has-fault" id="f-checklist-data_quality".*?</fieldset>', answer.text, re.S)
    assert item, "the data-quality item is marked"
    assert "An item that is not met needs a reason." in item[0]
    assert 'value="no" checked' in item[0]  # the answers are kept
    assert "the names are garbled" in answer.text
    assert 'id="f-checklist-lawful_purpose-fault"' not in answer.text


def test_a_refusal_without_reasons_names_the_reasons_field(client: TestClient, db: Database, world: factories.World) -> None:
    editor, notice_id = _draft(client, db, world)
    editor.post(f"/notices/{notice_id}/submit")
    secretariat = Browser(client, username(SEC, Role.SECRETARIAT))
    answer = secretariat.post(f"/notices/{notice_id}/review", {**_checklist(), "decision": "refuse"})
    assert answer.status_code == 422
    assert re.search(r'id="f-reasons-fault">.*A refusal needs its reasons\.', answer.text, re.S)
    assert _state(db, notice_id) == "submitted"


def test_a_draft_form_with_faults_keeps_what_was_typed(client: TestClient, db: Database, world: factories.World) -> None:
    editor = Browser(client, username(UZ, Role.EDITOR))
    posted = _notice_form("f" * 32, grounds="", notice_type="diffusion")
    answer = editor.post("/notices/new", posted)
    assert answer.status_code == 422
    assert 'id="f-grounds-fault"' in answer.text
    assert 'id="f-addressees-fault"' in answer.text  # a diffusion needs addressees
    assert "Detain and inform UZ-NCB at once" in answer.text
    unknown_subject = editor.post("/notices/new", _notice_form("f" * 32))
    assert unknown_subject.status_code == 422
    assert 'id="f-subject_id-fault"' in unknown_subject.text


def test_cancelling_needs_a_reason_given_next_to_its_field(client: TestClient, db: Database, world: factories.World) -> None:
    editor, notice_id = _draft(client, db, world)
    refused = editor.post(f"/notices/{notice_id}/cancel", {"reason": ""})
    assert refused.status_code == 422
    assert re.search(r'id="f-reason-fault">.*Give the reason for cancelling\.', refused.text, re.S)
    assert _state(db, notice_id) == "draft"
    assert editor.post(f"/notices/{notice_id}/cancel", {"reason": "the warrant was withdrawn"}).status_code == 303
    assert _state(db, notice_id) == "cancelled"


def test_an_editor_of_another_agency_cannot_see_a_draft(client: TestClient, db: Database, world: factories.World) -> None:
    _, notice_id = _draft(client, db, world)
    kazakh = Browser(client, username(KZ, Role.EDITOR))
    assert kazakh.get(f"/notices/{notice_id}").status_code == 404
    assert notice_id not in kazakh.get("/notices").text
    assert kazakh.post(f"/notices/{notice_id}/submit").status_code in (403, 404)
    as_record = kazakh.get(f"/records/{notice_id}")  # nor as a plain record
    assert as_record.status_code == 404
    assert "Warrant 12/2026" not in as_record.text
    assert _state(db, notice_id) == "draft"


def test_only_the_secretariat_opens_the_review_queue(client: TestClient, db: Database, world: factories.World) -> None:
    editor, notice_id = _draft(client, db, world)
    editor.post(f"/notices/{notice_id}/submit")
    for role in (Role.EDITOR, Role.AGENCY_ADMIN):
        browser = Browser(client, username(UZ, role))
        for path in ("/review-queue", f"/notices/{notice_id}/review"):
            answer = browser.get(path)
            assert answer.status_code == 403, (role, path)
            assert "Your roles do not allow" in answer.text
    editor = Browser(client, username(UZ, Role.EDITOR))
    assert editor.post(f"/notices/{notice_id}/review", {**_checklist(), "decision": "publish"}).status_code == 403
    assert _state(db, notice_id) == "submitted"


def test_notice_labels_are_in_every_catalogue() -> None:
    english = set(catalogue("en"))
    needed = {section.title_key for section in NOTICE_FORM.sections} | {"kind.notice"}
    for item in NOTICE_FORM.items():
        needed.add(item.label_key)
        if isinstance(item, Group):
            needed |= {f"field.{item.path}.{part.path}" for part in item.fields}
        needed |= {f"value.{option}" for option in getattr(item, "options", ())}
    needed |= {f"review.item.{item.value}" for item in ChecklistItem}
    needed |= {f"notice.state.{state}" for state in ("draft", "submitted", "published", "refused", "cancelled", "expired")}
    assert needed <= english, sorted(needed - english)
    for language in LANGUAGES:
        assert needed <= set(catalogue(language)), language


# -- notifications -------------------------------------------------------------------------


def test_the_bureau_lists_its_agencys_notifications_newest_first(client: TestClient, db: Database) -> None:
    with db.transaction() as conn:
        outbox.enqueue(conn, UZ, "hit", {"label": "Karimov Bekzod", "border_post": "Oybek"})
        outbox.enqueue(conn, KZ, "hit", {"label": "Someone Else Entirely"})
        outbox.enqueue(conn, UZ, "hit", {"label": "Tursunov Ilhom"})
    page = Browser(client, username(UZ, Role.EDITOR)).get("/bureau").text
    assert "live notifications" not in page.lower()  # no placeholder any more
    assert '<span id="notification-count">2</span>' in page
    assert "Karimov Bekzod" in page
    assert "Tursunov Ilhom" in page
    assert "Someone Else Entirely" not in page
    assert page.index("Tursunov Ilhom") < page.index("Karimov Bekzod")  # newest first
    newest = re.search(r'id="notification-(\d+)"', page)
    assert newest
    assert f'data-stream="/bureau/notifications/stream?after={newest[1]}"' in page


def _events(body: str) -> list[dict[str, Any]]:
    return [json.loads(line.removeprefix("data: ")) for line in body.splitlines() if line.startswith("data: ")]


def test_the_stream_sends_the_agencys_notifications_after_the_cursor(client: TestClient, db: Database) -> None:
    client.app.state.notification_stream_seconds = 0  # type: ignore[attr-defined]  # one look at the outbox, then the stream ends
    with db.transaction() as conn:
        first = outbox.enqueue(conn, UZ, "hit", {"label": "seen already"})
        outbox.enqueue(conn, KZ, "hit", {"label": "another agency's"})
        second = outbox.enqueue(conn, UZ, "hit", {"label": "new since the page"})
        seen = outbox.notifications_after(conn, UZ, 0)[0].seq
    editor = Browser(client, username(UZ, Role.EDITOR))
    answer = editor.get(f"/bureau/notifications/stream?after={seen}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = _events(answer.text)
    assert [e["id"] for e in events] == [second]
    assert events[0]["summary"] == "label: new since the page"
    assert events[0]["kind_label"] == "hit"
    assert f"id: {events[0]['seq']}\n" in answer.text  # the browser resumes after it
    resumed = editor.get("/bureau/notifications/stream", headers={"Last-Event-ID": "0"})
    assert [e["id"] for e in _events(resumed.text)] == [first, second]


def test_the_stream_needs_a_session(client: TestClient) -> None:
    answer = client.get("/bureau/notifications/stream")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")


def test_a_notice_submitted_by_an_agency_stays_hidden_from_others_in_the_list(
    client: TestClient, db: Database, world: factories.World
) -> None:
    _, notice_id = _draft(client, db, world)
    with db.transaction() as conn:
        NoticeStore(conn, world.scope(UZ, Role.EDITOR)).submit(notice_id)
    assert notice_id not in Browser(client, username(KZ, Role.EDITOR)).get("/notices?state=submitted").text
