"""Chains, generations and offspring (graph/chains.py) on small hand-built graphs."""

from __future__ import annotations

import datetime as dt

from graph.chains import (
    Chain,
    ChainKpis,
    chain_kpis,
    chains,
    generations,
    offspring_counts,
)
from graph.model import Edge, Node, TransmissionGraph

AS_OF = dt.date(2026, 3, 31)


def day(n: int) -> dt.date:
    """Day ``n`` counted back from AS_OF (day(0) is AS_OF)."""
    return AS_OF - dt.timedelta(days=n)


def case(key: str, ago: int | None, **fields) -> Node:
    return Node(key=key, is_case=True, label=f"Sak {key}", onset=day(ago) if ago is not None else None, **fields)


def contact(key: str) -> Node:
    return Node(key=key, is_case=False, label=f"Kontakt {key}")


def infects(source: str, target: str, ago: int | None = None) -> Edge:
    return Edge(source, target, True, "household", day(ago) if ago is not None else None)


def exposes(source: str, target: str, ago: int | None = None) -> Edge:
    return Edge(source, target, False, "school", day(ago) if ago is not None else None)


def graph(nodes: list[Node], edges: list[Edge], **fields) -> TransmissionGraph:
    return TransmissionGraph({n.key: n for n in nodes}, edges, AS_OF, **fields)


def two_chains() -> TransmissionGraph:
    """c1 -> c2 -> c3, c1 -> c4 (a three-generation chain, long over) and c5 -> c6 (recent), c7 alone.

    c1 and c2 also exposed contacts p1, p2 (p2 twice); c4 exposed c6 without infecting it.
    """
    return graph(
        [
            case("c1", 60), case("c2", 55), case("c3", 50), case("c4", 54),
            case("c5", 20), case("c6", 10), case("c7", 40),
            contact("p1"), contact("p2"),
        ],
        [
            infects("c1", "c2", 57), infects("c2", "c3", 52), infects("c1", "c4", 57),
            infects("c5", "c6", 13), exposes("c1", "p1", 58), exposes("c2", "p2", 56), exposes("c1", "p2", 58),
            exposes("c4", "c6", 40),
        ],
    )


def test_generations_count_depth_from_the_root():
    assert generations(two_chains()) == {"c1": 0, "c2": 1, "c3": 2, "c4": 1, "c5": 0, "c6": 1, "c7": 0}


def test_offspring_counts_transmission_children_only():
    assert offspring_counts(two_chains()) == {"c1": 2, "c2": 1, "c3": 0, "c4": 0, "c5": 1, "c6": 0, "c7": 0}


def test_chains_follow_transmission_not_plain_exposures():
    found = chains(two_chains())
    assert [c.id for c in found] == ["c1", "c5", "c7"]  # largest first, then earliest
    first, second, lone = found
    assert first == Chain(
        id="c1",
        case_keys=("c1", "c2", "c4", "c3"),
        size=4,
        generations=3,
        start=day(60),
        end=day(50),
        active=False,
        roots=("c1",),
        contacts=2,
    )
    # c4 -> c6 is only an exposure: c6 stays in c5's chain, and c1's chain is not made active by it (day 40 is
    # older than the follow-up window).
    assert (second.case_keys, second.generations, second.active, second.contacts) == (("c5", "c6"), 2, True, 0)
    assert (lone.size, lone.generations, lone.roots, lone.start, lone.end, lone.active) == (1, 1, ("c7",), day(40), day(40), False)


def test_a_chain_is_active_by_a_recent_exposure_even_with_old_cases():
    g = graph([case("c1", 30), contact("p1")], [exposes("c1", "p1", 14)])
    assert chains(g)[0].active  # day 14 back is the window's first day, inclusive
    g = graph([case("c1", 30), contact("p1")], [exposes("c1", "p1", 15)])
    assert not chains(g)[0].active
    g = graph([case("c1", 30), contact("p1")], [exposes("c1", "p1", 15)], follow_up_days=20)
    assert chains(g)[0].active


def test_dates_after_as_of_do_not_make_a_chain_active():
    g = graph([case("c1", -3)], [])
    assert not chains(g)[0].active


def test_a_cycle_without_root_gets_its_earliest_case_as_root_and_terminates():
    g = graph(
        [case("c1", 10), case("c2", 12), case("c3", 8), case("c4", 5)],
        [infects("c1", "c2"), infects("c2", "c3"), infects("c3", "c1"), infects("c3", "c4")],
    )
    assert generations(g) == {"c2": 0, "c3": 1, "c1": 2, "c4": 2}
    (chain,) = chains(g)
    assert (chain.id, chain.roots, chain.generations, chain.size) == ("c2", ("c2",), 3, 4)


def test_a_self_loop_and_undated_cycle_do_not_hang():
    g = graph([case("c1", None), case("c2", None), case("c3", 3)], [infects("c1", "c2"), infects("c2", "c1"), infects("c3", "c3")])
    depth = generations(g)
    assert depth == {"c1": 0, "c2": 1, "c3": 0}  # undated: by key
    found = chains(g)
    assert [(c.id, c.size, c.start) for c in found] == [("c1", 2, None), ("c3", 1, day(3))]


def test_a_case_with_two_recorded_infectors_takes_the_shorter_depth():
    g = graph(
        [case("c1", 20), case("c2", 15), case("c3", 10), case("c4", 5)],
        [infects("c1", "c2"), infects("c2", "c3"), infects("c3", "c4"), infects("c1", "c4")],
    )
    assert generations(g)["c4"] == 1


def test_contacts_of_a_chain_are_counted_once_and_never_as_cases():
    g = graph(
        [case("c1", 10), case("c2", 8), contact("p1"), contact("p2")],
        [infects("c1", "c2"), exposes("c1", "p1"), exposes("c2", "p1"), exposes("c2", "p2")],
    )
    (chain,) = chains(g)
    assert (chain.size, chain.contacts) == (2, 2)


def test_an_empty_graph_has_no_chains_and_zero_kpis():
    g = graph([contact("p1")], [])
    assert chains(g) == []
    assert generations(g) == {}
    assert offspring_counts(g) == {}
    assert chain_kpis([]) == ChainKpis(chains=0, active_chains=0, largest=0, max_generations=0)


def test_kpis_summarise_the_chains():
    assert chain_kpis(chains(two_chains())) == ChainKpis(chains=3, active_chains=1, largest=4, max_generations=3)


def test_a_long_chain_is_walked_without_recursion():
    n = 5000
    nodes = [case(f"c{i}", None) for i in range(n)]
    edges = [infects(f"c{i}", f"c{i + 1}") for i in range(n - 1)]
    g = graph(nodes, edges)
    assert generations(g)[f"c{n - 1}"] == n - 1
    assert chains(g)[0].generations == n
