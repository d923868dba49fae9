"""The demo data set: persons, organisations, travel documents, links and events, from a seed.

``generate(seed, size)`` is pure and deterministic: the same seed and size give the same
records with the same ids. ``size`` scales every count (1.0: about 300 persons, 30
organisations, 800 travel documents, 350 links and 300 events).
"""

from __future__ import annotations

import random
from typing import Any

from kalkan.io.demo.activity import add_events, add_links
from kalkan.io.demo.agencies import CATEGORIES_BY_OWNER, ORIGINS_BY_OWNER, PERSON_OWNERS
from kalkan.io.demo.builder import Builder, DemoRecord
from kalkan.io.demo.documents import FIGHTER_CATEGORIES, add_documents
from kalkan.io.demo.names import ORIGINS
from kalkan.io.demo.organisations import ORGANISATIONS
from kalkan.io.demo.people import Identity, dates_of_birth, descriptions, draw_identity, names_of

DEFAULT_SEED = 2024
PERSONS = 300

_STREETS = {
    "uz": ("Amir Temur Avenue", "Navoi Street", "Bobur Street"),
    "kz": ("Abai Avenue", "Tole Bi Street", "Zheltoksan Street"),
    "tj": ("Rudaki Avenue", "Somoni Street", "Ayni Street"),
    "kg": ("Chui Avenue", "Manas Avenue", "Kurmanjan Datka Street"),
    "ru": ("Lenin Street", "Sadovaya Street", "Mira Avenue"),
    "ar": ("Al-Rashid Street", "Al-Nasr Street", "Baghdad Street"),
    "tr": ("Atatürk Caddesi", "İnönü Caddesi", "Cumhuriyet Caddesi"),
    "de": ("Hauptstraße", "Bahnhofstraße", "Kaiserstraße"),
}


def scaled(count: int, size: float, minimum: int = 1) -> int:
    return max(minimum, round(count * size))


def generate(seed: int = DEFAULT_SEED, size: float = 1.0) -> list[DemoRecord]:
    """Every demo record, in an order in which each comes after the records it points to."""
    builder = Builder(random.Random(seed))  # noqa: S311 - made-up data, reproducible on purpose, not secret
    families = add_persons(builder, scaled(PERSONS, size, minimum=8))
    add_organisations(builder, scaled(len(ORGANISATIONS), size, minimum=4))
    add_documents(builder, size)
    events = add_events(builder, size)
    add_links(builder, size, families=families, companions=events.companions)
    return builder.records


def add_persons(builder: Builder, count: int) -> list[tuple[DemoRecord, DemoRecord]]:
    """``count`` persons; returns the pairs of relatives among them."""
    rng = builder.rng
    families: list[tuple[DemoRecord, DemoRecord]] = []
    made: list[DemoRecord] = []
    for _ in range(count):
        owner = builder.weighted(PERSON_OWNERS)
        origin = ORIGINS[builder.weighted(ORIGINS_BY_OWNER[owner])]
        category = builder.weighted(CATEGORIES_BY_OWNER[owner])
        female = rng.random() < {"missing": 0.5, "human_trafficking": 0.3}.get(category, 0.12)
        kin = [p for p in made if p.owner == owner and p.identity is not None and p.identity.origin is origin]
        relative = rng.choice(kin) if kin and rng.random() < 0.12 else None
        identity = draw_identity(rng, origin, female=female, relative=relative.identity if relative else None)
        person = builder.add(owner, _person(builder, owner, identity, category), identity)
        made.append(person)
        if relative is not None:
            families.append((person, relative))
    return families


def _person(builder: Builder, owner: str, identity: Identity, category: str) -> dict[str, Any]:
    rng = builder.rng
    origin = identity.origin
    fighter = category in FIGHTER_CATEGORIES
    married = identity.female and origin.slavic_style and rng.random() < 0.2
    data: dict[str, Any] = {
        "kind": "person",
        "names": names_of(rng, identity, fighter=fighter, birth_surname=rng.choice(origin.surnames) if married else None),
        "gender": "female" if identity.female else "male",
        "dates_of_birth": dates_of_birth(rng, earliest=1995, latest=2010) if category == "missing" else dates_of_birth(rng),
        "places_of_birth": [rng.choice(origin.places)],
        "nationalities": [rng.choice(origin.nationalities)],
        "descriptions": descriptions(rng, identity),
        "categories": [category],
        "restriction": {"mode": "all"} if category == "missing" else builder.restriction(owner, open_share=0.45),
    }
    if rng.random() < 0.1 and origin.slavic_style:
        data["nationalities"].append("RUS" if "RUS" not in data["nationalities"] else "KAZ")
    if fighter and rng.random() < 0.5:
        data["warnings"] = ["armed"] + (["violent"] if rng.random() < 0.4 else [])
    elif category == "organised_crime" and rng.random() < 0.3:
        data["warnings"] = ["violent", "escape_risk"][: rng.randint(1, 2)]
    if rng.random() < 0.25:
        city = rng.choice(origin.places)
        data["addresses"] = [f"{rng.choice(_STREETS[origin.key])} {rng.randint(1, 180)}, {city}"]
    if category == "missing":
        data["descriptions"].append(f"Last seen in {rng.choice(origin.places)}; family fears recruitment or trafficking.")
    return data


def add_organisations(builder: Builder, count: int) -> None:
    for organisation in ORGANISATIONS[:count]:
        names = [{"value": organisation.names[0]}, *({"value": alias, "kind": "alias"} for alias in organisation.names[1:])]
        data: dict[str, Any] = {
            "kind": "organisation",
            "names": names,
            "organisation_kind": organisation.kind.value,
            "countries": list(organisation.countries),
            "descriptions": [organisation.description],
            "restriction": builder.restriction(organisation.owner, open_share=0.7),
        }
        if organisation.address:
            data["addresses"] = [organisation.address]
        builder.add(organisation.owner, data)
