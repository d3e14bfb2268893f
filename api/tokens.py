"""API tokens for system clients: create (shown once), revoke, list, and resolve a presented token to an actor.

A token is ``ssp_`` + 43 random URL-safe characters (256 bits). Only its SHA-256 hex digest is stored
(``ApiToken.token_hash``), so a copy of the database does not hold usable tokens. A token is scoped to one org unit
and acts there as a tracer (role "smittesporer"), with the permissions it was given:

* ``read``  - every GET endpoint, person search and national look-up;
* ``write`` - also creating and changing persons, cases, contacts, follow-ups, notes and clusters (implies read).

The token's actor has ``user_id`` None and username ``token:<name>``, which is what the audit log shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from auth.actor import Actor, Grant
from data import audit
from data.models import ApiToken, utcnow
from data.orgunits import by_code

PERMISSIONS: tuple[str, ...] = ("read", "write")
TOKEN_ROLE = "smittesporer"
TOKEN_PREFIX = "ssp_"


class TokenError(ValueError):
    """A refused token operation, with a Norwegian message naming the field."""

    def __init__(self, field: str, message_nb: str) -> None:
        super().__init__(message_nb)
        self.field = field
        self.message_nb = message_nb


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def effective_permissions(permissions: Iterable[str]) -> frozenset[str]:
    """What a stored permission list allows: write implies read."""
    held = set(permissions)
    if "write" in held:
        held.add("read")
    return frozenset(held & set(PERMISSIONS))


def create_token(
    session: Session,
    name: str,
    org_unit_code: str,
    permissions: Sequence[str],
    *,
    created_by: Actor | None = None,
) -> tuple[ApiToken, str]:
    """Store a new token and return it with the clear-text token, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise TokenError("navn", "Navnet må ha 1-100 tegn.")
    unknown = [p for p in permissions if p not in PERMISSIONS]
    if unknown or not permissions:
        raise TokenError("tilgang", f"Gyldige tilganger: {', '.join(PERMISSIONS)} (minst én).")
    unit = by_code(session, org_unit_code.strip())
    if unit is None:
        raise TokenError("organisasjonsenhet", "Fant ingen organisasjonsenhet med det nummeret.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        token_hash=hash_token(token),
        org_unit_id=unit.id,
        permissions=sorted(effective_permissions(permissions)),
        created_by_id=created_by.user_id if created_by else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "api_token_created",
        user_id=created_by.user_id if created_by else None,
        username=created_by.username if created_by else "cli",
        entity="api_token",
        entity_id=row.id,
        org_unit_id=unit.id,
        detail={"name": name, "permissions": row.permissions},
    )
    return row, token


def revoke_token(session: Session, token_id: int, *, revoked_by: Actor | None = None) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise TokenError("id", "Fant ikke tokenet.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            "api_token_revoked",
            user_id=revoked_by.user_id if revoked_by else None,
            username=revoked_by.username if revoked_by else "cli",
            entity="api_token",
            entity_id=row.id,
            org_unit_id=row.org_unit_id,
            detail={"name": row.name},
        )
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).options(selectinload(ApiToken.org_unit)).order_by(ApiToken.id)))


def token_actor(row: ApiToken) -> Actor:
    unit = row.org_unit
    return Actor(
        user_id=None,
        username=f"token:{row.name}",
        display_name=row.name,
        grants=(Grant(TOKEN_ROLE, unit.id, unit.code, unit.name, unit.path),),
    )


def authenticate_token(session: Session, token: str, *, now: dt.datetime | None = None) -> tuple[Actor, frozenset[str]] | None:
    """The actor and permissions of a valid, unrevoked token (and its use recorded), else None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token)).options(selectinload(ApiToken.org_unit))
    )
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = now or utcnow()
    return token_actor(row), effective_permissions(row.permissions)
