"""The bureau's open hits as its page shows them: the record hit and the check that produced it.

``store.hits.list_hits`` gives the hits on the agency's own records (a hit on another
agency's record is never among them) with the check's context, and audits the reading
(``hit.list``). The page adds each record's label: the agency's own record, or the row of
the bulk table of stolen and lost documents that it owns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Connection, select

from kalkan.access.scope import Scope
from kalkan.errors import NotFound
from kalkan.store.documents import REF_PREFIX, documents
from kalkan.store.hits import HitState, StoredHit, hits, list_hits
from kalkan.store.tables import records

#: Open hits shown on the page, newest first; the API pages through the rest.
HITS_SHOWN: Final = 100
MAX_NOTE: Final = 2000


@dataclass(frozen=True, slots=True)
class ShownHit:
    id: str
    at: datetime
    record_id: str
    record_kind: str
    label: str
    link: str | None  # the record's page; None for a row of the bulk documents table
    outcome: str
    score: float
    checking_agency: str
    border_post: str | None
    direction: str | None
    flight: str | None
    restricted: bool
    notices: int


def _labels(conn: Connection, agency: str, found: list[StoredHit]) -> dict[str, str]:
    record_ids = sorted({h.record_id for h in found if not h.record_id.startswith(REF_PREFIX)})
    table_ids = sorted({int(h.record_id.removeprefix(REF_PREFIX)) for h in found if h.record_id.startswith(REF_PREFIX)})
    labels: dict[str, str] = {}
    if record_ids:
        rows = conn.execute(select(records.c.id, records.c.label).where(records.c.id.in_(record_ids), records.c.owner == agency))
        labels.update({str(row.id): str(row.label) for row in rows})
    if table_ids:
        rows = conn.execute(
            select(documents.c.id, documents.c.issuing_state, documents.c.document_type, documents.c.number).where(
                documents.c.id.in_(table_ids), documents.c.owner == agency
            )
        )
        labels.update({f"{REF_PREFIX}{row.id}": f"{row.issuing_state} {row.document_type} {row.number}" for row in rows})
    return labels


def open_hits(conn: Connection, scope: Scope) -> list[ShownHit]:
    """The open hits on the caller's agency's records, newest first."""
    found = list_hits(conn, scope, state=HitState.OPEN, limit=HITS_SHOWN)
    labels = _labels(conn, scope.agency, found)
    return [
        ShownHit(
            id=hit.id,
            at=hit.created_at,
            record_id=hit.record_id,
            record_kind=hit.record_kind,
            label=labels.get(hit.record_id, hit.record_id),
            link=None if hit.record_id.startswith(REF_PREFIX) else hit.record_id,
            outcome=hit.outcome,
            score=hit.score,
            checking_agency=hit.checking_agency,
            border_post=hit.context.get("border_post"),
            direction=hit.context.get("direction"),
            flight=hit.context.get("flight"),
            restricted=hit.restricted,
            notices=len(hit.notice_ids),
        )
        for hit in found
    ]


def own_hit(conn: Connection, scope: Scope, hit_id: str) -> None:
    """NotFound unless the hit is on a record of the caller's agency: another agency's hit does not exist here."""
    if conn.execute(select(hits.c.id).where(hits.c.id == hit_id, hits.c.owner == scope.agency)).first() is None:
        raise NotFound(f"no hit {hit_id} on a record of agency {scope.agency}")
