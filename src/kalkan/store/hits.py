"""Checks and the hits they produced; the owner agency's resolutions; remembered false positives.

A traveller check that finds something writes one ``checks`` row (who checked, where, when,
the verdict) and one ``hits`` row per record it hit or possibly hit, in the caller's
transaction. A hit names the record (a record id, or ``document:<id>`` for the bulk table of
stolen and lost documents) at the version it had, its owner agency, and the traveller's key:
a SHA-256 of issuing state, document number and date of birth (or of a name and date of birth
when no document was given), so that the table holds no traveller's data in clear.

The owner agency resolves its hits: ``confirmed``, ``false_positive`` or ``handled``, with a
note. A false positive is remembered for that traveller key and that record **version**: the
same traveller checked again is not stopped for it, but a changed record (a new version) or
another record still hits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.errors import NotFound
from kalkan.store import audit
from kalkan.store.clock import as_utc, now
from kalkan.store.documents import REF_PREFIX, documents
from kalkan.store.tables import metadata, records

checks = Table(
    "checks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(24), nullable=False),  # "traveller"
    Column("agency", String(32), ForeignKey("agencies.code"), nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("username", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("traveller_key", String(64), nullable=True),
    Column("context", Text, nullable=False),  # JSON: border post, direction, carrier, flight, time
    Index("ix_checks_agency_at", "agency", "at"),
)

hits = Table(
    "hits",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("check_id", String(32), ForeignKey("checks.id"), nullable=False, index=True),
    Column("record_id", String(40), nullable=False),  # a record id, or "document:<id>"
    Column("record_kind", String(24), nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("owner", String(32), ForeignKey("agencies.code"), nullable=False),
    Column("checking_agency", String(32), nullable=False),
    Column("traveller_key", String(64), nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("restricted", Boolean, nullable=False),  # the checking agency was told only "contact the owner"
    Column("notice_ids", Text, nullable=False),  # JSON list
    Column("state", String(16), nullable=False),
    Column("note", Text, nullable=True),
    Column("resolved_by", String(64), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_hits_owner_state", "owner", "state"),
    Index("ix_hits_traveller_key_record_id", "traveller_key", "record_id"),
)


class HitState(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    FALSE_POSITIVE = "false_positive"
    HANDLED = "handled"


#: The states an owner may set.
RESOLUTIONS = (HitState.CONFIRMED, HitState.FALSE_POSITIVE, HitState.HANDLED)


@dataclass(frozen=True, slots=True)
class NewHit:
    record_id: str
    record_kind: str
    record_version: int
    owner: str
    outcome: str
    score: float
    restricted: bool
    notice_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredHit:
    id: str
    check_id: str
    record_id: str
    record_kind: str
    record_version: int
    owner: str
    checking_agency: str
    outcome: str
    score: float
    restricted: bool
    notice_ids: tuple[str, ...]
    state: HitState
    note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime
    context: dict[str, Any]


def record_versions(conn: Connection, refs: Iterable[str]) -> dict[str, int]:
    """The current version of each record or bulk-table document among ``refs`` (not audited: screening's own read)."""
    wanted = sorted(set(refs))
    table_ids = [int(ref.removeprefix(REF_PREFIX)) for ref in wanted if ref.startswith(REF_PREFIX)]
    record_ids = [ref for ref in wanted if not ref.startswith(REF_PREFIX)]
    found: dict[str, int] = {}
    if table_ids:
        for row in conn.execute(select(documents.c.id, documents.c.version).where(documents.c.id.in_(table_ids))):
            found[f"{REF_PREFIX}{row.id}"] = int(row.version)
    if record_ids:
        for row in conn.execute(select(records.c.id, records.c.version).where(records.c.id.in_(record_ids))):
            found[str(row.id)] = int(row.version)
    return found


def remembered_false_positives(conn: Connection, traveller_keys: Iterable[str]) -> set[tuple[str, str, int]]:
    """(traveller key, record id, record version) that an owner marked false positive, for these travellers."""
    keys = sorted(set(traveller_keys))
    if not keys:
        return set()
    rows = conn.execute(
        select(hits.c.traveller_key, hits.c.record_id, hits.c.record_version).where(
            hits.c.traveller_key.in_(keys), hits.c.state == HitState.FALSE_POSITIVE.value
        )
    )
    return {(str(row.traveller_key), str(row.record_id), int(row.record_version)) for row in rows}


def record_check(
    conn: Connection, scope: Scope, *, outcome: str, traveller_key: str | None, context: dict[str, Any], found: Sequence[NewHit]
) -> tuple[str, list[str]]:
    """Write a check and its hits in the caller's transaction; return the check's id and each hit's id."""
    check_id = uuid.uuid4().hex
    stamp = now()
    conn.execute(
        insert(checks).values(
            id=check_id,
            kind="traveller",
            agency=scope.agency,
            user_id=scope.user_id,
            username=scope.username,
            at=stamp,
            outcome=outcome,
            traveller_key=traveller_key,
            context=json.dumps(context, sort_keys=True, ensure_ascii=False),
        )
    )
    ids = [uuid.uuid4().hex for _ in found]
    if found:
        conn.execute(
            insert(hits),
            [
                {
                    "id": hit_id,
                    "check_id": check_id,
                    "record_id": hit.record_id,
                    "record_kind": hit.record_kind,
                    "record_version": hit.record_version,
                    "owner": hit.owner,
                    "checking_agency": scope.agency,
                    "traveller_key": traveller_key,
                    "outcome": hit.outcome,
                    "score": hit.score,
                    "restricted": hit.restricted,
                    "notice_ids": json.dumps(list(hit.notice_ids)),
                    "state": HitState.OPEN.value,
                    "created_at": stamp,
                }
                for hit_id, hit in zip(ids, found, strict=True)
            ],
        )
    return check_id, ids


def _stored(row: Any) -> StoredHit:
    return StoredHit(
        id=str(row.id),
        check_id=str(row.check_id),
        record_id=str(row.record_id),
        record_kind=str(row.record_kind),
        record_version=int(row.record_version),
        owner=str(row.owner),
        checking_agency=str(row.checking_agency),
        outcome=str(row.outcome),
        score=float(row.score),
        restricted=bool(row.restricted),
        notice_ids=tuple(json.loads(row.notice_ids)),
        state=HitState(row.state),
        note=row.note,
        resolved_by=row.resolved_by,
        resolved_at=as_utc(row.resolved_at) if row.resolved_at is not None else None,
        created_at=as_utc(row.created_at),
        context=json.loads(row.context),
    )


def _owned(scope: Scope) -> Any:
    return select(hits, checks.c.context).join(checks, checks.c.id == hits.c.check_id).where(hits.c.owner == scope.agency)


def list_hits(conn: Connection, scope: Scope, *, state: HitState | None = None, limit: int = 100, offset: int = 0) -> list[StoredHit]:
    """Hits on the caller's agency's records, newest first; audited."""
    scope.require(Permission.READ_RECORDS)
    query = _owned(scope)
    if state is not None:
        query = query.where(hits.c.state == state.value)
    rows = conn.execute(query.order_by(hits.c.created_at.desc(), hits.c.id).limit(limit).offset(offset)).all()
    found = [_stored(row) for row in rows]
    audit.append(conn, scope, "hit.list", sorted({h.record_id for h in found}), query={"state": state, "limit": limit, "offset": offset})
    return found


def resolve(conn: Connection, scope: Scope, hit_id: str, state: HitState, note: str | None) -> StoredHit:
    """The owner agency marks its hit confirmed, false positive or handled; audited."""
    scope.require(Permission.READ_RECORDS)
    if state not in RESOLUTIONS:
        raise ValueError(f"a hit is resolved as one of {', '.join(RESOLUTIONS)}")
    row = conn.execute(_owned(scope).where(hits.c.id == hit_id)).first()
    if row is None:
        raise NotFound(f"no hit {hit_id} on a record of agency {scope.agency}")
    conn.execute(
        update(hits).where(hits.c.id == hit_id).values(state=state.value, note=note, resolved_by=scope.username, resolved_at=now())
    )
    audit.append(conn, scope, "hit.resolve", [str(row.record_id)], detail=f"hit {hit_id}: {state.value}")
    resolved = conn.execute(_owned(scope).where(hits.c.id == hit_id)).one()
    return _stored(resolved)
