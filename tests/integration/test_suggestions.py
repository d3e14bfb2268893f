"""Cluster suggestions (tracing/suggestions.py) on both stores: what is found, what is not, scope, accepting and
dismissing."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from data.clock import OSLO
from data.models import AuditEvent, Cluster, ClusterMember, ClusterSuggestionDismissal
from tests.factories import make_actor, make_case, make_person, unit_id
from tracing.clusters import ClusterInput, add_member, create_cluster
from tracing.errors import AccessDenied, DomainError
from tracing.suggestions import accept_suggestion, dismiss_suggestion, suggest_clusters

TODAY = dt.date(2026, 11, 23)
_households = itertools.count(1)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def index_case(s, code="0301", *, onset=-3, test=None, household=None, address=None, postcode=None, status="active", **fields):
    """An index case of a new person in ``code``, with symptom onset ``onset`` days from TODAY (None: none)."""
    person = make_person(
        s,
        code if len(code) == 4 else code[:4],
        first_name=f"Per{next(_households)}",
        with_national_id=False,
        household_key=household or f"hh-{next(_households)}",
        address=address,
        postcode=postcode,
    )
    return make_case(
        s,
        person,
        code=code,
        status=status,
        symptom_onset=days(onset) if onset is not None else None,
        test_date=days(test) if test is not None else None,
        **fields,
    )


def test_index_cases_sharing_a_workplace_are_suggested_with_their_evidence(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        a = index_case(s, "030101", onset=-10, workplace_or_school="Halvorsen AS")
        b = index_case(s, "030102", onset=-2, workplace_or_school="halvorsen as")
        c = index_case(s, "0301", onset=None, test=-1, infected_where="Arbeidsplass: Halvorsen AS")
        index_case(s, "030101", workplace_or_school="Isaksen-Danielsen")  # alone at its workplace

        [found] = suggest_clusters(s, doctor, today=TODAY)

        assert (found.kind, found.value, found.org_unit_id, found.org_unit_name) == (
            "workplace", "Halvorsen AS", unit_id(s, "0301"), "Oslo"
        )
        assert found.case_ids == tuple(sorted((a.id, b.id, c.id)))
        assert [(x.case_id, x.reference_date) for x in found.cases] == [(a.id, days(-10)), (b.id, days(-2)), (c.id, days(-1))]
        assert (found.first_date, found.last_date, found.households) == (days(-10), days(-1), 3)
        assert (found.proposed_name, found.proposed_kind, found.existing, found.can_act) == (
            "Halvorsen AS", "workplace", None, True
        )
        assert all(x.can_open and x.display_name.startswith("Per") for x in found.cases)
        assert "halvorsen" not in found.key.lower() and found.key.startswith(f"place:{found.org_unit_id}:")
        viewed = s.scalar(select(AuditEvent).where(AuditEvent.action == "cluster_suggestions_viewed"))
        assert viewed.detail == {"suggestions": 1, "cases": 3, "named": 3}


def test_schools_kindergartens_events_nursing_homes_and_addresses_are_told_apart(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        for _ in range(2):
            index_case(s, workplace_or_school="Maurtua barnehage")
            index_case(s, workplace_or_school="Rosenhof sykehjem")
            index_case(s, infected_where="Konsert i Spektrum")
            index_case(s, address="Myhrestykket 81", postcode="1052")
        index_case(s, infected_where="konsert i Spektrum.")

        found = {x.kind + "/" + x.proposed_kind: (x.value, len(x.cases)) for x in suggest_clusters(s, doctor, today=TODAY)}

        assert found == {
            "event/concert": ("Konsert i Spektrum", 3),
            "school/kindergarten": ("Maurtua barnehage", 2),
            "workplace/nursing_home": ("Rosenhof sykehjem", 2),
            "address/other": ("Myhrestykket 81, 1052", 2),
        }


def test_one_household_alone_is_no_suggestion(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        for _ in range(3):  # siblings at the same school, at home together
            index_case(s, household="hh-siblings", address="Storgata 5", postcode="0150", workplace_or_school="Bekkedalen skole")

        assert suggest_clusters(s, doctor, today=TODAY) == []

        # a pupil from another household makes the school a suggestion, but the address stays one household
        index_case(s, workplace_or_school="Bekkedalen skole")
        [found] = suggest_clusters(s, doctor, today=TODAY)
        assert (found.kind, len(found.cases), found.households) == ("school", 4, 2)


def test_values_that_name_no_place_suggest_nothing(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        for where in ("Husstand", "Ukjent smittested", "Utlandet: Spania", "Nærmiljø / sosial kontakt"):
            index_case(s, infected_where=where, workplace_or_school="Pensjonist")
            index_case(s, infected_where=where, workplace_or_school="Pensjonist")

        assert suggest_clusters(s, doctor, today=TODAY) == []


def test_cases_already_together_in_one_cluster_are_not_suggested(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        a = index_case(s, workplace_or_school="Jensen ASA")
        b = index_case(s, workplace_or_school="Jensen ASA")
        party = create_cluster(s, doctor, ClusterInput("Julebord Aker brygge", "private_gathering", unit_id(s, "0301")), today=TODAY)
        add_member(s, doctor, party.id, a.person_id, "index")
        assert len(suggest_clusters(s, doctor, today=TODAY)) == 1  # one of two in a cluster: still a suggestion

        add_member(s, doctor, party.id, b.person_id, "contact")

        assert suggest_clusters(s, doctor, today=TODAY) == []


def test_an_active_cluster_of_the_place_receives_the_missing_cases(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        cases = [index_case(s, workplace_or_school="Furuset ungdomsskole") for _ in range(3)]
        school = create_cluster(s, doctor, ClusterInput("Utbrudd Furuset ungdomsskole", "school", unit_id(s, "030101")), today=TODAY)
        add_member(s, doctor, school.id, cases[0].person_id, "index")
        add_member(s, doctor, school.id, cases[1].person_id, "contact")  # registered before testing positive

        [found] = suggest_clusters(s, doctor, today=TODAY)
        assert found.existing is not None
        assert (found.existing.id, found.existing.members, found.proposed_name) == (school.id, 2, "Utbrudd Furuset ungdomsskole")
        assert [x.in_existing for x in found.cases] == [True, True, False]

        clusters_before = s.scalar(select(func.count(Cluster.id)))
        accepted = accept_suggestion(s, doctor, found.key, today=TODAY)

        assert accepted.id == school.id
        assert s.scalar(select(func.count(Cluster.id))) == clusters_before
        members = s.execute(select(ClusterMember.person_id, ClusterMember.role).where(ClusterMember.cluster_id == school.id)).all()
        assert sorted(members) == sorted((c.person_id, "index") for c in cases)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "cluster_suggestion_accepted"))
        assert event.detail == {"key": found.key, "kind": "school", "cases": 3, "added": 1, "created": False}
        assert suggest_clusters(s, doctor, today=TODAY) == []


def test_evidence_naming_the_same_cases_is_one_card(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        for _ in range(2):  # two residents: same home, same address, same Christmas party
            index_case(s, workplace_or_school="Rosenhof sykehjem", infected_where="Julebord Rosenhof", address="Haugskogen 20", postcode="0980")

        [found] = suggest_clusters(s, doctor, today=TODAY)
        assert (found.kind, found.value, found.also) == ("workplace", "Rosenhof sykehjem", ("event", "address"))

        # a nurse living elsewhere joins the workplace; the residents' address alone adds nothing to that card
        index_case(s, workplace_or_school="Rosenhof sykehjem", address="Lia 3", postcode="0981")
        by_kind = {x.kind: len(x.cases) for x in suggest_clusters(s, doctor, today=TODAY)}
        assert by_kind == {"workplace": 3, "event": 2}


def test_a_cluster_at_the_address_receives_the_cases(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        cases = [index_case(s, address="Storgata 5A", postcode="0150") for _ in range(2)]
        home = create_cluster(
            s, doctor, ClusterInput("Bofellesskap sentrum", "other", unit_id(s, "0301"), address="Storgt. 5 a, 0150 Oslo"), today=TODAY
        )

        [found] = suggest_clusters(s, doctor, today=TODAY)
        assert found.existing is not None and (found.existing.id, found.existing.members) == (home.id, 0)

        assert accept_suggestion(s, doctor, found.key, today=TODAY).id == home.id
        members = set(s.scalars(select(ClusterMember.person_id).where(ClusterMember.cluster_id == home.id)))
        assert members == {c.person_id for c in cases}


def test_only_index_cases_of_the_last_14_days_count(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        inside = [
            index_case(s, onset=-13, workplace_or_school="Berg ASA"),
            index_case(s, onset=None, test=0, workplace_or_school="Berg ASA"),
            index_case(s, onset=None, status="closed", workplace_or_school="Berg ASA",
                       enrolled_at=dt.datetime.combine(days(-13), dt.time(0, 30), tzinfo=OSLO)),
        ]
        index_case(s, onset=-14, test=-1, workplace_or_school="Berg ASA")  # onset decides, even with a recent test
        index_case(s, onset=None, workplace_or_school="Berg ASA",
                   enrolled_at=dt.datetime.combine(days(-13), dt.time(0, 30), tzinfo=OSLO) - dt.timedelta(hours=1))
        index_case(s, onset=1, workplace_or_school="Berg ASA")  # after "today"
        index_case(s, status="cancelled", workplace_or_school="Berg ASA")
        contact_person = make_person(s, household_key="hh-contact", with_national_id=False)
        make_case(s, contact_person, kind="contact", workplace_or_school="Berg ASA")

        [found] = suggest_clusters(s, doctor, today=TODAY)

        assert found.case_ids == tuple(sorted(c.id for c in inside))
        assert sorted(x.reference_date for x in found.cases) == [days(-13), days(-13), days(0)]


def test_old_cases_alone_are_no_suggestion(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        index_case(s, onset=-20, workplace_or_school="Lie-Lund AS")
        index_case(s, onset=-3, workplace_or_school="Lie-Lund AS")

        assert suggest_clusters(s, doctor, today=TODAY) == []


def test_another_kommune_is_neither_seen_nor_mixed_in(store):
    with store.session() as s:
        oslo = make_actor(s, "kommuneoverlege", "0301")
        bergen = make_actor(s, "kommuneoverlege", "4601")
        index_case(s, "0301", workplace_or_school="Nielsen RFH")
        index_case(s, "4601", workplace_or_school="Nielsen RFH")
        b = [index_case(s, "460101", workplace_or_school="Skogly skole") for _ in range(2)]

        assert suggest_clusters(s, oslo, today=TODAY) == []
        [found] = suggest_clusters(s, bergen, today=TODAY)
        assert (found.value, found.org_unit_name, found.case_ids) == ("Skogly skole", "Bergen", tuple(sorted(c.id for c in b)))
        with pytest.raises(DomainError) as refused:
            accept_suggestion(s, oslo, found.key, today=TODAY)
        assert refused.value.field == "forslag"


def test_a_bydel_tracer_gets_suggestions_for_the_bydel_only(store):
    with store.session() as s:
        tracer = make_actor(s, "smittesporer", "030101")
        here = [index_case(s, "030101", workplace_or_school="Berg RFH") for _ in range(2)]
        index_case(s, "030102", workplace_or_school="Berg RFH")

        [found] = suggest_clusters(s, tracer, today=TODAY)

        assert (found.org_unit_id, found.case_ids) == (unit_id(s, "030101"), tuple(sorted(c.id for c in here)))
        assert found.can_act is False


def test_a_person_owned_by_another_kommune_is_listed_without_a_name(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        index_case(s, workplace_or_school="Thomassen BA")
        moved = index_case(s, status="closed", workplace_or_school="Thomassen BA")
        make_case(s, moved.person, kind="contact", code="4601")  # now followed up in Bergen

        [found] = suggest_clusters(s, doctor, today=TODAY)

        named = {x.case_id: x.display_name for x in found.cases}
        assert named[moved.id] is None
        assert sum(1 for x in found.cases if x.can_open) == 1


def test_accepting_creates_the_cluster_with_its_index_members(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        cases = [index_case(s, "030101", onset=-5 + i, address="Storgata 5A", postcode="0150") for i in range(2)]
        cases.append(index_case(s, "030102", onset=-1, address="Storgt. 5 a", postcode="0150"))
        [found] = suggest_clusters(s, doctor, today=TODAY)
        assert found.kind == "address" and "storgata" not in found.key.lower()

        cluster = accept_suggestion(s, doctor, found.key, today=TODAY)

        assert (cluster.name, cluster.kind, cluster.org_unit_id, cluster.address, cluster.start_date, cluster.status) == (
            f"Adresse {found.value}", "other", unit_id(s, "0301"), found.value, days(-5), "active"
        )
        members = s.execute(select(ClusterMember.person_id, ClusterMember.role).where(ClusterMember.cluster_id == cluster.id)).all()
        assert sorted(members) == sorted((c.person_id, "index") for c in cases)
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.entity == "cluster", AuditEvent.entity_id == cluster.id)))
        assert actions.count("cluster_created") == 1 and actions.count("cluster_member_added") == 3
        assert "cluster_suggestion_accepted" in actions
        assert suggest_clusters(s, doctor, today=TODAY) == []
        with pytest.raises(DomainError) as gone:
            accept_suggestion(s, doctor, found.key, today=TODAY)
        assert gone.value.field == "forslag"


def test_a_dismissal_is_remembered_until_a_new_case_joins(store):
    with store.session() as s:
        doctor = make_actor(s, "kommuneoverlege")
        other_doctor = make_actor(s, "kommuneoverlege")
        first = [index_case(s, workplace_or_school="Jacobsen-Lunde") for _ in range(2)]
        [found] = suggest_clusters(s, doctor, today=TODAY)

        row = dismiss_suggestion(s, doctor, found.key, today=TODAY)

        assert (row.key, sorted(row.case_ids), row.dismissed_by_id) == (found.key, sorted(c.id for c in first), doctor.user_id)
        assert suggest_clusters(s, other_doctor, today=TODAY) == []  # remembered for the unit, not the user
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "cluster_suggestion_dismissed"))
        assert event.detail == {"key": found.key, "kind": "workplace", "cases": 2}

        newcomer = index_case(s, workplace_or_school="Jacobsen-Lunde")
        [again] = suggest_clusters(s, doctor, today=TODAY)
        assert again.key == found.key and newcomer.id in again.case_ids and len(again.cases) == 3

        dismiss_suggestion(s, doctor, again.key, today=TODAY)
        assert suggest_clusters(s, doctor, today=TODAY) == []
        rows = list(s.scalars(select(ClusterSuggestionDismissal)))
        assert len(rows) == 1 and len(rows[0].case_ids) == 3


def test_a_tracer_sees_suggestions_but_cannot_accept_or_dismiss_them(store):
    with store.session() as s:
        tracer = make_actor(s, "smittesporer")
        for _ in range(2):
            index_case(s, workplace_or_school="Eventyrhagen barnehage")
        [found] = suggest_clusters(s, tracer, today=TODAY)
        assert found.can_act is False

        for decide in (accept_suggestion, dismiss_suggestion):
            with pytest.raises(AccessDenied):
                decide(s, tracer, found.key, today=TODAY)
        assert s.scalar(select(func.count(Cluster.id))) == 0
        assert s.scalar(select(func.count(ClusterSuggestionDismissal.id))) == 0


def test_aggregate_roles_get_no_suggestions(store):
    with store.session() as s:
        fhi = make_actor(s, "fhi", "NO")
        for _ in range(2):
            index_case(s, workplace_or_school="Regnbuen barnehage")
        with pytest.raises(AccessDenied):
            suggest_clusters(s, fhi, today=TODAY)
