"""Greek, Georgian, Armenian and Hebrew: one standard romanisation each."""

from __future__ import annotations

import pytest

from kalkan.text.alphabets import romanise

CASES = [
    ("παπαδόπουλος", "greek", "papadopoulos"),
    ("μητσοτάκης", "greek", "mitsotakis"),
    ("ευάγγελος", "greek", "evangelos"),
    ("μπακογιάννη", "greek", "bakogianni"),
    ("χριστοδουλίδης", "greek", "christodoulidis"),
    ("ბერიძე", "georgian", "beridze"),
    ("შევარდნაძე", "georgian", "shevardnadze"),
    ("ჯავახიშვილი", "georgian", "javakhishvili"),
    ("սարգսյան", "armenian", "sargsyan"),
    ("փաշինյան", "armenian", "pashinyan"),
    ("երևան", "armenian", "yerevan"),
    ("בנימין", "hebrew", "bnimin"),
]


@pytest.mark.parametrize(("token", "script", "expected"), CASES)
def test_romanise(token: str, script: str, expected: str) -> None:
    assert romanise(token, script) == expected
