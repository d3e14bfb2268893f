"""The explorer's network as Cytoscape elements (plain dicts, no Dash import) with positions from graph/layout.py.

Why here and not in the page: the same elements feed the page, its tests and the bench, and building them for a
20,000-case chain is the part of a request that must stay fast, so it is done once, over the layout's arrays.

Node ``data``: ``id`` (the node key), ``label`` ("Sak 123" - never a name), ``size`` (by offspring),
``day`` (whole days since the first date drawn, for the replay slider; 0 when the node has no date), ``date``
(ISO), ``kind`` (one of ``KINDS``), ``setting``, ``chain`` (the chain's id, as graph.chains names it) and
``cluster`` (its first cluster's id). Nothing more: at 20,000 nodes every key costs (the side panel asks the
graph for the rest of a clicked node). Node ``classes``: the kind, ``status-<status>``,
``undated``, ``root``, ``in-cluster`` and ``cluster-<id>`` per cluster - so the page can highlight a chain, a
cluster or the replay's future by toggling classes (``future``, ``selected``, ``faded``) without a new stylesheet.

Clusters are a data field and classes rather than Cytoscape compound parents: a cluster's members lie in many
chains, and a compound box drawn around them would cover the bubbles between them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

import numpy as np

from graph import layout as _layout
from graph.chains import Chain
from graph.layout import NO_DATE, arrange, pack
from graph.model import TransmissionGraph
from tracing.vocabulary import EXPOSURE_SETTING_NB

KINDS = ("index-active", "index-closed", "became-case", "contact")

# Fill colours (Okabe-Ito hues, colour-blind safe), each at least 3:1 against the white page (WCAG 1.4.11), and
# every node outlined in near-black; the kinds also differ in shape, so colour is never the only cue.
KIND_STYLE = {
    "index-active": ("Indekstilfelle, aktiv", "#D55E00", "ellipse"),
    "index-closed": ("Indekstilfelle, avsluttet", "#0072B2", "ellipse"),
    "became-case": ("Nærkontakt som ble tilfelle", "#CC79A7", "round-diamond"),
    "contact": ("Nærkontakt (ikke smittet)", "#767676", "round-rectangle"),
}
INK = "#1A1A1A"
PAGE = "#FFFFFF"
TRANSMISSION_COLOUR = "#4D4D4D"
EXPOSURE_COLOUR = "#8A8A8A"
HIGHLIGHT = "#000000"

# Edge line per exposure setting: (Cytoscape line-style, dash pattern or None, CSS border-style for the legend).
SETTING_LINE = {
    "household": ("solid", None, "solid"),
    "school": ("dashed", [8, 4], "dashed"),
    "kindergarten": ("dashed", [8, 4], "dashed"),
    "workplace": ("dashed", [12, 4, 2, 4], "dashed"),
    "health_institution": ("dashed", [16, 4], "dashed"),
    "event": ("dotted", None, "dotted"),
    "travel": ("dotted", None, "dotted"),
    "other": ("solid", None, "solid"),
}
UNKNOWN_SETTING = "unknown"

NODE_SIZE = 18.0  # a case with no offspring
OFFSPRING_SIZE = 6.0  # size grows with the square root of the offspring count
CONTACT_SIZE = 12.0
OVERVIEW_SIZE = 24.0  # overview nodes grow with the log of their number of cases
OVERVIEW_LOG_SIZE = 16.0


def node_size(offspring: int) -> float:
    return round(NODE_SIZE + OFFSPRING_SIZE * float(np.sqrt(offspring)), 1)


def cases_text(n: int) -> str:
    """ "1 tilfelle", "12 tilfeller", "20 000 tilfeller" (Norwegian digit grouping)."""
    return f"{n:,}".replace(",", "\u00a0") + (" tilfelle" if n == 1 else " tilfeller")


def with_contacts(graph: TransmissionGraph, case_keys: Iterable[str]) -> list[str]:
    """The cases and the contacts they exposed who never became cases: what a drilled-into chain shows."""
    keep = set(case_keys)
    nodes = graph.nodes
    found = set(keep)
    for e in graph.edges:
        if e.source in keep:
            target = nodes.get(e.target)
            if target is not None and not target.is_case:
                found.add(e.target)
    return [k for k in nodes if k in found]


def _offspring(f: _layout.Forest, graph: TransmissionGraph, offspring: Mapping[str, int] | None) -> np.ndarray:
    if offspring is not None:
        return np.fromiter((offspring.get(k, 0) for k in f.keys), dtype=np.int64, count=len(f))
    transmission = np.fromiter(map(attrgetter("transmission"), graph.edges), dtype=bool, count=len(graph.edges))
    sources = f.edge_source[transmission & (f.edge_source >= 0)]
    return np.bincount(sources, minlength=len(f))


def _chain_ids(f: _layout.Forest, chains: Sequence[Chain] | None) -> list[str | None]:
    """Per tree (by rank): the id of its chain - from ``chains`` when given, else graph.chains' own rule (the
    key of the earliest-dated case, then the smallest key). A tree whose root is not a case has none."""
    roots = f.roots.tolist()
    if chains is not None:
        of = {k: c.id for c in chains for k in c.case_keys}
        return [of.get(f.keys[r]) for r in roots]
    cases = np.flatnonzero(f.is_case)
    if not cases.size:
        return [None] * len(roots)
    when = np.where(f.ordinal[cases] == NO_DATE, np.iinfo(np.int64).max, f.ordinal[cases])
    rank = f.tree_rank[cases]
    earliest = np.full(len(roots), np.iinfo(np.int64).max)
    np.minimum.at(earliest, rank, when)
    first = cases[when == earliest[rank]]
    out: list[str | None] = [None] * len(roots)
    keys = f.keys
    for i, r in zip(first.tolist(), f.tree_rank[first].tolist(), strict=True):
        k = keys[i]
        if out[r] is None or k < out[r]:  # type: ignore[operator]
            out[r] = k
    return out


def elements(
    graph: TransmissionGraph,
    layout: str,
    *,
    keys: Iterable[str] | None = None,
    offspring: Mapping[str, int] | None = None,
    chains: Sequence[Chain] | None = None,
) -> list[dict[str, Any]]:
    """Cytoscape elements for ``keys`` (all nodes by default) in one of ``graph.layout.LAYOUTS``, nodes first.

    ``offspring``: graph.chains.offspring_counts(graph) if the caller has it (else counted here); ``chains``:
    graph.chains.chains(graph), so that ``data.chain`` is exactly its ids (else the same rule is applied here).
    Edges are drawn when both ends are; an edge's ``day`` is the later of its ends' days.
    """
    arranged = arrange(graph, layout, keys)
    f = arranged.forest
    n = len(f)
    if not n:
        return []
    with _layout._gc_paused():
        day, iso = _days(f)
        return _nodes(graph, arranged, day, iso, offspring, chains) + _edges(graph, f, day)


def _days(f: _layout.Forest) -> tuple[np.ndarray, dict[int, str]]:
    """(day per node, ISO date per ordinal). Undated nodes are on day 0: they are shown from the start."""
    zero = f.day_zero
    known = f.ordinal != NO_DATE
    day = np.zeros(len(f), dtype=np.int64)
    if zero is not None:
        day[known] = f.ordinal[known] - zero.toordinal()
    iso = {o: dt.date.fromordinal(o).isoformat() for o in np.unique(f.ordinal[known]).tolist()}
    return day, iso


def _nodes(
    graph: TransmissionGraph,
    arranged: _layout.Arrangement,
    day: np.ndarray,
    iso: dict[int, str],
    offspring: Mapping[str, int] | None,
    chains: Sequence[Chain] | None,
) -> list[dict[str, Any]]:
    f = arranged.forest
    keys = f.keys
    nodes = graph.nodes
    counts = _offspring(f, graph, offspring)
    size = np.where(f.is_case, np.round(NODE_SIZE + OFFSPRING_SIZE * np.sqrt(counts), 1), CONTACT_SIZE)
    chain_of_tree = _chain_ids(f, chains)
    chain = [chain_of_tree[r] for r in f.tree_rank.tolist()]
    is_root = (f.parent < 0) & f.is_case
    fields = attrgetter("label", "is_case", "status", "was_contact", "setting", "cluster_ids")
    looks: dict[tuple[Any, ...], tuple[str, str]] = {}  # few distinct ones: build each kind and class string once
    out: list[dict[str, Any]] = []
    append = out.append
    for key, (label, is_case, status, was_contact, setting, clusters), x, y, s, d, o, ch, root in zip(
        keys,
        map(fields, map(nodes.__getitem__, keys)),
        np.round(arranged.x, 1).tolist(),
        np.round(arranged.y, 1).tolist(),
        size.tolist(),
        day.tolist(),
        f.ordinal.tolist(),
        chain,
        is_root.tolist(),
        strict=True,
    ):
        look = (is_case, was_contact, status, o == NO_DATE, root, clusters)
        styled = looks.get(look)
        if styled is None:
            styled = looks[look] = _node_look(*look)
        kind, classes = styled
        append(
            {
                "data": {
                    "id": key,
                    "label": label,
                    "size": s,
                    "day": d,
                    "date": iso.get(o),
                    "kind": kind,
                    "setting": setting,
                    "chain": ch,
                    "cluster": clusters[0] if clusters else None,
                },
                "position": {"x": x, "y": y},
                "classes": classes,
            }
        )
    return out


def _node_look(
    is_case: bool, was_contact: bool, status: str | None, undated: bool, root: bool, clusters: tuple[int, ...]
) -> tuple[str, str]:
    """(kind, classes) of a node."""
    if not is_case:
        kind = "contact"
    elif was_contact:
        kind = "became-case"
    elif status == "active":
        kind = "index-active"
    else:
        kind = "index-closed"
    classes = kind
    if status:
        classes += " status-" + status
    if undated:
        classes += " undated"
    if root:
        classes += " root"
    if clusters:
        classes += " in-cluster " + " ".join(f"cluster-{cid}" for cid in clusters)
    return kind, classes


def _edges(graph: TransmissionGraph, f: _layout.Forest, day: np.ndarray) -> list[dict[str, Any]]:
    src, dst = f.edge_source, f.edge_target
    drawn = np.flatnonzero((src >= 0) & (dst >= 0) & (src != dst))
    if not drawn.size:
        return []
    s, t = src[drawn], dst[drawn]
    edge_day = np.maximum(day[s], day[t])
    # Exposures between two trees (a contact exposed by several chains hangs in one of them) cross the picture;
    # they are drawn fainter so the chains stay readable.
    cross = (f.root[s] != f.root[t]).tolist()
    # The id is "source>target"; a second exposure between the same two nodes gets "#2", and so on.
    pair = s * len(f) + t
    by_pair = np.argsort(pair, kind="stable")
    repeat = np.zeros(drawn.size, dtype=np.int64)
    same = pair[by_pair][1:] == pair[by_pair][:-1]
    if same.any():
        run = np.zeros(drawn.size, dtype=np.int64)
        for i in np.flatnonzero(same).tolist():
            run[i + 1] = run[i] + 1
        repeat[by_pair] = run
    edges = graph.edges
    out: list[dict[str, Any]] = []
    append = out.append
    styled: dict[tuple[bool, str | None, bool, bool], str] = {}
    for e, d, r, x in zip(map(edges.__getitem__, drawn.tolist()), edge_day.tolist(), repeat.tolist(), cross, strict=True):
        look = (e.transmission, e.setting, e.directed, x)
        classes = styled.get(look)
        if classes is None:
            classes = styled[look] = _edge_classes(*look)
        append(
            {
                "data": {
                    "id": f"{e.source}>{e.target}" + (f"#{r + 1}" if r else ""),
                    "source": e.source,
                    "target": e.target,
                    "setting": e.setting,
                    "day": d,
                    "transmission": e.transmission,
                },
                "classes": classes,
            }
        )
    return out


def _edge_classes(transmission: bool, setting: str | None, directed: bool, cross: bool = False) -> str:
    classes = ("transmission" if transmission else "exposure") + " setting-" + (setting or UNKNOWN_SETTING)
    if cross:
        classes += " cross"
    return classes if directed else classes + " inferred"


def replay_range(els: Sequence[Mapping[str, Any]]) -> tuple[dt.date | None, int]:
    """(the date of day 0, the last day) of a set of elements, for the replay slider's marks and range."""
    zero: dt.date | None = None
    last = 0
    for e in els:
        data = e["data"]
        if "source" in data:
            continue
        last = max(last, data.get("day") or 0)
        if zero is None and data.get("date"):
            zero = dt.date.fromisoformat(data["date"]) - dt.timedelta(days=data["day"])
    return zero, last


# ---------------------------------------------------------------------------------------------------------
# Overview: one node per chain and per cluster


def overview_size(cases: int) -> float:
    return round(OVERVIEW_SIZE + OVERVIEW_LOG_SIZE * float(np.log1p(max(cases, 0))), 1)


def overview_elements(graph: TransmissionGraph, chains: Sequence[Chain]) -> list[dict[str, Any]]:
    """One node per chain (largest first, packed as bubbles) and one per cluster its cases belong to, above them,
    with an edge from each cluster to every chain with cases in it: the view for graphs too large to draw.

    A chain node's ``drill`` is ``{"chain": id}``, a cluster node's ``{"cluster": id}``: what the page opens when
    one is clicked. Cluster nodes carry the cluster's id and kind, not its name.
    """
    if not chains:
        return []
    nodes = graph.nodes
    sizes = [overview_size(c.size) for c in chains]
    centres = pack([s / 2 for s in sizes])
    starts = [c.start for c in chains if c.start is not None]
    zero = min(starts) if starts else None
    out: list[dict[str, Any]] = []
    members: dict[int, dict[int, int]] = {}  # cluster id -> chain index -> cases
    for i, (chain, s, (x, y)) in enumerate(zip(chains, sizes, centres, strict=True)):
        for k in chain.case_keys:
            node = nodes.get(k)
            if node is not None:
                for cid in node.cluster_ids:
                    per = members.setdefault(cid, {})
                    per[i] = per.get(i, 0) + 1
        out.append(
            {
                "data": {
                    "id": f"chain-{chain.id}",
                    "label": f"Kjede: {cases_text(chain.size)}",
                    "size": s,
                    "kind": "chain",
                    "chain": chain.id,
                    "cases": chain.size,
                    "contacts": chain.contacts,
                    "generations": chain.generations,
                    "active": chain.active,
                    "start": chain.start.isoformat() if chain.start else None,
                    "end": chain.end.isoformat() if chain.end else None,
                    "day": (chain.start - zero).days if chain.start and zero else 0,
                    "drill": {"chain": chain.id},
                },
                "position": {"x": round(x, 1), "y": round(y, 1)},
                "classes": "chain " + ("chain-active" if chain.active else "chain-inactive"),
            }
        )
    out.extend(_overview_clusters(graph, members, centres, [c.id for c in chains]))
    return out


def _overview_clusters(
    graph: TransmissionGraph, members: dict[int, dict[int, int]], centres: list[tuple[float, float]], ids: list[str]
) -> list[dict[str, Any]]:
    """Cluster nodes in a row above the chains, each near the middle of its chains, none overlapping."""
    if not members:
        return []
    wanted = []
    for cid, per in members.items():
        total = sum(per.values())
        mid = sum(centres[i][0] * n for i, n in per.items()) / total
        wanted.append((mid, cid, total))
    wanted.sort()
    top = min(y for _, y in centres) - max(overview_size(t) for _, _, t in wanted) - _layout.BUBBLE_GAP * 2
    out: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    right = -float("inf")
    for mid, cid, total in wanted:
        size = overview_size(total)
        x = max(mid, right + size / 2 + _layout.NODE_SPACING)
        right = x + size / 2
        info = graph.clusters.get(cid)
        out.append(
            {
                "data": {
                    "id": f"cluster-{cid}",
                    "label": f"Klynge {cid}: {cases_text(total)}",
                    "size": size,
                    "kind": "cluster",
                    "cluster": cid,
                    "cluster_kind": info.kind if info else None,
                    "cases": total,
                    "drill": {"cluster": cid},
                },
                "position": {"x": round(x, 1), "y": round(top, 1)},
                "classes": "overview-cluster",
            }
        )
        for i, n in sorted(members[cid].items()):
            edges.append(
                {
                    "data": {
                        "id": f"cluster-{cid}>chain-{ids[i]}",
                        "source": f"cluster-{cid}",
                        "target": f"chain-{ids[i]}",
                        "cases": n,
                    },
                    "classes": "overview-link",
                }
            )
    return out + edges


# ---------------------------------------------------------------------------------------------------------
# Style and legend


def stylesheet() -> list[dict[str, Any]]:
    """The Cytoscape stylesheet for both the network and the overview (a new list on every call)."""
    sheet: list[dict[str, Any]] = [
        {
            "selector": "node",
            "style": {
                "width": "data(size)",
                "height": "data(size)",
                "label": "data(label)",
                "font-size": 10,
                "color": INK,
                "text-valign": "bottom",
                "text-margin-y": 3,
                "text-outline-color": PAGE,
                "text-outline-width": 2,
                "min-zoomed-font-size": 8,
                "border-width": 1.5,
                "border-color": INK,
                "background-color": KIND_STYLE["index-closed"][1],
            },
        },
    ]
    for kind, (_, colour, shape) in KIND_STYLE.items():
        sheet.append({"selector": f"node.{kind}", "style": {"background-color": colour, "shape": shape}})
    sheet += [
        {"selector": "node.undated", "style": {"border-style": "dashed"}},
        {"selector": "node.root", "style": {"border-width": 3}},
        {
            "selector": "edge",
            "style": {
                "width": 1,
                "line-color": EXPOSURE_COLOUR,
                "curve-style": "bezier",
                "target-arrow-shape": "none",
            },
        },
        {
            "selector": "edge.transmission",
            "style": {
                "width": 2,
                "line-color": TRANSMISSION_COLOUR,
                "target-arrow-color": TRANSMISSION_COLOUR,
                "target-arrow-shape": "triangle",
                "arrow-scale": 0.8,
            },
        },
        {"selector": "edge.inferred", "style": {"target-arrow-fill": "hollow"}},
        {"selector": "edge.exposure.cross", "style": {"opacity": 0.2, "width": 0.5}},
    ]
    for setting, (line, dash, _) in SETTING_LINE.items():
        style: dict[str, Any] = {"line-style": line}
        if dash:
            style["line-dash-pattern"] = dash
        sheet.append({"selector": f"edge.setting-{setting}", "style": style})
    sheet += [
        # The overview.
        {"selector": "node.chain", "style": {"shape": "ellipse", "font-size": 12}},
        {"selector": "node.chain-active", "style": {"background-color": KIND_STYLE["index-active"][1]}},
        {"selector": "node.chain-inactive", "style": {"background-color": KIND_STYLE["index-closed"][1]}},
        {
            "selector": "node.overview-cluster",
            "style": {"shape": "round-rectangle", "background-color": PAGE, "border-width": 2, "font-size": 12},
        },
        {"selector": "edge.overview-link", "style": {"line-color": EXPOSURE_COLOUR, "width": "mapData(cases, 1, 100, 1, 8)"}},
        # Highlighting and the replay: toggled as classes by the page.
        {"selector": ".faded", "style": {"opacity": 0.15, "text-opacity": 0}},
        {"selector": "node.selected, node:selected", "style": {"border-width": 4, "border-color": HIGHLIGHT, "z-index": 10}},
        {
            "selector": "edge.selected, edge:selected",
            "style": {"width": 4, "line-color": HIGHLIGHT, "target-arrow-color": HIGHLIGHT, "z-index": 10},
        },
        {"selector": ".future", "style": {"display": "none"}},
    ]
    return sheet


def legend() -> list[tuple[str, str, str]]:
    """(class, Norwegian label, colour) per node kind, for the page's legend."""
    return [(kind, label, colour) for kind, (label, colour, _) in KIND_STYLE.items()]


def edge_legend() -> list[tuple[str, str, str]]:
    """(class, Norwegian label, CSS border-style) per edge kind and exposure setting."""
    rows = [
        ("transmission", "Smitteoverføring", "solid"),
        ("exposure", "Eksponering uten kjent smitte", "solid"),
        ("inferred", "Retning utledet fra symptomdato", "solid"),
    ]
    rows += [(f"setting-{s}", EXPOSURE_SETTING_NB[s], css) for s, (_, _, css) in SETTING_LINE.items()]
    return rows
