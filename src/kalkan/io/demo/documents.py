"""The demo's stolen, lost and revoked travel documents: persons' own, strangers', and stolen blanks."""

from __future__ import annotations

import random
from datetime import date, timedelta

from kalkan.io.demo.agencies import BUREAU_OF_STATE
from kalkan.io.demo.builder import REFERENCE_DAY, Builder, DemoRecord
from kalkan.io.demo.names import ORIGINS
from kalkan.io.demo.people import draw_identity
from kalkan.model.records import Person, PersonCategory

DOCUMENTS = 800
BLANK_SERIES = 4
BLANKS_PER_SERIES = 20

FIGHTER_CATEGORIES = frozenset({PersonCategory.TERRORISM, PersonCategory.FOREIGN_TERRORIST_FIGHTER})

_ORIGIN_OF_STATE = {"UZB": "uz", "KAZ": "kz", "TJK": "tj", "KGZ": "kg", "TUR": "tr", "DEU": "de"}
_STATE_WEIGHTS = {"UZB": 5, "KAZ": 4, "TJK": 4, "KGZ": 3, "TUR": 3, "DEU": 2}
_GERMAN_ALPHABET = "CFGHJKLMNPRTVWXYZ0123456789"  # German passport numbers use no vowels and no B, D, Q, S


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def document_number(rng: random.Random, state: str, document_type: str) -> str:
    """A number in the pattern the issuing state uses for that kind of document."""
    card = document_type == "identity_card"
    patterns = {
        "UZB": lambda: ("AD" if card else rng.choice(["AA", "AB", "AC", "FA", "FB"])) + _digits(rng, 7),
        "KAZ": lambda: _digits(rng, 9) if card else "N" + _digits(rng, 8),
        "TJK": lambda: "4" + _digits(rng, 8),
        "KGZ": lambda: ("ID" if card else rng.choice(["AC", "AN", "PE"])) + _digits(rng, 7),
        "RUS": lambda: _digits(rng, 10) if card else "75" + _digits(rng, 7),
        "TUR": lambda: ("A" + _digits(rng, 2) + rng.choice("BCDEFGH") + _digits(rng, 5)) if card else "U" + _digits(rng, 8),
        "DEU": lambda: rng.choice("CFGHJK") + "".join(rng.choice(_GERMAN_ALPHABET) for _ in range(8)),
        "SYR": lambda: "N" + _digits(rng, 9),
        "IRQ": lambda: "A" + _digits(rng, 8),
        "JOR": lambda: rng.choice("NPR") + _digits(rng, 6),
    }
    return patterns.get(state, lambda: _digits(rng, 9))()


def _validity(builder: Builder) -> tuple[date, date, date]:
    issued = builder.day_between(date(2013, 1, 1), date(2024, 6, 30))
    expires = issued.replace(year=issued.year + 10) - timedelta(days=1)
    reported = builder.day_between(issued + timedelta(days=30), REFERENCE_DAY - timedelta(days=1))
    return issued, expires, reported


def add_documents(builder: Builder, size: float) -> None:
    total = max(8, round(DOCUMENTS * size))
    series = min(BLANK_SERIES, max(1, round(BLANK_SERIES * size)))
    per_series = max(2, round(BLANKS_PER_SERIES * min(size, 1.0)))
    held = _add_holders_documents(builder, limit=total // 2)
    for _ in range(series):
        _add_blank_series(builder, per_series)
    for _ in range(max(0, total - held - series * per_series)):
        _add_strangers_document(builder)


def _add_holders_documents(builder: Builder, limit: int) -> int:
    rng = builder.rng
    made = 0
    for person in builder.of_kind("person"):
        if made >= limit:
            break
        if person.identity is None or not isinstance(person.record, Person):
            continue
        fighter = bool(FIGHTER_CATEGORIES & set(person.record.categories))
        for state in person.record.nationalities[: 1 + (rng.random() < 0.3)]:
            document_type = "identity_card" if rng.random() < 0.2 and state not in ("SYR", "IRQ", "JOR", "TJK") else "passport"
            statuses = (
                {"revoked": 35, "stolen": 20, "lost": 25, "invalidated": 20}
                if fighter
                else {"stolen": 40, "lost": 40, "revoked": 10, "invalidated": 10}
            )
            issued, expires, reported = _validity(builder)
            builder.add(
                person.owner,
                {
                    "kind": "travel_document",
                    "issuing_state": state,
                    "document_type": document_type,
                    "number": document_number(rng, state, document_type),
                    "document_status": builder.weighted(statuses),
                    "issued_on": issued.isoformat(),
                    "expires_on": expires.isoformat(),
                    "reported_on": reported.isoformat(),
                    "holder_id": person.id,
                    "holder_name": person.identity.holder_name(),
                    "restriction": builder.restriction(person.owner, open_share=0.7),
                },
            )
            made += 1
    return made


def _add_strangers_document(builder: Builder) -> DemoRecord:
    rng = builder.rng
    state = builder.weighted(_STATE_WEIGHTS)
    identity = draw_identity(rng, ORIGINS[_ORIGIN_OF_STATE[state]], female=rng.random() < 0.45)
    document_type = "identity_card" if rng.random() < 0.25 and state != "TJK" else "passport"
    issued, expires, reported = _validity(builder)
    owner = BUREAU_OF_STATE[state]
    return builder.add(
        owner,
        {
            "kind": "travel_document",
            "issuing_state": state,
            "document_type": document_type,
            "number": document_number(rng, state, document_type),
            "document_status": builder.weighted({"stolen": 45, "lost": 50, "invalidated": 5}),
            "issued_on": issued.isoformat(),
            "expires_on": expires.isoformat(),
            "reported_on": reported.isoformat(),
            "holder_name": identity.holder_name(),
            "restriction": builder.restriction(owner, open_share=0.85),
        },
    )


def _add_blank_series(builder: Builder, count: int) -> None:
    """Consecutively numbered blank booklets stolen together, as SLTD often receives them."""
    rng = builder.rng
    state = builder.weighted({code: weight for code, weight in _STATE_WEIGHTS.items() if code != "DEU"})  # numbers end in digits
    owner = BUREAU_OF_STATE[state]
    first = document_number(rng, state, "passport")
    prefix = first.rstrip("0123456789")
    start = int(first[len(prefix) :]) // 100 * 100
    width = len(first) - len(prefix)
    reported = builder.day_between(date(2018, 1, 1), REFERENCE_DAY - timedelta(days=1))
    place = rng.choice(ORIGINS[_ORIGIN_OF_STATE[state]].places)
    remark = f"One of {count} blank passport booklets stolen in transit to the passport office in {place}."
    for offset in range(count):
        builder.add(
            owner,
            {
                "kind": "travel_document",
                "issuing_state": state,
                "document_type": "passport",
                "number": f"{prefix}{start + offset:0{width}d}",
                "document_status": "stolen_blank",
                "reported_on": reported.isoformat(),
                "restriction": {"mode": "all"},
                "remarks": remark,
            },
        )
