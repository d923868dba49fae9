"""Keeping the name index in step with the store: build it, then follow the change log.

The index remembers the highest change-log sequence it has applied. To catch up it reads
the change log from ``WINDOW`` sequence numbers *behind* that mark, not just after it: on
PostgreSQL sequence numbers are handed out before commit, so a change with a lower number
can become visible after one with a higher number (docs/operations.md). For every record
named there whose logged version is newer than the version indexed, the record is read
again as it now is and re-indexed (or dropped, if it was cancelled or is no longer active).
Reading the current state, not replaying the log entry by entry, makes the order in which
entries arrive irrelevant, and re-reading the window costs one indexed range query.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection, func, select

from kalkan.matching.names.index import NameIndex
from kalkan.matching.names.records import KINDS, holders_of, read_records
from kalkan.store.tables import change_log

#: How far behind the highest applied sequence each catch-up re-reads the log.
WINDOW: Final = 10_000


def last_sequence(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(change_log.c.seq), 0))).scalar_one())


def build(conn: Connection) -> tuple[NameIndex, int]:
    """A fresh index of every active person and organisation, and the sequence it reflects.

    The sequence is read before the records, so anything written meanwhile is applied again
    by the next catch-up rather than missed.
    """
    sequence = last_sequence(conn)
    index = NameIndex()
    for record in read_records(conn):
        if not isinstance(record, str):
            index.add(record)
    index.pack()
    return index, sequence


def catch_up(index: NameIndex, conn: Connection, sequence: int, window: int = WINDOW) -> tuple[int, int]:
    """Apply what the change log holds past ``sequence - window``; returns the new sequence and how many records changed."""
    rows = conn.execute(
        select(change_log.c.record_id, change_log.c.kind, func.max(change_log.c.version), func.max(change_log.c.seq))
        .where(change_log.c.seq > sequence - window)
        .group_by(change_log.c.record_id, change_log.c.kind)
    ).all()
    if not rows:
        return sequence, 0
    newest = max(sequence, max(int(row[3]) for row in rows))
    stale: list[str] = []
    documents: list[str] = []
    versions: dict[str, int] = {}
    for record_id, kind, version, _ in rows:
        versions[record_id] = int(version)
        applied = index.version_of(record_id) if kind in KINDS else None
        if applied is None:
            applied = index.applied.get(record_id)
        if applied is not None and applied >= int(version):
            continue
        if kind in KINDS:
            stale.append(record_id)
        elif kind == "travel_document":
            documents.append(record_id)
            index.applied[record_id] = int(version)
    # A travel document that changed changes what its holder's record matches on.
    stale.extend(holder for holder in holders_of(conn, documents) if holder not in stale)
    if len(index.applied) > 4 * window:
        index.applied.clear()  # versions of records outside the index; forgetting them costs one re-read
    changed = 0
    for record in read_records(conn, stale):
        if isinstance(record, str):
            changed += index.remove(record)
            index.applied[record] = versions.get(record, 0)
        else:
            index.add(record)
            changed += 1
    return newest, changed
