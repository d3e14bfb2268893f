"""Cytoscape elements for the explorer (graph/elements.py): what each node and edge carries, replay days, chain
and cluster grouping, the overview of chains, the stylesheet and legend - and that no name or fødselsnummer ever
reaches an element."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from graph.chains import chains, offspring_counts
from graph.elements import (
    KINDS,
    SETTING_LINE,
    cases_text,
    edge_legend,
    elements,
    legend,
    node_size,
    overview_elements,
    replay_range,
    stylesheet,
    with_contacts,
)
from graph.layout import LAYOUTS, positions
from graph.model import ClusterInfo, Edge, Node, TransmissionGraph
from graph.simulate import simulate_outbreak
from graph.store import SpreadScope, load_graph
from tests.factories import make_actor, make_person, unit_id
from tracing.cases import (
    ContactInput,
    IndexInput,
    add_contact,
    convert_to_index,
    register_index,
)

DAY0 = dt.date(2026, 10, 1)
NODE_DATA = {"id", "label", "size", "day", "date", "kind", "setting", "chain", "cluster"}
EDGE_DATA = {"id", "source", "target", "setting", "day", "transmission"}


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def world() -> TransmissionGraph:
    """c1 (active index, day 0) infected c2 (a contact who became a case, day 4) and c3 (closed, day 5); c2
    infected c4 (no date); c1 exposed p10 at the concert (cluster 7) and, twice, p11; c5 -> c6 is an undirected
    line-list pair."""
    nodes = [
        Node("c1", True, "Sak 1", status="active", onset=day(0), cluster_ids=(7,)),
        Node("c2", True, "Sak 2", status="active", was_contact=True, test_date=day(4), setting="household"),
        Node("c3", True, "Sak 3", status="closed", onset=day(5), setting="school"),
        Node("c4", True, "Sak 4", status="active", was_contact=True),
        Node("c5", True, "Sak 5", onset=day(2)),
        Node("c6", True, "Sak 6", onset=day(6)),
        Node("p10", False, "Kontakt 10", status="active", setting="event", cluster_ids=(7, 9)),
        Node("p11", False, "Kontakt 11", status="closed", setting="household"),
    ]
    edges = [
        Edge("c1", "c2", True, "household", day(1)),
        Edge("c1", "c3", True, "school", day(2)),
        Edge("c2", "c4", True, None, None),
        Edge("c1", "p10", False, "event", day(1), cluster_id=7),
        Edge("c1", "p11", False, "household", day(2)),
        Edge("c1", "p11", False, "household", day(3)),
        Edge("c5", "c6", True, "workplace", day(4), directed=False),
    ]
    clusters = {7: ClusterInfo(7, "Konsert", "concert"), 9: ClusterInfo(9, "Skole", "school")}
    return TransmissionGraph({n.key: n for n in nodes}, edges, as_of=day(30), clusters=clusters)


def simulated(seeds: int = 10) -> TransmissionGraph:
    return simulate_outbreak(
        r=1.1, k=0.5, si_mean=5.0, si_sd=2.0, seeds=seeds, horizon_days=45, seed=5, contacts_per_case=1.5
    ).graph


def split(els: list[dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    nodes = {e["data"]["id"]: e for e in els if "source" not in e["data"]}
    edges = {e["data"]["id"]: e for e in els if "source" in e["data"]}
    return nodes, edges


@pytest.mark.parametrize("layout", LAYOUTS)
def test_one_element_per_node_and_edge_with_preset_positions(layout: str) -> None:
    graph = simulated()
    els = elements(graph, layout)
    nodes, edges = split(els)
    assert len(nodes) + len(edges) == len(els)  # ids are unique
    assert set(nodes) == set(graph.nodes)
    assert len(edges) == len(graph.edges)
    assert all(set(e["data"]) == NODE_DATA for e in nodes.values())
    assert all(set(e["data"]) == EDGE_DATA for e in edges.values())
    pos = positions(graph, layout)
    for key, e in nodes.items():
        assert e["position"]["x"] == pytest.approx(pos[key][0], abs=0.051)  # rounded to 0.1 px
        assert e["position"]["y"] == pytest.approx(pos[key][1], abs=0.051)  # rounded to 0.1 px
    json.dumps(els)  # plain JSON for dcc/cytoscape
    assert els[: len(nodes)] == list(nodes.values())  # nodes before edges


def test_kind_status_and_classes_of_each_node() -> None:
    nodes, _ = split(elements(world(), "hierarchical"))
    kinds = {k: e["data"]["kind"] for k, e in nodes.items()}
    assert kinds == {
        "c1": "index-active", "c2": "became-case", "c3": "index-closed", "c4": "became-case",
        "c5": "index-closed", "c6": "index-closed", "p10": "contact", "p11": "contact",
    }
    assert set(kinds.values()) == set(KINDS)
    assert nodes["c1"]["classes"].split() == ["index-active", "status-active", "root", "in-cluster", "cluster-7"]
    assert nodes["c4"]["classes"].split() == ["became-case", "status-active", "undated"]
    assert nodes["p10"]["classes"].split() == ["contact", "status-active", "in-cluster", "cluster-7", "cluster-9"]
    assert nodes["c1"]["data"]["cluster"] == 7 and nodes["p11"]["data"]["cluster"] is None
    assert nodes["c2"]["data"]["setting"] == "household"
    assert nodes["c3"]["data"]["label"] == "Sak 3"


def test_days_count_from_the_first_date_and_undated_nodes_show_from_the_start() -> None:
    nodes, edges = split(elements(world(), "timeline"))
    days = {k: (e["data"]["day"], e["data"]["date"]) for k, e in nodes.items()}
    assert days["c1"] == (0, "2026-10-01")
    assert days["c2"] == (4, "2026-10-05")  # the test date when there is no onset
    assert days["c6"] == (6, "2026-10-07")
    assert days["c4"] == (0, None)
    assert days["p10"] == (1, "2026-10-02")  # a contact: the day it was exposed
    # An edge appears with the later of its two ends.
    assert edges["c1>c3"]["data"]["day"] == 5
    assert edges["c2>c4"]["data"]["day"] == 4
    assert edges["c1>p10"]["data"]["day"] == 1


def test_replay_range_gives_the_slider_its_first_date_and_last_day() -> None:
    assert replay_range(elements(world(), "bubble")) == (DAY0, 6)
    graph = simulated()
    els = elements(graph, "hierarchical")
    first = min(n.date for n in graph.nodes.values() if n.date)
    zero, last = replay_range(els)
    assert zero == first
    assert last == max(e["data"]["day"] for e in els)
    assert replay_range([]) == (None, 0)


def test_node_size_grows_with_offspring() -> None:
    graph = world()
    nodes, _ = split(elements(graph, "bubble"))
    assert nodes["c1"]["data"]["size"] == node_size(2) == round(18 + 6 * math.sqrt(2), 1)
    assert nodes["c3"]["data"]["size"] == node_size(0) == 18
    assert nodes["p10"]["data"]["size"] < nodes["c3"]["data"]["size"]  # contacts who never fell ill are small
    given, _ = split(elements(graph, "bubble", offspring={"c3": 9}))
    assert given["c3"]["data"]["size"] == node_size(9) and given["c1"]["data"]["size"] == node_size(0)
    sim = simulated()
    counted, _ = split(elements(sim, "hierarchical"))
    passed, _ = split(elements(sim, "hierarchical", offspring=offspring_counts(sim)))
    assert counted == passed


def test_edges_carry_transmission_setting_and_inferred_direction() -> None:
    _, edges = split(elements(world(), "bubble"))
    assert edges["c1>c2"]["classes"] == "transmission setting-household"
    assert edges["c1>c2"]["data"]["transmission"] is True
    assert edges["c1>p10"]["classes"] == "exposure setting-event"
    assert edges["c2>c4"]["classes"] == "transmission setting-unknown"
    assert edges["c5>c6"]["classes"] == "transmission setting-workplace inferred"
    # Two exposures of the same contact by the same case: two edges with their own ids.
    assert {"c1>p11", "c1>p11#2"} <= set(edges)


def test_chain_ids_are_those_of_graph_chains() -> None:
    graph = simulated(seeds=15)
    found = chains(graph)
    of = {k: c.id for c in found for k in c.case_keys}
    source = {e.target: e.source for e in reversed(graph.edges)}
    for given in (None, found):
        nodes, _ = split(elements(graph, "bubble", chains=given))
        for key, e in nodes.items():
            expected = of[key] if graph.nodes[key].is_case else of[source[key]]
            assert e["data"]["chain"] == expected


def test_a_drilled_chain_draws_its_cases_contacts_and_the_edges_among_them() -> None:
    graph = simulated(seeds=15)
    chain = chains(graph)[1]
    keys = with_contacts(graph, chain.case_keys)
    extra = set(keys) - set(chain.case_keys)
    assert set(chain.case_keys) <= set(keys) and extra
    assert not any(graph.nodes[k].is_case for k in extra)  # the chain's contacts who never fell ill
    nodes, edges = split(elements(graph, "hierarchical", keys=keys, chains=[chain]))
    assert set(nodes) == set(keys)
    assert {e["data"]["chain"] for e in nodes.values()} == {chain.id}
    assert all(e["data"]["source"] in nodes and e["data"]["target"] in nodes for e in edges.values())
    assert elements(graph, "timeline", keys=[]) == []


def test_overview_has_one_node_per_chain_with_its_size_and_clusters_linked_to_their_chains() -> None:
    graph = simulated(seeds=15)
    found = chains(graph)
    els = overview_elements(graph, found)
    nodes, edges = split(els)
    chain_nodes = {k: e for k, e in nodes.items() if e["data"]["kind"] == "chain"}
    assert len(chain_nodes) == len(found)
    for chain in found:
        data = chain_nodes[f"chain-{chain.id}"]["data"]
        assert data["cases"] == chain.size
        assert data["label"] == f"Kjede: {cases_text(chain.size)}"
        assert data["drill"] == {"chain": chain.id}
    sizes = [chain_nodes[f"chain-{c.id}"]["data"]["size"] for c in found]
    assert sizes == sorted(sizes, reverse=True)  # chains come largest first and grow with their size
    # Chain bubbles never overlap.
    placed = [(e["position"]["x"], e["position"]["y"], e["data"]["size"] / 2) for e in chain_nodes.values()]
    for i, (x1, y1, r1) in enumerate(placed):
        for x2, y2, r2 in placed[i + 1 :]:
            assert math.hypot(x1 - x2, y1 - y2) >= r1 + r2
    # Each cluster node links to exactly the chains with cases in it.
    for cid in graph.clusters:
        members = {c.id for c in found if any(cid in graph.nodes[k].cluster_ids for k in c.case_keys)}
        linked = {e["data"]["target"] for e in edges.values() if e["data"]["source"] == f"cluster-{cid}"}
        assert linked == {f"chain-{m}" for m in members}
        if members:
            assert nodes[f"cluster-{cid}"]["data"]["drill"] == {"cluster": cid}
    json.dumps(els)
    assert overview_elements(graph, []) == []


def test_case_counts_read_as_norwegian() -> None:
    assert cases_text(1) == "1 tilfelle"
    assert cases_text(12) == "12 tilfeller"
    assert cases_text(20000) == "20\u00a0000 tilfeller"


def _contrast(colour: str, against: str = "#FFFFFF") -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(colour), luminance(against)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_stylesheet_styles_every_kind_and_setting_and_hides_the_future() -> None:
    sheet = stylesheet()
    by_selector = {rule["selector"]: rule["style"] for rule in sheet}
    for kind in KINDS:
        assert f"node.{kind}" in by_selector
    for setting in SETTING_LINE:
        assert f"edge.setting-{setting}" in by_selector
    assert by_selector["edge.setting-household"]["line-style"] == "solid"
    assert by_selector["edge.setting-school"]["line-style"] == "dashed"
    assert by_selector["edge.setting-event"]["line-style"] == "dotted"
    assert by_selector[".future"] == {"display": "none"}
    assert "opacity" in by_selector[".faded"]
    assert by_selector["node"]["width"] == "data(size)"
    assert stylesheet() is not sheet  # callers may change their copy
    json.dumps(sheet)


def test_legend_names_every_kind_in_norwegian_with_a_colour_that_stands_out() -> None:
    rows = legend()
    assert [cls for cls, _, _ in rows] == list(KINDS)
    for _, label, colour in rows:
        assert label and label[0].isupper()
        assert _contrast(colour) >= 3.0  # WCAG 1.4.11: graphics against the white page
    edge_rows = {cls: (label, css) for cls, label, css in edge_legend()}
    assert edge_rows["setting-household"] == ("Husstand", "solid")
    assert edge_rows["setting-school"][1] == "dashed"


# --- privacy, on a real store ---------------------------------------------------------------------------


def test_elements_never_carry_a_name_or_national_id(store) -> None:
    today = dt.date(2026, 11, 23)
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege", "0301")
        oslo = unit_id(s, "0301")
        people = [
            make_person(s, first_name=f"Fornavn{i}", last_name=f"Etternavnsen{i}", birth_date=dt.date(1960 + i, 3, 1 + i))
            for i in range(5)
        ]
        a = register_index(
            s, actor, IndexInput(people[0].id, oslo, test_date=today - dt.timedelta(days=9), test_method="PCR",
                                 symptom_onset=today - dt.timedelta(days=10)), today=today,
        )
        contact_cases = [
            add_contact(s, actor, ContactInput(a.id, p.id, today - dt.timedelta(days=9), setting), today=today)[0]
            for p, setting in zip(people[1:], ("household", "school", "event", "other"), strict=True)
        ]
        convert_to_index(
            s, actor, contact_cases[0].id,
            IndexInput(people[1].id, oslo, test_date=today - dt.timedelta(days=5), test_method="PCR",
                       symptom_onset=today - dt.timedelta(days=6)),
            contact_cases[0].version, today=today,
        )
        s.flush()
        graph = load_graph(s, actor, SpreadScope(), as_of=today)
        secrets = [x for p in people for x in (p.first_name, p.last_name, p.national_id) if x]
        assert len(graph.nodes) == 5 and len(secrets) == 15

    found = chains(graph)
    payload = json.dumps([elements(graph, layout, chains=found) for layout in LAYOUTS] + [overview_elements(graph, found)])
    for secret in secrets:
        assert secret not in payload
    for layout in LAYOUTS:
        nodes, _ = split(elements(graph, layout))
        assert all(set(e["data"]) == NODE_DATA for e in nodes.values())
        assert all(e["data"]["label"].startswith(("Sak ", "Kontakt ")) for e in nodes.values())
