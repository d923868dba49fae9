"""Check digits of machine-readable zones (ICAO Doc 9303 part 3, 4.9) and the characters OCR confuses."""

from __future__ import annotations

import string

from kalkan.errors import Fault
from kalkan.model.mrz_types import CheckDigit

FILLER = "<"
LETTERS = frozenset(string.ascii_uppercase)
DIGITS = frozenset(string.digits)
MRZ_CHARACTERS = LETTERS | DIGITS | {FILLER}

_VALUES: dict[str, int] = {c: i for i, c in enumerate(string.digits + string.ascii_uppercase)} | {FILLER: 0}
_WEIGHTS = (7, 3, 1)

#: Pairs of characters that OCR of zones mixes up; a suggestion swaps one for the other.
OCR_CONFUSIONS: dict[str, str] = {
    "0": "O",
    "O": "0",
    "1": "I",
    "I": "1",
    "5": "S",
    "S": "5",
    "8": "B",
    "B": "8",
    "2": "Z",
    "Z": "2",
}


def check_digit(text: str) -> str | None:
    """The check digit of ``text`` (weights 7-3-1; '<' counts 0, A-Z 10 to 35); None if a character is not an MRZ character."""
    total = 0
    for i, char in enumerate(text):
        value = _VALUES.get(char)
        if value is None:
            return None
        total += value * _WEIGHTS[i % 3]
    return str(total % 10)


def evaluate(field: str, covered: str, found: str, line: int, position: int, *, filler_when_empty: bool = False) -> CheckDigit:
    """Compare the check digit read at ``line``/``position`` with the one ``covered`` calls for.

    ``filler_when_empty``: the field may carry '<' instead of a digit when it holds only fillers
    (the optional data of a passport).
    """
    expected = check_digit(covered)
    is_valid = expected is not None and found == expected
    if filler_when_empty and expected is not None and not covered.strip(FILLER):
        is_valid = found in (FILLER, expected)
    return CheckDigit(field, line, position, found, expected, is_valid)


def check_fault(check: CheckDigit) -> Fault | None:
    """The fault a failed check digit gives: ``line 2, date of birth: check digit 7 expected 3``."""
    if check.is_valid or check.expected is None:
        return None
    label = f"line {check.line}, {check.field}"
    if check.found in DIGITS:
        return Fault(label, f"check digit {check.found} expected {check.expected}")
    return Fault(label, f"check digit {check.found!r} is not a digit, expected {check.expected}")
