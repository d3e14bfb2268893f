"""Person register queries: look-up by number, fuzzy-search candidates, and the rows of the person page.

These build ``select()`` statements (or run them) and know nothing about who is asking: callers in tracing/ pass
the access clause in as ``scope`` (any SQL boolean over ``Person``), so the page, the API and exports share one
query and can never disagree about what a person search reads.

Fuzzy search keeps to the two person indexes: ``ix_person_name_key`` (folded "last first middle") is read with
``prefix <= name_key < next(prefix)`` range comparisons, which use the B-tree on SQLite (whose LIKE is
case-insensitive and unindexed) and on PostgreSQL under any collation (LIKE 'abc%' needs text_pattern_ops or the
C collation there). ``ix_person_birth_date_name_key`` serves "same birth date".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select, text
from sqlalchemy.orm import Session, aliased, selectinload

from data.models import (
    AuditEvent,
    Case,
    Cluster,
    ClusterMember,
    Exposure,
    FollowUp,
    Note,
    OrgUnit,
    Person,
    TestResult,
)

KOMMUNE_LEVEL = 3
HISTORY_LIMIT = 200


# --- look-up by number and hits -------------------------------------------------------------------------------


def person_by_national_id(national_id: str) -> Select[tuple[Person]]:
    """The person holding ``national_id`` (already validated and compacted), anywhere in the country."""
    return select(Person).where(Person.national_id == national_id)


def national_id_taken(session: Session, national_id: str, *, except_person_id: int | None = None) -> bool:
    stmt = select(Person.id).where(Person.national_id == national_id)
    if except_person_id is not None:
        stmt = stmt.where(Person.id != except_person_id)
    return session.scalar(stmt.limit(1)) is not None


def hit_rows(person_ids: Iterable[int]) -> Select[Any]:
    """What a search hit shows: names, birth date, number (masked by the caller) and home unit name."""
    home = aliased(OrgUnit)
    return (
        select(
            Person.id,
            Person.first_name,
            Person.middle_name,
            Person.last_name,
            Person.birth_date,
            Person.national_id,
            home.name.label("home_org_unit_name"),
        )
        .outerjoin(home, home.id == Person.home_org_unit_id)
        .where(Person.id.in_(list(person_ids)))
    )


def kommune_name(session: Session, org_unit_id: int | None) -> str | None:
    """The name of the kommune an org unit belongs to (a bydel gives its kommune; a kommune gives itself)."""
    if org_unit_id is None:
        return None
    unit = session.get(OrgUnit, org_unit_id)
    while unit is not None and unit.level > KOMMUNE_LEVEL and unit.parent_id is not None:
        unit = session.get(OrgUnit, unit.parent_id)
    return unit.name if unit is not None else None


def responsible_org_unit_id(session: Session, person: Person) -> int | None:
    """The unit following the person up: an active case's unit (index before contact, newest first), else home."""
    case_unit = session.scalar(
        select(Case.org_unit_id)
        .where(Case.person_id == person.id, Case.status == "active")
        .order_by((Case.kind == "index").desc(), Case.enrolled_at.desc(), Case.id.desc())
        .limit(1)
    )
    return case_unit if case_unit is not None else person.home_org_unit_id


# --- who may open a person --------------------------------------------------------------------------------------


def orphan_clause() -> Any:
    """A person registered by hand in Smittespor that is not (yet) enrolled anywhere nor in any cluster."""
    return and_(
        Person.source == "manual",
        ~exists(select(Case.id).where(Case.person_id == Person.id)),
        ~exists(select(ClusterMember.id).where(ClusterMember.person_id == Person.id)),
    )


def visible_person_ids(session: Session, person_ids: Iterable[int], scope: Any) -> set[int]:
    """Which of ``person_ids`` satisfy ``scope``."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return set()
    return set(session.scalars(select(Person.id).where(Person.id.in_(wanted), scope)))


# --- fuzzy search candidates ------------------------------------------------------------------------------------


def without_jit(session: Session) -> None:
    """Turn PostgreSQL's JIT off for the rest of this transaction (no-op elsewhere).

    The access clause's correlated EXISTS make the planner's cost estimate of a candidate probe large, so
    PostgreSQL would JIT-compile queries that run in a few milliseconds: measured at 1M persons, 1.3 s of JIT for
    a 50 ms probe.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))



def next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (for a half-open range)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def name_key_prefix(prefix: str) -> Any:
    """``name_key`` starts with ``prefix``, as an index range (``prefix`` must be non-empty and folded)."""
    return and_(Person.name_key >= prefix, Person.name_key < next_prefix(prefix))


def name_candidates(prefix: str, scope: Any, *, word_start: str | None = None, limit: int = 1000) -> Select[Any]:
    """Persons whose folded name starts with ``prefix`` (and has a word starting with ``word_start``), in scope.

    Ordered by ``name_key`` so the database walks ``ix_person_name_key`` and stops after ``limit`` rows.
    """
    stmt = select(Person.id, Person.name_key, Person.birth_date).where(name_key_prefix(prefix), scope)
    if word_start:
        stmt = stmt.where(Person.name_key.contains(" " + word_start, autoescape=True))
    return stmt.order_by(Person.name_key).limit(limit)


def birth_date_candidates(birth_date: dt.date, scope: Any, *, limit: int = 1000) -> Select[Any]:
    """Persons born on ``birth_date``, in scope (``ix_person_birth_date_name_key``)."""
    return (
        select(Person.id, Person.name_key, Person.birth_date)
        .where(Person.birth_date == birth_date, scope)
        .order_by(Person.name_key)
        .limit(limit)
    )


# --- the person page --------------------------------------------------------------------------------------------


def cases_of(session: Session, person_id: int) -> list[Case]:
    """Every case of the person, newest enrolment first, with its org unit loaded."""
    stmt = (
        select(Case)
        .where(Case.person_id == person_id)
        .options(selectinload(Case.org_unit))
        .order_by(Case.enrolled_at.desc(), Case.id.desc())
    )
    return list(session.scalars(stmt))


def person_test_results(session: Session, person: Person) -> list[TestResult]:
    """Results linked to the person, and results that carry their number but were not linked yet."""
    match = TestResult.person_id == person.id
    if person.national_id:
        match = or_(match, TestResult.national_id == person.national_id)
    stmt = select(TestResult).where(match).order_by(TestResult.sample_date.desc(), TestResult.id.desc())
    return list(session.scalars(stmt))


def _exposure_row(other: Any, unit: Any) -> Select[Any]:
    """The columns of one exposure as the person page shows it, seen from this person towards ``other``."""
    return select(
        Exposure.id.label("exposure_id"),
        Exposure.exposure_date,
        Exposure.setting,
        Exposure.source_case_id,
        Exposure.contact_case_id,
        other.id.label("other_person_id"),
        other.first_name,
        other.middle_name,
        other.last_name,
        unit.name.label("other_org_unit_name"),
        Cluster.id.label("cluster_id"),
        Cluster.name.label("cluster_name"),
    )


def exposures_in_rows(session: Session, person_id: int) -> list[Any]:
    """Exposures where the person is the contact, with the source case's person, unit and cluster."""
    source_case = aliased(Case)
    source_person = aliased(Person)
    unit = aliased(OrgUnit)
    stmt = (
        _exposure_row(source_person, unit)
        .join(source_case, source_case.id == Exposure.source_case_id)
        .join(source_person, source_person.id == source_case.person_id)
        .join(unit, unit.id == source_case.org_unit_id)
        .outerjoin(Cluster, Cluster.id == Exposure.cluster_id)
        .where(Exposure.contact_person_id == person_id)
        .order_by(Exposure.exposure_date.desc(), Exposure.id.desc())
    )
    return list(session.execute(stmt))


def exposures_out_rows(session: Session, case_ids: Sequence[int]) -> list[Any]:
    """Exposures where one of ``case_ids`` is the source: the contacts this person exposed."""
    if not case_ids:
        return []
    contact_case = aliased(Case)
    contact = aliased(Person)
    unit = aliased(OrgUnit)
    stmt = (
        _exposure_row(contact, unit)
        .join(contact, contact.id == Exposure.contact_person_id)
        .outerjoin(contact_case, contact_case.id == Exposure.contact_case_id)
        .outerjoin(unit, unit.id == contact_case.org_unit_id)
        .outerjoin(Cluster, Cluster.id == Exposure.cluster_id)
        .where(Exposure.source_case_id.in_(list(case_ids)))
        .order_by(Exposure.exposure_date.desc(), Exposure.id.desc())
    )
    return list(session.execute(stmt))


def cluster_rows(session: Session, person_id: int) -> list[Any]:
    """The clusters the person is a member of, with the role and the cluster's org unit."""
    stmt = (
        select(
            Cluster.id.label("cluster_id"),
            Cluster.name,
            Cluster.kind,
            Cluster.status,
            Cluster.start_date,
            Cluster.end_date,
            Cluster.org_unit_id,
            OrgUnit.name.label("org_unit_name"),
            OrgUnit.path.label("org_unit_path"),
            ClusterMember.role,
        )
        .join(Cluster, Cluster.id == ClusterMember.cluster_id)
        .join(OrgUnit, OrgUnit.id == Cluster.org_unit_id)
        .where(ClusterMember.person_id == person_id)
        .order_by(Cluster.start_date.desc(), Cluster.id.desc())
    )
    return list(session.execute(stmt))


def follow_ups_of(session: Session, case_ids: Sequence[int]) -> list[FollowUp]:
    """Follow-ups of the cases, as a schedule: by due date."""
    if not case_ids:
        return []
    stmt = select(FollowUp).where(FollowUp.case_id.in_(list(case_ids))).order_by(FollowUp.due_date, FollowUp.id)
    return list(session.scalars(stmt))


def notes_of(session: Session, case_ids: Sequence[int]) -> list[Note]:
    """Notes of all the person's cases (a converted contact's notes stay on the old case), newest first."""
    if not case_ids:
        return []
    stmt = select(Note).where(Note.case_id.in_(list(case_ids))).order_by(Note.created_at.desc(), Note.id.desc())
    return list(session.scalars(stmt))


def history_of(session: Session, person_id: int, case_ids: Sequence[int], *, limit: int = HISTORY_LIMIT) -> list[AuditEvent]:
    """Audit events about the person and about their cases, newest first."""
    about = and_(AuditEvent.entity == "person", AuditEvent.entity_id == person_id)
    if case_ids:
        about = or_(about, and_(AuditEvent.entity == "case", AuditEvent.entity_id.in_(list(case_ids))))
    stmt = select(AuditEvent).where(about).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return list(session.scalars(stmt))
