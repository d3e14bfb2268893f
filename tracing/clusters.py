"""Clusters (klynger / hendelser): an event or place where several index cases and contacts were.

A cluster belongs to the org unit that registered it; a tracer works on the clusters of their units and below.
Its members may be enrolled anywhere: the cluster page lists members owned by another kommune (their active case,
or else their home, lies outside the actor's units) separately, without a link to their record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.actor import Actor, audit_as
from auth.roles import CASE_WORK_ROLES
from data.clock import today_oslo
from data.models import CLUSTER_KINDS, CLUSTER_MEMBER_ROLES, Case, Cluster, ClusterMember, OrgUnit, Person
from tracing.access import person_scope_clause, require_case_work, require_unit, scope_clause
from tracing.errors import AccessDenied, DomainError, NotFound
from tracing.followups import clean_text


@dataclass(frozen=True)
class ClusterInput:
    name: str
    kind: str
    org_unit_id: int
    address: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    description: str | None = None


@dataclass(frozen=True)
class MemberRow:
    person_id: int
    full_name: str
    birth_year: int | None
    role: str
    case_status: str | None  # status of the person's active case, else of their latest case, else None
    org_unit_name: str | None  # the org unit that owns the person: their active case's, else their home's
    other_kommune: bool
    can_open: bool


@dataclass(frozen=True)
class ClusterView:
    cluster: Cluster
    org_unit_name: str
    index: list[MemberRow]
    contacts: list[MemberRow]
    others: list[MemberRow]
    other_kommune: list[MemberRow]


def require_cluster(session: Session, actor: Actor, cluster_id: int) -> Cluster:
    """The cluster, if its org unit lies in the actor's case-work units (unknown and out of scope look alike)."""
    require_case_work(actor)
    cluster = session.get(Cluster, cluster_id)
    if cluster is None:
        raise AccessDenied("Du har ikke tilgang til denne klyngen.")
    unit = session.get(OrgUnit, cluster.org_unit_id)
    if unit is None or not actor.reaches(unit.path, CASE_WORK_ROLES):
        raise AccessDenied("Du har ikke tilgang til denne klyngen.")
    return cluster


def work_unit(session: Session, actor: Actor, org_unit_id: int | None) -> OrgUnit:
    """The org unit a case or cluster is registered in: it must exist, be a kommune or bydel, and be the actor's."""
    unit = session.get(OrgUnit, org_unit_id) if isinstance(org_unit_id, int) else None
    if unit is None:
        raise DomainError("organisasjonsenhet", "Ukjent organisasjonsenhet.")
    if unit.level < 3:
        raise DomainError("organisasjonsenhet", "Velg en kommune eller en bydel.")
    return require_unit(session, actor, unit.id)


@dataclass(frozen=True)
class _ClusterFacts:
    name: str
    kind: str
    org_unit_id: int
    address: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    description: str | None


def _validate(session: Session, actor: Actor, data: ClusterInput, today: dt.date) -> _ClusterFacts:
    name = clean_text("navn", data.name, 200, required=True, label="Navnet")
    if data.kind not in CLUSTER_KINDS:
        raise DomainError("type", "Ukjent type klynge.")
    unit = work_unit(session, actor, data.org_unit_id)
    address = clean_text("adresse", data.address, 200, label="Adressen")
    description = clean_text("beskrivelse", data.description, 5000, label="Beskrivelsen")
    if data.start_date is not None and data.start_date > today:
        raise DomainError("startdato", "Startdato kan ikke være fram i tid.")
    if data.end_date is not None and data.end_date > today:
        raise DomainError("sluttdato", "Sluttdato kan ikke være fram i tid.")
    if data.start_date is not None and data.end_date is not None and data.end_date < data.start_date:
        raise DomainError("sluttdato", "Sluttdato kan ikke være før startdato.")
    return _ClusterFacts(name, data.kind, unit.id, address, data.start_date, data.end_date, description)  # type: ignore[arg-type]


def create_cluster(session: Session, actor: Actor, data: ClusterInput, today: dt.date | None = None) -> Cluster:
    """Register a cluster in one of the actor's units; audited "cluster_created"."""
    require_case_work(actor)
    facts = _validate(session, actor, data, today or today_oslo())
    cluster = Cluster(**{f.name: getattr(facts, f.name) for f in fields(facts)}, status="active")
    session.add(cluster)
    session.flush()
    _audit(session, actor, "cluster_created", cluster, {"kind": cluster.kind})
    return cluster


def update_cluster(session: Session, actor: Actor, cluster_id: int, data: ClusterInput, today: dt.date | None = None) -> Cluster:
    """Edit a cluster (also moving it to another of the actor's units); audited "cluster_updated" with the
    names of the changed fields."""
    cluster = require_cluster(session, actor, cluster_id)
    facts = _validate(session, actor, data, today or today_oslo())
    changed = []
    for f in fields(facts):
        value = getattr(facts, f.name)
        if getattr(cluster, f.name) != value:
            setattr(cluster, f.name, value)
            changed.append(f.name)
    session.flush()
    if changed:
        _audit(session, actor, "cluster_updated", cluster, {"changed": changed})
    return cluster


def add_member(session: Session, actor: Actor, cluster_id: int, person_id: int, role: str) -> ClusterMember:
    """Add a person to a cluster as index, contact or other participant; a person is a member once.

    The person may be owned by another kommune (found through the national fødselsnummer look-up): membership
    shows them on this cluster's page under "Tilhører annen kommune" without opening their record.
    """
    cluster = require_cluster(session, actor, cluster_id)
    if role not in CLUSTER_MEMBER_ROLES:
        raise DomainError("rolle", "Ukjent rolle i klyngen.")
    if session.get(Person, person_id) is None:
        raise NotFound("personen")
    return add_member_checked(session, actor, cluster, person_id, role)


def add_member_checked(session: Session, actor: Actor, cluster: Cluster, person_id: int, role: str, *, if_missing: bool = False) -> ClusterMember:
    """Add a member once access is checked. With ``if_missing`` an existing membership is returned as it is
    (used when adding a contact through a cluster); otherwise it is refused."""
    existing = session.scalar(select(ClusterMember).where(ClusterMember.cluster_id == cluster.id, ClusterMember.person_id == person_id))
    if existing is not None:
        if if_missing:
            return existing
        raise DomainError("person", "Personen er allerede med i klyngen.")
    member = ClusterMember(cluster_id=cluster.id, person_id=person_id, role=role)
    session.add(member)
    session.flush()
    session.expire(cluster, ["members"])
    _audit(session, actor, "cluster_member_added", cluster, {"person_id": person_id, "role": role})
    return member


def cluster_view(session: Session, actor: Actor, cluster_id: int) -> ClusterView:
    """The cluster page: members split into index / contacts / others / owned by another kommune.

    A member is owned by another kommune when their active case (index before contact), or else their home
    org unit, lies outside the actor's units; those rows cannot be opened from here. Audited "cluster_viewed"
    (the page names persons).
    """
    cluster = require_cluster(session, actor, cluster_id)
    unit = session.get(OrgUnit, cluster.org_unit_id)
    members = session.execute(
        select(ClusterMember, Person)
        .join(Person, ClusterMember.person_id == Person.id)
        .where(ClusterMember.cluster_id == cluster.id)
        .order_by(Person.last_name, Person.first_name, Person.id)
    ).all()
    person_ids = [p.id for _, p in members]
    cases = session.scalars(select(Case).where(Case.person_id.in_(person_ids)).order_by(Case.enrolled_at, Case.id)).all() if person_ids else []
    active: dict[int, Case] = {}
    latest: dict[int, Case] = {}
    for case in cases:
        latest[case.person_id] = case
        if case.status == "active" and (case.person_id not in active or case.kind == "index"):
            active[case.person_id] = case
    unit_ids = {c.org_unit_id for c in active.values()} | {p.home_org_unit_id for _, p in members if p.home_org_unit_id}
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(unit_ids)))} if unit_ids else {}
    openable = set(session.scalars(select(Person.id).where(Person.id.in_(person_ids), person_scope_clause(actor)))) if person_ids else set()

    split: dict[str, list[MemberRow]] = {"index": [], "contact": [], "other": [], "other_kommune": []}
    for member, person in members:
        owner_id = active[person.id].org_unit_id if person.id in active else person.home_org_unit_id
        owner = units.get(owner_id) if owner_id else None
        elsewhere = owner is not None and not actor.reaches(owner.path, CASE_WORK_ROLES)
        status_case = active.get(person.id) or latest.get(person.id)
        row = MemberRow(
            person_id=person.id,
            full_name=person.full_name,
            birth_year=person.birth_date.year if person.birth_date else None,
            role=member.role,
            case_status=status_case.status if status_case else None,
            org_unit_name=owner.name if owner else None,
            other_kommune=elsewhere,
            can_open=not elsewhere and person.id in openable,
        )
        split["other_kommune" if elsewhere else member.role].append(row)
    _audit(session, actor, "cluster_viewed", cluster, {"members": len(members)})
    return ClusterView(
        cluster=cluster,
        org_unit_name=unit.name if unit else "",
        index=split["index"],
        contacts=split["contact"],
        others=split["other"],
        other_kommune=split["other_kommune"],
    )


def list_clusters(session: Session, actor: Actor) -> list[tuple[Cluster, int]]:
    """The clusters of the actor's units and below, newest first, with their member counts. Names no person,
    so it is not audited."""
    require_case_work(actor)
    counts = (
        select(ClusterMember.cluster_id, func.count(ClusterMember.id).label("n"))
        .group_by(ClusterMember.cluster_id)
        .subquery()
    )
    rows = session.execute(
        select(Cluster, func.coalesce(counts.c.n, 0))
        .join(OrgUnit, Cluster.org_unit_id == OrgUnit.id)
        .outerjoin(counts, counts.c.cluster_id == Cluster.id)
        .where(scope_clause(actor, OrgUnit.path))
        .order_by(Cluster.start_date.desc().nulls_last(), Cluster.id.desc())
    ).all()
    return [(cluster, int(n)) for cluster, n in rows]


def _audit(session: Session, actor: Actor, action: str, cluster: Cluster, detail: dict[str, object]) -> None:
    audit_as(session, actor, action, entity="cluster", entity_id=cluster.id, org_unit_id=cluster.org_unit_id, detail=detail)
