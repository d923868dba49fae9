"""Notices: their life cycle beside the notice records, the secretariat's reviews, and the
query the screening layer asks for the notices that drive hits.

A notice's content is a record of kind ``notice`` in ``records`` (restriction, owner,
versions, the change log all as for any record). ``notices`` holds its state, the record
version that state applies to, and a copy of the fields queries filter on; ``notice_reviews``
every review with its checklist; ``notice_addressees`` a diffusion's agencies.

Only the requesting agency's editors create, submit and cancel; only the secretariat
reviews. Submitting a notice shows it to the secretariat for review even where its
restriction would not. Every transition is audited and appended to the change log.

A notice record written through the generic records API (``POST`` or ``PUT /v1/records``)
is brought in line on the next notice operation (``_sync``): a new one is a draft; a
submitted or published one that was changed goes back for review (a changed diffusion stays
out, with its review pending). Hits only ever come from the version the secretariat reviewed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    Row,
    Select,
    String,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from kalkan.access.policy import agency_may_see
from kalkan.access.roles import Permission, Role
from kalkan.access.scope import Scope
from kalkan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kalkan.model.notices import SUBMITTABLE, NoticeState, Review, ReviewDecision, shown_state
from kalkan.model.records import Notice, NoticeRecord, NoticeType, RecordKind, RecordStatus
from kalkan.store import audit
from kalkan.store.clock import as_utc, now
from kalkan.store.records import RecordStore
from kalkan.store.tables import Serial, change_log, metadata, notice_addressees, notices, records
from kalkan.store.visibility import visible_ids, visible_to

notice_reviews = Table(
    "notice_reviews",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("record_id", String(32), ForeignKey("records.id"), nullable=False, index=True),
    Column("record_version", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reviewer", String(64), nullable=False),
    Column("decision", String(12), nullable=False),
    Column("checklist", Text, nullable=False),  # JSON: item -> {"passed", "reason"}
    Column("reasons", Text, nullable=True),
)

#: What a notice may concern.
SUBJECT_KINDS = frozenset({RecordKind.PERSON, RecordKind.ORGANISATION, RecordKind.TRAVEL_DOCUMENT})


@dataclass(frozen=True, slots=True)
class NoticeReview:
    at: datetime
    reviewer: str
    record_version: int
    decision: ReviewDecision
    checklist: dict[str, Any]
    reasons: str | None


@dataclass(frozen=True, slots=True)
class NoticeView:
    """A notice as a reader sees it: the record, its state, and (for its owner and the secretariat) its reviews."""

    record: NoticeRecord
    state: NoticeState
    review_pending: bool
    submitted_at: datetime | None
    published_at: datetime | None
    reviews: list[NoticeReview]


def is_reviewer(scope: Scope) -> bool:
    return Role.SECRETARIAT in scope.roles


class NoticeStore:
    """The notices a Scope may see, create, submit, review and cancel."""

    def __init__(self, conn: Connection, scope: Scope, review_period_days: int | None = None) -> None:
        self.conn = conn
        self.scope = scope
        self.records = RecordStore(conn, scope) if review_period_days is None else RecordStore(conn, scope, review_period_days)

    # -- reads ---------------------------------------------------------------

    def get(self, record_id: str) -> NoticeView:
        self.scope.require(Permission.READ_RECORDS)
        self._sync()
        row = self.conn.execute(self._readable().where(notices.c.record_id == record_id)).first()
        if row is None:
            raise NotFound(f"no notice {record_id} that your agency may see")
        (view,) = self._views([row])
        audit.append(self.conn, self.scope, "notice.read", [record_id])
        return view

    def find(
        self, *, state: NoticeState | None = None, notice_type: NoticeType | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[NoticeView], int]:
        """Notices the caller may see, newest first, and how many match in all."""
        self.scope.require(Permission.READ_RECORDS)
        self._sync()
        query = self._readable()
        if state is not None:
            query = query.where(_state_is(state))
        if notice_type is not None:
            query = query.where(notices.c.notice_type == notice_type.value)
        total = int(self.conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
        rows = self.conn.execute(query.order_by(notices.c.updated_at.desc(), notices.c.record_id).limit(limit).offset(offset)).all()
        found = self._views(rows)
        audit.append(
            self.conn,
            self.scope,
            "notice.list",
            [v.record.id for v in found],
            query={"state": state, "notice_type": notice_type, "limit": limit, "offset": offset},
        )
        return found, total

    def review_queue(self, *, limit: int = 100) -> list[NoticeView]:
        """Notices waiting for the secretariat, oldest submission first."""
        self._require_reviewer()
        self._sync()
        waiting = or_(notices.c.state == NoticeState.SUBMITTED.value, notices.c.review_pending.is_(True))
        query = self._joined().where(waiting).order_by(notices.c.submitted_at, notices.c.record_id).limit(limit)
        found = self._views(self.conn.execute(query).all())
        audit.append(self.conn, self.scope, "notice.review_queue", [v.record.id for v in found])
        return found

    # -- writes --------------------------------------------------------------

    def create(self, notice: Notice) -> NoticeView:
        """A draft notice of the caller's agency."""
        self.scope.require(Permission.WRITE_RECORDS)
        self._check_notice(notice, self.scope.agency)
        record = self.records.create(notice)
        stamp = now()
        self.conn.execute(
            insert(notices).values(
                **_snapshot(notice),
                record_id=record.id,
                owner=self.scope.agency,
                state=NoticeState.DRAFT.value,
                review_pending=False,
                record_version=record.version,
                updated_at=stamp,
            )
        )
        self._write_addressees(record.id, notice)
        audit.append(self.conn, self.scope, "notice.create", [record.id], detail=notice.notice_type.value)
        return self._view_of(record.id)

    def submit(self, record_id: str) -> NoticeView:
        """Send a draft (or a refused notice, changed) to the secretariat; a diffusion goes out at once."""
        self.scope.require(Permission.WRITE_RECORDS)
        self._sync()
        row = self._own(record_id)
        state = NoticeState(row.state)
        if state not in SUBMITTABLE:
            raise Conflict(f"notice {record_id} is {state}; only a draft or a refused notice can be submitted")
        notice = self._content(record_id)
        self._check_notice(notice, row.owner)
        if notice.expires_on is not None and notice.expires_on < date.today():
            raise ValidationFailed.one("expires_on", f"the notice expired on {notice.expires_on.isoformat()}; set a later date first")
        diffusion = notice.notice_type is NoticeType.DIFFUSION
        stamp = now()
        values: dict[str, Any] = {"submitted_at": stamp, "updated_at": stamp}
        if diffusion:
            values.update(state=NoticeState.PUBLISHED.value, review_pending=True, published_at=stamp)
        else:
            values.update(state=NoticeState.SUBMITTED.value, review_pending=False)
        self.conn.execute(update(notices).where(notices.c.record_id == record_id).values(**values))
        self._transition(record_id, int(row.record_version), "submit")
        if diffusion:
            self._transition(record_id, int(row.record_version), "publish", detail="a diffusion goes out on submission; review pending")
        return self._view_of(record_id)

    def review(self, record_id: str, review: Review) -> NoticeView:
        """The secretariat's decision on a submitted notice, or on a diffusion already out."""
        self._require_reviewer()
        self._sync()
        row = self.conn.execute(select(notices).where(notices.c.record_id == record_id).with_for_update()).first()
        if row is None:
            raise NotFound(f"no notice {record_id} waiting for review")
        if not (row.state == NoticeState.SUBMITTED.value or row.review_pending):
            raise Conflict(f"notice {record_id} is {row.state}, not waiting for review")
        version = int(row.record_version)
        stamp = now()
        self.conn.execute(
            insert(notice_reviews).values(
                record_id=record_id,
                record_version=version,
                at=stamp,
                reviewer=self.scope.username,
                decision=review.decision.value,
                checklist=review.checklist.model_dump_json(),
                reasons=review.reasons,
            )
        )
        values: dict[str, Any] = {"review_pending": False, "updated_at": stamp}
        if review.decision is ReviewDecision.PUBLISH:
            values["state"] = NoticeState.PUBLISHED.value
            if row.published_at is None:
                values["published_at"] = stamp
        else:
            values["state"] = NoticeState.REFUSED.value
        self.conn.execute(update(notices).where(notices.c.record_id == record_id).values(**values))
        op = "publish" if review.decision is ReviewDecision.PUBLISH else "refuse"
        self._transition(record_id, version, op, detail=review.reasons)
        return self._view_of(record_id)

    def cancel(self, record_id: str, *, reason: str) -> NoticeView:
        """Withdraw a notice in any state; it drives no hits from now on."""
        self.scope.require(Permission.WRITE_RECORDS)
        self._sync()
        row = self._own(record_id)
        if row.state == NoticeState.CANCELLED.value:
            raise Conflict(f"notice {record_id} is already cancelled")
        record = self.records.cancel(record_id, reason=reason)
        self.conn.execute(
            update(notices)
            .where(notices.c.record_id == record_id)
            .values(state=NoticeState.CANCELLED.value, review_pending=False, record_version=record.version, updated_at=now())
        )
        audit.append(self.conn, self.scope, "notice.cancel", [record_id], detail=reason)
        return self._view_of(record_id)

    # -- internals -----------------------------------------------------------

    def _require_reviewer(self) -> None:
        if not is_reviewer(self.scope):
            raise Forbidden("only the secretariat reviews notices")

    def _joined(self) -> Select[Any]:
        return select(records, *_NOTICE_COLUMNS).join(notices, notices.c.record_id == records.c.id)

    def _readable(self) -> Select[Any]:
        """The owner sees its notices in every state; others a published, cancelled or expired one
        they may see (a diffusion: its addressees); the secretariat also every submitted one."""
        agency = self.scope.agency
        addressed = exists().where(notice_addressees.c.record_id == notices.c.record_id, notice_addressees.c.agency == agency)
        out = and_(
            notices.c.state.in_([NoticeState.PUBLISHED.value, NoticeState.CANCELLED.value]),
            notices.c.submitted_at.is_not(None),
            visible_to(agency),
            or_(notices.c.notice_type != NoticeType.DIFFUSION.value, addressed),
        )
        allowed = [records.c.owner == agency, out]
        if is_reviewer(self.scope):
            allowed.append(notices.c.submitted_at.is_not(None))
        return self._joined().where(or_(*allowed))

    def _own(self, record_id: str) -> Row[Any]:
        row = self.conn.execute(select(notices).where(notices.c.record_id == record_id).with_for_update()).first()
        if row is None or not self.conn.execute(visible_ids(self.scope.agency, [record_id])).first():
            raise NotFound(f"no notice {record_id} that your agency may see")
        if row.owner != self.scope.agency:
            raise Forbidden(f"notice {record_id} belongs to agency {row.owner}; only the requesting agency may change it")
        return row

    def _content(self, record_id: str) -> Notice:
        """The notice as its owner wrote it, restriction included."""
        row = self.conn.execute(select(records).where(records.c.id == record_id)).one()
        (record,) = RecordStore(self.conn, Scope.system(str(row.owner))).materialise([row])
        if not isinstance(record, NoticeRecord) or record.subject_id is None:
            raise ValidationFailed.one("subject_id", "the notice's subject is gone or hidden from its agency")
        return Notice.model_validate(record.model_dump(include=set(Notice.model_fields)))

    def _check_notice(self, notice: Notice, owner: str) -> None:
        """The subject is a person, organisation or document the agency may see; each addressee may see the diffusion."""
        subject = self.conn.execute(
            select(records.c.kind).where(records.c.id == notice.subject_id, visible_to(owner), records.c.kind != RecordKind.NOTICE.value)
        ).first()
        if subject is None:
            raise ValidationFailed.one("subject_id", f"no record {notice.subject_id} that your agency may see")
        if RecordKind(subject.kind) not in SUBJECT_KINDS:
            raise ValidationFailed.one(
                "subject_id", f"a notice concerns a person, an organisation or a travel document, not a {subject.kind}"
            )
        for i, agency in enumerate(notice.addressees):
            if not agency_may_see(owner, notice.restriction, agency):
                raise ValidationFailed.one(
                    f"addressees[{i}]", f"agency {agency} may not see this diffusion under its restriction: let it in restriction.agencies"
                )

    def _write_addressees(self, record_id: str, notice: Notice) -> None:
        self.conn.execute(delete(notice_addressees).where(notice_addressees.c.record_id == record_id))
        if notice.addressees:
            self.conn.execute(insert(notice_addressees), [{"record_id": record_id, "agency": a} for a in notice.addressees])

    def _transition(self, record_id: str, version: int, op: str, detail: str | None = None) -> None:
        self.conn.execute(insert(change_log).values(at=now(), record_id=record_id, kind=RecordKind.NOTICE.value, op=op, version=version))
        audit.append(self.conn, self.scope, f"notice.{op}", [record_id], detail=detail)

    def _view_of(self, record_id: str) -> NoticeView:
        (view,) = self._views(self.conn.execute(self._joined().where(records.c.id == record_id)).all())
        return view

    def _views(self, rows: Sequence[Row[Any]]) -> list[NoticeView]:
        if not rows:
            return []
        reviews: dict[str, list[NoticeReview]] = {}
        reviewable = [str(r.id) for r in rows if r.owner == self.scope.agency or is_reviewer(self.scope)]
        if reviewable:
            for review in self.conn.execute(
                select(notice_reviews).where(notice_reviews.c.record_id.in_(reviewable)).order_by(notice_reviews.c.id)
            ):
                reviews.setdefault(str(review.record_id), []).append(
                    NoticeReview(
                        at=as_utc(review.at),
                        reviewer=review.reviewer,
                        record_version=int(review.record_version),
                        decision=ReviewDecision(review.decision),
                        checklist=json.loads(review.checklist),
                        reasons=review.reasons,
                    )
                )
        # A reviewer reads another agency's notice as its owner does: that is what it reviews.
        materialised: dict[str, NoticeRecord] = {}
        reader = self.scope.agency
        for owner, group in _by_owner(rows, reader if not is_reviewer(self.scope) else None).items():
            store = self.records if owner == reader else RecordStore(self.conn, Scope.system(owner))
            materialised.update({record.id: record for record in store.materialise(group) if isinstance(record, NoticeRecord)})
        today = date.today()
        return [
            NoticeView(
                record=materialised[str(r.id)],
                state=shown_state(NoticeState(r.notice_state), r.notice_expires_on, today),
                review_pending=bool(r.review_pending),
                submitted_at=as_utc(r.submitted_at) if r.submitted_at else None,
                published_at=as_utc(r.published_at) if r.published_at else None,
                reviews=reviews.get(str(r.id), []),
            )
            for r in rows
        ]

    def _sync(self) -> None:
        """Bring ``notices`` in line with notice records written through the generic records API."""
        stale = self.conn.execute(
            select(
                records.c.id,
                records.c.owner,
                records.c.version,
                records.c.status,
                records.c.body,
                notices.c.state,
                notices.c.record_version,
            )
            .select_from(records.outerjoin(notices, notices.c.record_id == records.c.id))
            .where(
                records.c.kind == RecordKind.NOTICE.value,
                or_(
                    notices.c.record_id.is_(None),
                    and_(notices.c.record_version != records.c.version, notices.c.state != NoticeState.CANCELLED.value),
                ),
            )
        ).all()
        for row in stale:
            body = json.loads(row.body)
            notice = Notice.model_validate({key: value for key, value in body.items() if key != "kind"} | {"kind": RecordKind.NOTICE})
            stamp = now()
            if row.state is None:
                state = NoticeState.CANCELLED if row.status == RecordStatus.CANCELLED.value else NoticeState.DRAFT
                try:
                    with self.conn.begin_nested():
                        self.conn.execute(
                            insert(notices).values(
                                **_snapshot(notice),
                                record_id=row.id,
                                owner=row.owner,
                                state=state.value,
                                review_pending=False,
                                record_version=row.version,
                                updated_at=stamp,
                            )
                        )
                except IntegrityError:  # another request adopted it first
                    continue
                self._write_addressees(str(row.id), notice)
                continue
            values: dict[str, Any] = {**_snapshot(notice), "record_version": row.version, "updated_at": stamp}
            if row.status == RecordStatus.CANCELLED.value:
                values["state"] = NoticeState.CANCELLED.value
            elif row.state in (NoticeState.SUBMITTED.value, NoticeState.PUBLISHED.value):
                if notice.notice_type is NoticeType.DIFFUSION and row.state == NoticeState.PUBLISHED.value:
                    values["review_pending"] = True
                else:  # the secretariat reviews what will drive hits
                    values.update(state=NoticeState.SUBMITTED.value, review_pending=False, submitted_at=stamp)
            self.conn.execute(
                update(notices).where(notices.c.record_id == row.id, notices.c.record_version == row.record_version).values(**values)
            )
            self._write_addressees(str(row.id), notice)


_NOTICE_COLUMNS = (
    notices.c.state.label("notice_state"),
    notices.c.expires_on.label("notice_expires_on"),
    notices.c.review_pending,
    notices.c.submitted_at,
    notices.c.published_at,
)


def _snapshot(notice: Notice) -> dict[str, Any]:
    return {"notice_type": notice.notice_type.value, "subject_id": notice.subject_id, "expires_on": notice.expires_on}


def _by_owner(rows: Sequence[Row[Any]], reader: str | None) -> dict[str, list[Row[Any]]]:
    """Rows grouped by owner; all under ``reader`` when one is given."""
    groups: dict[str, list[Row[Any]]] = {}
    for row in rows:
        groups.setdefault(reader or str(row.owner), []).append(row)
    return groups


def _state_is(state: NoticeState) -> Any:
    today = date.today()
    unexpired = or_(notices.c.expires_on.is_(None), notices.c.expires_on >= today)
    if state is NoticeState.EXPIRED:
        return and_(notices.c.state == NoticeState.PUBLISHED.value, ~unexpired)
    if state is NoticeState.PUBLISHED:
        return and_(notices.c.state == NoticeState.PUBLISHED.value, unexpired)
    return notices.c.state == state.value


def published_notices(conn: Connection, scope: Scope, subject_ids: Iterable[str], *, today: date | None = None) -> list[NoticeRecord]:
    """The published, unexpired notices on ``subject_ids`` that ``scope``'s agency may see: what drives hits.

    Only the version the secretariat reviewed counts (a notice changed since is waiting for
    review again); a diffusion counts only for its addressees and its owner. Not audited:
    the check that asks is.
    """
    wanted = sorted(set(subject_ids))
    if not wanted:
        return []
    agency = scope.agency
    today = today or date.today()
    addressed = exists().where(notice_addressees.c.record_id == notices.c.record_id, notice_addressees.c.agency == agency)
    rows = conn.execute(
        select(records)
        .join(notices, notices.c.record_id == records.c.id)
        .where(
            notices.c.subject_id.in_(wanted),
            notices.c.state == NoticeState.PUBLISHED.value,
            notices.c.record_version == records.c.version,
            records.c.status == RecordStatus.ACTIVE.value,
            or_(notices.c.expires_on.is_(None), notices.c.expires_on >= today),
            visible_to(agency),
            or_(notices.c.notice_type != NoticeType.DIFFUSION.value, records.c.owner == agency, addressed),
        )
        .order_by(notices.c.subject_id, records.c.id)
    ).all()
    found = RecordStore(conn, scope).materialise(rows)
    return [record for record in found if isinstance(record, NoticeRecord)]
