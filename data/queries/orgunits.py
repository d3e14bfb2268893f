"""Org-unit lists for choosers: the units a scope covers, and every kommune."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import OrgUnit


def units_in_scope(session: Session, scope: Any, *, min_level: int = 3) -> list[OrgUnit]:
    """Units matching ``scope`` (a WHERE clause on OrgUnit.path) at ``min_level`` and below, kommuner first."""
    return list(session.scalars(select(OrgUnit).where(scope, OrgUnit.level >= min_level).order_by(OrgUnit.level, OrgUnit.name)))


def all_kommuner(session: Session) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).where(OrgUnit.level == 3).order_by(OrgUnit.name)))


def unit_name(session: Session, org_unit_id: int | None) -> str:
    """An org unit's name for display (empty when none)."""
    unit = session.get(OrgUnit, org_unit_id) if org_unit_id else None
    return unit.name if unit else ""
