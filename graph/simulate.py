"""Seeded branching-process outbreaks with known R, k and serial interval, for the estimator tests and the bench.

Why a simulator in the package: the only honest test of an estimator is to feed it data whose truth is known,
in exactly the shape the app sees. ``simulate_outbreak`` returns a TransmissionGraph like the store loader's
(case nodes with onsets, transmission edges, contacts who never became cases, clusters and settings), so the same
measures and censoring rule run on it as on real data.

Model: each case has NB(mean r, dispersion k) secondary cases (gamma-Poisson); an infectee's onset is its
infector's onset plus a serial interval drawn from Normal(si_mean, si_sd) truncated at +-4 SD (negative intervals
allowed) and rounded to whole days, so a seed's infectee may fall ill a few days before ``start``. Seeds are
introduced over the first part of the horizon; cases with onset after start + horizon_days are not recorded. The truncation bounds every interval, so ``censor_days`` can be set
to make the app's censoring rule exact: a case dated <= as_of - censor_days has all its offspring recorded.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from dataclasses import dataclass, field

import numpy as np

from data.models import EXPOSURE_SETTINGS
from graph.model import ClusterInfo, Edge, Node, TransmissionGraph
from tracing.vocabulary import CLUSTER_KIND_OF_SETTING

SI_TRUNCATION = 4.0  # serial intervals are drawn within +-4 SD of the mean
MAX_CASES = 2_000_000
ACTIVE_DAYS = 10


@dataclass
class Simulated:
    """A simulated outbreak: its graph and the true parameters it was drawn from."""

    graph: TransmissionGraph
    r: float
    k: float
    si_mean: float
    si_sd: float
    seeds: int
    seed: int
    start: dt.date
    onset_day: np.ndarray = field(repr=False)  # per case, onset in days after start (< 0 possible, see below)
    has_onset: np.ndarray = field(repr=False)  # per case, whether the graph shows the onset
    date_day: np.ndarray = field(repr=False)  # per case, the node's reference date in days after start
    parent: np.ndarray = field(repr=False)  # per case, the infector's index or -1 for a seed

    @property
    def cases(self) -> int:
        return int(self.parent.size)

    def complete(self) -> np.ndarray:
        """Mask of the cases whose offspring is completely observed (the graph's censoring rule)."""
        cutoff = (self.graph.as_of - self.start).days - self.graph.censor_days
        return self.date_day <= cutoff

    def complete_offspring(self) -> np.ndarray:
        """Recorded secondary cases of every completely observed case (what fit_offspring should get)."""
        counts = np.bincount(self.parent[self.parent >= 0], minlength=self.cases)
        return counts[self.complete()]

    def complete_intervals(self) -> np.ndarray:
        """Onset differences (days) of the pairs whose infector is completely observed and both onsets known."""
        child = np.nonzero(self.parent >= 0)[0]
        par = self.parent[child]
        keep = self.complete()[par] & self.has_onset[child] & self.has_onset[par]
        return (self.onset_day[child] - self.onset_day[par])[keep].astype(float)


def censor_days_for(si_mean: float, si_sd: float) -> int:
    """The longest possible serial interval (after truncation and rounding to days)."""
    return max(1, math.ceil(si_mean + SI_TRUNCATION * si_sd + 0.5))


def _intervals(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """Normal(mean, sd) truncated at +-SI_TRUNCATION SD, by redrawing the few that fall outside."""
    x = rng.normal(mean, sd, size)
    if sd <= 0:
        return x
    bad = np.abs(x - mean) > SI_TRUNCATION * sd
    while bad.any():
        x[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = np.abs(x - mean) > SI_TRUNCATION * sd
    return x


def _offspring(rng: np.random.Generator, r: float, k: float, size: int) -> np.ndarray:
    if r <= 0:
        return np.zeros(size, dtype=np.int64)
    if math.isinf(k):
        return rng.poisson(r, size)
    return rng.negative_binomial(k, k / (k + r), size)


def _branch(
    rng: np.random.Generator, r: float, k: float, si_mean: float, si_sd: float, onsets: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Grow the process generation by generation: (onset day, parent index) of every recorded case."""
    onset_parts, parent_parts = [onsets.astype(np.int64)], [np.full(onsets.size, -1, dtype=np.int64)]
    frontier, total = np.arange(onsets.size), onsets.size
    current = onsets.astype(np.int64)
    while frontier.size:
        kids = _offspring(rng, r, k, frontier.size)
        parents = np.repeat(frontier, kids)
        child = np.repeat(current, kids) + np.rint(_intervals(rng, si_mean, si_sd, parents.size)).astype(np.int64)
        keep = child <= horizon
        parents, child = parents[keep], child[keep]
        onset_parts.append(child)
        parent_parts.append(parents)
        frontier = np.arange(total, total + child.size)
        current = child
        total += child.size
        if total > MAX_CASES:
            raise ValueError(f"simulated outbreak exceeds {MAX_CASES} cases; shorten horizon_days")
    return np.concatenate(onset_parts), np.concatenate(parent_parts)


def _roots(parent: np.ndarray) -> np.ndarray:
    """The seed each case descends from (parents always precede their children)."""
    root = np.arange(parent.size)
    has = parent >= 0
    root[has] = parent[has]
    while True:  # pointer jumping: O(log depth) vectorised passes
        nxt = root[root]
        if np.array_equal(nxt, root):
            return root
        root = nxt


def simulate_outbreak(
    *,
    r: float,
    k: float,
    si_mean: float,
    si_sd: float,
    seeds: int,
    horizon_days: int,
    seed: int,
    start: dt.date = dt.date(2024, 1, 1),
    contacts_per_case: float = 2.0,
    intro_days: int | None = None,
    missing_onset: float = 0.0,
) -> Simulated:
    """A branching-process outbreak as a TransmissionGraph, with as_of = start + horizon_days.

    ``seeds`` introductions on days drawn uniformly from the first ``intro_days`` (default half the horizon).
    ``contacts_per_case``: mean number of extra registered contacts per case who never became cases (Poisson),
    so the secondary attack rate is defined. ``missing_onset``: share of cases without a symptom onset (they keep
    a test date).
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    intro = intro_days if intro_days is not None else max(1, horizon_days // 2)
    seed_onsets = np.sort(rng.integers(0, max(1, min(intro, horizon_days + 1)), seeds))
    onset, parent = _branch(rng, r, k, si_mean, si_sd, seed_onsets, horizon_days)
    n = onset.size
    delay = rng.poisson(1.0, n) + 1
    test_day = np.minimum(onset + delay, horizon_days)
    has_onset = rng.random(n) >= missing_onset
    date_day = np.where(has_onset, onset, test_day)

    root = _roots(parent)
    tree_size = np.bincount(root, minlength=n)
    cluster_setting = rng.integers(0, len(EXPOSURE_SETTINGS), n)  # indexed by root
    own_setting = np.where(rng.random(n) < 0.6, cluster_setting[root], rng.integers(0, len(EXPOSURE_SETTINGS), n))
    incubation = rng.integers(1, 6, n)

    contacts = rng.poisson(contacts_per_case, n) if contacts_per_case > 0 else np.zeros(n, dtype=np.int64)
    contact_of = np.repeat(np.arange(n), contacts)
    contact_day = np.minimum(onset[contact_of] + rng.integers(-2, 2, contact_of.size), horizon_days)
    contact_setting = np.where(
        rng.random(contact_of.size) < 0.6,
        cluster_setting[root[contact_of]],
        rng.integers(0, len(EXPOSURE_SETTINGS), contact_of.size),
    )

    graph = _graph(
        start=start,
        horizon=horizon_days,
        censor=censor_days_for(si_mean, si_sd),
        onset=onset,
        has_onset=has_onset,
        test_day=test_day,
        parent=parent,
        root=root,
        tree_size=tree_size,
        cluster_setting=cluster_setting,
        own_setting=own_setting,
        incubation=incubation,
        contact_of=contact_of,
        contact_day=contact_day,
        contact_setting=contact_setting,
    )
    return Simulated(graph, r, k, si_mean, si_sd, seeds, seed, start, onset, has_onset, date_day, parent)


def _graph(
    *,
    start: dt.date,
    horizon: int,
    censor: int,
    onset: np.ndarray,
    has_onset: np.ndarray,
    test_day: np.ndarray,
    parent: np.ndarray,
    root: np.ndarray,
    tree_size: np.ndarray,
    cluster_setting: np.ndarray,
    own_setting: np.ndarray,
    incubation: np.ndarray,
    contact_of: np.ndarray,
    contact_day: np.ndarray,
    contact_setting: np.ndarray,
) -> TransmissionGraph:
    low = int(min(onset.min(initial=0), contact_day.min(initial=0), (onset - incubation).min(initial=0)))
    days = {d: start + dt.timedelta(days=d) for d in range(low, horizon + 1)}
    settings = EXPOSURE_SETTINGS

    # a cluster per seed whose tree has at least two cases
    cluster_roots = np.nonzero((parent < 0) & (tree_size >= 2))[0]
    cluster_number = np.zeros(onset.size, dtype=np.int64)
    cluster_number[cluster_roots] = np.arange(1, cluster_roots.size + 1)
    case_cluster = cluster_number[root]
    clusters = {
        int(cid): ClusterInfo(int(cid), f"Klynge {cid}", CLUSTER_KIND_OF_SETTING[settings[cluster_setting[r]]])
        for r, cid in zip(cluster_roots.tolist(), cluster_number[cluster_roots].tolist(), strict=True)
    }

    nodes: dict[str, Node] = {}
    edges: list[Edge] = []
    active_from = horizon - ACTIVE_DAYS
    infected_on = (onset - incubation).tolist()
    paused = gc.isenabled()
    gc.disable()  # tens of thousands of small objects: the cyclic GC would double the build time
    try:
        for i, (o, shown, td, p, cid, st, inf) in enumerate(
            zip(
                onset.tolist(),
                has_onset.tolist(),
                test_day.tolist(),
                parent.tolist(),
                case_cluster.tolist(),
                own_setting.tolist(),
                infected_on,
                strict=True,
            )
        ):
            key = f"a{i + 1}"
            setting = settings[st] if p >= 0 else None
            test = days[td]
            nodes[key] = Node(
                key,
                True,
                f"Sak {i + 1}",
                "active" if o >= active_from else "closed",
                p >= 0,
                days[o] if shown else None,
                test,
                test,
                setting,
                (cid,) if cid else (),
            )
            if p >= 0:
                edges.append(Edge(f"a{p + 1}", key, True, setting, days[inf], cid or None))
        contact_cluster = case_cluster[contact_of].tolist()
        for j, (c, d, st, cid) in enumerate(
            zip(contact_of.tolist(), contact_day.tolist(), contact_setting.tolist(), contact_cluster, strict=True)
        ):
            key = f"p{j + 1}"
            setting = settings[st]
            nodes[key] = Node(
                key, False, f"Kontakt {j + 1}", "active" if d >= active_from else "closed", False, None, None, None,
                setting, (cid,) if cid else (),
            )
            edges.append(Edge(f"a{c + 1}", key, False, setting, days[d], cid or None))
    finally:
        if paused:
            gc.enable()
    return TransmissionGraph(
        nodes=nodes,
        edges=edges,
        as_of=start + dt.timedelta(days=horizon),
        clusters=clusters,
        censor_days=censor,
    )


def simulate_clusters(
    *,
    clusters: int,
    si_mean: float,
    si_sd: float,
    seed: int,
    start: dt.date = dt.date(2024, 1, 1),
    coprimary: float = 0.2,
    household_r: float = 0.7,
    generations: int = 3,
    spread_days: int = 60,
) -> list[list[dt.date]]:
    """Onset dates per cluster (household-like), who infected whom left out: input for the ICC method.

    Each cluster starts with a primary case and Poisson(``coprimary``) co-primary cases infected by the same
    outside source (onsets spread Normal(0, si_sd) around a common day, as the ICC model assumes); every case
    infects Poisson(``household_r``) others, up to ``generations`` generations after the primaries.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    base = rng.integers(0, spread_days, clusters).astype(float)
    primaries = 1 + rng.poisson(coprimary, clusters)
    owner = np.repeat(np.arange(clusters), primaries)
    onset = np.rint(base[owner] + rng.normal(0.0, si_sd, owner.size))
    all_owner, all_onset = [owner], [onset]
    for _ in range(generations):
        kids = rng.poisson(household_r, onset.size)
        owner = np.repeat(owner, kids)
        onset = np.repeat(onset, kids) + np.rint(_intervals(rng, si_mean, si_sd, int(kids.sum())))
        all_owner.append(owner)
        all_onset.append(onset)
    owner, onset = np.concatenate(all_owner), np.concatenate(all_onset).astype(np.int64)
    order = np.argsort(owner, kind="stable")
    owner, onset = owner[order], onset[order]
    bounds = np.searchsorted(owner, np.arange(clusters + 1))
    origin = start.toordinal()
    return [
        [dt.date.fromordinal(origin + int(d)) for d in onset[bounds[c] : bounds[c + 1]]]
        for c in range(clusters)
    ]
