"""The delivery worker: claims due webhook deliveries from the outbox, POSTs them signed, records the outcome.

Any number of workers may run against one database (``kalkan notify run``, one per node or
more); a claim keeps the others off a delivery for ``lease``, which outlasts the HTTP
timeout. A worker killed mid-delivery leaves the claim to lapse, and the delivery is made
again: at least once, never dropped. Receivers drop duplicates by ``Kalkan-Delivery-Id``.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from kalkan import __version__
from kalkan.notify.backoff import Backoff
from kalkan.notify.signing import DELIVERY_ID_HEADER, EVENT_HEADER, SIGNATURE_HEADER, derive_secret, signature_header
from kalkan.store import outbox
from kalkan.store.clock import now
from kalkan.store.database import Database

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_id: int
    ok: bool
    error: str | None = None


@dataclass
class DeliveryWorker:
    """Delivers what the outbox holds. ``run_once`` for one round; ``run`` until stopped."""

    database: Database
    secret_key: str
    timeout: float = 10.0
    batch: int = 50
    concurrency: int = 8
    poll_interval: float = 0.25
    backoff: Backoff = field(default_factory=Backoff)
    client: httpx.Client | None = None

    def __post_init__(self) -> None:
        if not self.secret_key:
            raise ValueError("webhook deliveries are signed with keys derived from KALKAN_SECRET_KEY, which is not set")
        self._client = self.client or httpx.Client(timeout=self.timeout, follow_redirects=False)

    @property
    def lease(self) -> timedelta:
        """How long a claim keeps other workers off: the whole round's requests, with room to spare."""
        rounds = -(-self.batch // self.concurrency)
        return timedelta(seconds=self.timeout * (rounds + 1) + 5)

    def run_once(self) -> list[Outcome]:
        """Claim what is due, deliver it, record each outcome; return the outcomes."""
        with self.database.reading() as conn:  # most rounds find nothing: they take no write lock
            if not outbox.any_due(conn):
                return []
        with self.database.transaction() as conn:
            claimed = outbox.claim_deliveries(conn, limit=self.batch, lease=self.lease)
        if not claimed:
            return []
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(claimed))) as pool:
            outcomes = list(pool.map(self._send, claimed))
        with self.database.transaction() as conn:
            for delivery, outcome in zip(claimed, outcomes, strict=True):
                if outcome.ok:
                    outbox.delivered(conn, delivery)
                else:
                    wait = self.backoff.delay(delivery.attempts + 1)
                    outbox.failed(conn, delivery, error=outcome.error or "failed", retry_at=now() + timedelta(seconds=wait))
                    logger.warning(
                        "delivery %s to webhook %s failed (%s); retry in %.1f s", delivery.id, delivery.webhook_id, outcome.error, wait
                    )
        return outcomes

    def run(self, stop: threading.Event, *, rounds: int | None = None) -> None:
        """Deliver until ``stop`` is set (or ``rounds`` rounds have run); a database error waits and tries again."""
        done = 0
        while not stop.is_set() and (rounds is None or done < rounds):
            done += 1
            try:
                outcomes = self.run_once()
            except Exception:
                logger.exception("delivery round failed; trying again")
                outcomes = []
            if not outcomes:
                stop.wait(self.poll_interval)

    def close(self) -> None:
        if self.client is None:
            self._client.close()

    def _send(self, delivery: outbox.Delivery) -> Outcome:
        body = delivery.notification.body()
        secret = derive_secret(self.secret_key, delivery.salt)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"Kalkan/{__version__}",
            DELIVERY_ID_HEADER: delivery.notification.id,
            EVENT_HEADER: delivery.notification.kind,
            SIGNATURE_HEADER: signature_header(secret, int(time.time()), delivery.notification.id, body),
        }
        try:
            response = self._client.post(delivery.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Outcome(delivery.id, False, f"no answer within {self.timeout:g} s")
        except httpx.HTTPError as error:
            return Outcome(delivery.id, False, f"{type(error).__name__}: {error}")
        if 200 <= response.status_code < 300:
            return Outcome(delivery.id, True)
        return Outcome(delivery.id, False, f"HTTP {response.status_code}")
