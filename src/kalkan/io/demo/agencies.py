"""The demo's agencies, their users, and what each agency's records are mostly about."""

from __future__ import annotations

from dataclasses import dataclass

from kalkan.access.roles import Role
from kalkan.store.agencies import AgencyKind

SECRETARIAT = "SEC"


@dataclass(frozen=True, slots=True)
class DemoAgency:
    code: str
    name: str
    country: str
    kind: AgencyKind
    parent: str | None = None
    case_prefix: str = ""


#: The secretariat first: it is bootstrapped and admits the others; a bureau before the service it admits.
AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency(SECRETARIAT, "General Secretariat", "FRA", AgencyKind.SECRETARIAT),
    DemoAgency("KZ-NCB", "National Central Bureau Astana", "KAZ", AgencyKind.NATIONAL_BUREAU, case_prefix="KZ"),
    DemoAgency("KZ-FIU", "Financial Monitoring Agency", "KAZ", AgencyKind.NATIONAL_SERVICE, "KZ-NCB", "AFM"),
    DemoAgency("UZ-NCB", "National Central Bureau Tashkent", "UZB", AgencyKind.NATIONAL_BUREAU, case_prefix="UZ"),
    DemoAgency("TJ-NCB", "National Central Bureau Dushanbe", "TJK", AgencyKind.NATIONAL_BUREAU, case_prefix="TJ"),
    DemoAgency("KG-NCB", "National Central Bureau Bishkek", "KGZ", AgencyKind.NATIONAL_BUREAU, case_prefix="KG"),
    DemoAgency("TR-NCB", "National Central Bureau Ankara", "TUR", AgencyKind.NATIONAL_BUREAU, case_prefix="TR"),
    DemoAgency("DE-NCB", "National Central Bureau Wiesbaden", "DEU", AgencyKind.NATIONAL_BUREAU, case_prefix="BKA"),
    DemoAgency(
        "CARICC",
        "Central Asian Regional Information and Coordination Centre (Almaty)",
        "KAZ",
        AgencyKind.REGIONAL_CENTRE,
        case_prefix="CARICC",
    ),
)

AGENCY_CODES = tuple(a.code for a in AGENCIES)
CASE_PREFIX = {a.code: a.case_prefix for a in AGENCIES}

#: Roles each member agency's demo users have, one user per role.
MEMBER_ROLES = (Role.OFFICER, Role.ANALYST, Role.EDITOR, Role.AGENCY_ADMIN)

#: The secretariat's demo users: (username suffix, roles).
SECRETARIAT_USERS: tuple[tuple[str, frozenset[Role]], ...] = (
    ("admin", frozenset({Role.SECRETARIAT, Role.AGENCY_ADMIN})),
    ("auditor", frozenset({Role.AUDITOR})),
    ("analyst", frozenset({Role.ANALYST})),
)

#: Which agencies own how many of the persons (weights).
PERSON_OWNERS: dict[str, int] = {
    "UZ-NCB": 55,
    "KZ-NCB": 50,
    "TJ-NCB": 45,
    "KG-NCB": 35,
    "TR-NCB": 35,
    "CARICC": 35,
    "DE-NCB": 30,
    "KZ-FIU": 15,
}

#: Where each agency's persons come from (origin keys of ``names.ORIGINS``, weights).
ORIGINS_BY_OWNER: dict[str, dict[str, int]] = {
    "KZ-NCB": {"kz": 6, "ru": 2, "uz": 1, "ar": 1},
    "KZ-FIU": {"kz": 7, "ru": 3},
    "UZ-NCB": {"uz": 8, "tj": 1, "ru": 1},
    "TJ-NCB": {"tj": 8, "uz": 1, "ar": 1},
    "KG-NCB": {"kg": 7, "uz": 2, "ru": 1},
    "TR-NCB": {"tr": 4, "ar": 4, "uz": 1, "tj": 1},
    "DE-NCB": {"de": 3, "ar": 3, "tr": 2, "tj": 1, "ru": 1},
    "CARICC": {"tj": 3, "kg": 2, "uz": 2, "kz": 2, "ru": 1},
}

#: What each agency's persons are wanted or sought for (PersonCategory values, weights).
CATEGORIES_BY_OWNER: dict[str, dict[str, int]] = {
    "KZ-NCB": {"terrorism": 3, "foreign_terrorist_fighter": 2, "organised_crime": 3, "cybercrime": 1, "missing": 1},
    "KZ-FIU": {"terrorism": 4, "organised_crime": 5, "cybercrime": 1},
    "UZ-NCB": {"terrorism": 3, "foreign_terrorist_fighter": 4, "human_trafficking": 1, "missing": 1, "organised_crime": 1},
    "TJ-NCB": {"foreign_terrorist_fighter": 3, "terrorism": 2, "drug_trafficking": 3, "missing": 1},
    "KG-NCB": {"drug_trafficking": 3, "foreign_terrorist_fighter": 2, "organised_crime": 2, "missing": 1},
    "TR-NCB": {"foreign_terrorist_fighter": 4, "human_trafficking": 3, "terrorism": 2, "organised_crime": 1},
    "DE-NCB": {"terrorism": 3, "foreign_terrorist_fighter": 3, "organised_crime": 2, "missing": 1, "cybercrime": 1},
    "CARICC": {"drug_trafficking": 8, "organised_crime": 2},
}

#: The bureau that reports the loss or theft of a state's documents.
BUREAU_OF_STATE = {"UZB": "UZ-NCB", "KAZ": "KZ-NCB", "TJK": "TJ-NCB", "KGZ": "KG-NCB", "TUR": "TR-NCB", "DEU": "DE-NCB"}
