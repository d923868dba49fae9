"""What a traveller check found, and what it leaves behind: stored hits, notifications, a movement, the audit entry.

``TravellerHit`` is a record a traveller hit, as the checking agency may learn of it;
``TravellerResult`` one traveller's hits and verdict. ``store_result`` writes a check with
hits and its hits and, in the same transaction, notifies each hit's owner agency and each
notice's requesting agency (``store.outbox``), each with only what it may see;
``record_movement`` writes the movement event a deployment may ask for; ``audit_entry``
is the one audit entry of a request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from sqlalchemy import Connection

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.model.records import Event, EventType, Movement, NoticeRecord, RecordKind
from kalkan.screening.documents import DocumentHit, Outcome
from kalkan.screening.probes import ProbeResult
from kalkan.screening.traveller_query import TravellerQuery
from kalkan.store import audit, outbox
from kalkan.store import documents as document_store
from kalkan.store import hits as hit_store
from kalkan.store.clock import now
from kalkan.store.records import RecordStore
from kalkan.store.visibility import visible_ids

#: The kind of notification a hit sends.
HIT_NOTIFICATION: Final = "hit"


@dataclass(frozen=True, slots=True)
class TravellerHit:
    """A record a traveller hit, as the checking agency may learn of it (``restricted``: only "contact ``owner``")."""

    record_id: str
    record_kind: str
    record_version: int
    owner: str
    outcome: Outcome
    score: float
    restricted: bool
    label: str | None = None
    explanation: dict[str, Any] = field(default_factory=dict)
    document: DocumentHit | None = None
    notices: tuple[NoticeRecord, ...] = ()
    hit_id: str | None = None

    @property
    def matched_by(self) -> tuple[str, ...]:
        """What matched the record: ``document``, ``name``, ``face``, ``finger``."""
        found = ["document"] if self.document is not None or self.record_kind == RecordKind.TRAVEL_DOCUMENT.value else []
        found += ["name"] if "query_name" in self.explanation else []
        found += [str(b["modality"]) for b in self.explanation.get("biometrics", ())]
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class TravellerResult:
    query: TravellerQuery
    hits: tuple[TravellerHit, ...] = ()
    #: Records the owner agency marked false positive for this traveller, at the version they still have.
    remembered_false_positives: tuple[TravellerHit, ...] = ()
    check_id: str | None = None
    movement_id: str | None = None
    #: What each of the traveller's probes (photo, fingerprint) found, in the order given.
    probes: tuple[ProbeResult, ...] = ()

    @property
    def verdict(self) -> Outcome:
        if any(hit.outcome is Outcome.HIT for hit in self.hits):
            return Outcome.HIT
        return Outcome.POSSIBLE_HIT if self.hits else Outcome.NO_HIT


def store_result(conn: Connection, scope: Scope, result: TravellerResult) -> TravellerResult:
    """Write the check and its hits, and notify the owner and the notices' requesters, in this transaction."""
    query = result.query
    new = [
        hit_store.NewHit(
            h.record_id, h.record_kind, h.record_version, h.owner, h.outcome.value, h.score, h.restricted, tuple(n.id for n in h.notices)
        )
        for h in result.hits
    ]
    check_id, hit_ids = hit_store.record_check(
        conn, scope, outcome=result.verdict.value, traveller_key=query.key, context=query.context.as_dict(), found=new
    )
    stored = tuple(replace(h, hit_id=hit_id) for h, hit_id in zip(result.hits, hit_ids, strict=True))
    for hit in stored:
        common = {
            "hit_id": hit.hit_id,
            "check_id": check_id,
            "outcome": hit.outcome.value,
            "checking_agency": scope.agency,
            "context": query.context.as_dict(),
        }
        # The owner sees its own record, and what was asked about the traveller who hit it.
        outbox.enqueue(
            conn,
            hit.owner,
            HIT_NOTIFICATION,
            common
            | {
                "record_id": hit.record_id,
                "record_kind": hit.record_kind,
                "record_version": hit.record_version,
                "score": hit.score,
                "restricted_for_checking_agency": hit.restricted,
                "matched_by": list(hit.matched_by),
                "notice_ids": [n.id for n in hit.notices],
                "traveller": {k: v for k, v in query.as_dict().items() if k != "context"},
            },
        )
        for notice in hit.notices:
            requester = notice.owner
            if requester == hit.owner:
                continue
            may_see_subject = conn.execute(visible_ids(requester, [hit.record_id])).first() is not None
            outbox.enqueue(
                conn,
                requester,
                HIT_NOTIFICATION,
                common
                | {
                    "notice_id": notice.id,
                    "notice_type": notice.notice_type.value,
                    "record_id": hit.record_id if may_see_subject else None,
                },
            )
    return replace(result, hits=stored, check_id=check_id)


def record_movement(conn: Connection, scope: Scope, result: TravellerResult) -> str | None:
    """A movement event owned by the checking agency (owner only), linked to the person matched; None without one."""
    context = result.query.context
    person = next((h for h in result.hits if h.record_kind == RecordKind.PERSON.value and not h.restricted), None)
    if person is None or context.border_post is None or context.direction is None:
        return None
    document = result.query.document
    held = next(
        (h.record_id for h in result.hits if h.document is not None and not h.record_id.startswith(document_store.REF_PREFIX)), None
    )
    described = (
        [f"document {document.issuing_state} {document.document_type or ''} {document.number}".replace("  ", " ")] if document else []
    )
    described += [f"flight or vessel {context.flight}"] if context.flight else []
    event = Event(
        event_type=EventType.MOVEMENT,
        occurred_at=context.at or now(),
        place=context.border_post,
        description="; ".join(described) or None,
        movement=Movement(
            border_post=context.border_post,
            direction=context.direction,
            person_id=person.record_id,
            document_id=held,
            carrier=context.carrier,
        ),
    )
    # The check writes on the agency's behalf: an officer may run checks without writing records.
    writer = Scope(scope.user_id, scope.username, scope.agency, frozenset({Role.EDITOR}))
    return RecordStore(conn, writer).create(event).id


def audit_entry(scope: Scope, results: Sequence[TravellerResult]) -> audit.PendingEntry:
    """The one audit entry of a request: every record and notice returned, what was asked, the checks stored."""
    returned = sorted(
        {h.record_id for r in results for h in (*r.hits, *r.remembered_false_positives)}
        | {n.id for r in results for h in r.hits for n in h.notices}
    )
    verdicts = [r.verdict for r in results]
    return audit.PendingEntry.of(
        scope,
        "check.travellers",
        returned,
        query=[r.query.as_dict() for r in results],
        detail=json.dumps(
            {
                "travellers": len(results),
                "hit": verdicts.count(Outcome.HIT),
                "possible_hit": verdicts.count(Outcome.POSSIBLE_HIT),
                "checks": [r.check_id for r in results if r.check_id],
                **(
                    {"probes": [[{"modality": p.modality, "outcome": p.outcome, "fault": p.fault} for p in r.probes] for r in results]}
                    if any(r.probes for r in results)
                    else {}
                ),
            },
            sort_keys=True,
        ),
    )
