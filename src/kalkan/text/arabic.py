"""Arabic-script name parts (Arabic, Persian, Urdu, Pashto): split, read aloud as far as the letters tell, romanise.

Short vowels are not written, so a Latin key cannot be recovered from the letters alone:
the consonant skeleton (``phonetic.skeleton_of``) is the key that Latin and Arabic spellings
share. و and ي are read as consonants (w/v, y) at the start, before a vowel letter or a
vowel mark, and after alif; elsewhere as the long vowels u and i. Vowel marks, where a text
has them, are read. A small table of the commonest name parts gives their usual spelling.
Persian and Urdu read some letters differently (ث s, ذ z, ض z, و v); ``flavour`` tells them
apart by the letters only they use (پ چ ژ گ ی ک ے ٹ ڈ ڑ).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from kalkan.text.arabic_names import COMMON_NAMES

_PERSIAN_LETTERS: Final = "پچژگیکۀےٹڈڑںھ"
ARTICLE: Final = "ال"
_ARTICLE_EXCEPTIONS: Final = frozenset({"الله", "الياس", "اليسع", "الهام", "الماس", "الیاس", "الفت"})
_SUN_LETTERS: Final = frozenset("تثدذرزسشصضطظلن")
_HEADS: Final = ("عبد", "ابو", "أبو")
_ALLAH: Final = "الله"

_VOWEL_LETTERS: Final = frozenset("اىةآأإ")
_MARKS: Final = {"\u064e": "a", "\u064f": "u", "\u0650": "i", "\u0670": "a"}  # fatha, damma, kasra, dagger alif
_SHADDA: Final = "\u0651"
_SILENT_MARKS: Final = frozenset("\u064b\u064c\u064d\u0652\u0653\u0654\u0655")  # tanwin, sukun, madda, hamza marks

# Each letter's sound in the internal alphabet of ``phonetic`` and its readable spelling.
_LETTERS: Final = {
    "ب": ("b", "b"),
    "ت": ("t", "t"),
    "ث": ("Q", "th"),
    "ج": ("J", "j"),
    "ح": ("h", "h"),
    "خ": ("h", "kh"),
    "د": ("d", "d"),
    "ذ": ("z", "dh"),
    "ر": ("r", "r"),
    "ز": ("z", "z"),
    "س": ("s", "s"),
    "ش": ("S", "sh"),
    "ص": ("s", "s"),
    "ض": ("d", "d"),
    "ط": ("t", "t"),
    "ظ": ("z", "z"),
    "ع": ("", "'"),
    "غ": ("g", "gh"),
    "ف": ("f", "f"),
    "ق": ("k", "q"),
    "ك": ("k", "k"),
    "ل": ("l", "l"),
    "م": ("m", "m"),
    "ن": ("n", "n"),
    "ه": ("h", "h"),
    "ة": ("a", "a"),
    "ى": ("a", "a"),
    "ء": ("", "'"),
    "ؤ": ("", "'"),
    "ئ": ("", "'"),
    "ا": ("a", "a"),
    "أ": ("a", "a"),
    "إ": ("i", "i"),
    "آ": ("a", "a"),
    "ٱ": ("a", "a"),
    "پ": ("p", "p"),
    "چ": ("C", "ch"),
    "ژ": ("J", "zh"),
    "گ": ("g", "g"),
    "ک": ("k", "k"),
    "ڤ": ("v", "v"),
    "ۀ": ("e", "eh"),
    "ٹ": ("t", "t"),
    "ڈ": ("d", "d"),
    "ڑ": ("r", "r"),
    "ں": ("n", "n"),
    "ھ": ("h", "h"),
    "ۃ": ("a", "a"),
    "ځ": ("z", "dz"),
    "څ": ("ts", "ts"),
    "ډ": ("d", "d"),
    "ړ": ("r", "r"),
    "ږ": ("J", "zh"),
    "ښ": ("S", "sh"),
    "ګ": ("g", "g"),
    "ڼ": ("n", "n"),
    "ې": ("e", "e"),
}
_PERSIAN_READINGS: Final = {"ث": ("s", "s"), "ذ": ("z", "z"), "ض": ("z", "z"), "ظ": ("z", "z"), "ة": ("e", "e")}
_INITIAL: Final = {"ع": ("a", "'a"), "ا": ("a", "a"), "أ": ("a", "a")}
_SAME_LETTER: Final = str.maketrans({"ی": "ي", "ک": "ك", "ە": "ه", "ے": "ي"})
_WITHOUT_MARKS: Final = str.maketrans({"ی": "ي", "ک": "ك", "ە": "ه", "ے": "ي", **dict.fromkeys([*_MARKS, _SHADDA, *_SILENT_MARKS])})


def flavour(text: str, lang: str | None = None) -> str:
    """ "fa" where the name is Persian, Urdu or Pashto (by ``lang`` or by the letters only they use), else "ar"."""
    if lang in ("fa", "ur", "ps", "prs", "tg"):
        return "fa"
    if lang == "ar":
        return "ar"
    return "fa" if any(letter in text for letter in _PERSIAN_LETTERS) else "ar"


def split_parts(token: str) -> list[str]:
    """A written word as its name parts: the article, ``عبد`` and ``ابو`` apart; ``الله`` after a name apart."""
    for head in _HEADS:
        if token.startswith(head) and len(token) - len(head) >= 2 + (head != "عبد"):
            return [head, *split_parts(token[len(head) :])]
    if token.startswith(ARTICLE) and len(token) >= 4 and token not in _ARTICLE_EXCEPTIONS:
        return [ARTICLE, *split_parts(token[len(ARTICLE) :])]
    if token.endswith(_ALLAH) and len(token) >= len(_ALLAH) + 2:
        return [token[: -len(_ALLAH)], _ALLAH]
    return [token]


def article_reading(following: str) -> str:
    """The article before a word, as spoken: ``al``, or assimilated to a sun letter (``ar`` Rahman, ``ash`` Shams)."""
    first = following[:1]
    if first in _SUN_LETTERS:
        return "a" + _LETTERS[first][1]
    return "al"


def _is_consonant_glide(token: str, index: int) -> bool:
    """Whether و or ي at this index is a consonant (w/v, y) rather than a long vowel (u, i)."""
    if index == 0:
        return True
    following = token[index + 1] if index + 1 < len(token) else ""
    previous = token[index - 1]
    return following in _VOWEL_LETTERS or following in _MARKS or following == _SHADDA or previous in "اآ"


def _read(token: str, lang: str) -> tuple[str, str]:
    """The internal sound string and the letter-by-letter readable spelling of one Arabic-script part."""
    sounds: list[str] = []
    spelling: list[str] = []
    consonant_sound = ("", "")
    after_consonant = 0  # where a shadda puts the second consonant: before the vowel mark that may follow it
    last = len(token) - 1
    for index, char in enumerate(token):
        if char == "ش" and index > 0 and token[index - 1] == "ت":
            continue  # تش is how Arabic writes ch (Charles, Mitchell): read with the ت
        if char in _MARKS:
            sounds.append(_MARKS[char])
            spelling.append(_MARKS[char])
            continue
        if char == _SHADDA:
            sounds.insert(after_consonant, consonant_sound[0])
            spelling.insert(after_consonant, consonant_sound[1])
            after_consonant += 1
            continue
        if char in _SILENT_MARKS:
            continue
        base = char.translate(_SAME_LETTER)
        if base in "وي":
            consonant = _is_consonant_glide(token, index)
            if base == "و":
                sound = ("v" if consonant else "u", ("v" if lang == "fa" else "w") if consonant else "u")
            else:
                sound = ("y", "y") if consonant and index != last else ("i", "i")
        elif base == "ت" and token[index + 1 : index + 2] == "ش":
            sound = ("C", "ch")
        elif index == 0 and base in _INITIAL:
            sound = _INITIAL[base]
        elif base == "ه" and index == last and lang == "fa" and index > 0 and token[index - 1] not in "اويی":
            sound = ("e", "eh")
        elif lang == "fa" and base in _PERSIAN_READINGS:
            sound = _PERSIAN_READINGS[base]
        else:
            sound = _LETTERS.get(base, ("", ""))
        sounds.append(sound[0])
        spelling.append(sound[1])
        consonant_sound = sound
        after_consonant = len(sounds)
    return "".join(sounds), "".join(spelling)


@lru_cache(maxsize=1 << 16)
def arabic_sounds(token: str, lang: str = "ar") -> str:
    """The internal sound string of one Arabic-script name part (after ``split_parts``)."""
    if token == _ALLAH:
        return "allah"
    return _read(token, lang)[0]


@lru_cache(maxsize=1 << 16)
def romanisations(token: str, lang: str = "ar") -> tuple[str, ...]:
    """Readable spellings of one Arabic-script name part: its usual spelling if it is a common name, and the letters read aloud."""
    spellings: list[str] = []
    common = common_reading(token)
    if common is not None:
        spellings.append(common)
    if token == ARTICLE:
        return ("al",)
    letters = _read(token, lang)[1].strip("'")
    if letters and letters not in spellings:
        spellings.append(letters)
    return tuple(spellings)


def common_reading(token: str) -> str | None:
    """The usual Latin spelling of a common Arabic-script name part (with or without vowel marks), or None."""
    return COMMON_NAMES.get(token.translate(_WITHOUT_MARKS))
