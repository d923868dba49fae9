"""The bulk documents table: cancelling in batches, reinstating on a renewed report."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import Forbidden, ValidationFailed
from kalkan.store import documents
from kalkan.store.database import Database
from kalkan.store.tables import audit_log, change_log
from tests import factories

UZ, KZ = "UZ-NCB", "KZ-NCB"
FA1 = ("UZB", "passport", "FA1234567")
FA2 = ("UZB", "passport", "FA7654321")
RANGE = ("UZB", "passport", "N1000000")


def entry(key: tuple[str, str, str], status: str = "stolen", **fields: str) -> documents.DocumentEntry:
    return documents.DocumentEntry(*key, status, **fields)  # type: ignore[arg-type]


@pytest.fixture
def world(db: Database) -> factories.World:
    world = factories.build_world(db, roles=(Role.EDITOR, Role.OFFICER))
    with db.transaction() as conn:
        documents.write_batch(conn, Scope.system(UZ), [entry(FA1), entry(FA2), entry(RANGE, "stolen_blank", range_end="N1000999")])
        documents.write_batch(conn, Scope.system(KZ), [entry(FA1)])  # the same number reported by another agency
    return world


def rows(db: Database) -> dict[tuple[str, str], tuple[str, int, int]]:
    """(owner, number) -> (status, version, change_seq)."""
    table = documents.documents
    with db.transaction() as conn:
        found = conn.execute(select(table.c.owner, table.c.number, table.c.status, table.c.version, table.c.change_seq))
        return {(r.owner, r.number): (r.status, r.version, r.change_seq) for r in found}


def entries(db: Database, action: str) -> list[tuple[list[str], str]]:
    with db.transaction() as conn:
        found = conn.execute(
            select(audit_log.c.record_ids, audit_log.c.detail).where(audit_log.c.action == action).order_by(audit_log.c.seq)
        )
        return [(json.loads(r.record_ids), r.detail) for r in found]


def change_count(db: Database) -> int:
    with db.transaction() as conn:
        return len(conn.execute(select(change_log.c.seq)).all())


def test_a_cancel_batch_is_one_change_and_one_audit_entry_naming_each_document(db: Database, world: factories.World) -> None:
    before = change_count(db)
    missing = ("UZB", "passport", "ZZ0000000")
    with db.transaction() as conn:
        outcome = documents.cancel_batch(conn, world.scope(UZ, Role.EDITOR), [FA1, RANGE, missing, FA1], reason="  found by the holder  ")
    state = rows(db)
    assert set(outcome.cancelled) == {FA1, RANGE}
    assert outcome.not_found == {missing}
    assert outcome.already_cancelled == frozenset()
    assert state[(UZ, "FA1234567")][:2] == ("cancelled", 2)
    assert state[(UZ, "N1000000")] == ("cancelled", 2, outcome.change_seq)
    assert state[(UZ, "FA7654321")][:2] == ("active", 1)
    assert state[(KZ, "FA1234567")][:2] == ("active", 1)  # another agency's report of the same number is its own
    assert change_count(db) == before + 1
    with db.transaction() as conn:
        (log,) = conn.execute(select(change_log).where(change_log.c.seq == outcome.change_seq)).all()
    assert (log.op, log.record_id, log.version) == (documents.BATCH_OP, documents.CHANGE_LOG_NAME, 2)
    ((refs, detail),) = entries(db, "document.cancel")
    assert refs == sorted(outcome.cancelled.values())
    assert detail == f"change {outcome.change_seq}: 2 cancelled, 0 already cancelled, 1 not found: found by the holder"


def test_cancelling_again_changes_nothing(db: Database, world: factories.World) -> None:
    editor = world.scope(UZ, Role.EDITOR)
    with db.transaction() as conn:
        documents.cancel_batch(conn, editor, [FA1], reason="found")
    before = (rows(db), change_count(db), entries(db, "document.cancel"))
    with db.transaction() as conn:
        again = documents.cancel_batch(conn, editor, [FA1], reason="found")
    assert (again.cancelled, again.already_cancelled, again.change_seq) == ({}, frozenset({FA1}), None)
    assert (rows(db), change_count(db), entries(db, "document.cancel")) == before


def test_another_agencys_document_is_not_found_and_officers_may_not_cancel(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        outcome = documents.cancel_batch(conn, world.scope(KZ, Role.EDITOR), [FA2], reason="not ours")
    assert outcome.not_found == {FA2}
    assert rows(db)[(UZ, "FA7654321")][0] == "active"
    with db.transaction() as conn, pytest.raises(Forbidden):
        documents.cancel_batch(conn, world.scope(UZ, Role.OFFICER), [FA1], reason="found")
    with db.transaction() as conn, pytest.raises(ValidationFailed, match="reason"):
        documents.cancel_batch(conn, world.scope(UZ, Role.EDITOR), [FA1], reason="   ")


def test_a_cancelled_document_written_again_is_reinstated(db: Database, world: factories.World) -> None:
    uz = Scope.system(UZ)
    with db.transaction() as conn:
        documents.cancel_batch(conn, uz, [FA1, FA2], reason="found")
    with db.transaction() as conn:
        outcome = documents.write_batch(conn, uz, [entry(FA1), entry(FA2, "lost"), entry(RANGE, "stolen_blank", range_end="N1000999")])
    assert (outcome.created, outcome.updated, outcome.reinstated, outcome.unchanged) == (0, 2, 2, 1)
    state = rows(db)
    assert state[(UZ, "FA1234567")] == ("active", 3, outcome.change_seq)  # same data, active again
    assert state[(UZ, "FA7654321")] == ("active", 3, outcome.change_seq)
    assert state[(UZ, "N1000000")][:2] == ("active", 1)
    assert entries(db, "document.import")[-1][1] == f"change {outcome.change_seq}: 0 created, 2 updated (2 reinstated), 1 unchanged"
