"""Agencies: national bureaus, the services they admit, and regional centres."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.errors import Conflict, NotFound, ValidationFailed
from kalkan.model.countries import normalise_country
from kalkan.store import audit
from kalkan.store.clock import as_utc, now
from kalkan.store.tables import agencies


class AgencyKind(StrEnum):
    NATIONAL_BUREAU = "national_bureau"
    NATIONAL_SERVICE = "national_service"  # admitted by its country's bureau
    REGIONAL_CENTRE = "regional_centre"
    SECRETARIAT = "secretariat"


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str
    country: str
    kind: AgencyKind
    parent: str | None
    active: bool
    created_at: datetime


#: What restrictions accept as an agency code (``model.restriction.AgencyCode``), upper case only:
#: an agency whose code a restriction cannot name could never be granted a record.
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


def _checked_code_and_country(code: str, country: str) -> str:
    """Refuse a code restrictions could not list; return the normalised country code."""
    if not _CODE.match(code):
        raise ValidationFailed.one(
            "code", f"{code!r} is not an agency code: 2-32 of A-Z, 0-9, '-' and '_', starting with a letter or digit"
        )
    try:
        return normalise_country(country)
    except ValueError as error:
        raise ValidationFailed.one("country", str(error)) from None


def _agency(row: Row[Any]) -> Agency:
    return Agency(
        code=row.code,
        name=row.name,
        country=row.country,
        kind=AgencyKind(row.kind),
        parent=row.parent,
        active=bool(row.active),
        created_at=as_utc(row.created_at),
    )


def create_agency(
    conn: Connection, scope: Scope, *, code: str, name: str, country: str, kind: AgencyKind, parent: str | None = None
) -> Agency:
    """Admit an agency. Only the secretariat may; a national service needs its parent bureau."""
    scope.require(Permission.MANAGE_AGENCIES)
    country = _checked_code_and_country(code, country)
    if conn.execute(select(agencies.c.code).where(agencies.c.code == code)).first():
        raise Conflict(f"agency {code} already exists")
    if kind is AgencyKind.NATIONAL_SERVICE and parent is None:
        raise ValidationFailed.one("parent", "a national service is admitted by a national bureau: give its code")
    if parent is not None:
        parent_row = conn.execute(select(agencies).where(agencies.c.code == parent)).first()
        if parent_row is None:
            raise ValidationFailed.one("parent", f"no agency {parent}")
        if kind is AgencyKind.NATIONAL_SERVICE and parent_row.kind != AgencyKind.NATIONAL_BUREAU.value:
            raise ValidationFailed.one("parent", f"agency {parent} is a {parent_row.kind}, not a national bureau")
        if kind is AgencyKind.NATIONAL_SERVICE and parent_row.country != country:
            raise ValidationFailed.one("parent", f"agency {parent} is of country {parent_row.country}, not {country}")
    conn.execute(
        insert(agencies).values(code=code, name=name, country=country, kind=kind.value, parent=parent, active=True, created_at=now())
    )
    audit.append(conn, scope, "agency.create", detail=code)
    return get_agency(conn, code)


def get_agency(conn: Connection, code: str) -> Agency:
    row = conn.execute(select(agencies).where(agencies.c.code == code)).first()
    if row is None:
        raise NotFound(f"no agency {code}")
    return _agency(row)


def list_agencies(conn: Connection) -> list[Agency]:
    return [_agency(r) for r in conn.execute(select(agencies).order_by(agencies.c.code))]


def update_agency(conn: Connection, scope: Scope, code: str, *, name: str | None = None, active: bool | None = None) -> Agency:
    scope.require(Permission.MANAGE_AGENCIES)
    get_agency(conn, code)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = name
    if active is not None:
        if not active and code == scope.agency:
            raise ValidationFailed.one("active", "you cannot suspend your own agency")
        values["active"] = active
    if values:
        conn.execute(update(agencies).where(agencies.c.code == code).values(**values))
        audit.append(conn, scope, "agency.update", detail=f"{code}: {sorted(values)}")
    return get_agency(conn, code)


def bootstrap_agency(conn: Connection, *, code: str, name: str, country: str) -> Agency:
    """The first agency, the secretariat, created by ``kalkan init`` before any user exists."""
    country = _checked_code_and_country(code, country)
    if conn.execute(select(agencies.c.code).limit(1)).first():
        raise Conflict("agencies already exist: the database is initialised")
    conn.execute(
        insert(agencies).values(
            code=code, name=name, country=country, kind=AgencyKind.SECRETARIAT.value, parent=None, active=True, created_at=now()
        )
    )
    audit.append(conn, Scope.system(code), "agency.create", detail=code)
    return get_agency(conn, code)
