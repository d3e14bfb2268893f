"""The actor: who is acting, and in which org units with which roles.

Domain functions take an ``Actor`` rather than a web user, so the same rules apply to the UI, the API, the CLI
and the ingest jobs (which act as a system actor).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data import audit
from data.models import AuditEvent, OrgUnit, RoleAssignment, User


@dataclass(frozen=True)
class Grant:
    role: str
    org_unit_id: int
    org_unit_code: str
    org_unit_name: str
    org_unit_path: str


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    display_name: str
    grants: tuple[Grant, ...]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def has_any(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    def grants_for(self, roles: Iterable[str]) -> tuple[Grant, ...]:
        wanted = set(roles)
        return tuple(g for g in self.grants if g.role in wanted)

    @property
    def primary_grant(self) -> Grant | None:
        """The first grant: the org unit the user works in by default (shown in the navbar)."""
        return self.grants[0] if self.grants else None

    def reaches(self, path: str, roles: Iterable[str]) -> bool:
        """Whether one of ``roles`` is held in the unit at ``path`` or above it."""
        return any(path.startswith(g.org_unit_path) for g in self.grants_for(roles))


def load_actor(session: Session, user_id: int) -> Actor | None:
    user = session.scalar(
        select(User)
        .where(User.id == user_id, User.active.is_(True))
        .options(selectinload(User.roles).selectinload(RoleAssignment.org_unit))
    )
    return actor_of(user) if user else None


def actor_of(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        grants=tuple(_grant(r.role, r.org_unit) for r in user.roles),
    )


def _grant(role: str, unit: OrgUnit) -> Grant:
    return Grant(role, unit.id, unit.code, unit.name, unit.path)


def audit_as(session: Session, actor: Actor, action: str, **fields: Any) -> AuditEvent:
    """Record an audit event done by ``actor``: the one place that turns an actor into the log's who-columns."""
    return audit.record(session, action, user_id=actor.user_id, username=actor.username, **fields)


SYSTEM = Actor(user_id=None, username="system", display_name="Systemet", grants=())
