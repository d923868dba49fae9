"""The access rule of ``access.policy`` as SQL, applied in every read of records."""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, Select, and_, exists, or_, select

from kalkan.model.restriction import RestrictionMode
from kalkan.store.tables import record_agencies, records


def visible_to(agency: str, table: FromClause = records) -> ColumnElement[bool]:
    """Rows of ``records`` (or an alias of it) that ``agency`` may see."""
    listed = exists().where(record_agencies.c.record_id == table.c.id, record_agencies.c.agency == agency)
    return or_(
        table.c.owner == agency,
        table.c.restriction_mode == RestrictionMode.ALL.value,
        and_(table.c.restriction_mode == RestrictionMode.ONLY.value, listed),
        and_(table.c.restriction_mode == RestrictionMode.EXCEPT.value, ~listed),
    )


def visible_ids(agency: str, ids: list[str]) -> Select[tuple[str]]:
    """Which of ``ids`` exist and ``agency`` may see."""
    return select(records.c.id).where(records.c.id.in_(ids), visible_to(agency))
