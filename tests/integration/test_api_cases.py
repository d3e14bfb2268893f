"""/api/v1/cases and /follow-ups: index cases, contacts, conversion, closing, reopening, assignment, notes and
follow-ups, with their refusals, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data.models import AuditEvent
from tests.integration.test_api_support import (
    add_contact,
    assert_refused,
    create_person,
    days_ago,
    index_with_contact,
    iso,
    logged_in,
    make_server,
    register_index,
    today,
)


def _index_body(**extra):  # type: ignore[no-untyped-def]
    return {"org_unit": "0301", "test_date": days_ago(1), "test_method": "PCR", **extra}


def test_an_index_case_gets_isolation_dates_and_follow_ups(store):
    api = logged_in(make_server(store), store, "kari")
    person = create_person(api)
    onset = today() - dt.timedelta(days=2)

    case = register_index(api, person["id"], symptom_onset=iso(onset), workplace_or_school="Ruseløkka skole")
    assert (case["kind"], case["status"], case["rule_set"], case["version"]) == ("index", "active", "standard", 1)
    assert case["isolation_start"] == iso(onset) and case["isolation_end"] == iso(onset + dt.timedelta(days=5))
    assert case["next_follow_up"] == iso(today())

    view = api.get(f"/cases/{case['id']}").json
    assert view["case"]["id"] == case["id"] and view["person_name"] == "Kari Nordmann" and view["org_unit_name"] == "Oslo"
    assert view["rule_set"]["isolation_days"] == 5 and view["follow_ups"][0]["due_date"] == iso(today())
    follow_ups = api.get(f"/cases/{case['id']}/follow-ups").json["follow_ups"]
    assert [f["due_date"] for f in follow_ups] == [f["due_date"] for f in view["follow_ups"]]


def test_index_refusals_future_test_date_unknown_and_foreign_org_unit_second_index(store):
    api = logged_in(make_server(store), store, "kari")
    person = create_person(api)
    future = iso(today() + dt.timedelta(days=1))
    assert_refused(api.post("/cases/index", {"person_id": person["id"], **_index_body(test_date=future)}), 400, "testdato")
    assert_refused(api.post("/cases/index", {"person_id": person["id"], **_index_body(org_unit="9999")}), 400, "organisasjonsenhet")
    assert_refused(api.post("/cases/index", {"person_id": person["id"], **_index_body(org_unit="4601")}), 403, "tilgang")
    assert_refused(api.post("/cases/index", {"person_id": person["id"], **_index_body(test_method="PCR-hurtig")}), 422, "testmetode")
    assert_refused(api.post("/cases/index", {"person_id": person["id"], **_index_body(rule_set="slapp")}), 422, "regelsett")
    assert_refused(api.post("/cases/index", {"person_id": person["id"], **_index_body(symptom_onset="i går")}), 422, "symptomstart")
    assert_refused(api.post("/cases/index", {"person_id": "1", **_index_body()}), 422, "person")
    register_index(api, person["id"])
    assert_refused(api.post("/cases/index", {"person_id": person["id"], **_index_body()}), 400, "person")


def test_an_index_case_is_corrected_with_its_version_and_a_stale_edit_is_refused(store):
    api = logged_in(make_server(store), store, "kari")
    case = register_index(api, create_person(api)["id"])
    corrected = api.put(f"/cases/{case['id']}", {**_index_body(test_date=days_ago(3), risk_group="Gravid"), "version": 1})
    assert corrected.status_code == 200, corrected.json
    assert corrected.json["risk_group"] == "Gravid" and corrected.json["version"] > 1
    assert corrected.json["isolation_end"] == iso(today() + dt.timedelta(days=2))
    assert_refused(api.put(f"/cases/{case['id']}", {**_index_body(), "version": 1}), 409, "versjon")
    assert_refused(api.put(f"/cases/{case['id']}", _index_body()), 422, "versjon")


def test_a_contact_is_added_with_quarantine_and_shown_on_the_index(store):
    api = logged_in(make_server(store), store, "kari")
    index, reply = index_with_contact(api)
    contact, exposure = reply["case"], reply["exposure"]
    assert contact["kind"] == "contact" and contact["quarantine_start"] == days_ago(2)
    assert contact["quarantine_end"] == iso(today() + dt.timedelta(days=5))
    assert exposure["source_case_id"] == index["id"] and exposure["setting"] == "household"
    assert exposure["contact_case_id"] == contact["id"] and contact["chain_id"] == index["chain_id"]

    view = api.get(f"/cases/{index['id']}").json
    assert [(c["contact_case_id"], c["full_name"], c["can_open"]) for c in view["contacts"]] == [(contact["id"], "Ola Hansen", True)]
    contact_view = api.get(f"/cases/{contact['id']}").json
    assert [e["source_case_id"] for e in contact_view["source_exposures"]] == [index["id"]]

    # contacts of contacts work the same way
    third = create_person(api, first="Per", last="Berg", birth="2001-09-09")
    second_level = add_contact(api, contact["id"], third["id"], setting="school")
    assert second_level["exposure"]["source_case_id"] == contact["id"]


def test_contact_refusals_future_exposure_bad_setting_self_and_other_kommune(store):
    api = logged_in(make_server(store), store, "kari")
    index, reply = index_with_contact(api)
    other = create_person(api, first="Siri", last="Lund", birth="1999-01-01")
    future = iso(today() + dt.timedelta(days=1))
    body = {"person_id": other["id"], "exposure_date": future, "setting": "household"}
    assert_refused(api.post(f"/cases/{index['id']}/contacts", body), 400, "eksponeringsdato")
    assert_refused(api.post(f"/cases/{index['id']}/contacts", {**body, "exposure_date": days_ago(1), "setting": "buss"}), 422, "eksponeringssted")
    assert_refused(api.post(f"/cases/{index['id']}/contacts", {**body, "exposure_date": "2026-13-01"}), 422, "eksponeringsdato")
    assert_refused(api.post(f"/cases/{index['id']}/contacts", {**body, "exposure_date": days_ago(1), "org_unit": "9999"}), 400, "organisasjonsenhet")
    own = {"person_id": index["person_id"], "exposure_date": days_ago(1), "setting": "household"}
    assert_refused(api.post(f"/cases/{index['id']}/contacts", own), 400, "person")

    bergen = logged_in(make_server(store), store, "bjorn", code="4601")
    assert_refused(bergen.post(f"/cases/{index['id']}/contacts", {**body, "exposure_date": days_ago(1)}), 403, "tilgang")


def test_a_contact_converted_to_index_closes_the_contact_case(store):
    api = logged_in(make_server(store), store, "kari")
    _, reply = index_with_contact(api)
    contact = reply["case"]
    api.post(f"/cases/{contact['id']}/notes", {"text": "Har fått symptomer."})
    version = api.get(f"/cases/{contact['id']}").json["case"]["version"]

    assert_refused(api.post(f"/cases/{contact['id']}/convert", {**_index_body(), "version": version + 5}), 409, "versjon")
    converted = api.post(f"/cases/{contact['id']}/convert", {**_index_body(test_date=iso(today())), "version": version})
    assert converted.status_code == 201, converted.json
    index = converted.json
    assert index["kind"] == "index" and index["person_id"] == contact["person_id"] and index["chain_id"] == contact["chain_id"]

    old = api.get(f"/cases/{contact['id']}").json
    assert (old["case"]["status"], old["case"]["outcome"]) == ("closed", "became_index")
    assert [n["text"] for n in old["notes"]] == ["Har fått symptomer."]
    record = api.get(f"/persons/{contact['person_id']}").json
    assert sorted(c["kind"] for c in record["cases"]) == ["contact", "index"]


def test_a_case_is_closed_and_reopened_with_versions(store):
    api = logged_in(make_server(store), store, "kari")
    case = register_index(api, create_person(api)["id"])

    assert_refused(api.post(f"/cases/{case['id']}/close", {"outcome": "became_index", "version": 1}), 422, "utfall")
    assert_refused(api.post(f"/cases/{case['id']}/close", {"outcome": "completed", "version": 9}), 409, "versjon")
    closed = api.post(f"/cases/{case['id']}/close", {"outcome": "completed", "version": 1, "note": "Frisk."})
    assert closed.status_code == 200, closed.json
    assert (closed.json["status"], closed.json["outcome"], closed.json["next_follow_up"]) == ("closed", "completed", None)
    assert closed.json["closed_at"].endswith("Z") or "+00:00" in closed.json["closed_at"]

    version = closed.json["version"]
    assert_refused(api.post(f"/cases/{case['id']}/reopen", {"version": version}), 422, "notat")
    assert_refused(api.post(f"/cases/{case['id']}/reopen", {"note": "   ", "version": version}), 422, "notat")
    reopened = api.post(f"/cases/{case['id']}/reopen", {"note": "Nye symptomer.", "version": version})
    assert reopened.status_code == 200, reopened.json
    assert reopened.json["status"] == "active" and reopened.json["next_follow_up"] == iso(today())
    assert_refused(api.post(f"/cases/{case['id']}/reopen", {"note": "Igjen.", "version": version}), 409, "versjon")

    cancelled = api.post(f"/cases/{case['id']}/close", {"outcome": "registered_in_error", "version": reopened.json["version"]})
    assert cancelled.json["status"] == "cancelled"


def test_a_case_is_assigned_to_a_tracer_of_its_unit_only(store):
    server = make_server(store)
    api = logged_in(server, store, "kari")
    colleague = logged_in(server, store, "per")
    bergen = logged_in(server, store, "bjorn", code="4601")
    case = register_index(api, create_person(api)["id"])

    users = api.get(f"/cases/{case['id']}/assignable-users").json["users"]
    assert {u["user_id"] for u in users} == {api.user_id, colleague.user_id}

    assigned = api.post(f"/cases/{case['id']}/assign", {"user_id": colleague.user_id, "version": 1})
    assert assigned.status_code == 200 and assigned.json["assigned_to_id"] == colleague.user_id
    assert_refused(api.post(f"/cases/{case['id']}/assign", {"user_id": bergen.user_id}), 400, "saksbehandler")
    assert_refused(api.post(f"/cases/{case['id']}/assign", {"user_id": None, "version": 1}), 409, "versjon")
    assert_refused(api.post(f"/cases/{case['id']}/assign", {}), 422, "saksbehandler")
    cleared = api.post(f"/cases/{case['id']}/assign", {"user_id": None})
    assert cleared.json["assigned_to_id"] is None


def test_notes_are_appended_and_listed_with_their_author(store):
    api = logged_in(make_server(store), store, "kari")
    case = register_index(api, create_person(api)["id"])
    first = api.post(f"/cases/{case['id']}/notes", {"text": "Ringte, ikke svar."})
    assert first.status_code == 201 and first.json["author_id"] == api.user_id
    api.post(f"/cases/{case['id']}/notes", {"text": "Nådd på andre forsøk."})
    notes = api.get(f"/cases/{case['id']}/notes").json["notes"]
    assert [(n["text"], n["author_name"]) for n in notes] == [("Ringte, ikke svar.", "Kari"), ("Nådd på andre forsøk.", "Kari")]
    assert_refused(api.post(f"/cases/{case['id']}/notes", {"text": ""}), 422, "notat")
    assert_refused(api.post(f"/cases/{case['id']}/notes", {"note": "feil felt"}), 422, "notat")


def test_a_follow_up_is_recorded_and_bulk_recording_skips_done_ones(store):
    api = logged_in(make_server(store), store, "kari")
    case = register_index(api, create_person(api)["id"])
    follow_ups = api.get(f"/cases/{case['id']}/follow-ups").json["follow_ups"]
    first, second, third = (f["id"] for f in follow_ups[:3])

    assert_refused(api.post(f"/follow-ups/{first}", {"outcome": "kanskje"}), 422, "utfall")
    recorded = api.post(f"/follow-ups/{first}", {"outcome": "symptoms", "note": "Feber."})
    assert recorded.status_code == 200, recorded.json
    assert (recorded.json["outcome"], recorded.json["note"], recorded.json["done_by_id"]) == ("symptoms", "Feber.", api.user_id)
    assert_refused(api.post(f"/follow-ups/{first}", {"outcome": "reached"}), 400, "oppfølging")

    bulk = api.post("/follow-ups/bulk", {"follow_up_ids": [first, second, third], "outcome": "reached"})
    assert bulk.status_code == 200 and bulk.json == {"updated": 2}
    assert_refused(api.post("/follow-ups/bulk", {"follow_up_ids": [], "outcome": "reached"}), 422, "oppfølginger")


def test_another_kommunes_tracer_cannot_read_or_change_the_case(store):
    server = make_server(store)
    api = logged_in(server, store, "kari")
    index, reply = index_with_contact(api)
    follow_up = api.get(f"/cases/{index['id']}/follow-ups").json["follow_ups"][0]["id"]
    bergen = logged_in(server, store, "bjorn", code="4601")

    for response in (
        bergen.get(f"/cases/{index['id']}"),
        bergen.get(f"/cases/{index['id']}/notes"),
        bergen.get(f"/cases/{index['id']}/follow-ups"),
        bergen.get(f"/cases/{index['id']}/assignable-users"),
        bergen.post(f"/cases/{index['id']}/notes", {"text": "Hei"}),
        bergen.post(f"/cases/{index['id']}/close", {"outcome": "completed", "version": 1}),
        bergen.post(f"/cases/{index['id']}/reopen", {"note": "x", "version": 1}),
        bergen.post(f"/cases/{index['id']}/assign", {"user_id": None}),
        bergen.put(f"/cases/{index['id']}", {**_index_body(org_unit="4601"), "version": 1}),
        bergen.post(f"/cases/{reply['case']['id']}/convert", {**_index_body(org_unit="4601"), "version": 1}),
        bergen.post(f"/follow-ups/{follow_up}", {"outcome": "reached"}),
        bergen.get("/cases/999999"),
    ):
        assert_refused(response, 403, "tilgang")
    with store.session() as s:
        assert not s.scalars(select(AuditEvent).where(AuditEvent.username == "bjorn", AuditEvent.entity == "case")).all()
