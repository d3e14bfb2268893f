"""Imported line lists ("analysis outbreaks") as transmission graphs.

An outbreak is read from its ``analysis_case`` / ``analysis_link`` rows, in both import modes: a "cases" import
stores those rows too (without numbers or names), so its analysis is the same whatever later happens to the
register cases it created.

The graph (graph/model.py):

* a node per line-list row, key "a<analysis case id>", labelled "Tilfelle <row number in the file>" (never the
  file's own id, which is sometimes personal), with its onset/test/report dates and setting;
* clusters from the rows' cluster names, numbered -1, -2, ... in name order (negative so they can never be
  mistaken for register clusters), kind from the members' most common setting;
* an edge per pair. Each infectee keeps one infector (a *transmission* edge): among its pairs, the infector with
  the latest symptom onset strictly before the infectee's; failing that, the latest reference date on or before
  the infectee's; failing that, the first pair; directed pairs before inferred ones on a tie. The other pairs stay
  as plain edges, shown but not counted as offspring.

Analysis date: by default the day after the outbreak's last date, with ``censor_days=0`` - a line list is a
finished outbreak, analysed as complete (docs/decisions.md, "Censoring of offspring"); "active" still means a
case or exposure within the 14 days (``follow_up_days``) before that day. An explicit ``as_of`` before the last
date shows the outbreak as it stood then: rows dated after it are left out, and the usual 14-day censoring
applies, since those cases' offspring were not yet known.

Access: the outbreaks of the org units where the actor does case work, and below; ``aggregate`` also admits the
units of an FHI grant, for views that show counts and measures only. Unknown and out-of-scope outbreaks look
alike.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from auth.actor import Actor
from data.clock import today_oslo
from data.models import AnalysisCase, AnalysisLink, AnalysisOutbreak, OrgUnit
from data.orgunits import subtree_filter
from graph.model import ClusterInfo, Edge, Node, TransmissionGraph
from tracing.access import analytics_paths
from tracing.errors import AccessDenied, DomainError
from tracing.vocabulary import CLUSTER_KIND_OF_SETTING

__all__ = ["find_outbreak", "list_outbreaks", "load_outbreak", "load_outbreak_graph", "node_key"]

FOLLOW_UP_DAYS = 14
CENSOR_DAYS_PARTIAL = 14
_NO_ACCESS = "Du har ikke tilgang til dette utbruddet."
_CASE_COLUMNS = (
    AnalysisCase.id,
    AnalysisCase.symptom_onset,
    AnalysisCase.test_date,
    AnalysisCase.report_date,
    AnalysisCase.cluster_name,
    AnalysisCase.setting,
    AnalysisCase.row_number,
)
_LINK_COLUMNS = (
    AnalysisLink.id,
    AnalysisLink.infector_id,
    AnalysisLink.infectee_id,
    AnalysisLink.directed,
    AnalysisLink.setting,
    AnalysisLink.exposure_date,
)


def node_key(analysis_case_id: int) -> str:
    return f"a{analysis_case_id}"


def _in_scope(paths: Iterable[str]):  # type: ignore[no-untyped-def]
    return or_(*(subtree_filter(OrgUnit.path, p) for p in paths))


def list_outbreaks(session: Session, actor: Actor, *, aggregate: bool = False) -> list[AnalysisOutbreak]:
    """The actor's outbreaks, newest first (with ``org_unit`` loaded). Names no person, so not audited."""
    paths = analytics_paths(actor, aggregate)
    return list(
        session.scalars(
            select(AnalysisOutbreak)
            .join(OrgUnit, AnalysisOutbreak.org_unit_id == OrgUnit.id)
            .where(_in_scope(paths))
            .order_by(AnalysisOutbreak.created_at.desc(), AnalysisOutbreak.id.desc())
        )
    )


def find_outbreak(
    session: Session, actor: Actor, label: str, org_unit_code: str | None = None, *, aggregate: bool = False
) -> AnalysisOutbreak:
    """The actor's outbreak called ``label`` (spacing ignored), in the org unit ``org_unit_code`` when given.
    Raises DomainError("utbrudd") when there is none, or several and no org unit to tell them apart."""
    wanted = " ".join(str(label or "").split())
    if not wanted:
        raise DomainError("utbrudd", "Oppgi etiketten til utbruddet.")
    query = (
        select(AnalysisOutbreak)
        .join(OrgUnit, AnalysisOutbreak.org_unit_id == OrgUnit.id)
        .where(_in_scope(analytics_paths(actor, aggregate)), AnalysisOutbreak.label == wanted)
        .order_by(AnalysisOutbreak.id)
    )
    if org_unit_code:
        query = query.where(OrgUnit.code == org_unit_code.strip())
    found = list(session.scalars(query))
    if not found:
        where = f" i enhet {org_unit_code.strip()}" if org_unit_code else " i dine enheter"
        raise DomainError("utbrudd", f"Fant ikke noe utbrudd med etiketten «{wanted}»{where}.")
    if len(found) > 1:
        raise DomainError(
            "utbrudd", f"Flere utbrudd har etiketten «{wanted}». Oppgi organisasjonsenheten (kommunenummer) også."
        )
    return found[0]


def load_outbreak(session: Session, actor: Actor, outbreak_id: int, *, aggregate: bool = False) -> AnalysisOutbreak:
    """The outbreak, if it lies in the actor's units (unknown and out of scope look alike)."""
    paths = analytics_paths(actor, aggregate)
    outbreak = session.get(AnalysisOutbreak, outbreak_id) if isinstance(outbreak_id, int) else None
    unit = session.get(OrgUnit, outbreak.org_unit_id) if outbreak is not None else None
    if unit is None or not any(unit.path.startswith(p) for p in paths):
        raise AccessDenied(_NO_ACCESS)
    return outbreak  # type: ignore[return-value]


def load_outbreak_graph(
    session: Session, actor: Actor, outbreak_id: int, *, as_of: dt.date | None = None, aggregate: bool = False
) -> TransmissionGraph:
    """The outbreak's transmission graph (see the module doc)."""
    outbreak = load_outbreak(session, actor, outbreak_id, aggregate=aggregate)
    # Plain rows, not ORM objects: a third of the cost at 20,000 cases.
    cases = session.execute(
        select(*_CASE_COLUMNS).where(AnalysisCase.outbreak_id == outbreak.id).order_by(AnalysisCase.id)
    ).all()
    links = session.execute(
        select(*_LINK_COLUMNS).where(AnalysisLink.outbreak_id == outbreak.id).order_by(AnalysisLink.id)
    ).all()
    return build_graph(outbreak, cases, links, as_of=as_of)  # type: ignore[arg-type]


def build_graph(
    outbreak: AnalysisOutbreak, cases: Sequence[AnalysisCase], links: Sequence[AnalysisLink], *, as_of: dt.date | None = None
) -> TransmissionGraph:
    """The graph from already loaded rows (ORM objects or rows with the same attribute names; pure: no session,
    no access check)."""
    last = _last_date(cases, links)
    complete = as_of is None or (last is not None and as_of > last)
    if as_of is None:
        as_of = last + dt.timedelta(days=1) if last is not None else today_oslo()

    clusters, cluster_of_name = _clusters(outbreak, cases)
    unit_id = outbreak.org_unit_id
    nodes: dict[str, Node] = {}
    for c in cases:
        node = Node(
            key=node_key(c.id),
            is_case=True,
            label=f"Tilfelle {c.row_number}" if c.row_number is not None else f"Tilfelle {c.id}",
            onset=c.symptom_onset,
            test_date=c.test_date,
            report_date=c.report_date,
            setting=c.setting,
            cluster_ids=(cluster_of_name[c.cluster_name],) if c.cluster_name else (),
            org_unit_id=unit_id,
        )
        day = node.date
        if day is None or day <= as_of:
            nodes[node.key] = node

    kept = [link for link in links if node_key(link.infector_id) in nodes and node_key(link.infectee_id) in nodes]
    chosen = _choose_infectors(kept, nodes)
    edges = []
    for link in kept:
        source, target = nodes[node_key(link.infector_id)], nodes[node_key(link.infectee_id)]
        shared = set(source.cluster_ids) & set(target.cluster_ids)
        transmission = chosen.get(target.key) == link.id
        setting = link.setting or target.setting
        if transmission and link.setting:
            target.setting = link.setting
        edges.append(
            Edge(
                source=source.key,
                target=target.key,
                transmission=transmission,
                setting=setting,
                exposure_date=link.exposure_date,
                cluster_id=min(shared) if shared else None,
                directed=link.directed,
            )
        )
    return TransmissionGraph(
        nodes=nodes,
        edges=edges,
        as_of=as_of,
        clusters=clusters,
        follow_up_days=FOLLOW_UP_DAYS,
        censor_days=0 if complete else CENSOR_DAYS_PARTIAL,
    )


def _last_date(cases: Sequence[AnalysisCase], links: Sequence[AnalysisLink]) -> dt.date | None:
    dates = [d for c in cases for d in (c.symptom_onset, c.test_date, c.report_date) if d is not None]
    dates += [link.exposure_date for link in links if link.exposure_date is not None]
    return max(dates) if dates else None


def _clusters(outbreak: AnalysisOutbreak, cases: Sequence[AnalysisCase]) -> tuple[dict[int, ClusterInfo], dict[str, int]]:
    settings: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        if c.cluster_name:
            settings[c.cluster_name].update([c.setting] if c.setting else [])
    names = sorted(settings, key=lambda name: (name.casefold(), name))
    ids = {name: -(i + 1) for i, name in enumerate(names)}
    infos = {
        ids[name]: ClusterInfo(
            id=ids[name],
            name=name,
            kind=CLUSTER_KIND_OF_SETTING[settings[name].most_common(1)[0][0]] if settings[name] else "other",
            org_unit_id=outbreak.org_unit_id,
        )
        for name in names
    }
    return infos, ids


def _choose_infectors(links: Sequence[AnalysisLink], nodes: dict[str, Node]) -> dict[str, int]:
    """infectee key -> id of the link chosen as its transmission (see the module doc); never a cycle."""
    candidates: dict[str, list[AnalysisLink]] = defaultdict(list)
    for link in links:
        candidates[node_key(link.infectee_id)].append(link)

    def rank(link: AnalysisLink) -> tuple[int, int, bool, int]:
        infector, infectee = nodes[node_key(link.infector_id)], nodes[node_key(link.infectee_id)]
        if infector.onset and infectee.onset and infector.onset < infectee.onset:
            return 0, -infector.onset.toordinal(), not link.directed, link.id
        if infector.date and infectee.date and infector.date <= infectee.date:
            return 1, -infector.date.toordinal(), not link.directed, link.id
        return 2, 0, not link.directed, link.id

    chosen = {target: min(options, key=rank) for target, options in candidates.items()}
    parent = {target: node_key(link.infector_id) for target, link in chosen.items()}
    for target in _cycle_breaks(parent):
        del chosen[target]
    return {target: link.id for target, link in chosen.items()}


def _cycle_breaks(parent: dict[str, str]) -> list[str]:
    """Nodes whose infector link must go so that following infectors never loops (one per cycle). The import
    refuses cyclic pairs, so this only guards rows written some other way."""
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    breaks = []
    for start in parent:
        path = []
        node: str | None = start
        while node is not None and node in parent and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parent[node]
        if node is not None and state.get(node) == 1:
            breaks.append(node)
        for visited in path:
            state[visited] = 2
    return breaks
