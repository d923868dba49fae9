"""The delivery worker against a real HTTP receiver: signed deliveries, retries with backoff, recovery."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlalchemy import select, update

from kalkan.notify.backoff import Backoff
from kalkan.notify.worker import DeliveryWorker
from kalkan.store import outbox
from kalkan.store.clock import now
from kalkan.store.database import Database
from tests import factories
from tests.notify.conftest import AGENCY, SECRET_KEY, register_webhook
from tests.notify.receiver import Receiver

#: Rounds a worker gets to deliver what the tests expect; bounds every loop.
ROUNDS = 400


def worker(db: Database, **options: object) -> DeliveryWorker:
    settings: dict[str, object] = {"timeout": 2.0, "poll_interval": 0.02, "backoff": Backoff(base=0.02, cap=0.1, jitter=0.0)}
    settings.update(options)
    return DeliveryWorker(db, SECRET_KEY, **settings)  # type: ignore[arg-type]


def deliver_until(worker: DeliveryWorker, receiver: Receiver, accepted: int) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), kwargs={"rounds": ROUNDS})
    thread.start()
    receiver.wait_for(accepted, timeout=60)
    stop.set()
    thread.join(timeout=60)
    worker.close()


def delivery_rows(db: Database) -> list[tuple[int, str | None, bool]]:
    d = outbox.webhook_deliveries
    with db.transaction() as conn:
        return [(r.attempts, r.last_error, r.delivered_at is not None) for r in conn.execute(select(d).order_by(d.c.id))]


def test_a_delivery_is_signed_and_carries_the_notification(db: Database, world: factories.World, receiver: Receiver) -> None:
    register_webhook(db, world, receiver)
    with db.transaction() as conn:
        notification_id = outbox.enqueue(conn, AGENCY, "hit", {"record_id": "a" * 32, "post": "Yallama"})
    deliver_until(worker(db), receiver, 1)
    (received,) = receiver.accepted()
    assert received.verified
    assert received.delivery_id == notification_id
    body = json.loads(received.body)
    assert (body["id"], body["agency"], body["kind"], body["payload"]) == (
        notification_id,
        AGENCY,
        "hit",
        {"record_id": "a" * 32, "post": "Yallama"},
    )
    assert delivery_rows(db) == [(1, None, True)]


def test_an_endpoint_answering_500_is_retried_and_gets_the_notification_when_it_recovers(
    db: Database, world: factories.World, receiver: Receiver
) -> None:
    receiver.script = [("status", 500)] * 4 + [("status", 503)]
    register_webhook(db, world, receiver)
    with db.transaction() as conn:
        notification_id = outbox.enqueue(conn, AGENCY, "hit", {})
    deliver_until(worker(db), receiver, 1)
    assert [r.delivery_id for r in receiver.requests] == [notification_id] * 6  # five refusals, then accepted
    assert all(r.verified for r in receiver.requests)
    assert delivery_rows(db) == [(6, None, True)]


def test_an_endpoint_that_times_out_is_retried_until_it_answers(db: Database, world: factories.World, receiver: Receiver) -> None:
    receiver.script = [("sleep", 1.5), ("sleep", 1.5)]
    register_webhook(db, world, receiver)
    with db.transaction() as conn:
        notification_id = outbox.enqueue(conn, AGENCY, "hit", {})
    deliver_until(worker(db, timeout=0.3), receiver, 1)
    assert [r.delivery_id for r in receiver.accepted()] == [notification_id]
    assert len(receiver.requests) == 3
    assert delivery_rows(db) == [(3, None, True)]


def test_a_failed_delivery_waits_for_its_backoff(db: Database, world: factories.World, receiver: Receiver) -> None:
    receiver.script = [("status", 500)]
    register_webhook(db, world, receiver)
    with db.transaction() as conn:
        outbox.enqueue(conn, AGENCY, "hit", {})
    slow = worker(db, backoff=Backoff(base=3600.0, cap=7200.0, jitter=0.0))
    assert [o.ok for o in slow.run_once()] == [False]
    d = outbox.webhook_deliveries
    with db.transaction() as conn:
        row = conn.execute(select(d)).one()
    assert (row.attempts, row.last_error, row.delivered_at) == (1, "HTTP 500", None)
    assert slow.run_once() == []  # not due for an hour
    assert len(receiver.requests) == 1
    with db.transaction() as conn:
        conn.execute(update(d).values(next_attempt_at=now() - timedelta(seconds=1)))
    assert [o.ok for o in slow.run_once()] == [True]
    slow.close()
    assert delivery_rows(db) == [(2, None, True)]


def test_two_workers_deliver_each_notification_once(db: Database, world: factories.World, receiver: Receiver) -> None:
    register_webhook(db, world, receiver)
    with db.transaction() as conn:
        sent = {outbox.enqueue(conn, AGENCY, "hit", {"n": n}) for n in range(12)}
    workers = [worker(db, batch=3, concurrency=2), worker(db, batch=3, concurrency=2)]
    stop = threading.Event()
    threads = [threading.Thread(target=w.run, args=(stop,), kwargs={"rounds": ROUNDS}) for w in workers]
    for thread in threads:
        thread.start()
    receiver.wait_for(12, timeout=60)
    stop.set()
    for thread, each in zip(threads, workers, strict=True):
        thread.join(timeout=60)
        each.close()
    received = [r.delivery_id for r in receiver.requests]
    assert sorted(received) == sorted(sent)  # every one, and none twice


def test_a_round_with_nothing_due_takes_no_write_lock(db: Database, world: factories.World, receiver: Receiver) -> None:
    register_webhook(db, world, receiver)
    idle = worker(db)
    with db.transaction() as conn:  # a check holding the write lock (SQLite) or a row lock (PostgreSQL) meanwhile
        outbox.enqueue(conn, AGENCY, "hit", {"record_id": "a" * 32})  # not committed: not due for anyone else yet
        # Queueing for SQLite's write lock here would end in "database is locked" (after 30 s).
        assert idle.run_once() == []
    idle.close()
