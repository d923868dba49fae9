"""Dates as police records hold them: exact, year-month, year only, ranges, approximations."""

from __future__ import annotations

import calendar
import re
from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

_PARTIAL = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")  # ASCII digits only: the text is stored as given


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


def parse_partial_date(text: str) -> tuple[date, date, DatePrecision]:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into the first and last day it covers.

    Raises ValueError naming the fault (bad format, month 13, 30 February...).
    """
    match = _PARTIAL.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)")
    year = int(match[1])
    if not 1800 <= year <= 2200:
        raise ValueError(f"year {year} is out of range 1800-2200")
    if match[2] is None:
        return date(year, 1, 1), date(year, 12, 31), DatePrecision.YEAR
    month = int(match[2])
    if not 1 <= month <= 12:
        raise ValueError(f"month {month:02d} does not exist")
    last_day = calendar.monthrange(year, month)[1]
    if match[3] is None:
        return date(year, month, 1), date(year, month, last_day), DatePrecision.MONTH
    day = int(match[3])
    if not 1 <= day <= last_day:
        raise ValueError(f"day {day:02d} does not exist in {year}-{month:02d}")
    exact = date(year, month, day)
    return exact, exact, DatePrecision.DAY


class DateKind(StrEnum):
    EXACT = "exact"  # a single date, of day, month or year precision
    APPROXIMATE = "approximate"  # "about 1970": value +- margin_years
    RANGE = "range"  # "between 1975 and 1977"


class FlexibleDate(BaseModel):
    """A date of birth (or any date) as sources give it.

    ``value`` is a partial date (``1970``, ``1970-05``, ``1970-05-17``); a range also has
    ``until``; an approximation has ``margin_years``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: DateKind = DateKind.EXACT
    value: str
    until: str | None = None
    margin_years: int = 0

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        """A plain ``"1970-05"`` stands for an exact date of that precision."""
        return {"value": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _check(self) -> Self:
        first, _, _ = parse_partial_date(self.value)
        if self.kind is DateKind.RANGE:
            if self.until is None:
                raise ValueError("a range needs 'until'")
            _, last, _ = parse_partial_date(self.until)
            if last < first:
                raise ValueError(f"range ends ({self.until}) before it starts ({self.value})")
        elif self.until is not None:
            raise ValueError("'until' is only for kind 'range'")
        if self.kind is DateKind.APPROXIMATE:
            if not 0 <= self.margin_years <= 20:
                raise ValueError("margin_years must be between 0 and 20")
        elif self.margin_years:
            raise ValueError("'margin_years' is only for kind 'approximate'")
        return self

    @property
    def earliest(self) -> date:
        first, _, _ = parse_partial_date(self.value)
        if self.kind is DateKind.APPROXIMATE:
            return _shift_years(first, -self.margin_years)
        return first

    @property
    def latest(self) -> date:
        if self.kind is DateKind.RANGE and self.until is not None:
            return parse_partial_date(self.until)[1]
        _, last, _ = parse_partial_date(self.value)
        if self.kind is DateKind.APPROXIMATE:
            return _shift_years(last, self.margin_years)
        return last

    @property
    def precision(self) -> DatePrecision:
        return parse_partial_date(self.value)[2]

    def overlaps(self, other: FlexibleDate) -> bool:
        return self.earliest <= other.latest and other.earliest <= self.latest

    def __str__(self) -> str:
        if self.kind is DateKind.RANGE:
            return f"between {self.value} and {self.until}"
        if self.kind is DateKind.APPROXIMATE:
            return f"about {self.value} (+-{self.margin_years}y)"
        return self.value


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)
