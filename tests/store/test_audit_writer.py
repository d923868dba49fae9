"""Group commit of audit entries: one chain, answers only after the commit, failures reach every waiter.

Nothing here measures time: the tests hold the writer's transaction open with its
``before_commit`` hook and look at what the waiters and the database see meanwhile.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Connection, Row, select

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.store import audit
from kalkan.store.audit import PendingEntry
from kalkan.store.audit_writer import AuditUnavailable, AuditWriter, Ticket
from kalkan.store.database import Database
from kalkan.store.tables import audit_head, audit_log

OFFICER = Scope(user_id=None, username="officer", agency="TJ-NCB", roles=frozenset({Role.OFFICER}))
#: Long enough never to be reached by a test that passes; a broken writer fails instead of hanging.
PATIENCE = 30.0


def entry(n: int, *, thread: int = 0) -> PendingEntry:
    return PendingEntry.of(OFFICER, "check.documents", [f"document:{n}"], query={"n": n, "thread": thread}, detail=f"thread {thread}")


def rows(db: Database) -> list[Row[Any]]:
    with db.reading() as conn:
        return list(conn.execute(select(audit_log).order_by(audit_log.c.seq)))


def head(db: Database) -> int:
    with db.reading() as conn:
        return int(conn.execute(select(audit_head.c.seq)).scalar_one())


def verify(db: Database) -> audit.ChainReport:
    with db.reading() as conn:
        return audit.verify(conn)


@pytest.fixture
def writer(db: Database) -> Iterator[AuditWriter]:
    writer = AuditWriter(db)
    yield writer
    writer.close(PATIENCE)


class Gate:
    """A ``before_commit`` hook that holds the first batch's transaction open until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.batches: list[list[PendingEntry]] = []

    def __call__(self, _conn: Connection, batch: Sequence[Ticket]) -> None:
        self.batches.append([ticket.entry for ticket in batch])
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(PATIENCE)


def test_entries_from_many_threads_form_one_intact_chain_with_every_entry(db: Database, writer: AuditWriter) -> None:
    threads, each = 8, 25
    start = head(db)
    seqs: dict[tuple[int, int], int] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def submit(thread: int) -> None:
        barrier.wait()
        try:
            for n in range(each):
                seqs[(thread, n)] = writer.submit(entry(n, thread=thread)).wait(PATIENCE)
        except BaseException as error:
            errors.append(error)

    pool = [threading.Thread(target=submit, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(PATIENCE)
    assert not errors
    assert len(seqs) == threads * each
    assert sorted(seqs.values()) == list(range(start + 1, start + threads * each + 1))  # no gaps, no repeats
    written = {(row.seq, row.detail, json.loads(row.record_ids)[0]) for row in rows(db) if row.seq > start}
    assert written == {(seq, f"thread {t}", f"document:{n}") for (t, n), seq in seqs.items()}
    report = verify(db)
    assert report.intact, report.problems
    assert report.head_seq == start + threads * each


def test_two_writers_and_direct_appends_at_once_keep_one_chain(db: Database) -> None:
    """Two writers, each with its own connections as two server processes would have, and
    direct appends in request transactions, all at the same time."""
    writers = [AuditWriter(db), AuditWriter(db)]
    start = head(db)
    errors: list[BaseException] = []

    def through_writer(w: AuditWriter, thread: int) -> None:
        try:
            for n in range(20):
                w.submit(entry(n, thread=thread)).wait(PATIENCE)
        except BaseException as error:
            errors.append(error)

    def direct(thread: int) -> None:
        try:
            for n in range(20):
                with db.transaction() as conn:
                    audit.append(conn, OFFICER, "record.read", [f"r{n}"], detail=f"thread {thread}")
        except BaseException as error:
            errors.append(error)

    pool = [threading.Thread(target=through_writer, args=(writers[t % 2], t)) for t in range(4)]
    pool += [threading.Thread(target=direct, args=(t,)) for t in range(4, 6)]
    try:
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(PATIENCE)
    finally:
        for w in writers:
            w.close(PATIENCE)
    assert not errors
    details = sorted(row.detail for row in rows(db) if row.seq > start)
    assert details == sorted(f"thread {t}" for t in range(6) for _ in range(20))
    report = verify(db)
    assert report.intact, report.problems
    assert report.head_seq == start + 120


def test_entries_join_the_chain_that_direct_appends_extend(db: Database, writer: AuditWriter) -> None:
    with db.transaction() as conn:
        direct = audit.append(conn, OFFICER, "record.read", ["r1"])
    grouped = writer.append(OFFICER, "check.documents", ["document:1"], query={"n": 1}, detail="one")
    with db.transaction() as conn:
        after = audit.append(conn, OFFICER, "record.read", ["r2"])
    assert (grouped, after) == (direct + 1, direct + 2)
    row = {r.seq: r for r in rows(db)}[grouped]
    assert (row.action, json.loads(row.record_ids), row.query_digest, row.detail) == (
        "check.documents",
        ["document:1"],
        audit.query_digest({"n": 1}),
        "one",
    )
    assert verify(db).intact


def test_a_waiter_returns_only_after_its_entry_is_committed(db: Database) -> None:
    gate = Gate()
    writer = AuditWriter(db, before_commit=gate)
    try:
        start = head(db)
        answered = threading.Event()
        result: list[int] = []

        def request() -> None:
            result.append(writer.submit(entry(1)).wait(PATIENCE))
            answered.set()

        thread = threading.Thread(target=request)
        thread.start()
        assert gate.entered.wait(PATIENCE)
        # The entry is appended inside the writer's open transaction: not committed, not answered.
        assert not answered.is_set()
        assert head(db) == start
        assert [r for r in rows(db) if r.seq > start] == []
        gate.release.set()
        thread.join(PATIENCE)
        assert answered.is_set()
        assert result == [start + 1]
        assert head(db) == start + 1
    finally:
        gate.release.set()
        writer.close(PATIENCE)


def test_entries_waiting_during_a_commit_go_together_in_the_next_one(db: Database) -> None:
    gate = Gate()
    writer = AuditWriter(db, before_commit=gate)
    try:
        first = writer.submit(entry(0))
        assert gate.entered.wait(PATIENCE)
        waiting = [writer.submit(entry(n)) for n in range(1, 6)]
        gate.release.set()
        seqs = [ticket.wait(PATIENCE) for ticket in (first, *waiting)]
        assert seqs == list(range(seqs[0], seqs[0] + 6))
        assert [len(batch) for batch in gate.batches] == [1, 5]
        assert writer.batches == 2
    finally:
        gate.release.set()
        writer.close(PATIENCE)


def test_a_failed_transaction_fails_every_waiter_of_its_batch_and_writes_none_of_it(db: Database) -> None:
    gate = Gate()

    def fail_second_batch(conn: Connection, batch: Sequence[Ticket]) -> None:
        gate(conn, batch)
        if len(gate.batches) == 2:
            raise RuntimeError("disk full")

    writer = AuditWriter(db, before_commit=fail_second_batch)
    try:
        start = head(db)
        first = writer.submit(entry(0))
        assert gate.entered.wait(PATIENCE)
        doomed = [writer.submit(entry(n)) for n in range(1, 5)]
        gate.release.set()
        assert first.wait(PATIENCE) == start + 1
        for ticket in doomed:
            with pytest.raises(AuditUnavailable) as raised:
                ticket.wait(PATIENCE)
            assert raised.value.status == 503
            assert isinstance(raised.value.__cause__, RuntimeError)
        assert [r.seq for r in rows(db) if r.seq > start] == [start + 1]
        assert head(db) == start + 1
        # The writer goes on: the next entry follows the last one committed.
        assert writer.submit(entry(9)).wait(PATIENCE) == start + 2
        assert verify(db).intact
    finally:
        gate.release.set()
        writer.close(PATIENCE)


def test_close_writes_what_was_handed_over_and_refuses_more(db: Database) -> None:
    gate = Gate()
    writer = AuditWriter(db, before_commit=gate)
    start = head(db)
    first = writer.submit(entry(0))
    assert gate.entered.wait(PATIENCE)
    queued = [writer.submit(entry(n)) for n in range(1, 4)]
    closer = threading.Thread(target=writer.close, args=(PATIENCE,))
    closer.start()
    gate.release.set()
    closer.join(PATIENCE)
    assert not closer.is_alive()
    assert all(ticket.done for ticket in (first, *queued))
    assert [ticket.wait(0) for ticket in (first, *queued)] == [start + 1, start + 2, start + 3, start + 4]
    assert head(db) == start + 4
    with pytest.raises(AuditUnavailable):
        writer.submit(entry(5))
    assert head(db) == start + 4


def test_a_requests_own_writes_commit_with_its_entry_and_a_failing_one_spoils_only_itself(db: Database) -> None:
    gate = Gate()
    writer = AuditWriter(db, before_commit=gate)

    def work(n: int, *, fail: bool = False) -> Any:
        def write(conn: Connection) -> PendingEntry:
            # The request's own write: here, a direct append, as a check's hits are its own rows.
            audit.append(conn, OFFICER, "hit.store", detail=f"written by request {n}")
            if fail:
                raise ValueError(f"request {n} cannot be stored")
            return entry(n)

        return write

    try:
        start = head(db)
        first = writer.submit(entry(0))
        assert gate.entered.wait(PATIENCE)
        good = writer.submit_work(work(1))
        bad = writer.submit_work(work(2, fail=True))
        plain = writer.submit(entry(3))
        gate.release.set()
        first.wait(PATIENCE)
        assert good.wait(PATIENCE) > start
        with pytest.raises(ValueError, match="request 2 cannot be stored"):
            bad.wait(PATIENCE)
        assert plain.wait(PATIENCE) > start
        details = [r.detail for r in rows(db) if r.seq > start]
        assert "written by request 1" in details
        assert "written by request 2" not in details  # rolled back to its savepoint, with its entry
        assert details.count("thread 0") == 3  # the entries of requests 0, 1 and 3, not 2
        assert [len(batch) for batch in gate.batches] == [1, 2]  # the failed request left the batch
        assert verify(db).intact
    finally:
        gate.release.set()
        writer.close(PATIENCE)
