"""What the officer's page shows as the answer to a check, whatever produced it.

The verdict area of the officer's page is one template fed by a ``Verdict``: green for no
hit, amber for a possible hit (refer to a supervisor), red for a hit with the action to take
and the agency to contact, grey when no check could be run (``UNAVAILABLE``). The traveller
check's result becomes a ``Verdict`` in ``kalkan.web.routes.officer.verdict_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    NO_HIT = "no_hit"  # green
    POSSIBLE_HIT = "possible_hit"  # amber: refer to a supervisor
    HIT = "hit"  # red: the action to take
    UNAVAILABLE = "unavailable"  # grey: no check was run


@dataclass(frozen=True, slots=True)
class Match:
    """One record the check matched, as far as the officer may see it."""

    label: str
    record_id: str | None = None  # None where the owner only allows "contact the owner agency"
    owner: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    level: Level
    action: str | None = None  # what the officer should do (from the notice or the owner)
    contact_agency: str | None = None
    matches: list[Match] = field(default_factory=list)
    detail: str | None = None
    #: Records their owner marked a false positive for this traveller: remembered, not hits.
    cleared: list[Match] = field(default_factory=list)


UNAVAILABLE = Verdict(Level.UNAVAILABLE)
