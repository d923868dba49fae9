"""Labels and messages in the user's language, from one JSON catalogue per language.

A catalogue maps a key (``nav.search``) to a text, which may name parameters
(``{count} records``). A key missing from a language falls back to English, and a key
missing from English shows as itself, so a gap is visible rather than fatal; a test holds
every catalogue to the same keys. Right-to-left languages (Arabic first) only need a
catalogue: the base template takes ``direction`` from here.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LANGUAGE = "en"

#: Languages with a catalogue, in the order the language menu shows them, with their own names.
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "ru": "Русский"}

RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


@cache
def catalogue(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        return {}
    text = resources.files("kalkan.web").joinpath("catalogues", f"{language}.json").read_text(encoding="utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


def pick_language(*choices: str | None) -> str:
    """The first choice that has a catalogue (``ru-RU`` counts as ``ru``), else English."""
    for choice in choices:
        if not choice:
            continue
        code = choice.strip().lower().split("-")[0].split("_")[0]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def from_accept_language(header: str | None) -> str | None:
    """The most preferred language of an ``Accept-Language`` header that has a catalogue."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        code, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        if weight > 0:
            ranked.append((-weight, position, code))
    for _, _, code in sorted(ranked):
        if pick_language(code) != DEFAULT_LANGUAGE or code.lower().startswith(DEFAULT_LANGUAGE):
            return pick_language(code)
    return None


class Translator:
    """``t("nav.search")``, ``t("search.found", count=3)``; callable from templates."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
        self._texts = catalogue(language)
        self._fallback = catalogue(DEFAULT_LANGUAGE)

    def __call__(self, key: str, **params: Any) -> str:
        text = self._texts.get(key) or self._fallback.get(key) or key
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self._texts or key in self._fallback

    def value(self, value: object) -> str:
        """The label of an enumerated value (``stolen``, ``member_of``), or the value itself."""
        key = f"value.{value}"
        return self(key) if self.has(key) else str(value).replace("_", " ")

    def number(self, value: int) -> str:
        """An integer with its thousands marked as the language writes them (12,345 / 12 345)."""
        grouped = f"{value:,}"
        return grouped if self.language == "en" else grouped.replace(",", "\u202f")

    def fault(self, text: str) -> str:
        """A fault message in the user's language where the catalogue knows it (as ``fault.TEXT``,
        or the text is itself a key such as ``search.birth_date_invalid``), else as written."""
        key = f"fault.{text}"
        if self.has(key):
            return self(key)
        return self(text) if " " not in text and self.has(text) else text
