"""Roles of users and what each allows."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"  # runs checks only
    ANALYST = "analyst"  # searches and reads records
    EDITOR = "editor"  # writes its own agency's records
    AGENCY_ADMIN = "agency_admin"  # manages its own agency's users and tokens
    SECRETARIAT = "secretariat"  # admits agencies; system-wide administration
    AUDITOR = "auditor"  # reads the audit log


class Permission(StrEnum):
    RUN_CHECKS = "run_checks"
    READ_RECORDS = "read_records"
    WRITE_RECORDS = "write_records"
    MANAGE_AGENCY_USERS = "manage_agency_users"
    MANAGE_ALL_USERS = "manage_all_users"
    MANAGE_AGENCIES = "manage_agencies"
    READ_AUDIT = "read_audit"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset({Permission.RUN_CHECKS}),
    Role.ANALYST: frozenset({Permission.RUN_CHECKS, Permission.READ_RECORDS}),
    Role.EDITOR: frozenset({Permission.RUN_CHECKS, Permission.READ_RECORDS, Permission.WRITE_RECORDS}),
    Role.AGENCY_ADMIN: frozenset({Permission.MANAGE_AGENCY_USERS}),
    Role.SECRETARIAT: frozenset(
        {Permission.MANAGE_AGENCIES, Permission.MANAGE_ALL_USERS, Permission.MANAGE_AGENCY_USERS, Permission.READ_RECORDS}
    ),
    Role.AUDITOR: frozenset({Permission.READ_AUDIT}),
}

#: Roles only the secretariat may hand out: they reach beyond one agency.
SYSTEM_ROLES = frozenset({Role.SECRETARIAT, Role.AUDITOR})


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    granted: frozenset[Permission] = frozenset()
    for role in roles:
        granted |= GRANTS[role]
    return granted
