"""The four roles and their order."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A member's role, from most to least powerful."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        """Higher is more powerful."""
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        """Whether this role includes everything `other` may do."""
        return self.rank >= other.rank


_RANK = {Role.OWNER: 4, Role.ADMIN: 3, Role.MEMBER: 2, Role.VIEWER: 1}
# Roles only owners may grant, take away or change.
PRIVILEGED = frozenset({Role.OWNER, Role.ADMIN})
