"""The record repository: writes, versions, references and the change log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kalkan.model.records import RecordStatus
from kalkan.store.database import Database
from kalkan.store.records import RecordFilter, RecordStore
from kalkan.store.tables import change_log
from tests import factories


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.ANALYST, Role.OFFICER))


def test_create_read_update_cancel_round_trip(db: Database, world: factories.World) -> None:
    editor = world.scope("UZ-NCB", Role.EDITOR)
    with db.transaction() as conn:
        created = RecordStore(conn, editor).create(factories.person())
    assert created.owner == "UZ-NCB"
    assert created.version == 1
    assert created.status is RecordStatus.ACTIVE
    assert (created.review_date - created.created_at.date()).days == 5 * 365

    with db.transaction() as conn:
        updated = RecordStore(conn, editor).update(created.id, factories.person(gender="unknown"), expected_version=1)
    assert updated.version == 2
    assert updated.gender == "unknown"

    with db.transaction() as conn:
        cancelled = RecordStore(conn, editor).cancel(created.id, reason="duplicate", expected_version=2)
    assert cancelled.status is RecordStatus.CANCELLED
    with db.transaction() as conn:
        ops = conn.execute(select(change_log.c.op).order_by(change_log.c.seq)).scalars().all()
    assert ops == ["create", "update", "cancel"]


def test_stale_version_is_refused_and_changes_nothing(db: Database, world: factories.World) -> None:
    editor = world.scope("UZ-NCB", Role.EDITOR)
    with db.transaction() as conn:
        created = RecordStore(conn, editor).create(factories.person())
        RecordStore(conn, editor).update(created.id, factories.person(gender="female"), expected_version=1)
    with pytest.raises(Conflict, match="version 2, not 1"), db.transaction() as conn:
        RecordStore(conn, editor).update(created.id, factories.person(gender="unknown"), expected_version=1)
    with db.transaction() as conn:
        assert RecordStore(conn, world.scope("UZ-NCB", Role.ANALYST)).get(created.id).gender == "female"
        assert conn.execute(select(func.count()).select_from(change_log)).scalar_one() == 2


def test_only_the_owner_writes(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        created = RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person())
    with pytest.raises(Forbidden, match="belongs to agency UZ-NCB"), db.transaction() as conn:
        RecordStore(conn, world.scope("KZ-NCB", Role.EDITOR)).cancel(created.id, reason="not mine")
    with pytest.raises(Forbidden, match="roles"), db.transaction() as conn:
        RecordStore(conn, world.scope("UZ-NCB", Role.ANALYST)).create(factories.person())


def test_reference_to_invisible_record_is_refused(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        secret = RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person(restriction={"mode": "owner"}))
    with pytest.raises(ValidationFailed, match="holder_id"), db.transaction() as conn:
        RecordStore(conn, world.scope("KZ-NCB", Role.EDITOR)).create(factories.travel_document(holder_id=secret.id))


def test_external_reference_names_one_record_per_agency(db: Database, world: factories.World) -> None:
    refs = [{"scheme": "case", "value": "UZ-2024-117"}]
    with db.transaction() as conn:
        RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person(external_refs=refs))
        # Another agency may use the same number for its own record.
        RecordStore(conn, world.scope("KZ-NCB", Role.EDITOR)).create(factories.person(external_refs=refs))
    with pytest.raises(Conflict, match="case:UZ-2024-117"), db.transaction() as conn:
        RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person(external_refs=refs))


def test_search_by_text_in_any_script_and_by_reference(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        store = RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR))
        wanted = store.create(factories.person(external_refs=[{"scheme": "un", "value": "QDi.431"}]))
        store.create(factories.person(names=["Someone Else"]))
    with db.transaction() as conn:
        reader = RecordStore(conn, world.scope("KZ-NCB", Role.ANALYST))
        assert [r.id for r in reader.find(RecordFilter(text="ЖАЛОЛОВ"))] == [wanted.id]
        assert [r.id for r in reader.find(RecordFilter(ref_value="QDi.431"))] == [wanted.id]
        assert reader.find(RecordFilter(text="100%_")) == []


def test_unknown_record_reads_as_not_found(db: Database, world: factories.World) -> None:
    with pytest.raises(NotFound), db.transaction() as conn:
        RecordStore(conn, world.scope("UZ-NCB", Role.ANALYST)).get("0" * 32)


def test_writing_a_record_the_writer_may_not_see_reads_as_not_found(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        secret = RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person(restriction={"mode": "owner"}))
    kazakh = world.scope("KZ-NCB", Role.EDITOR)
    with pytest.raises(NotFound, match="that your agency may see"), db.transaction() as conn:
        RecordStore(conn, kazakh).update(secret.id, factories.person(), expected_version=1)
    with pytest.raises(NotFound, match="that your agency may see"), db.transaction() as conn:
        RecordStore(conn, kazakh).cancel(secret.id, reason="not theirs")
    with db.transaction() as conn:
        assert RecordStore(conn, world.scope("UZ-NCB", Role.ANALYST)).get(secret.id).version == 1


@pytest.mark.parametrize("end", ["source_id", "target_id"])
def test_a_link_to_a_record_the_writer_may_not_see_is_refused(db: Database, world: factories.World, end: str) -> None:
    with db.transaction() as conn:
        uzbek = RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR))
        secret = uzbek.create(factories.person(restriction={"mode": "only", "agencies": ["TJ-NCB"]})).id
        public = uzbek.create(factories.organisation()).id
    ends = {"source_id": secret, "target_id": public} if end == "source_id" else {"source_id": public, "target_id": secret}
    with pytest.raises(ValidationFailed) as caught, db.transaction() as conn:
        RecordStore(conn, world.scope("KZ-NCB", Role.EDITOR)).create(factories.link(**ends))
    assert [f.field for f in caught.value.faults] == [end]
    with db.transaction() as conn:  # an agency the owner listed may link it
        created = RecordStore(conn, world.scope("TJ-NCB", Role.EDITOR)).create(factories.link(**ends))
    assert created.owner == "TJ-NCB"


def test_cancelled_record_cannot_be_changed(db: Database, world: factories.World) -> None:
    editor = world.scope("UZ-NCB", Role.EDITOR)
    with db.transaction() as conn:
        created = RecordStore(conn, editor).create(factories.person())
        RecordStore(conn, editor).cancel(created.id, reason="withdrawn by the owner")
    with pytest.raises(Conflict, match="cancelled"), db.transaction() as conn:
        RecordStore(conn, editor).update(created.id, factories.person(gender="female"), expected_version=2)
    with db.transaction() as conn:
        kept = RecordStore(conn, world.scope("UZ-NCB", Role.ANALYST)).get(created.id)
    assert (kept.version, kept.gender, kept.status) == (2, "male", RecordStatus.CANCELLED)


def test_a_cancelled_record_is_reinstated_by_its_owner_only(db: Database, world: factories.World) -> None:
    editor = world.scope("UZ-NCB", Role.EDITOR)
    with db.transaction() as conn:
        created = RecordStore(conn, editor).create(factories.person())
        RecordStore(conn, editor).cancel(created.id, reason="delisted")
    with pytest.raises(Forbidden), db.transaction() as conn:
        RecordStore(conn, world.scope("KZ-NCB", Role.EDITOR)).reinstate(created.id, reason="not mine")
    with db.transaction() as conn:
        back = RecordStore(conn, editor).reinstate(created.id, reason="listed again", expected_version=2)
    assert (back.status, back.version) == (RecordStatus.ACTIVE, 3)
    with pytest.raises(Conflict, match="not cancelled"), db.transaction() as conn:
        RecordStore(conn, editor).reinstate(created.id, reason="twice")
    with db.transaction() as conn:
        ops = conn.execute(select(change_log.c.op).order_by(change_log.c.seq)).scalars().all()
    assert ops == ["create", "cancel", "reinstate"]
