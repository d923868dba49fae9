"""What the officer's page shows as the answer to a check, and how a traveller check's result becomes it.

The verdict area of the officer's page is one template fed by a ``Verdict``: green for no
hit, amber for a possible hit (refer to a supervisor), red for a hit with the action to take
and the agency to contact, grey when no check could be run (``UNAVAILABLE``).

``verdict_of`` turns a ``TravellerResult`` into one: the action to take of the published
notices on a hit record and the agency that requested them, or, without a notice, "hold the
document" or "hold the traveller" and the record's owner. Each match says what matched it
(document, name, face, fingerprint) and carries the photo on record where the check gave
one; the traveller's own photo and what each probe found are shown beside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from kalkan.screening.documents import Outcome
from kalkan.screening.probes import ProbeResult
from kalkan.screening.travellers import TravellerHit, TravellerResult
from kalkan.store.documents import REF_PREFIX
from kalkan.web.i18n import Translator


class Level(StrEnum):
    NO_HIT = "no_hit"  # green
    POSSIBLE_HIT = "possible_hit"  # amber: refer to a supervisor
    HIT = "hit"  # red: the action to take
    UNAVAILABLE = "unavailable"  # grey: no check was run


@dataclass(frozen=True, slots=True)
class Match:
    """One record the check matched, as far as the officer may see it."""

    label: str
    record_id: str | None = None  # None where the officer may not open it, or only "contact the owner agency" is allowed
    owner: str | None = None
    reason: str | None = None
    photo: str | None = None  # the photo on record, as a data: URI


@dataclass(frozen=True, slots=True)
class ProbeLine:
    """What one of the traveller's probes found: ``outcome`` (a catalogue key) or why it was not compared."""

    modality: str
    outcome: str | None
    fault: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    level: Level
    action: str | None = None  # what the officer should do (from the notice or the owner)
    contact_agency: str | None = None
    matches: list[Match] = field(default_factory=list)
    detail: str | None = None
    #: Records their owner marked a false positive for this traveller: remembered, not hits.
    cleared: list[Match] = field(default_factory=list)
    probes: list[ProbeLine] = field(default_factory=list)
    #: The photo taken of the traveller, as a data: URI, to compare with the photos on record.
    traveller_photo: str | None = None


UNAVAILABLE = Verdict(Level.UNAVAILABLE)

_LEVELS = {Outcome.HIT: Level.HIT, Outcome.POSSIBLE_HIT: Level.POSSIBLE_HIT, Outcome.NO_HIT: Level.NO_HIT}


def _match(t: Translator, hit: TravellerHit, *, may_open: bool, photos: Mapping[str, str]) -> Match:
    if hit.restricted:
        return Match(t("verdict.restricted"), owner=hit.owner)
    reasons: list[str] = []
    if hit.document is not None:
        candidate = hit.document.candidate
        label = f"{candidate.issuing_state} {t.value(candidate.document_type)} {candidate.number}"
        if candidate.detail is not None:
            reasons.append(t.value(candidate.detail.document_status))
        reasons += [t.value(d.value) for d in hit.document.differences]
    else:
        label = hit.label or hit.record_id
        if "name" in hit.matched_by:
            reasons.append(t("verdict.score", score=f"{hit.score:.2f}"))
    for evidence in hit.explanation.get("biometrics", ()):
        reasons.append(t(f"verdict.{evidence['modality']}_candidate", score=f"{evidence['score']:.2f}"))
    reasons += [t("verdict.notice", type=t.value(n.notice_type.value), agency=n.owner) for n in hit.notices]
    link = hit.record_id if may_open and not hit.record_id.startswith(REF_PREFIX) else None
    return Match(label, record_id=link, owner=hit.owner, reason=", ".join(reasons), photo=photos.get(hit.record_id))


def _probe_line(result: ProbeResult) -> ProbeLine:
    return ProbeLine(result.modality, f"value.{result.outcome}" if result.outcome else None, result.fault)


def verdict_of(
    t: Translator,
    result: TravellerResult,
    *,
    may_open: bool,
    photos: Mapping[str, str] | None = None,
    traveller_photo: str | None = None,
) -> Verdict:
    """A traveller check's result as the officer's page shows it; ``may_open``: the user may read records."""
    level = _LEVELS[result.verdict]
    shown = photos or {}
    verdict = Verdict(
        level,
        matches=[_match(t, hit, may_open=may_open, photos=shown) for hit in result.hits],
        cleared=[_match(t, hit, may_open=may_open, photos={}) for hit in result.remembered_false_positives],
        probes=[_probe_line(p) for p in result.probes],
        traveller_photo=traveller_photo,
    )
    if level is Level.NO_HIT:
        return verdict
    if level is Level.POSSIBLE_HIT:
        first = result.hits[0]
        action = t("verdict.action_contact") if first.restricted else t("verdict.action_refer")
        return replace(verdict, action=action, contact_agency=first.owner)
    hits = [hit for hit in result.hits if hit.outcome is Outcome.HIT]
    noticed = [hit for hit in hits if hit.notices]
    if noticed:
        actions = list(dict.fromkeys(n.action_to_take for hit in noticed for n in hit.notices))
        return replace(verdict, action=" · ".join(actions), contact_agency=noticed[0].notices[0].owner)
    first = hits[0]
    action = t("verdict.action_seize") if first.document is not None else t("verdict.action_person")
    return replace(verdict, action=action, contact_agency=first.owner)
