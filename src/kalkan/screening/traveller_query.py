"""One traveller to check, validated: the zone or the document's fields, names, a photo or fingerprint, the crossing.

``traveller_query`` reads a machine-readable zone (its name, date of birth, nationality and
sex join what was typed) or a document's typed fields, prepares the names for the name
index, checks the probes' bytes (``screening.probes``), and names every field at fault under
a prefix (``travellers[2].mrz``) in one ValidationFailed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kalkan.errors import Fault, ValidationFailed
from kalkan.matching.names.matcher import PreparedQuery
from kalkan.model.countries import normalise_country
from kalkan.model.dates import FlexibleDate
from kalkan.model.mrz import read_mrz
from kalkan.model.records import Direction
from kalkan.screening.documents import DocumentQuery
from kalkan.screening.names import NameQuery, prepare_queries
from kalkan.screening.probes import Probe


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
    #: A photo or fingerprint taken of the traveller: searched among the persons' biometrics.
    probes: tuple[Probe, ...] = ()

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
            **({"probes": [p.as_dict() for p in self.probes]} if self.probes else {}),
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
    probes: Sequence[Probe] = (),
    prefix: str = "",
) -> TravellerQuery:
    """A traveller from a zone, a document's fields, names or probes (made by ``probes.probe``);
    ValidationFailed names every field at fault (under ``prefix``)."""
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
    elif document is None and not probes and not faults:
        where = prefix.rstrip(".") or "traveller"
        faults.append(Fault(where, "no identifying data: give the zone ('mrz'), a document (issuing_state and number) or a name"))
    if faults:
        raise ValidationFailed(faults)
    return TravellerQuery(document, tuple(all_names), birth_date, nationality, gender, prepared, context or Context(), tuple(probes))
