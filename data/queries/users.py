"""User look-ups for display."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import User


def display_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of the given users (note authors, assignees), skipping None."""
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return {}
    return {user_id: name for user_id, name in session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))}
