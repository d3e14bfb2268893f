"""Who may touch what: case work is scoped to the org units where the actor holds a case-work role, and below.

Every domain function calls one of these before it reads or writes a named person. Refusals raise
``AccessDenied``; "not in your units" and "does not exist" look alike to the caller, so ids cannot be probed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import Session

from auth.actor import Actor
from auth.roles import CASE_WORK_ROLES
from data.models import Case, ClusterMember, Cluster, OrgUnit, Person
from data.orgunits import subtree_filter
from data.queries.persons import orphan_clause
from tracing.errors import AccessDenied


def case_paths(actor: Actor) -> tuple[str, ...]:
    """The org-unit paths where the actor may do case work (each reaches its subtree)."""
    return tuple(g.org_unit_path for g in actor.grants_for(CASE_WORK_ROLES))


# Roles that see counts and measures of their units (never a person): FHI.
AGGREGATE_ROLES: frozenset[str] = frozenset({"fhi"})


def analytics_paths(actor: Actor, aggregate: bool) -> tuple[str, ...]:
    """The org-unit paths whose cases the actor may analyse: case-work units, and with ``aggregate`` (views that
    show measures only) also the units of an FHI grant. Refuses an actor with neither."""
    paths = case_paths(actor)
    if aggregate:
        paths += tuple(g.org_unit_path for g in actor.grants_for(AGGREGATE_ROLES))
    if not paths:
        raise AccessDenied("Rollen din gir ikke tilgang til smittespredning.")
    return paths


def scope_clause(actor: Actor, path_column: Any) -> Any:
    """A WHERE clause: ``path_column`` lies in one of the actor's case-work subtrees (false when none)."""
    paths = case_paths(actor)
    if not paths:
        return false()
    return or_(*(subtree_filter(path_column, p) for p in paths))


def require_case_work(actor: Actor) -> None:
    if not case_paths(actor):
        raise AccessDenied("Rollen din gir ikke tilgang til smittesporing.")


def require_unit(session: Session, actor: Actor, org_unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or not actor.reaches(unit.path, CASE_WORK_ROLES):
        raise AccessDenied("Du har ikke tilgang til denne organisasjonsenheten.")
    return unit


def require_case(session: Session, actor: Actor, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or not actor.reaches(session.get(OrgUnit, case.org_unit_id).path, CASE_WORK_ROLES):  # type: ignore[union-attr]
        raise AccessDenied("Du har ikke tilgang til denne saken.")
    return case


def person_scope_clause(actor: Actor) -> Any:
    """Persons the actor may open.

    A person with an active case belongs to the unit(s) of their active case(s): only case workers there may
    open them, wherever the person lives. A person with no active case may be opened where they had a case,
    where they live, or by a case worker of a cluster they are a member of.
    """
    in_scope_unit = and_(Case.org_unit_id == OrgUnit.id, scope_clause(actor, OrgUnit.path))
    active_anywhere = exists(select(Case.id).where(Case.person_id == Person.id, Case.status == "active"))
    active_here = exists(select(Case.id).join(OrgUnit, in_scope_unit).where(Case.person_id == Person.id, Case.status == "active"))
    case_here = exists(select(Case.id).join(OrgUnit, in_scope_unit).where(Case.person_id == Person.id))
    lives_here = exists(select(OrgUnit.id).where(OrgUnit.id == Person.home_org_unit_id, scope_clause(actor, OrgUnit.path)))
    in_cluster_here = exists(
        select(ClusterMember.id)
        .join(Cluster, ClusterMember.cluster_id == Cluster.id)
        .join(OrgUnit, Cluster.org_unit_id == OrgUnit.id)
        .where(ClusterMember.person_id == Person.id, scope_clause(actor, OrgUnit.path))
    )
    return or_(active_here, and_(~active_anywhere, or_(case_here, lives_here, in_cluster_here)))


def openable_clause(actor: Actor) -> Any:
    """Persons the actor may open: the scope above, or a person entered by hand and not yet enrolled anywhere
    (so the tracer who just created someone living in another kommune can go on and enrol them)."""
    return or_(person_scope_clause(actor), orphan_clause())


def require_person(session: Session, actor: Actor, person_id: int) -> Person:
    """The person, if the actor may open it; "does not exist" and "not yours" look alike, so ids cannot be probed."""
    require_case_work(actor)
    person = session.scalar(select(Person).where(Person.id == person_id, openable_clause(actor)))
    if person is None:
        raise AccessDenied("Du har ikke tilgang til denne personen.")
    return person
