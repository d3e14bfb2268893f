"""The home page's numbers: what is waiting today in the actor's own org unit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from auth.actor import Actor
from data.queries.overview import TodayCounts, today_counts
from tracing.errors import AccessDenied


@dataclass(frozen=True)
class UnitToday:
    org_unit_name: str
    today: dt.date
    counts: TodayCounts


def unit_today(session: Session, actor: Actor, today: dt.date) -> UnitToday:
    """Counts for the actor's primary org unit and below. Aggregates only: no person is read, nothing is audited."""
    grant = actor.primary_grant
    if grant is None:
        raise AccessDenied("Brukeren din har ingen rolle i noen organisasjonsenhet.")
    return UnitToday(grant.org_unit_name, today, today_counts(session, grant.org_unit_path, today))
