"""The audit log: what each read and write appends, and the hash chain that shows tampering.

Tampering goes straight to the tables, as someone with access to the database would do it.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Row, delete, func, insert, select, text, update

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import Forbidden
from kalkan.store import agencies, audit, users
from kalkan.store.audit import ChainProblem
from kalkan.store.database import Database
from kalkan.store.records import RecordFilter, RecordStore
from kalkan.store.tables import audit_head, audit_log
from tests import factories

EDITED = "contents do not match the stored hash (edited)"
LINK_BROKEN = "previous-hash link broken"


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.ANALYST, Role.AUDITOR, Role.AGENCY_ADMIN))


def head_seq(db: Database) -> int:
    with db.transaction() as conn:
        return int(conn.execute(select(audit_head.c.seq)).scalar_one())


def entries_after(db: Database, seq: int) -> list[Row[Any]]:
    with db.transaction() as conn:
        return list(conn.execute(select(audit_log).where(audit_log.c.seq > seq).order_by(audit_log.c.seq)))


def summary(rows: list[Row[Any]]) -> list[tuple[str, str, str, int | None, list[str]]]:
    return [(r.action, r.username, r.agency, r.user_id, json.loads(r.record_ids)) for r in rows]


def verify(db: Database) -> audit.ChainReport:
    with db.transaction() as conn:
        return audit.verify(conn)


def row_at(db: Database, seq: int) -> Row[Any]:
    with db.transaction() as conn:
        return conn.execute(select(audit_log).where(audit_log.c.seq == seq)).one()


# -- what is appended ----------------------------------------------------------------------


def test_every_record_write_and_read_appends_who_what_and_which_records(db: Database, world: factories.World) -> None:
    editor = world.scope("UZ-NCB", Role.EDITOR)
    analyst = world.scope("KZ-NCB", Role.ANALYST)
    start = head_seq(db)
    with db.transaction() as conn:
        person = RecordStore(conn, editor).create(factories.person()).id
    with db.transaction() as conn:
        RecordStore(conn, editor).update(person, factories.person(gender="unknown"), expected_version=1)
    with db.transaction() as conn:
        reader = RecordStore(conn, analyst)
        reader.get(person)
        reader.find(RecordFilter(text="жалолов"))
        reader.count(RecordFilter(text="жалолов"))
        list(reader.export())
        reader.links_of(person)
    with db.transaction() as conn:
        RecordStore(conn, editor).cancel(person, reason="duplicate of an older record")

    writer = ("uz-ncb-editor", "UZ-NCB", editor.user_id)
    reader_id = ("kz-ncb-analyst", "KZ-NCB", analyst.user_id)
    assert summary(entries_after(db, start)) == [
        ("record.create", *writer, [person]),
        ("record.update", *writer, [person]),
        ("record.read", *reader_id, [person]),
        ("record.list", *reader_id, [person]),
        ("record.count", *reader_id, []),
        ("record.export", *reader_id, [person]),
        ("record.list", *reader_id, []),  # links_of: the person has no links
        ("record.cancel", *writer, [person]),
    ]
    rows = entries_after(db, start)
    assert [r.seq for r in rows] == list(range(start + 1, start + 9))
    assert rows[-1].detail == "duplicate of an older record"
    assert rows[4].detail == "1"  # what the count answered


def test_listing_records_the_query_without_storing_it(db: Database, world: factories.World) -> None:
    analyst = world.scope("KZ-NCB", Role.ANALYST)
    start = head_seq(db)
    with db.transaction() as conn:
        reader = RecordStore(conn, analyst)
        reader.find(RecordFilter(text="Жалолов"))
        reader.find(RecordFilter(text="Ҷалолов"))
        reader.find(RecordFilter(text="Ҷалолов"))
    first, second, third = entries_after(db, start)
    assert first.query_digest is not None
    assert first.query_digest != second.query_digest
    assert second.query_digest == third.query_digest
    assert "Ҷалолов" not in json.dumps([list(r) for r in (first, second, third)], default=str, ensure_ascii=False)


def test_an_export_that_finds_nothing_is_still_audited(db: Database, world: factories.World) -> None:
    start = head_seq(db)
    with db.transaction() as conn:
        assert list(RecordStore(conn, world.scope("TJ-NCB", Role.ANALYST)).export()) == []
    assert summary(entries_after(db, start)) == [
        ("record.export", "tj-ncb-analyst", "TJ-NCB", world.scope("TJ-NCB", Role.ANALYST).user_id, [])
    ]


def test_administration_is_audited(db: Database, world: factories.World) -> None:
    secretariat = Scope.system(factories.SECRETARIAT, username="secretary")
    admin = world.scope("KZ-NCB", Role.AGENCY_ADMIN)
    start = head_seq(db)
    with db.transaction() as conn:
        agencies.create_agency(
            conn, secretariat, code="KG-NCB", name="NCB Bishkek", country="KGZ", kind=agencies.AgencyKind.NATIONAL_BUREAU
        )
        agencies.update_agency(conn, secretariat, "KG-NCB", active=False)
        user = users.create_user(conn, admin, username="erlan.tokayev", agency="KZ-NCB", roles=frozenset({Role.ANALYST}))
        users.update_user(conn, admin, user.id, roles=frozenset({Role.EDITOR}))
        issued = users.issue_token(conn, admin, user.id, name="laptop", lifetime=timedelta(days=30))
        users.revoke_token(conn, admin, issued.token.id)
    rows = entries_after(db, start)
    assert [(r.action, r.username, r.agency) for r in rows] == [
        ("agency.create", "secretary", "SEC"),
        ("agency.update", "secretary", "SEC"),
        ("user.create", "kz-ncb-agency_admin", "KZ-NCB"),
        ("user.update", "kz-ncb-agency_admin", "KZ-NCB"),
        ("token.issue", "kz-ncb-agency_admin", "KZ-NCB"),
        ("token.revoke", "kz-ncb-agency_admin", "KZ-NCB"),
    ]
    assert rows[0].detail == "KG-NCB"
    assert "erlan.tokayev" in rows[2].detail
    assert issued.secret not in json.dumps([list(r) for r in rows], default=str)


def test_reading_the_log_needs_the_auditor_role_and_is_itself_audited(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        person = RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person()).id
        RecordStore(conn, world.scope("KZ-NCB", Role.ANALYST)).get(person)
    with pytest.raises(Forbidden, match="read audit"), db.transaction() as conn:
        audit.search(conn, world.scope("KZ-NCB", Role.ANALYST))
    auditor = world.scope("KZ-NCB", Role.AUDITOR)
    with db.transaction() as conn:
        found = audit.search(conn, auditor, record_id=person)
        reads = audit.search(conn, auditor, action="record.read", agency="KZ-NCB")
    assert [(e.action, e.agency) for e in found] == [("record.read", "KZ-NCB"), ("record.create", "UZ-NCB")]  # newest first
    assert [e.record_ids for e in reads] == [[person]]
    last = entries_after(db, head_seq(db) - 2)
    assert [(r.action, r.username) for r in last] == [("audit.search", "kz-ncb-auditor")] * 2


def test_a_rolled_back_transaction_leaves_no_entry_and_the_chain_whole(db: Database, world: factories.World) -> None:
    start = head_seq(db)

    def write_then_fail() -> None:
        with db.transaction() as conn:
            RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person())
            raise RuntimeError("the caller failed after the write")

    with pytest.raises(RuntimeError, match="failed after the write"):
        write_then_fail()
    assert head_seq(db) == start
    assert entries_after(db, start) == []
    with db.transaction() as conn:
        RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person())
    assert [r.seq for r in entries_after(db, start)] == [start + 1]
    assert verify(db).intact


# -- the chain -----------------------------------------------------------------------------


def test_an_intact_chain_verifies(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person())
    report = verify(db)
    with db.transaction() as conn:
        count = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
        last = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).scalar_one()
    assert report.intact
    assert report.problems == []
    assert report.entries == count == report.head_seq > 40  # the world's agencies, users and tokens, and the record
    assert report.head_hash == last
    first = row_at(db, 1)
    assert first.prev_hash == audit.GENESIS
    assert row_at(db, 2).prev_hash == first.hash


def test_an_empty_chain_verifies(db: Database) -> None:
    report = verify(db)
    assert (report.entries, report.head_seq, report.head_hash, report.problems) == (0, 0, audit.GENESIS, [])


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("username", "someone-else"),
        ("agency", "TJ-NCB"),
        ("action", "record.create"),
        ("record_ids", json.dumps(["0" * 32])),
        ("detail", "nothing to see"),
        ("user_id", 999),
        ("query_digest", "0" * 64),
    ],
)
def test_editing_one_field_of_a_middle_entry_is_reported_at_that_entry(
    db: Database, world: factories.World, column: str, value: object
) -> None:
    middle = head_seq(db) // 2
    assert getattr(row_at(db, middle), column) != value
    with db.transaction() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == middle).values({column: value}))
    report = verify(db)
    assert report.problems == [ChainProblem(middle, EDITED)]
    assert not report.intact


def test_moving_an_entry_in_time_is_reported(db: Database, world: factories.World) -> None:
    middle = head_seq(db) // 2
    with db.transaction() as conn:
        at = conn.execute(select(audit_log.c.at).where(audit_log.c.seq == middle)).scalar_one()
        conn.execute(update(audit_log).where(audit_log.c.seq == middle).values(at=at - timedelta(days=3)))
    assert verify(db).problems == [ChainProblem(middle, EDITED)]


def test_editing_through_plain_sql_is_reported(db: Database, world: factories.World) -> None:
    middle = head_seq(db) // 2
    with db.transaction() as conn:
        conn.execute(text("UPDATE audit_log SET username = 'nobody' WHERE seq = :seq"), {"seq": middle})
    assert verify(db).problems == [ChainProblem(middle, EDITED)]


def test_rewriting_an_entrys_stored_hash_breaks_the_next_link(db: Database, world: factories.World) -> None:
    middle = head_seq(db) // 2
    with db.transaction() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == middle).values(hash="f" * 64))
    assert verify(db).problems == [ChainProblem(middle, EDITED), ChainProblem(middle + 1, LINK_BROKEN)]


def _recompute_hash(conn: Connection, seq: int) -> str:
    row = conn.execute(select(audit_log).where(audit_log.c.seq == seq)).one()
    new_hash = audit.entry_hash(row.prev_hash, audit._hashed_fields(row))
    conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(hash=new_hash))
    return new_hash


def test_editing_an_entry_and_recomputing_its_hash_breaks_the_next_link(db: Database, world: factories.World) -> None:
    middle = head_seq(db) // 2
    with db.transaction() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == middle).values(agency="TJ-NCB"))
        _recompute_hash(conn, middle)
    assert verify(db).problems == [ChainProblem(middle + 1, LINK_BROKEN)]


def test_editing_the_last_entry_and_recomputing_its_hash_is_reported_by_the_head(db: Database, world: factories.World) -> None:
    last = head_seq(db)
    with db.transaction() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == last).values(detail="rewritten"))
        _recompute_hash(conn, last)
    problems = verify(db).problems
    assert len(problems) == 1
    assert problems[0].seq == last
    assert "replaced" in problems[0].fault


def test_deleting_a_middle_entry_is_reported_as_missing(db: Database, world: factories.World) -> None:
    middle = head_seq(db) // 2
    with db.transaction() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == middle))
    assert verify(db).problems == [ChainProblem(middle + 1, f"entries {middle} are missing (deleted)")]


def test_deleting_several_entries_names_the_gap(db: Database, world: factories.World) -> None:
    middle = head_seq(db) // 2
    with db.transaction() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq.between(middle, middle + 2)))
    report = verify(db)
    assert report.problems == [ChainProblem(middle + 3, f"entries {middle}-{middle + 2} are missing (deleted)")]
    assert report.entries == report.head_seq - 3


def test_deleting_the_first_entry_is_reported(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 1))
    assert verify(db).problems == [ChainProblem(2, "entries 1 are missing (deleted)")]


def test_deleting_the_last_entry_is_reported_by_the_head(db: Database, world: factories.World) -> None:
    last = head_seq(db)
    with db.transaction() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == last))
    assert verify(db).problems == [
        ChainProblem(last, f"chain ends at entry {last - 1} but the head says {last} (entries removed from the end)")
    ]


def _forged(conn: Connection, seq: int, prev_hash: str) -> dict[str, Any]:
    at = conn.execute(select(audit_log.c.at).order_by(audit_log.c.seq.desc()).limit(1)).scalar_one()
    row: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "user_id": None,
        "username": "kz-ncb-analyst",
        "agency": "KZ-NCB",
        "action": "record.read",
        "record_ids": json.dumps(["0" * 32]),
        "query_digest": None,
        "detail": None,
        "prev_hash": prev_hash,
    }
    row["hash"] = audit.entry_hash(prev_hash, audit._hashed_fields(row))
    return row


def test_a_forged_entry_past_the_head_is_reported(db: Database, world: factories.World) -> None:
    last = head_seq(db)
    with db.transaction() as conn:
        head_hash = conn.execute(select(audit_head.c.hash)).scalar_one()
        # Even with a hash computed the way the log computes it, the head does not move.
        conn.execute(insert(audit_log).values(**_forged(conn, last + 1, head_hash)))
    assert verify(db).problems == [
        ChainProblem(last + 1, f"chain ends at entry {last + 1} but the head says {last} (entries added past the head)")
    ]


def test_a_forged_entry_with_a_made_up_hash_is_reported_as_edited(db: Database, world: factories.World) -> None:
    last = head_seq(db)
    with db.transaction() as conn:
        head_hash = conn.execute(select(audit_head.c.hash)).scalar_one()
        conn.execute(insert(audit_log).values(**{**_forged(conn, last + 1, head_hash), "hash": "a" * 64}))
        conn.execute(update(audit_head).values(seq=last + 1, hash="a" * 64))
    assert verify(db).problems == [ChainProblem(last + 1, EDITED)]


def test_a_forged_entry_in_place_of_a_deleted_one_breaks_the_next_link(db: Database, world: factories.World) -> None:
    middle = head_seq(db) // 2
    with db.transaction() as conn:
        before = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == middle - 1)).scalar_one()
        conn.execute(delete(audit_log).where(audit_log.c.seq == middle))
        conn.execute(insert(audit_log).values(**_forged(conn, middle, before)))
    assert verify(db).problems == [ChainProblem(middle + 1, LINK_BROKEN)]


# -- several writers -----------------------------------------------------------------------


def _assert_one_chain(db: Database, start: int, count: int) -> None:
    rows = entries_after(db, start)
    assert [r.seq for r in rows] == list(range(start + 1, start + count + 1))
    previous = row_at(db, start).hash
    for row in rows:
        assert row.prev_hash == previous
        previous = row.hash
    assert verify(db).intact


def test_transactions_of_two_connections_appending_in_turn_keep_one_chain(db: Database, world: factories.World) -> None:
    other = Database(db.url)  # a second engine, as a second process would have
    scopes = [world.scope("UZ-NCB", Role.ANALYST), world.scope("KZ-NCB", Role.ANALYST)]
    start = head_seq(db)
    try:
        for i in range(6):
            database = (db, other)[i % 2]
            with database.transaction() as conn:
                audit.append(conn, scopes[i % 2], "record.list", [], detail=str(i))
    finally:
        other.dispose()
    _assert_one_chain(db, start, 6)
    assert [r.detail for r in entries_after(db, start)] == [str(i) for i in range(6)]


def test_a_transaction_waits_for_the_other_to_append_and_chains_after_it(db: Database, world: factories.World) -> None:
    """The first transaction holds the head; the second, started meanwhile, chains after it."""
    start = head_seq(db)
    first_appended = threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            first_appended.wait()
            with db.transaction() as conn:
                audit.append(conn, world.scope("KZ-NCB", Role.ANALYST), "record.list", [], detail="second")
        except BaseException as error:  # surfaced by the main thread
            errors.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    with db.transaction() as conn:
        audit.append(conn, world.scope("UZ-NCB", Role.ANALYST), "record.list", [], detail="first")
        first_appended.set()
        audit.append(conn, world.scope("UZ-NCB", Role.ANALYST), "record.list", [], detail="first, again")
    thread.join()
    assert errors == []
    _assert_one_chain(db, start, 3)
    assert [r.detail for r in entries_after(db, start)] == ["first", "first, again", "second"]


def test_many_concurrent_appenders_keep_one_chain(db: Database, world: factories.World) -> None:
    start = head_seq(db)
    ready = threading.Barrier(3)
    errors: list[BaseException] = []
    agencies_of_threads = ["UZ-NCB", "KZ-NCB", "TJ-NCB"]

    def appender(agency: str) -> None:
        try:
            ready.wait()
            for i in range(10):
                with db.transaction() as conn:
                    audit.append(conn, world.scope(agency, Role.ANALYST), "record.list", [], detail=f"{agency} {i}")
        except BaseException as error:  # surfaced by the main thread
            errors.append(error)

    threads = [threading.Thread(target=appender, args=(agency,)) for agency in agencies_of_threads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _assert_one_chain(db, start, 30)
    details = [r.detail for r in entries_after(db, start)]
    for agency in agencies_of_threads:
        assert [d for d in details if d.startswith(agency)] == [f"{agency} {i}" for i in range(10)]
