"""Value types of machine-readable zones (ICAO Doc 9303): formats, sexes, dates, check digits,
suggested readings, the fields a writer takes, and the error a reader raises."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kalkan.errors import Fault, ValidationFailed
from kalkan.model.dates import FlexibleDate


class MRZFormat(StrEnum):
    TD1 = "TD1"  # identity cards: 3 lines of 30
    TD2 = "TD2"  # identity cards, older travel documents: 2 lines of 36
    TD3 = "TD3"  # passports: 2 lines of 44
    MRVA = "MRVA"  # visas the size of a passport page: 2 lines of 44
    MRVB = "MRVB"  # smaller visas: 2 lines of 36

    @property
    def label(self) -> str:
        """The name Doc 9303 prints: ``MRV-A`` rather than ``MRVA``."""
        return {"MRVA": "MRV-A", "MRVB": "MRV-B"}.get(self.value, self.value)

    @property
    def a_label(self) -> str:
        """``a TD3``, ``an MRV-A``: for messages."""
        return f"an {self.label}" if self.label.startswith("M") else f"a {self.label}"


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"
    UNSPECIFIED = "X"  # '<' in the zone; some states print 'X'

    @property
    def mrz_character(self) -> str:
        return "<" if self is Sex.UNSPECIFIED else self.value


@dataclass(frozen=True, slots=True)
class MRZDate:
    """A date of birth as a zone holds it: each of year, month and day may be unknown ('<<')."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    @classmethod
    def of(cls, day: date) -> MRZDate:
        return cls(day.year, day.month, day.day)

    @property
    def is_complete(self) -> bool:
        return self.year is not None and self.month is not None and self.day is not None

    @property
    def value(self) -> date | None:
        """The date, when every part of it is known."""
        if self.year is None or self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)

    def partial_text(self) -> str | None:
        """``1974-08-12``, ``1974-08`` or ``1974`` (as ``FlexibleDate`` takes it); None if the year is unknown."""
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def to_flexible_date(self) -> FlexibleDate | None:
        text = self.partial_text()
        return FlexibleDate(value=text) if text else None

    def __str__(self) -> str:
        year = "????" if self.year is None else f"{self.year:04d}"
        month = "??" if self.month is None else f"{self.month:02d}"
        day = "??" if self.day is None else f"{self.day:02d}"
        return f"{year}-{month}-{day}"


@dataclass(frozen=True, slots=True)
class CheckDigit:
    """One check digit of a zone: what it covers, where it is, what was read and what it should be.

    ``expected`` is None when it cannot be computed (the covered characters include one that
    is not an MRZ character; that fault is reported on its own).
    """

    field: str
    line: int  # 1-based
    position: int  # 1-based
    found: str
    expected: str | None
    is_valid: bool


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A reading that differs from what was read in one character that OCR often confuses.

    Never applied by the reader: an officer (or the caller) decides. ``check_digits_valid``
    says whether every check digit of the zone holds with the change; ``reason`` says why
    it is offered.
    """

    line: int  # 1-based
    position: int  # 1-based
    field: str
    found: str
    suggested: str
    lines: tuple[str, ...]  # the whole zone with the one change
    check_digits_valid: bool
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, position {self.position} ({self.field}): {self.found!r} may be {self.suggested!r}; {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "position": self.position,
            "field": self.field,
            "found": self.found,
            "suggested": self.suggested,
            "lines": list(self.lines),
            "check_digits_valid": self.check_digits_valid,
            "reason": self.reason,
        }


class MRZError(ValidationFailed):
    """A zone that cannot be read or does not validate; each fault names the line, the field and the problem."""

    code = "invalid_mrz"

    def __init__(self, faults: list[Fault] | Fault, suggestions: Iterable[Suggestion] = ()) -> None:
        super().__init__(faults)
        self.suggestions = tuple(suggestions)

    def as_dict(self) -> dict[str, object]:
        out = super().as_dict()
        out["suggestions"] = [s.as_dict() for s in self.suggestions]
        return out


@dataclass(frozen=True, slots=True)
class MRZFields:
    """What a writer of zones takes (and what a parsed zone gives back with ``MRZ.to_fields``).

    Names are upper-case Latin letters with spaces (hyphens become spaces, apostrophes are
    dropped); codes are as ``kalkan.model.countries`` knows them ('D', not 'D<<'); optional
    data is in MRZ characters (A-Z, 0-9, '<').
    """

    document_code: str
    issuing_state: str
    primary_identifier: str
    document_number: str
    nationality: str
    birth_date: MRZDate
    sex: Sex
    expiry_date: date
    secondary_identifiers: str = ""
    optional_data: str = ""
    optional_data_2: str = ""  # TD1 only: line 2
