"""Transmission chains, generations and offspring, computed from one ``TransmissionGraph``.

The infector of each case is already chosen by the loaders (``Edge.transmission``); everything here only reads
the forest of cases and transmission edges (``graph.tree``). A chain is a weakly connected group of cases linked
by transmission, as in Go.Data: contacts who never became cases do not add to its size, but are counted in
``Chain.contacts``.

Bad data must never hang a page: two cases registered as each other's infector make a cycle with no root. Such a
cycle gets its earliest-dated case as root, and every walk here visits each node once.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from graph.model import TransmissionGraph

_LAST = dt.date.max


@dataclass(frozen=True, slots=True)
class Chain:
    """One chain. ``id`` is the key of its first case (by date, then key), so it stays the same as the chain
    grows forward. ``generations`` is the number of generation levels (a lone case has 1). ``active``: a case or
    an exposure touching one of its cases is dated from ``graph.as_of - graph.follow_up_days`` to ``graph.as_of``,
    both inclusive (a date after ``as_of`` does not count: the analysis is for that day)."""

    id: str
    case_keys: tuple[str, ...]
    size: int
    generations: int
    start: dt.date | None
    end: dt.date | None
    active: bool
    roots: tuple[str, ...]
    contacts: int


@dataclass(frozen=True, slots=True)
class ChainKpis:
    chains: int
    active_chains: int
    largest: int
    max_generations: int


def _date(graph: TransmissionGraph, key: str) -> dt.date | None:
    node = graph.nodes.get(key)  # a tree node missing from ``nodes`` would be a loader's bug: sort it last
    return node.date if node is not None else None


def _order(graph: TransmissionGraph, key: str) -> tuple[dt.date, str]:
    return (_date(graph, key) or _LAST, key)


def generations(graph: TransmissionGraph) -> dict[str, int]:
    """Case key -> depth below its chain's root (0 for a case with no known infector).

    Breadth-first from all roots at once, so a case with two recorded infectors (bad data) gets the shorter
    depth. Cases left unvisited sit on a cycle or below one: the earliest-dated of them becomes a root, and so on
    until every case has a depth.
    """
    tree = graph.tree
    depth: dict[str, int] = {}
    roots = sorted((k for k, d in tree.in_degree() if d == 0), key=lambda k: _order(graph, k))
    _walk(tree, roots, depth)
    if len(depth) < tree.number_of_nodes():
        for key in sorted((k for k in tree if k not in depth), key=lambda k: _order(graph, k)):
            if key not in depth:
                _walk(tree, [key], depth)
    return depth


def _walk(tree: nx.DiGraph, roots: Iterable[str], depth: dict[str, int]) -> None:
    queue: deque[str] = deque()
    for root in roots:
        depth[root] = 0
        queue.append(root)
    succ = tree.succ
    while queue:
        key = queue.popleft()
        below = depth[key] + 1
        for child in succ[key]:
            if child not in depth:
                depth[child] = below
                queue.append(child)


def offspring_counts(graph: TransmissionGraph) -> dict[str, int]:
    """Case key -> number of cases it infected (its transmission children)."""
    return {key: degree for key, degree in graph.tree.out_degree()}


def chains(graph: TransmissionGraph) -> list[Chain]:
    """The chains of the graph, largest first (then earliest, then by id)."""
    tree = graph.tree
    depth = generations(graph)
    nodes = graph.nodes
    dates = {k: n.date for k, n in nodes.items() if n.is_case}
    since, until = graph.as_of - dt.timedelta(days=graph.follow_up_days), graph.as_of

    # One pass over the edges: the contact-only nodes each case exposed, and the nodes touched by a recent exposure.
    exposed: dict[str, set[str]] = {}
    recent = {k for k, d in dates.items() if d is not None and since <= d <= until}
    for edge in graph.edges:
        source, target = edge.source, edge.target
        if source in dates and target in nodes and target not in dates:
            found = exposed.get(source)
            if found is None:
                exposed[source] = {target}
            else:
                found.add(target)
        day = edge.exposure_date
        if day is not None and since <= day <= until:
            recent.add(source)
            recent.add(target)

    def order(key: str) -> tuple[dt.date, str]:
        return (dates.get(key) or _LAST, key)

    found_chains: list[Chain] = []
    for component in nx.weakly_connected_components(tree):
        keys = sorted(component, key=order)
        dated = [d for d in (dates.get(k) for k in keys) if d is not None]
        contacts: set[str] = set()
        for k in keys:
            more = exposed.get(k)
            if more:
                contacts |= more
        found_chains.append(
            Chain(
                id=keys[0],
                case_keys=tuple(keys),
                size=len(keys),
                generations=max(depth[k] for k in keys) + 1,
                start=min(dated) if dated else None,
                end=max(dated) if dated else None,
                active=not recent.isdisjoint(keys),
                roots=tuple(k for k in keys if depth[k] == 0),
                contacts=len(contacts),
            )
        )
    found_chains.sort(key=lambda c: (-c.size, c.start or _LAST, c.id))
    return found_chains


def chain_kpis(found: Sequence[Chain]) -> ChainKpis:
    """The four numbers above the explorer: chains, active chains, the largest chain's size, most generations."""
    return ChainKpis(
        chains=len(found),
        active_chains=sum(1 for c in found if c.active),
        largest=max((c.size for c in found), default=0),
        max_generations=max((c.generations for c in found), default=0),
    )


__all__ = ["Chain", "ChainKpis", "chain_kpis", "chains", "generations", "offspring_counts"]
