"""Names: the script each is written in, and how a name is cleaned before it is stored."""

from __future__ import annotations

import unicodedata

import pytest
from pydantic import ValidationError

from kalkan.model.names import MAX_NAME_LENGTH, Name, NameKind, Script, detect_script, letter_script

SCRIPTS = [
    # (name, script)
    ("Jalolov Aziz Rustamovich", Script.LATIN),
    ("Gʻulomov Oʻktam", Script.LATIN),  # Uzbek Latin with the okina (U+02BB), a modifier letter
    ("Oʼzbekiston", Script.LATIN),  # ... or with the modifier apostrophe (U+02BC)
    ("Əliyev İlham Heydər oğlu", Script.LATIN),  # Azerbaijani
    ("Nazarbaýev Nursultan Äbişuly", Script.LATIN),  # Kazakh Latin (2018 alphabet)
    ("Müller-Lüdenscheidt, José María", Script.LATIN),
    ("O'Brien", Script.LATIN),  # the ASCII apostrophe is no letter at all
    ("Жалолов Азиз Рустамович", Script.CYRILLIC),
    ("Тоқаев Қасым-Жомарт Кемелұлы", Script.CYRILLIC),  # Kazakh: Қ, қ, ұ
    ("Әбішұлы Нұрсұлтан", Script.CYRILLIC),  # Kazakh: Ә, ұ
    ("Раҳмон Эмомалӣ Шарифович", Script.CYRILLIC),  # Tajik: ҳ, ӣ
    ("Ҷалолов Ӯрунбой", Script.CYRILLIC),  # Tajik: Ҷ, Ӯ
    ("Ғуломов Ҳамид", Script.CYRILLIC),  # Tajik and Uzbek Cyrillic: Ғ, Ҳ
    ("Марʼяна Шевченко", Script.CYRILLIC),  # Ukrainian with the modifier apostrophe
    ("Їжакевич Ґанна", Script.CYRILLIC),  # Ukrainian: Ї, Ґ
    ("أبو بكر البغدادي", Script.ARABIC),
    ("محمد جواد ظریف", Script.ARABIC),  # Persian: ی (Farsi yeh)
    ("عبدالله\u200cزاده", Script.ARABIC),  # Persian with a zero-width non-joiner
    ("مُحَمَّد", Script.ARABIC),  # with vowel marks, which are not letters
    ("Αλέξανδρος Παπαδόπουλος", Script.GREEK),
    ("მიხეილ სააკაშვილი", Script.GEORGIAN),
    ("Սերժ Սարգսյան", Script.ARMENIAN),
    ("בנימין נתניהו", Script.HEBREW),
    ("习近平", Script.HAN),
    ("김정은", Script.OTHER),  # Hangul
    ("ナカムラ", Script.OTHER),  # Katakana
    ("Aлексей", Script.MIXED),  # a Latin A in a Cyrillic name: one token, two scripts
    ("Жалолов Aziz", Script.MIXED),
    ("Pavlović Павловић", Script.MIXED),
    ("Ibrahim إبراهيم", Script.MIXED),
    ("Ахмедов 1984", Script.CYRILLIC),  # digits have no script
]


@pytest.mark.parametrize(("name", "script"), SCRIPTS)
def test_the_script_of_a_name(name: str, script: Script) -> None:
    assert detect_script(name) is script
    assert Name(value=name).script is script


LETTERS = [
    ("A", Script.LATIN),
    ("А", Script.CYRILLIC),  # U+0410, looks like the Latin A
    ("Қ", Script.CYRILLIC),
    ("Ҷ", Script.CYRILLIC),
    ("Ӯ", Script.CYRILLIC),
    ("ژ", Script.ARABIC),
    ("Ω", Script.GREEK),
    ("ჯ", Script.GEORGIAN),
    ("Ճ", Script.ARMENIAN),
    ("ש", Script.HEBREW),
    ("國", Script.HAN),
    ("ʻ", None),
    ("-", None),
    (" ", None),
    ("7", None),
    ("\u0301", None),  # a combining accent
]


@pytest.mark.parametrize(("char", "script"), LETTERS)
def test_the_script_of_a_letter(char: str, script: Script | None) -> None:
    assert letter_script(char) is script


@pytest.mark.parametrize("text", ["", "   ", "1984", "-- ' --", "ʻʼ"])
def test_a_name_without_letters_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="name has no letters"):
        detect_script(text)


def test_a_name_is_nfc_and_single_spaced() -> None:
    decomposed = unicodedata.normalize("NFD", "Йўлдошев  Ғайрат\t Ёқубович ")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    name = Name(value=decomposed)
    assert name.value == "Йўлдошев Ғайрат Ёқубович"
    assert unicodedata.is_normalized("NFC", name.value)
    assert Name.model_validate("  José   María ").value == "José María"


def test_a_name_from_a_plain_string_is_primary() -> None:
    name = Name.model_validate("Раҳмонов Ҷамшед")
    assert (name.value, name.kind, name.script, name.lang) == ("Раҳмонов Ҷамшед", NameKind.PRIMARY, Script.CYRILLIC, None)


def test_a_given_script_and_kind_are_kept() -> None:
    name = Name(value="Jalolov Aziz", kind=NameKind.ALIAS, script=Script.LATIN, lang="uz")
    assert (name.kind, name.script, name.lang) == (NameKind.ALIAS, Script.LATIN, "uz")


BAD_NAMES = [
    ({"value": ""}, "at least 1 character"),
    ({"value": "   "}, "at least 1 character"),
    ({"value": "Ж" * (MAX_NAME_LENGTH + 1)}, f"at most {MAX_NAME_LENGTH} characters"),
    ({"value": "Ж" * 10_000}, f"at most {MAX_NAME_LENGTH} characters"),
    ({"value": "007"}, "name has no letters"),
    ({"value": "Aziz", "kind": "nickname"}, "kind"),
    ({"value": "Aziz", "script": "runic"}, "script"),
    ({"value": "Aziz", "lang": "uzbek-latin"}, "at most 8 characters"),
    ({"value": "Aziz", "note": "x"}, "Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_NAMES)
def test_a_bad_name_is_refused(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Name.model_validate(fields)


def test_a_name_of_the_longest_length_is_accepted() -> None:
    assert len(Name(value="Ж" * MAX_NAME_LENGTH).value) == MAX_NAME_LENGTH
