"""Partial dates, ranges and approximations as police records hold them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from kalkan.model.dates import DateKind, DatePrecision, FlexibleDate, parse_partial_date

PARTIAL_DATES = [
    # (text, first day, last day, precision)
    ("1970", date(1970, 1, 1), date(1970, 12, 31), DatePrecision.YEAR),
    ("1970-05", date(1970, 5, 1), date(1970, 5, 31), DatePrecision.MONTH),
    ("1970-04", date(1970, 4, 1), date(1970, 4, 30), DatePrecision.MONTH),
    ("1970-02", date(1970, 2, 1), date(1970, 2, 28), DatePrecision.MONTH),
    ("1972-02", date(1972, 2, 1), date(1972, 2, 29), DatePrecision.MONTH),
    ("1970-05-17", date(1970, 5, 17), date(1970, 5, 17), DatePrecision.DAY),
    ("1972-02-29", date(1972, 2, 29), date(1972, 2, 29), DatePrecision.DAY),
    ("2000-02-29", date(2000, 2, 29), date(2000, 2, 29), DatePrecision.DAY),  # divisible by 400: a leap year
    ("1800", date(1800, 1, 1), date(1800, 12, 31), DatePrecision.YEAR),
    ("2200-12-31", date(2200, 12, 31), date(2200, 12, 31), DatePrecision.DAY),
    (" 1984-03-12 ", date(1984, 3, 12), date(1984, 3, 12), DatePrecision.DAY),
]


@pytest.mark.parametrize(("text", "first", "last", "precision"), PARTIAL_DATES)
def test_a_partial_date_covers_its_days(text: str, first: date, last: date, precision: DatePrecision) -> None:
    assert parse_partial_date(text) == (first, last, precision)


BAD_DATES = [
    # (text, what the error says)
    ("1970-13", "month 13 does not exist"),
    ("1970-00", "month 00 does not exist"),
    ("1970-02-29", "day 29 does not exist in 1970-02"),
    ("1900-02-29", "day 29 does not exist in 1900-02"),  # divisible by 100 but not 400: not a leap year
    ("1970-04-31", "day 31 does not exist in 1970-04"),
    ("1970-05-00", "day 00 does not exist in 1970-05"),
    ("1799", "year 1799 is out of range 1800-2200"),
    ("2201-01-01", "year 2201 is out of range 1800-2200"),
    ("1970-5", "is not a date"),
    ("1970-05-7", "is not a date"),
    ("70", "is not a date"),
    ("12.05.1970", "is not a date"),
    ("1970/05/17", "is not a date"),
    ("1970-05-17T10:00", "is not a date"),
    ("", "is not a date"),
    ("about 1970", "is not a date"),
    # Only ASCII digits: the text is stored and compared as given.
    ("١٩٧٠", "is not a date"),
    ("１９７０", "is not a date"),
    ("1970-٠٥", "is not a date"),
]


@pytest.mark.parametrize(("text", "message"), BAD_DATES)
def test_a_bad_partial_date_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_partial_date(text)


FLEXIBLE = [
    # (fields, earliest, latest, precision, as text)
    ({"value": "1970"}, date(1970, 1, 1), date(1970, 12, 31), DatePrecision.YEAR, "1970"),
    ({"value": "1970-05-17"}, date(1970, 5, 17), date(1970, 5, 17), DatePrecision.DAY, "1970-05-17"),
    (
        {"kind": "range", "value": "1975", "until": "1977"},
        date(1975, 1, 1),
        date(1977, 12, 31),
        DatePrecision.YEAR,
        "between 1975 and 1977",
    ),
    (
        {"kind": "range", "value": "1975-06", "until": "1975"},
        date(1975, 6, 1),
        date(1975, 12, 31),
        DatePrecision.MONTH,
        "between 1975-06 and 1975",
    ),
    (
        {"kind": "range", "value": "1980-01-01", "until": "1980-01-01"},
        date(1980, 1, 1),
        date(1980, 1, 1),
        DatePrecision.DAY,
        "between 1980-01-01 and 1980-01-01",
    ),
    (
        {"kind": "approximate", "value": "1970", "margin_years": 2},
        date(1968, 1, 1),
        date(1972, 12, 31),
        DatePrecision.YEAR,
        "about 1970 (+-2y)",
    ),
    (
        {"kind": "approximate", "value": "1970-05", "margin_years": 0},
        date(1970, 5, 1),
        date(1970, 5, 31),
        DatePrecision.MONTH,
        "about 1970-05 (+-0y)",
    ),
    # 29 February shifted into a common year falls back to the 28th.
    (
        {"kind": "approximate", "value": "1972-02-29", "margin_years": 1},
        date(1971, 2, 28),
        date(1973, 2, 28),
        DatePrecision.DAY,
        "about 1972-02-29 (+-1y)",
    ),
    (
        {"kind": "approximate", "value": "1972-02-29", "margin_years": 4},
        date(1968, 2, 29),
        date(1976, 2, 29),
        DatePrecision.DAY,
        "about 1972-02-29 (+-4y)",
    ),
]


@pytest.mark.parametrize(("fields", "earliest", "latest", "precision", "text"), FLEXIBLE)
def test_a_flexible_date_spans_from_earliest_to_latest(
    fields: dict[str, Any], earliest: date, latest: date, precision: DatePrecision, text: str
) -> None:
    flexible = FlexibleDate.model_validate(fields)
    assert (flexible.earliest, flexible.latest) == (earliest, latest)
    assert flexible.precision is precision
    assert str(flexible) == text
    assert flexible.kind is DateKind(fields.get("kind", "exact"))


BAD_FLEXIBLE = [
    ({"kind": "range", "value": "1975"}, "a range needs 'until'"),
    ({"kind": "range", "value": "1977", "until": "1975"}, r"range ends \(1975\) before it starts \(1977\)"),
    ({"kind": "range", "value": "1975-06-02", "until": "1975-06-01"}, "range ends"),
    ({"kind": "range", "value": "1975", "until": "1975-13"}, "month 13 does not exist"),
    ({"value": "1975", "until": "1977"}, "'until' is only for kind 'range'"),
    ({"kind": "approximate", "value": "1970", "margin_years": 21}, "margin_years must be between 0 and 20"),
    ({"kind": "approximate", "value": "1970", "margin_years": -1}, "margin_years must be between 0 and 20"),
    ({"value": "1970", "margin_years": 2}, "'margin_years' is only for kind 'approximate'"),
    ({"kind": "range", "value": "1970", "until": "1972", "margin_years": 1}, "'margin_years' is only for kind 'approximate'"),
    ({"value": "1970-02-30"}, "day 30 does not exist in 1970-02"),
    ({"kind": "sometime", "value": "1970"}, "kind"),
    ({"value": "1970", "precision": "year"}, "Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_FLEXIBLE)
def test_a_bad_flexible_date_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FlexibleDate.model_validate(fields)


def _flexible(text: str) -> FlexibleDate:
    """``1970``, ``~1970+-2`` or ``1975..1977``: a compact way to write the cases below."""
    if ".." in text:
        value, until = text.split("..")
        return FlexibleDate(kind=DateKind.RANGE, value=value, until=until)
    if text.startswith("~"):
        value, margin = text[1:].split("+-")
        return FlexibleDate(kind=DateKind.APPROXIMATE, value=value, margin_years=int(margin))
    return FlexibleDate(value=text)


OVERLAPS = [
    ("1970", "1970-05-17", True),
    ("1970", "1971", False),
    ("1970-05", "1970-05-31", True),
    ("1970-05", "1970-06-01", False),
    ("1970-12-31", "1971-01-01", False),
    ("~1970+-1", "1971-06", True),
    ("~1970+-1", "1972-01-01", False),
    ("~1970+-2", "~1974+-2", True),  # 1968-1972 and 1972-1976 share 1972
    ("~1970+-1", "~1974+-1", False),
    ("1975..1977", "1976-08-15", True),
    ("1975..1977", "1978", False),
    ("1975..1977", "1974-12-31", False),
    ("1975..1977", "~1979+-2", True),
    ("1975..1977", "1977..1980", True),
    ("1975-03..1975-04", "1975-05", False),
]


@pytest.mark.parametrize(("left", "right", "expected"), OVERLAPS)
def test_overlap_is_symmetric_and_counts_the_whole_span(left: str, right: str, expected: bool) -> None:
    assert _flexible(left).overlaps(_flexible(right)) is expected
    assert _flexible(right).overlaps(_flexible(left)) is expected


def test_a_flexible_date_is_immutable() -> None:
    flexible = FlexibleDate(value="1970")
    with pytest.raises(ValidationError, match="frozen"):
        flexible.value = "1971"  # type: ignore[misc]
