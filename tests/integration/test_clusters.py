"""Clusters (tracing/clusters.py) on both stores: registering, members, the cluster page's split, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data.models import AuditEvent, ClusterMember
from tests.factories import make_actor, make_case, make_person, unit_id
from tracing.cases import ContactInput, IndexInput, add_contact, register_index
from tracing.clusters import ClusterInput, add_member, cluster_view, create_cluster, list_clusters, update_cluster
from tracing.errors import AccessDenied, DomainError

TODAY = dt.date(2026, 11, 23)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _input(s, code="0301", **fields) -> ClusterInput:
    values = {"name": "Julebord på Aker brygge", "kind": "private_gathering", "start_date": days(-3), "end_date": days(-3)} | fields
    return ClusterInput(org_unit_id=unit_id(s, code), **values)


def _cluster(s, actor, code="0301", **fields):
    return create_cluster(s, actor, _input(s, code, **fields), today=TODAY)


def test_creating_a_cluster_stores_it_in_the_unit_and_audits_it(store):
    with store.session() as s:
        actor = make_actor(s)
        cluster = _cluster(s, actor, address=" Stranden 1 ", description="")
        assert (cluster.name, cluster.kind, cluster.status, cluster.address, cluster.description) == (
            "Julebord på Aker brygge",
            "private_gathering",
            "active",
            "Stranden 1",
            None,
        )
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "cluster_created"))
        assert (event.entity, event.entity_id, event.org_unit_id) == ("cluster", cluster.id, cluster.org_unit_id)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_date": days(-1), "end_date": days(-2)}, "sluttdato"),
        ({"start_date": days(1), "end_date": None}, "startdato"),
        ({"end_date": days(1)}, "sluttdato"),
        ({"kind": "rave"}, "type"),
        ({"name": "  "}, "navn"),
    ],
)
def test_invalid_cluster_input_is_refused_naming_the_field(store, fields, field):
    with store.session() as s:
        actor = make_actor(s)
        with pytest.raises(DomainError) as refused:
            _cluster(s, actor, **fields)
        assert refused.value.field == field


def test_an_unknown_or_foreign_org_unit_is_refused(store):
    with store.session() as s:
        actor = make_actor(s)
        with pytest.raises(DomainError) as unknown:
            create_cluster(s, actor, ClusterInput("X", "event", 999_999), today=TODAY)
        assert unknown.value.field == "organisasjonsenhet"
        with pytest.raises(AccessDenied):
            _cluster(s, actor, code="4601")


def test_updating_a_cluster_records_the_changed_fields(store):
    with store.session() as s:
        actor = make_actor(s)
        cluster = _cluster(s, actor)
        update_cluster(s, actor, cluster.id, _input(s, "030101", end_date=days(-2)), today=TODAY)
        assert (cluster.end_date, cluster.org_unit_id) == (days(-2), unit_id(s, "030101"))
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "cluster_updated"))
        assert set(event.detail["changed"]) == {"org_unit_id", "end_date"}
        with pytest.raises(DomainError) as refused:
            update_cluster(s, actor, cluster.id, _input(s, start_date=days(-1), end_date=days(-2)), today=TODAY)
        assert refused.value.field == "sluttdato"


def test_a_person_is_a_member_once_with_a_known_role(store):
    with store.session() as s:
        actor = make_actor(s)
        cluster = _cluster(s, actor)
        person = make_person(s)
        member = add_member(s, actor, cluster.id, person.id, "other")
        assert (member.cluster_id, member.person_id, member.role) == (cluster.id, person.id, "other")
        with pytest.raises(DomainError) as twice:
            add_member(s, actor, cluster.id, person.id, "index")
        assert twice.value.field == "person"
        with pytest.raises(DomainError) as role:
            add_member(s, actor, cluster.id, make_person(s, first_name="Ola").id, "guest")
        assert role.value.field == "rolle"
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "cluster_member_added"))
        assert event.detail == {"person_id": person.id, "role": "other"}


def test_cluster_view_splits_members_including_those_of_another_kommune(store):
    with store.session() as s:
        # given an Oslo cluster with an index, a contact, another participant, and a member whose active case is
        # in Bergen (an Oslo resident who is followed up by Bergen)
        actor = make_actor(s)
        cluster = _cluster(s, actor)
        index_person = make_person(s, first_name="Ida", birth_date=dt.date(1990, 1, 2))
        index = register_index(s, actor, IndexInput(index_person.id, unit_id(s, "0301"), days(-2), "PCR"), today=TODAY)
        contact_person = make_person(s, first_name="Kåre")
        add_contact(s, actor, ContactInput(index.id, contact_person.id, days(-3), "event", cluster_id=cluster.id), today=TODAY)
        other = make_person(s, first_name="Oda")
        add_member(s, actor, cluster.id, other.id, "other")
        elsewhere = make_person(s, first_name="Bjørn")
        make_case(s, elsewhere, kind="index", code="4601")
        add_member(s, actor, cluster.id, elsewhere.id, "index")
        # when the Oslo tracer opens the cluster page
        view = cluster_view(s, actor, cluster.id)
        # then the members are split, and the Bergen-owned one cannot be opened from here
        assert view.org_unit_name == "Oslo"
        assert [(r.full_name, r.birth_year, r.case_status, r.org_unit_name, r.can_open) for r in view.index] == [
            ("Ida Nordmann", 1990, "active", "Oslo", True)
        ]
        assert [(r.person_id, r.role, r.can_open) for r in view.contacts] == [(contact_person.id, "contact", True)]
        assert [(r.person_id, r.case_status, r.org_unit_name) for r in view.others] == [(other.id, None, "Oslo")]
        assert [(r.person_id, r.role, r.org_unit_name, r.other_kommune, r.can_open) for r in view.other_kommune] == [
            (elsewhere.id, "index", "Bergen", True, False)
        ]
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "cluster_viewed"))
        assert (event.entity_id, event.detail) == (cluster.id, {"members": 4})


def test_adding_a_contact_through_a_cluster_makes_both_persons_members(store):
    with store.session() as s:
        actor = make_actor(s)
        cluster = _cluster(s, actor)
        index_person, contact_person = make_person(s), make_person(s, first_name="Ola")
        index = register_index(s, actor, IndexInput(index_person.id, unit_id(s, "0301"), days(-2), "PCR"), today=TODAY)
        _, exposure = add_contact(s, actor, ContactInput(index.id, contact_person.id, days(-3), "event", cluster_id=cluster.id), today=TODAY)
        assert exposure.cluster_id == cluster.id
        roles = dict(s.execute(select(ClusterMember.person_id, ClusterMember.role).where(ClusterMember.cluster_id == cluster.id)).all())
        assert roles == {index_person.id: "index", contact_person.id: "contact"}


def test_clusters_are_listed_in_scope_with_member_counts_and_refused_elsewhere(store):
    with store.session() as s:
        oslo = make_actor(s)
        bergen = make_actor(s, code="4601")
        older = _cluster(s, oslo, name="Eldre", start_date=days(-10), end_date=None)
        newer = _cluster(s, oslo, code="030101", name="Nyere", start_date=days(-1), end_date=None)
        undated = _cluster(s, oslo, name="Udatert", start_date=None, end_date=None)
        theirs = _cluster(s, bergen, code="4601", name="Bergen")
        add_member(s, oslo, older.id, make_person(s).id, "other")
        assert [(c.id, n) for c, n in list_clusters(s, oslo)] == [(newer.id, 0), (older.id, 1), (undated.id, 0)]
        assert [c.id for c, _ in list_clusters(s, bergen)] == [theirs.id]
        bergen_person = make_person(s, "4601")
        for attempt in (
            lambda: cluster_view(s, bergen, older.id),
            lambda: update_cluster(s, bergen, older.id, _input(s, "4601"), today=TODAY),
            lambda: add_member(s, bergen, older.id, bergen_person.id, "other"),
            lambda: cluster_view(s, oslo, 999_999),
        ):
            with pytest.raises(AccessDenied):
                attempt()
