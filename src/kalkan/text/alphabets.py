"""One standard romanisation each for Greek, Georgian, Armenian and Hebrew name parts.

Greek follows ELOT 743 / ISO 843 as Greek passports write it (η i, υ y, χ ch, ου ou, αυ av/af,
μπ b/mb, ντ d/nd, γγ ng); Georgian the national system of 2002 as passports write it
(without the apostrophes of the ejectives); Armenian the passport system (ե ye at the start,
ո vo at the start, ու u, և yev); Hebrew the consonants, with ו and י as vowels inside a word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

_GREEK_LETTERS: Final = str.maketrans(
    {
        **dict(zip("αβγδεζηικλμνξοπρστυφω", "avgdeziiklmnxoprstyfo", strict=True)),
        **{"ς": "s", "θ": "th", "χ": "ch", "ψ": "ps", "ϊ": "i", "ϋ": "y"},
    }
)
_GREEK_VOICELESS: Final = "θκξπστφχψ"
_GREEK_GROUPS: Final = re.compile(r"ου|[αεη]υ|^μπ|μπ|^ντ|ντ|γγ|γκ|γξ|γχ")


def _greek_group(match: re.Match[str]) -> str:
    group = match.group()
    if group == "ου":
        return "ou"
    if group[1] == "υ":
        following = match.string[match.end() : match.end() + 1]
        vowel = {"α": "a", "ε": "e", "η": "i"}[group[0]]
        return vowel + ("f" if following == "" or following in _GREEK_VOICELESS else "v")
    at_start = match.start() == 0
    return {"μπ": "b" if at_start else "mb", "ντ": "d" if at_start else "nd", "γγ": "ng"}.get(
        group, ("g" if at_start else "n") + group[1].translate(_GREEK_LETTERS)
    )


def _greek(token: str) -> str:
    # keep the diaeresis (it splits a pair: Μαΐου), drop the accents
    decomposed = unicodedata.normalize("NFD", token)
    kept = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0308"))
    return _GREEK_GROUPS.sub(_greek_group, kept).translate(_GREEK_LETTERS)


_GEORGIAN: Final = str.maketrans(
    {
        **dict(zip("აბგდევზთიკლმნოპრსტუფქყჯჰ", "abgdevztiklmnoprstupkqjh", strict=True)),
        **{"ჟ": "zh", "ღ": "gh", "შ": "sh", "ჩ": "ch", "ც": "ts", "ძ": "dz", "წ": "ts", "ჭ": "ch", "ხ": "kh"},
    }
)

_ARMENIAN: Final = str.maketrans(
    {
        **dict(zip("աբգդեզէըթիլկհմյնոպռսվտրփքօֆ", "abgdezeytilkhmynoprsvtrpkof", strict=True)),
        **{"ժ": "zh", "խ": "kh", "ծ": "ts", "ձ": "dz", "ղ": "gh", "ճ": "ch", "շ": "sh", "չ": "ch", "ջ": "j", "ց": "ts"},
        **{"և": "ev"},
    }
)
_ARMENIAN_GROUPS: Final = re.compile(r"ու|^ե|^ո|^և")


def _armenian(token: str) -> str:
    grouped = _ARMENIAN_GROUPS.sub(lambda match: {"ու": "u", "ե": "ye", "ո": "vo", "և": "yev"}[match.group()], token)
    return grouped.translate(_ARMENIAN)


_HEBREW: Final = str.maketrans(
    {
        **dict(zip("בגדהזטכלמנסקרתךםןפף", "bgdhztklmnskrtkmnpf", strict=True)),
        **{"א": "", "ע": "", "ח": "kh", "ש": "sh", "צ": "ts", "ץ": "ts", "ו": "o", "י": "i"},
    }
)
_HEBREW_INITIAL: Final = {"ו": "v", "י": "y"}


def _hebrew(token: str) -> str:
    decomposed = "".join(c for c in unicodedata.normalize("NFD", token) if not unicodedata.combining(c))
    first = _HEBREW_INITIAL.get(decomposed[:1], decomposed[:1].translate(_HEBREW))
    return first + decomposed[1:].replace("וו", "v").translate(_HEBREW)


_ROMANISERS: Final = {"greek": _greek, "georgian": lambda token: token.translate(_GEORGIAN), "armenian": _armenian, "hebrew": _hebrew}
SCRIPTS: Final = frozenset(_ROMANISERS)


@lru_cache(maxsize=1 << 15)
def romanise(token: str, script: str) -> str:
    """The standard romanisation of a Greek, Georgian, Armenian or Hebrew name part (ASCII letters only)."""
    romanised = _ROMANISERS[script](token)
    return "".join(char for char in romanised if char.isascii() and char.isalnum())
