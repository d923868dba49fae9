"""A name made ready for matching: its parts, each with its keys, role and weight.

``prepare_name`` runs ``kalkan.text.name_keys`` and gives each part a weight: the parts that
name the person count fully, a patronymic half, particles (al-, bin, van), patronymic
markers (o'g'li, kyzy) and the legal forms and function words of organisation names
("LLC", "of", "the") hardly at all, an initial a little. The same parts, stored as
integer ids, are what the index holds for every record name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from kalkan.text import TokenRole, latin_loose, name_keys
from kalkan.text.normalise import script_counts


class PartRole(IntEnum):
    """A part's role, as one byte in the index."""

    NAME = 0
    PARTICLE = 1
    PATRONYMIC_MARKER = 2
    PATRONYMIC = 3
    INITIAL = 4
    ORGANISATION_WORD = 5  # a legal form or a function word of an organisation name


_FROM_TEXT_ROLE: Final = {
    TokenRole.NAME: PartRole.NAME,
    TokenRole.PARTICLE: PartRole.PARTICLE,
    TokenRole.PATRONYMIC_MARKER: PartRole.PATRONYMIC_MARKER,
    TokenRole.PATRONYMIC: PartRole.PATRONYMIC,
    TokenRole.INITIAL: PartRole.INITIAL,
}

#: How much each role counts in a name's similarity.
ROLE_WEIGHTS: Final = {
    PartRole.NAME: 1.0,
    PartRole.PARTICLE: 0.15,
    PartRole.PATRONYMIC_MARKER: 0.1,
    PartRole.PATRONYMIC: 0.8,
    PartRole.INITIAL: 0.3,
    PartRole.ORGANISATION_WORD: 0.1,
}

#: Words that say what kind of body an organisation is, not which one (legal forms, function words).
_ORGANISATION_SPELLINGS: Final = (
    "ltd limited llc llp lp inc incorporated co corp corporation company compania companhia gmbh ag kg sa sarl srl spa bv nv"
    " ab as oy plc pjsc ojsc cjsc jsc zao oao ooo pao tov fze fzco fzc fzllc sdn bhd pte pvt and of the for et y i ve va"
    " de du des la le el al a an trading group holding holdings international open closed public joint stock liability"
    " aktiengesellschaft gesellschaft mbh societatea cu raspundere limitata sp z o oo akcionernoe obshchestvo"
    " общество ограниченной ответственностью акционерное открытое закрытое публичное ооо оао зао пао ао тоо"
)
ORGANISATION_WORDS: Final = frozenset(_ORGANISATION_SPELLINGS.split()) | {
    latin_loose(word) for word in _ORGANISATION_SPELLINGS.split() if word.isascii()
}


class NameInputError(ValueError):
    """A name that cannot be matched: empty, only punctuation, too long, or mixing scripts in one part."""


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a name as the scorer compares it."""

    text: str
    plain: str
    loose: str
    skeleton: str
    stem: str
    role: PartRole
    arabic: bool

    @property
    def weight(self) -> float:
        return ROLE_WEIGHTS[self.role]


@dataclass(frozen=True, slots=True)
class PreparedName:
    """A name and its parts, in written order."""

    text: str
    parts: tuple[Part, ...]

    @property
    def weight(self) -> float:
        return sum(part.weight for part in self.parts)


def prepare_name(text: str, *, organisation: bool = False, script: str | None = None, lang: str | None = None) -> PreparedName:
    """The parts of a name in any script, with their keys and roles.

    Raises NameInputError (a ValueError) for an empty name, one of only punctuation, one
    longer than the longest name accepted, or a part that mixes the letters of two scripts
    beyond the Latin/Cyrillic look-alikes that ``kalkan.text`` repairs.
    """
    try:
        keys = name_keys(text, script, lang)
    except ValueError as error:
        raise NameInputError(str(error)) from None
    parts = []
    for token in keys.tokens:
        _refuse_mixed(token.text, token.script)
        role = _FROM_TEXT_ROLE[token.role]
        loose = token.loose
        if role is PartRole.INITIAL:  # compared by its first letter as read, not as a sound
            loose = (token.readable[0] if token.readable else token.text)[:1]
        elif organisation and role is PartRole.NAME and (loose in ORGANISATION_WORDS or token.text in ORGANISATION_WORDS):
            role = PartRole.ORGANISATION_WORD
        plain = token.readable[0] if token.readable else token.text
        parts.append(Part(token.text, plain, loose, token.skeleton, token.stem, role, token.script == "arabic"))
    return PreparedName(keys.text, tuple(parts))


def _refuse_mixed(text: str, script: str) -> None:
    for word in text.split():
        counts = script_counts(word)
        if len(counts) > 1:
            scripts = " and ".join(sorted(counts))
            # Look-alikes were already turned to the part's script: what is left is two real scripts.
            if set(counts) - {script, "latin", "cyrillic"} or (counts.get("latin", 0) and counts.get("cyrillic", 0)):
                raise NameInputError(f"name part {word!r} mixes {scripts} letters; write each part in one script")
