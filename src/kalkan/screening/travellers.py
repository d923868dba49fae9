"""Checking travellers at a border: the document check and the nominal check together, one verdict.

A traveller is given by a machine-readable zone or the fields read from a document, with
more names if the officer has them, and the context of the crossing. ``TravellerScreening``:

1. checks the document against the stolen and lost documents (``screening.documents``'s
   index and store) and the names, date of birth, nationality and sex against the persons
   (``screening.names``'s index), keeping what the caller's agency may learn of each record:
   the record, "contact agency X" (restricted, the owner allows saying so: always a
   **possible hit**, without detail), or nothing;
2. adds the published notices on each record it may see (``store.notices.published_notices``),
   with the action to take;
3. sets apart the hits the owner agency marked false positive for this traveller and this
   version of the record (``store.hits``): they come back as remembered, not as hits;
4. stores each check with hits, and its hits, and in the same transaction notifies each hit's
   owner agency and each notice's requesting agency (``store.outbox``), each with only what it
   may see;
5. records a movement event linked to the matched person when the deployment asks for it
   (``record_movements``);
6. appends **one** audit entry for the whole request, naming every record returned.

The verdict is ``hit`` if any record hit, ``possible_hit`` (for review) if any possibly hit,
``no_hit`` otherwise.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, select

from kalkan.access.roles import Permission, Role
from kalkan.access.scope import Scope
from kalkan.errors import Fault, ValidationFailed
from kalkan.matching.names.index import Visibility
from kalkan.matching.names.matcher import Match, PreparedQuery, run
from kalkan.model.countries import normalise_country
from kalkan.model.dates import FlexibleDate
from kalkan.model.mrz import read_mrz
from kalkan.model.records import Direction, Event, EventType, Movement, NoticeRecord, RecordKind, RecordStatus
from kalkan.model.restriction import HitDisclosure
from kalkan.screening.documents import DocumentChecker, DocumentHit, DocumentQuery, Outcome, classify
from kalkan.screening.names import NameQuery, NameScreening, explanation, prepare_queries
from kalkan.store import audit, outbox
from kalkan.store import documents as document_store
from kalkan.store import hits as hit_store
from kalkan.store.audit_writer import AuditWriter
from kalkan.store.clock import now
from kalkan.store.database import Database
from kalkan.store.notices import published_notices
from kalkan.store.records import RecordStore
from kalkan.store.tables import records
from kalkan.store.visibility import visible_ids

#: The most travellers one request may hold (a manifest).
MAX_BATCH: Final = 1000
#: Person candidates considered per traveller.
TOP_PERSONS: Final = 5
#: A document has no graded score: the same number is certain, one difference is for review.
DOCUMENT_SCORES: Final = {Outcome.HIT: 1.0, Outcome.POSSIBLE_HIT: 0.8}
#: The kind of notification a hit sends.
HIT_NOTIFICATION: Final = "hit"


@dataclass(frozen=True, slots=True)
class Context:
    """Where and when the traveller crossed, as the checking officer says."""

    border_post: str | None = None
    direction: Direction | None = None
    carrier: str | None = None
    flight: str | None = None  # or vessel
    at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "border_post": self.border_post,
            "direction": self.direction.value if self.direction else None,
            "carrier": self.carrier,
            "flight": self.flight,
            "at": self.at.isoformat() if self.at else None,
        }


@dataclass(frozen=True, slots=True)
class TravellerQuery:
    """One traveller to check, validated: a document, names, or both."""

    document: DocumentQuery | None
    names: tuple[str, ...]
    birth_date: FlexibleDate | None
    nationality: str | None
    gender: str | None
    prepared: PreparedQuery | None
    context: Context = field(default_factory=Context)

    @property
    def key(self) -> str | None:
        """What identifies the traveller from one day to the next (hashed): the document and date of birth,
        or the first name and date of birth when there is no document; None when neither can be told."""
        birth = self.birth_date.value if self.birth_date else ""
        if self.document is not None:
            text = f"document|{self.document.issuing_state}|{self.document.number}|{birth}"
        elif self.names and birth:
            text = f"name|{' '.join(self.names[0].casefold().split())}|{birth}"
        else:
            return None
        return hashlib.sha256(text.encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document.as_dict() if self.document else None,
            "names": list(self.names),
            "birth_date": self.birth_date.model_dump(mode="json") if self.birth_date else None,
            "nationality": self.nationality,
            "gender": self.gender,
            "context": self.context.as_dict(),
        }


def traveller_query(
    *,
    mrz: str | None = None,
    issuing_state: str | None = None,
    document_type: str | None = None,
    number: str | None = None,
    names: Sequence[str] = (),
    birth_date: FlexibleDate | None = None,
    nationality: str | None = None,
    gender: str | None = None,
    context: Context | None = None,
    prefix: str = "",
) -> TravellerQuery:
    """A traveller from a zone or a document's fields; ValidationFailed names every field at fault (under ``prefix``)."""
    faults: list[Fault] = []
    document: DocumentQuery | None = None
    all_names = list(names)
    try:
        if mrz is not None:
            if issuing_state is not None or number is not None:
                raise ValidationFailed.one(f"{prefix}mrz", "give either the zone or issuing_state and number, not both")
            document = DocumentQuery.from_mrz(mrz, prefix=prefix)
            reading = read_mrz(mrz)
            zone_name = " ".join(f"{reading.primary_identifier} {reading.secondary_identifiers}".split())
            if zone_name:
                all_names.insert(0, zone_name)
            if birth_date is None and reading.birth_date is not None and reading.birth_date.value is not None:
                birth_date = FlexibleDate(value=reading.birth_date.value.isoformat())
            if nationality is None:
                try:
                    nationality = normalise_country(reading.nationality)
                except ValueError:
                    nationality = None
            if gender is None and reading.sex is not None:
                gender = {"M": "male", "F": "female"}.get(reading.sex.value)
        elif issuing_state is not None or number is not None:
            missing = [name for name, value in (("issuing_state", issuing_state), ("number", number)) if value is None]
            if missing:
                raise ValidationFailed(
                    [Fault(f"{prefix}{name}", "is required with a document (or give the zone as 'mrz')") for name in missing]
                )
            document = DocumentQuery.of(issuing_state or "", number or "", document_type, prefix=prefix)
    except ValidationFailed as error:
        faults += error.faults
    prepared: PreparedQuery | None = None
    if all_names:
        try:
            (prepared,) = prepare_queries([NameQuery(tuple(all_names), birth_date, nationality, gender)], "person")
        except ValidationFailed as error:
            faults += [Fault(f.field.replace("queries[0].", prefix, 1), f.fault) for f in error.faults]
    elif document is None and not faults:
        where = prefix.rstrip(".") or "traveller"
        faults.append(Fault(where, "no identifying data: give the zone ('mrz'), a document (issuing_state and number) or a name"))
    if faults:
        raise ValidationFailed(faults)
    return TravellerQuery(document, tuple(all_names), birth_date, nationality, gender, prepared, context or Context())


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


@dataclass(frozen=True, slots=True)
class TravellerResult:
    query: TravellerQuery
    hits: tuple[TravellerHit, ...] = ()
    #: Records the owner agency marked false positive for this traveller, at the version they still have.
    remembered_false_positives: tuple[TravellerHit, ...] = ()
    check_id: str | None = None
    movement_id: str | None = None

    @property
    def verdict(self) -> Outcome:
        if any(hit.outcome is Outcome.HIT for hit in self.hits):
            return Outcome.HIT
        return Outcome.POSSIBLE_HIT if self.hits else Outcome.NO_HIT


@dataclass
class TravellerScreening:
    """Checks travellers with the process's document checker and name screening."""

    documents: DocumentChecker
    names: NameScreening
    record_movements: bool = False

    def check(self, conn: Connection, scope: Scope, queries: Sequence[TravellerQuery]) -> list[TravellerResult]:
        """Check each traveller; store hits, notify and audit in ``conn``'s transaction."""
        results = self.record(conn, scope, self.find(conn, scope, queries))
        audit.append_entries(conn, [audit_entry(scope, results)])
        return results

    def check_grouped(
        self, conn: Connection, scope: Scope, queries: Sequence[TravellerQuery], *, db: Database, writer: AuditWriter
    ) -> list[TravellerResult]:
        """Check each traveller reading on ``conn``, which only reads, and write no more than needed.

        A check that hits (and so stores its hits, notifies and may record a movement) writes
        all of it with its audit entry in one transaction of its own; a check without hits
        writes only its audit entry, through ``writer``, which commits the entries of
        concurrent checks together. Either way this returns once everything is committed.
        """
        results = self.find(conn, scope, queries)
        if any(result.hits for result in results):
            with db.transaction() as writing:
                results = self.record(writing, scope, results)
                audit.append_entries(writing, [audit_entry(scope, results)])
        else:
            writer.submit(audit_entry(scope, results)).wait()
        return results

    def find(self, conn: Connection, scope: Scope, queries: Sequence[TravellerQuery]) -> list[TravellerResult]:
        """What each traveller hits, as ``scope`` may learn of it, without writing anything."""
        scope.require(Permission.RUN_CHECKS)
        if not 1 <= len(queries) <= MAX_BATCH:
            raise ValidationFailed.one("travellers", f"give between 1 and {MAX_BATCH} travellers; got {len(queries)}")
        found = [d + n for d, n in zip(self._document_hits(conn, scope, queries), self._person_hits(conn, scope, queries), strict=True)]
        if any(found):
            found = _with_versions(conn, _with_notices(conn, scope, found))
        keys = [key for query, hits in zip(queries, found, strict=True) if hits and (key := query.key)]
        remembered = hit_store.remembered_false_positives(conn, keys) if keys else set()
        results: list[TravellerResult] = []
        for query, hits in zip(queries, found, strict=True):
            kept = tuple(h for h in hits if (query.key, h.record_id, h.record_version) not in remembered)
            cleared = tuple(h for h in hits if (query.key, h.record_id, h.record_version) in remembered)
            results.append(TravellerResult(query, kept, cleared))
        return results

    def record(self, conn: Connection, scope: Scope, results: Sequence[TravellerResult]) -> list[TravellerResult]:
        """Store the checks that hit with their hits and notifications, and the movements, in ``conn``'s transaction."""
        recorded: list[TravellerResult] = []
        for result in results:
            if result.hits:
                result = _store(conn, scope, result)
            if self.record_movements:
                result = replace(result, movement_id=_record_movement(conn, scope, result))
            recorded.append(result)
        return recorded

    # -- the two checks, without their own audit entries: a traveller check is one entry -------

    def _document_hits(self, conn: Connection, scope: Scope, queries: Sequence[TravellerQuery]) -> list[list[TravellerHit]]:
        asked = [(i, q.document) for i, q in enumerate(queries) if q.document is not None]
        answers: list[list[TravellerHit]] = [[] for _ in queries]
        if not asked:
            return answers
        # The checker's lock guards its index while it catches up; its check() would audit on its own.
        with self.documents._lock:
            index = self.documents.refresh(conn)
            found = index.find([document.number for _, document in asked])
        wanted = sorted({f.ref for group in found for f in group})
        seen = {c.ref: c for c in document_store.candidates(conn, scope, wanted)} if wanted else {}
        for (i, document), group in zip(asked, found, strict=True):
            classified = [hit for f in group if f.ref in seen and (hit := classify(document, f, seen[f.ref])) is not None]
            for hit in sorted(classified, key=lambda hit: (hit.outcome is not Outcome.HIT, hit.candidate.ref)):
                restricted = hit.candidate.detail is None
                outcome = Outcome.POSSIBLE_HIT if restricted else hit.outcome
                answers[i].append(
                    TravellerHit(
                        record_id=hit.candidate.ref,
                        record_kind=RecordKind.TRAVEL_DOCUMENT.value,
                        record_version=0,
                        owner=hit.candidate.owner,
                        outcome=outcome,
                        score=DOCUMENT_SCORES[hit.outcome],
                        restricted=restricted,
                        label=None if restricted else f"{hit.candidate.issuing_state} {hit.candidate.document_type} {hit.candidate.number}",
                        explanation={}
                        if restricted
                        else {
                            "differences": [d.value for d in hit.differences],
                            "matched_number": hit.matched_number,
                            "in_range": hit.in_range,
                        },
                        document=None if restricted else hit,
                    )
                )
        return answers

    def _person_hits(self, conn: Connection, scope: Scope, queries: Sequence[TravellerQuery]) -> list[list[TravellerHit]]:
        answers: list[list[TravellerHit]] = [[] for _ in queries]
        asked = [(i, q.prepared) for i, q in enumerate(queries) if q.prepared is not None]
        if not asked:
            return answers
        index = self.names.index(conn)
        # As NameScreening.check does; its check() would audit on its own.
        with self.names._lock:
            found = [[m for m in run(index, prepared, "person", scope.agency, TOP_PERSONS) if m.hit] for _, prepared in asked]
        ids = sorted({m.record_id for matches in found for m in matches})
        if not ids:
            return answers
        rows = {
            str(r.id): r for r in conn.execute(select(records).where(records.c.id.in_(ids), records.c.status == RecordStatus.ACTIVE.value))
        }
        visible = {str(r.id) for r in conn.execute(visible_ids(scope.agency, ids))}
        for (i, _), matches in zip(asked, found, strict=True):
            for match in matches:
                row = rows.get(match.record_id)
                if row is None:
                    continue
                answer = _person_hit(match, row, seen=match.record_id in visible and match.visibility is Visibility.SEEN)
                if answer is not None:
                    answers[i].append(answer)
        return answers


def _person_hit(match: Match, row: Any, *, seen: bool) -> TravellerHit | None:
    if seen:
        return TravellerHit(
            record_id=match.record_id,
            record_kind=RecordKind.PERSON.value,
            record_version=int(row.version),
            owner=str(row.owner),
            outcome=Outcome.HIT,
            score=match.scored.score,
            restricted=False,
            label=str(row.label),
            explanation=explanation(match),
        )
    if row.hit_disclosure != HitDisclosure.CONTACT_OWNER.value:
        return None
    return TravellerHit(
        record_id=match.record_id,
        record_kind=RecordKind.PERSON.value,
        record_version=int(row.version),
        owner=str(row.owner),
        outcome=Outcome.POSSIBLE_HIT,
        score=match.scored.score,
        restricted=True,
    )


def _with_notices(conn: Connection, scope: Scope, found: list[list[TravellerHit]]) -> list[list[TravellerHit]]:
    """Each visible hit with the published notices on its record that the caller's agency may see."""
    subjects = sorted({h.record_id for hits in found for h in hits if not h.restricted})
    by_subject: dict[str, list[NoticeRecord]] = {}
    for notice in published_notices(conn, scope, subjects):
        if notice.subject_id is not None:
            by_subject.setdefault(notice.subject_id, []).append(notice)
    return [[replace(h, notices=tuple(by_subject.get(h.record_id, ()))) for h in hits] for hits in found]


def _with_versions(conn: Connection, found: list[list[TravellerHit]]) -> list[list[TravellerHit]]:
    versions = hit_store.record_versions(conn, {h.record_id for hits in found for h in hits})
    return [[replace(h, record_version=versions.get(h.record_id, h.record_version)) for h in hits] for hits in found]


def _store(conn: Connection, scope: Scope, result: TravellerResult) -> TravellerResult:
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


def _record_movement(conn: Connection, scope: Scope, result: TravellerResult) -> str | None:
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
            },
            sort_keys=True,
        ),
    )
