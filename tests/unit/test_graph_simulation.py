"""The branching-process simulator, and the estimators recovering its known R, k and serial interval.

The coverage tests read the offspring counts and infector-infectee pairs through the TransmissionGraph with the
app's censoring rule (only cases dated <= as_of - censor_days have complete offspring), as the measures do.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from data.models import CLUSTER_KINDS, EXPOSURE_SETTINGS
from graph.model import TransmissionGraph
from graph.offspring import fit_offspring
from graph.serial import serial_interval
from graph.simulate import SI_TRUNCATION, censor_days_for, simulate_outbreak

START = dt.date(2024, 1, 1)
SI_MEAN, SI_SD = 5.0, 2.0
RUNS = 100


def complete_cases(graph: TransmissionGraph) -> list[str]:
    cutoff = graph.as_of - dt.timedelta(days=graph.censor_days)
    return [k for k, n in graph.nodes.items() if n.is_case and n.date is not None and n.date <= cutoff]


def graph_offspring(graph: TransmissionGraph) -> list[int]:
    counts = Counter(e.source for e in graph.edges if e.transmission)
    return [counts[k] for k in complete_cases(graph)]


def graph_intervals(graph: TransmissionGraph) -> list[int]:
    complete = set(complete_cases(graph))
    nodes = graph.nodes
    return [
        (nodes[e.target].onset - nodes[e.source].onset).days
        for e in graph.edges
        if e.transmission and e.source in complete and nodes[e.source].onset and nodes[e.target].onset
    ]


def nb_top80(r: float, k: float) -> float:
    """The population share of cases behind 80% of transmission under NB(r, k)."""
    x = np.arange(20_000)[::-1]
    p = stats.nbinom.pmf(x, k, k / (k + r))
    cum = np.cumsum(x * p)
    i = int(np.argmax(cum >= 0.8 * r))
    return float(p[:i].sum() + (0.8 * r - (cum[i] - x[i] * p[i])) / x[i])


def small(seed: int = 1, **kw):
    args = {"r": 1.2, "k": 0.5, "si_mean": SI_MEAN, "si_sd": SI_SD, "seeds": 15, "horizon_days": 40, "start": START}
    return simulate_outbreak(**{**args, "seed": seed, **kw})


def test_the_same_seed_gives_the_same_outbreak_and_another_seed_another():
    a, b, c = small(3), small(3), small(4)

    assert list(a.graph.nodes) == list(b.graph.nodes)
    assert [(e.source, e.target, e.exposure_date) for e in a.graph.edges] == [
        (e.source, e.target, e.exposure_date) for e in b.graph.edges
    ]
    assert [n.onset for n in a.graph.nodes.values()] != [n.onset for n in c.graph.nodes.values()]


def test_the_graph_has_the_loader_shape():
    sim = small(2, contacts_per_case=2.0)
    g = sim.graph

    assert g.as_of == START + dt.timedelta(days=40)
    cases = [n for n in g.nodes.values() if n.is_case]
    contacts = [n for n in g.nodes.values() if not n.is_case]
    assert len(cases) == sim.cases and contacts
    assert all(n.key.startswith("a") and n.label.startswith("Sak ") for n in cases)
    assert all(n.key.startswith("p") and n.label.startswith("Kontakt ") for n in contacts)
    # every case has at most one infector; the seeds have none; infectees were registered contacts first
    infector = g.infector()
    assert sum(e.transmission for e in g.edges) == len(infector)
    assert len(cases) - len(infector) == sim.seeds
    assert all(g.nodes[t].was_contact and g.nodes[s].is_case for t, s in infector.items())
    assert max(d for _, d in g.tree.in_degree()) <= 1
    # contacts who never became cases are reached by exposure edges only, from a case
    assert all(not e.transmission and g.nodes[e.source].is_case for e in g.edges if not g.nodes[e.target].is_case)
    # onsets within the horizon; settings and cluster kinds from the vocabularies
    earliest = START - dt.timedelta(days=SI_TRUNCATION * SI_SD - SI_MEAN + 0.5)  # a seed's presymptomatic infectee
    assert all(earliest <= n.onset <= g.as_of for n in cases)
    assert {e.setting for e in g.edges} <= set(EXPOSURE_SETTINGS)
    assert {c.kind for c in g.clusters.values()} <= set(CLUSTER_KINDS)
    assert {cid for n in g.nodes.values() for cid in n.cluster_ids} == set(g.clusters)


def test_every_cluster_is_the_tree_of_one_seed():
    g = small(5).graph
    infector = g.infector()

    for key, node in g.nodes.items():
        if node.is_case and key in infector:
            assert node.cluster_ids == g.nodes[infector[key]].cluster_ids


def test_censor_days_bound_every_serial_interval_so_complete_cases_have_all_offspring():
    sim = small(6, r=2.0, k=1.0, horizon_days=35)
    g = sim.graph

    assert g.censor_days == censor_days_for(SI_MEAN, SI_SD) >= SI_MEAN + SI_TRUNCATION * SI_SD
    intervals = [(g.nodes[e.target].onset - g.nodes[e.source].onset).days for e in g.edges if e.transmission]
    assert max(abs(i - SI_MEAN) for i in intervals) <= SI_TRUNCATION * SI_SD + 0.5
    assert min(intervals) < 0 or SI_MEAN - SI_TRUNCATION * SI_SD >= 0  # negative intervals are allowed
    # the handy arrays agree with what the graph says
    assert sorted(sim.complete_offspring().tolist()) == sorted(graph_offspring(g))
    assert sorted(sim.complete_intervals().tolist()) == sorted(graph_intervals(g))


def test_missing_onsets_keep_a_test_date_and_leave_the_pairs():
    sim = small(7, missing_onset=0.3)
    cases = [n for n in sim.graph.nodes.values() if n.is_case]

    without = [n for n in cases if n.onset is None]
    assert 0 < len(without) < len(cases)
    assert all(n.test_date is not None and n.date == n.test_date for n in without)
    assert sorted(sim.complete_intervals().tolist()) == sorted(graph_intervals(sim.graph))


def test_no_transmission_gives_only_seeds():
    sim = small(8, r=0.0)

    assert sim.cases == 15 and not any(e.transmission for e in sim.graph.edges)
    assert not sim.graph.clusters


@pytest.mark.parametrize(
    ("r", "k", "seeds", "horizon", "intro"),
    [
        (0.6, 0.4, 1000, 60, 30),  # subcritical: many introductions, about 2,500 cases
        (1.5, 0.2, 100, 45, 30),  # growing: about 3,500 cases (10-90%: 2,100-6,500)
    ],
)
def test_estimators_recover_r_k_and_the_serial_interval_in_at_least_90_of_100_runs(r, k, seeds, horizon, intro):
    covered = Counter()
    sizes = []
    top80 = nb_top80(r, k)
    for seed in range(RUNS):
        sim = simulate_outbreak(
            r=r, k=k, si_mean=SI_MEAN, si_sd=SI_SD, seeds=seeds, horizon_days=horizon, intro_days=intro,
            seed=seed, start=START, contacts_per_case=1.0,
        )
        sizes.append(sim.cases)
        fit = fit_offspring(graph_offspring(sim.graph))
        si = serial_interval(graph_intervals(sim.graph))
        covered["R"] += fit.r.covers(r)
        covered["k"] += fit.k.covers(k)
        covered["top80"] += fit.top80.covers(top80)
        covered["si"] += si.mean.covers(SI_MEAN)

    assert np.median(sizes) > 2000
    assert covered["R"] >= 90, covered
    assert covered["k"] >= 90, covered
    assert covered["si"] >= 90, covered
    assert covered["top80"] >= 85, covered
