"""Arabic script: parts split at the article and at Abd/Abu, letters read, Persian told apart."""

from __future__ import annotations

import pytest

from kalkan.text.arabic import article_reading, flavour, romanisations, split_parts

SPLITS = [
    ("عبدالعزيز", ["عبد", "ال", "عزيز"]),
    ("العزيز", ["ال", "عزيز"]),
    ("عبدالله", ["عبد", "الله"]),
    ("نصرالله", ["نصر", "الله"]),
    ("ابوبكر", ["ابو", "بكر"]),
    ("الله", ["الله"]),
    ("الياس", ["الياس"]),  # Ilyas, not al-Yas
    ("عبده", ["عبده"]),  # Abduh
    ("محمد", ["محمد"]),
]


@pytest.mark.parametrize(("token", "expected"), SPLITS)
def test_split_parts(token: str, expected: list[str]) -> None:
    assert split_parts(token) == expected


def test_article_assimilates_to_sun_letters() -> None:
    assert article_reading("رحمن") == "ar"
    assert article_reading("شمس") == "ash"
    assert article_reading("دين") == "ad"
    assert article_reading("عزيز") == "al"
    assert article_reading("قمر") == "al"


def test_persian_is_told_by_its_letters() -> None:
    assert flavour("رضایی") == "fa"  # Persian ye
    assert flavour("پزشکیان") == "fa"
    assert flavour("محمد") == "ar"
    assert flavour("محمد", "fa") == "fa"


READINGS = [
    ("محمد", "ar", ("muhammad", "mhmd")),  # a common name: its usual spelling, then the letters
    ("وليد", "ar", ("wlid",)),  # و at the start is w, ي inside is i
    ("وليد", "fa", ("vlid",)),  # Persian reads و as v
    ("زاده", "fa", ("zadeh",)),  # Persian final he
    ("مُحَمَّد", "ar", ("muhammad",)),  # vowel marks are read; shadda doubles the consonant
    ("پژمان", "fa", ("pzhman",)),  # Persian letters
    ("ثابت", "ar", ("thabt",)),
    ("ثابت", "fa", ("sabt",)),
    ("فاطمة", "ar", ("fatima", "fatma")),  # taa marbuta
    ("تشارلز", "ar", ("charlz",)),  # تش is ch
]


@pytest.mark.parametrize(("token", "lang", "expected"), READINGS)
def test_readings(token: str, lang: str, expected: tuple[str, ...]) -> None:
    assert romanisations(token, lang) == expected
