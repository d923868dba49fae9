"""Phonetic keys on a sound alphabet shared by every script: the loose key and the consonant skeleton.

Latin spellings of one name disagree where the source script has a sound Latin lacks
(ж: zh, j, ž, dj; х: kh, h, x; й/ю/я: y, i, j), so each spelling is first read into an
*internal* sound string, and the keys are taken from that. Transliterators of other scripts
(``cyrillic``, ``arabic``) write the internal string directly, letter by letter, so that
two letters never merge by accident (Cyrillic с + х is s + kh, not sh).

The internal alphabet: lowercase ASCII letters with their plain sound, where h is every
h-like sound (h, kh, x, ḥ), k is k and q, g is g and gh, z is z and dh, and v is v and w;
``y`` is the glide of й and of y/i before a vowel; and five upper-case letters for sounds
Latin writes with two letters: S (sh, ш, ş), C (ch, ч, č), J (dzh, zh, j, ж, ج) and Q
(th, Arabic ث, Greek θ); ts (ц) is t + s.

The *loose key* then folds what spellings disagree on: the glide (Yusupov, Iusupov,
Jusupov), ye/e after a vowel or at the start (Yelena, Elena), yo/e after a consonant
(Fyodor, Fedor), ou/oo/u and o/u (Usama, Osama), ee/i, ng/n, double letters, and a final
h after a vowel (Abdullah, Abdulla). The *skeleton* keeps only consonants, as Arabic and
Persian script write them, with the letters Arabic does not tell apart in Latin spellings
folded (th/s, p/b, v/f, g/k/q): Muhammad, Mohammed and محمد all give "mhmd".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from kalkan.text.normalise import expand_latin

_VOWELS: Final = "aeiou"

# Latin letter groups, longest first, and the internal sounds they stand for.
_GRAPHS: Final = {
    "shch": "S",
    "tsch": "C",
    "dsch": "J",
    "dzh": "J",
    "sch": "S",
    "tch": "C",
    "cz": "C",
    "dj": "J",
    "zh": "J",
    "sh": "S",
    "ch": "C",
    "kh": "h",
    "gh": "g",
    "ph": "f",
    "th": "Q",
    "dh": "z",
    "tz": "ts",
    "ck": "k",
    "ce": "se",  # Western c before e/i/y (Marcel, Garcia); Slavic c for ц is the rarer case
    "ci": "si",
    "cy": "sy",
    "c": "k",
    "q": "k",
    "x": "h",  # Uzbek x (Xolmatov, Axmedov); a final x is Western (Max, Felix) and reads ks
    "w": "v",
    **{"j" + vowel: "J" + vowel for vowel in _VOWELS},
    "j": "y",  # j not before a vowel is the glide: Nikolaj, Sergej
}
_GRAPH_PATTERN: Final = re.compile("x$|" + "|".join(sorted(_GRAPHS, key=len, reverse=True)))
_NOT_LATIN: Final = re.compile(r"[^a-z0-9]")

_GLIDES: Final = re.compile(r"[iy]+")
_CONSONANT_YO: Final = re.compile(r"(?<=[b-df-hj-np-tv-xzSCJQ])i?y+o")
_VOWEL_PAIRS: Final = re.compile(r"ee|ou|oo")
_VOWEL_PAIR_MAP: Final = {"ee": "i", "ou": "u", "oo": "u"}
_DOUBLES: Final = re.compile(r"(.)\1+")
_FINAL_VOWEL_H: Final = re.compile(r"(?<=[aeio])h$")
_SKELETON_DROP: Final = str.maketrans("", "", "aeiou")
_FINAL_H: Final = re.compile(r"h$")

_TO_LOOSE: Final = str.maketrans({"S": "sh", "C": "ch", "J": "j", "Q": "t"})
_TO_SKELETON: Final = str.maketrans({"S": "sh", "C": "ch", "J": "j", "Q": "s", "p": "b", "v": "f", "g": "k"})


@lru_cache(maxsize=1 << 17)
def latin_sounds(token: str) -> str:
    """A Latin name part (any diacritics) as an internal sound string, before folding."""
    ascii_token = _NOT_LATIN.sub("", expand_latin(token.lower()))
    return _GRAPH_PATTERN.sub(_graph, ascii_token)


def _graph(match: re.Match[str]) -> str:
    group = match.group()
    return "ks" if group == "x" and match.end() == len(match.string) else _GRAPHS[group]


def _glide(match: re.Match[str]) -> str:
    """A run of i/y: a vowel i before a consonant or at the end; else the glide, resolved."""
    text, start, end = match.string, match.start(), match.end()
    following = text[end] if end < len(text) else "#"
    if following not in _VOWELS:
        return "i"
    if start > 0 and text[start - 1] not in _VOWELS:
        return ""  # after a consonant the glide is spelled or not (Vasilyev, Vasilev): drop it
    return "" if following == "e" else "J"  # Yelena/Elena, Andreyev/Andreev; Yusupov/Jusupov


@lru_cache(maxsize=1 << 17)
def fold_sounds(sounds: str) -> str:
    """The loose form of an internal sound string (still internal: skeleton_of reads it)."""
    folded = _CONSONANT_YO.sub("e", sounds)  # ё after a consonant: Fyodor, Artyom, Baxtiyor -> Fedor, Artem, Bakhtier
    folded = _GLIDES.sub(_glide, folded)
    folded = _VOWEL_PAIRS.sub(lambda match: _VOWEL_PAIR_MAP[match.group()], folded)
    folded = folded.replace("u", "o").replace("ng", "n")
    folded = _DOUBLES.sub(r"\1", folded)
    return _FINAL_VOWEL_H.sub("", folded)


@lru_cache(maxsize=1 << 17)
def loose_of(folded: str) -> str:
    """The loose key, in plain letters, of a folded sound string."""
    return folded.translate(_TO_LOOSE)


@lru_cache(maxsize=1 << 17)
def skeleton_of(folded: str) -> str:
    """The consonant skeleton of a folded sound string: no vowels, no final h, th as s, p as b, v as f, g as k, no doubles."""
    consonants = _FINAL_H.sub("", folded.translate(_SKELETON_DROP))
    return _DOUBLES.sub(r"\1", consonants.translate(_TO_SKELETON))


def latin_loose(token: str) -> str:
    """The loose key of a Latin name part: ``Zhalolov``, ``Jalolov`` and ``Djalolov`` give ``jalolov``."""
    return loose_of(fold_sounds(latin_sounds(token)))


def latin_skeleton(token: str) -> str:
    """The consonant skeleton of a Latin name part: ``Mohammed`` gives ``mhmd``."""
    return skeleton_of(fold_sounds(latin_sounds(token)))
