"""The access rule of ``access.policy`` as SQL, applied in every read of records."""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, Select, and_, exists, or_, select

from kalkan.model.notices import NoticeState
from kalkan.model.records import NoticeType, RecordKind
from kalkan.model.restriction import RestrictionMode
from kalkan.store.tables import notice_addressees, notices, record_agencies, records

#: States in which a notice is shared beyond its requesting agency (a cancelled one stays
#: readable, so that those who acted on it learn it was withdrawn).
SHARED_NOTICE_STATES = (NoticeState.PUBLISHED.value, NoticeState.CANCELLED.value)


def visible_to(agency: str, table: FromClause = records) -> ColumnElement[bool]:
    """Rows of ``records`` (or an alias of it) that ``agency`` may see.

    The owner's restriction decides; a notice is, besides, its requesting agency's alone
    until it is published (a diffusion: shared with its addressees only), whatever its
    restriction says, so that a draft never leaks through a plain read or search.
    """
    listed = exists().where(record_agencies.c.record_id == table.c.id, record_agencies.c.agency == agency)
    allowed = or_(
        table.c.owner == agency,
        table.c.restriction_mode == RestrictionMode.ALL.value,
        and_(table.c.restriction_mode == RestrictionMode.ONLY.value, listed),
        and_(table.c.restriction_mode == RestrictionMode.EXCEPT.value, ~listed),
    )
    # Aliases: the caller's query may join the notice tables itself.
    notice, addressee = notices.alias("shared_notice"), notice_addressees.alias("notice_addressee")
    addressed = exists().where(addressee.c.record_id == table.c.id, addressee.c.agency == agency)
    shared_notice = exists().where(
        notice.c.record_id == table.c.id,
        notice.c.state.in_(SHARED_NOTICE_STATES),
        notice.c.submitted_at.is_not(None),
        or_(notice.c.notice_type != NoticeType.DIFFUSION.value, addressed),
    )
    return and_(allowed, or_(table.c.kind != RecordKind.NOTICE.value, table.c.owner == agency, shared_notice))


def visible_ids(agency: str, ids: list[str]) -> Select[tuple[str]]:
    """Which of ``ids`` exist and ``agency`` may see."""
    return select(records.c.id).where(records.c.id.in_(ids), visible_to(agency))
