"""Stored checks and hits: who sees and resolves them, which false positives are remembered, record versions."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import Forbidden, NotFound
from kalkan.store import documents, hits
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log
from tests import factories

KEY = "a" * 64


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.ANALYST, Role.OFFICER))


@pytest.fixture
def person(db: Database, world: factories.World) -> str:
    with db.transaction() as conn:
        return RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person()).id


def store_hit(db: Database, world: factories.World, record_id: str, version: int = 1, key: str | None = KEY) -> str:
    found = [hits.NewHit(record_id, "person", version, "UZ-NCB", "hit", 0.93, restricted=False, notice_ids=("n1",))]
    with db.transaction() as conn:
        _, (hit_id,) = hits.record_check(
            conn, world.scope("TJ-NCB", Role.OFFICER), outcome="hit", traveller_key=key, context={"border_post": "Dusti"}, found=found
        )
    return hit_id


def test_the_owner_lists_and_resolves_its_hits(db: Database, world: factories.World, person: str) -> None:
    hit_id = store_hit(db, world, person)
    with db.transaction() as conn:
        (listed,) = hits.list_hits(conn, world.scope("UZ-NCB", Role.ANALYST), state=hits.HitState.OPEN)
        assert (listed.id, listed.record_id, listed.checking_agency, listed.notice_ids, listed.context) == (
            hit_id,
            person,
            "TJ-NCB",
            ("n1",),
            {"border_post": "Dusti"},
        )
        resolved = hits.resolve(conn, world.scope("UZ-NCB", Role.ANALYST), hit_id, hits.HitState.CONFIRMED, "arrested at Dusti")
        assert (resolved.state, resolved.note, resolved.resolved_by) == (hits.HitState.CONFIRMED, "arrested at Dusti", "uz-ncb-analyst")
        assert resolved.resolved_at is not None
        assert hits.list_hits(conn, world.scope("UZ-NCB", Role.ANALYST), state=hits.HitState.OPEN) == []
        actions = list(conn.execute(select(audit_log.c.action, audit_log.c.record_ids).where(audit_log.c.action.like("hit.%"))))
    assert [(a, json.loads(r)) for a, r in actions] == [("hit.list", [person]), ("hit.resolve", [person]), ("hit.list", [])]


def test_other_agencies_and_officers_cannot_see_or_resolve_a_hit(db: Database, world: factories.World, person: str) -> None:
    hit_id = store_hit(db, world, person)
    with db.transaction() as conn:
        assert hits.list_hits(conn, world.scope("TJ-NCB", Role.ANALYST)) == []  # the checking agency is not the owner
        with pytest.raises(NotFound):
            hits.resolve(conn, world.scope("TJ-NCB", Role.EDITOR), hit_id, hits.HitState.FALSE_POSITIVE, None)
        with pytest.raises(Forbidden):
            hits.resolve(conn, world.scope("UZ-NCB", Role.OFFICER), hit_id, hits.HitState.FALSE_POSITIVE, None)
        with pytest.raises(ValueError, match="resolved as one of"):
            hits.resolve(conn, world.scope("UZ-NCB", Role.EDITOR), hit_id, hits.HitState.OPEN, None)


def test_false_positives_are_remembered_by_traveller_record_and_version(db: Database, world: factories.World, person: str) -> None:
    marked = store_hit(db, world, person)
    store_hit(db, world, person, key="b" * 64)  # another traveller, left open
    store_hit(db, world, person, key=None)  # a traveller without a key is never remembered
    with db.transaction() as conn:
        assert hits.remembered_false_positives(conn, [KEY, "b" * 64]) == set()
        hits.resolve(conn, world.scope("UZ-NCB", Role.EDITOR), marked, hits.HitState.FALSE_POSITIVE, "another man")
        assert hits.remembered_false_positives(conn, [KEY, "b" * 64]) == {(KEY, person, 1)}
        assert hits.remembered_false_positives(conn, []) == set()


def test_record_versions_cover_records_and_bulk_documents(db: Database, world: factories.World, person: str) -> None:
    with db.transaction() as conn:
        documents.write_batch(conn, Scope.system("KZ-NCB"), [documents.DocumentEntry("UZB", "passport", "FA1234567", "stolen")])
        row_id = conn.execute(select(documents.documents.c.id)).scalar_one()
        RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).update(person, factories.person(remarks="x"), expected_version=1)
        versions = hits.record_versions(conn, [person, f"document:{row_id}", "f" * 32])
    assert versions == {person: 2, f"document:{row_id}": 1}
