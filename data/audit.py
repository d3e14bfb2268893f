"""The append-only audit log. Every caller goes through ``record`` so no event is shaped differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from data.models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    user_id: int | None = None,
    username: str | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    org_unit_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session's unit of work; it commits (or rolls back) with the change it records.

    ``detail`` must never hold a fødselsnummer: address persons by surrogate id.
    """
    event = AuditEvent(
        action=action,
        user_id=user_id,
        username=username,
        entity=entity,
        entity_id=entity_id,
        org_unit_id=org_unit_id,
        detail=detail,
    )
    session.add(event)
    return event
