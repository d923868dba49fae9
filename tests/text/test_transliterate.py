"""The forms of one name part: script read from its letters, look-alikes repaired, transliterator picked."""

from __future__ import annotations

import pytest

from kalkan.text.transliterate import resolve_script, token_forms


@pytest.mark.parametrize(
    ("part", "hint", "expected"),
    [
        ("ivanov", None, ("latin", "ivanov")),
        ("иванов", None, ("cyrillic", "иванов")),
        ("ивaнов", None, ("cyrillic", "иванов")),  # a Latin a typed among Cyrillic letters
        ("ivаnov", None, ("latin", "ivanov")),  # a Cyrillic а typed among Latin letters
        ("ivанов", None, ("cyrillic", "іvанов")),  # v has no look-alike: it stays, and reads as v
        ("ab", None, ("latin", "ab")),
        ("аb", "latin", ("latin", "ab")),  # a tie goes to the script the caller names
        ("аb", None, ("cyrillic", "ав")),
        ("محمد", None, ("arabic", "محمد")),
        ("2000", None, ("latin", "2000")),
    ],
)
def test_resolve_script(part: str, hint: str | None, expected: tuple[str, str]) -> None:
    assert resolve_script(part, hint) == expected


def test_latin_forms() -> None:
    forms = token_forms("ševčenko", "latin")
    assert forms.readable == ("sevcenko", "shevchenko")
    assert forms.folded == forms.consonantal


def test_arabic_common_name_gives_vowels_to_the_loose_key_only() -> None:
    forms = token_forms("محمد", "arabic", "ar")
    assert forms.readable == ("muhammad", "mhmd")
    assert forms.folded != forms.consonantal  # the loose key reads "muhammad", the skeleton the letters


def test_unsupported_script_keeps_its_letters() -> None:
    forms = token_forms("习近平", "han")
    assert forms.readable == ()
    assert forms.folded == "习近平"
