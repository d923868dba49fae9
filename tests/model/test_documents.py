"""Travel document numbers: one spelling per number, whatever the source wrote."""

from __future__ import annotations

import pytest

from kalkan.model.documents import normalise_document_number

NORMALISED = [
    ("FA1234567", "FA1234567"),
    ("fa1234567", "FA1234567"),
    ("FA 123 4567", "FA1234567"),
    ("FA-123-4567", "FA1234567"),
    ("N.12/345 67", "N1234567"),
    ("\tAB\n1234 ", "AB1234"),
    ("0" * 30, "0" * 30),
    ("7", "7"),
]


@pytest.mark.parametrize(("given", "stored"), NORMALISED)
def test_a_number_is_upper_case_without_separators(given: str, stored: str) -> None:
    assert normalise_document_number(given) == stored


REFUSED = [
    ("", "document number is empty"),
    (" - / . ", "document number is empty"),
    ("1" * 31, "document number has 31 characters, at most 30 allowed"),
    ("AB-" * 16, "document number has 32 characters"),
    ("AB#1234", "forbidden characters '#'"),
    ("AB_12*34", "forbidden characters '\\*_'"),
    ("AB1234<<<", "forbidden characters '<'"),
    # Cyrillic letters that look Latin are different letters: refused, not silently matched.
    ("АВ1234567", "forbidden characters 'АВ'"),
    ("N١٢٣٤", "forbidden characters"),  # Arabic-Indic digits
    ("ＡＢ1234", "forbidden characters"),  # full-width Latin
]


@pytest.mark.parametrize(("given", "message"), REFUSED)
def test_a_bad_number_is_refused_naming_the_fault(given: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise_document_number(given)
