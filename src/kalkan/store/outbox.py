"""The notification outbox: notifications to agencies, their webhooks, and each delivery's progress.

``enqueue`` writes a notification in the caller's transaction, with the event that causes it
(a hit): both are committed, or neither. Delivery happens after the commit, from these rows
(``kalkan.notify``), so a crash between the commit and the delivery loses nothing.

Sequence numbers are handed out under the audit chain's head lock, which every writing
transaction already takes, so they are gapless and follow commit order: a reader that has
seen sequence 12 will never later find an 11 (unlike ``change_log``). The server-sent event
stream and ``after=`` rely on it.

Each (notification, webhook) pair is one row of ``webhook_deliveries``. Workers claim due rows
for a lease: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, an atomic
``UPDATE ... WHERE claimed_until < now`` on SQLite (whose transactions take the write lock
at their start), so two workers never hold the same row at once.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.errors import NotFound
from kalkan.store import audit
from kalkan.store.clock import as_utc, now
from kalkan.store.tables import Serial, audit_head, metadata

notifications = Table(
    "notifications",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("id", String(32), nullable=False, unique=True),  # for receivers to drop duplicates
    Column("agency", String(32), ForeignKey("agencies.code"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_notifications_agency_seq", "agency", "seq"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("agency", String(32), ForeignKey("agencies.code"), nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    Column("description", String(200), nullable=True),
    Column("salt", String(64), nullable=False),  # the signing secret is derived from it and KALKAN_SECRET_KEY
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("notification_seq", BigInteger, ForeignKey("notifications.seq"), nullable=False),
    Column("webhook_id", Serial, ForeignKey("webhooks.id"), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_until", DateTime(timezone=True), nullable=True),
    Column("claim", String(32), nullable=True),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("last_error", String(300), nullable=True),
    UniqueConstraint("notification_seq", "webhook_id"),
    Index("ix_webhook_deliveries_due", "delivered_at", "next_attempt_at"),
)


@dataclass(frozen=True, slots=True)
class Notification:
    seq: int
    id: str
    agency: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "agency": self.agency,
            "kind": self.kind,
            "created_at": self.created_at.isoformat(),
            "payload": self.payload,
        }

    def body(self) -> bytes:
        """What a webhook receives: the notification as compact JSON."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    agency: str
    url: str
    description: str | None
    salt: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed delivery: what to send where, and the claim that proves it is ours."""

    id: int
    claim: str
    attempts: int
    webhook_id: int
    url: str
    salt: str
    notification: Notification


def _notification(row: Any) -> Notification:
    return Notification(
        seq=int(row.seq),
        id=str(row.id),
        agency=str(row.agency),
        kind=str(row.kind),
        payload=json.loads(row.payload),
        created_at=as_utc(row.created_at),
    )


def _webhook(row: Any) -> Webhook:
    return Webhook(
        id=int(row.id),
        agency=row.agency,
        url=row.url,
        description=row.description,
        salt=row.salt,
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
    )


# -- notifications -----------------------------------------------------------


def enqueue(conn: Connection, agency: str, kind: str, payload: dict[str, Any]) -> str:
    """Write a notification to ``agency`` in the caller's transaction; return its unique id.

    One delivery per active webhook of the agency is queued with it. Nothing is sent before
    the transaction commits, and nothing written here is lost after.
    """
    # The audit head's lock serialises writers until they commit; taking it first keeps the
    # order in which transactions lock rows the same everywhere.
    conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1).with_for_update()).one()
    seq = int(conn.execute(select(func.coalesce(func.max(notifications.c.seq), 0))).scalar_one()) + 1
    notification_id = uuid.uuid4().hex
    stamp = now()
    conn.execute(
        insert(notifications).values(
            seq=seq, id=notification_id, agency=agency, kind=kind, payload=json.dumps(payload, ensure_ascii=False), created_at=stamp
        )
    )
    hooks = conn.execute(select(webhooks.c.id).where(webhooks.c.agency == agency, webhooks.c.active.is_(True))).scalars().all()
    if hooks:
        conn.execute(
            insert(webhook_deliveries),
            [{"notification_seq": seq, "webhook_id": hook, "attempts": 0, "next_attempt_at": stamp} for hook in hooks],
        )
    return notification_id


def notifications_after(conn: Connection, agency: str, after: int, limit: int = 100) -> list[Notification]:
    """The agency's notifications past sequence ``after``, oldest first. Not audited: callers audit."""
    rows = conn.execute(
        select(notifications)
        .where(notifications.c.agency == agency, notifications.c.seq > after)
        .order_by(notifications.c.seq)
        .limit(limit)
    ).all()
    return [_notification(row) for row in rows]


def latest_notifications(conn: Connection, agency: str, limit: int = 50) -> tuple[list[Notification], int]:
    """The agency's newest notifications, newest first, and how many it has in all. Not audited: callers audit."""
    rows = conn.execute(
        select(notifications).where(notifications.c.agency == agency).order_by(notifications.c.seq.desc()).limit(limit)
    ).all()
    total = int(conn.execute(select(func.count()).select_from(notifications).where(notifications.c.agency == agency)).scalar_one())
    return [_notification(row) for row in rows], total


def list_notifications(conn: Connection, scope: Scope, *, after: int = 0, limit: int = 100) -> list[Notification]:
    """The caller's agency's notifications past ``after`` (catch-up), audited."""
    scope.require(Permission.READ_RECORDS)
    found = notifications_after(conn, scope.agency, after, limit)
    audit.append(conn, scope, "notification.list", query={"after": after, "limit": limit}, detail=_seq_range(found))
    return found


def last_sequence(conn: Connection, agency: str) -> int:
    return int(conn.execute(select(func.coalesce(func.max(notifications.c.seq), 0)).where(notifications.c.agency == agency)).scalar_one())


def _seq_range(found: list[Notification]) -> str:
    return f"{len(found)} notifications" + (f", seq {found[0].seq}-{found[-1].seq}" if found else "")


def audit_sent(conn: Connection, scope: Scope, sent: list[Notification]) -> None:
    """Record that a stream sent ``sent`` to the caller."""
    audit.append(conn, scope, "notification.stream", detail=_seq_range(sent))


# -- webhooks ----------------------------------------------------------------


def register_webhook(conn: Connection, scope: Scope, *, url: str, description: str | None) -> Webhook:
    """A webhook of the caller's agency; its secret is derived from the returned ``salt``."""
    scope.require(Permission.MANAGE_AGENCY_USERS)
    stamp = now()
    salt = secrets.token_hex(32)
    result = conn.execute(
        insert(webhooks).values(
            agency=scope.agency, url=url, description=description, salt=salt, active=True, created_at=stamp, created_by=scope.username
        )
    )
    webhook_id = int(result.inserted_primary_key[0])
    audit.append(conn, scope, "webhook.register", detail=f"webhook {webhook_id}: {url}")
    return Webhook(int(webhook_id), scope.agency, url, description, salt, stamp, scope.username)


def list_webhooks(conn: Connection, scope: Scope) -> list[Webhook]:
    scope.require(Permission.MANAGE_AGENCY_USERS)
    rows = conn.execute(select(webhooks).where(webhooks.c.agency == scope.agency, webhooks.c.active.is_(True)).order_by(webhooks.c.id))
    found = [_webhook(row) for row in rows]
    audit.append(conn, scope, "webhook.list", detail=f"{len(found)} webhooks")
    return found


def delete_webhook(conn: Connection, scope: Scope, webhook_id: int) -> None:
    """Stop delivering to a webhook; deliveries not yet made to it are dropped (the list endpoint still has them)."""
    scope.require(Permission.MANAGE_AGENCY_USERS)
    row = conn.execute(
        select(webhooks.c.id).where(webhooks.c.id == webhook_id, webhooks.c.agency == scope.agency, webhooks.c.active.is_(True))
    ).first()
    if row is None:
        raise NotFound(f"no webhook {webhook_id} of agency {scope.agency}")
    conn.execute(update(webhooks).where(webhooks.c.id == webhook_id).values(active=False))
    conn.execute(
        delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id, webhook_deliveries.c.delivered_at.is_(None))
    )
    audit.append(conn, scope, "webhook.delete", detail=f"webhook {webhook_id}")


# -- deliveries --------------------------------------------------------------


def _due(stamp: datetime) -> Any:
    """Deliveries not delivered, whose next attempt is due and that no live claim holds."""
    d = webhook_deliveries
    return and_(d.c.delivered_at.is_(None), d.c.next_attempt_at <= stamp, or_(d.c.claimed_until.is_(None), d.c.claimed_until < stamp))


def any_due(conn: Connection, *, at: datetime | None = None) -> bool:
    """Whether a delivery is due: a read, so that a worker with nothing to do takes no write lock."""
    return conn.execute(select(webhook_deliveries.c.id).where(_due(at or now())).limit(1)).first() is not None


def claim_deliveries(conn: Connection, *, limit: int, lease: timedelta, at: datetime | None = None) -> list[Delivery]:
    """Claim up to ``limit`` due deliveries for ``lease``; no other worker gets them meanwhile.

    Commit the transaction at once, deliver, then report with ``delivered`` or ``failed``.
    A worker that dies holding a claim lets it lapse: the row is due again when the lease ends.
    """
    stamp = at or now()
    claim = uuid.uuid4().hex
    d = webhook_deliveries
    free = or_(d.c.claimed_until.is_(None), d.c.claimed_until < stamp)
    due = select(d.c.id).where(_due(stamp)).order_by(d.c.next_attempt_at, d.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        ids = list(conn.execute(due.with_for_update(skip_locked=True)).scalars())
        if not ids:
            return []
        conn.execute(update(d).where(d.c.id.in_(ids)).values(claim=claim, claimed_until=stamp + lease))
    else:
        # SQLite: the transaction holds the write lock from its start, and the condition is re-checked by the UPDATE itself.
        conn.execute(update(d).where(d.c.id.in_(due), free).values(claim=claim, claimed_until=stamp + lease))
    rows = conn.execute(
        select(
            d.c.id.label("delivery_id"),
            d.c.attempts,
            d.c.webhook_id,
            webhooks.c.url,
            webhooks.c.salt,
            notifications,
        )
        .join(webhooks, webhooks.c.id == d.c.webhook_id)
        .join(notifications, notifications.c.seq == d.c.notification_seq)
        .where(d.c.claim == claim)
        .order_by(d.c.next_attempt_at, d.c.id)
    ).all()
    return [
        Delivery(
            id=int(row.delivery_id),
            claim=claim,
            attempts=int(row.attempts),
            webhook_id=int(row.webhook_id),
            url=row.url,
            salt=row.salt,
            notification=_notification(row),
        )
        for row in rows
    ]


def delivered(conn: Connection, delivery: Delivery, at: datetime | None = None) -> bool:
    """Record a delivery the endpoint accepted; False if the claim had lapsed and another worker took it."""
    d = webhook_deliveries
    result = conn.execute(
        update(d)
        .where(d.c.id == delivery.id, d.c.claim == delivery.claim)
        .values(delivered_at=at or now(), attempts=d.c.attempts + 1, claim=None, claimed_until=None, last_error=None)
    )
    return bool(result.rowcount)


def failed(conn: Connection, delivery: Delivery, *, error: str, retry_at: datetime) -> bool:
    """Record a failed attempt and when to try again; False if the claim had lapsed."""
    d = webhook_deliveries
    result = conn.execute(
        update(d)
        .where(d.c.id == delivery.id, d.c.claim == delivery.claim)
        .values(attempts=d.c.attempts + 1, next_attempt_at=retry_at, claim=None, claimed_until=None, last_error=error[:300])
    )
    return bool(result.rowcount)


def pending_count(conn: Connection) -> int:
    """Deliveries not yet accepted by their endpoint."""
    d = webhook_deliveries
    return int(conn.execute(select(func.count()).select_from(d).where(d.c.delivered_at.is_(None))).scalar_one())
