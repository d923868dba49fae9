"""What the officer's page shows as the answer to a check, whatever produced it.

The verdict area of the officer's page is one template fed by a ``Verdict``: green for no
hit, amber for a possible hit (refer to a supervisor), red for a hit with the action to take
and the agency to contact, grey when no check could be run. The screening service turns its
results into a ``Verdict``; until it is available the page says so (``UNAVAILABLE``).
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


UNAVAILABLE = Verdict(Level.UNAVAILABLE)
