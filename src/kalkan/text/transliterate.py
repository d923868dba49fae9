"""Latin forms of one name part in any script: readable spellings, and the sound strings keys are made of.

``token_forms`` is the one entry point: it reads which script a part is in (repairing a
Latin/Cyrillic look-alike mix such as "Иvанов" typed on two keyboards), picks the
transliterator, and returns the readable romanisations together with the folded sound
strings of ``phonetic`` from which ``conventions`` takes the loose key and the skeleton.
Parts in scripts without a transliterator here (Han, Hangul, Thai, Devanagari...) keep
their own letters as keys, so that they still match the same spelling in the same script.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from kalkan.text import alphabets, arabic, cyrillic
from kalkan.text.normalise import expand_latin, script_counts, strip_diacritics
from kalkan.text.phonetic import fold_sounds, latin_sounds

_CYRILLIC_LOOKALIKES: Final = "авекмнорстухіјѕ"
_LATIN_LOOKALIKES: Final = "abekmhopctyxijs"
_TO_LATIN: Final = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)
_TO_CYRILLIC: Final = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)


@dataclass(frozen=True, slots=True)
class TokenForms:
    """What one name part gives: its script, readable Latin spellings, and folded sound strings.

    ``folded`` is the sound string the loose key is taken from; ``consonantal`` the one the
    skeleton is taken from. They differ only for Arabic script, where a common name's usual
    spelling gives the vowels the letters lack.
    """

    script: str
    text: str
    readable: tuple[str, ...]
    folded: str
    consonantal: str


def resolve_script(part: str, hint: str | None = None) -> tuple[str, str]:
    """The script of a name part and the part itself, with Latin/Cyrillic look-alikes turned to the majority script."""
    if part.isascii():
        return "latin", part
    counts = script_counts(part)
    if not counts:
        return "latin", part
    if len(counts) == 1:
        return next(iter(counts)), part
    latin, cyrillic_count = counts.get("latin", 0), counts.get("cyrillic", 0)
    if latin and cyrillic_count:
        if cyrillic_count > latin or (cyrillic_count == latin and hint != "latin"):
            return "cyrillic", part.translate(_TO_CYRILLIC)
        return "latin", part.translate(_TO_LATIN)
    return max(counts, key=counts.__getitem__), part


def _ascii(text: str) -> str:
    return "".join(char for char in text if char.isascii() and char.isalnum())


def _unique(spellings: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(spelling for spelling in spellings if spelling))


@lru_cache(maxsize=1 << 17)
def token_forms(part: str, script: str, flavour: str = "") -> TokenForms:
    """The forms of one normalised name part, in a known script; ``flavour`` is the language for Cyrillic and Arabic script."""
    if script == "latin":
        readable = _unique([_ascii(strip_diacritics(part)), _ascii(expand_latin(part))])
        folded = fold_sounds(latin_sounds(part))
        return TokenForms(script, part, readable, folded, folded)
    if script == "cyrillic":
        lang = flavour or cyrillic.flavour(part)
        folded = fold_sounds(cyrillic.cyrillic_sounds(part, lang))
        return TokenForms(script, part, cyrillic.romanisations(part, lang), folded, folded)
    if script == "arabic":
        lang = flavour or arabic.flavour(part)
        consonantal = fold_sounds(arabic.arabic_sounds(part, lang))
        common = arabic.common_reading(part)
        folded = fold_sounds(latin_sounds(common)) if common is not None else consonantal
        return TokenForms(script, part, arabic.romanisations(part, lang), folded, consonantal)
    if script in alphabets.SCRIPTS:
        romanised = alphabets.romanise(part, script)
        folded = fold_sounds(latin_sounds(romanised))
        return TokenForms(script, part, _unique([romanised]), folded, folded)
    return TokenForms(script, part, (), part, part)
