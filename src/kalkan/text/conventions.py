"""Name conventions of the region, as rules on the folded sound strings of ``phonetic``.

Particles (al-, bin, ibn, bint, van, de...) and patronymic markers (o'g'li, ogly, uly, qizi,
kyzy, uulu) are flagged so that a scorer can weigh them less. Compound given names are made
one part whatever the spelling: Abdul-Aziz, Abdulaziz, Abd al-Aziz and عبد العزيز all give
"abdaziz"; so are Nur ad-Din / Nuriddin, Nasrullah / Nasr Allah / Nasrullo, Rahim Zade /
Rahimzoda / Rahimzadeh, Ahmadjon / Ahmadjan and Toshboy / Tashbai. Gendered surname endings
(-ov/-ova, -ev/-eva, -in/-ina, -sky/-skaya, -oy/-aya, -poulos/-poulou) and Russian
patronymics (-ovich/-ovna) give a stem and a gender.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Final

# Internal sound strings: lowercase letters plus S (sh), C (ch), J (j/zh) and Q (th).
_ARTICLES: Final = frozenset({"al", "el", "ol", "il"})
_SUN_ARTICLE: Final = re.compile(r"^[aeio](S|[tdszrnQ])$")
_PARTICLES: Final = frozenset(
    {"bin", "ben", "bn", "ibn", "abn", "bint", "binti", "bnt", "ibni"}
    | {"van", "von", "fon", "de", "da", "di", "do", "del", "dela", "der", "den", "la", "le", "dos", "das", "ter", "ten", "zo"}
)
_MARKERS: Final = frozenset({"ogli", "oglo", "ogl", "oli", "olo", "kizi", "gizi"})
_ATTACHED_MARKERS: Final = ("ұлы", "улы", "қызы", "кызы", "uly", "kyzy", "qyzy")
_ABD_HEAD: Final = re.compile(r"^abd(?:[aeio](?:l|S|[tdszrnQ]))?$")
_KUNYA_HEAD: Final = re.compile(r"^(?:abo|abol|om)$")
_ALLAH: Final = frozenset({"ala", "ola"})
_ZADE: Final = re.compile(r"^z[aeo]d(?:[aeo]|h)$")  # zade, zoda, zadeh; زاده read letter by letter is zadh

# Spellings of one suffix, and the one form they are given.
_SUFFIXES: Final = (
    (re.compile(r"(?<=..)z[aeo]d(?:[aeo]|h)$"), "zade"),  # Rahimzoda, Rahimzade, Rahimzadeh, Rahimzada
    (re.compile(r"(?<=[^aeiop])[aeo]l[ao]$"), "ola"),  # Nasrullah, Nasrallah, Nasrullo, Ruhollah; not Greek -poulou
    (re.compile(r"(?<=..)[aeio]?din$"), "idin"),  # Nuriddin, Nuruddin, Nureddin, Nurdin
    (re.compile(r"(?<=..)J[ao]n$"), "Jon"),  # Ahmadjon, Akhmadzhan
    (re.compile(r"(?<=..)b[ao]i$"), "bai"),  # Toshboy, Tashbay, Tashbai
)
# Abdulaziz, Abdurrahman, Abdukarim; not Abdullaev, Abdulov (Abdulla + a surname ending)
_ABD_PREFIX: Final = re.compile(r"^abd(?![aeio]l[aeo]?[oe]va?$)(?:[aeio]l|[aeio](?=[^aeio]))(?=.{3})")
_KUNYA_PREFIX: Final = re.compile(r"^abol(?=[^aeio].{2})")  # Abolfazl, Abulfazl

_PATRONYMIC: Final = re.compile(r"(?<=...)(?:[oe]v(iC)|[oe]v(na)|i(C)na)$")
_GENDERED: Final = (
    (re.compile(r"(?<=..)([oe]v)a$"), r"\1", "female"),
    (re.compile(r"(?<=...)(in)a$"), r"\1", "female"),
    (re.compile(r"(?<=..)aJa$"), "i", "female"),  # Dostoevskaya, Tolstaya
    (re.compile(r"(?<=..)opolo$"), "opolos", "female"),  # Papadopoulou
    (re.compile(r"(?<=..)[oe]v$"), "", "male"),
    (re.compile(r"(?<=..)ski$"), "", "male"),
    (re.compile(r"(?<=..)oi$"), "i", "male"),  # Tolstoy
    (re.compile(r"(?<=..)opolos$"), "", "male"),
)


class TokenRole(StrEnum):
    NAME = "name"
    PARTICLE = "particle"
    PATRONYMIC_MARKER = "patronymic_marker"
    PATRONYMIC = "patronymic"
    INITIAL = "initial"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


@lru_cache(maxsize=1 << 17)
def attached_marker(part: str) -> tuple[str, str] | None:
    """A Kazakh or Kyrgyz patronymic written as one word (Abishuly, Әбішұлы): the father's name and the marker."""
    for marker in _ATTACHED_MARKERS:
        if part.endswith(marker) and len(part) - len(marker) >= 3:
            return part[: -len(marker)], marker
    return None


def is_article(folded: str, following: str | None) -> bool:
    """Whether a part is the Arabic article: al/el/ul, or assimilated (ar-Rahman, ash-Shami, ad-Din)."""
    if folded in _ARTICLES:
        return following is not None
    match = _SUN_ARTICLE.match(folded)
    return match is not None and following is not None and following.startswith(match.group(1))


def is_particle(folded: str) -> bool:
    return folded in _PARTICLES


def is_marker(folded: str) -> bool:
    return folded in _MARKERS


def is_compound_head(folded: str) -> bool:
    """Whether a part begins a compound given name with the next part: Abd (al-)Aziz, Abu Bakr, Umm Kulthum."""
    return _ABD_HEAD.match(folded) is not None or _KUNYA_HEAD.match(folded) is not None


def compound_head(folded: str) -> str:
    """The one form of a compound head: "abd" for Abd/Abdul/Abdel/Abdur, "abo" for Abu/Abou/Abul, "om" for Umm."""
    if _ABD_HEAD.match(folded):
        return "abd"
    return "om" if folded == "om" else "abo"


def is_compound_tail(folded: str) -> bool:
    """Whether a part ends a compound with the previous one: Allah, Zade (Nasr Allah, Rahim Zade)."""
    return folded in _ALLAH or _ZADE.match(folded) is not None


def canonical_suffix(folded: str) -> str:
    """The one spelling of the regional suffixes -zade, -ullah, -iddin, -jon, -boy."""
    for pattern, replacement in _SUFFIXES:
        folded = pattern.sub(replacement, folded)
    return folded


@lru_cache(maxsize=1 << 17)
def canonical_single(folded: str) -> str:
    """A written-as-one compound given name in the form gluing its parts gives: Abdulaziz -> abdaziz."""
    if _ABD_HEAD.match(folded):
        return "abd"  # Abdul, Abdel alone
    return canonical_suffix(_KUNYA_PREFIX.sub("abo", _ABD_PREFIX.sub("abd", folded)))


@lru_cache(maxsize=1 << 17)
def patronymic(folded: str) -> tuple[str, Gender] | None:
    """A Russian-style patronymic (Viktorovich, Viktorovna, Ilyinichna): the father's name and the gender."""
    match = _PATRONYMIC.search(folded)
    if match is None:
        return None
    gender = Gender.FEMALE if match.group(2) or match.group(3) else Gender.MALE
    return folded[: match.start()], gender


@lru_cache(maxsize=1 << 17)
def gendered_stem(folded: str) -> tuple[str, Gender | None]:
    """A surname with its gendered ending reduced (Ivanova -> ivanov, female), and the gender the ending shows."""
    for pattern, replacement, gender in _GENDERED:
        stem, count = pattern.subn(replacement, folded)
        if count:
            return (stem if replacement else folded), Gender(gender)
    return folded, None
