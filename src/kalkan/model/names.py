"""Names of persons and organisations, each with its script and kind."""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class NameKind(StrEnum):
    PRIMARY = "primary"
    ALIAS = "alias"
    WEAK_ALIAS = "weak_alias"
    ORIGINAL_SCRIPT = "original_script"
    BIRTH_NAME = "birth_name"


class Script(StrEnum):
    LATIN = "latin"
    CYRILLIC = "cyrillic"
    ARABIC = "arabic"
    GREEK = "greek"
    GEORGIAN = "georgian"
    ARMENIAN = "armenian"
    HEBREW = "hebrew"
    HAN = "han"
    OTHER = "other"
    MIXED = "mixed"


_SCRIPT_PREFIXES: tuple[tuple[str, Script], ...] = (
    ("LATIN", Script.LATIN),
    ("CYRILLIC", Script.CYRILLIC),
    ("ARABIC", Script.ARABIC),
    ("GREEK", Script.GREEK),
    ("GEORGIAN", Script.GEORGIAN),
    ("ARMENIAN", Script.ARMENIAN),
    ("HEBREW", Script.HEBREW),
    ("CJK", Script.HAN),
)


def letter_script(char: str) -> Script | None:
    """The script of one letter, or None for anything that is not a letter."""
    if not unicodedata.category(char).startswith("L"):
        return None
    name = unicodedata.name(char, "")
    if name.startswith("MODIFIER LETTER"):
        return None  # shared by scripts: the Uzbek okina in "Gʻulomov", the apostrophe in "Марʼяна"
    for prefix, script in _SCRIPT_PREFIXES:
        if name.startswith(prefix):
            return script
    return Script.OTHER


def detect_script(text: str) -> Script:
    """The script of a name: the one script all its letters share, or MIXED."""
    found = {s for s in map(letter_script, text) if s is not None}
    if not found:
        raise ValueError("name has no letters")
    if len(found) > 1:
        return Script.MIXED
    return found.pop()


MAX_NAME_LENGTH = 300


class Name(BaseModel):
    """One name as written: its text, its script (detected when not given) and its kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    kind: NameKind = NameKind.PRIMARY
    script: Script | None = None
    lang: str | None = Field(default=None, max_length=8, description="language of the spelling, e.g. 'uz' or 'ru'")

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: object) -> object:
        if isinstance(data, str):
            data = {"value": data}
        if isinstance(data, dict) and isinstance(data.get("value"), str):
            data = dict(data)
            data["value"] = " ".join(unicodedata.normalize("NFC", data["value"]).split())
        return data

    @model_validator(mode="after")
    def _fill_script(self) -> Self:
        detected = detect_script(self.value)
        if self.script is None:
            object.__setattr__(self, "script", detected)
        return self
