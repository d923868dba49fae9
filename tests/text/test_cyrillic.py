"""Cyrillic: the language read from the letters, its romanisations, and its sound string."""

from __future__ import annotations

import pytest

from kalkan.text.cyrillic import flavour, romanisations

FLAVOURS = [
    ("рахимзода", "ru"),
    ("ҷалилов", "tg"),
    ("раҳмон", "uz"),
    ("ўрозов", "uz"),
    ("тұқаев", "kk"),
    ("қасым-жомарт тоқаев", "uz"),  # Kazakh without ә ұ һ і: read as Uzbek, which spells it the same way
    ("әбішұлы", "kk"),
    ("үсөнбаев", "ky"),
    ("зеленський", "ru"),
    ("мар'яна їжакевич", "uk"),
    ("лукашэнка аляксандр рыгоравіч", "uk"),
    ("вучић", "sr"),
    ("ўладзімір", "be"),
]


@pytest.mark.parametrize(("text", "expected"), FLAVOURS)
def test_flavour_from_letters(text: str, expected: str) -> None:
    assert flavour(text) == expected


def test_lang_overrides_the_letters() -> None:
    assert flavour("жалолов", "uz") == "uz"
    assert flavour("жалолов", "xx") == "ru"


ROMANISATIONS = [
    # Russian: ICAO 9303 (passports) first, then BGN/PCGN
    ("жалолов", "ru", ("zhalolov",)),
    ("мария", "ru", ("mariia", "mariya")),
    ("юсупов", "ru", ("iusupov", "yusupov")),
    ("щукин", "ru", ("shchukin",)),
    ("ельцин", "ru", ("eltsin", "yeltsin")),
    ("фёдор", "ru", ("fedor", "fyodor")),
    ("андрей", "ru", ("andrei", "andrey")),
    # Uzbek: the Uzbek Latin alphabet first
    ("жалолов", "uz", ("jalolov", "zhalolov")),
    ("ўрозов", "uz", ("o'rozov", "urozov")),
    ("қодиров", "uz", ("qodirov", "kodirov")),
    ("ғуломов", "uz", ("g'ulomov", "gulomov")),
    ("холматов", "uz", ("xolmatov", "kholmatov")),
    # Tajik
    ("ҷалилов", "tg", ("jalilov", "dzhalilov")),
    ("раҳимзода", "tg", ("rahimzoda",)),
    ("ғафуров", "tg", ("ghafurov", "gafurov")),
    # Kazakh: passport (ICAO letters), national, BGN
    ("тұқаев", "kk", ("tukaev", "tuqayev", "tukayev")),
    ("жеңіс", "kk", ("zhenis", "zhengis")),
    # Kyrgyz
    ("жапаров", "ky", ("japarov", "zhaparov")),
]


@pytest.mark.parametrize(("token", "lang", "expected"), ROMANISATIONS)
def test_romanisations(token: str, lang: str, expected: tuple[str, ...]) -> None:
    assert romanisations(token, lang) == expected
