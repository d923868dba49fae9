"""Shared builders for tests: agencies, users with tokens, and records of every kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.model.records import RecordModel
from kalkan.model.validation import parse_record
from kalkan.store import agencies, users
from kalkan.store.database import Database

SECRETARIAT = "SEC"

#: code, name, country, kind, parent
AGENCIES = [
    ("KZ-NCB", "National Central Bureau Astana", "KAZ", agencies.AgencyKind.NATIONAL_BUREAU, None),
    ("KZ-FIU", "Financial Monitoring Agency", "KAZ", agencies.AgencyKind.NATIONAL_SERVICE, "KZ-NCB"),
    ("UZ-NCB", "National Central Bureau Tashkent", "UZB", agencies.AgencyKind.NATIONAL_BUREAU, None),
    ("TJ-NCB", "National Central Bureau Dushanbe", "TJK", agencies.AgencyKind.NATIONAL_BUREAU, None),
    ("CARICC", "Central Asian Regional Information and Coordination Centre", "KAZ", agencies.AgencyKind.REGIONAL_CENTRE, None),
]


@dataclass
class World:
    """Agencies and one user (with a token) per agency and role."""

    scopes: dict[tuple[str, Role], Scope] = field(default_factory=dict)
    tokens: dict[tuple[str, Role], str] = field(default_factory=dict)

    def scope(self, agency: str, role: Role) -> Scope:
        return self.scopes[(agency, role)]

    def token(self, agency: str, role: Role) -> str:
        return self.tokens[(agency, role)]


def build_world(db: Database, roles: tuple[Role, ...] = tuple(Role)) -> World:
    world = World()
    with db.transaction() as conn:
        agencies.bootstrap_agency(conn, code=SECRETARIAT, name="General Secretariat", country="FRA")
        system = Scope.system(SECRETARIAT)
        for code, name, country, kind, parent in AGENCIES:
            agencies.create_agency(conn, system, code=code, name=name, country=country, kind=kind, parent=parent)
        for code in [SECRETARIAT, *(a[0] for a in AGENCIES)]:
            for role in roles:
                user = users.create_user(conn, system, username=f"{code.lower()}-{role.value}", agency=code, roles=frozenset({role}))
                issued = users.issue_token(conn, system, user.id, name="test", lifetime=timedelta(days=1))
                world.scopes[(code, role)] = users.scope_of(user)
                world.tokens[(code, role)] = issued.secret
    return world


def person(**overrides: Any) -> RecordModel:
    data: dict[str, Any] = {
        "kind": "person",
        "names": [
            {"value": "Jalolov Aziz Rustamovich", "kind": "primary"},
            {"value": "Жалолов Азиз Рустамович", "kind": "original_script"},
        ],
        "gender": "male",
        "dates_of_birth": [{"value": "1984-03-12"}],
        "nationalities": ["UZB"],
        "categories": ["terrorism"],
        "restriction": {"mode": "all"},
    }
    data.update(overrides)
    return parse_record(data)


def organisation(**overrides: Any) -> RecordModel:
    data: dict[str, Any] = {
        "kind": "organisation",
        "names": ["Islamic Jihad Union", {"value": "Союз исламского джихада", "kind": "alias"}],
        "organisation_kind": "terrorist_group",
        "countries": ["UZB"],
        "restriction": {"mode": "all"},
    }
    data.update(overrides)
    return parse_record(data)


def travel_document(**overrides: Any) -> RecordModel:
    data: dict[str, Any] = {
        "kind": "travel_document",
        "issuing_state": "UZB",
        "document_type": "passport",
        "number": "FA1234567",
        "document_status": "stolen",
        "restriction": {"mode": "all"},
    }
    data.update(overrides)
    return parse_record(data)


def link(source_id: str, target_id: str, **overrides: Any) -> RecordModel:
    data: dict[str, Any] = {
        "kind": "link",
        "link_type": "member_of",
        "source_id": source_id,
        "target_id": target_id,
        "restriction": {"mode": "all"},
    }
    data.update(overrides)
    return parse_record(data)


def event(person_id: str | None = None, **overrides: Any) -> RecordModel:
    data: dict[str, Any] = {
        "kind": "event",
        "event_type": "movement",
        "occurred_at": "2026-03-01T10:15:00Z",
        "place": "Gisht-Kuprik",
        "country": "UZB",
        "movement": {"border_post": "Gisht-Kuprik", "direction": "exit", "person_id": person_id},
        "restriction": {"mode": "all"},
    }
    data.update(overrides)
    return parse_record(data)


def publication() -> Any:
    """A secretariat review that passes every item of the checklist and publishes."""
    from kalkan.model.notices import Review

    met = {"passed": True}
    checklist = {
        "lawful_purpose": met,
        "no_political_military_religious_racial_character": met,
        "minimum_identifiers": met,
        "data_quality": met,
    }
    return Review.model_validate({"checklist": checklist, "decision": "publish", "reasons": None})
