"""Made-up persons of the demo: names in several spellings and scripts, dates of birth as sources give them."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from kalkan.io.demo.names import ARABIC_SPELLINGS, KUNYAS, TRANSLITERATION_VARIANTS, Origin

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Identity:
    """The parts a person's names are made of; relatives share surname and father."""

    origin: Origin
    female: bool
    given: Pair
    surname: Pair  # male form
    father: Pair

    def _surname(self) -> Pair:
        return self.origin.female_surname(self.surname) if self.female else self.surname

    def _patronymic(self) -> Pair:
        latin, original = self.father
        return (latin + ("ovna" if self.female else "ovich"), original + ("овна" if self.female else "ович"))

    def full(self, script_index: int) -> str:
        """The full name in Latin (0) or in the original script (1)."""
        given, surname = self.given[script_index], self._surname()[script_index]
        if self.origin.slavic_style:
            return f"{surname} {given} {self._patronymic()[script_index]}"
        if self.origin.key == "ar":
            return f"{given} {self.father[script_index]} {surname}"
        return f"{given} {surname}"

    def short(self) -> str:
        """Given name and surname, in Latin, in the order Western lists use."""
        return f"{self.given[0]} {self._surname()[0]}"

    def holder_name(self) -> str:
        """As a travel document's machine-readable zone gives it: SURNAME GIVEN."""
        german = self.origin.key == "de"
        return f"{_ascii(self._surname()[0], german)} {_ascii(self.given[0], german)}".upper().replace("-", " ")


def draw_identity(rng: random.Random, origin: Origin, *, female: bool, relative: Identity | None = None) -> Identity:
    given = rng.choice(origin.female if female else origin.male)
    if relative is not None and relative.origin is origin:
        return Identity(origin, female, given, relative.surname, relative.father)
    father = rng.choice([name for name in origin.male if name != given])
    return Identity(origin, female, given, rng.choice(origin.surnames), father)


def names_of(rng: random.Random, person: Identity, *, fighter: bool, birth_surname: Pair | None = None) -> list[dict[str, Any]]:
    """Primary name in Latin, the original-script name, other spellings, aliases."""
    lang = person.origin.lang
    names: list[dict[str, Any]] = [{"value": person.full(0), "kind": "primary"}]
    if person.given[1]:
        names.append({"value": person.full(1), "kind": "original_script", "lang": lang})
    variant = _variant(rng, person)
    if variant and rng.random() < 0.7:
        names.append({"value": variant, "kind": "alias"})
    if rng.random() < 0.3 and person.short() != person.full(0):
        names.append({"value": person.short(), "kind": "alias"})
    if birth_surname is not None:
        names.append({"value": f"{person.origin.female_surname(birth_surname)[0]} {person.given[0]}", "kind": "birth_name"})
    if fighter and rng.random() < 0.6:
        kunya = rng.choice(KUNYAS)
        nisba = person.origin.nisba
        names.append({"value": f"{kunya[0]} {nisba[0]}", "kind": "weak_alias"})
        names.append({"value": f"{kunya[1]} {nisba[1]}", "kind": "weak_alias", "lang": "ar"})
    return names


def _variant(rng: random.Random, person: Identity) -> str | None:
    primary = person.full(0)
    if person.origin.slavic_style:
        rules = [(pattern, new) for pattern, new in TRANSLITERATION_VARIANTS if re.search(pattern, primary)]
        if not rules:
            return None
        pattern, new = rng.choice(rules)
        return re.sub(pattern, new, primary, count=1)
    if person.origin.key == "ar":
        spellings = ARABIC_SPELLINGS.get(person.given[0])
        variant = primary.replace(person.given[0], rng.choice(spellings), 1) if spellings else primary
        if variant == primary:
            variant = primary.replace("al-", rng.choice(["Al ", "el-", "Al-"]))
        return variant if variant != primary else None
    folded = _ascii(primary, german=person.origin.key == "de")
    return folded if folded != primary else None


def _ascii(text: str, german: bool) -> str:
    """Latin letters without diacritics, as machine-readable zones write them (German: ü -> ue)."""
    if german:
        text = text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("Ü", "Ue").replace("Ö", "Oe").replace("Ä", "Ae")
    text = text.replace("ı", "i").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def dates_of_birth(rng: random.Random, *, earliest: int = 1962, latest: int = 2003) -> list[dict[str, Any]]:
    """Exact, month or year only, approximate, a range, or two that sources disagree on."""
    year = rng.randint(earliest, latest)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    draw = rng.random()
    if draw < 0.55:
        return [{"value": f"{year}-{month:02d}-{day:02d}"}]
    if draw < 0.65:
        return [{"value": f"{year}-{month:02d}"}]
    if draw < 0.75:
        return [{"value": f"{year}"}]
    if draw < 0.85:
        return [{"kind": "approximate", "value": f"{year}", "margin_years": rng.choice([2, 3, 5])}]
    if draw < 0.93:
        return [{"kind": "range", "value": f"{year}", "until": f"{year + rng.randint(1, 3)}"}]
    other = year + rng.choice([-1, 1])
    return [{"value": f"{year}-{month:02d}-{day:02d}"}, {"value": f"{other}-{day % 12 + 1:02d}-{month:02d}"}]


_BUILDS = ("slim", "medium", "stocky", "athletic")
_MARKS = (
    "scar on the left cheek",
    "scar above the right eyebrow",
    "tattoo of a wolf on the right forearm",
    "tattoo of a dagger on the left hand",
    "missing the tip of the left index finger",
    "limps on the right leg",
    "gold upper front tooth",
    "birthmark on the neck",
)
_LANGUAGES = ("Russian", "Uzbek", "Tajik", "Kazakh", "Kyrgyz", "Arabic", "Turkish", "German", "English", "Dari")


def descriptions(rng: random.Random, person: Identity) -> list[str]:
    height = rng.randint(155, 172) if person.female else rng.randint(165, 192)
    out = [f"Height about {height} cm, {rng.choice(_BUILDS)} build."]
    if rng.random() < 0.4:
        out.append(f"Distinguishing mark: {rng.choice(_MARKS)}.")
    if rng.random() < 0.5:
        out.append(f"Speaks {', '.join(sorted(rng.sample(_LANGUAGES, 2)))}.")
    return out
