"""The spread explorer's reads: index cases, the exposures around them, cluster memberships and clusters.

``graph.store.load_graph`` runs these and builds the transmission graph from the rows. Why it looks like this:

- Columns only (Core selects, no ORM objects): a 20,000-case chain is 80,000 rows, and loading them as ORM
  objects costs ten times the fetch (DESIGN.md, performance notes). One statement per table.
- Scope is ``case.org_unit_id IN (<unit ids>)``, the ids looked up first (``unit_ids``) from the paths the caller
  supplies; this module never decides who may see what.
- A chain is fetched by its stored ``case.chain_id`` (indexed), never walked with a recursive CTE.
- Exposures are fetched from both ends - those made by the loaded cases (and their persons' contact cases) and
  those naming the loaded persons as contacts - as a UNION ALL of indexed lookups, so the infector of a case can
  be chosen among all its exposures, including ones from cases the actor does not see.
- No name and no fødselsnummer is selected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from data.models import Case, Cluster, ClusterMember, Exposure, OrgUnit
from data.orgunits import subtree_filter

__all__ = [
    "CaseFilter",
    "chain_edges_sql",
    "cluster_ids_statement",
    "clusters_statement",
    "exposures_statement",
    "index_cases_statement",
    "memberships_statement",
    "unit_ids",
]

_UTC = dt.UTC


@dataclass(frozen=True)
class CaseFilter:
    """Which index cases to load.

    ``unit_ids``: the org units whose cases may be loaded. ``start``/``end``: the window on the reference date
    (symptom onset, else test date, else enrolment day); the SQL test is widened by a day at each end for the
    enrolment time (stored in UTC) and the caller checks the exact day. ``cluster_ids``: when given, only persons
    who are members of one of these clusters or were exposed in one (the caller narrows further).
    """

    unit_ids: tuple[int, ...]
    start: dt.date | None = None
    end: dt.date | None = None
    chain_id: int | None = None
    cluster_ids: Select[Any] | tuple[int, ...] | None = None


def unit_ids(session: Session, paths: Iterable[str]) -> tuple[int, ...]:
    """The ids of the org units at or below any of ``paths`` (the tree has a few hundred units)."""
    paths = tuple(paths)
    if not paths:
        return ()
    stmt = select(OrgUnit.id).where(or_(*(subtree_filter(OrgUnit.path, p) for p in paths))).order_by(OrgUnit.id)
    return tuple(session.scalars(stmt))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=_UTC)


def _case_where(f: CaseFilter, case: Any = Case) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        case.kind == "index",
        case.status != "cancelled",
        case.org_unit_id.in_(list(f.unit_ids)),
    ]
    if f.chain_id is not None:
        where.append(case.chain_id == f.chain_id)
    if f.start is not None or f.end is not None:
        dated = func.coalesce(case.symptom_onset, case.test_date)
        undated = and_(case.symptom_onset.is_(None), case.test_date.is_(None))
        on_date: list[ColumnElement[bool]] = []
        enrolled: list[ColumnElement[bool]] = []
        if f.start is not None:
            on_date.append(dated >= f.start)
            enrolled.append(case.enrolled_at >= _midnight(f.start - dt.timedelta(days=1)))
        if f.end is not None:
            on_date.append(dated <= f.end)
            enrolled.append(case.enrolled_at < _midnight(f.end + dt.timedelta(days=2)))
        where.append(or_(and_(*on_date), and_(undated, *enrolled)))
    if f.cluster_ids is not None:
        ids = f.cluster_ids if isinstance(f.cluster_ids, Select) else list(f.cluster_ids)
        members = select(ClusterMember.person_id).where(ClusterMember.cluster_id.in_(ids))
        exposed = select(Exposure.contact_person_id).where(Exposure.cluster_id.in_(ids))
        where.append(or_(case.person_id.in_(members), case.person_id.in_(exposed)))
    return where


def index_cases_statement(f: CaseFilter) -> Select[Any]:
    """The index cases to draw: id, person, unit, status, dates and stored chain id."""
    return select(
        Case.id,
        Case.person_id,
        Case.org_unit_id,
        Case.status,
        Case.symptom_onset,
        Case.test_date,
        Case.enrolled_at,
        Case.chain_id,
    ).where(*_case_where(f))


def _persons(f: CaseFilter) -> Select[Any]:
    inner = aliased(Case)
    return select(inner.person_id).where(*_case_where(f, inner))


def _ids(f: CaseFilter) -> Select[Any]:
    inner = aliased(Case)
    return select(inner.id).where(*_case_where(f, inner))


def exposures_statement(f: CaseFilter) -> Any:
    """Every exposure made by, or naming, a person with an index case in ``f``, with its source case's kind,
    person, chain and status and its contact case's status, outcome, unit and chain.

    Three disjoint halves, each one indexed lookup: exposures made by the cases in ``f``; exposures made by those
    persons' contact cases (a contact who named contacts of their own); exposures naming those persons made by
    anyone else. (One ``source.person_id IN (...)`` instead of the first two read twice the case rows.)
    """
    persons, ids = _persons(f), _ids(f)

    def side(where: Callable[[Any], ColumnElement[bool]]) -> Select[Any]:
        source, contact = aliased(Case), aliased(Case)
        return (
            select(
                Exposure.id.label("exposure_id"),
                Exposure.source_case_id,
                Exposure.contact_person_id,
                Exposure.contact_case_id,
                Exposure.exposure_date,
                Exposure.setting,
                Exposure.cluster_id,
                source.kind.label("source_kind"),
                source.person_id.label("source_person_id"),
                source.chain_id.label("source_chain_id"),
                source.status.label("source_status"),
                contact.status.label("contact_status"),
                contact.outcome.label("contact_outcome"),
                contact.org_unit_id.label("contact_org_unit_id"),
                contact.chain_id.label("contact_chain_id"),
            )
            .select_from(Exposure)
            .join(source, source.id == Exposure.source_case_id)
            .outerjoin(contact, contact.id == Exposure.contact_case_id)
            .where(where(source))
        )

    def by_anyone_else(source: Any) -> ColumnElement[bool]:
        # Negations as a test on the joined source row and a correlated NOT EXISTS: PostgreSQL runs a large
        # ``NOT IN (subquery)`` that does not fit work_mem as a rescan per row.
        inner = aliased(Case)
        own = exists(select(inner.id).where(inner.person_id == source.person_id, *_case_where(f, inner)))
        return and_(
            Exposure.contact_person_id.in_(persons),
            not_(func.coalesce(and_(*_case_where(f, source)), false())),
            or_(source.kind != "contact", not_(own)),
        )

    return union_all(
        side(lambda source: Exposure.source_case_id.in_(ids)),
        side(lambda source: and_(source.kind == "contact", source.person_id.in_(persons))),
        side(by_anyone_else),
    )


def memberships_statement(f: CaseFilter, cluster_unit_ids: Sequence[int], cluster_ids: Iterable[int] = ()) -> Select[Any]:
    """(cluster id, person id) of every member of the clusters in ``cluster_unit_ids`` that a person with an
    index case in ``f`` belongs to, or that is among ``cluster_ids`` (the clusters named on the fetched exposures).

    The caller keeps the persons it has nodes for. Driving from the clusters rather than from the contacts'
    persons avoids a second pass over the chain's exposures (a contact who is a member only of a cluster none of
    the cases touches keeps just the clusters of their exposures).
    """
    touched = select(ClusterMember.cluster_id).where(ClusterMember.person_id.in_(_persons(f)))
    named = sorted(set(cluster_ids))
    in_cluster = ClusterMember.cluster_id.in_(touched)
    if named:
        in_cluster = or_(in_cluster, ClusterMember.cluster_id.in_(named))
    return (
        select(ClusterMember.cluster_id, ClusterMember.person_id)
        .join(Cluster, Cluster.id == ClusterMember.cluster_id)
        .where(Cluster.org_unit_id.in_(list(cluster_unit_ids)), in_cluster)
    )


def clusters_statement(ids: Sequence[int]) -> Select[Any]:
    return select(Cluster.id, Cluster.name, Cluster.kind, Cluster.org_unit_id).where(Cluster.id.in_(list(ids)))


def cluster_ids_statement(cluster_unit_ids: Sequence[int], *, cluster_id: int | None, kind: str | None) -> Select[Any]:
    """The clusters in the given units, narrowed to one id and/or one kind (for the scope's cluster filters)."""
    stmt = select(Cluster.id).where(Cluster.org_unit_id.in_(list(cluster_unit_ids)))
    if cluster_id is not None:
        stmt = stmt.where(Cluster.id == cluster_id)
    if kind is not None:
        stmt = stmt.where(Cluster.kind == kind)
    return stmt


def chain_edges_sql(chain_id: int) -> Select[Any]:
    """The bare fetch of a chain's edges - exposures made by the chain's cases - for bench/graph.py to time
    next to the whole ``load_graph``."""
    return (
        select(
            Exposure.id,
            Exposure.source_case_id,
            Exposure.contact_person_id,
            Exposure.contact_case_id,
            Exposure.exposure_date,
            Exposure.setting,
            Exposure.cluster_id,
        )
        .join(Case, Case.id == Exposure.source_case_id)
        .where(Case.chain_id == chain_id)
    )
