"""/api/v1/clusters: register, list, read, edit, add members; refusals, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from tests.factories import make_case, make_person
from tests.integration.test_api_support import (
    assert_refused,
    create_person,
    days_ago,
    index_with_contact,
    iso,
    logged_in,
    make_server,
    no_national_id_in,
    today,
)


def _cluster_body(**extra):  # type: ignore[no-untyped-def]
    return {"name": "Julebord Grünerløkka", "kind": "private_gathering", "org_unit": "0301", "start_date": days_ago(5), "end_date": days_ago(4), **extra}


def test_a_cluster_is_registered_listed_edited_and_shown_with_members(store):
    api = logged_in(make_server(store), store, "kari")
    created = api.post("/clusters", _cluster_body(address="Thorvald Meyers gate 1"))
    assert created.status_code == 201, created.json
    cluster = created.json
    assert (cluster["kind"], cluster["start_date"], cluster["status"]) == ("private_gathering", days_ago(5), "active")

    index, reply = index_with_contact(api)
    member = api.post(f"/clusters/{cluster['id']}/members", {"person_id": index["person_id"], "role": "index"})
    assert member.status_code == 201 and member.json["role"] == "index"
    api.post(f"/clusters/{cluster['id']}/members", {"person_id": reply["case"]["person_id"], "role": "contact"})

    listed = api.get("/clusters").json["clusters"]
    assert [(c["cluster"]["id"], c["member_count"]) for c in listed] == [(cluster["id"], 2)]

    view = api.get(f"/clusters/{cluster['id']}")
    assert view.status_code == 200
    body = view.json
    assert body["org_unit_name"] == "Oslo"
    assert [m["full_name"] for m in body["index"]] == ["Kari Nordmann"] and [m["full_name"] for m in body["contacts"]] == ["Ola Hansen"]
    assert body["others"] == [] and body["other_kommune"] == []
    assert no_national_id_in(view)

    edited = api.put(f"/clusters/{cluster['id']}", _cluster_body(name="Julebord", description="Ca. 40 gjester"))
    assert edited.status_code == 200 and (edited.json["name"], edited.json["description"]) == ("Julebord", "Ca. 40 gjester")


def test_a_contact_added_through_a_cluster_becomes_a_member(store):
    api = logged_in(make_server(store), store, "kari")
    cluster = api.post("/clusters", _cluster_body()).json
    index, _ = index_with_contact(api)
    third = create_person(api, first="Per", last="Berg", birth="2001-09-09")
    reply = api.post(f"/cases/{index['id']}/contacts", {"person_id": third["id"], "exposure_date": days_ago(4), "setting": "event", "cluster_id": cluster["id"]})
    assert reply.status_code == 201 and reply.json["exposure"]["cluster_id"] == cluster["id"]
    view = api.get(f"/clusters/{cluster['id']}").json
    assert [m["person_id"] for m in view["contacts"]] == [third["id"]] and [m["person_id"] for m in view["index"]] == [index["person_id"]]


def test_cluster_refusals_end_before_start_future_unknown_unit_bad_kind(store):
    api = logged_in(make_server(store), store, "kari")
    assert_refused(api.post("/clusters", _cluster_body(start_date=days_ago(2), end_date=days_ago(3))), 400, "sluttdato")
    assert_refused(api.post("/clusters", _cluster_body(start_date=iso(today() + dt.timedelta(days=1)), end_date=None)), 400, "startdato")
    assert_refused(api.post("/clusters", _cluster_body(org_unit="9999")), 400, "organisasjonsenhet")
    assert_refused(api.post("/clusters", _cluster_body(org_unit="4601")), 403, "tilgang")
    assert_refused(api.post("/clusters", _cluster_body(kind="rave")), 422, "type")
    assert_refused(api.post("/clusters", _cluster_body(name="")), 422, "navn")
    assert_refused(api.post("/clusters", _cluster_body(end_date="01.01.2026")), 422, "sluttdato")
    assert api.get("/clusters").json["clusters"] == []

    cluster = api.post("/clusters", _cluster_body()).json
    assert_refused(api.put(f"/clusters/{cluster['id']}", _cluster_body(end_date=days_ago(6))), 400, "sluttdato")
    person = create_person(api)
    assert api.post(f"/clusters/{cluster['id']}/members", {"person_id": person["id"], "role": "other"}).status_code == 201
    assert_refused(api.post(f"/clusters/{cluster['id']}/members", {"person_id": person["id"], "role": "other"}), 400, "person")
    assert_refused(api.post(f"/clusters/{cluster['id']}/members", {"person_id": person["id"], "role": "gjest"}), 422, "rolle")


def test_another_kommunes_members_are_listed_apart_and_its_tracer_cannot_open_the_cluster(store):
    server = make_server(store)
    api = logged_in(server, store, "kari")
    cluster = api.post("/clusters", _cluster_body()).json
    with store.session() as s:
        visitor = make_person(s, "4601", first_name="Bjørg", last_name="Sæther")
        make_case(s, visitor, "index", "4601")
        visitor_id = visitor.id

    # The visitor was at the party: Oslo adds them (found by a national look-up); Bergen owns them, so Oslo's page
    # lists them apart and Oslo still cannot open their record.
    added = api.post(f"/clusters/{cluster['id']}/members", {"person_id": visitor_id, "role": "index"})
    assert added.status_code == 201, added.json
    view = api.get(f"/clusters/{cluster['id']}").json
    assert view["index"] == []
    assert [(m["full_name"], m["org_unit_name"], m["can_open"]) for m in view["other_kommune"]] == [("Bjørg Sæther", "Bergen", False)]
    assert_refused(api.get(f"/persons/{visitor_id}"), 403, "tilgang")
    assert_refused(api.post(f"/clusters/{cluster['id']}/members", {"person_id": 999999, "role": "other"}), 404, "id")

    bergen = logged_in(server, store, "bjorn", code="4601")
    assert_refused(bergen.get(f"/clusters/{cluster['id']}"), 403, "tilgang")
    assert_refused(bergen.put(f"/clusters/{cluster['id']}", _cluster_body(org_unit="4601")), 403, "tilgang")
    assert_refused(bergen.post(f"/clusters/{cluster['id']}/members", {"person_id": visitor_id, "role": "other"}), 403, "tilgang")
    assert bergen.get("/clusters").json["clusters"] == []
