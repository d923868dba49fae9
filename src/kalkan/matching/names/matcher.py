"""Running one query against the index: find candidates, score them feature by feature, rank them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kalkan.matching.features import (
    ORGANISATION_FEATURES,
    PERSON_FEATURES,
    THRESHOLDS,
    Evidence,
    Feature,
    Scored,
    Subject,
    score,
)
from kalkan.matching.names.index import NameIndex, Visibility
from kalkan.matching.names.parts import PreparedName
from kalkan.matching.names.similarity import NameMatch, best_name_match

FEATURES: Final[dict[str, tuple[Feature, ...]]] = {"person": PERSON_FEATURES, "organisation": ORGANISATION_FEATURES}
#: How many names the rough ranking passes on to be scored, at least and per result asked for.
SCORED_NAMES_MIN: Final = 40
SCORED_NAMES_PER_RESULT: Final = 4


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    names: tuple[PreparedName, ...]
    subject: Subject


@dataclass(frozen=True, slots=True)
class Match:
    """A record that a query matched, its score, and why."""

    row: int
    record_id: str
    owner: str
    visibility: Visibility
    names: NameMatch
    scored: Scored
    threshold: float

    @property
    def hit(self) -> bool:
        return self.scored.score >= self.threshold


def run(index: NameIndex, query: PreparedQuery, kind: str, agency: str, top: int = 10) -> list[Match]:
    """The ``top`` best-scoring records of ``kind`` for a query, as ``agency`` may learn of them."""
    limit = max(SCORED_NAMES_MIN, SCORED_NAMES_PER_RESULT * top)
    features = FEATURES[kind]
    threshold = THRESHOLDS[kind]
    matches: list[Match] = []
    for candidate in index.search(query.names, kind, agency, limit=limit):
        names = best_name_match(list(query.names), [index.prepared(name_id) for name_id in candidate.names])
        if names is None:
            continue
        scored = score(features, Evidence(query.subject, index.subject(candidate.row), names))
        matches.append(
            Match(candidate.row, index.record_id(candidate.row), index.owner(candidate.row), candidate.visibility, names, scored, threshold)
        )
    matches.sort(key=lambda match: (-match.scored.score, -match.names.closeness, match.record_id))
    return matches[:top] if top else matches
