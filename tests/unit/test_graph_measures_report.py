"""The spread report (graph/measures.py): which cases, contacts, offspring and pairs each measure is built from,
overall, per cluster and per setting, and its JSON form."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from graph.attack import attack_rate
from graph.measures import Measures, report_dict, spread_report
from graph.model import ClusterInfo, Edge, Node, TransmissionGraph
from graph.simulate import simulate_outbreak

AS_OF = dt.date(2026, 3, 31)


def day(n: int) -> dt.date:
    """``n`` days before AS_OF."""
    return AS_OF - dt.timedelta(days=n)


def case(key: str, ago: int | None, *, onset: bool = True, clusters=(), setting=None) -> Node:
    date = day(ago) if ago is not None else None
    return Node(
        key=key,
        is_case=True,
        label=f"Sak {key[1:]}",
        onset=date if onset else None,
        test_date=None if onset else date,
        cluster_ids=tuple(clusters),
        setting=setting,
    )


def contact(key: str) -> Node:
    return Node(key=key, is_case=False, label=f"Kontakt {key[1:]}")


def edge(source: str, target: str, setting: str, transmission: bool = False, ago: int = 40) -> Edge:
    return Edge(source, target, transmission, setting, day(ago))


def outbreak() -> TransmissionGraph:
    """Censoring at 14 days. c1 (day 40, cluster 7) infects c2 (household) and c3 (school); c2 infects c4
    (household); c3 (day 30) infects nobody; c5 (day 5, cluster 7, too recent) infects c6 (household). Contacts:
    c1 -> p1 (school), c1 -> p2 (household), c3 -> p1 (school). c4 is undated onset-wise (test date only)."""
    nodes = [
        case("c1", 40, clusters=[7]),
        case("c2", 36, setting="household"),
        case("c3", 30, clusters=[7], setting="school"),
        case("c4", 33, onset=False, setting="household"),
        case("c5", 5, clusters=[7]),
        case("c6", 2, setting="household"),
        contact("p1"),
        contact("p2"),
    ]
    edges = [
        edge("c1", "c2", "household", True),
        edge("c1", "c3", "school", True),
        edge("c2", "c4", "household", True),
        edge("c5", "c6", "household", True, ago=4),
        edge("c1", "p1", "school"),
        edge("c1", "p2", "household"),
        edge("c3", "p1", "school"),
        edge("c3", "c4", "school"),  # an exposure, not the infection
    ]
    clusters = {7: ClusterInfo(7, "Korpsøvelsen", "event", 3)}
    return TransmissionGraph({n.key: n for n in nodes}, edges, AS_OF, clusters)


def test_overall_counts_contacts_offspring_and_pairs_of_all_cases():
    overall = spread_report(outbreak()).overall
    assert isinstance(overall, Measures)
    # targets: c2, c3, c4, c6, p1, p2 -> 6 contacts, 4 of them cases
    assert (overall.cases, overall.contacts, overall.contacts_became_cases) == (6, 6, 4)
    assert overall.attack_rate == attack_rate(6, 4)
    # complete cases (dated <= day 14): c1 (2), c2 (1), c3 (0), c4 (0); c5 and c6 are too recent
    assert overall.offspring.n == 4
    assert overall.offspring.r.value == pytest.approx(3 / 4)
    # pairs with both onsets and a complete infector: c1->c2 (+4), c1->c3 (+10); c2->c4 lacks an onset
    assert (overall.serial_interval.pairs, overall.serial_interval.negative) == (2, 0)
    assert overall.serial_interval.mean.value == pytest.approx(7.0)
    assert overall.serial_interval_icc is None
    assert overall.growth.cases >= 0


def test_a_cluster_uses_its_own_cases_and_adds_the_case_to_case_interval():
    report = spread_report(outbreak())
    assert set(report.by_cluster) == {7}
    cluster = report.by_cluster[7]
    # c1, c3, c5; their targets: c2, c3, p1, p2 (c1), p1, c4 (c3), c6 (c5)
    assert (cluster.cases, cluster.contacts, cluster.contacts_became_cases) == (3, 6, 4)
    assert cluster.offspring.n == 2  # c1 and c3; c5 is too recent
    assert cluster.offspring.r.value == pytest.approx(1.0)
    assert cluster.serial_interval.pairs == 2  # c1 -> c2 and c1 -> c3: children outside the cluster count
    assert cluster.serial_interval_icc is not None


def test_a_setting_counts_its_exposures_and_the_cases_infected_in_it():
    report = spread_report(outbreak())
    assert set(report.by_setting) == {"household", "school"}
    household, school = report.by_setting["household"], report.by_setting["school"]
    # household exposures: c1->c2, c2->c4, c5->c6, c1->p2; sources c1, c2, c5 (c5 too recent for offspring)
    assert (household.contacts, household.contacts_became_cases) == (4, 3)
    assert household.offspring.n == 2 and household.offspring.r.value == pytest.approx(1.0)
    assert household.serial_interval.pairs == 1  # c1 -> c2; c2 -> c4 lacks an onset
    assert household.cases == 3  # c2, c4, c6 were infected at home
    # school exposures: c1->c3, c1->p1, c3->p1, c3->c4; sources c1 (1 school infection) and c3 (none)
    assert (school.contacts, school.contacts_became_cases) == (3, 2)
    assert school.offspring.n == 2 and school.offspring.r.value == pytest.approx(0.5)
    assert school.cases == 1
    assert household.serial_interval_icc is None and school.serial_interval_icc is None


def test_negative_serial_intervals_are_kept_and_counted():
    nodes = [case("c1", 40), case("c2", 42), case("c3", 35), case("c4", 30)]
    edges = [edge("c1", "c2", "household", True), edge("c1", "c3", "household", True), edge("c1", "c4", "household", True)]
    g = TransmissionGraph({n.key: n for n in nodes}, edges, AS_OF)
    si = spread_report(g).overall.serial_interval
    assert (si.pairs, si.negative) == (3, 1)
    assert si.mean.value == pytest.approx((-2 + 5 + 10) / 3)


def test_the_report_carries_chains_and_kpis():
    report = spread_report(outbreak())
    assert [c.id for c in report.chains] == ["c1", "c5"]
    assert (report.kpis.chains, report.kpis.largest, report.kpis.max_generations) == (2, 4, 3)
    assert report.as_of == AS_OF


@pytest.mark.parametrize(
    "nodes, edges",
    [
        ([], []),  # nothing at all
        ([case("c1", 30)], []),  # one case
        ([case("c1", 30), case("c2", 25), contact("p1")], [edge("c1", "p1", "other")]),  # all-zero offspring
        ([case("c1", 30, onset=False), case("c2", 25, onset=False)], [edge("c1", "c2", "household", True)]),  # no onsets
        ([case("c1", None), contact("p1")], [edge("c1", "p1", "household")]),  # no dates at all
        ([case("c1", 2), case("c2", 1)], [edge("c1", "c2", "household", True, ago=1)]),  # all censored
    ],
)
def test_thin_data_gives_reasons_never_nan_or_an_exception(nodes, edges):
    g = TransmissionGraph({n.key: n for n in nodes}, edges, AS_OF)
    report = spread_report(g)
    data = report_dict(report, g)
    text = json.dumps(data, allow_nan=False)  # raises on NaN or infinity
    assert "NaN" not in text
    overall = data["overall"]
    for estimate in (overall["attack_rate"], overall["serial_interval"]["mean"], overall["offspring"]["k"]):
        assert estimate["value"] is not None or estimate["missing"]


def test_report_dict_is_plain_json_with_iso_dates_and_cluster_names():
    g = outbreak()
    data = report_dict(spread_report(g), g)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["as_of"] == "2026-03-31"
    assert (data["cases"], data["contacts_only"], data["censor_days"], data["follow_up_days"]) == (6, 2, 14, 14)
    (cluster,) = data["by_cluster"]
    assert (cluster["cluster_id"], cluster["name"], cluster["kind"]) == (7, "Korpsøvelsen", "event")
    assert cluster["measures"]["cases"] == 3
    assert set(cluster["measures"]) == {
        "cases", "contacts", "contacts_became_cases", "attack_rate", "offspring", "serial_interval",
        "serial_interval_icc", "growth",
    }
    assert cluster["measures"]["attack_rate"] == attack_rate(6, 4).as_dict()
    assert [s["setting"] for s in data["by_setting"]] == ["household", "school"]
    assert data["chains"][0] == {
        "id": "c1", "size": 4, "generations": 3, "start": day(40).isoformat(), "end": day(30).isoformat(),
        "active": False, "roots": ["c1"], "contacts": 2,
    }
    assert data["kpis"] == {"chains": 2, "active_chains": 1, "largest": 4, "max_generations": 3}


def test_the_report_uses_exactly_the_simulated_outbreaks_complete_offspring_and_pairs():
    sim = simulate_outbreak(r=1.2, k=0.5, si_mean=5.0, si_sd=2.0, seeds=30, horizon_days=60, seed=11, missing_onset=0.1)
    report = spread_report(sim.graph)
    offspring = sim.complete_offspring()
    intervals = sim.complete_intervals()
    assert report.overall.cases == sim.cases
    assert report.overall.offspring.n == offspring.size
    assert report.overall.offspring.r.value == pytest.approx(float(np.mean(offspring)))
    assert report.overall.serial_interval.pairs == intervals.size
    assert report.overall.serial_interval.mean.value == pytest.approx(float(np.mean(intervals)))
    assert sum(c.size for c in report.chains) == sim.cases
    json.dumps(report_dict(report, sim.graph), allow_nan=False)
