"""The access restriction an owner agency sets on each record."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# The pattern is matched before ``to_upper`` applies: it admits lower case, which is stored upper.
AgencyCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$"),
]


class RestrictionMode(StrEnum):
    ALL = "all"  # every agency
    ONLY = "only"  # the owner and the listed agencies
    EXCEPT = "except"  # every agency but the listed ones
    OWNER = "owner"  # the owner alone


class HitDisclosure(StrEnum):
    """What a check by an agency that may not see the record returns on a match."""

    NOTHING = "nothing"
    CONTACT_OWNER = "contact_owner"  # "possible hit: contact agency X", with no detail


class Restriction(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: RestrictionMode = RestrictionMode.OWNER
    agencies: tuple[AgencyCode, ...] = Field(default=(), max_length=500)
    hit_disclosure: HitDisclosure = HitDisclosure.NOTHING

    @model_validator(mode="after")
    def _check_list(self) -> Self:
        listed = self.mode in (RestrictionMode.ONLY, RestrictionMode.EXCEPT)
        if listed and not self.agencies:
            raise ValueError(f"mode '{self.mode}' needs at least one agency in 'agencies'")
        if not listed and self.agencies:
            raise ValueError(f"mode '{self.mode}' takes no 'agencies'")
        object.__setattr__(self, "agencies", tuple(sorted(set(self.agencies))))
        return self
