"""The outbox: written with the event or not at all, gapless sequences, exclusive claims."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.errors import Forbidden, NotFound
from kalkan.store import outbox
from kalkan.store.clock import now
from kalkan.store.database import Database
from tests import factories
from tests.notify.conftest import AGENCY, register_webhook
from tests.notify.receiver import Receiver


def count(db: Database, table: object) -> int:
    with db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def enqueue_then_fail(db: Database, payload: dict[str, object]) -> None:
    """The transaction of an event that fails after it enqueued its notification."""
    with db.transaction() as conn:
        outbox.enqueue(conn, AGENCY, "hit", payload)
        raise RuntimeError("the event's transaction fails after the enqueue")


def test_a_notification_is_committed_with_its_transaction_or_not_at_all(db: Database, world: factories.World, receiver: Receiver) -> None:
    register_webhook(db, world, receiver)
    with pytest.raises(RuntimeError):
        enqueue_then_fail(db, {"record_id": "a" * 32})
    assert count(db, outbox.notifications) == count(db, outbox.webhook_deliveries) == 0
    with db.transaction() as conn:
        notification_id = outbox.enqueue(conn, AGENCY, "hit", {"record_id": "a" * 32})
    with db.transaction() as conn:
        (stored,) = outbox.notifications_after(conn, AGENCY, 0)
    assert (stored.id, stored.seq, stored.kind, stored.payload) == (notification_id, 1, "hit", {"record_id": "a" * 32})
    assert count(db, outbox.webhook_deliveries) == 1


def test_sequences_are_gapless_and_each_agency_reads_its_own(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        ids = [outbox.enqueue(conn, agency, "hit", {"n": n}) for n, agency in enumerate([AGENCY, "KZ-NCB", AGENCY, AGENCY])]
    with pytest.raises(RuntimeError):
        enqueue_then_fail(db, {"n": "rolled back"})
    with db.transaction() as conn:
        ids.append(outbox.enqueue(conn, AGENCY, "hit", {"n": 4}))
        uz = outbox.list_notifications(conn, world.scope(AGENCY, Role.ANALYST), after=0)
        kz = outbox.list_notifications(conn, world.scope("KZ-NCB", Role.ANALYST), after=0)
        after_3 = outbox.list_notifications(conn, world.scope(AGENCY, Role.ANALYST), after=3)
        with pytest.raises(Forbidden):
            outbox.list_notifications(conn, world.scope(AGENCY, Role.OFFICER))
    assert [(n.seq, n.payload["n"]) for n in uz] == [(1, 0), (3, 2), (4, 3), (5, 4)]
    assert [n.id for n in kz] == [ids[1]]
    assert [n.seq for n in after_3] == [4, 5]
    assert len(set(ids)) == 5


def test_two_workers_never_hold_the_same_delivery(db: Database, world: factories.World, receiver: Receiver) -> None:
    register_webhook(db, world, receiver)
    register_webhook(db, world, receiver)
    with db.transaction() as conn:
        for n in range(15):
            outbox.enqueue(conn, AGENCY, "hit", {"n": n})
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def work(name: str) -> None:
        start.wait()
        while True:
            with db.transaction() as conn:
                batch = outbox.claim_deliveries(conn, limit=4, lease=timedelta(minutes=5))
            if not batch:
                return
            claimed[name] += [d.id for d in batch]

    threads = [threading.Thread(target=work, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    everything = claimed["a"] + claimed["b"]
    assert len(everything) == len(set(everything)) == 30  # 15 notifications x 2 webhooks, each claimed once


def test_a_lapsed_claim_is_claimed_again_and_the_late_worker_cannot_report(
    db: Database, world: factories.World, receiver: Receiver
) -> None:
    register_webhook(db, world, receiver)
    with db.transaction() as conn:
        outbox.enqueue(conn, AGENCY, "hit", {})
    lease = timedelta(seconds=30)
    with db.transaction() as conn:
        (first,) = outbox.claim_deliveries(conn, limit=10, lease=lease)
        assert outbox.claim_deliveries(conn, limit=10, lease=lease) == []  # held
    with db.transaction() as conn:
        (second,) = outbox.claim_deliveries(conn, limit=10, lease=lease, at=now() + lease + timedelta(seconds=1))  # the first worker died
    assert second.id == first.id
    assert second.claim != first.claim
    with db.transaction() as conn:
        assert outbox.delivered(conn, first) is False  # its claim is gone
        assert outbox.delivered(conn, second) is True
        assert outbox.pending_count(conn) == 0


def test_webhooks_belong_to_their_agency(db: Database, world: factories.World, receiver: Receiver) -> None:
    registered = register_webhook(db, world, receiver)
    with db.transaction() as conn:
        outbox.enqueue(conn, "KZ-NCB", "hit", {})  # no delivery: KZ-NCB has no webhook
        assert outbox.pending_count(conn) == 0
        assert outbox.list_webhooks(conn, world.scope("KZ-NCB", Role.AGENCY_ADMIN)) == []
        with pytest.raises(NotFound):
            outbox.delete_webhook(conn, world.scope("KZ-NCB", Role.AGENCY_ADMIN), registered.webhook.id)
        with pytest.raises(Forbidden):
            outbox.list_webhooks(conn, world.scope(AGENCY, Role.ANALYST))
        outbox.enqueue(conn, AGENCY, "hit", {})
        assert outbox.pending_count(conn) == 1
        outbox.delete_webhook(conn, world.scope(AGENCY, Role.AGENCY_ADMIN), registered.webhook.id)
        assert outbox.pending_count(conn) == 0  # nothing more goes to a deleted endpoint
        assert outbox.list_webhooks(conn, world.scope(AGENCY, Role.AGENCY_ADMIN)) == []
