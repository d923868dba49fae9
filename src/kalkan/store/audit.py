"""The audit log: append-only and hash-chained, so an edited or deleted entry shows.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields in a
canonical JSON form. The ``audit_head`` row holds the last sequence and hash and is locked
by each append, so appends from several processes form one chain.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Row, bindparam, select, text

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.store.clock import as_utc, now
from kalkan.store.database import Database
from kalkan.store.tables import audit_head, audit_log

GENESIS = "0" * 64

logger = logging.getLogger(__name__)


def query_digest(query: Any) -> str:
    """A SHA-256 of a query's canonical JSON: what was asked, without storing it whole."""
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _hashed_fields(row: dict[str, Any] | Row[Any]) -> dict[str, Any]:
    values: dict[str, Any] = dict(row) if isinstance(row, dict) else dict(row._mapping)
    return {
        "seq": int(values["seq"]),
        "at": as_utc(values["at"]).isoformat(timespec="microseconds"),
        **{name: values[name] for name in ("user_id", "username", "agency", "action", "record_ids", "query_digest", "detail")},
    }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    user_id: int | None
    username: str
    agency: str
    action: str
    record_ids: list[str]
    query_digest: str | None
    detail: str | None
    hash: str


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    fault: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    head_seq: int
    head_hash: str
    problems: list[ChainProblem]

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """An entry not yet in the chain: its sequence, time and hashes are given when it is appended."""

    user_id: int | None
    username: str
    agency: str
    action: str
    record_ids: tuple[str, ...]
    query_digest: str | None
    detail: str | None

    @classmethod
    def of(cls, scope: Scope, action: str, record_ids: Sequence[str] = (), *, query: Any = None, detail: str | None = None) -> PendingEntry:
        digest = query_digest(query) if query is not None else None
        return cls(scope.user_id, scope.username, scope.agency, action, tuple(record_ids), digest, detail)


def append(
    conn: Connection,
    scope: Scope,
    action: str,
    record_ids: Sequence[str] = (),
    *,
    query: Any = None,
    detail: str | None = None,
) -> int:
    """Append one entry in the caller's transaction; returns its sequence number."""
    (seq,) = append_entries(conn, [PendingEntry.of(scope, action, record_ids, query=query, detail=detail)])
    return seq


# The statements of an append, written once: every request appends an entry, and building a
# statement anew costs more than running it. (SQLite has no FOR UPDATE: its write lock,
# taken when the transaction began, serialises appends.)
_HEAD_FOR_UPDATE = {
    False: text("SELECT seq, hash FROM audit_head WHERE id = 1"),
    True: text("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"),
}
_COLUMNS = ("seq", "at", "user_id", "username", "agency", "action", "record_ids", "query_digest", "detail", "prev_hash", "hash")
_INSERT = text(
    f"INSERT INTO audit_log ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + name for name in _COLUMNS)})"  # noqa: S608 - ours
).bindparams(bindparam("at", type_=DateTime(timezone=True)))
_UPDATE_HEAD = text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1")


def append_entries(conn: Connection, entries: Sequence[PendingEntry]) -> list[int]:
    """Append ``entries`` in order in the caller's transaction, under one lock of the head;
    returns their sequence numbers. The chain is the one ``append`` extends, entry by entry."""
    if not entries:
        return []
    head = conn.execute(_HEAD_FOR_UPDATE[conn.dialect.name == "postgresql"]).one()
    seq, prev_hash = int(head.seq), str(head.hash)
    rows: list[dict[str, Any]] = []
    for entry in entries:
        seq += 1
        row: dict[str, Any] = {
            "seq": seq,
            "at": now(),
            "user_id": entry.user_id,
            "username": entry.username,
            "agency": entry.agency,
            "action": entry.action,
            "record_ids": json.dumps(list(entry.record_ids)),
            "query_digest": entry.query_digest,
            "detail": entry.detail,
        }
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = entry_hash(prev_hash, _hashed_fields(row))
        rows.append(row)
    conn.execute(_INSERT, rows)
    conn.execute(_UPDATE_HEAD, {"seq": seq, "hash": prev_hash})
    return [int(row["seq"]) for row in rows]


def verify(conn: Connection, batch: int = 10_000) -> ChainReport:
    """Walk the whole chain; report every entry that was edited, deleted or inserted."""
    problems: list[ChainProblem] = []
    expected_seq, prev_hash, count = 1, GENESIS, 0
    last_seq = 0
    while True:
        rows = conn.execute(select(audit_log).where(audit_log.c.seq > last_seq).order_by(audit_log.c.seq).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            count += 1
            seq = int(row.seq)
            if seq != expected_seq:
                missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}-{seq - 1}"
                problems.append(ChainProblem(seq, f"entries {missing} are missing (deleted)"))
            elif row.prev_hash != prev_hash:
                problems.append(ChainProblem(seq, "previous-hash link broken"))
            if entry_hash(row.prev_hash, _hashed_fields(row)) != row.hash:
                problems.append(ChainProblem(seq, "contents do not match the stored hash (edited)"))
            prev_hash, expected_seq, last_seq = row.hash, seq + 1, seq
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    head_seq = int(head.seq)
    if head_seq > last_seq:
        problems.append(
            ChainProblem(head_seq, f"chain ends at entry {last_seq} but the head says {head_seq} (entries removed from the end)")
        )
    elif head_seq < last_seq:
        problems.append(
            ChainProblem(last_seq, f"chain ends at entry {last_seq} but the head says {head_seq} (entries added past the head)")
        )
    elif head.hash != prev_hash:
        problems.append(ChainProblem(head_seq, f"entry {head_seq} does not hash to the head's hash (the last entry was replaced)"))
    return ChainReport(entries=count, head_seq=int(head.seq), head_hash=str(head.hash), problems=problems)


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row.seq),
        at=as_utc(row.at),
        user_id=row.user_id,
        username=row.username,
        agency=row.agency,
        action=row.action,
        record_ids=json.loads(row.record_ids),
        query_digest=row.query_digest,
        detail=row.detail,
        hash=row.hash,
    )


def search(
    conn: Connection,
    scope: Scope,
    *,
    username: str | None = None,
    agency: str | None = None,
    action: str | None = None,
    record_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    before_seq: int | None = None,
) -> list[AuditEntry]:
    """Entries newest first, filtered; reading the log is itself audited."""
    scope.require(Permission.READ_AUDIT)
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if username:
        query = query.where(audit_log.c.username == username)
    if agency:
        query = query.where(audit_log.c.agency == agency)
    if action:
        query = query.where(audit_log.c.action == action)
    if record_id:
        query = query.where(audit_log.c.record_ids.contains(json.dumps(record_id)))
    if since:
        query = query.where(audit_log.c.at >= since)
    if until:
        query = query.where(audit_log.c.at < until)
    if before_seq:
        query = query.where(audit_log.c.seq < before_seq)
    entries = [_entry(row) for row in conn.execute(query)]
    append(conn, scope, "audit.search", query={"username": username, "agency": agency, "action": action, "record_id": record_id})
    return entries


#: Who a refused request is audited as when no token or session identified the caller.
ANONYMOUS = Scope(user_id=None, username="anonymous", agency="-", roles=frozenset())


def record_denial(database: Database, scope: Scope | None, detail: str) -> None:
    """Audit a refused request in a transaction of its own (the request's was rolled back).

    Never raises: the refusal stands even when the log cannot be written, and the operator
    learns of it from the error log.
    """
    try:
        with database.transaction() as conn:
            append(conn, scope or ANONYMOUS, "request.denied", detail=detail)
    except Exception:
        logger.exception("could not audit a denied request: %s", detail)
