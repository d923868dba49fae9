"""Scores as lists of named, weighted features, so that every score explains itself.

A check compares a ``Subject`` (what the query says: names, dates of birth, nationalities,
gender, document numbers) with a ``Subject`` taken from a record. Each ``Feature`` is a
function of the two (and of the best name match) giving a value in [0, 1]; the score is
the sum of value times weight over the features of the kind, kept within [0, 1]. A hit is
a score at or above the kind's operating threshold (``THRESHOLDS``), chosen on labelled
data: see docs/matching.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from kalkan.matching.names.similarity import NameMatch


@dataclass(frozen=True, slots=True)
class DateSpan:
    """A date of birth as the days it may fall on, first to last; ``exact`` when it names one day."""

    earliest: date
    latest: date

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest


@dataclass(frozen=True, slots=True)
class Subject:
    """The facts a check compares besides names (a query's, or a record's)."""

    birth_dates: tuple[DateSpan, ...] = ()
    nationalities: frozenset[str] = frozenset()
    gender: str | None = None  # "male" or "female"; None when unknown
    documents: frozenset[str] = frozenset()  # normalised document numbers


@dataclass(frozen=True, slots=True)
class Evidence:
    query: Subject
    record: Subject
    names: NameMatch


@dataclass(frozen=True, slots=True)
class Feature:
    """A named function of the evidence and its weight: ``Feature(name_match, weight=1.0)``."""

    function: Callable[[Evidence], float]
    weight: float

    @property
    def name(self) -> str:
        return self.function.__name__


@dataclass(frozen=True, slots=True)
class Contribution:
    name: str
    value: float
    weight: float

    @property
    def contribution(self) -> float:
        return round(self.value * self.weight, 4)


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    features: tuple[Contribution, ...] = field(default_factory=tuple)


# -- features ------------------------------------------------------------------


def name_match(evidence: Evidence) -> float:
    """The similarity of the best pair of a query name and a record name."""
    return evidence.names.score


def dob_match(evidence: Evidence) -> float:
    """Both sides give a day of birth, and a day is the same."""
    return float(any(q.exact and q == r for q in evidence.query.birth_dates for r in evidence.record.birth_dates))


def dob_year_disjoint(evidence: Evidence) -> float:
    """Both sides give dates of birth, and none of the query's falls within a year of any of the record's."""
    query, record = evidence.query.birth_dates, evidence.record.birth_dates
    if not query or not record:
        return 0.0
    return float(not any(q.earliest.year - 1 <= r.latest.year and r.earliest.year - 1 <= q.latest.year for q in query for r in record))


def dob_day_disjoint(evidence: Evidence) -> float:
    """Both sides give dates of birth that fall within a year of each other, but no two overlap."""
    query, record = evidence.query.birth_dates, evidence.record.birth_dates
    if not query or not record or dob_year_disjoint(evidence):
        return 0.0
    return float(not any(q.earliest <= r.latest and r.earliest <= q.latest for q in query for r in record))


def nationality_disjoint(evidence: Evidence) -> float:
    """Both sides give nationalities, and they share none."""
    query, record = evidence.query.nationalities, evidence.record.nationalities
    return float(bool(query) and bool(record) and not query & record)


def gender_mismatch(evidence: Evidence) -> float:
    """Both sides give a gender, and they differ."""
    query, record = evidence.query.gender, evidence.record.gender
    return float(query is not None and record is not None and query != record)


def document_match(evidence: Evidence) -> float:
    """A document number of the query is one of the record's (a travel document it holds)."""
    return float(bool(evidence.query.documents & evidence.record.documents))


PERSON_FEATURES: Final = (
    Feature(name_match, weight=1.0),
    Feature(dob_match, weight=0.05),
    Feature(dob_year_disjoint, weight=-0.2),
    Feature(dob_day_disjoint, weight=-0.05),
    Feature(nationality_disjoint, weight=-0.05),
    Feature(gender_mismatch, weight=-0.1),
    Feature(document_match, weight=0.3),
)

ORGANISATION_FEATURES: Final = (
    Feature(name_match, weight=1.0),
    Feature(nationality_disjoint, weight=-0.05),
)

#: The operating threshold of each kind: a score at or above it is a hit (docs/matching.md).
THRESHOLDS: Final = {"person": 0.8, "organisation": 0.8}


def score(features: tuple[Feature, ...], evidence: Evidence) -> Scored:
    """The weighted sum of the features, within [0, 1], with each feature's part in it."""
    contributions = tuple(Contribution(feature.name, round(feature.function(evidence), 4), feature.weight) for feature in features)
    total = sum(item.value * item.weight for item in contributions)
    return Scored(round(min(1.0, max(0.0, total)), 4), contributions)
