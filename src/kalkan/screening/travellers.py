"""Checking travellers at a border: the document check, the nominal check and the biometric search together, one verdict.

A traveller (``screening.traveller_query``) is given by a machine-readable zone or the fields
read from a document, with more names if the officer has them, a photo or fingerprint if
taken, and the context of the crossing. ``TravellerScreening``:

1. checks the document against the stolen and lost documents (``screening.documents``'s
   index and store) and the names, date of birth, nationality and sex against the persons
   (``screening.names``'s index), keeping what the caller's agency may learn of each record:
   the record, "contact agency X" (restricted, the owner allows saying so: always a
   **possible hit**, without detail), or nothing;
2. searches a photo or fingerprint among the persons' biometrics (``screening.probes``): a
   potential candidate on a record the name check did not hit is a **possible hit** (for an
   examiner, never an identification); on one it did, it is noted with that hit;
3. adds the published notices on each record it may see (``store.notices.published_notices``),
   with the action to take;
4. sets apart the hits the owner agency marked false positive for this traveller and this
   version of the record (``store.hits``): they come back as remembered, not as hits;
5. stores each check with hits, and its hits, and in the same transaction notifies each hit's
   owner agency and each notice's requesting agency (``store.outbox``), each with only what it
   may see;
6. records a movement event linked to the matched person when the deployment asks for it
   (``record_movements``);
7. appends **one** audit entry for the whole request, naming every record returned (a
   biometric search is audited by the biometric service as well).

The verdict is ``hit`` if any record hit, ``possible_hit`` (for review) if any possibly hit,
``no_hit`` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from sqlalchemy import Connection, select

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.biometrics import Biometrics
from kalkan.errors import ValidationFailed
from kalkan.matching.names.index import Visibility
from kalkan.matching.names.matcher import Match, run
from kalkan.model.records import NoticeRecord, RecordKind, RecordStatus
from kalkan.model.restriction import HitDisclosure
from kalkan.screening import probes as probe_search
from kalkan.screening.documents import DocumentChecker, Outcome, classify
from kalkan.screening.names import NameScreening, explanation
from kalkan.screening.probes import ProbeResult
from kalkan.screening.traveller_query import Context, TravellerQuery, traveller_query
from kalkan.screening.traveller_results import (
    HIT_NOTIFICATION,
    TravellerHit,
    TravellerResult,
    audit_entry,
    record_movement,
    store_result,
)
from kalkan.store import audit
from kalkan.store import documents as document_store
from kalkan.store import hits as hit_store
from kalkan.store.audit_writer import AuditWriter
from kalkan.store.notices import published_notices
from kalkan.store.tables import records
from kalkan.store.visibility import visible_ids

#: The most travellers one request may hold (a manifest).
MAX_BATCH: Final = 1000
#: Person candidates considered per traveller.
TOP_PERSONS: Final = 5
#: A document has no graded score: the same number is certain, one difference is for review.
DOCUMENT_SCORES: Final = {Outcome.HIT: 1.0, Outcome.POSSIBLE_HIT: 0.8}
__all__ = [
    "HIT_NOTIFICATION",
    "Context",
    "TravellerHit",
    "TravellerQuery",
    "TravellerResult",
    "TravellerScreening",
    "traveller_query",
]


@dataclass
class TravellerScreening:
    """Checks travellers with the process's document checker, name screening and biometrics (if any)."""

    documents: DocumentChecker
    names: NameScreening
    record_movements: bool = False
    biometrics: Biometrics | None = None

    def check(self, conn: Connection, scope: Scope, queries: Sequence[TravellerQuery]) -> list[TravellerResult]:
        """Check each traveller; store hits, notify and audit in ``conn``'s transaction."""
        results = self.record(conn, scope, self.find(conn, scope, queries))
        audit.append_entries(conn, [audit_entry(scope, results)])
        return results

    def check_grouped(
        self, conn: Connection, scope: Scope, queries: Sequence[TravellerQuery], *, writer: AuditWriter
    ) -> list[TravellerResult]:
        """Check each traveller reading on ``conn``, which only reads; write through ``writer``.

        What the check writes (the checks that hit, their hits and notifications, movements)
        and its audit entry go to the process's ``AuditWriter``, which commits the writes of
        concurrent checks together: a check without hits writes only its entry, and a check
        with hits answers as fast as one without. This returns once everything is committed.
        """
        found = self.find(conn, scope, queries)
        recorded: list[TravellerResult] = []

        def write(writing: Connection) -> audit.PendingEntry:
            recorded[:] = self.record(writing, scope, found)
            return audit_entry(scope, recorded)

        writer.submit_work(write).wait()
        return recorded

    def find(self, conn: Connection, scope: Scope, queries: Sequence[TravellerQuery]) -> list[TravellerResult]:
        """What each traveller hits, as ``scope`` may learn of it, without writing anything."""
        scope.require(Permission.RUN_CHECKS)
        if not 1 <= len(queries) <= MAX_BATCH:
            raise ValidationFailed.one("travellers", f"give between 1 and {MAX_BATCH} travellers; got {len(queries)}")
        found = [d + n for d, n in zip(self._document_hits(conn, scope, queries), self._person_hits(conn, scope, queries), strict=True)]
        found, searched = self._biometric_hits(conn, scope, queries, found)
        if any(found):
            found = _with_versions(conn, _with_notices(conn, scope, found))
        keys = [key for query, hits in zip(queries, found, strict=True) if hits and (key := query.key)]
        remembered = hit_store.remembered_false_positives(conn, keys) if keys else set()
        results: list[TravellerResult] = []
        for query, hits, probe_results in zip(queries, found, searched, strict=True):
            kept = tuple(h for h in hits if (query.key, h.record_id, h.record_version) not in remembered)
            cleared = tuple(h for h in hits if (query.key, h.record_id, h.record_version) in remembered)
            results.append(TravellerResult(query, kept, cleared, probes=probe_results))
        return results

    def record(self, conn: Connection, scope: Scope, results: Sequence[TravellerResult]) -> list[TravellerResult]:
        """Store the checks that hit with their hits and notifications, and the movements, in ``conn``'s transaction."""
        recorded: list[TravellerResult] = []
        for result in results:
            if result.hits:
                result = store_result(conn, scope, result)
            if self.record_movements:
                result = replace(result, movement_id=record_movement(conn, scope, result))
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

    def _biometric_hits(
        self, conn: Connection, scope: Scope, queries: Sequence[TravellerQuery], found: list[list[TravellerHit]]
    ) -> tuple[list[list[TravellerHit]], list[tuple[ProbeResult, ...]]]:
        """Each traveller's probes searched; a potential candidate joins the name hit on its record, or is a possible hit."""
        searched: list[tuple[ProbeResult, ...]] = []
        for query in queries:
            if not query.probes:
                searched.append(())
            elif self.biometrics is None:
                searched.append(tuple(ProbeResult(p.modality, None, fault=probe_search.UNAVAILABLE) for p in query.probes))
            else:
                searched.append(tuple(probe_search.search(self.biometrics, conn, scope, query.probes)))
        ids = sorted({c.record_id for results in searched for result in results for c in result.candidates})
        if not ids:
            return found, searched
        rows = {
            str(r.id): r
            for r in conn.execute(
                select(records.c.id, records.c.label, records.c.owner, records.c.version).where(
                    records.c.id.in_(ids), records.c.status == RecordStatus.ACTIVE.value
                )
            )
        }
        merged: list[list[TravellerHit]] = []
        for hits, results in zip(found, searched, strict=True):
            evidence: dict[str, list[dict[str, Any]]] = {}
            for result in results:
                for c in result.candidates:
                    evidence.setdefault(c.record_id, []).append(
                        {
                            "modality": result.modality,
                            "score": c.score,
                            "false_match_probability": c.false_match_probability,
                            "false_match_probability_in_gallery": c.false_match_probability_in_gallery,
                            "sample_id": c.sample_id,
                        }
                    )
            kept = [
                replace(h, explanation={**h.explanation, "biometrics": evidence.pop(h.record_id)})
                if h.record_id in evidence and not h.restricted
                else h
                for h in hits
            ]
            for record_id, items in evidence.items():
                row = rows.get(record_id)
                if row is not None:
                    best = max(float(item["score"]) for item in items)
                    kept.append(
                        TravellerHit(
                            record_id=record_id,
                            record_kind=RecordKind.PERSON.value,
                            record_version=int(row.version),
                            owner=str(row.owner),
                            outcome=Outcome.POSSIBLE_HIT,
                            score=best,
                            restricted=False,
                            label=str(row.label),
                            explanation={"biometrics": items},
                        )
                    )
            merged.append(kept)
        return merged, searched


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
