"""Endpoints for spread analytics: imported outbreaks, one cluster, an org unit and date window (issue 4).

Each handler loads one ``TransmissionGraph`` through graph/ with the caller as actor (graph/ checks the scope),
computes the report and returns ``graph.measures.report_dict`` - the JSON the CLI prints too.

Callers without a case-work role (FHI) reach ``/analytics/spread`` and the imported outbreaks, only in aggregate
form (so does a case worker asking, through an FHI grant they also hold, about a unit outside their case work):
clusters lose their id and name (a cluster's name can name a person or a private party), and chains lose their
case keys. A register cluster is named by its id, so ``/analytics/clusters/<id>`` stays for case workers.
"""

from __future__ import annotations

from typing import Any

from api.routes_common import unit_id
from api.routing import Call
from api.schemas import OrgUnitOut
from api.schemas_analytics import (
    ClusterRefOut,
    ClusterReportOut,
    OutbreakOut,
    OutbreakReportOut,
    OutbreaksOut,
    ReportOut,
    SpreadQuery,
    SpreadReportOut,
)
from auth.roles import CASE_WORK_ROLES
from data.models import AnalysisOutbreak, OrgUnit
from graph.measures import report_dict, spread_report
from graph.model import TransmissionGraph
from graph.outbreak import list_outbreaks, load_outbreak_graph
from graph.store import SpreadScope, load_graph
from tracing.clusters import require_cluster


def anonymised(report: dict[str, Any]) -> dict[str, Any]:
    """The report as a caller without case-work rights may see it: measures and sizes, no names, no case keys."""
    clusters = [{**row, "cluster_id": None, "name": None} for row in report["by_cluster"]]
    chains = [{**row, "id": f"kjede-{n}", "roots": []} for n, row in enumerate(report["chains"], 1)]
    return {**report, "by_cluster": clusters, "chains": chains}


def report_of(graph: TransmissionGraph, *, aggregate: bool = False) -> ReportOut:
    report = report_dict(spread_report(graph), graph)
    return ReportOut.model_validate(anonymised(report) if aggregate else report)


def list_analysis_outbreaks(call: Call) -> OutbreaksOut:
    rows = list_outbreaks(call.session, call.actor, aggregate=True)  # FHI grants reach them too (labels, counts)
    return OutbreaksOut(outbreaks=[OutbreakOut.model_validate(row) for row in rows])


def get_outbreak_report(call: Call) -> OutbreakReportOut:
    outbreak_id = call.args["outbreak_id"]
    row = call.session.get(AnalysisOutbreak, outbreak_id)
    aggregate = row is None or not call.actor.reaches(row.org_unit.path, CASE_WORK_ROLES)
    # load_outbreak_graph refuses an outbreak outside the caller's reach (an unknown id looks the same).
    graph = load_outbreak_graph(call.session, call.actor, outbreak_id, aggregate=aggregate)
    return OutbreakReportOut(
        outbreak=OutbreakOut.model_validate(row), aggregate=aggregate, report=report_of(graph, aggregate=aggregate)
    )


def get_cluster_report(call: Call) -> ClusterReportOut:
    cluster = require_cluster(call.session, call.actor, call.args["cluster_id"])
    graph = load_graph(call.session, call.actor, SpreadScope(cluster_id=cluster.id))
    return ClusterReportOut(cluster=ClusterRefOut.model_validate(cluster), report=report_of(graph))


def get_spread_report(call: Call) -> dict[str, Any]:
    query: SpreadQuery = call.query
    unit = call.session.get(OrgUnit, unit_id(call.session, query.org_unit))
    # Aggregate unless the caller does case work in that unit: an FHI user, or a kommune's doctor who also holds
    # an FHI grant and looks at another kommune.
    aggregate = unit is None or not call.actor.reaches(unit.path, CASE_WORK_ROLES)
    scope = SpreadScope(
        org_unit_id=unit.id if unit else None,
        start=query.from_,
        end=query.to,
        setting=query.setting,
        cluster_kind=query.cluster_kind,
        active_only=query.active_only,
    )
    graph = load_graph(call.session, call.actor, scope, aggregate=aggregate)
    reply = SpreadReportOut(
        org_unit=OrgUnitOut.model_validate(unit),
        from_=query.from_,
        to=query.to,
        aggregate=aggregate,
        report=report_of(graph, aggregate=aggregate),
    )
    return reply.model_dump(mode="json", by_alias=True)  # "from", as in the query
