"""Today's counts for an org unit and everything below it (the home page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from data.models import Case, FollowUp, OrgUnit
from data.orgunits import subtree_filter


@dataclass(frozen=True)
class TodayCounts:
    active_index_cases: int
    active_contacts: int
    follow_ups_due_today: int
    follow_ups_overdue: int


def today_counts(session: Session, path: str, today: dt.date) -> TodayCounts:
    in_scope = and_(Case.org_unit_id == OrgUnit.id, subtree_filter(OrgUnit.path, path), Case.status == "active")
    counted = select(Case.kind, func.count()).select_from(Case).join(OrgUnit, in_scope).group_by(Case.kind)
    by_kind: dict[str, int] = {kind: n for kind, n in session.execute(counted)}
    due = select(func.count()).select_from(FollowUp).join(Case, FollowUp.case_id == Case.id).join(OrgUnit, in_scope)
    due = due.where(FollowUp.done_at.is_(None))
    return TodayCounts(
        active_index_cases=by_kind.get("index", 0),
        active_contacts=by_kind.get("contact", 0),
        follow_ups_due_today=session.scalar(due.where(FollowUp.due_date == today)) or 0,
        follow_ups_overdue=session.scalar(due.where(FollowUp.due_date < today)) or 0,
    )
