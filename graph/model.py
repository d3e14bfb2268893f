"""The transmission graph every analysis works on, whatever it came from (the register or an imported line list).

Nodes are cases, plus the registered contacts who never became cases; edges are exposures (index -> contact).
An edge into a case that names its chosen infector is a *transmission* edge; the others are exposures only.
Measures (graph/measures.py and friends), chains (graph/chains.py) and the Cytoscape elements
(graph/elements.py) all read this one structure, so the store loader (graph/store.py) and the line-list loader
(graph/outbreak.py) only have to fill it.

Privacy: a node carries ids and dates, never a name or a fødselsnummer; ``label`` is "Sak 123"-style.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx


@dataclass(slots=True)
class Node:
    """A case (``is_case``) or a contact who never became one (excluded from chain sizes, as in Go.Data).

    ``key`` is "c<case id>" for a register case, "p<person id>" for a register contact, "a<analysis case id>" for
    a line-list case. ``status`` is the register case's status ("active"/"closed"); line-list cases have none.
    ``was_contact``: a case first registered as a close contact (a contact who became a case).
    ``setting``: where the node was infected/exposed (setting of its incoming transmission or exposure edge).
    """

    key: str
    is_case: bool
    label: str
    status: str | None = None
    was_contact: bool = False
    onset: dt.date | None = None
    test_date: dt.date | None = None
    report_date: dt.date | None = None
    setting: str | None = None
    cluster_ids: tuple[int, ...] = ()
    org_unit_id: int | None = None
    person_id: int | None = None
    case_id: int | None = None

    @property
    def date(self) -> dt.date | None:
        """The reference date: symptom onset, else test date, else report date."""
        return self.onset or self.test_date or self.report_date


@dataclass(slots=True)
class Edge:
    """infector/index ``source`` -> infectee/contact ``target``.

    ``transmission``: the target is a case and this is its chosen infector (each case has at most one).
    ``directed`` false: an undirected line-list pair, oriented by symptom onset.
    """

    source: str
    target: str
    transmission: bool
    setting: str | None = None
    exposure_date: dt.date | None = None
    cluster_id: int | None = None
    directed: bool = True


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    id: int
    name: str
    kind: str | None = None
    org_unit_id: int | None = None


@dataclass
class TransmissionGraph:
    """Nodes by key, edges, the clusters the nodes belong to, and the day the analysis is made for.

    ``follow_up_days``: a chain with a case or exposure dated within this many days before ``as_of`` is active.
    ``censor_days``: a case's offspring count is complete only when its reference date is at least this many days
    before ``as_of`` (its secondary cases would have been seen); later cases are left out of R, k and the
    serial interval, which would otherwise be biased low by cases that have not had time to infect anyone.
    """

    nodes: dict[str, Node]
    edges: list[Edge]
    as_of: dt.date
    clusters: dict[int, ClusterInfo] = field(default_factory=dict)
    follow_up_days: int = 14
    censor_days: int = 14

    @cached_property
    def digraph(self) -> nx.DiGraph:
        """All nodes and edges as a networkx DiGraph (node attribute ``node``, edge attribute ``edge``)."""
        g = nx.DiGraph()
        g.add_nodes_from((k, {"node": n}) for k, n in self.nodes.items())
        g.add_edges_from((e.source, e.target, {"edge": e}) for e in self.edges)
        return g

    @cached_property
    def tree(self) -> nx.DiGraph:
        """Cases and transmission edges only: a forest (each case has at most one infector)."""
        g = nx.DiGraph()
        g.add_nodes_from(k for k, n in self.nodes.items() if n.is_case)
        g.add_edges_from((e.source, e.target) for e in self.edges if e.transmission)
        return g

    @property
    def case_keys(self) -> list[str]:
        return [k for k, n in self.nodes.items() if n.is_case]

    def subgraph(self, keys: list[str] | set[str]) -> TransmissionGraph:
        """The nodes ``keys`` and the edges among them, with the same analysis settings (a drilled-into chain,
        one cluster of an outbreak)."""
        keep = set(keys)
        nodes = {k: n for k, n in self.nodes.items() if k in keep}
        clusters = {c for n in nodes.values() for c in n.cluster_ids}
        return TransmissionGraph(
            nodes=nodes,
            edges=[e for e in self.edges if e.source in keep and e.target in keep],
            as_of=self.as_of,
            clusters={c: info for c, info in self.clusters.items() if c in clusters},
            follow_up_days=self.follow_up_days,
            censor_days=self.censor_days,
        )

    def infector(self) -> dict[str, str]:
        """infectee key -> infector key, for cases with a known infector."""
        return {e.target: e.source for e in self.edges if e.transmission}
