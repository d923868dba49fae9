"""Name screening over the store: the index follows the change log, survives a restart, obeys access."""

from __future__ import annotations

from pathlib import Path

import pytest

from kalkan.access.roles import Role
from kalkan.errors import Forbidden, ValidationFailed
from kalkan.matching.names import sync
from kalkan.screening.names import NameQuery, NameScreening
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from tests import factories


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.OFFICER, Role.AUDITOR))


def _hits(screening: NameScreening, db: Database, world: factories.World, name: str, agency: str = "KZ-NCB") -> list[str]:
    with db.transaction() as conn:
        (result,) = screening.check(conn, world.scope(agency, Role.OFFICER), [NameQuery((name,))], kind="person")
    return [candidate.record_id for candidate in result.candidates if candidate.hit]


def _create(db: Database, world: factories.World, **overrides: object) -> str:
    with db.transaction() as conn:
        return RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person(**overrides)).id


def test_a_restart_loads_the_saved_index_and_replays_only_the_log(db: Database, world: factories.World, tmp_path: Path) -> None:
    first = _create(db, world)
    screening = NameScreening(db, tmp_path)
    assert _hits(screening, db, world, "Zhalolov Aziz") == [first]
    second = _create(db, world, names=[{"value": "Рахимзода Саидмумин"}])

    def no_rebuild(*_: object) -> object:
        raise AssertionError("the index was rebuilt instead of loaded")

    original = sync.build
    sync.build = no_rebuild  # type: ignore[assignment]
    try:
        restarted = NameScreening(db, tmp_path)
        assert _hits(restarted, db, world, "Rahimzade Saidmumin") == [second]
        assert _hits(restarted, db, world, "Jalolov Aziz") == [first]
    finally:
        sync.build = original


def test_a_change_committed_behind_the_mark_is_still_applied(db: Database, world: factories.World) -> None:
    if db.dialect == "sqlite":
        pytest.skip("SQLite commits in sequence order: no change can appear behind the mark, and none is looked for")
    screening = NameScreening(db)
    assert _hits(screening, db, world, "Jalolov Aziz") == []
    late = _create(db, world)
    # As if a later sequence number had committed first and been seen already.
    screening._sequence += 3
    assert _hits(screening, db, world, "Jalolov Aziz") == [late]


def test_cancelled_records_drop_out(db: Database, world: factories.World) -> None:
    record = _create(db, world)
    screening = NameScreening(db)
    assert _hits(screening, db, world, "Jalolov Aziz") == [record]
    with db.transaction() as conn:
        RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).cancel(record, reason="closed")
    assert _hits(screening, db, world, "Jalolov Aziz") == []


def test_another_agency_sees_only_what_the_restriction_allows(db: Database, world: factories.World) -> None:
    record = _create(db, world, restriction={"mode": "except", "agencies": ["TJ-NCB"]})
    screening = NameScreening(db)
    assert _hits(screening, db, world, "Jalolov Aziz", "KZ-NCB") == [record]
    assert _hits(screening, db, world, "Jalolov Aziz", "TJ-NCB") == []


def test_a_held_document_number_adds_to_the_score(db: Database, world: factories.World) -> None:
    record = _create(db, world)
    with db.transaction() as conn:
        RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.travel_document(holder_id=record))
    screening = NameScreening(db)
    with db.transaction() as conn:
        scope = world.scope("KZ-NCB", Role.OFFICER)
        plain, with_document = screening.check(
            conn, scope, [NameQuery(("Jalolov Azamat",)), NameQuery(("Jalolov Azamat",), document_numbers=("FA 1234567",))], kind="person"
        )
    assert with_document.candidates[0].score > plain.candidates[0].score
    assert "document_match" in {f["name"] for f in with_document.candidates[0].explanation["features"]}


def test_checks_need_the_permission_and_good_names(db: Database, world: factories.World) -> None:
    screening = NameScreening(db)
    with db.transaction() as conn, pytest.raises(Forbidden):
        screening.check(conn, world.scope("KZ-NCB", Role.AUDITOR), [NameQuery(("Jalolov",))], kind="person")
    with db.transaction() as conn, pytest.raises(ValidationFailed) as raised:
        screening.check(conn, world.scope("KZ-NCB", Role.OFFICER), [NameQuery(("Ali",)), NameQuery(("-- !",))], kind="person")
    assert [fault.field for fault in raised.value.faults] == ["queries[1].names[0]"]
