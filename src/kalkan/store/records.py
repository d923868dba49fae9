"""Records: create, read, update, cancel, list, through a Scope.

Every read is filtered by ``visibility.visible_to`` and audited; every write checks that the
caller's agency owns the record, bumps its version, appends to the change log and is
audited, all in the caller's transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, insert, or_, select, update

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kalkan.model.records import (
    STORED_BY_KIND,
    ExternalRef,
    Link,
    RecordKind,
    RecordModel,
    RecordStatus,
    StoredModel,
    default_review_date,
)
from kalkan.store import audit
from kalkan.store.clock import as_utc, now
from kalkan.store.tables import change_log, record_agencies, record_refs, records
from kalkan.store.visibility import visible_ids, visible_to

DEFAULT_REVIEW_DAYS = 5 * 365

#: Fields outside the JSON body: they live in their own columns or tables.
_COLUMN_FIELDS = frozenset({"kind", "restriction", "external_refs", "review_date"})


def new_record_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class RecordFilter:
    kind: RecordKind | None = None
    status: RecordStatus | None = RecordStatus.ACTIVE
    owner: str | None = None
    text: str | None = None
    ref_scheme: str | None = None
    ref_value: str | None = None
    review_overdue: bool | None = None
    linked_to: str | None = None


class RecordStore:
    """The records a Scope may see and write."""

    def __init__(self, conn: Connection, scope: Scope, review_period_days: int = DEFAULT_REVIEW_DAYS) -> None:
        self.conn = conn
        self.scope = scope
        self.review_period_days = review_period_days

    # -- reads ---------------------------------------------------------------

    def get(self, record_id: str) -> StoredModel:
        self.scope.require(Permission.READ_RECORDS)
        row = self._visible_row(record_id)
        if row is None:
            raise NotFound(f"no record {record_id} that your agency may see")
        (record,) = self._materialise([row])
        audit.append(self.conn, self.scope, "record.read", [record.id])
        return record

    def find(self, where: RecordFilter | None = None, *, limit: int = 100, offset: int = 0) -> list[StoredModel]:
        self.scope.require(Permission.READ_RECORDS)
        query = self._filtered(where).order_by(records.c.updated_at.desc(), records.c.id).limit(limit).offset(offset)
        found = self._materialise(self.conn.execute(query).all())
        audit.append(
            self.conn,
            self.scope,
            "record.list",
            [r.id for r in found],
            query={**_filter_dict(where or RecordFilter()), "limit": limit, "offset": offset},
        )
        return found

    def count(self, where: RecordFilter | None = None) -> int:
        self.scope.require(Permission.READ_RECORDS)
        query = select(func.count()).select_from(self._filtered(where).subquery())
        counted = int(self.conn.execute(query).scalar_one())
        audit.append(self.conn, self.scope, "record.count", [], query=_filter_dict(where or RecordFilter()), detail=str(counted))
        return counted

    def links_of(self, record_id: str) -> list[StoredModel]:
        """Links from or to a record; a link whose other end the caller may not see is left out."""
        self.scope.require(Permission.READ_RECORDS)
        if self._visible_row(record_id) is None:
            raise NotFound(f"no record {record_id} that your agency may see")
        return self.find(RecordFilter(kind=RecordKind.LINK, linked_to=record_id, status=None), limit=1000)

    def find_own_by_ref(self, ref: ExternalRef) -> str | None:
        """The id of the caller's own record carrying ``ref``, if any."""
        row = self.conn.execute(
            select(record_refs.c.record_id).where(
                record_refs.c.owner == self.scope.agency, record_refs.c.scheme == ref.scheme, record_refs.c.value == ref.value
            )
        ).first()
        return str(row.record_id) if row else None

    def own_record(self, record_id: str) -> StoredModel | None:
        """The caller's agency's own record ``record_id`` as stored, or None.

        For writers (importers) that compare a record with what they are about to write.
        Not audited as a read: it returns only what the agency itself wrote.
        """
        self.scope.require(Permission.WRITE_RECORDS)
        row = self.conn.execute(select(records).where(records.c.id == record_id, records.c.owner == self.scope.agency)).first()
        if row is None:
            return None
        (record,) = self._materialise([row])
        return record

    def export(self, where: RecordFilter | None = None, batch: int = 1000) -> Iterator[StoredModel]:
        """Every record the caller may see, in id order, streamed; audited per batch."""
        self.scope.require(Permission.READ_RECORDS)
        where = where or RecordFilter(status=None)
        last = ""
        while True:
            query = self._filtered(where).where(records.c.id > last).order_by(records.c.id).limit(batch)
            rows = self.conn.execute(query).all()
            if not rows:
                if not last:  # an export that found nothing was still asked for
                    audit.append(self.conn, self.scope, "record.export", [], query=_filter_dict(where))
                return
            found = self._materialise(rows)
            audit.append(self.conn, self.scope, "record.export", [r.id for r in found], query=_filter_dict(where))
            yield from found
            last = str(rows[-1].id)

    # -- writes --------------------------------------------------------------

    def create(self, record: RecordModel, *, record_id: str | None = None) -> StoredModel:
        self.scope.require(Permission.WRITE_RECORDS)
        self._check_references(record)
        self._check_refs_free(record.external_refs, None)
        stamp = now()
        record_id = record_id or new_record_id()
        if self.conn.execute(select(records.c.id).where(records.c.id == record_id)).first():
            raise Conflict(f"a record with id {record_id} already exists")
        review = record.review_date or default_review_date(stamp, self.review_period_days)
        self.conn.execute(
            insert(records).values(
                id=record_id,
                kind=record.kind.value,
                owner=self.scope.agency,
                status=RecordStatus.ACTIVE.value,
                version=1,
                created_at=stamp,
                updated_at=stamp,
                review_date=review,
                **self._columns(record),
            )
        )
        self._write_lists(record_id, record)
        self._log_change(record_id, record.kind, "create", 1)
        audit.append(self.conn, self.scope, "record.create", [record_id])
        return self._reload(record_id)

    def update(self, record_id: str, record: RecordModel, *, expected_version: int) -> StoredModel:
        self.scope.require(Permission.WRITE_RECORDS)
        row = self._own_row(record_id)
        if row.kind != record.kind.value:
            raise ValidationFailed.one("kind", f"record {record_id} is a {row.kind}; the kind of a record cannot change")
        self._check_version(row, expected_version)
        if row.status == RecordStatus.CANCELLED.value:
            raise Conflict(f"record {record_id} is cancelled; a cancelled record cannot be changed")
        self._check_references(record)
        self._check_refs_free(record.external_refs, record_id)
        version = int(row.version) + 1
        values: dict[str, Any] = {"version": version, "updated_at": now(), **self._columns(record)}
        if record.review_date is not None:
            values["review_date"] = record.review_date
        self.conn.execute(update(records).where(records.c.id == record_id).values(**values))
        self._write_lists(record_id, record)
        self._log_change(record_id, record.kind, "update", version)
        audit.append(self.conn, self.scope, "record.update", [record_id])
        return self._reload(record_id)

    def cancel(self, record_id: str, *, reason: str, expected_version: int | None = None) -> StoredModel:
        self.scope.require(Permission.WRITE_RECORDS)
        row = self._own_row(record_id)
        if expected_version is not None:
            self._check_version(row, expected_version)
        if row.status == RecordStatus.CANCELLED.value:
            raise Conflict(f"record {record_id} is already cancelled")
        return self._set_status(row, RecordStatus.CANCELLED, "cancel", reason)

    def reinstate(self, record_id: str, *, reason: str, expected_version: int | None = None) -> StoredModel:
        """Make a cancelled record active again (an entry back on a sanctions list, a cancellation in error)."""
        self.scope.require(Permission.WRITE_RECORDS)
        row = self._own_row(record_id)
        if expected_version is not None:
            self._check_version(row, expected_version)
        if row.status != RecordStatus.CANCELLED.value:
            raise Conflict(f"record {record_id} is {row.status}, not cancelled: there is nothing to reinstate")
        return self._set_status(row, RecordStatus.ACTIVE, "reinstate", reason)

    def _set_status(self, row: Row[Any], status: RecordStatus, op: str, reason: str) -> StoredModel:
        version = int(row.version) + 1
        self.conn.execute(update(records).where(records.c.id == row.id).values(status=status.value, version=version, updated_at=now()))
        self._log_change(str(row.id), RecordKind(row.kind), op, version)
        audit.append(self.conn, self.scope, f"record.{op}", [str(row.id)], detail=reason)
        return self._reload(str(row.id))

    def materialise(self, rows: Sequence[Row[Any]]) -> list[StoredModel]:
        """Rows of ``records`` -> records, pointers to what the caller may not see blanked; not audited."""
        return self._materialise(rows)

    # -- internals -----------------------------------------------------------

    def _filtered(self, where: RecordFilter | None) -> Select[Any]:
        where = where or RecordFilter()
        query = select(records).where(visible_to(self.scope.agency))
        if where.kind:
            query = query.where(records.c.kind == where.kind.value)
        if where.status:
            query = query.where(records.c.status == where.status.value)
        if where.owner:
            query = query.where(records.c.owner == where.owner)
        if where.text:
            pattern = "%" + where.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(records.c.search_text.like(pattern.casefold(), escape="\\"))
        if where.ref_value:
            refs = select(record_refs.c.record_id).where(record_refs.c.value == where.ref_value)
            if where.ref_scheme:
                refs = refs.where(record_refs.c.scheme == where.ref_scheme)
            query = query.where(records.c.id.in_(refs))
        if where.review_overdue is not None:
            today = date.today()
            query = query.where(records.c.review_date < today if where.review_overdue else records.c.review_date >= today)
        if where.linked_to:
            query = query.where(or_(records.c.source_id == where.linked_to, records.c.target_id == where.linked_to))
        if where.kind in (None, RecordKind.LINK):
            # A link shows only when the caller may see both of its ends.
            query = query.where(
                or_(
                    records.c.kind != RecordKind.LINK.value,
                    records.c.source_id.in_(_visible_id_subquery(self.scope.agency))
                    & records.c.target_id.in_(_visible_id_subquery(self.scope.agency)),
                )
            )
        return query

    def _visible_row(self, record_id: str) -> Row[Any] | None:
        query = self._filtered(RecordFilter(status=None)).where(records.c.id == record_id)
        return self.conn.execute(query).first()

    def _own_row(self, record_id: str) -> Row[Any]:
        row = self.conn.execute(select(records).where(records.c.id == record_id).with_for_update()).first()
        if row is None or not self.conn.execute(visible_ids(self.scope.agency, [record_id])).first():
            raise NotFound(f"no record {record_id} that your agency may see")
        if row.owner != self.scope.agency:
            raise Forbidden(f"record {record_id} belongs to agency {row.owner}; only its owner may change it")
        return row

    @staticmethod
    def _check_version(row: Row[Any], expected: int) -> None:
        if int(row.version) != expected:
            raise Conflict(f"record {row.id} is at version {row.version}, not {expected}: reload it and apply your change again")

    def _check_references(self, record: RecordModel) -> None:
        wanted = record.references()
        if not wanted:
            return
        seen = {r.id for r in self.conn.execute(visible_ids(self.scope.agency, wanted))}
        missing = [i for i in wanted if i not in seen]
        if missing:
            raise ValidationFailed.one(_reference_field(record, missing[0]), f"no record {missing[0]} that your agency may see")

    def _check_refs_free(self, refs: Sequence[ExternalRef], record_id: str | None) -> None:
        for i, ref in enumerate(refs):
            holder = self.find_own_by_ref(ref)
            if holder is not None and holder != record_id:
                raise Conflict(f"external_refs[{i}]: {ref.scheme}:{ref.value} already names record {holder} of your agency")

    def _columns(self, record: RecordModel) -> dict[str, Any]:
        body = record.model_dump(mode="json", exclude=set(_COLUMN_FIELDS))
        return {
            "restriction_mode": record.restriction.mode.value,
            "hit_disclosure": record.restriction.hit_disclosure.value,
            "label": record.label()[:300],
            "search_text": "\n".join(term.casefold() for term in record.search_terms()),
            "body": json.dumps(body, ensure_ascii=False, sort_keys=True),
            "source_id": record.source_id if isinstance(record, Link) else None,
            "target_id": record.target_id if isinstance(record, Link) else None,
        }

    def _write_lists(self, record_id: str, record: RecordModel) -> None:
        self.conn.execute(delete(record_agencies).where(record_agencies.c.record_id == record_id))
        if record.restriction.agencies:
            self.conn.execute(insert(record_agencies), [{"record_id": record_id, "agency": a} for a in record.restriction.agencies])
        self.conn.execute(delete(record_refs).where(record_refs.c.record_id == record_id))
        unique_refs = {(r.scheme, r.value) for r in record.external_refs}
        if unique_refs:
            self.conn.execute(
                insert(record_refs),
                [{"record_id": record_id, "owner": self.scope.agency, "scheme": s, "value": v} for s, v in sorted(unique_refs)],
            )

    def _log_change(self, record_id: str, kind: RecordKind, op: str, version: int) -> None:
        self.conn.execute(insert(change_log).values(at=now(), record_id=record_id, kind=kind.value, op=op, version=version))

    def _reload(self, record_id: str) -> StoredModel:
        row = self.conn.execute(select(records).where(records.c.id == record_id)).one()
        (record,) = self._materialise([row])
        return record

    def _materialise(self, rows: Sequence[Row[Any]]) -> list[StoredModel]:
        """Rows -> records, with references to records the caller may not see removed."""
        if not rows:
            return []
        ids = [str(r.id) for r in rows]
        listed: dict[str, list[str]] = {i: [] for i in ids}
        for rid, agency in self.conn.execute(
            select(record_agencies.c.record_id, record_agencies.c.agency).where(record_agencies.c.record_id.in_(ids))
        ):
            listed[rid].append(agency)
        refs: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
        for rid, scheme, value in self.conn.execute(
            select(record_refs.c.record_id, record_refs.c.scheme, record_refs.c.value)
            .where(record_refs.c.record_id.in_(ids))
            .order_by(record_refs.c.scheme, record_refs.c.value)
        ):
            refs[rid].append({"scheme": scheme, "value": value})
        bodies = {str(r.id): json.loads(r.body) for r in rows}
        pointed = {p for r in rows for p in _pointers(RecordKind(r.kind), bodies[str(r.id)])}
        visible = {str(v.id) for v in self.conn.execute(visible_ids(self.scope.agency, sorted(pointed)))} if pointed else set()
        today = date.today()
        out: list[StoredModel] = []
        for row in rows:
            rid = str(row.id)
            kind = RecordKind(row.kind)
            body = _redact(kind, bodies[rid], visible)
            data = {
                **body,
                "kind": kind.value,
                "id": rid,
                "owner": row.owner,
                "status": row.status,
                "version": row.version,
                "created_at": as_utc(row.created_at),
                "updated_at": as_utc(row.updated_at),
                "review_date": row.review_date,
                "review_overdue": row.review_date < today and row.status == RecordStatus.ACTIVE.value,
                "restriction": {
                    "mode": row.restriction_mode,
                    "agencies": sorted(listed[rid]),
                    "hit_disclosure": row.hit_disclosure,
                },
                "external_refs": refs[rid],
            }
            out.append(STORED_BY_KIND[kind].model_validate(data))
        return out


def _visible_id_subquery(agency: str) -> Select[tuple[str]]:
    visible = records.alias("visible_end")
    return select(visible.c.id).where(visible_to(agency, visible))


def _filter_dict(where: RecordFilter) -> dict[str, Any]:
    return {name: getattr(where, name) for name in where.__dataclass_fields__}


def _reference_field(record: RecordModel, missing: str) -> str:
    for name in ("holder_id", "source_id", "target_id", "subject_id"):
        if getattr(record, name, None) == missing:
            return name
    return "references"


def _pointers(kind: RecordKind, body: dict[str, Any]) -> list[str]:
    if kind is RecordKind.TRAVEL_DOCUMENT:
        return [body["holder_id"]] if body.get("holder_id") else []
    if kind is RecordKind.NOTICE:
        return [body["subject_id"]] if body.get("subject_id") else []
    if kind is RecordKind.EVENT:
        ids: list[str] = []
        for part, keys in _EVENT_POINTERS.items():
            section = body.get(part) or {}
            for key in keys:
                value = section.get(key)
                if isinstance(value, list):
                    ids += value
                elif value:
                    ids.append(value)
        return ids
    return []


_EVENT_POINTERS = {
    "movement": ("person_id", "document_id"),
    "transaction": ("payer_id", "payee_id"),
    "incident": ("involved_ids",),
}


def _redact(kind: RecordKind, body: dict[str, Any], visible: set[str]) -> dict[str, Any]:
    """Blank out pointers to records the caller may not see: not even their ids show."""
    if kind is RecordKind.TRAVEL_DOCUMENT and body.get("holder_id") and body["holder_id"] not in visible:
        return {**body, "holder_id": None}
    if kind is RecordKind.NOTICE and body.get("subject_id") and body["subject_id"] not in visible:
        return {**body, "subject_id": None}
    if kind is RecordKind.EVENT:
        body = dict(body)
        for part, keys in _EVENT_POINTERS.items():
            if not body.get(part):
                continue
            section = dict(body[part])
            for key in keys:
                value = section.get(key)
                if isinstance(value, list):
                    section[key] = [v for v in value if v in visible]
                elif value and value not in visible:
                    section[key] = None
            body[part] = section
    return body
