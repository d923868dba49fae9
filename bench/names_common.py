"""What the name benchmarks share: where the data is, the OFAC list as records, small helpers."""

from __future__ import annotations

import csv
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"

_ALIAS = re.compile(r"\b(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'([^']+)'")
_DOB = re.compile(r"\bDOB (?:circa )?((?:\d{1,2} )?(?:[A-Z][a-z]{2} )?\d{4})")
_MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}


def need(path: Path) -> Path:
    """The path, or exit naming the file that is missing."""
    if not path.exists():
        sys.exit(f"missing data file: {path} (see shared/data/README.md for where it comes from)")
    return path


def machine() -> str:
    processor = platform.processor() or "cpu"
    return f"{platform.machine()}, {processor}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


@dataclass
class Entry:
    """One OFAC SDN entry: its number, kind, names (primary first) and dates of birth (partial ISO dates)."""

    number: str
    kind: str  # person | organisation
    names: list[str]
    birth_dates: list[str]


def _primary(name: str, kind: str) -> str:
    if kind == "person" and name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        return f"{first} {last}"
    return name.strip()


def _iso(text: str) -> str | None:
    parts = text.split()
    try:
        if len(parts) == 3:
            return f"{int(parts[2]):04d}-{_MONTHS[parts[1]]:02d}-{int(parts[0]):02d}"
        if len(parts) == 2:
            return f"{int(parts[1]):04d}-{_MONTHS[parts[0]]:02d}"
        return f"{int(parts[0]):04d}"
    except (KeyError, ValueError):
        return None


def read_ofac(path: Path) -> list[Entry]:
    """Entries of the official headerless sdn.csv; aliases and dates of birth read out of the remarks."""
    entries = []
    with need(path).open(encoding="latin-1", newline="") as file:
        for row in csv.reader(file):
            if len(row) < 12 or not row[0].strip().isdigit():
                continue
            kind = "person" if row[2].strip().lower() == "individual" else "organisation"
            remarks = row[11] if row[11].strip() != "-0-" else ""
            names = [_primary(row[1], kind)] + [_primary(alias, kind) for alias in _ALIAS.findall(remarks)]
            births = [iso for iso in (_iso(match) for match in _DOB.findall(remarks)) if iso]
            entries.append(Entry(row[0].strip(), kind, list(dict.fromkeys(n for n in names if n)), births))
    return entries


def country_code(name: str) -> str | None:
    try:
        return str(pycountry.countries.lookup(name).alpha_3)
    except LookupError:
        return None


def typo(text: str, seed: int) -> str:
    """One letter of the longest part changed, dropped, or doubled; deterministic for a seed."""
    words = text.split()
    index = max(range(len(words)), key=lambda i: (len(words[i]), -i))
    word = words[index]
    if len(word) < 4:
        return text
    position = 1 + seed % (len(word) - 2)
    match seed % 3:
        case 0:
            replacement = "e" if word[position].lower() != "e" else "a"
            word = word[:position] + replacement + word[position + 1 :]
        case 1:
            word = word[:position] + word[position + 1 :]
        case _:
            word = word[:position] + word[position] + word[position:]
    words[index] = word
    return " ".join(words)
