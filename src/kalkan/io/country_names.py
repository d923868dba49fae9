"""Country names and codes as published lists write them -> ISO 3166-1 alpha-3 (or an ICAO code).

The UN writes "Iran (Islamic Republic of)" and "Democratic Republic of the Congo", OFAC
"Iran", "Korea, North" and "Congo, Democratic Republic of the", FollowTheMoney "ir" and
"xk". pycountry knows the ISO names; names are compared in a normal form (no accents, no
case, no punctuation, "A, B" and "A (B)" read as "B A", without "the" and "and"), and the
short table below adds the names ISO does not use. A name that stays unknown gives None:
the caller keeps the text and says so, it never guesses.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pycountry

from kalkan.model.countries import is_known_code

#: Names (in normal form) that ISO 3166 does not give, as UN and OFAC lists write them.
_EXTRA_NAMES: dict[str, str] = {
    "burma": "MMR",
    "russia": "RUS",
    "north korea": "PRK",
    "south korea": "KOR",
    "turkey": "TUR",
    "palestine": "PSE",
    "palestinian": "PSE",
    "occupied palestinian territory": "PSE",
    "kosovo": "RKS",
    "macau": "MAC",
    "brunei": "BRN",
    "cape verde": "CPV",
    "micronesia": "FSM",
    "swaziland": "SWZ",
    "holy see": "VAT",
    "vatican": "VAT",
    "ivory coast": "CIV",
    "east timor": "TLS",
    "vietnam": "VNM",
    "laos": "LAO",
    "syria": "SYR",
    "czechia": "CZE",
    "kyrgyz republic": "KGZ",
    "slovak republic": "SVK",
    "democratic republic of congo": "COD",
    "congo kinshasa": "COD",
    "republic of congo": "COG",
    "congo brazzaville": "COG",
    "united states of america": "USA",
    "usa": "USA",
    "great britain": "GBR",
    "uk": "GBR",
    "sint maarten": "SXM",
    "saint martin": "MAF",
    "st kitts nevis": "KNA",
    "st lucia": "LCA",
    "st vincent grenadines": "VCT",
    "bosnia herzegovina": "BIH",
    "united republic of tanzania": "TZA",
    "republic of moldova": "MDA",
    "macedonia": "MKD",
}

#: FollowTheMoney's country codes that are not ISO 3166-1 alpha-2.
_EXTRA_ALPHA2: dict[str, str] = {"xk": "RKS"}

_DROPPED_WORDS = frozenset({"the", "and"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_BRACKETED = re.compile(r"^(.*?)\s*\((.*)\)\s*$")


def normal_form(name: str) -> str:
    """The form names are compared in: ``"Iran (Islamic Republic of)"`` -> ``"islamic republic of iran"``."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().strip()
    bracketed = _BRACKETED.match(text)
    if bracketed and bracketed[1]:
        text = f"{bracketed[2]} {bracketed[1]}"
    head, comma, tail = text.partition(",")
    if comma and "," not in tail:
        text = f"{tail} {head}"
    words = [w for w in _NOT_WORD.split(text.replace("'", "")) if w and w not in _DROPPED_WORDS]
    return " ".join(words)


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                index.setdefault(normal_form(value), country.alpha_3)
    index.update(_EXTRA_NAMES)
    return index


def code_of_name(name: str) -> str | None:
    """The alpha-3 code of a country name (or an alpha-3 code itself), or None when unknown."""
    text = name.strip()
    if not text:
        return None
    if len(text) == 3 and text.isupper() and is_known_code(text):
        return text
    return _index().get(normal_form(text))


def code_of_alpha2(code: str) -> str | None:
    """``"ru"`` -> ``"RUS"``; None for codes of no present state (``"suhh"``, ``"zz"``)."""
    text = code.strip().lower()
    if text in _EXTRA_ALPHA2:
        return _EXTRA_ALPHA2[text]
    if len(text) != 2:
        return None
    country = pycountry.countries.get(alpha_2=text.upper())
    return str(country.alpha_3) if country is not None else None
