"""The life cycle of a notice and the secretariat's review checklist. Pure.

A notice's content is a record (``model.records.Notice``); its state lives beside it:

    draft -> submitted -> published | refused -> cancelled

A refused notice may be changed and submitted again. A diffusion goes out to its addressees
at once: it is published on submission and reviewed after (``review_pending``). A published
notice past its ``expires_on`` reads as ``expired``; only published, unexpired notices drive
hits.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator


class NoticeState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the secretariat's review
    PUBLISHED = "published"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # published, past its expiry; never stored, always derived


#: States from which the requesting agency may submit a notice.
SUBMITTABLE = frozenset({NoticeState.DRAFT, NoticeState.REFUSED})


class ReviewDecision(StrEnum):
    PUBLISH = "publish"
    REFUSE = "refuse"


class ChecklistItem(StrEnum):
    LAWFUL_PURPOSE = "lawful_purpose"
    NO_POLITICAL_MILITARY_RELIGIOUS_RACIAL_CHARACTER = "no_political_military_religious_racial_character"
    MINIMUM_IDENTIFIERS = "minimum_identifiers"
    DATA_QUALITY = "data_quality"


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class CheckedItem(BaseModel):
    """One item of the checklist: met or not, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    passed: bool
    reason: Reason | None = None

    @model_validator(mode="after")
    def _failure_says_why(self) -> Self:
        if not self.passed and self.reason is None:
            raise ValueError("an item that is not met needs a reason")
        return self


class Checklist(BaseModel):
    """The secretariat's compliance checklist; every item must be answered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lawful_purpose: CheckedItem
    no_political_military_religious_racial_character: CheckedItem
    minimum_identifiers: CheckedItem
    data_quality: CheckedItem

    def failed(self) -> list[ChecklistItem]:
        return [item for item in ChecklistItem if not getattr(self, item.value).passed]


class Review(BaseModel):
    """What a reviewer decides: the checklist, publish or refuse, and the reasons."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    checklist: Checklist
    decision: ReviewDecision
    reasons: Reason | None = None

    @model_validator(mode="after")
    def _decision_follows_checklist(self) -> Self:
        failed = self.checklist.failed()
        if self.decision is ReviewDecision.PUBLISH and failed:
            raise ValueError(f"a notice is published only when every item is met; not met: {', '.join(failed)}")
        if self.decision is ReviewDecision.REFUSE and self.reasons is None:
            raise ValueError("a refusal needs its reasons")
        return self


def shown_state(state: NoticeState, expires_on: date | None, today: date) -> NoticeState:
    """The state a reader sees: a published notice past its expiry is expired."""
    if state is NoticeState.PUBLISHED and expires_on is not None and expires_on < today:
        return NoticeState.EXPIRED
    return state
