"""The epidemiological measures of one transmission graph: overall, per cluster and per setting.

Why one module: the explorer's cluster table, the API and ``flask spread-report`` must show the same numbers, so
they all call ``spread_report`` and (for JSON) ``report_dict``.

Definitions, for a subset of cases (overall: all cases; a cluster: the cases whose ``cluster_ids`` hold it):

- contacts: the distinct targets of exposure edges from the subset's cases (contact-only nodes and cases);
  ``contacts_became_cases``: those targets that are cases. Secondary attack rate = became cases / contacts.
- offspring: the number of transmission children of each case of the subset whose reference date lies at least
  ``graph.censor_days`` before ``graph.as_of`` (later cases and cases without any date are left out: their
  secondary cases may not have been seen yet). R, k and the 80% share come from these counts.
- serial interval: transmission edges from a case of the subset to a case, both with a symptom onset, the
  infector observed completely (as above); interval = infectee onset - infector onset, negative ones kept.
  Per cluster also the case-to-case (Vink et al. 2014) estimate from the cluster's case onsets.
- growth: the subset's case reference dates up to ``as_of``.

Per setting ``s`` the unit of observation is the exposure, not the case's cluster:

- contacts / attack rate: exposure edges of setting ``s`` from any case, their distinct targets;
- offspring: for every case that was the source of at least one exposure of setting ``s`` (and is observed
  completely), the number of its transmission edges of setting ``s``;
- serial interval: transmission edges of setting ``s`` (same rules as above); no case-to-case estimate;
- ``cases`` and growth: the cases infected in ``s`` (``Node.setting == s``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph.attack import attack_rate
from graph.chains import Chain, ChainKpis, chain_kpis, chains
from graph.estimate import Estimate
from graph.growth import Growth, growth
from graph.model import Edge, TransmissionGraph
from graph.offspring import OffspringFit, fit_offspring
from graph.serial import SerialInterval, icc_serial_interval, serial_interval


@dataclass(frozen=True)
class Measures:
    cases: int
    contacts: int
    contacts_became_cases: int
    attack_rate: Estimate
    offspring: OffspringFit
    serial_interval: SerialInterval
    serial_interval_icc: SerialInterval | None
    growth: Growth


@dataclass(frozen=True)
class SpreadReport:
    as_of: dt.date
    overall: Measures
    by_cluster: dict[int, Measures]
    by_setting: dict[str, Measures]
    chains: list[Chain]
    kpis: ChainKpis


class _Index:
    """Outgoing edges per case and the completeness cut-off, built once for all subsets."""

    def __init__(self, graph: TransmissionGraph) -> None:
        self.graph = graph
        self.out: dict[str, list[Edge]] = {}
        for edge in graph.edges:
            if edge.source in graph.nodes and edge.target in graph.nodes:
                self.out.setdefault(edge.source, []).append(edge)
        self.complete_until = graph.as_of - dt.timedelta(days=graph.censor_days)

    def complete(self, key: str) -> bool:
        date = self.graph.nodes[key].date
        return date is not None and date <= self.complete_until


def _measures(
    index: _Index,
    sources: Iterable[str],
    counted: Iterable[str],
    keep: Callable[[Edge], bool] | None = None,
    *,
    icc: bool = False,
) -> Measures:
    """Measures over the edges out of ``sources`` that pass ``keep``; ``counted`` are the cases to count and
    date for growth (and, with ``icc``, for the case-to-case serial interval)."""
    graph = index.graph
    nodes = graph.nodes
    targets: set[str] = set()
    offspring: list[int] = []
    intervals: list[float] = []
    for key in sources:
        edges = [e for e in index.out.get(key, ()) if keep is None or keep(e)]
        for e in edges:
            targets.add(e.target)
        if not index.complete(key):
            continue
        children = [e for e in edges if e.transmission and nodes[e.target].is_case]
        offspring.append(len(children))
        onset = nodes[key].onset
        if onset is None:
            continue
        for e in children:
            child_onset = nodes[e.target].onset
            if child_onset is not None:
                intervals.append(float((child_onset - onset).days))
    counted = list(counted)
    became = sum(1 for t in targets if nodes[t].is_case)
    dates = [d for d in (nodes[k].date for k in counted) if d is not None]
    onsets = [d for d in (nodes[k].onset for k in counted) if d is not None]
    return Measures(
        cases=len(counted),
        contacts=len(targets),
        contacts_became_cases=became,
        attack_rate=attack_rate(len(targets), became),
        offspring=fit_offspring(offspring),
        serial_interval=serial_interval(intervals),
        serial_interval_icc=icc_serial_interval([sorted(onsets)]) if icc else None,
        growth=growth(dates, graph.as_of),
    )


def spread_report(graph: TransmissionGraph) -> SpreadReport:
    """Every measure of the module doc for ``graph``, with its chains and their KPIs."""
    index = _Index(graph)
    cases = graph.case_keys
    by_cluster_keys: dict[int, list[str]] = {}
    by_setting_keys: dict[str, list[str]] = {}
    for key in cases:
        node = graph.nodes[key]
        for cluster_id in node.cluster_ids:
            by_cluster_keys.setdefault(cluster_id, []).append(key)
        if node.setting is not None:
            by_setting_keys.setdefault(node.setting, []).append(key)
    sources_in: dict[str, list[str]] = {s: [] for s in by_setting_keys}  # cases with an exposure in the setting
    for key in cases:
        for setting in {e.setting for e in index.out.get(key, ()) if e.setting is not None}:
            sources_in.setdefault(setting, []).append(key)

    by_setting: dict[str, Measures] = {}
    for setting in sorted(sources_in):
        by_setting[setting] = _measures(
            index, sources_in[setting], by_setting_keys.get(setting, []), lambda e, s=setting: e.setting == s
        )
    found = chains(graph)
    return SpreadReport(
        as_of=graph.as_of,
        overall=_measures(index, cases, cases),
        by_cluster={cid: _measures(index, keys, keys, icc=True) for cid, keys in sorted(by_cluster_keys.items())},
        by_setting=by_setting,
        chains=found,
        kpis=chain_kpis(found),
    )


# --- JSON ---------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready: Estimates by ``as_dict``, dataclasses field by field, dates as ISO strings, NaN as None."""
    if isinstance(value, Estimate):
        return value.as_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _plain(item())
    return str(value)


def _chain_dict(chain: Chain) -> dict[str, Any]:
    # case_keys is left out: a 20,000-case chain would make the document huge, and /chains lists members.
    return {
        "id": chain.id,
        "size": chain.size,
        "generations": chain.generations,
        "start": _plain(chain.start),
        "end": _plain(chain.end),
        "active": chain.active,
        "roots": list(chain.roots),
        "contacts": chain.contacts,
    }


def report_dict(report: SpreadReport, graph: TransmissionGraph) -> dict[str, Any]:
    """The report as plain JSON types (English keys), for the API and the CLI."""
    clusters = []
    for cluster_id, measures in report.by_cluster.items():
        info = graph.clusters.get(cluster_id)
        clusters.append(
            {
                "cluster_id": cluster_id,
                "name": info.name if info else None,
                "kind": info.kind if info else None,
                "org_unit_id": info.org_unit_id if info else None,
                "measures": _plain(measures),
            }
        )
    return {
        "as_of": report.as_of.isoformat(),
        "follow_up_days": graph.follow_up_days,
        "censor_days": graph.censor_days,
        "cases": len(graph.case_keys),
        "contacts_only": sum(1 for n in graph.nodes.values() if not n.is_case),
        "overall": _plain(report.overall),
        "by_cluster": clusters,
        "by_setting": [{"setting": s, "measures": _plain(m)} for s, m in report.by_setting.items()],
        "kpis": _plain(report.kpis),
        "chains": [_chain_dict(c) for c in report.chains],
    }


__all__ = ["Measures", "SpreadReport", "report_dict", "spread_report"]
