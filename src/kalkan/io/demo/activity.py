"""The demo's events (border crossings, payments, incidents) and links between its records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from kalkan.io.demo.builder import REFERENCE_DAY, Builder, DemoRecord
from kalkan.io.demo.documents import FIGHTER_CATEGORIES
from kalkan.model.records import Organisation, Person, PersonCategory, TravelDocument

BORDER_POSTS = (
    ("Gisht-Kuprik", "UZB"),
    ("Oybek", "UZB"),
    ("Tashkent International Airport", "UZB"),
    ("Zhibek Zholy", "KAZ"),
    ("Kordai", "KAZ"),
    ("Khorgos", "KAZ"),
    ("Almaty International Airport", "KAZ"),
    ("Fotehobod", "TJK"),
    ("Nizhny Panj", "TJK"),
    ("Dushanbe International Airport", "TJK"),
    ("Dostuk", "KGZ"),
    ("Karamyk", "KGZ"),
    ("Manas International Airport", "KGZ"),
    ("Kapıkule", "TUR"),
    ("Istanbul Airport", "TUR"),
    ("Frankfurt Airport", "DEU"),
)
_CITIES = (
    ("Almaty", "KAZ"),
    ("Tashkent", "UZB"),
    ("Dushanbe", "TJK"),
    ("Osh", "KGZ"),
    ("Istanbul", "TUR"),
    ("Gaziantep", "TUR"),
    ("Frankfurt am Main", "DEU"),
)
_CURRENCY = {"KAZ": "KZT", "UZB": "UZS", "TJK": "TJS", "KGZ": "KGS", "TUR": "TRY", "DEU": "EUR"}
_PAYMENTS = (
    "Transfer through a money service business.",
    "Hawala payment settled through a trading company.",
    "Cash deposits split into amounts under the reporting threshold.",
    "Crypto-asset transfer through an exchanger without customer checks.",
    "Card-to-card transfers from several migrant workers' cards.",
)
_INCIDENTS = {
    "improvised_explosive_device": "Improvised explosive device found in a rented flat; timer built from a mobile phone.",
    "firearms": "Cache of assault rifles and ammunition found in a car at a checkpoint.",
    "vehicle_ramming": "Plot to drive a lorry into a crowded market, disrupted during preparation.",
    "kidnapping": "Businessman kidnapped and held for ransom paid in cash.",
    "cyber": "Phishing campaign against bank customers; proceeds moved to crypto-assets.",
    "chemical": "Precursor chemicals bought in small quantities from several pharmacies.",
}
_SOURCES = (
    "Interrogation record",
    "Informant report",
    "Financial intelligence report",
    "Border crossing records",
    "Open source (social media)",
    "Intercepted communications",
    "Liaison report of a partner agency",
)


@dataclass
class EventsMade:
    companions: list[tuple[DemoRecord, DemoRecord]] = field(default_factory=list)


def _moment(builder: Builder) -> str:
    day = builder.day_between(date(2019, 1, 1), REFERENCE_DAY - timedelta(days=1))
    at = datetime.combine(day, time(builder.rng.randint(0, 23), builder.rng.randint(0, 59)))
    return at.isoformat() + "Z"


def add_events(builder: Builder, size: float) -> EventsMade:
    made = EventsMade()
    rng = builder.rng
    documents = {
        r.record.holder_id: r for r in builder.of_kind("travel_document") if isinstance(r.record, TravelDocument) and r.record.holder_id
    }
    travellers = [p for p in builder.of_kind("person") if p.id in documents]
    for _ in range(max(2, round(240 * size)) if travellers else 0):
        person = rng.choice(travellers)
        post, country = rng.choice(BORDER_POSTS)
        carrier = (
            rng.choice(["scheduled flight", "charter flight"])
            if "Airport" in post
            else rng.choice(["private car", "bus", "lorry", "on foot", "train"])
        )
        movement = {"border_post": post, "direction": rng.choice(["entry", "exit", "transit"]), "carrier": carrier}
        at = _moment(builder)
        group = [person]
        if rng.random() < 0.15:
            group += [p for p in rng.sample(travellers, min(2, len(travellers))) if p.owner == person.owner and p is not person][:1]
        for member in group:
            movement_of = {**movement, "person_id": member.id, "document_id": documents[member.id].id}
            data = {
                "kind": "event",
                "event_type": "movement",
                "occurred_at": at,
                "place": post,
                "country": country,
                "movement": movement_of,
            }
            builder.add(member.owner, {**data, "restriction": builder.restriction(member.owner, open_share=0.5)})
        if len(group) == 2:
            made.companions.append((group[0], group[1]))
    _add_transactions(builder, max(2, round(60 * size)))
    _add_incidents(builder, max(1, round(25 * size)))
    return made


def _add_transactions(builder: Builder, count: int) -> None:
    rng = builder.rng
    payees = [o for o in builder.of_kind("organisation") if isinstance(o.record, Organisation)]
    for _ in range(count):
        owner = rng.choice(["KZ-FIU", "KZ-FIU", "KZ-FIU", "UZ-NCB", "TR-NCB", "DE-NCB", "CARICC"])
        payers = [p for p in builder.of_kind("person") if p.visible_to(owner)]
        visible_payees = [o for o in payees if o.visible_to(owner)]
        if not payers or not visible_payees:
            continue
        city, country = rng.choice(_CITIES)
        amount = rng.choice([rng.randint(150, 2_900), rng.randint(3_000, 48_000), rng.randint(50_000, 900_000)])
        currency = rng.choice([_CURRENCY[country], "USD", "USD", "EUR", "RUB"])
        transaction = {
            "payer_id": rng.choice(payers).id,
            "payee_id": rng.choice(visible_payees).id,
            "amount": f"{amount}.{rng.randint(0, 99):02d}",
            "currency": currency,
        }
        data = {"kind": "event", "event_type": "transaction", "occurred_at": _moment(builder), "place": city, "country": country}
        builder.add(
            owner,
            {
                **data,
                "transaction": transaction,
                "description": rng.choice(_PAYMENTS),
                "restriction": builder.restriction(owner, open_share=0.3),
            },
        )


def _add_incidents(builder: Builder, count: int) -> None:
    rng = builder.rng
    for _ in range(count):
        city, country = rng.choice(_CITIES)
        owner = {"KAZ": "KZ-NCB", "UZB": "UZ-NCB", "TJK": "TJ-NCB", "KGZ": "KG-NCB", "TUR": "TR-NCB", "DEU": "DE-NCB"}[country]
        suspects = [p for p in builder.of_kind("person") if p.visible_to(owner)]
        methods = rng.sample(sorted(_INCIDENTS), rng.choice([1, 1, 2]))
        day = builder.day_between(date(2017, 1, 1), REFERENCE_DAY - timedelta(days=1))
        incident = {"modus_operandi": methods, "involved_ids": [p.id for p in rng.sample(suspects, min(len(suspects), rng.randint(1, 3)))]}
        data = {
            "kind": "event",
            "event_type": "incident",
            "occurred_on": day.isoformat()[: rng.choice([7, 10])],
            "place": city,
            "country": country,
        }
        builder.add(
            owner,
            {
                **data,
                "incident": incident,
                "description": _INCIDENTS[methods[0]],
                "restriction": builder.restriction(owner, open_share=0.4),
            },
        )


def _link(builder: Builder, link_type: str, start: DemoRecord, end: DemoRecord, *, informant: str | None = None, **extra: Any) -> None:
    """A link owned by the owner of its start, if that agency may see its end."""
    if start.id == end.id or not end.visible_to(start.owner):
        return
    rng = builder.rng
    data = {
        "kind": "link",
        "link_type": link_type,
        "source_id": start.id,
        "target_id": end.id,
        "source": informant or rng.choice(_SOURCES),
        "confidence": rng.choice([1.0, 0.9, 0.8, 0.6]),
        **extra,
    }
    builder.add(start.owner, {**data, "restriction": builder.restriction(start.owner, open_share=0.6)})


def add_links(
    builder: Builder, size: float, *, families: list[tuple[DemoRecord, DemoRecord]], companions: list[tuple[DemoRecord, DemoRecord]]
) -> None:
    """Memberships, money, ownership, family, documents, travel companions and associates."""
    rng = builder.rng
    persons = builder.of_kind("person")
    organisations = {
        kind: [o for o in builder.of_kind("organisation") if isinstance(o.record, Organisation) and o.record.organisation_kind == kind]
        for kind in ("terrorist_group", "criminal_organisation", "company", "charity")
    }
    _add_memberships(builder, persons, organisations)
    financiers = organisations["charity"] + organisations["company"]
    for group in organisations["terrorist_group"] + organisations["criminal_organisation"]:
        for financier in rng.sample(financiers, min(2, len(financiers))):
            _link(builder, "financed_by", group, financier, informant="Financial intelligence report")
    for _ in range(max(1, round(12 * size)) if organisations["company"] else 0):
        owner, company = rng.choice(persons), rng.choice(organisations["company"])
        _link(builder, rng.choice(["owns", "controls"]), owner, company, informant="Company register")
    for relative, other in families:
        _link(builder, "family", relative, other, informant="Civil register", confidence=1.0)
    by_id = {p.id: p for p in persons}
    for document in builder.of_kind("travel_document"):
        holder = by_id.get(document.record.holder_id or "") if isinstance(document.record, TravelDocument) else None
        if holder is not None and rng.random() < 0.25:
            _link(builder, "holder_of_document", holder, document, informant="Passport register", confidence=1.0)
    for first, second in companions:
        _link(builder, "travelled_with", first, second, informant="Border crossing records")
    for _ in range(max(1, round(20 * size))):
        first = rng.choice(persons)
        partners = [p for p in persons if p.owner == first.owner and p is not first]
        if partners:
            _link(builder, "associate_of", first, rng.choice(partners))


def _add_memberships(builder: Builder, persons: list[DemoRecord], organisations: dict[str, list[DemoRecord]]) -> None:
    """Fighters join armed groups, other offenders criminal ones; the first to join a group may lead it."""
    rng = builder.rng
    led: set[str] = set()
    for person in persons:
        if not isinstance(person.record, Person) or PersonCategory.MISSING in person.record.categories:
            continue
        fighter = bool(FIGHTER_CATEGORIES & set(person.record.categories))
        groups = organisations["terrorist_group" if fighter else "criminal_organisation"]
        if groups and rng.random() < 0.65:
            group = rng.choice(groups)
            link_type = "member_of" if group.id in led or rng.random() < 0.7 else "leader_of"
            led.add(group.id)
            _link(builder, link_type, person, group, valid_from=f"{rng.randint(2012, 2023)}-{rng.randint(1, 12):02d}")
