"""The transmission graph of the register, as one actor may see it.

Nodes: every index case in scope ("c<case id>"), and every contact those cases named who never became an index
case ("p<person id>"). Edges: the exposures from the cases in scope (index -> contact, or -> the contact's index
case once the contact became one).

Who infected whom is not recorded, so it is chosen here: of the exposures naming a case's person on or before
the case's reference date (symptom onset, else test date, else enrolment day), the latest one (ties: the lowest
exposure id) is its infector. The choice is made among *all* the person's exposures, including ones from cases the
actor does not see; when the chosen source is not in the graph, the case is drawn as a root (no known infector)
rather than given a wrong infector. An exposure is matched to the person's index case in the same stored chain;
a person without one there (the demo and old data do not always merge chains) is matched by date: the case that
followed the exposure within ``INCUBATION_DAYS``, else the case that was ongoing when it happened (up to as many
days before), else the person is a contact node.

Scope: case nodes are the index cases of the scope's org units (``tracing.access.case_paths``; with
``aggregate`` also the units of the actor's "fhi" grants). Contact nodes are the contacts of those cases whose
contact case the actor may see; a contact followed up by another kommune is dropped with its edge, as is a
contact who became an index case the graph does not show. No node carries a name: labels are "Sak 123" and
"Kontakt 456".

Filters, applied after the infectors are chosen (so a filter never changes who infected whom):
``cluster_id``/``cluster_kind`` keep the cases whose ``cluster_ids`` (memberships, and the cluster of the
infecting exposure) match; ``setting`` keeps the exposures of that setting and the cases at either end of one;
``active_only`` keeps the chains (graph.chains) that are active on ``as_of``. Contacts follow their cases.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from auth.actor import Actor
from data.clock import OSLO, today_oslo
from data.models import CLUSTER_KINDS, EXPOSURE_SETTINGS, OrgUnit
from data.queries.persons import without_jit
from data.queries.spread import (
    CaseFilter,
    cluster_ids_statement,
    clusters_statement,
    exposures_statement,
    index_cases_statement,
    memberships_statement,
    unit_ids,
)
from graph.chains import chains
from graph.model import ClusterInfo, Edge, Node, TransmissionGraph
from tracing.access import analytics_paths
from tracing.errors import AccessDenied, DomainError

__all__ = ["INCUBATION_DAYS", "SpreadScope", "load_graph"]

INCUBATION_DAYS = 21  # an exposure can explain a case whose reference date is up to this many days later


@dataclass(frozen=True)
class SpreadScope:
    """What to draw. Dates bound the cases' reference dates (inclusive)."""

    org_unit_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    cluster_id: int | None = None
    cluster_kind: str | None = None
    setting: str | None = None
    chain_id: int | None = None
    active_only: bool = False


@dataclass(slots=True)
class _Case:
    id: int
    person_id: int
    org_unit_id: int
    status: str
    onset: dt.date | None
    test_date: dt.date | None
    report_date: dt.date | None
    chain_id: int | None
    key: str = ""
    ref: dt.date = dt.date.min  # the reference date: onset, else test date, else enrolment day

    def __post_init__(self) -> None:
        self.key = f"c{self.id}"
        self.ref = self.onset or self.test_date or self.report_date or dt.date.min


@dataclass(slots=True)
class _Exposure:
    """One row of ``exposures_statement``, in its column order."""

    exposure_id: int
    source_case_id: int
    contact_person_id: int
    contact_case_id: int | None
    exposure_date: dt.date
    setting: str
    cluster_id: int | None
    source_kind: str
    source_person_id: int
    source_chain_id: int | None
    source_status: str
    contact_status: str | None
    contact_outcome: str | None
    contact_org_unit_id: int | None
    contact_chain_id: int | None


def _check(scope: SpreadScope) -> None:
    if scope.setting is not None and scope.setting not in EXPOSURE_SETTINGS:
        raise DomainError("smittearena", "Ukjent smittearena.")
    if scope.cluster_kind is not None and scope.cluster_kind not in CLUSTER_KINDS:
        raise DomainError("klyngetype", "Ukjent type klynge.")
    if scope.start is not None and scope.end is not None and scope.start > scope.end:
        raise DomainError("periode", "Fra-datoen må være før eller lik til-datoen.")


def load_graph(
    session: Session, actor: Actor, scope: SpreadScope, *, as_of: dt.date | None = None, aggregate: bool = False
) -> TransmissionGraph:
    """The graph for ``scope`` as the actor may see it; see the module doc.

    ``aggregate`` admits FHI actors too and is for views that show counts and measures only, never a person.
    Raises AccessDenied for an actor without a case-work role (or without an FHI role, with ``aggregate``) and for
    an org unit outside the actor's units; DomainError for an unknown setting or cluster kind, or a window whose
    start is after its end.
    """
    as_of = as_of or today_oslo()
    _check(scope)
    paths = analytics_paths(actor, aggregate)
    reach = unit_ids(session, paths)
    units = reach
    if scope.org_unit_id is not None:
        unit = session.get(OrgUnit, scope.org_unit_id)
        if unit is None or not any(unit.path.startswith(p) for p in paths):
            raise AccessDenied("Du har ikke tilgang til denne organisasjonsenheten.")
        units = unit_ids(session, [unit.path])
    clusters_wanted = None
    if scope.cluster_id is not None or scope.cluster_kind is not None:
        clusters_wanted = cluster_ids_statement(reach, cluster_id=scope.cluster_id, kind=scope.cluster_kind)
    f = CaseFilter(units, scope.start, scope.end, scope.chain_id, clusters_wanted)

    # Python's cyclic GC would run many times over the hundred thousand objects of a large chain and double the
    # time (DESIGN.md, performance notes); nothing here makes cycles, so it is off until the graph is built.
    collect = gc.isenabled()
    if collect:
        gc.disable()
    try:
        graph = _load(session, f, reach, as_of, scope)
    finally:
        if collect:
            gc.enable()
    return _filtered(graph, scope)


def _load(session: Session, f: CaseFilter, reach: tuple[int, ...], as_of: dt.date, scope: SpreadScope) -> TransmissionGraph:
    without_jit(session)  # PostgreSQL's JIT added 0.3-0.5 s to a 20,000-case chain's fetch (bench/graph.py)
    build = _Build(as_of, set(reach))
    build.cases(session.execute(index_cases_statement(f)), scope.start, scope.end)
    if build.by_id:
        build.exposures(session.execute(exposures_statement(f)))
    named = {r.cluster_id for r in build.rows if r.cluster_id is not None}
    member_rows = session.execute(memberships_statement(f, reach, named)).all() if build.by_id else []
    infos = _clusters(session, named | {cid for cid, _ in member_rows})
    return build.graph(member_rows, {cid: c for cid, c in infos.items() if c.org_unit_id in build.reach})


def _clusters(session: Session, ids: Iterable[int]) -> dict[int, ClusterInfo]:
    ids = sorted(ids)
    found: dict[int, ClusterInfo] = {}
    for i in range(0, len(ids), 500):
        for cid, name, kind, unit in session.execute(clusters_statement(ids[i : i + 500])):
            found[cid] = ClusterInfo(cid, name, kind, unit)
    return found


class _Build:
    """The rows turned into nodes and edges, with plain dicts (a 20,000-case chain is 80,000 rows)."""

    def __init__(self, as_of: dt.date, reach: set[int]) -> None:
        self.as_of = as_of
        self.reach = reach
        self.by_id: dict[int, _Case] = {}
        self.by_person: dict[int, list[_Case]] = {}
        self.rows: list[_Exposure] = []

    def cases(self, rows: Iterable[Any], start: dt.date | None, end: dt.date | None) -> None:
        for cid, pid, unit, status, onset, test, enrolled, chain in rows:
            case = _Case(cid, pid, unit, status, onset, test, enrolled.astimezone(OSLO).date() if enrolled else None, chain)
            if (start is not None and case.ref < start) or (end is not None and case.ref > end):
                continue  # the SQL window is a day wider for the enrolment time
            self.by_id[cid] = case
            self.by_person.setdefault(pid, []).append(case)
        for found in self.by_person.values():
            found.sort(key=lambda c: (c.ref, c.id))

    def exposures(self, rows: Iterable[Any]) -> None:
        # The two halves of the UNION ALL overlap; plain objects read ten times faster than result rows.
        by_id = {row[0]: _Exposure(*row) for row in rows}
        self.rows = [by_id[i] for i in sorted(by_id)]

    # --- matching exposures to cases ------------------------------------------------------------------------

    def _target(self, row: _Exposure) -> _Case | None:
        """The contact's index case this exposure led to (or preceded), if the graph has it."""
        found = self.by_person.get(row.contact_person_id)
        if not found:
            return None
        chains_ = {row.source_chain_id, row.contact_chain_id}
        same = [c for c in found if c.chain_id is not None and c.chain_id in chains_]
        if same:
            return next((c for c in same if c.ref >= row.exposure_date), same[-1])
        # No case in the exposure's chain: the case that followed the exposure within the incubation time, else
        # one that was ongoing when it happened (an exposure recorded after the person fell ill).
        window = dt.timedelta(days=INCUBATION_DAYS)
        after = next((c for c in found if row.exposure_date <= c.ref <= row.exposure_date + window), None)
        if after is not None:
            return after
        return next((c for c in reversed(found) if row.exposure_date - window <= c.ref < row.exposure_date), None)

    def _source_contact(self, row: _Exposure) -> _Case | None:
        """A contact who named contacts of their own, as a source: that person's index case in the same chain."""
        return next((c for c in self.by_person.get(row.source_person_id, ()) if c.chain_id == row.source_chain_id), None)

    # --- the graph ------------------------------------------------------------------------------------------

    def graph(self, member_rows: Iterable[Any], clusters: dict[int, ClusterInfo]) -> TransmissionGraph:
        """Nodes and edges. Written as flat loops over local names: it runs once per row of a large chain."""
        members: dict[int, set[int]] = {}
        for cid, pid in member_rows:
            if cid in clusters:
                members.setdefault(pid, set()).add(cid)
        by_person, by_id, reach = self.by_person, self.by_id, self.reach

        # 1. Match both ends of every exposure; choose each case's infector among all exposures naming it.
        infector: dict[int, _Exposure] = {}  # case id -> the chosen exposure
        was_contact: set[int] = set()
        matched: list[tuple[_Exposure, _Case, _Case | None]] = []
        for row in self.rows:
            source = by_id.get(row.source_case_id)
            if source is None and row.source_kind == "contact":
                source = self._source_contact(row)
            target = self._target(row) if row.contact_person_id in by_person else None
            if target is not None:
                if source is target or row.source_person_id == target.person_id:
                    continue  # a person cannot expose themself
                before = row.exposure_date <= target.ref
                if before or row.contact_outcome == "became_index":
                    was_contact.add(target.id)
                eligible = row.source_status != "cancelled" and (row.source_kind == "index" or source is not None)
                if before and eligible:
                    best = infector.get(target.id)
                    if best is None or row.exposure_date > best.exposure_date:  # rows come by id: ties keep the lowest
                        infector[target.id] = row
            if source is not None:
                matched.append((row, source, target))

        # 2. Case nodes.
        nodes: dict[str, Node] = {}
        for case in by_id.values():
            chosen = infector.get(case.id)
            cluster_ids = members.get(case.person_id, ())
            if chosen is not None and chosen.cluster_id in clusters:
                cluster_ids = {chosen.cluster_id, *cluster_ids}
            nodes[case.key] = Node(
                case.key, True, f"Sak {case.id}", case.status, case.id in was_contact, case.onset, case.test_date,
                case.report_date, chosen.setting if chosen is not None else None,
                tuple(sorted(cluster_ids)) if cluster_ids else (), case.org_unit_id, case.person_id, case.id,
            )

        # 3. Edges from the cases in view, one per (source, target): the transmission, else the latest exposure.
        best_edge: dict[tuple[str, str], tuple[tuple[bool, dt.date, int], Edge]] = {}
        contact_rows: dict[int, list[_Exposure]] = {}
        for row, source, target in matched:
            if target is not None:
                key = target.key
                transmission = infector.get(target.id) is row
            else:
                if row.contact_outcome == "became_index":
                    continue  # they became an index case this graph does not show
                if row.contact_case_id is not None and (
                    row.contact_status == "cancelled" or row.contact_org_unit_id not in reach
                ):
                    continue  # registered in error, or followed up by a unit the actor does not see
                key = f"p{row.contact_person_id}"
                transmission = False
                found = contact_rows.get(row.contact_person_id)
                if found is None:
                    contact_rows[row.contact_person_id] = [row]
                else:
                    found.append(row)
            pair = (source.key, key)
            rank = (transmission, row.exposure_date, -row.exposure_id)
            held = best_edge.get(pair)
            if held is None or rank > held[0]:
                cluster_id = row.cluster_id if row.cluster_id in clusters else None
                best_edge[pair] = (rank, Edge(source.key, key, transmission, row.setting, row.exposure_date, cluster_id))

        # 4. Contact nodes: status and unit of the latest contact case, setting of the latest exposure.
        for pid, rows in contact_rows.items():
            if len(rows) == 1:
                latest = case_row = rows[0]
            else:
                latest = max(rows, key=lambda r: (r.exposure_date, -r.exposure_id))
                case_row = max(rows, key=lambda r: r.contact_case_id or 0)
            cluster_ids: Any = members.get(pid, ())
            for r in rows:
                if r.cluster_id in clusters and r.cluster_id not in cluster_ids:
                    cluster_ids = {r.cluster_id, *cluster_ids}
            key = f"p{pid}"
            nodes[key] = Node(
                key, False, f"Kontakt {pid}", case_row.contact_status, False, None, None, None, latest.setting,
                tuple(sorted(cluster_ids)) if cluster_ids else (), case_row.contact_org_unit_id, pid,
                case_row.contact_case_id,
            )
        edges = [edge for _, edge in best_edge.values()]
        used = {cid for node in nodes.values() for cid in node.cluster_ids} | {e.cluster_id for e in edges}
        clusters = {cid: info for cid, info in clusters.items() if cid in used}
        return TransmissionGraph(nodes=nodes, edges=edges, as_of=self.as_of, clusters=clusters)


# --- filters ------------------------------------------------------------------------------------------------


def _restricted(graph: TransmissionGraph, cases: set[str], edges: list[Edge]) -> TransmissionGraph:
    """The cases in ``cases``, the edges among them and from them to contacts, and the contacts so reached."""
    nodes = graph.nodes
    kept = [e for e in edges if e.source in cases and (e.target in cases or not nodes[e.target].is_case)]
    keys = cases | {e.target for e in kept}
    clusters = {cid for k in keys for cid in nodes[k].cluster_ids}
    return TransmissionGraph(
        nodes={k: n for k, n in nodes.items() if k in keys},
        edges=kept,
        as_of=graph.as_of,
        clusters={cid: info for cid, info in graph.clusters.items() if cid in clusters},
        follow_up_days=graph.follow_up_days,
        censor_days=graph.censor_days,
    )


def _filtered(graph: TransmissionGraph, scope: SpreadScope) -> TransmissionGraph:
    if scope.cluster_id is None and scope.cluster_kind is None and scope.setting is None and not scope.active_only:
        return graph
    cases = set(graph.case_keys)
    edges = graph.edges
    if scope.cluster_id is not None:
        cases = {k for k in cases if scope.cluster_id in graph.nodes[k].cluster_ids}
    if scope.cluster_kind is not None:
        kinds = graph.clusters
        cases = {k for k in cases if any(kinds[c].kind == scope.cluster_kind for c in graph.nodes[k].cluster_ids if c in kinds)}
    if scope.setting is not None:
        edges = [e for e in edges if e.setting == scope.setting]
        cases &= {e.source for e in edges} | {e.target for e in edges}
    graph = _restricted(graph, cases, edges)
    if scope.active_only:
        active = {k for chain in chains(graph) if chain.active for k in chain.case_keys}
        graph = _restricted(graph, active, graph.edges)
    return graph
