"""The kill test: a worker killed (SIGKILL) after the commit and before the delivery loses nothing.

The worker runs as its own process (``kalkan notify run``). Each round commits a notification,
lets the worker start delivering it to an endpoint that holds the request open, kills the
worker mid-delivery, starts a new one, and checks that the endpoint gets the notification.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from kalkan.store import outbox
from kalkan.store.database import Database
from tests import factories
from tests.notify.conftest import AGENCY, SECRET_KEY, register_webhook
from tests.notify.receiver import Receiver

ROUNDS = 3

_WORKER = "from kalkan.cli import main; main()"


@contextmanager
def worker_process(database_url: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "KALKAN_DATABASE_URL": database_url, "KALKAN_SECRET_KEY": SECRET_KEY}
    command = [sys.executable, "-c", _WORKER, "notify", "run", "--timeout", "0.5", "--batch", "1", "--concurrency", "1", "--poll", "0.05"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)


def wait_until_delivered(db: Database, rounds: int = 600) -> None:
    """Until the worker has recorded every delivery (bounded: a few hundred looks)."""
    for _ in range(rounds):
        with db.transaction() as conn:
            if outbox.pending_count(conn) == 0:
                return
        time.sleep(0.05)


def test_a_worker_killed_before_the_delivery_completes_loses_nothing(
    db: Database, database_url: str, world: factories.World, receiver: Receiver
) -> None:
    register_webhook(db, world, receiver)
    sent: list[str] = []
    for _ in range(ROUNDS):
        with receiver.lock:
            # The next request (this round's first attempt) is held open until long after the kill.
            receiver.script = [("ok", 204)] * len(receiver.requests) + [("sleep", 8.0)]
            before = len(receiver.requests)
        with db.transaction() as conn:
            sent.append(outbox.enqueue(conn, AGENCY, "hit", {"round": len(sent)}))
        with worker_process(database_url) as first:
            with receiver.arrived:
                receiver.arrived.wait_for(lambda: len(receiver.requests) > before, timeout=60)  # noqa: B023 - read at once
            assert receiver.requests[before].delivery_id == sent[-1]
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        assert sent[-1] not in {r.delivery_id for r in receiver.accepted()}
        with worker_process(database_url):
            receiver.wait_for(len(sent), timeout=60)
            wait_until_delivered(db)
        # At least once: a receiver drops a repeated delivery id, and then has each notification once.
        assert list(dict.fromkeys(r.delivery_id for r in receiver.accepted())) == sent
    assert all(r.verified for r in receiver.requests)
    with db.transaction() as conn:
        assert outbox.pending_count(conn) == 0
