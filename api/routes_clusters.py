"""Endpoints for clusters (klynger / hendelser) and their members."""

from __future__ import annotations

from api.routes_common import fields_of, unit_id
from api.routing import Call
from api.schemas import ClusterBody, ClusterListItemOut, ClusterMemberOut, ClusterOut, ClustersOut, ClusterViewOut
from tracing import clusters


def _input(call: Call, body: ClusterBody) -> clusters.ClusterInput:
    return clusters.ClusterInput(org_unit_id=unit_id(call.session, body.org_unit), **fields_of(body, drop=("org_unit",)))  # type: ignore[arg-type]


def list_clusters(call: Call) -> ClustersOut:
    rows = clusters.list_clusters(call.session, call.actor)
    return ClustersOut(clusters=[ClusterListItemOut(cluster=ClusterOut.model_validate(c), member_count=n) for c, n in rows])


def create_cluster(call: Call) -> ClusterOut:
    return ClusterOut.model_validate(clusters.create_cluster(call.session, call.actor, _input(call, call.body)))


def get_cluster(call: Call) -> ClusterViewOut:
    return ClusterViewOut.model_validate(clusters.cluster_view(call.session, call.actor, call.args["cluster_id"]))


def update_cluster(call: Call) -> ClusterOut:
    cluster = clusters.update_cluster(call.session, call.actor, call.args["cluster_id"], _input(call, call.body))
    return ClusterOut.model_validate(cluster)


def add_cluster_member(call: Call) -> ClusterMemberOut:
    body = call.body
    member = clusters.add_member(call.session, call.actor, call.args["cluster_id"], body.person_id, body.role)
    return ClusterMemberOut.model_validate(member)
