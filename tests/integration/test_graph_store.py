"""The register's transmission graph (graph/store.py) on both stores: nodes, edges, who infected whom, chains,
scope filters, and that nobody sees another kommune's cases."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from data.models import Case, Exposure
from data.queries.spread import chain_edges_sql
from graph.chains import chains, generations
from graph.store import SpreadScope, load_graph
from tests.factories import make_actor, make_case, make_person, unit_id
from tracing.cases import (
    ContactInput,
    IndexInput,
    add_contact,
    convert_to_index,
    register_index,
)
from tracing.clusters import ClusterInput, create_cluster
from tracing.errors import AccessDenied, DomainError

TODAY = dt.date(2026, 11, 23)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _index(s, actor, person, code="0301", onset=-2):
    data = IndexInput(person.id, unit_id(s, code), test_date=days(onset + 1), test_method="PCR", symptom_onset=days(onset))
    return register_index(s, actor, data, today=TODAY)


def _contact(s, actor, source, person, exposure, setting="household", **fields):
    return add_contact(s, actor, ContactInput(source.id, person.id, days(exposure), setting, **fields), today=TODAY)


def _convert(s, actor, contact_case, onset):
    data = IndexInput(contact_case.person_id, contact_case.org_unit_id, test_date=days(onset + 1), test_method="PCR", symptom_onset=days(onset))
    return convert_to_index(s, actor, contact_case.id, data, contact_case.version, today=TODAY)


def _world(s) -> SimpleNamespace:
    """Oslo: A infects B and F; E infects C (A exposed C earlier, at school); D stays a contact; G fell ill before
    A met them; O is an old lone case; Y lives in Gamle Oslo. Bergen: H, exposed by A; H exposed M, whom A had
    exposed earlier, and M became an Oslo case. K is A's contact followed up by Bergen."""
    w = SimpleNamespace()
    w.oslo = make_actor(s, "kommuneoverlege", "0301")
    w.bergen = make_actor(s, "smittesporer", "4601")
    homes = dict.fromkeys("ABCDEFGMO", "0301") | {"Y": "030101", "H": "4601", "K": "4601"}
    people = {  # distinct birth dates, so the synthetic fødselsnummer never collide
        name: make_person(s, code, first_name=f"Navn{name}", birth_date=dt.date(1970 + i, 1 + i % 12, 10 + i))
        for i, (name, code) in enumerate(homes.items())
    }
    w.people = people
    school = create_cluster(
        s, w.oslo, ClusterInput("Skolen", "school", unit_id(s, "0301"), start_date=days(-21), end_date=days(-21)), today=TODAY
    )
    w.school = school.id

    w.a = _index(s, w.oslo, people["A"], onset=-20)
    b_contact, w.e_ab = _contact(s, w.oslo, w.a, people["B"], -21, "household")
    c_contact, w.e_ac = _contact(s, w.oslo, w.a, people["C"], -21, "school", cluster_id=school.id)
    _, w.e_ad = _contact(s, w.oslo, w.a, people["D"], -20, "other")
    m_contact, w.e_am = _contact(s, w.oslo, w.a, people["M"], -14, "household")
    w.e = _index(s, w.oslo, people["E"], onset=-25)
    _, w.e_ec = _contact(s, w.oslo, w.e, people["C"], -18, "workplace")  # the same contact case: chains merge
    w.b = _convert(s, w.oslo, b_contact, onset=-17)
    w.c = _convert(s, w.oslo, c_contact, onset=-16)
    f_contact, w.e_af = _contact(s, w.oslo, w.a, people["F"], -15, "household")
    _, w.e_bf = _contact(s, w.oslo, w.b, people["F"], -15, "household")  # same day: the lower exposure id wins
    w.f = _convert(s, w.oslo, f_contact, onset=-12)
    w.g = _index(s, w.oslo, people["G"], onset=-10)
    _, w.e_ag = _contact(s, w.oslo, w.a, people["G"], -5, "other")  # after G fell ill: not G's infector
    w.o = _index(s, w.oslo, people["O"], onset=-40)
    w.y = _index(s, w.oslo, people["Y"], code="030101", onset=-3)

    # Across the kommune border (written directly: no single tracer may do it through tracing/).
    w.h = _index(s, w.bergen, people["H"], code="4601", onset=-9)
    h_contact = make_case(s, people["H"], kind="contact", code="4601", status="closed", outcome="became_index", chain_id=w.a.chain_id)
    s.execute(update(Case).where(Case.id == w.h.id).values(chain_id=w.a.chain_id))
    k_contact = make_case(s, people["K"], kind="contact", code="4601", chain_id=w.a.chain_id)
    w.e_ah = _exposure(s, w.a, people["H"], h_contact, -12, "event")
    w.e_ak = _exposure(s, w.a, people["K"], k_contact, -19, "event")
    w.e_hm = _exposure(s, w.h, people["M"], m_contact, -11, "event")  # later than A's: H infected M
    w.m = _convert(s, w.oslo, m_contact, onset=-8)
    s.flush()
    s.expire_all()
    w.chain = s.get(Case, w.a.id).chain_id
    return w


def _exposure(s, source, person, contact_case, ago, setting):
    exposure = Exposure(
        source_case_id=source.id,
        contact_person_id=person.id,
        contact_case_id=contact_case.id,
        exposure_date=days(ago),
        setting=setting,
    )
    s.add(exposure)
    s.flush()
    return exposure


def c(case) -> str:
    return f"c{case.id}"


def p(person) -> str:
    return f"p{person.id}"


def _edges(graph):
    return {(e.source, e.target): e for e in graph.edges}


def _load(s, actor, **scope):
    aggregate = scope.pop("aggregate", False)
    return load_graph(s, actor, SpreadScope(**scope), as_of=TODAY, aggregate=aggregate)


def test_the_oslo_graph_has_its_cases_contacts_and_chosen_infectors(store):
    with store.session() as s:
        w = _world(s)
        g = _load(s, w.oslo)

        # nodes: every Oslo index case, and D as the one contact who never became a case; no Bergen node
        assert set(g.nodes) == {c(x) for x in (w.a, w.b, w.c, w.e, w.f, w.g, w.m, w.o, w.y)} | {p(w.people["D"])}
        d = g.nodes[p(w.people["D"])]
        assert (d.is_case, d.status, d.setting, d.label) == (False, "active", "other", f"Kontakt {w.people['D'].id}")

        edges = _edges(g)
        assert {k: e.transmission for k, e in edges.items()} == {
            (c(w.a), c(w.b)): True,
            (c(w.a), c(w.c)): False,  # E's exposure of C was later and still before C fell ill
            (c(w.e), c(w.c)): True,
            (c(w.a), p(w.people["D"])): False,
            (c(w.a), c(w.f)): True,  # A and B exposed F on the same day: A's exposure has the lower id
            (c(w.b), c(w.f)): False,
            (c(w.a), c(w.g)): False,  # after G's onset
            (c(w.a), c(w.m)): False,  # H (Bergen, not shown) exposed M later: M has no infector in view
        }
        assert edges[(c(w.a), c(w.c))].cluster_id == w.school
        assert g.infector() == {c(w.b): c(w.a), c(w.c): c(w.e), c(w.f): c(w.a)}

        was_contact = {k for k, n in g.nodes.items() if n.is_case and n.was_contact}
        assert was_contact == {c(w.b), c(w.c), c(w.f), c(w.m)}
        settings = {k: n.setting for k, n in g.nodes.items() if n.is_case}
        assert settings == {c(w.b): "household", c(w.c): "workplace", c(w.f): "household", c(w.m): "event"} | {
            c(x): None for x in (w.a, w.e, w.g, w.o, w.y)
        }
        assert g.nodes[c(w.a)].cluster_ids == (w.school,) and g.nodes[c(w.c)].cluster_ids == (w.school,)
        assert g.clusters[w.school].name == "Skolen" and g.clusters[w.school].kind == "school"
        assert g.nodes[c(w.c)].onset == days(-16) and g.nodes[c(w.c)].test_date == days(-15)


def test_chains_and_generations_of_the_oslo_graph(store):
    with store.session() as s:
        w = _world(s)
        g = _load(s, w.oslo)
        depth = generations(g)
        assert (depth[c(w.a)], depth[c(w.b)], depth[c(w.f)], depth[c(w.e)], depth[c(w.c)], depth[c(w.m)]) == (0, 1, 1, 0, 1, 0)
        found = {chain.id: chain for chain in chains(g)}
        assert {k: (ch.size, ch.generations, ch.active) for k, ch in found.items()} == {
            c(w.a): (3, 2, True),
            c(w.e): (2, 2, False),  # its cases and exposures are older than 14 days
            c(w.g): (1, 1, True),
            c(w.m): (1, 1, True),
            c(w.o): (1, 1, False),
            c(w.y): (1, 1, True),
        }
        assert found[c(w.a)].contacts == 1 and found[c(w.a)].roots == (c(w.a),)


def test_nodes_never_carry_names(store):
    with store.session() as s:
        w = _world(s)
        for graph in (_load(s, w.oslo), _load(s, w.bergen), _load(s, make_actor(s, "fhi", "NO"), aggregate=True)):
            for node in graph.nodes.values():
                assert re.fullmatch(r"(Sak|Kontakt) \d+", node.label)
                assert "Navn" not in repr(node)


def test_a_bergen_tracer_sees_bergen_only_and_h_without_its_oslo_infector(store):
    with store.session() as s:
        w = _world(s)
        g = _load(s, w.bergen)
        assert set(g.nodes) == {c(w.h)}  # not A, not K's Oslo-registered exposure, not M (an Oslo case)
        assert g.edges == []
        h = g.nodes[c(w.h)]
        assert (h.was_contact, h.setting, h.org_unit_id) == (True, "event", unit_id(s, "4601"))


def test_an_oslo_tracer_never_gets_a_contact_followed_up_by_bergen(store):
    with store.session() as s:
        w = _world(s)
        g = _load(s, w.oslo)
        bergen = {unit_id(s, "4601")}
        assert all(n.org_unit_id not in bergen for n in g.nodes.values())
        assert p(w.people["K"]) not in g.nodes and c(w.h) not in g.nodes and p(w.people["H"]) not in g.nodes


def test_fhi_sees_the_whole_country_only_in_aggregate(store):
    with store.session() as s:
        w = _world(s)
        fhi = make_actor(s, "fhi", "NO")
        with pytest.raises(AccessDenied):
            _load(s, fhi)
        g = _load(s, fhi, aggregate=True)
        assert c(w.h) in g.nodes and p(w.people["K"]) in g.nodes
        assert g.infector()[c(w.h)] == c(w.a)  # now both ends are in view
        assert g.infector()[c(w.m)] == c(w.h)
        reporter = make_actor(s, "rapportuttak", "0301")
        with pytest.raises(AccessDenied):
            _load(s, reporter, aggregate=True)


def test_aggregate_does_not_widen_a_case_workers_view(store):
    with store.session() as s:
        w = _world(s)
        assert set(_load(s, w.oslo, aggregate=True).nodes) == set(_load(s, w.oslo).nodes)


def test_an_org_unit_outside_the_actors_units_is_refused_and_a_bydel_narrows(store):
    with store.session() as s:
        w = _world(s)
        with pytest.raises(AccessDenied):
            _load(s, w.oslo, org_unit_id=unit_id(s, "4601"))
        g = _load(s, w.oslo, org_unit_id=unit_id(s, "030101"))
        assert set(g.nodes) == {c(w.y)}


def test_a_date_window_keeps_the_infectors_chosen_on_all_data(store):
    with store.session() as s:
        w = _world(s)
        g = _load(s, w.oslo, start=days(-17), end=days(-12))
        assert set(g.nodes) == {c(w.b), c(w.c), c(w.f)}
        # F's infector A lies outside the window: F is a root, and B -> F stays a plain exposure
        assert {(e.source, e.target, e.transmission) for e in g.edges} == {(c(w.b), c(w.f), False)}


def test_a_cluster_keeps_its_members_and_the_cases_it_infected(store):
    with store.session() as s:
        w = _world(s)
        g = _load(s, w.oslo, cluster_id=w.school)
        # A's contacts follow A: D, and G, whose own case (not in the cluster) is not in this view
        assert set(g.nodes) == {c(w.a), c(w.c), p(w.people["D"]), p(w.people["G"])}
        assert _edges(g)[(c(w.a), c(w.c))].transmission is False
        assert set(g.clusters) == {w.school}
        assert set(_load(s, w.oslo, cluster_kind="school").nodes) == set(g.nodes)
        assert _load(s, w.oslo, cluster_kind="concert").nodes == {}
        assert _load(s, w.bergen, cluster_id=w.school).nodes == {}  # an Oslo cluster is not Bergen's


def test_a_setting_keeps_its_exposures_and_their_cases(store):
    with store.session() as s:
        w = _world(s)
        g = _load(s, w.oslo, setting="household")
        assert set(g.nodes) == {c(w.a), c(w.b), c(w.f), c(w.m)}
        assert {(e.source, e.target, e.transmission) for e in g.edges} == {
            (c(w.a), c(w.b), True),
            (c(w.a), c(w.f), True),
            (c(w.b), c(w.f), False),
            (c(w.a), c(w.m), False),
        }
        with pytest.raises(DomainError):
            _load(s, w.oslo, setting="disco")


def test_a_chain_is_fetched_by_its_stored_id(store):
    with store.session() as s:
        w = _world(s)
        g = _load(s, w.oslo, chain_id=w.chain)
        cases = {k for k, n in g.nodes.items() if n.is_case}
        assert cases == {c(x) for x in (w.a, w.b, w.c, w.e, w.f, w.m)}
        # G's index case belongs to its own chain; in this chain G is only A's contact
        assert {k for k, n in g.nodes.items() if not n.is_case} == {p(w.people["D"]), p(w.people["G"])}
        bare = s.execute(chain_edges_sql(w.chain)).all()
        assert {r.id for r in bare} >= {w.e_ab.id, w.e_ac.id, w.e_ec.id, w.e_af.id, w.e_bf.id}


def test_active_only_keeps_the_chains_active_on_the_day(store):
    with store.session() as s:
        w = _world(s)
        g = _load(s, w.oslo, active_only=True)
        cases = {k for k, n in g.nodes.items() if n.is_case}
        assert cases == {c(x) for x in (w.a, w.b, w.f, w.g, w.m, w.y)}
        assert p(w.people["D"]) in g.nodes
        assert (c(w.a), c(w.c)) not in _edges(g)


def test_a_cancelled_case_is_left_out(store):
    with store.session() as s:
        w = _world(s)
        s.execute(update(Case).where(Case.id == w.o.id).values(status="cancelled"))
        assert c(w.o) not in _load(s, w.oslo).nodes


def test_an_actor_without_case_work_gets_nothing(store):
    with store.session() as s:
        _world(s)
        with pytest.raises(AccessDenied):
            _load(s, make_actor(s, "systemansvarlig", "0301"))


def test_an_empty_store_gives_an_empty_graph(store):
    with store.session() as s:
        g = _load(s, make_actor(s, "smittesporer", "0301"))
        assert (g.nodes, g.edges, g.as_of) == ({}, [], TODAY)


def test_a_contact_who_named_contacts_of_their_own_is_their_infector_once_a_case(store):
    with store.session() as s:
        oslo = make_actor(s, "smittesporer", "0301")
        a, q, r = (make_person(s, "0301", first_name=n, birth_date=dt.date(1990, 2, 1 + i)) for i, n in enumerate("AQR"))
        a_case = _index(s, oslo, a, onset=-20)
        q_contact, _ = _contact(s, oslo, a_case, q, -19)
        r_contact, _ = _contact(s, oslo, q_contact, r, -13)  # named by Q while Q was still only a contact
        q_case = _convert(s, oslo, q_contact, onset=-12)
        r_case = _convert(s, oslo, r_contact, onset=-6)
        g = _load(s, oslo)
        assert set(g.nodes) == {c(a_case), c(q_case), c(r_case)}
        assert g.infector() == {c(q_case): c(a_case), c(r_case): c(q_case)}
        assert generations(g)[c(r_case)] == 2
