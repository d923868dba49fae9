"""The caller of every read and write: user, agency and roles."""

from __future__ import annotations

from dataclasses import dataclass

from kalkan.access.policy import agency_may_see
from kalkan.access.roles import Permission, Role, permissions_of
from kalkan.errors import Forbidden
from kalkan.model.restriction import Restriction


@dataclass(frozen=True, slots=True)
class Scope:
    """Who is asking. Repositories take one and filter every read by it."""

    user_id: int | None
    username: str
    agency: str
    roles: frozenset[Role]

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            roles = ", ".join(sorted(self.roles)) or "none"
            raise Forbidden(f"your roles ({roles}) do not allow {permission.value.replace('_', ' ')}")

    def may_see(self, owner: str, restriction: Restriction) -> bool:
        return agency_may_see(owner, restriction, self.agency)

    @classmethod
    def system(cls, agency: str, username: str = "system") -> Scope:
        """A scope for work the system does on an agency's behalf (imports, the CLI)."""
        return cls(user_id=None, username=username, agency=agency, roles=frozenset(Role))
