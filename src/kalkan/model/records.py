"""The records Kalkan holds: persons, organisations, travel documents, links, events and notices.

Each kind is a pydantic model with a ``kind`` literal; ``RecordInput`` is what a client
sends, ``StoredRecord`` is what it gets back (the same fields plus id, owner, status,
version and times).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from kalkan.model.countries import CountryCode, IssuingStateCode
from kalkan.model.dates import FlexibleDate, parse_partial_date
from kalkan.model.documents import DocumentNumber, DocumentStatus, DocumentType
from kalkan.model.names import Name
from kalkan.model.restriction import AgencyCode, Restriction

RecordId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


def _check_partial_date(value: str) -> str:
    parse_partial_date(value)
    return value


PartialDate = Annotated[str, AfterValidator(_check_partial_date)]


def _check_currency(value: str) -> str:
    code = value.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"unknown currency code {value!r} (expected ISO 4217)")
    return code


CurrencyCode = Annotated[str, AfterValidator(_check_currency)]


class RecordKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    TRAVEL_DOCUMENT = "travel_document"
    LINK = "link"
    EVENT = "event"
    NOTICE = "notice"


class RecordStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class PersonCategory(StrEnum):
    TERRORISM = "terrorism"
    FOREIGN_TERRORIST_FIGHTER = "foreign_terrorist_fighter"
    DRUG_TRAFFICKING = "drug_trafficking"
    ORGANISED_CRIME = "organised_crime"
    CYBERCRIME = "cybercrime"
    HUMAN_TRAFFICKING = "human_trafficking"
    MISSING = "missing"
    OTHER = "other"


class PersonWarning(StrEnum):
    ARMED = "armed"
    VIOLENT = "violent"
    ESCAPE_RISK = "escape_risk"


class OrganisationKind(StrEnum):
    TERRORIST_GROUP = "terrorist_group"
    CRIMINAL_ORGANISATION = "criminal_organisation"
    COMPANY = "company"
    CHARITY = "charity"
    OTHER = "other"


class LinkType(StrEnum):
    MEMBER_OF = "member_of"
    LEADER_OF = "leader_of"
    ASSOCIATE_OF = "associate_of"
    FAMILY = "family"
    FINANCED_BY = "financed_by"
    OWNS = "owns"
    CONTROLS = "controls"
    HOLDER_OF_DOCUMENT = "holder_of_document"
    TRAVELLED_WITH = "travelled_with"


class EventType(StrEnum):
    MOVEMENT = "movement"
    TRANSACTION = "transaction"
    INCIDENT = "incident"


class Direction(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"
    TRANSIT = "transit"


class ModusOperandi(StrEnum):
    IMPROVISED_EXPLOSIVE_DEVICE = "improvised_explosive_device"
    FIREARMS = "firearms"
    CHEMICAL = "chemical"
    BIOLOGICAL = "biological"
    RADIOLOGICAL = "radiological"
    NUCLEAR = "nuclear"
    VEHICLE_RAMMING = "vehicle_ramming"
    KIDNAPPING = "kidnapping"
    CYBER = "cyber"
    OTHER = "other"


class NoticeType(StrEnum):
    RED = "red"  # locate and arrest with a view to extradition
    BLUE = "blue"  # locate, identify, gather information
    YELLOW = "yellow"  # missing person
    BLACK = "black"  # unidentified body
    GREEN = "green"  # warning about a person's criminal activity
    ORANGE = "orange"  # imminent threat: explosives, weapons, a CBRN agent
    PURPLE = "purple"  # modus operandi
    UN_SECURITY_COUNCIL = "un_security_council"  # person or entity under UN sanctions
    DIFFUSION = "diffusion"  # a request sent by one agency straight to chosen others


class ExternalRef(BaseModel):
    """A number the record carries elsewhere: a UN reference, a national case number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The pattern is matched before ``to_lower`` applies: it admits upper case, which is stored lower.
    scheme: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Common(BaseModel):
    """Fields every record kind accepts from a client."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    restriction: Restriction = Field(default_factory=Restriction)
    external_refs: list[ExternalRef] = Field(default_factory=list, max_length=50)
    review_date: date | None = Field(default=None, description="default: five years after creation")
    remarks: LongText | None = None

    def references(self) -> list[str]:
        """Ids of other records this one points to."""
        return []

    def label(self) -> str:
        """A short text naming the record in lists."""
        raise NotImplementedError

    def search_terms(self) -> list[str]:
        """Texts a plain substring search should find the record by."""
        return [self.label(), *(ref.value for ref in self.external_refs)]


class Person(_Common):
    kind: Literal[RecordKind.PERSON] = RecordKind.PERSON
    names: list[Name] = Field(min_length=1, max_length=200)
    gender: Gender = Gender.UNKNOWN
    dates_of_birth: list[FlexibleDate] = Field(default_factory=list, max_length=20)
    places_of_birth: list[ShortText] = Field(default_factory=list, max_length=20)
    nationalities: list[CountryCode] = Field(default_factory=list, max_length=20)
    descriptions: list[LongText] = Field(default_factory=list, max_length=20)
    categories: list[PersonCategory] = Field(default_factory=list, max_length=10)
    warnings: list[PersonWarning] = Field(default_factory=list, max_length=5)
    addresses: list[ShortText] = Field(default_factory=list, max_length=50)

    def label(self) -> str:
        return self.names[0].value

    def search_terms(self) -> list[str]:
        return [*(n.value for n in self.names), *(ref.value for ref in self.external_refs)]


class Organisation(_Common):
    kind: Literal[RecordKind.ORGANISATION] = RecordKind.ORGANISATION
    names: list[Name] = Field(min_length=1, max_length=200)
    organisation_kind: OrganisationKind = OrganisationKind.OTHER
    countries: list[CountryCode] = Field(default_factory=list, max_length=50)
    descriptions: list[LongText] = Field(default_factory=list, max_length=20)
    addresses: list[ShortText] = Field(default_factory=list, max_length=50)

    def label(self) -> str:
        return self.names[0].value

    def search_terms(self) -> list[str]:
        return [*(n.value for n in self.names), *(ref.value for ref in self.external_refs)]


class TravelDocument(_Common):
    kind: Literal[RecordKind.TRAVEL_DOCUMENT] = RecordKind.TRAVEL_DOCUMENT
    issuing_state: IssuingStateCode
    document_type: DocumentType = DocumentType.PASSPORT
    number: DocumentNumber
    document_status: DocumentStatus
    issued_on: date | None = None
    expires_on: date | None = None
    reported_on: date | None = Field(default=None, description="when the loss or theft was reported")
    holder_id: RecordId | None = None
    holder_name: ShortText | None = None

    @field_validator("expires_on")
    @classmethod
    def _dates_in_order(cls, expires_on: date | None, info: ValidationInfo) -> date | None:
        issued_on = info.data.get("issued_on")
        if issued_on and expires_on and expires_on < issued_on:
            raise ValueError(f"is before issued_on ({issued_on.isoformat()})")
        return expires_on

    def references(self) -> list[str]:
        return [self.holder_id] if self.holder_id else []

    def label(self) -> str:
        return f"{self.issuing_state} {self.document_type} {self.number}"

    def search_terms(self) -> list[str]:
        return [self.number, *([self.holder_name] if self.holder_name else []), *(ref.value for ref in self.external_refs)]


class Link(_Common):
    kind: Literal[RecordKind.LINK] = RecordKind.LINK
    link_type: LinkType
    source_id: RecordId
    target_id: RecordId
    valid_from: PartialDate | None = None
    valid_until: PartialDate | None = None
    source: ShortText | None = Field(default=None, description="where the information comes from")
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)

    @field_validator("target_id")
    @classmethod
    def _distinct_ends(cls, target_id: str, info: ValidationInfo) -> str:
        if target_id == info.data.get("source_id"):
            raise ValueError("a link joins two different records: target_id equals source_id")
        return target_id

    def references(self) -> list[str]:
        return [self.source_id, self.target_id]

    def label(self) -> str:
        return f"{self.link_type}"


class Movement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    border_post: ShortText
    direction: Direction
    person_id: RecordId | None = None
    document_id: RecordId | None = None
    carrier: ShortText | None = None


class Transaction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    payer_id: RecordId | None = None
    payee_id: RecordId | None = None
    amount: Decimal = Field(ge=0, max_digits=20, decimal_places=4)
    currency: CurrencyCode


class Incident(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    modus_operandi: list[ModusOperandi] = Field(min_length=1, max_length=10)
    involved_ids: list[RecordId] = Field(default_factory=list, max_length=100)


class Event(_Common):
    kind: Literal[RecordKind.EVENT] = RecordKind.EVENT
    event_type: EventType
    occurred_at: datetime | None = None
    # Validated even when absent, so that a missing date or missing details name their field.
    occurred_on: PartialDate | None = Field(default=None, validate_default=True)
    place: ShortText | None = None
    country: CountryCode | None = None
    description: LongText | None = None
    movement: Movement | None = Field(default=None, validate_default=True)
    transaction: Transaction | None = Field(default=None, validate_default=True)
    incident: Incident | None = Field(default=None, validate_default=True)

    @field_validator("occurred_on")
    @classmethod
    def _has_a_date(cls, occurred_on: str | None, info: ValidationInfo) -> str | None:
        # A missing key means occurred_at was given but is itself at fault.
        if occurred_on is None and "occurred_at" in info.data and info.data["occurred_at"] is None:
            raise ValueError("an event needs 'occurred_at' or 'occurred_on'")
        return occurred_on

    @field_validator("movement", "transaction", "incident")
    @classmethod
    def _details_match_type(cls, details: BaseModel | None, info: ValidationInfo) -> BaseModel | None:
        event_type = info.data.get("event_type")
        if event_type is None:  # event_type itself is at fault and says so
            return details
        if info.field_name == event_type and details is None:
            raise ValueError(f"an event of type '{event_type}' needs its '{event_type}' details")
        if info.field_name != event_type and details is not None:
            raise ValueError(f"an event of type '{event_type}' takes no {info.field_name} details")
        return details

    def references(self) -> list[str]:
        ids: list[str | None] = []
        if self.movement:
            ids += [self.movement.person_id, self.movement.document_id]
        if self.transaction:
            ids += [self.transaction.payer_id, self.transaction.payee_id]
        if self.incident:
            ids += self.incident.involved_ids
        return [i for i in ids if i]

    def label(self) -> str:
        when = self.occurred_at.date().isoformat() if self.occurred_at else self.occurred_on
        return f"{self.event_type} {when}" + (f" {self.place}" if self.place else "")


class Notice(_Common):
    """A request about a person, an organisation or a document: what to do when a check hits it.

    Its life cycle (draft, submitted, published, refused, cancelled) is kept by ``store.notices``.
    """

    kind: Literal[RecordKind.NOTICE] = RecordKind.NOTICE
    notice_type: NoticeType
    subject_id: RecordId = Field(description="the person, organisation or travel document the notice concerns")
    grounds: LongText = Field(description="the offence, the warrant or the reason for the request")
    action_to_take: LongText = Field(description="what an officer does on a hit; shown with the hit")
    expires_on: date | None = Field(default=None, description="after this day the notice drives no hits")
    addressees: list[AgencyCode] = Field(
        default_factory=list, max_length=500, validate_default=True, description="a diffusion's agencies; no other type has any"
    )

    @field_validator("addressees")
    @classmethod
    def _addressees_of_diffusions(cls, addressees: list[str], info: ValidationInfo) -> list[str]:
        notice_type = info.data.get("notice_type")
        if notice_type is NoticeType.DIFFUSION and not addressees:
            raise ValueError("a diffusion needs at least one addressee agency")
        if notice_type is not None and notice_type is not NoticeType.DIFFUSION and addressees:
            raise ValueError(f"a {notice_type} notice has no addressees; only a diffusion does")
        return sorted(set(addressees))

    def references(self) -> list[str]:
        return [self.subject_id]

    def label(self) -> str:
        return f"{self.notice_type} notice" if self.notice_type is not NoticeType.DIFFUSION else "diffusion"

    def search_terms(self) -> list[str]:
        return [self.label(), self.grounds, *(ref.value for ref in self.external_refs)]


RecordInput = Annotated[Person | Organisation | TravelDocument | Link | Event | Notice, Field(discriminator="kind")]
RecordModel = Person | Organisation | TravelDocument | Link | Event | Notice

MODEL_BY_KIND: dict[RecordKind, type[RecordModel]] = {
    RecordKind.PERSON: Person,
    RecordKind.ORGANISATION: Organisation,
    RecordKind.TRAVEL_DOCUMENT: TravelDocument,
    RecordKind.LINK: Link,
    RecordKind.EVENT: Event,
    RecordKind.NOTICE: Notice,
}


class RecordMeta(BaseModel):
    """What the store adds to a record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RecordId
    owner: str
    status: RecordStatus
    version: int
    created_at: datetime
    updated_at: datetime
    review_overdue: bool = False


class PersonRecord(RecordMeta, Person):
    pass


class OrganisationRecord(RecordMeta, Organisation):
    pass


class TravelDocumentRecord(RecordMeta, TravelDocument):
    pass


class LinkRecord(RecordMeta, Link):
    pass


class EventRecord(RecordMeta, Event):
    pass


class NoticeRecord(RecordMeta, Notice):
    subject_id: RecordId | None = Field(default=None, description="blank when the reader's agency may not see the subject")  # type: ignore[assignment]


StoredRecord = Annotated[
    PersonRecord | OrganisationRecord | TravelDocumentRecord | LinkRecord | EventRecord | NoticeRecord,
    Field(discriminator="kind"),
]
StoredModel = PersonRecord | OrganisationRecord | TravelDocumentRecord | LinkRecord | EventRecord | NoticeRecord

STORED_BY_KIND: dict[RecordKind, type[StoredModel]] = {
    RecordKind.PERSON: PersonRecord,
    RecordKind.ORGANISATION: OrganisationRecord,
    RecordKind.TRAVEL_DOCUMENT: TravelDocumentRecord,
    RecordKind.LINK: LinkRecord,
    RecordKind.EVENT: EventRecord,
    RecordKind.NOTICE: NoticeRecord,
}


def default_review_date(created: datetime, period_days: int) -> date:
    return (created + timedelta(days=period_days)).date()
