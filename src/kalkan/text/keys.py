"""The comparison keys of one name: ``name_keys``.

A name becomes parts (Arabic-script words split at the article and at عبد/ابو), each part
its readable romanisations and folded sound strings (``transliterate``), then the
conventions of the region are applied across parts (``conventions``): compounds glued,
particles and patronymic markers flagged, suffixes given one spelling, gendered endings
reduced. What comes out, per part: readable Latin spellings, the loose key, the consonant
skeleton, the stem, the role and the gender; and per name, order-insensitive keys over its
core parts.
"""

from __future__ import annotations

from dataclasses import dataclass

from kalkan.text import arabic, cyrillic
from kalkan.text.conventions import (
    Gender,
    TokenRole,
    attached_marker,
    canonical_single,
    canonical_suffix,
    compound_head,
    gendered_stem,
    is_article,
    is_compound_head,
    is_compound_tail,
    is_marker,
    is_particle,
    patronymic,
)
from kalkan.text.normalise import name_parts, normalise_name
from kalkan.text.phonetic import loose_of, skeleton_of
from kalkan.text.transliterate import resolve_script, token_forms


@dataclass(slots=True)
class Piece:
    """One name part while the rules of a name are applied to it (mutable; ``_token`` freezes it)."""

    text: str
    script: str
    readable: tuple[str, ...]
    folded: str
    consonantal: str
    hyphen_after: bool = False
    role: TokenRole = TokenRole.NAME
    glued: bool = False


@dataclass(frozen=True, slots=True)
class NameToken:
    """One part of a name and its keys.

    ``text`` is the part as written (normalised; the parts of a glued compound joined by a
    space); ``script`` one of the values of ``kalkan.model.names.Script``; ``stem`` the loose
    key without a gendered or patronymic ending (the father's name for a patronymic).
    """

    text: str
    script: str
    readable: tuple[str, ...]
    loose: str
    skeleton: str
    stem: str
    role: TokenRole
    gender: Gender | None

    @property
    def is_core(self) -> bool:
        """Whether the part names the person (not a particle, marker, patronymic or initial)."""
        return self.role is TokenRole.NAME


@dataclass(frozen=True, slots=True)
class NameKeys:
    """The keys of one name: its parts in written order, and readable spellings of the whole name."""

    text: str
    tokens: tuple[NameToken, ...]
    readable: tuple[str, ...]

    @property
    def loose(self) -> tuple[str, ...]:
        return tuple(token.loose for token in self.tokens)

    @property
    def skeleton(self) -> tuple[str, ...]:
        return tuple(token.skeleton for token in self.tokens)

    @property
    def core(self) -> tuple[NameToken, ...]:
        """The parts that name the person; all parts if none does."""
        core = tuple(token for token in self.tokens if token.is_core)
        return core if core else self.tokens

    @property
    def loose_key(self) -> str:
        """The distinct loose keys of the core parts, sorted: the same for any order of the parts."""
        return " ".join(sorted({token.loose for token in self.core} - {""}))

    @property
    def skeleton_key(self) -> str:
        """The distinct skeletons of the core parts, sorted (a part of only vowels has none: left out)."""
        return " ".join(sorted({token.skeleton for token in self.core} - {""}))

    @property
    def stem_key(self) -> str:
        """The distinct stems of the core parts, sorted: Ivanov and Ivanova share it."""
        return " ".join(sorted({token.stem for token in self.core} - {""}))


def name_keys(text: str, script: str | None = None, lang: str | None = None) -> NameKeys:
    """The comparison keys of a name in any script.

    ``script`` (a ``Script`` value) breaks ties where a part mixes Latin and Cyrillic
    look-alikes; ``lang`` (ISO 639-1, e.g. "uz", "kk", "tg", "fa") picks the romanisation a
    document of that language uses; by default both are read from the letters. Raises
    ValueError for an empty name, one without letters, or one that is too long.
    """
    normalised = normalise_name(text)
    pieces = _pieces(normalised, script, lang)
    readable = _readable(pieces)
    _glue(pieces)
    _assign_roles(pieces)
    return NameKeys(normalised, tuple(_token(piece) for piece in pieces), readable)


def _pieces(normalised: str, hint: str | None, lang: str | None) -> list[Piece]:
    parts: list[tuple[str, str, bool]] = []
    for part, hyphen_after in name_parts(normalised):
        script, part = resolve_script(part, hint)
        if script == "arabic":
            split = arabic.split_parts(part)
            last = len(split) - 1
            parts.extend((sub, script, hyphen_after if index == last else sub == arabic.ARTICLE) for index, sub in enumerate(split))
        elif (attached := attached_marker(part)) is not None:
            parts.extend([(attached[0], script, False), (attached[1], script, hyphen_after)])
        else:
            parts.append((part, script, hyphen_after))
    flavours = {
        "cyrillic": cyrillic.flavour(normalised, lang) if any(s == "cyrillic" for _, s, _ in parts) else "",
        "arabic": arabic.flavour(normalised, lang) if any(s == "arabic" for _, s, _ in parts) else "",
    }
    pieces = []
    for part, script, hyphen_after in parts:
        forms = token_forms(part, script, flavours.get(script, ""))
        pieces.append(Piece(part, script, forms.readable, forms.folded, forms.consonantal, hyphen_after))
    return pieces


def _readable(pieces: list[Piece]) -> tuple[str, ...]:
    """Readable spellings of the whole name: the first romanisation of every part, then the second..."""
    depth = max((len(piece.readable) for piece in pieces), default=0)
    spellings: list[str] = []
    for level in range(max(depth, 1)):
        words: list[str] = []
        for index, piece in enumerate(pieces):
            word = piece.readable[min(level, len(piece.readable) - 1)] if piece.readable else piece.text
            if piece.text == arabic.ARTICLE and index + 1 < len(pieces):
                word = arabic.article_reading(pieces[index + 1].text)
            words.append(word + ("-" if piece.hyphen_after and index + 1 < len(pieces) else " "))
        spelling = "".join(words).strip()
        if spelling not in spellings:
            spellings.append(spelling)
    return tuple(spellings)


def _following(pieces: list[Piece], index: int) -> str | None:
    return pieces[index + 1].folded if index + 1 < len(pieces) else None


def _glue(pieces: list[Piece]) -> None:
    """Join compound given names into one piece, in place; give every piece its one suffix spelling."""
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        end = _compound_end(pieces, index)
        if end is not None:
            head, tail = compound_head(piece.folded), pieces[end]
            _merge(pieces, index, end, head + tail.folded, head + tail.consonantal)
        elif index > 0 and not is_particle(pieces[index - 1].folded) and _is_tail(pieces, index):
            start = index - 2 if is_article(pieces[index - 1].folded, piece.folded) else index - 1
            previous = pieces[start]
            _merge(pieces, start, index, previous.folded + piece.folded, previous.consonantal + piece.consonantal)
            index = start
        else:
            if not piece.glued:
                piece.folded = canonical_single(piece.folded)
                piece.consonantal = canonical_single(piece.consonantal)
            index += 1


def _compound_end(pieces: list[Piece], index: int) -> int | None:
    """Where a compound that this piece heads ends (Abd al-Aziz: at Aziz), or None if it heads none."""
    if not is_compound_head(pieces[index].folded) or index + 1 >= len(pieces):
        return None
    end = index + 1
    while end + 1 < len(pieces) and is_article(pieces[end].folded, _following(pieces, end)):
        end += 1
    tail = pieces[end].folded
    return None if is_particle(tail) or is_marker(tail) or len(pieces[end].text) == 1 else end


def _is_tail(pieces: list[Piece], index: int) -> bool:
    """Whether this piece ends a compound: Allah or Zade after a name, Din after an article."""
    folded = pieces[index].folded
    if is_compound_tail(folded):
        return not is_article(pieces[index - 1].folded, folded) or index >= 2
    return folded == "din" and index >= 2 and is_article(pieces[index - 1].folded, folded)


def _merge(pieces: list[Piece], start: int, end: int, folded: str, consonantal: str) -> None:
    span = pieces[start : end + 1]
    merged = Piece(
        text=" ".join(piece.text for piece in span),
        script=span[-1].script,
        readable=(" ".join(piece.readable[0] if piece.readable else piece.text for piece in span),),
        folded=canonical_suffix(folded),
        consonantal=canonical_suffix(consonantal),
        hyphen_after=span[-1].hyphen_after,
        glued=True,
    )
    pieces[start : end + 1] = [merged]


def _assign_roles(pieces: list[Piece]) -> None:
    for index, piece in enumerate(pieces):
        following = _following(pieces, index)
        if len(piece.text) == 1 and piece.text.isalpha():
            piece.role = TokenRole.INITIAL
        elif is_particle(piece.folded) or is_article(piece.folded, following):
            piece.role = TokenRole.PARTICLE
        elif index > 0 and is_marker(piece.folded):
            piece.role = TokenRole.PATRONYMIC_MARKER
            if pieces[index - 1].role is TokenRole.NAME:
                pieces[index - 1].role = TokenRole.PATRONYMIC
    names = [piece for piece in pieces if piece.role is TokenRole.NAME]
    if len(names) >= 3:
        for piece in names[1:]:
            if patronymic(piece.folded) is not None:
                piece.role = TokenRole.PATRONYMIC


def _token(piece: Piece) -> NameToken:
    gender: Gender | None = None
    stem = piece.folded
    if piece.role is TokenRole.PATRONYMIC and (father := patronymic(piece.folded)) is not None:
        stem, gender = father
    elif piece.role is TokenRole.NAME:
        stem, gender = gendered_stem(piece.folded)
    return NameToken(
        text=piece.text,
        script=piece.script,
        readable=piece.readable,
        loose=loose_of(piece.folded),
        skeleton=skeleton_of(piece.consonantal),
        stem=loose_of(stem),
        role=piece.role,
        gender=gender,
    )
