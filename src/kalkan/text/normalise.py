"""Unicode clean-up of names: one canonical form, name parts, the script of a part.

A name goes through NFKC (compatibility forms such as fullwidth letters and Arabic
presentation forms become plain letters), case folding, removal of apostrophes (``o'g'li``,
``O‘g‘li``, ``oʻgʻli`` and ``ogli`` are one spelling) and of invisible format characters,
one hyphen for every dash, and spaces for other punctuation. Diacritics are kept here:
they are stripped only where Latin is folded (``strip_diacritics``), because in Cyrillic
(й, ё) and Arabic (the vowel marks) they are letters or carry sound.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache
from typing import Final

MAX_NAME_LENGTH: Final = 300
"""Longest name accepted, in characters (the same bound as the record model's names)."""

_APOSTROPHES = "'’‘ʻʼʽ`´′ʹˈ‛ʾʿ"  # the look-alikes we remove
_DASHES = "‐‑‒–—―−﹣－־⁃"  # every dash becomes "-"
_INVISIBLE = "\u00ad\u0640\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"  # soft hyphen, tatweel, zero-width and bidi marks
_CHAR_MAP: Final = str.maketrans(
    {
        **dict.fromkeys(_APOSTROPHES, ""),
        **dict.fromkeys(_INVISIBLE, ""),
        **dict.fromkeys(_DASHES, "-"),
    }
)
_ASCII_NOT_NAME_CHAR = re.compile(r"[^a-z0-9\s-]")
_SPACES = re.compile(r"\s+")
_HYPHEN_RUNS = re.compile(r"\s*-[\s-]*")
_PARTS = re.compile(r"[^\s-]+")


def normalise_name(text: str) -> str:
    """The canonical form of a name: NFKC, case-folded, without apostrophes and punctuation.

    Hyphens between parts are kept as one "-" (``Abdul-Aziz``); other punctuation becomes a
    space. Raises ValueError for an empty name, a name without letters, or one longer than
    MAX_NAME_LENGTH.
    """
    if len(text) > MAX_NAME_LENGTH:
        raise ValueError(f"name is {len(text)} characters long; at most {MAX_NAME_LENGTH} are accepted")
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_CHAR_MAP)
    folded = unicodedata.normalize("NFC", folded)  # casefold can decompose (İ -> i + dot above)
    folded = _ASCII_NOT_NAME_CHAR.sub(" ", folded) if folded.isascii() else "".join(map(_name_char, folded))
    folded = _HYPHEN_RUNS.sub("-", _SPACES.sub(" ", folded)).strip(" -")
    if not folded:
        raise ValueError("name is empty or only punctuation")
    if not any(char.isalpha() for char in folded):
        raise ValueError(f"name {text!r} has no letters")
    return folded


@lru_cache(maxsize=8192)
def _name_char(char: str) -> str:
    """A character as it stays in a name: letters and marks as they are, digits as ASCII, other signs a space."""
    category = unicodedata.category(char)
    if category[0] in "LM" or char == "-" or char.isspace():
        return char
    if category == "Nd":
        return str(unicodedata.decimal(char))
    return " "


def name_parts(normalised: str) -> list[tuple[str, bool]]:
    """The parts of a normalised name, each with whether a hyphen joins it to the next one."""
    return [(match.group(), normalised[match.end() : match.end() + 1] == "-") for match in _PARTS.finditer(normalised)]


def tokenise(text: str) -> list[str]:
    """The parts of a name, split at spaces and hyphens, after normalise_name."""
    return _PARTS.findall(normalise_name(text))


_LATIN_EXPANSIONS: Final = str.maketrans(
    {
        "ž": "zh",
        "ż": "zh",
        "š": "sh",
        "ș": "sh",
        "ş": "sh",
        "č": "ch",
        "ć": "ch",
        "ç": "ch",
        "đ": "dj",
        "ř": "rzh",
        "ț": "ts",
        "ğ": "g",
        "ñ": "n",
        "ň": "n",
        "ŋ": "ng",
        "ł": "l",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "þ": "th",
        "ð": "d",
        "ı": "i",
        "ə": "a",
        "ħ": "h",
    }
)


@lru_cache(maxsize=1 << 16)
def strip_diacritics(text: str) -> str:
    """Latin letters without their marks: ``Ševčenko`` -> ``sevcenko`` (after case folding)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=1 << 16)
def expand_latin(text: str) -> str:
    """Latin letters as ASCII, marks that change the sound spelled out: ``ševčenko`` -> ``shevchenko``."""
    return strip_diacritics(text.translate(_LATIN_EXPANSIONS))


# Unicode blocks of the scripts that names come in, as (first code point, script);
# a code point belongs to the last block that starts at or before it, if within its end.
_BLOCKS: Final = sorted(
    [
        (0x0041, 0x024F, "latin"),
        (0x0250, 0x02AF, "latin"),
        (0x1E00, 0x1EFF, "latin"),
        (0x0370, 0x03FF, "greek"),
        (0x1F00, 0x1FFF, "greek"),
        (0x0400, 0x052F, "cyrillic"),
        (0x1C80, 0x1C8F, "cyrillic"),
        (0xA640, 0xA69F, "cyrillic"),
        (0x0530, 0x058F, "armenian"),
        (0x0590, 0x05FF, "hebrew"),
        (0x0600, 0x06FF, "arabic"),
        (0x0750, 0x077F, "arabic"),
        (0x08A0, 0x08FF, "arabic"),
        (0xFB50, 0xFDFF, "arabic"),
        (0xFE70, 0xFEFF, "arabic"),
        (0x10A0, 0x10FF, "georgian"),
        (0x1C90, 0x1CBF, "georgian"),
        (0x2D00, 0x2D2F, "georgian"),
        (0x4E00, 0x9FFF, "han"),
        (0x3400, 0x4DBF, "han"),
    ]
)
_BLOCK_STARTS: Final = [start for start, _, _ in _BLOCKS]


@lru_cache(maxsize=4096)
def char_script(char: str) -> str | None:
    """The script of one letter ("latin", "cyrillic", ...; "other" if none of ours), None for a non-letter."""
    if not char.isalpha():
        return None
    point = ord(char)
    index = bisect.bisect_right(_BLOCK_STARTS, point) - 1
    if index >= 0 and point <= _BLOCKS[index][1]:
        return _BLOCKS[index][2]
    return "other"


def script_counts(token: str) -> dict[str, int]:
    """How many letters of each script a token has."""
    counts: dict[str, int] = {}
    for char in token:
        script = char_script(char)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    return counts
