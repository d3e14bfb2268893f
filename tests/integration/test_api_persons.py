"""/api/v1/persons: search before create, national look-up, create, read, edit; refusals, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select

from data.models import AuditEvent, Person
from tests.factories import make_case, make_person, synthetic_national_id
from tests.integration.test_api_support import (
    assert_refused,
    create_person,
    logged_in,
    make_server,
    no_national_id_in,
    person_body,
    register_index,
)


def _bergen_person(store, **kw):  # type: ignore[no-untyped-def]
    """A person enrolled in Bergen (outside Oslo's scope); returns (id, national id)."""
    with store.session() as s:
        person = make_person(s, "4601", **kw)
        make_case(s, person, "index", "4601")
        return person.id, person.national_id


def test_a_person_is_created_read_and_edited_with_the_number_only_in_bodies(store):
    api = logged_in(make_server(store), store, "kari")
    number = synthetic_national_id(dt.date(1979, 3, 2), sex="female")

    created = create_person(api, first="Ingrid", last="Bakke", birth=None, national_id=number, phone="+47 912 34 567")
    assert created["national_id"] == number and created["birth_date"] == "1979-03-02"  # derived from the number
    assert created["sex"] == "female" and created["phone"] == "91234567" and created["version"] == 1
    assert created["home_org_unit"]["code"] == "0301"

    record = api.get(f"/persons/{created['id']}")
    assert record.status_code == 200
    body = record.json
    assert body["person"]["id"] == created["id"] and body["cases"] == [] and body["history"]
    assert {"exposures_in", "exposures_out", "clusters", "follow_ups", "notes", "test_results"} <= set(body)

    edited = api.put(f"/persons/{created['id']}", person_body(first="Ingrid", last="Bakke-Li", birth=None, national_id=number, version=1))
    assert edited.status_code == 200, edited.json
    assert edited.json["last_name"] == "Bakke-Li" and edited.json["version"] == 2
    with store.session() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.entity == "person"))]
    assert {"person_created", "person_viewed", "person_updated"} <= set(actions)


def test_a_stale_person_edit_is_refused_with_409(store):
    api = logged_in(make_server(store), store, "kari")
    person = create_person(api)
    assert api.put(f"/persons/{person['id']}", person_body(phone="91234567", version=1)).status_code == 200
    stale = api.put(f"/persons/{person['id']}", person_body(phone="99999999", version=1))
    assert_refused(stale, 409, "versjon")
    assert api.get(f"/persons/{person['id']}").json["person"]["phone"] == "91234567"


def test_an_invalid_national_id_is_refused_without_echoing_it(store, caplog):
    caplog.set_level(logging.DEBUG)
    api = logged_in(make_server(store), store, "kari")
    bad = "15068512345"
    for response in (
        api.post("/persons", person_body(national_id=bad)),
        api.post("/persons/lookup", {"national_id": bad}),
        api.post("/persons/duplicates", person_body(national_id=bad)),
    ):
        body = assert_refused(response, 422, "fødselsnummer")
        assert bad not in response.get_data(as_text=True) and no_national_id_in(response)
        assert body["errors"][0]["location"] == ["national_id"]
    assert api.post("/persons/lookup", {"national_id": "123"}).json["message"] == "Fødselsnummeret må ha 11 siffer."
    assert not [r for r in caplog.records if bad in r.getMessage()]


def test_a_registered_number_is_refused_and_not_echoed(store):
    api = logged_in(make_server(store), store, "kari")
    _, number = _bergen_person(store)
    response = api.post("/persons", person_body(first="Annen", last="Person", birth=None, national_id=number))
    assert_refused(response, 400, "fødselsnummer")
    assert number not in response.get_data(as_text=True)


def test_possible_duplicates_are_named_and_create_anyway_needs_a_reason(store):
    api = logged_in(make_server(store), store, "kari")
    first = create_person(api, first="Kari", last="Nordmann", birth="1985-06-15")

    refused = assert_refused(api.post("/persons", person_body(first="Kari", last="Nordman", birth="1985-06-15")), 400, "duplikat")
    assert [d["person_id"] for d in refused["duplicates"]] == [first["id"]]
    assert all(d["masked_national_id"] is None or d["masked_national_id"].endswith("*****") for d in refused["duplicates"])

    found = api.post("/persons/duplicates", person_body(first="Kari", last="Nordman", birth="1985-06-15"))
    assert [h["person_id"] for h in found.json["hits"]] == [first["id"]]

    with store.session() as s:  # the refused create stored nothing
        assert s.scalar(select(func.count()).select_from(Person)) == 1
    anyway = api.post("/persons", person_body(first="Kari", last="Nordman", birth="1985-06-15", duplicate_reason="Tvilling, annen person"))
    assert anyway.status_code == 201


def test_search_by_name_finds_persons_in_scope_with_masked_numbers(store):
    api = logged_in(make_server(store), store, "kari")
    with store.session() as s:
        oslo = make_person(s, "0301", first_name="Åse", last_name="Ødegård", birth_date=dt.date(1960, 1, 2))
        oslo_id = oslo.id
    _bergen_person(store, first_name="Åse", last_name="Ødegård", birth_date=dt.date(1961, 1, 2))

    response = api.post("/persons/search", {"text": "ase odegard", "birth_date": "1960-01-02"})
    assert response.status_code == 200
    hits = response.json["hits"]
    assert [h["person_id"] for h in hits] == [oslo_id]
    assert hits[0]["masked_national_id"].endswith("*****") and hits[0]["in_scope"] is True
    assert no_national_id_in(response)


def test_search_by_number_shows_a_person_elsewhere_without_opening_them(store):
    api = logged_in(make_server(store), store, "kari")
    person_id, number = _bergen_person(store, first_name="Bjørn", last_name="Vik")

    hits = api.post("/persons/search", {"text": number}).json["hits"]
    assert [(h["person_id"], h["in_scope"], h["masked_national_id"]) for h in hits] == [(person_id, False, None)]

    lookup = api.post("/persons/lookup", {"national_id": number})
    assert lookup.status_code == 200
    assert lookup.json == {
        "found": True,
        "person_id": None,
        "full_name": "Bjørn Vik",
        "birth_year": 1985,
        "responsible_kommune": "Bergen",
        "in_scope": False,
    }
    assert no_national_id_in(lookup)
    assert_refused(api.get(f"/persons/{person_id}"), 403, "tilgang")
    assert_refused(api.put(f"/persons/{person_id}", person_body(first="Bjørn", last="Vik", version=1)), 403, "tilgang")
    with store.session() as s:
        lookups = s.scalars(select(AuditEvent).where(AuditEvent.action == "national_id_lookup")).all()
        assert len(lookups) == 2 and all(number not in str(e.detail) for e in lookups)


def test_unknown_home_kommune_and_bad_fields_are_refused(store):
    api = logged_in(make_server(store), store, "kari")
    assert_refused(api.post("/persons", person_body(code="9999")), 400, "hjemkommune")
    assert_refused(api.post("/persons", person_body(code="Oslo")), 422, "hjemkommune")
    assert_refused(api.post("/persons", person_body(birth="15.06.1985")), 422, "fødselsdato")
    assert_refused(api.post("/persons", person_body(birth=dt.date.today().replace(year=dt.date.today().year + 1).isoformat())), 400, "fødselsdato")
    assert_refused(api.post("/persons", person_body(sex="mann")), 422, "kjønn")
    unknown = assert_refused(api.post("/persons", person_body(shoe_size=44)), 422, "shoe_size")
    assert unknown["message"] == "Ukjent felt."
    assert_refused(api.post("/persons", {"last_name": "Nordmann", "birth_date": "1985-06-15"}), 422, "fornavn")
    assert_refused(api.post("/persons", [1, 2]), 422, "forespørsel")
    raw = api.client.post("/api/v1/persons", data="{ikke json", headers={**api.headers, "Content-Type": "application/json"})
    assert_refused(raw, 422, "forespørsel")


def test_a_person_with_a_case_in_scope_is_opened_by_id(store):
    api = logged_in(make_server(store), store, "kari")
    person = create_person(api)
    register_index(api, person["id"])
    record = api.get(f"/persons/{person['id']}").json
    assert [c["kind"] for c in record["cases"]] == ["index"]
    assert record["follow_ups"] and record["follow_ups"][0]["due_date"] >= record["cases"][0]["test_date"]
    bergen = logged_in(make_server(store), store, "bjorn", code="4601")
    assert_refused(bergen.get(f"/persons/{person['id']}"), 403, "tilgang")


def test_an_unexpected_error_is_a_json_500_and_its_message_stays_out_of_the_log(store, monkeypatch, caplog):
    from app import create_dash
    from tests.integration.test_api_support import Api, XHR
    from tracing import persons

    number = synthetic_national_id()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"database said something about {number}")

    caplog.set_level(logging.DEBUG)
    server = create_dash({"DATABASE_URL": store.url, "SECRET_KEY": "t"}).server  # not TESTING: errors are handled
    api = logged_in(server, store, "kari")
    person = create_person(api)
    monkeypatch.setattr(persons, "read_person", broken)
    response = Api(api.client, XHR).get(f"/persons/{person['id']}")
    assert_refused(response, 500, "server")
    assert number not in response.get_data(as_text=True)
    assert any("RuntimeError" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if number in r.getMessage() or (r.exc_text and number in r.exc_text)]
