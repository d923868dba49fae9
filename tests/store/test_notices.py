"""Notices through the store: the life cycle, who may do each step, and which notices drive hits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from kalkan.access.roles import Role
from kalkan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kalkan.model.notices import NoticeState, Review
from kalkan.model.records import Notice, NoticeType
from kalkan.model.validation import parse_record
from kalkan.store.database import Database
from kalkan.store.notices import NoticeStore, published_notices
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log, change_log
from tests import factories

OWNER = "UZ-NCB"
OTHER = "KZ-NCB"
THIRD = "TJ-NCB"

MET = {"passed": True}
ALL_MET = {
    "lawful_purpose": MET,
    "no_political_military_religious_racial_character": MET,
    "minimum_identifiers": MET,
    "data_quality": MET,
}


def notice(subject_id: str, **fields: Any) -> Notice:
    data: dict[str, Any] = {
        "kind": "notice",
        "notice_type": "red",
        "subject_id": subject_id,
        "grounds": "Warrant 2024/117 of the Tashkent city court: membership of a terrorist organisation",
        "action_to_take": "Arrest with a view to extradition; inform UZ-NCB at once",
        "restriction": {"mode": "all"},
        **fields,
    }
    parsed = parse_record(data)
    assert isinstance(parsed, Notice)
    return parsed


def publish(reasons: str | None = None) -> Review:
    return Review.model_validate({"checklist": ALL_MET, "decision": "publish", "reasons": reasons})


def refuse(item: str, reason: str) -> Review:
    checklist = {**ALL_MET, item: {"passed": False, "reason": reason}}
    return Review.model_validate({"checklist": checklist, "decision": "refuse", "reasons": reason})


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db)


@pytest.fixture
def subject(db: Database, world: factories.World) -> str:
    with db.transaction() as conn:
        return RecordStore(conn, world.scope(OWNER, Role.EDITOR)).create(factories.person()).id


def store(db: Database, world: factories.World, agency: str, role: Role) -> Any:
    """A transaction and a NoticeStore in it, as one user of the world."""

    class _Session:
        def __enter__(self) -> NoticeStore:
            self._tx = db.transaction()
            conn = self._tx.__enter__()
            return NoticeStore(conn, world.scope(agency, role))

        def __exit__(self, *exc: Any) -> None:
            self._tx.__exit__(*exc)

    return _Session()


def hits(db: Database, world: factories.World, agency: str, subjects: list[str], today: date | None = None) -> list[str]:
    with db.transaction() as conn:
        return [n.id for n in published_notices(conn, world.scope(agency, Role.OFFICER), subjects, today=today)]


def test_red_notice_from_draft_to_published_to_cancelled(db: Database, world: factories.World, subject: str) -> None:
    with store(db, world, OWNER, Role.EDITOR) as notices:
        draft = notices.create(notice(subject))
    notice_id = draft.record.id
    assert (draft.state, draft.record.owner, draft.record.subject_id) == (NoticeState.DRAFT, OWNER, subject)
    assert hits(db, world, OTHER, [subject]) == []
    with store(db, world, OTHER, Role.ANALYST) as notices:
        assert notices.find() == ([], 0)  # a draft is its agency's own business
        with pytest.raises(NotFound):
            notices.get(notice_id)

    with store(db, world, OWNER, Role.EDITOR) as notices:
        assert notices.submit(notice_id).state is NoticeState.SUBMITTED
    assert hits(db, world, OTHER, [subject]) == []  # not before the secretariat publishes it
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        assert [v.record.id for v in notices.review_queue()] == [notice_id]
        published = notices.review(notice_id, publish("all items met"))
    assert published.state is NoticeState.PUBLISHED
    assert [r.decision.value for r in published.reviews] == ["publish"]
    assert published.reviews[0].checklist["lawful_purpose"] == {"passed": True, "reason": None}

    assert hits(db, world, OTHER, [subject, "f" * 32]) == [notice_id]
    with store(db, world, OTHER, Role.ANALYST) as notices:
        seen = notices.get(notice_id)
        assert seen.state is NoticeState.PUBLISHED
        assert seen.reviews == []  # the review is between the requesting agency and the secretariat
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        assert notices.review_queue() == []

    with store(db, world, OWNER, Role.EDITOR) as notices:
        assert notices.cancel(notice_id, reason="arrested in Almaty").state is NoticeState.CANCELLED
    assert hits(db, world, OTHER, [subject]) == []

    with db.transaction() as conn:
        ops = list(conn.execute(select(change_log.c.op).where(change_log.c.record_id == notice_id).order_by(change_log.c.seq)).scalars())
        actions = set(conn.execute(select(audit_log.c.action)).scalars())
    assert ops == ["create", "submit", "publish", "cancel"]
    assert {"notice.create", "notice.submit", "notice.publish", "notice.cancel", "notice.read", "notice.review_queue"} <= actions


def test_only_the_requesting_agency_changes_and_only_the_secretariat_reviews(db: Database, world: factories.World, subject: str) -> None:
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notice_id = notices.create(notice(subject)).record.id
    with store(db, world, OTHER, Role.EDITOR) as notices, pytest.raises(NotFound):
        notices.submit(notice_id)  # a draft is its agency's alone: others do not learn it exists
    with store(db, world, OWNER, Role.ANALYST) as notices, pytest.raises(Forbidden, match="write records"):
        notices.submit(notice_id)
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notices.submit(notice_id)
        with pytest.raises(Conflict, match="only a draft or a refused notice"):
            notices.submit(notice_id)
    for agency, role in [(OWNER, Role.EDITOR), (OTHER, Role.AGENCY_ADMIN), (factories.SECRETARIAT, Role.AUDITOR)]:
        with store(db, world, agency, role) as notices, pytest.raises(Forbidden, match="only the secretariat"):
            notices.review(notice_id, publish())
    with store(db, world, OTHER, Role.EDITOR) as notices, pytest.raises(NotFound):
        notices.cancel(notice_id, reason="not ours")  # submitted, not published: still hidden from others
    with store(db, world, OWNER, Role.EDITOR) as notices:
        assert notices.get(notice_id).state is NoticeState.SUBMITTED


def test_a_refused_notice_gives_reasons_and_can_be_fixed_and_submitted_again(db: Database, world: factories.World, subject: str) -> None:
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notice_id = notices.create(notice(subject)).record.id
        notices.submit(notice_id)
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        refused = notices.review(notice_id, refuse("minimum_identifiers", "no date of birth and no document"))
        with pytest.raises(Conflict, match="not waiting for review"):
            notices.review(notice_id, publish())
    assert refused.state is NoticeState.REFUSED
    assert refused.reviews[0].checklist["minimum_identifiers"] == {"passed": False, "reason": "no date of birth and no document"}
    assert refused.reviews[0].reasons == "no date of birth and no document"
    assert hits(db, world, OTHER, [subject]) == []
    with store(db, world, OTHER, Role.ANALYST) as notices:
        assert notices.find() == ([], 0)
    with store(db, world, OWNER, Role.EDITOR) as notices:
        assert notices.submit(notice_id).state is NoticeState.SUBMITTED
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        assert [r.decision.value for r in notices.review(notice_id, publish()).reviews] == ["refuse", "publish"]


def test_the_checklist_decides_what_may_be_published() -> None:
    with pytest.raises(ValidationError, match="not met: no_political_military_religious_racial_character"):
        Review.model_validate(
            {
                "checklist": {
                    **ALL_MET,
                    "no_political_military_religious_racial_character": {"passed": False, "reason": "opposition politician"},
                },
                "decision": "publish",
            }
        )
    with pytest.raises(ValidationError, match="needs a reason"):
        Review.model_validate({"checklist": {**ALL_MET, "data_quality": {"passed": False}}, "decision": "refuse", "reasons": "x"})
    with pytest.raises(ValidationError, match="a refusal needs its reasons"):
        Review.model_validate({"checklist": ALL_MET, "decision": "refuse"})
    with pytest.raises(ValidationError, match="data_quality"):
        Review.model_validate({"checklist": {k: v for k, v in ALL_MET.items() if k != "data_quality"}, "decision": "publish"})


def test_a_diffusion_goes_out_at_once_to_its_addressees_only(db: Database, world: factories.World, subject: str) -> None:
    diffusion = notice(subject, notice_type="diffusion", addressees=[OTHER], action_to_take="Locate and report to UZ-NCB")
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notice_id = notices.create(diffusion).record.id
        sent = notices.submit(notice_id)
    assert (sent.state, sent.review_pending) == (NoticeState.PUBLISHED, True)
    assert hits(db, world, OTHER, [subject]) == [notice_id]
    assert hits(db, world, OWNER, [subject]) == [notice_id]
    assert hits(db, world, THIRD, [subject]) == []  # may see the record, but was not addressed
    with store(db, world, THIRD, Role.ANALYST) as notices:
        assert notices.find() == ([], 0)
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        assert [v.record.id for v in notices.review_queue()] == [notice_id]
        reviewed = notices.review(notice_id, publish())
        assert notices.review_queue() == []
    assert (reviewed.state, reviewed.review_pending) == (NoticeState.PUBLISHED, False)


def test_a_diffusion_refused_after_the_fact_stops_driving_hits(db: Database, world: factories.World, subject: str) -> None:
    diffusion = notice(subject, notice_type="diffusion", addressees=[OTHER, THIRD])
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notice_id = notices.create(diffusion).record.id
        notices.submit(notice_id)
    assert hits(db, world, THIRD, [subject]) == [notice_id]
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        notices.review(notice_id, refuse("lawful_purpose", "a civil debt, not a crime"))
    assert hits(db, world, OTHER, [subject]) == hits(db, world, THIRD, [subject]) == []


def test_diffusion_addressees_must_be_able_to_see_it(db: Database, world: factories.World, subject: str) -> None:
    hidden = notice(subject, notice_type="diffusion", addressees=[OTHER], restriction={"mode": "only", "agencies": [THIRD]})
    with store(db, world, OWNER, Role.EDITOR) as notices, pytest.raises(ValidationFailed) as caught:
        notices.create(hidden)
    assert caught.value.faults[0].field == "addressees[0]"
    with pytest.raises(ValidationFailed, match="only a diffusion"):
        notice(subject, addressees=[OTHER])
    with pytest.raises(ValidationFailed, match="at least one addressee"):
        notice(subject, notice_type="diffusion")


def test_a_notice_concerns_a_person_an_organisation_or_a_document(db: Database, world: factories.World, subject: str) -> None:
    with db.transaction() as conn:
        records = RecordStore(conn, world.scope(OWNER, Role.EDITOR))
        organisation = records.create(factories.organisation()).id
        link = records.create(factories.link(subject, organisation)).id
        secret = RecordStore(conn, world.scope(OTHER, Role.EDITOR)).create(factories.person(restriction={"mode": "owner"})).id
    with store(db, world, OWNER, Role.EDITOR) as notices:
        assert notices.create(notice(organisation, notice_type="un_security_council")).record.subject_id == organisation
        with pytest.raises(ValidationFailed, match="not a link"):
            notices.create(notice(link))
    with store(db, world, OWNER, Role.EDITOR) as notices, pytest.raises(ValidationFailed) as caught:
        notices.create(notice(secret))  # another agency's record that UZ-NCB may not see
    assert caught.value.faults[0].field == "subject_id"


def test_an_expired_notice_drives_no_hits_and_reads_expired(db: Database, world: factories.World, subject: str) -> None:
    expires = date.today() + timedelta(days=30)
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notice_id = notices.create(notice(subject, notice_type="yellow", expires_on=expires.isoformat())).record.id
        notices.submit(notice_id)
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        notices.review(notice_id, publish())
    assert hits(db, world, OTHER, [subject], today=expires) == [notice_id]
    assert hits(db, world, OTHER, [subject], today=expires + timedelta(days=1)) == []


def test_a_notice_submitted_with_a_past_expiry_is_refused(db: Database, world: factories.World, subject: str) -> None:
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notice_id = notices.create(notice(subject, expires_on="2020-01-01")).record.id
        with pytest.raises(ValidationFailed, match="expired on 2020-01-01"):
            notices.submit(notice_id)


def test_a_published_notice_changed_through_the_records_api_goes_back_for_review(
    db: Database, world: factories.World, subject: str
) -> None:
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notice_id = notices.create(notice(subject)).record.id
        notices.submit(notice_id)
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        notices.review(notice_id, publish())
    assert hits(db, world, OTHER, [subject]) == [notice_id]
    with db.transaction() as conn:
        RecordStore(conn, world.scope(OWNER, Role.EDITOR)).update(
            notice_id, notice(subject, action_to_take="Shoot on sight"), expected_version=1
        )
    assert hits(db, world, OTHER, [subject]) == []  # the change was never reviewed
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        queued = notices.review_queue()
        assert [(v.record.id, v.state, v.record.action_to_take) for v in queued] == [(notice_id, NoticeState.SUBMITTED, "Shoot on sight")]
        notices.review(notice_id, refuse("lawful_purpose", "not a lawful request"))
    assert hits(db, world, OTHER, [subject]) == []


def test_a_notice_written_through_the_records_api_is_a_draft(db: Database, world: factories.World, subject: str) -> None:
    with db.transaction() as conn:
        notice_id = RecordStore(conn, world.scope(OWNER, Role.EDITOR)).create(notice(subject, notice_type="blue")).id
    with store(db, world, OWNER, Role.EDITOR) as notices:
        found, total = notices.find(notice_type=None)
        assert ([v.record.id for v in found], total) == ([notice_id], 1)
        assert found[0].state is NoticeState.DRAFT
        assert notices.submit(notice_id).state is NoticeState.SUBMITTED


def test_the_secretariat_reviews_a_notice_its_restriction_hides_from_it(db: Database, world: factories.World, subject: str) -> None:
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notice_id = notices.create(notice(subject, restriction={"mode": "only", "agencies": [OTHER]})).record.id
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        assert notices.review_queue() == []  # a draft is not the secretariat's to see
    with store(db, world, OWNER, Role.EDITOR) as notices:
        notices.submit(notice_id)
    with store(db, world, factories.SECRETARIAT, Role.SECRETARIAT) as notices:
        (queued,) = notices.review_queue()
        assert (queued.record.id, queued.record.subject_id) == (notice_id, subject)
        notices.review(notice_id, publish())
    assert hits(db, world, OTHER, [subject]) == [notice_id]
    assert hits(db, world, THIRD, [subject]) == []  # the restriction binds the hits
    assert hits(db, world, factories.SECRETARIAT, [subject]) == []


def test_notices_list_filters_by_state_and_type(db: Database, world: factories.World, subject: str) -> None:
    with store(db, world, OWNER, Role.EDITOR) as notices:
        red = notices.create(notice(subject)).record.id
        blue = notices.create(notice(subject, notice_type="blue")).record.id
        notices.submit(blue)
    with store(db, world, OWNER, Role.ANALYST) as notices:
        assert [v.record.id for v in notices.find(state=NoticeState.DRAFT)[0]] == [red]
        assert [v.record.id for v in notices.find(state=NoticeState.SUBMITTED)[0]] == [blue]
        assert [v.record.id for v in notices.find(notice_type=NoticeType.BLUE)[0]] == [blue]
        assert notices.find(limit=1)[1] == 2
