"""Cyrillic name parts: the language's letters, its competing romanisations, and its sound string.

Russian, Ukrainian, Belarusian, Serbian, Kazakh, Kyrgyz, Tajik and Uzbek write names in
Cyrillic; each has letters of its own (Kazakh ә ғ қ ң ө ұ ү һ і, Kyrgyz ң ө ү, Tajik ғ ӣ қ ӯ
ҳ ҷ, Uzbek ў қ ғ ҳ) and its own Latin spelling, and a passport may use ICAO 9303 instead.
``flavour`` guesses the language from the letters of a whole name; ``romanisations`` gives
the readable spellings in the order a document of that language most likely uses; and
``cyrillic_sounds`` writes the internal sound string of ``phonetic`` that all of them fold to.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

FLAVOURS: Final = frozenset({"ru", "uk", "be", "sr", "kk", "ky", "tg", "uz"})


def _has(text: str, letters: str) -> bool:
    return any(letter in text for letter in letters)


def flavour(text: str, lang: str | None = None) -> str:
    """The language of a Cyrillic name as an ISO 639-1 code: ``lang`` if we know it, else guessed from its letters."""
    if lang in FLAVOURS:
        return lang
    has_i = "і" in text
    if _has(text, "ҷӣӯ"):
        return "tg"
    if _has(text, "әұһ") or (has_i and _has(text, "қғңөү")):
        return "kk"
    if "ў" in text:
        return "be" if has_i and "и" not in text else "uz"
    if _has(text, "қғҳ"):
        return "uz"
    if _has(text, "ңөү"):
        return "ky"
    if has_i or _has(text, "єїґ"):
        return "uk"
    if _has(text, "ђјљњћџѓќѕ"):
        return "sr"
    return "ru"


# The sound of each letter in the internal alphabet of ``phonetic`` (J = ж/дж, S = ш, C = ч).
_SOUNDS: Final = {
    **dict(zip("абвгдезийклмнопрстуфхэ", "abvgdeziyklmnoprstufhe", strict=True)),
    **{"ё": "yo", "ж": "J", "ц": "ts", "ч": "C", "ш": "S", "щ": "S", "ъ": "", "ы": "y", "ь": "", "ю": "yu", "я": "ya"},
    **{"ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i"},
    **{"ҷ": "J", "ӣ": "i", "ӯ": "u", "ҳ": "h", "ў": "u", "є": "ye", "ї": "yi", "ґ": "g"},
    **{"ђ": "J", "ј": "y", "љ": "ly", "њ": "ny", "ћ": "C", "џ": "J", "ѓ": "g", "ќ": "k", "ѕ": "z"},
}
_SOUND_TABLES: Final = {
    "ru": str.maketrans(_SOUNDS),
    "uk": str.maketrans({**_SOUNDS, "г": "h", "и": "y"}),
}


@lru_cache(maxsize=1 << 17)
def cyrillic_sounds(token: str, lang: str = "ru") -> str:
    """The internal sound string of a Cyrillic name part (other letters dropped)."""
    table = _SOUND_TABLES.get(lang, _SOUND_TABLES["ru"])
    return "".join(char for char in token.replace("дж", "ж").translate(table) if char.isascii())


# ICAO Doc 9303 part 3 (machine readable passports, as Russian and most CIS passports use it).
_ICAO: Final = {
    **dict(zip("абвгдезиклмнопрстуфы", "abvgdeziklmnoprstufy", strict=True)),
    **{"ё": "e", "ж": "zh", "й": "i", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
    **{"ъ": "ie", "ь": "", "э": "e", "ю": "iu", "я": "ia"},
    **{"ґ": "g", "є": "ie", "і": "i", "ї": "i", "ў": "u", "ђ": "d", "ѓ": "g", "ѕ": "dz", "ј": "j"},
    **{"љ": "lj", "њ": "nj", "ћ": "c", "ќ": "k", "џ": "dz"},
    # Kazakh, Kyrgyz, Tajik and Uzbek letters as their passports write them in this system
    **{"ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "ҳ": "h"},
    **{"ҷ": "dzh", "ӣ": "i", "ӯ": "u"},
}
# BGN/PCGN (gazetteers, the press, most English-language watch lists).
_BGN: Final = {
    **_ICAO,
    **{"ё": "yo", "й": "y", "ъ": "", "ю": "yu", "я": "ya", "є": "ye", "ї": "yi", "ҷ": "j"},
}
# The Latin alphabets of the countries, as their own documents write names.
_NATIONAL: Final = {
    "uz": {**_BGN, "ж": "j", "х": "x", "ў": "o'", "қ": "q", "ғ": "g'", "ҳ": "h", "ъ": "'", "ц": "ts"},
    "tg": {**_BGN, "ҷ": "j", "ғ": "gh", "қ": "q", "ҳ": "h", "ӯ": "u", "ӣ": "i"},
    "kk": {**_BGN, "ж": "zh", "қ": "q", "ғ": "g", "ң": "ng", "і": "i", "ә": "a", "ұ": "u", "ү": "u"},
    "ky": {**_BGN, "ж": "j", "ң": "ng"},
    "uk": {**_BGN, "г": "h", "и": "y", "і": "i", "й": "y", "ї": "yi"},
    "be": {**_BGN, "г": "h", "ў": "w", "і": "i"},
    "sr": {**_ICAO, "ђ": "dj", "ћ": "c", "џ": "dz", "ж": "z", "ч": "c", "ш": "s", "х": "h", "ц": "c"},
}
_TABLES: Final = {
    "icao": str.maketrans(_ICAO),
    "bgn": str.maketrans(_BGN),
    **{code: str.maketrans(table) for code, table in _NATIONAL.items()},
}
# ye/yo at the start of a word and after a vowel, in the systems that write е/ё that way.
_IOTATED: Final = re.compile(r"(?:^|(?<=[аеёиоуыэюяйъьўӯӣәөұү]))([её])")
_IOTATED_SYSTEMS: Final = frozenset({"bgn", "uz", "tg", "kk", "ky"})
_ORDER: Final = {
    "ru": ("icao", "bgn"),
    "uk": ("uk", "icao"),
    "be": ("be", "icao"),
    "sr": ("sr", "icao"),
    "kk": ("icao", "kk", "bgn"),
    "ky": ("ky", "icao", "bgn"),
    "tg": ("tg", "icao"),
    "uz": ("uz", "icao", "bgn"),
}


@lru_cache(maxsize=1 << 17)
def romanisations(token: str, lang: str = "ru") -> tuple[str, ...]:
    """Readable Latin spellings of a Cyrillic name part, most likely on a document of that language first."""
    spellings: list[str] = []
    for system in _ORDER.get(lang, _ORDER["ru"]):
        source = token
        if system in _IOTATED_SYSTEMS:
            source = _IOTATED.sub(lambda match: "y" + ("e" if match.group(1) == "е" else "o"), token)
        spelling = source.translate(_TABLES[system])
        spelling = "".join(char for char in spelling if char.isascii())
        if spelling and spelling not in spellings:
            spellings.append(spelling)
    return tuple(spellings)
