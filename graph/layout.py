"""Node positions for the explorer's network, computed here so Cytoscape only draws them (``preset``).

Why on the server: Cytoscape.js's own force layout ('cose') takes seconds at a few hundred nodes and freezes the
browser beyond that (DESIGN.md, performance notes), while a tree layout here is O(n). Every layout starts from the
same *forest*: a case hangs under its chosen infector (its transmission edge), a contact who never became a case
under the first index case that exposed them, and each tree of that forest is one chain with its contacts.

- ``bubble``: each chain drawn as a radial tree (root in the middle, one ring per generation), the chains packed
  side by side as non-overlapping bubbles, largest first. Small graphs get rounds of force-directed relaxation
  on top, for the organic look of a spring layout.
- ``hierarchical``: y is the generation (``LEVEL_GAP`` per generation, contacts one level below their source),
  x a tidy tree order where each leaf takes one slot and a parent sits over its first and last child.
- ``timeline``: x is the node's date (``DAY_WIDTH`` per day; a contact without a date at the day it was exposed),
  y the same tidy order; nodes without a date stand in an "ukjent dato" column at ``UNDATED_X``.

The work is done on integer arrays (numpy), level by level: a first version that walked dicts of string keys
node by node took about five times as long. Now ~10 ms for 4,500 nodes, ~35 ms for 18,000 and ~0.1 s for a
20,000-case chain with its 60,000 contacts (bench/graph.py). Deterministic: the same graph, the same positions.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from operator import attrgetter

import numpy as np

from graph.model import TransmissionGraph

LAYOUTS = ("bubble", "hierarchical", "timeline")

NODE_SPACING = 48.0  # px at least between two nodes of a bubble, and between bubbles (nodes are 12-60 px wide)
SLOT = 40.0  # px per leaf across a tree (hierarchical x, timeline y): a parent of c leaves is 18 + 6 sqrt(c) wide
LEVEL_GAP = 90.0  # px between generations in the hierarchical layout
RING_GAP = 64.0  # px at least between two rings of a bubble (its generations)
DAY_WIDTH = 48.0  # px per day on the timeline
UNDATED_X = -4 * DAY_WIDTH  # the "ukjent dato" column, left of day 0
BUBBLE_GAP = 2 * NODE_SPACING  # space between two chains' bubbles
PACK_ASPECT = 1.6  # width / height the packed bubbles aim at (the explorer's canvas is landscape)
TREE_GAP_SLOTS = 1  # empty slots between two chains in the hierarchical and timeline layouts

# Force-directed relaxation (bubble layout only). networkx's spring_layout costs ~3 ms per call and is O(n^2):
# measured 450 ms for one 400-node tree on this kind of machine, too slow for a callback. The same
# Fruchterman-Reingold step is run here on all small chains at once (numpy, padded to a common size), starting
# from the radial layout, within a budget of node pairs; larger graphs and chains keep the radial tree.
SPRING_MAX_NODES = 800  # graphs above this are not relaxed at all
SPRING_MAX_CHAIN = 64  # chains above this keep the radial tree
SPRING_PAIR_BUDGET = 12_288  # sum over relaxed chains of (size rounded up to 8)^2: 15-20 ms
SPRING_ITERATIONS = 30
SPRING_SEED = 20261123

_MISSING = dt.date.min  # stands in for a missing date while converting; no case is dated in year 1
NO_DATE = _MISSING.toordinal()  # the ordinal of a missing date (1)

_ONSET_TEST_REPORT = attrgetter("onset", "test_date", "report_date")
_TO_ORDINAL = dt.date.toordinal


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic GC off while building arrays from many objects: at 100,000+ nodes its full collections,
    triggered by the allocations here, re-scan every Node of the graph and cost more than the work itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@dataclass(eq=False)
class Forest:
    """The nodes to draw as trees, on arrays indexed like ``keys`` (the graph's node order).

    ``parent`` is -1 for a root; ``depth`` is the generation for cases (0 for roots) and one more than its source
    for a contact; ``root`` the index of the tree's root; ``ordinal`` the date as ``date.toordinal()`` (a contact
    without a date of its own: the day it was exposed; ``NO_DATE`` when unknown). ``levels[d]`` holds the nodes
    at depth d, tree by tree (largest tree first) and left to right; ``roots`` the trees' roots in that order.
    ``parent_edge`` is the index in ``graph.edges`` of the edge each node hangs from (-1 for roots).
    """

    keys: list[str]
    is_case: np.ndarray
    parent: np.ndarray
    parent_edge: np.ndarray
    depth: np.ndarray
    root: np.ndarray
    ordinal: np.ndarray
    levels: list[np.ndarray]
    roots: np.ndarray
    child: np.ndarray  # all non-roots, grouped by parent (children of node i: child[ptr[i]:ptr[i + 1]])
    ptr: np.ndarray
    edge_source: np.ndarray  # per edge of graph.edges: index of its source here, -1 when not drawn
    edge_target: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    @cached_property
    def tree_rank(self) -> np.ndarray:
        """Per node, the position of its tree in ``roots`` (0 = the largest chain)."""
        rank = np.empty(len(self.keys), dtype=np.int64)
        rank[self.roots] = np.arange(self.roots.size)
        return rank[self.root]

    @property
    def day_zero(self) -> dt.date | None:
        """The earliest date among the nodes drawn: day 0 of the replay slider and of the timeline."""
        known = self.ordinal[self.ordinal != NO_DATE]
        return dt.date.fromordinal(int(known.min())) if known.size else None

    def order(self) -> np.ndarray:
        """All nodes, tree by tree (largest first), each tree breadth-first."""
        flat = np.concatenate(self.levels) if self.levels else np.empty(0, dtype=np.int64)
        return flat[np.argsort(self.tree_rank[flat], kind="stable")]


def _selected(graph: TransmissionGraph, keys: Iterable[str] | None) -> list[str]:
    """The keys to draw in the graph's own node order, so that the order ``keys`` came in never matters."""
    if keys is None:
        return list(graph.nodes)
    wanted = set(keys)
    return [k for k in graph.nodes if k in wanted]


def _children(parent: np.ndarray, is_case: np.ndarray, ordinal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Children grouped by parent (CSR arrays): the earlier half of the cases by date, then the contacts who did
    not become cases, then the later cases, so that a parent drawn over the middle of its children sits over
    its own contacts with the branches to either side."""
    n = parent.size
    kids = np.flatnonzero(parent >= 0)
    when = np.where(ordinal[kids] == NO_DATE, np.iinfo(np.int64).max, ordinal[kids])
    child = kids[np.lexsort((kids, when, ~is_case[kids], parent[kids]))]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(parent[child], minlength=n), out=ptr[1:])
    above = parent[child]
    case = is_case[child]
    place = np.arange(child.size) - ptr[above]
    half = (np.bincount(above[case], minlength=n) + 1) // 2
    group = np.where(case, np.where(place < half[above], 0, 2), 1)
    child = child[np.lexsort((np.arange(child.size), group, above))]
    return child, ptr


def _gather(frontier: np.ndarray, child: np.ndarray, ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The children of ``frontier``, in frontier order, and how many each frontier node has."""
    count = ptr[frontier + 1] - ptr[frontier]
    total = int(count.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), count
    first = np.cumsum(count) - count
    at = np.repeat(ptr[frontier] - first, count) + np.arange(total)
    return child[at], count


def _walk(roots: np.ndarray, child: np.ndarray, ptr: np.ndarray, depth: np.ndarray, root: np.ndarray) -> list[np.ndarray]:
    """Breadth-first from ``roots`` (in that order): fills ``depth`` and ``root``, returns the levels."""
    levels = [roots]
    depth[roots] = 0
    root[roots] = roots
    frontier = roots
    d = 0
    while frontier.size:
        nxt, _ = _gather(frontier, child, ptr)
        if not nxt.size:
            break
        d += 1
        depth[nxt] = d
        root[nxt] = np.repeat(root[frontier], ptr[frontier + 1] - ptr[frontier])
        levels.append(nxt)
        frontier = nxt
    return levels


def forest(graph: TransmissionGraph, keys: Iterable[str] | None = None) -> Forest:
    """The drawing forest over ``keys`` (all nodes by default); see the module docstring."""
    names = _selected(graph, keys)
    n = len(names)
    nodes = graph.nodes
    chosen = list(nodes.values()) if keys is None else list(map(nodes.__getitem__, names))
    index = {k: i for i, k in enumerate(names)}
    is_case = np.fromiter(map(attrgetter("is_case"), chosen), dtype=bool, count=n)
    dates = [o or t or r or _MISSING for o, t, r in map(_ONSET_TEST_REPORT, chosen)]
    ordinal = np.fromiter(map(_TO_ORDINAL, dates), dtype=np.int64, count=n)

    edges = graph.edges
    m = len(edges)
    src = np.fromiter(map(index.get, map(attrgetter("source"), edges), repeat(-1)), dtype=np.int64, count=m)
    dst = np.fromiter(map(index.get, map(attrgetter("target"), edges), repeat(-1)), dtype=np.int64, count=m)
    transmission = np.fromiter(map(attrgetter("transmission"), edges), dtype=bool, count=m)
    if not n:
        none = np.empty(0, dtype=np.int64)
        return Forest([], np.empty(0, dtype=bool), none, none, none, none, none, [], none, none, np.zeros(1, np.int64), src, dst)

    # A case hangs from its first transmission edge, a contact from the first edge that exposed it.
    drawn = (src >= 0) & (dst >= 0) & (src != dst)
    safe_dst = np.where(dst >= 0, dst, 0)
    candidate = np.flatnonzero(drawn & np.where(is_case[safe_dst], transmission, True))
    targets, first = np.unique(dst[candidate], return_index=True)
    parent = np.full(n, -1, dtype=np.int64)
    parent_edge = np.full(n, -1, dtype=np.int64)
    parent_edge[targets] = candidate[first]
    parent[targets] = src[parent_edge[targets]]

    undated = np.flatnonzero(~is_case & (ordinal == NO_DATE) & (parent_edge >= 0))
    if undated.size:
        exposed = map(attrgetter("exposure_date"), map(edges.__getitem__, parent_edge[undated].tolist()))
        ordinal[undated] = list(map(_TO_ORDINAL, (d or _MISSING for d in exposed)))

    depth = np.full(n, -1, dtype=np.int64)
    root = np.full(n, -1, dtype=np.int64)
    while True:
        child, ptr = _children(parent, is_case, ordinal)
        levels = _walk(np.flatnonzero(parent < 0), child, ptr, depth, root)
        lost = np.flatnonzero(depth < 0)
        if not lost.size:
            break
        # Infectors that go round in a circle (bad data): the earliest-dated node left over becomes a root, as
        # graph.chains does, and the walk starts again.
        when = np.where(ordinal[lost] == NO_DATE, np.iinfo(np.int64).max, ordinal[lost])
        candidates = lost[when == when.min()]
        cut = min(candidates.tolist(), key=names.__getitem__)
        parent[cut] = -1
        parent_edge[cut] = -1

    # Trees largest first (then in graph order of their root); every level re-ordered to follow.
    size = np.ones(n, dtype=np.int64)
    for level in reversed(levels[1:]):
        np.add.at(size, parent[level], size[level])
    roots = levels[0]
    roots = roots[np.lexsort((roots, -size[roots]))]
    levels = _walk(roots, child, ptr, depth, root)
    return Forest(names, is_case, parent, parent_edge, depth, root, ordinal, levels, roots, child, ptr, src, dst)


# ---------------------------------------------------------------------------------------------------------
# Tidy order: each leaf one slot, a parent over the middle of its first and last child


def _slots(f: Forest, gap: int = TREE_GAP_SLOTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centre slot of each node, leaves below each node, first slot of each node's tree)."""
    n = len(f)
    count = f.ptr[1:] - f.ptr[:-1]
    leaves = (count == 0).astype(np.int64)
    for level in reversed(f.levels[1:]):
        np.add.at(leaves, f.parent[level], leaves[level])
    start = np.zeros(n, dtype=np.float64)
    widths = leaves[f.roots] + gap
    start[f.roots] = np.cumsum(widths) - widths
    for level, above in zip(f.levels[1:], f.levels[:-1], strict=False):
        # Within each parent's group of children, each child starts where its elder siblings' leaves end.
        width = leaves[level]
        before = np.cumsum(width) - width
        per_parent = count[above]
        group_first = np.repeat(before[(np.cumsum(per_parent) - per_parent)[per_parent > 0]], per_parent[per_parent > 0])
        start[level] = start[f.parent[level]] + before - group_first
    tree_start = start[f.root]
    centre = start + 0.5
    for level in reversed(f.levels[:-1]):
        inner = level[count[level] > 0]
        if inner.size:
            centre[inner] = (centre[f.child[f.ptr[inner]]] + centre[f.child[f.ptr[inner + 1] - 1]]) / 2
    return centre, leaves, tree_start


def _hierarchical(f: Forest) -> tuple[np.ndarray, np.ndarray]:
    centre, _, _ = _slots(f)
    return centre * SLOT, f.depth * LEVEL_GAP


def _timeline(f: Forest) -> tuple[np.ndarray, np.ndarray]:
    centre, _, _ = _slots(f)
    zero = f.day_zero
    known = f.ordinal != NO_DATE
    x = np.full(len(f), UNDATED_X)
    if zero is not None:
        x[known] = (f.ordinal[known] - zero.toordinal()) * DAY_WIDTH
    return x, centre * SLOT


# ---------------------------------------------------------------------------------------------------------
# Bubbles: radial trees, packed


def _radial(f: Forest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every tree as a radial tree around its own (0, 0): (x, y, radius of each tree's bubble, by tree rank).

    A node's angle is the middle of its leaves' share of the circle. The angles do not depend on the radii, so
    each ring is made just wide enough that its two closest nodes are ``NODE_SPACING`` apart (and at least
    ``RING_GAP`` beyond the ring inside it): nothing within a chain overlaps.
    """
    n = len(f)
    centre, leaves, tree_start = _slots(f, gap=0)
    angle = (centre - tree_start) * (2 * math.pi / leaves[f.root])
    ring = np.zeros(n)  # per root: radius of the ring last placed
    r = np.zeros(n)
    for level in f.levels[1:]:
        # Each level holds its trees one after another, each left to right (increasing angle).
        owner = f.root[level]
        a = angle[level]
        begins = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        ends = np.r_[begins[1:], level.size] - 1
        step = np.r_[np.inf, np.diff(a)]
        step[begins] = np.inf
        gap = np.minimum(np.minimum.reduceat(step, begins), 2 * math.pi - (a[ends] - a[begins]))
        with np.errstate(divide="ignore"):
            need = np.where(gap < math.pi, NODE_SPACING / (2 * np.sin(np.minimum(gap, math.pi) / 2)), 0.0)
        trees = owner[begins]
        ring[trees] = np.maximum(ring[trees] + RING_GAP, need)
        r[level] = ring[owner]
    return r * np.cos(angle), r * np.sin(angle), ring[f.roots] + NODE_SPACING / 2


def _relax(f: Forest, x: np.ndarray, y: np.ndarray) -> list[int]:
    """Fruchterman-Reingold rounds on the small chains, in place, all chains of a padded size at once.

    Starts from the radial positions (plus a seeded sub-pixel jitter so that straight chains can bend) with a
    small temperature, so the result keeps the radial tree's arrangement and only loosens it. Chains are taken
    largest first while the budget of node pairs lasts. Returns the ranks of the trees it moved.
    """
    rng = np.random.default_rng(SPRING_SEED)
    k2 = (NODE_SPACING * 1.25) ** 2  # the ideal edge length, squared
    order = f.order()
    sizes = np.bincount(f.tree_rank, minlength=f.roots.size)
    bounds = np.r_[0, np.cumsum(sizes)]
    buckets: dict[int, list[int]] = {}
    budget = SPRING_PAIR_BUDGET
    for rank, size in enumerate(sizes.tolist()):
        if size < 3 or size > SPRING_MAX_CHAIN:
            continue
        m = -(-size // 8) * 8
        if m * m > budget:
            continue
        budget -= m * m
        buckets.setdefault(m, []).append(rank)
    local = np.empty(len(f), dtype=np.int64)
    moved: list[int] = []
    for m in sorted(buckets):
        ranks = buckets[m]
        b = len(ranks)
        px = np.zeros((b, m))
        py = np.zeros((b, m))
        valid = np.zeros((b, m), dtype=bool)
        adj = np.zeros((b, m, m))
        members = []
        for i, rank in enumerate(ranks):
            tree = order[bounds[rank] : bounds[rank + 1]]
            members.append(tree)
            size = tree.size
            px[i, :size] = x[tree]
            py[i, :size] = y[tree]
            valid[i, :size] = True
            local[tree] = np.arange(size)
            below = tree[1:]
            a, c = local[below], local[f.parent[below]]
            adj[i, a, c] = adj[i, c, a] = 1.0
        px += rng.uniform(-0.5, 0.5, px.shape) * valid
        py += rng.uniform(-0.5, 0.5, py.shape) * valid
        pair = (valid[:, :, None] & valid[:, None, :] & ~np.eye(m, dtype=bool)[None]).astype(np.float64)
        pull = adj / math.sqrt(k2)
        temperature = NODE_SPACING / 2
        cool = temperature / (SPRING_ITERATIONS + 1)
        for _ in range(SPRING_ITERATIONS):
            dx = px[:, :, None] - px[:, None, :]
            dy = py[:, :, None] - py[:, None, :]
            dist2 = np.maximum(dx * dx + dy * dy, 1.0)
            force = (k2 / dist2 - pull * np.sqrt(dist2)) * pair
            mx = (dx * force).sum(2)
            my = (dy * force).sum(2)
            length = np.maximum(np.hypot(mx, my), 1e-9)
            scale = np.minimum(length, temperature) / length
            px += mx * scale
            py += my * scale
            temperature -= cool
        for i, tree in enumerate(members):
            x[tree] = px[i, : tree.size]
            y[tree] = py[i, : tree.size]
        moved.extend(ranks)
    return moved


def pack(radii: list[float], gap: float = BUBBLE_GAP, aspect: float = PACK_ASPECT) -> list[tuple[float, float]]:
    """Centres for discs of the given radii, in rows (shelf packing, largest first): no two discs overlap.

    Each disc is placed in its own square, the rows made ``aspect`` times as wide as the squares' total area is
    tall, so the whole picture roughly fills a landscape screen. Returned in the order of ``radii``.
    """
    if not radii:
        return []
    by_size = sorted(range(len(radii)), key=lambda i: (-radii[i], i))
    width = max(2 * radii[by_size[0]], math.sqrt(aspect * sum((2 * r + gap) ** 2 for r in radii)))
    out: list[tuple[float, float]] = [(0.0, 0.0)] * len(radii)
    x = y = row_height = 0.0
    for i in by_size:
        side = 2 * radii[i]
        if x > 0 and x + side > width:
            y += row_height + gap
            x = row_height = 0.0
        out[i] = (x + radii[i], y + radii[i])
        x += side + gap
        row_height = max(row_height, side)
    return out


def _bubble(f: Forest) -> tuple[np.ndarray, np.ndarray]:
    x, y, radius = _radial(f)
    if len(f) <= SPRING_MAX_NODES:
        moved = _relax(f, x, y)
        if moved:
            # Re-centre each relaxed chain on its centroid and measure the disc that now holds it.
            rank = f.tree_rank
            trees = f.roots.size
            count = np.bincount(rank, minlength=trees)
            cx = np.bincount(rank, weights=x, minlength=trees) / count
            cy = np.bincount(rank, weights=y, minlength=trees) / count
            sel = np.isin(rank, moved)
            x[sel] -= cx[rank[sel]]
            y[sel] -= cy[rank[sel]]
            reach = np.zeros(trees)
            np.maximum.at(reach, rank[sel], np.hypot(x[sel], y[sel]))
            radius[moved] = reach[moved] + NODE_SPACING / 2
    centres = np.array(pack(radius.tolist()), dtype=np.float64).reshape(-1, 2)
    rank = f.tree_rank
    return x + centres[rank, 0], y + centres[rank, 1]


_LAYOUTS = {"bubble": _bubble, "hierarchical": _hierarchical, "timeline": _timeline}


@dataclass(eq=False)
class Arrangement:
    """A forest and its node positions (``x``, ``y`` indexed like ``forest.keys``)."""

    forest: Forest
    x: np.ndarray
    y: np.ndarray

    @property
    def positions(self) -> dict[str, tuple[float, float]]:
        with _gc_paused():
            return dict(zip(self.forest.keys, zip(self.x.tolist(), self.y.tolist(), strict=True), strict=True))


def arrange(graph: TransmissionGraph, layout: str, keys: Iterable[str] | None = None) -> Arrangement:
    """The forest and the positions of ``keys`` (all nodes by default) in one of ``LAYOUTS``."""
    if layout not in _LAYOUTS:
        raise ValueError(f"Ukjent oppsett: {layout!r} (gyldige: {', '.join(LAYOUTS)})")
    with _gc_paused():
        f = forest(graph, keys)
        if not len(f):
            return Arrangement(f, np.empty(0), np.empty(0))
        x, y = _LAYOUTS[layout](f)
    return Arrangement(f, x.astype(np.float64), y.astype(np.float64))


def positions(graph: TransmissionGraph, layout: str, keys: Iterable[str] | None = None) -> dict[str, tuple[float, float]]:
    """node key -> (x, y) in Cytoscape's model coordinates (px, y down), for a ``preset`` layout."""
    return arrange(graph, layout, keys).positions


def all_positions(graph: TransmissionGraph, keys: Iterable[str] | None = None) -> dict[str, dict[str, tuple[float, float]]]:
    """layout -> node key -> (x, y) for every one of ``LAYOUTS``, the forest built once: for a page that switches
    layouts in the browser without asking the server again."""
    with _gc_paused():
        f = forest(graph, keys)
        out: dict[str, dict[str, tuple[float, float]]] = {}
        for name in LAYOUTS:
            if not len(f):
                out[name] = {}
                continue
            x, y = _LAYOUTS[name](f)
            out[name] = Arrangement(f, x.astype(np.float64), y.astype(np.float64)).positions
    return out
