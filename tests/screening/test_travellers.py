"""Traveller checks over the store: document and person hits, notices, restrictions, stored hits,
notifications in the check's transaction, remembered false positives, movements."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import ValidationFailed
from kalkan.model.notices import Review
from kalkan.model.records import Direction, Notice
from kalkan.model.validation import parse_record
from kalkan.screening.documents import DocumentChecker, Outcome
from kalkan.screening.names import NameScreening
from kalkan.screening.travellers import Context, TravellerResult, TravellerScreening, traveller_query
from kalkan.store import documents, hits
from kalkan.store.database import Database
from kalkan.store.notices import NoticeStore
from kalkan.store.outbox import notifications
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log, records
from tests import factories

#: The zone of Jalolov Aziz, born 1984-03-12, Uzbek passport FA1234567.
MRZ = "P<UZBJALOLOV<<AZIZ<<<<<<<<<<<<<<<<<<<<<<<<<<\nFA12345672UZB8403125M3105011<<<<<<<<<<<<<<04"
CHECKER = "TJ-NCB"
POST = Context("Dusti", Direction.ENTRY, "Somon Air", "SZ 202")
ALL_MET = {
    name: {"passed": True}
    for name in ("lawful_purpose", "no_political_military_religious_racial_character", "minimum_identifiers", "data_quality")
}


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.ANALYST, Role.OFFICER, Role.SECRETARIAT))


def screening(db: Database, *, record_movements: bool = False) -> TravellerScreening:
    return TravellerScreening(DocumentChecker(db, refresh_seconds=0), NameScreening(db), record_movements=record_movements)


def check(
    db: Database, world: factories.World, *travellers: dict[str, Any], agency: str = CHECKER, **options: Any
) -> list[TravellerResult]:
    queries = [traveller_query(context=POST, **traveller) for traveller in travellers]
    with db.transaction() as conn:
        return screening(db, **options).check(conn, world.scope(agency, Role.OFFICER), queries)


def create_person(db: Database, world: factories.World, agency: str = "UZ-NCB", **overrides: Any) -> str:
    with db.transaction() as conn:
        return RecordStore(conn, world.scope(agency, Role.EDITOR)).create(factories.person(**overrides)).id


def report_stolen(db: Database, number: str = "FA1234567", **fields: Any) -> str:
    with db.transaction() as conn:
        documents.write_batch(conn, Scope.system("KZ-NCB"), [documents.DocumentEntry("UZB", "passport", number, "stolen", **fields)])
        row_id = conn.execute(select(documents.documents.c.id).where(documents.documents.c.number == number)).scalar_one()
    return f"{documents.REF_PREFIX}{row_id}"


def red_notice(db: Database, world: factories.World, subject_id: str, *, publish: bool = True, agency: str = "KZ-NCB") -> str:
    parsed = parse_record(
        {
            "kind": "notice",
            "notice_type": "red",
            "subject_id": subject_id,
            "grounds": "Warrant 2024/117: membership of a terrorist organisation",
            "action_to_take": "Arrest with a view to extradition; inform KZ-NCB at once",
            "restriction": {"mode": "all"},
        }
    )
    assert isinstance(parsed, Notice)
    with db.transaction() as conn:
        notice_id = NoticeStore(conn, world.scope(agency, Role.EDITOR)).create(parsed).record.id
    if publish:
        with db.transaction() as conn:
            NoticeStore(conn, world.scope(agency, Role.EDITOR)).submit(notice_id)
        with db.transaction() as conn:
            review = Review.model_validate({"checklist": ALL_MET, "decision": "publish"})
            NoticeStore(conn, world.scope(factories.SECRETARIAT, Role.SECRETARIAT)).review(notice_id, review)
    return notice_id


def sent(db: Database) -> list[tuple[str, dict[str, Any]]]:
    """The hit notifications written, oldest first: (agency, payload)."""
    with db.transaction() as conn:
        rows = conn.execute(
            select(notifications.c.agency, notifications.c.payload).where(notifications.c.kind == "hit").order_by(notifications.c.seq)
        )
        return [(str(r.agency), json.loads(r.payload)) for r in rows]


def test_a_stolen_passport_hits_and_its_owner_is_told(db: Database, world: factories.World) -> None:
    ref = report_stolen(db, restriction_mode="all")
    (result,) = check(db, world, {"mrz": MRZ})
    assert result.verdict is Outcome.HIT
    (hit,) = result.hits
    assert (hit.record_id, hit.owner, hit.restricted, hit.outcome) == (ref, "KZ-NCB", False, Outcome.HIT)
    assert hit.document is not None
    assert hit.document.candidate.detail is not None
    assert hit.hit_id is not None
    assert result.check_id is not None
    ((agency, payload),) = sent(db)
    assert agency == "KZ-NCB"
    assert (payload["hit_id"], payload["record_id"], payload["checking_agency"]) == (hit.hit_id, ref, CHECKER)
    assert payload["context"]["border_post"] == "Dusti"
    with db.transaction() as conn:
        (stored,) = hits.list_hits(conn, world.scope("KZ-NCB", Role.ANALYST))
    assert (stored.id, stored.check_id, stored.record_id, stored.state) == (hit.hit_id, result.check_id, ref, hits.HitState.OPEN)


def test_a_person_under_a_published_red_notice_hits_with_the_action_to_take(db: Database, world: factories.World) -> None:
    person = create_person(db, world)
    notice = red_notice(db, world, person)
    (result,) = check(db, world, {"names": ["Жалолов Азиз"], "birth_date": factories.person().dates_of_birth[0]})  # type: ignore[union-attr]
    assert result.verdict is Outcome.HIT
    (hit,) = result.hits
    assert (hit.record_id, hit.owner, hit.restricted) == (person, "UZ-NCB", False)
    assert [(n.id, n.action_to_take) for n in hit.notices] == [(notice, "Arrest with a view to extradition; inform KZ-NCB at once")]
    assert hit.explanation["record_name"]
    told = dict(sent(db))
    assert set(told) == {"UZ-NCB", "KZ-NCB"}  # the record's owner and the notice's requester
    assert told["UZ-NCB"]["notice_ids"] == [notice]
    assert (told["KZ-NCB"]["notice_id"], told["KZ-NCB"]["record_id"]) == (notice, person)


def test_a_draft_notice_does_not_drive_the_action(db: Database, world: factories.World) -> None:
    person = create_person(db, world)
    red_notice(db, world, person, publish=False)
    (result,) = check(db, world, {"mrz": MRZ})
    (hit,) = result.hits
    assert (hit.record_id, hit.notices) == (person, ())
    assert [agency for agency, _ in sent(db)] == ["UZ-NCB"]


def test_a_restricted_record_that_discloses_nothing_gives_no_hit_and_leaks_nothing(db: Database, world: factories.World) -> None:
    create_person(db, world, restriction={"mode": "owner", "hit_disclosure": "nothing"})
    report_stolen(db, restriction_mode="owner", hit_disclosure="nothing")
    (result,) = check(db, world, {"mrz": MRZ})
    assert (result.verdict, result.hits, result.check_id) == (Outcome.NO_HIT, (), None)
    assert sent(db) == []
    with db.transaction() as conn:
        (entry,) = conn.execute(select(audit_log).where(audit_log.c.action == "check.travellers")).all()
    assert json.loads(entry.record_ids) == []


def test_a_restricted_record_that_allows_contact_is_a_possible_hit_without_detail(db: Database, world: factories.World) -> None:
    person = create_person(db, world, restriction={"mode": "owner", "hit_disclosure": "contact_owner"})
    ref = report_stolen(db, restriction_mode="owner", hit_disclosure="contact_owner")
    (result,) = check(db, world, {"mrz": MRZ})
    assert result.verdict is Outcome.POSSIBLE_HIT
    assert {(h.record_id, h.owner, h.outcome, h.restricted) for h in result.hits} == {
        (ref, "KZ-NCB", Outcome.POSSIBLE_HIT, True),
        (person, "UZ-NCB", Outcome.POSSIBLE_HIT, True),
    }
    assert all(h.label is None and h.explanation == {} and h.document is None and h.notices == () for h in result.hits)
    assert sorted(agency for agency, _ in sent(db)) == ["KZ-NCB", "UZ-NCB"]  # the owners are told, with their own records


def test_notifications_roll_back_with_the_check(db: Database, world: factories.World) -> None:
    report_stolen(db, restriction_mode="all")
    query = traveller_query(mrz=MRZ, context=POST)

    def fail_after_the_check() -> None:
        with db.transaction() as conn:
            (result,) = screening(db).check(conn, world.scope(CHECKER, Role.OFFICER), [query])
            assert result.verdict is Outcome.HIT
            assert conn.execute(select(func.count()).select_from(notifications)).scalar_one() == 1
            raise RuntimeError("the request failed after the check")

    with pytest.raises(RuntimeError, match="failed after the check"):
        fail_after_the_check()
    assert sent(db) == []
    with db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(hits.hits)).scalar_one() == 0


def test_a_false_positive_is_remembered_until_the_record_changes(db: Database, world: factories.World) -> None:
    person = create_person(db, world)
    (first,) = check(db, world, {"mrz": MRZ})
    (hit,) = first.hits
    assert hit.hit_id is not None
    with db.transaction() as conn:
        hits.resolve(conn, world.scope("UZ-NCB", Role.ANALYST), hit.hit_id, hits.HitState.FALSE_POSITIVE, "another Jalolov")

    (again,) = check(db, world, {"mrz": MRZ})
    assert (again.verdict, again.hits) == (Outcome.NO_HIT, ())
    assert [h.record_id for h in again.remembered_false_positives] == [person]
    (other_traveller,) = check(db, world, {"names": ["Jalolov Aziz"], "birth_date": factories.person().dates_of_birth[0]})  # type: ignore[union-attr]
    assert [h.record_id for h in other_traveller.hits] == [person]  # another key: not remembered

    with db.transaction() as conn:
        store = RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR))
        store.update(person, factories.person(remarks="seen in Osh"), expected_version=1)
    (changed,) = check(db, world, {"mrz": MRZ})
    assert [(h.record_id, h.record_version) for h in changed.hits] == [(person, 2)]


def test_a_new_record_still_hits_a_remembered_traveller(db: Database, world: factories.World) -> None:
    create_person(db, world)
    (first,) = check(db, world, {"mrz": MRZ})
    assert first.hits[0].hit_id is not None
    with db.transaction() as conn:
        hits.resolve(conn, world.scope("UZ-NCB", Role.EDITOR), first.hits[0].hit_id, hits.HitState.FALSE_POSITIVE, None)
    ref = report_stolen(db, restriction_mode="all")
    (result,) = check(db, world, {"mrz": MRZ})
    assert [h.record_id for h in result.hits] == [ref]


def test_a_movement_is_recorded_only_when_the_deployment_asks(db: Database, world: factories.World) -> None:
    person = create_person(db, world)
    (off,) = check(db, world, {"mrz": MRZ})
    assert off.movement_id is None
    (on,) = check(db, world, {"mrz": MRZ}, record_movements=True)
    assert on.movement_id is not None
    with db.transaction() as conn:
        event = RecordStore(conn, world.scope(CHECKER, Role.ANALYST)).get(on.movement_id)
        rows = conn.execute(select(func.count()).select_from(records).where(records.c.kind == "event")).scalar_one()
    assert rows == 1
    assert (event.kind, event.owner) == ("event", CHECKER)
    assert event.movement is not None  # type: ignore[union-attr]
    assert (event.movement.person_id, event.movement.border_post, event.movement.direction) == (person, "Dusti", Direction.ENTRY)  # type: ignore[union-attr]
    assert event.restriction.mode == "owner"
    (nobody,) = check(db, world, {"names": ["Rahimzoda Saidmumin"]}, record_movements=True)
    assert nobody.movement_id is None


def test_a_traveller_without_identifying_data_is_refused() -> None:
    with pytest.raises(ValidationFailed) as raised:
        traveller_query(context=POST, prefix="travellers[0].")
    assert [f.field for f in raised.value.faults] == ["travellers[0]"]
    assert "no identifying data" in raised.value.faults[0].fault
    with pytest.raises(ValidationFailed) as half:
        traveller_query(issuing_state="UZB")
    assert [f.field for f in half.value.faults] == ["number"]


def test_a_manifest_is_one_audit_entry_naming_the_records_returned(db: Database, world: factories.World) -> None:
    person = create_person(db, world)
    ref = report_stolen(db, "AB1234567", restriction_mode="all")
    results = check(
        db, world, {"mrz": MRZ}, {"issuing_state": "UZB", "number": "AB1234567"}, {"names": ["Ivanov Pyotr"], "birth_date": None}
    )
    assert [r.verdict for r in results] == [Outcome.HIT, Outcome.HIT, Outcome.NO_HIT]
    with db.transaction() as conn:
        entries = conn.execute(select(audit_log).where(audit_log.c.action.like("check.%"))).all()
    (entry,) = entries
    assert entry.action == "check.travellers"
    assert set(json.loads(entry.record_ids)) == {person, ref}
