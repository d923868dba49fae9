"""Unicode clean-up of names: one form for apostrophes, dashes, compatibility forms; refusals."""

from __future__ import annotations

import pytest

from kalkan.text.normalise import MAX_NAME_LENGTH, char_script, expand_latin, name_parts, normalise_name, strip_diacritics, tokenise

SAME_FORM = [
    ("Karim o'g'li", "karim ogli"),
    ("Karim O‘g‘li", "karim ogli"),  # typographic apostrophes
    ("Karim oʻgʻli", "karim ogli"),  # Uzbek okina
    ("Karim oʼgʼli", "karim ogli"),
    ("ABDUL–AZIZ", "abdul-aziz"),  # en dash
    ("Abdul — Aziz", "abdul-aziz"),  # em dash with spaces
    ("ＩＶＡＮＯＶ", "ivanov"),  # fullwidth
    ("ﻣﺤﻤﺪ", "محمد"),  # Arabic presentation forms
    ("پزشک‌فر", "پزشکفر"),  # zero-width non-joiner
    ("مـحـمـد", "محمد"),  # tatweel
    ("LAVROV, Sergey", "lavrov sergey"),
    ("Straße", "strasse"),
    ("  Иванов   Иван  ", "иванов иван"),
    ("Ahmad ٢", "ahmad 2"),  # Arabic-Indic digit
    ("Ševčenko", "ševčenko"),  # diacritics are kept here
    ("Мар'яна", "маряна"),
]


@pytest.mark.parametrize(("text", "expected"), SAME_FORM)
def test_normalise_name(text: str, expected: str) -> None:
    assert normalise_name(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "...", "-", "'’", "()", "2024"])
def test_names_without_letters_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"empty|no letters"):
        normalise_name(text)


def test_overlong_name_is_refused() -> None:
    with pytest.raises(ValueError, match=str(MAX_NAME_LENGTH)):
        normalise_name("a" * (MAX_NAME_LENGTH + 1))
    assert normalise_name("a" * MAX_NAME_LENGTH) == "a" * MAX_NAME_LENGTH


def test_arabic_vowel_marks_survive() -> None:
    assert normalise_name("مُحَمَّد") == "مُحَمَّد"


def test_tokenise_splits_at_spaces_and_hyphens() -> None:
    assert tokenise("Abd al-Aziz  bin Baz") == ["abd", "al", "aziz", "bin", "baz"]
    assert tokenise("Қасым-Жомарт Тоқаев") == ["қасым", "жомарт", "тоқаев"]


def test_name_parts_remember_hyphens() -> None:
    assert name_parts("abd al-aziz") == [("abd", False), ("al", True), ("aziz", False)]


def test_latin_folding() -> None:
    assert strip_diacritics("ševčenko") == "sevcenko"
    assert expand_latin("ševčenko") == "shevchenko"
    assert expand_latin("əliyev") == "aliyev"
    assert expand_latin("żukowski") == "zhukowski"


SCRIPTS = [
    *[("a", "latin"), ("ž", "latin"), ("ж", "cyrillic"), ("қ", "cyrillic"), ("م", "arabic"), ("گ", "arabic")],
    *[("α", "greek"), ("ბ", "georgian"), ("ս", "armenian"), ("ש", "hebrew"), ("平", "han"), ("김", "other"), ("1", None)],
]


@pytest.mark.parametrize(("char", "script"), SCRIPTS)
def test_char_script(char: str, script: str | None) -> None:
    assert char_script(char) == script
