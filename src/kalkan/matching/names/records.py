"""Reading persons and organisations out of the store as the name index takes them in.

The index is the system's own structure, not a read on anyone's behalf: it reads the
``records`` table directly (every active person and organisation, with its restriction),
and the numbers of the travel documents each person holds. Who may learn of a match is
decided when a check is answered, by the rule of ``store.visibility``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Row, or_, select

from kalkan.matching.features import DateSpan, Subject
from kalkan.matching.names.index import IndexedName, IndexedRecord
from kalkan.model.dates import FlexibleDate
from kalkan.model.documents import normalise_document_number
from kalkan.store.tables import record_agencies, records

KINDS = ("person", "organisation")


def read_records(conn: Connection, record_ids: Sequence[str] | None = None, batch: int = 2000) -> Iterator[IndexedRecord | str]:
    """Active persons and organisations as ``IndexedRecord``.

    With ``record_ids``, those records: each one that is no longer an active person or
    organisation (cancelled, expired, gone) comes back as its bare id. Without, all of them.
    """
    if record_ids is not None:
        for start in range(0, len(record_ids), batch):
            wanted = list(record_ids[start : start + batch])
            matching = [row for row in conn.execute(select(records).where(records.c.id.in_(wanted))).all() if _indexable(row)]
            documents = _documents(conn, [str(row.id) for row in matching])
            indexed = {record.record_id: record for record in _indexed(conn, matching, documents)}
            for record_id in wanted:
                yield indexed.get(record_id, record_id)
        return
    documents = _documents(conn, None)
    last = ""
    while True:
        query = (
            select(records)
            .where(records.c.kind.in_(KINDS), records.c.status == "active", records.c.id > last)
            .order_by(records.c.id)
            .limit(batch)
        )
        rows = conn.execute(query).all()
        if not rows:
            return
        yield from _indexed(conn, rows, documents)
        last = str(rows[-1].id)


def holders_of(conn: Connection, document_ids: Sequence[str]) -> list[str]:
    """The persons named as holders of these travel documents."""
    holders: list[str] = []
    for (body,) in conn.execute(select(records.c.body).where(records.c.id.in_(list(document_ids)), records.c.kind == "travel_document")):
        holder = json.loads(body).get("holder_id")
        if holder:
            holders.append(str(holder))
    return holders


def _indexable(row: Row[Any]) -> bool:
    return row.kind in KINDS and row.status == "active"


def _indexed(conn: Connection, rows: Sequence[Row[Any]], documents: dict[str, frozenset[str]]) -> list[IndexedRecord]:
    if not rows:
        return []
    ids = [str(row.id) for row in rows]
    listed: dict[str, list[str]] = {record_id: [] for record_id in ids}
    for record_id, agency in conn.execute(
        select(record_agencies.c.record_id, record_agencies.c.agency).where(record_agencies.c.record_id.in_(ids))
    ):
        listed[record_id].append(agency)
    return [_record(row, tuple(sorted(listed[str(row.id)])), documents.get(str(row.id), frozenset())) for row in rows]


def _documents(conn: Connection, holder_ids: list[str] | None) -> dict[str, frozenset[str]]:
    """Numbers of the active travel documents held by each of ``holder_ids`` (by every holder, if None).

    Travel documents name their holder inside the JSON body (the store has no column for
    it): the body is matched as text, as the store writes it (``"holder_id": "<id>"``).
    """
    if holder_ids is not None and not holder_ids:
        return {}
    query = select(records.c.body).where(records.c.kind == "travel_document", records.c.status == "active")
    if holder_ids is None:
        query = query.where(records.c.body.like('%"holder_id": "%'))
    else:
        query = query.where(or_(*(records.c.body.like(f'%"holder_id": "{holder}"%') for holder in holder_ids)))
    held: dict[str, set[str]] = {}
    for (body,) in conn.execute(query):
        data = json.loads(body)
        holder, number = data.get("holder_id"), data.get("number")
        if holder and number and (holder_ids is None or holder in holder_ids):
            held.setdefault(str(holder), set()).add(normalise_document_number(str(number)))
    return {holder: frozenset(numbers) for holder, numbers in held.items()}


def _record(row: Row[Any], listed: tuple[str, ...], documents: frozenset[str]) -> IndexedRecord:
    body = json.loads(row.body)
    names = tuple(
        IndexedName(name["value"], name.get("kind") or "primary", name.get("script"), name.get("lang")) for name in body.get("names", [])
    )
    spans: list[DateSpan] = []
    for value in body.get("dates_of_birth", []):
        flexible = FlexibleDate.model_validate(value)
        spans.append(DateSpan(flexible.earliest, flexible.latest))
    gender = body.get("gender")
    return IndexedRecord(
        record_id=str(row.id),
        kind=str(row.kind),
        version=int(row.version),
        owner=str(row.owner),
        mode=str(row.restriction_mode),
        disclosure=str(row.hit_disclosure),
        listed=listed,
        names=names,
        subject=Subject(
            birth_dates=tuple(spans),
            nationalities=frozenset(body.get("nationalities") or body.get("countries") or ()),
            gender=gender if gender in ("male", "female") else None,
            documents=documents,
        ),
    )
