"""Server-side positions for the explorer (graph/layout.py): every node placed, deterministic, generations as rows,
dates as columns, and chains packed as bubbles that never overlap."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random

import numpy as np
import pytest

from graph import layout
from graph.chains import generations
from graph.layout import (
    DAY_WIDTH,
    LAYOUTS,
    LEVEL_GAP,
    NODE_SPACING,
    SLOT,
    UNDATED_X,
    all_positions,
    arrange,
    pack,
    positions,
)
from graph.model import Edge, Node, TransmissionGraph
from graph.simulate import simulate_outbreak

DAY0 = dt.date(2026, 10, 1)


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def case(key: str, onset: int | None, **kw: object) -> Node:
    return Node(key, True, f"Sak {key[1:]}", status="active", onset=day(onset) if onset is not None else None, **kw)


def contact(key: str) -> Node:
    return Node(key, False, f"Kontakt {key[1:]}")


def graph_of(nodes: list[Node], edges: list[Edge]) -> TransmissionGraph:
    return TransmissionGraph({n.key: n for n in nodes}, edges, as_of=day(40))


def small_world() -> TransmissionGraph:
    """Chain 1: c1 -> c2, c3; c2 -> c4; c1 exposed p10, p11 (never ill); c3 exposed p12.
    Chain 2: c5 -> c6. A lone case c7, and c8 with no date at all."""
    nodes = [case("c1", 0), case("c2", 4), case("c3", 5), case("c4", 9), case("c5", 2), case("c6", 7), case("c7", 3),
             case("c8", None), contact("p10"), contact("p11"), contact("p12")]
    edges = [
        Edge("c1", "c2", True, "household", day(1)),
        Edge("c1", "c3", True, "school", day(2)),
        Edge("c2", "c4", True, "household", day(6)),
        Edge("c1", "p10", False, "household", day(1)),
        Edge("c1", "p11", False, "event", day(2)),
        Edge("c3", "p12", False, "school", day(4)),
        Edge("c5", "c6", True, "workplace", day(4)),
    ]
    return graph_of(nodes, edges)


def simulated(seed: int = 7, seeds: int = 12, horizon: int = 45) -> TransmissionGraph:
    return simulate_outbreak(
        r=1.1, k=0.5, si_mean=5.0, si_sd=2.0, seeds=seeds, horizon_days=horizon, seed=seed, contacts_per_case=1.5
    ).graph


def min_distance_between_groups(pos: dict[str, tuple[float, float]], group: dict[str, str]) -> float:
    keys = list(pos)
    xy = np.array([pos[k] for k in keys])
    g = np.array([group[k] for k in keys])
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    other = g[:, None] != g[None, :]
    return float(d[other].min()) if other.any() else math.inf


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_node_gets_a_finite_position(name: str) -> None:
    for graph in (small_world(), simulated()):
        pos = positions(graph, name)
        assert set(pos) == set(graph.nodes)
        assert all(math.isfinite(x) and math.isfinite(y) for x, y in pos.values())


@pytest.mark.parametrize("name", LAYOUTS)
def test_positions_are_deterministic_whatever_order_the_keys_come_in(name: str) -> None:
    graph = simulated()
    keys = list(graph.nodes)
    shuffled = keys[:]
    random.Random(3).shuffle(shuffled)
    assert positions(graph, name) == positions(graph, name)
    assert positions(graph, name, keys) == positions(graph, name, shuffled)


def test_all_positions_at_once_equal_each_layout_alone() -> None:
    graph = simulated()
    keys = list(graph.nodes)[:150]
    every = all_positions(graph, keys)
    assert set(every) == set(LAYOUTS)
    for name in LAYOUTS:
        assert every[name] == positions(graph, name, keys)
    assert all_positions(graph, []) == {name: {} for name in LAYOUTS}


def test_keys_limit_what_is_placed() -> None:
    graph = small_world()
    pos = positions(graph, "hierarchical", ["c5", "c6", "c1"])
    assert set(pos) == {"c1", "c5", "c6"}
    assert pos["c6"][1] == LEVEL_GAP  # c6 still hangs under c5
    assert positions(graph, "bubble", []) == {}


def test_hierarchical_rows_are_generations_and_contacts_sit_one_below_their_source() -> None:
    for graph in (small_world(), simulated()):
        pos = positions(graph, "hierarchical")
        depth = generations(graph)
        for key, node in graph.nodes.items():
            if node.is_case:
                assert pos[key][1] == depth[key] * LEVEL_GAP, key
        sources = {e.target: e.source for e in reversed(graph.edges) if not graph.nodes[e.target].is_case}
        for key, source in sources.items():
            assert pos[key][1] == pos[source][1] + LEVEL_GAP


def test_hierarchical_parent_stands_over_its_children_and_chains_do_not_interleave() -> None:
    graph = small_world()
    pos = positions(graph, "hierarchical")
    kids = {"c1": ["c2", "c3", "p10", "p11"], "c2": ["c4"], "c3": ["p12"], "c5": ["c6"]}
    for parent, children in kids.items():
        xs = [pos[c][0] for c in children]
        assert min(xs) <= pos[parent][0] <= max(xs)
    # The largest chain first, then the pair, then the lone cases, left to right.
    assert max(pos[k][0] for k in ("c1", "c2", "c3", "c4", "p10", "p11", "p12")) < pos["c5"][0]
    assert max(pos["c5"][0], pos["c6"][0]) < min(pos["c7"][0], pos["c8"][0])
    # No two nodes of one generation share a place.
    rows: dict[float, list[float]] = {}
    for x, y in pos.values():
        rows.setdefault(y, []).append(x)
    for xs in rows.values():
        xs.sort()
        assert all(b - a >= SLOT for a, b in itertools.pairwise(xs))


def test_timeline_x_follows_the_date_and_undated_nodes_stand_left() -> None:
    graph = small_world()
    pos = positions(graph, "timeline")
    first = min(n.date for n in graph.nodes.values() if n.date)
    for key, node in graph.nodes.items():
        if node.is_case and node.date is not None:
            assert pos[key][0] == (node.date - first).days * DAY_WIDTH
    assert pos["c8"][0] == UNDATED_X < min(x for k, (x, _) in pos.items() if k != "c8")
    # A contact without a date of its own stands at the day it was exposed.
    assert pos["p11"][0] == (day(2) - first).days * DAY_WIDTH


def test_timeline_orders_a_simulated_outbreak_by_date() -> None:
    graph = simulated()
    pos = positions(graph, "timeline")
    dated = sorted((n.date, k) for k, n in graph.nodes.items() if n.is_case and n.date is not None)
    xs = [pos[k][0] for _, k in dated]
    assert xs == sorted(xs)
    assert len({(d, pos[k][0]) for d, k in dated}) == len({d for d, _ in dated})  # one column per day


@pytest.mark.parametrize("seeds,horizon", [(12, 45), (60, 40)])
def test_bubbles_of_different_chains_never_overlap(seeds: int, horizon: int) -> None:
    """Small graphs are relaxed force-directed, large ones (> SPRING_MAX_NODES) keep radial trees: both packed."""
    graph = simulated(seed=11, seeds=seeds, horizon=horizon)
    arranged = arrange(graph, "bubble")
    f = arranged.forest
    pos = arranged.positions
    tree = {k: f.keys[r] for k, r in zip(f.keys, f.root.tolist(), strict=True)}
    assert len(set(tree.values())) > 3
    assert min_distance_between_groups(pos, tree) >= NODE_SPACING
    if len(graph.nodes) > layout.SPRING_MAX_NODES:
        # The radial tree keeps every two nodes of a chain apart too.
        xy = np.array(list(pos.values()))
        d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)) + np.eye(len(xy)) * 1e9
        assert d.min() >= NODE_SPACING * 0.999


def test_bubble_rings_are_generations_before_relaxing() -> None:
    graph = simulated(seed=11, seeds=60, horizon=40)
    assert len(graph.nodes) > layout.SPRING_MAX_NODES
    arranged = arrange(graph, "bubble")
    f = arranged.forest
    largest = np.flatnonzero(f.tree_rank == 0)
    centre = (arranged.x[f.roots[0]], arranged.y[f.roots[0]])
    radius = {}
    for i in largest.tolist():
        r = round(math.hypot(arranged.x[i] - centre[0], arranged.y[i] - centre[1]), 6)
        radius.setdefault(int(f.depth[i]), set()).add(r)
    assert all(len(rs) == 1 for rs in radius.values())
    ordered = [radius[d].pop() for d in sorted(radius)]
    assert ordered == sorted(ordered) and ordered[0] == 0


def test_a_circle_of_infectors_is_cut_at_its_earliest_case() -> None:
    nodes = [case("c1", 5), case("c2", 3), case("c3", 8), contact("p4")]
    edges = [Edge("c1", "c2", True), Edge("c2", "c3", True), Edge("c3", "c1", True), Edge("c3", "p4", False)]
    graph = graph_of(nodes, edges)
    for name in LAYOUTS:
        assert set(positions(graph, name)) == set(graph.nodes)
    pos = positions(graph, "hierarchical")
    assert [pos[k][1] / LEVEL_GAP for k in ("c2", "c3", "c1", "p4")] == [0, 1, 2, 2]
    assert generations(graph) == {"c2": 0, "c3": 1, "c1": 2}


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="Ukjent oppsett"):
        positions(small_world(), "spiral")


def test_pack_keeps_discs_apart_and_in_the_given_order() -> None:
    radii = [5.0, 40.0, 12.0, 12.0, 80.0, 3.0]
    centres = pack(radii, gap=10.0)
    assert len(centres) == len(radii)
    for i in range(len(radii)):
        for j in range(i + 1, len(radii)):
            dist = math.dist(centres[i], centres[j])
            assert dist >= radii[i] + radii[j] + 10.0 - 1e-9
    assert centres[4] == (80.0, 80.0)  # the largest disc opens the first row
    assert pack([]) == []
