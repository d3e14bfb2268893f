"""The person register on SQLite and PostgreSQL: search before create, national look-up, duplicates, editing with
optimistic locking, and the audited person page."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from data.models import AuditEvent, Cluster, ClusterMember, Exposure, FollowUp, Note, Person, TestResult
from tests.factories import make_actor, make_case, make_person, synthetic_national_id, unit_id
from tracing.errors import AccessDenied, DomainError, StaleVersion
from tracing.persons import (
    PersonInput,
    create_person,
    find_duplicates,
    lookup_national_id,
    read_person,
    search_persons,
    update_person,
)

TODAY = dt.date(2026, 11, 23)
BORN = dt.date(1985, 6, 15)


def _events(store, action):
    with store.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _all_audit_text(store) -> str:
    with store.session() as s:
        return json.dumps([[e.action, e.detail] for e in s.scalars(select(AuditEvent))], ensure_ascii=False)


def _enrolled(s, code, **person_fields):
    """A person followed up in ``code``: an active index case there (and living there)."""
    person = make_person(s, code, **person_fields)
    make_case(s, person, "index", code=code)
    return person


def _names(hits):
    return [h.full_name for h in hits]


# --- national look-up -----------------------------------------------------------------------------------------------


def test_lookup_by_number_in_own_kommune_gives_the_person(store):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        kari = _enrolled(s, "0301")
        number, kari_id = kari.national_id, kari.id
    with store.session() as s:
        found = lookup_national_id(s, oslo, number)

    assert found.found and found.in_scope
    assert found.person_id == kari_id
    assert (found.full_name, found.birth_year, found.responsible_kommune) == ("Kari Nordmann", 1985, "Oslo")


def test_lookup_in_another_kommune_shows_name_birth_year_and_kommune_but_the_record_stays_closed(store):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        ola = make_person(s, "4601", first_name="Ola", last_name="Vestmann", birth_date=dt.date(1990, 2, 3))
        make_case(s, ola, "contact", code="460102")  # followed up by Bergenhus, a bydel of Bergen
        number, ola_id = ola.national_id, ola.id

    with store.session() as s:
        found = lookup_national_id(s, oslo, number)
        hits = search_persons(s, oslo, f"{number[:6]} {number[6:]}")

    assert found.found and not found.in_scope and found.person_id is None
    assert (found.full_name, found.birth_year, found.responsible_kommune) == ("Ola Vestmann", 1990, "Bergen")
    [hit] = hits
    assert hit.person_id == ola_id and not hit.in_scope
    assert (hit.full_name, hit.birth_year, hit.home_org_unit_name) == ("Ola Vestmann", 1990, "Bergen")
    assert hit.birth_date is None and hit.masked_national_id is None
    with store.session() as s, pytest.raises(AccessDenied):
        read_person(s, oslo, ola_id)


def test_lookup_is_audited_with_the_person_id_and_never_the_number(store):
    missing = synthetic_national_id(dt.date(1970, 1, 1))
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        kari = _enrolled(s, "0301")
        number, kari_id = kari.national_id, kari.id
    with store.session() as s:
        lookup_national_id(s, oslo, number)
        assert not lookup_national_id(s, oslo, missing).found

    found, not_found = _events(store, "national_id_lookup")
    assert found.detail == {"found": True, "person_id": kari_id}
    assert (found.entity, found.entity_id, found.user_id) == ("person", kari_id, oslo.user_id)
    assert not_found.detail == {"found": False, "person_id": None}
    audit_text = _all_audit_text(store)
    assert number not in audit_text and missing not in audit_text


def test_an_invalid_number_names_the_field_and_never_echoes_the_digits(store):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
    good = synthetic_national_id()
    bad = good[:10] + str((int(good[10]) + 1) % 10)

    for attempt in (
        lambda s: lookup_national_id(s, oslo, bad),
        lambda s: search_persons(s, oslo, bad),
        lambda s: create_person(s, oslo, PersonInput("Kari", "Nordmann", national_id=bad), today=TODAY),
    ):
        with store.session() as s, pytest.raises(DomainError) as refused:
            attempt(s)
        assert refused.value.field == "fødselsnummer"
        assert bad not in str(refused.value) and bad[:6] not in refused.value.message_nb


def test_a_report_user_may_not_search_persons(store):
    with store.session() as s:
        reporter = make_actor(s, role="rapportuttak", code="0301")
        make_person(s, "0301")
    with store.session() as s, pytest.raises(AccessDenied):
        search_persons(s, reporter, "Kari Nordmann")


# --- fuzzy search ---------------------------------------------------------------------------------------------------


@pytest.fixture
def oslo_people(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        ids = {
            "åse": _enrolled(s, "0301", first_name="Åse", last_name="Ødegård", birth_date=dt.date(1972, 3, 4)).id,
            "kari": _enrolled(s, "030101", first_name="Kari", last_name="Nordmann").id,
            "jose": _enrolled(s, "0301", first_name="José", last_name="Müller", birth_date=dt.date(1999, 9, 9)).id,
            "ola": _enrolled(s, "0301", first_name="Ola", last_name="Hansen", birth_date=dt.date(1960, 1, 1)).id,
        }
    return actor, ids


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("Odegard", "åse"),
        ("ase odegaard", "åse"),
        ("ØDEGÅRD Åse", "åse"),
        ("Jose Muller", "jose"),
        ("Nordman", "kari"),
        ("Kari Nordmnan", "kari"),
        ("Nordmnan", "kari"),
        ("Nordmann Kari", "kari"),
        ("nordm", "kari"),
    ],
)
def test_name_search_tolerates_aeoa_diacritics_typos_and_name_order(store, oslo_people, query, who):
    actor, ids = oslo_people
    with store.session() as s:
        hits = search_persons(s, actor, query)

    assert hits and hits[0].person_id == ids[who] and hits[0].in_scope
    assert ids["ola"] not in [h.person_id for h in hits]


def test_one_part_of_a_double_last_name_finds_the_person(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        double = _enrolled(s, "0301", first_name="Thor", last_name="Knudsen-Hansen", birth_date=dt.date(1977, 7, 7)).id
        single = _enrolled(s, "0301", first_name="Thor", last_name="Knudsen", birth_date=dt.date(1988, 8, 8)).id
    with store.session() as s:
        hits = search_persons(s, actor, "Thor Knudsen")

    assert [h.person_id for h in hits] == [single, double]


def test_a_typo_at_the_start_of_the_name_is_found_with_the_birth_date(store, oslo_people):
    actor, ids = oslo_people
    with store.session() as s:
        hits = search_persons(s, actor, "Kari Mordmann", birth_date=BORN)

    assert [h.person_id for h in hits] == [ids["kari"]]


def test_the_same_birth_date_ranks_first_and_a_hit_shows_the_masked_number(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        older = _enrolled(s, "0301", birth_date=dt.date(1960, 1, 1))
        same = _enrolled(s, "0301", birth_date=BORN)
        number = same.national_id
    with store.session() as s:
        hits = search_persons(s, actor, "Kari Nordmann", birth_date=BORN)

    assert [h.person_id for h in hits] == [same.id, older.id]
    assert hits[0].score > hits[1].score
    assert hits[0].masked_national_id == number[:6] + "*****"
    assert (hits[0].birth_date, hits[0].home_org_unit_name) == (BORN, "Oslo")


def test_a_bergen_tracer_does_not_find_oslo_persons_by_name(store, oslo_people):
    with store.session() as s:
        bergen = make_actor(s, code="4601")
        in_bergen = _enrolled(s, "4601", first_name="Kari", last_name="Nordmann", birth_date=dt.date(2001, 1, 1)).id
    with store.session() as s:
        hits = search_persons(s, bergen, "Kari Nordmann")
        by_date = search_persons(s, bergen, "", birth_date=BORN)

    assert [h.person_id for h in hits] == [in_bergen]
    assert by_date == []


def test_search_refuses_part_of_a_number_and_is_audited_without_the_text(store, oslo_people):
    actor, _ = oslo_people
    with store.session() as s, pytest.raises(DomainError) as refused:
        search_persons(s, actor, "150685")
    assert refused.value.field == "søk"

    with store.session() as s:
        search_persons(s, actor, "Odegard")

    [event] = _events(store, "person_search")
    assert event.detail == {"hits": 1, "with_birth_date": False}


# --- duplicates and create ------------------------------------------------------------------------------------------


def test_a_possible_duplicate_is_refused_without_a_reason_and_created_with_one(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        existing = _enrolled(s, "0301", with_national_id=False).id
    again = PersonInput("Kari", "Nordman", birth_date=BORN, home_org_unit_id=None)

    with store.session() as s:
        assert [h.person_id for h in find_duplicates(s, actor, again)] == [existing]
    with store.session() as s, pytest.raises(DomainError) as refused:
        create_person(s, actor, again, today=TODAY)
    assert refused.value.field == "duplikat"
    with store.session() as s:
        created = create_person(s, actor, again, duplicate_reason="Ulik adresse, bekreftet på telefon", today=TODAY)

    [event] = _events(store, "person_created")
    assert event.entity_id == created.id
    assert event.detail == {"duplicate_reason": "Ulik adresse, bekreftet på telefon", "possible_duplicate_ids": [existing]}


def test_a_registered_number_is_refused_even_with_a_reason_and_shown_as_a_duplicate(store):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        bergen_person = _enrolled(s, "4601", first_name="Per", last_name="Vik")
        number, person_id = bergen_person.national_id, bergen_person.id
    data = PersonInput("Peder", "Viken", national_id=number)

    with store.session() as s:
        [hit] = find_duplicates(s, oslo, data)
    assert hit.person_id == person_id and not hit.in_scope and hit.home_org_unit_name == "Bergen"
    with store.session() as s, pytest.raises(DomainError) as refused:
        create_person(s, oslo, data, duplicate_reason="Annen person", today=TODAY)
    assert refused.value.field == "fødselsnummer" and number not in str(refused.value)


def test_namesakes_with_another_number_are_not_duplicates(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        _enrolled(s, "0301")  # Kari Nordmann, 15.06.1985, with her own number
    twin = PersonInput("Kari", "Nordmann", national_id=synthetic_national_id(BORN, sex="female"), home_org_unit_id=None)

    with store.session() as s:
        assert find_duplicates(s, actor, twin) == []
        person = create_person(s, actor, twin, today=TODAY)

    assert person.birth_date == BORN and person.sex == "female" and person.source == "manual"


def test_a_foreigner_without_number_needs_a_birth_date(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
    visitor = PersonInput("Sven", "Svensson", phone="+46 70 123 45 67")

    with store.session() as s, pytest.raises(DomainError) as refused:
        create_person(s, actor, visitor, today=TODAY)
    assert refused.value.field == "fødselsdato"
    with store.session() as s:
        person = create_person(s, actor, replace(visitor, birth_date=dt.date(1980, 5, 1)), today=TODAY)

    assert (person.national_id, person.sex, person.phone, person.name_key) == (None, "unknown", "+46701234567", "svensson sven")


def test_an_unknown_home_kommune_is_refused(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        fylke = unit_id(s, "46")
    for home in (999_999, fylke):
        with store.session() as s, pytest.raises(DomainError) as refused:
            create_person(s, actor, PersonInput("Kari", "Nordmann", birth_date=BORN, home_org_unit_id=home), today=TODAY)
        assert (refused.value.field, refused.value.message_nb) == ("hjemkommune", "Ukjent kommune.")


def test_a_person_created_for_another_kommune_stays_open_to_case_workers_until_enrolled(store):
    with store.session() as s:
        creator = make_actor(s, code="0301")
        colleague = make_actor(s, code="0301")
        person = create_person(
            s, creator, PersonInput("Liv", "Fjellheim", birth_date=dt.date(2000, 4, 4), home_org_unit_id=unit_id(s, "4601")), today=TODAY
        )
        person_id = person.id

    with store.session() as s:
        assert read_person(s, colleague, person_id).person.full_name == "Liv Fjellheim"
        assert search_persons(s, creator, "Liv Fjellheim") == []  # openable by id or number, not browsable by name
    with store.session() as s:
        make_case(s, s.get(Person, person_id), "index", code="4601")
    with store.session() as s, pytest.raises(AccessDenied):
        read_person(s, creator, person_id)


# --- update ---------------------------------------------------------------------------------------------------------


def _as_input(person: Person, **changes) -> PersonInput:
    data = PersonInput(
        first_name=person.first_name,
        last_name=person.last_name,
        middle_name=person.middle_name,
        national_id=person.national_id,
        birth_date=person.birth_date,
        sex=person.sex,
        phone=person.phone,
        email=person.email,
        address=person.address,
        postcode=person.postcode,
        post_place=person.post_place,
        home_org_unit_id=person.home_org_unit_id,
    )
    return replace(data, **changes)


def test_an_update_records_only_the_changed_field_names(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        kari = _enrolled(s, "0301")
        person_id, number = kari.id, kari.national_id
        data = _as_input(kari, last_name="Nordmann-Berg", phone="912 34 567")
    with store.session() as s:
        updated = update_person(s, actor, person_id, data, expected_version=1, today=TODAY)
        assert (updated.version, updated.name_key, updated.phone) == (2, "nordmann-berg kari", "91234567")
        same = update_person(s, actor, person_id, replace(data, phone="91234567"), expected_version=2, today=TODAY)
        assert same.version == 2  # nothing changed, nothing written

    [event] = _events(store, "person_updated")
    assert event.detail == {"changed": ["last_name", "phone"]}
    assert number not in _all_audit_text(store)


def test_a_stale_update_is_refused_and_nothing_changes(store):
    with store.session() as s:
        first, second = make_actor(s, code="0301"), make_actor(s, code="0301")
        kari = _enrolled(s, "0301")
        person_id, original = kari.id, _as_input(kari)
    with store.session() as s:
        update_person(s, first, person_id, replace(original, phone="91234567"), expected_version=1, today=TODAY)

    with store.session() as s, pytest.raises(StaleVersion):
        update_person(s, second, person_id, replace(original, phone="45678901"), expected_version=1, today=TODAY)

    with store.session() as s:
        person = s.get(Person, person_id)
        assert (person.phone, person.version) == ("91234567", 2)
    assert len(_events(store, "person_updated")) == 1


def test_a_concurrent_save_between_load_and_flush_is_refused(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        kari = _enrolled(s, "0301")
        person_id, original = kari.id, _as_input(kari)

    with store.session() as slow, pytest.raises(StaleVersion):
        assert slow.get(Person, person_id).version == 1  # loaded before the other save
        with store.session() as fast:
            update_person(fast, actor, person_id, replace(original, email="kari@example.com"), expected_version=1, today=TODAY)
        update_person(slow, actor, person_id, replace(original, phone="45678901"), expected_version=1, today=TODAY)

    with store.session() as s:
        person = s.get(Person, person_id)
        assert (person.email, person.phone, person.version) == ("kari@example.com", None, 2)


def test_the_number_can_only_change_to_one_not_taken(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        kari = _enrolled(s, "0301")
        other = _enrolled(s, "0301", first_name="Ola", birth_date=BORN)
        person_id, data, taken = kari.id, _as_input(kari), other.national_id
    free = synthetic_national_id(BORN)

    with store.session() as s, pytest.raises(DomainError) as refused:
        update_person(s, actor, person_id, replace(data, national_id=taken), expected_version=1, today=TODAY)
    assert refused.value.field == "fødselsnummer" and taken not in str(refused.value)
    with store.session() as s:
        assert update_person(s, actor, person_id, replace(data, national_id=free), expected_version=1, today=TODAY).national_id == free


def test_another_kommunes_person_cannot_be_updated(store):
    with store.session() as s:
        bergen = make_actor(s, code="4601")
        kari = _enrolled(s, "0301")
        person_id, data = kari.id, _as_input(kari)
    with store.session() as s, pytest.raises(AccessDenied):
        update_person(s, bergen, person_id, replace(data, phone="91234567"), expected_version=1, today=TODAY)


# --- the person page ------------------------------------------------------------------------------------------------


def test_the_person_page_shows_everything_and_is_audited(store):
    utc = dt.timezone.utc
    with store.session() as s:
        actor = make_actor(s, code="0301")
        index = make_person(s, "0301", first_name="Ida", last_name="Indeks", birth_date=dt.date(1980, 1, 1))
        index_case = make_case(s, index, "index", code="0301", test_date=TODAY)
        kari = make_person(s, "0301")
        old_case = make_case(s, kari, "contact", code="0301", status="closed", enrolled_at=dt.datetime(2026, 10, 1, tzinfo=utc))
        contact_case = make_case(s, kari, "contact", code="030101", enrolled_at=dt.datetime(2026, 11, 20, tzinfo=utc))
        bergen_contact = make_person(s, "4601", first_name="Bjørn", last_name="Bergen")
        bergen_case = make_case(s, bergen_contact, "contact", code="4601")
        index_case_of_kari = make_case(s, kari, "index", code="030101")
        cluster = Cluster(name="Julebord", kind="event", org_unit_id=unit_id(s, "0301"), start_date=TODAY)
        s.add(cluster)
        s.flush()
        s.add_all([
            Exposure(source_case_id=index_case.id, contact_person_id=kari.id, contact_case_id=contact_case.id,
                     exposure_date=dt.date(2026, 11, 19), setting="event", cluster_id=cluster.id),
            Exposure(source_case_id=index_case_of_kari.id, contact_person_id=bergen_contact.id, contact_case_id=bergen_case.id,
                     exposure_date=dt.date(2026, 11, 21), setting="travel"),
            ClusterMember(cluster_id=cluster.id, person_id=kari.id, role="contact"),
            FollowUp(case_id=contact_case.id, due_date=TODAY),
            Note(case_id=contact_case.id, author_id=actor.user_id, text="Ringt, ingen symptomer."),
            TestResult(external_id="t-1", national_id=kari.national_id, sample_date=TODAY, method="PCR", result="positive"),
        ])
        s.flush()
        ids = (kari.id, old_case.id, contact_case.id, index_case_of_kari.id, index.id, cluster.id)
    kari_id, old_case_id, contact_case_id, index_case_id, index_id, cluster_id = ids

    with store.session() as s:
        record = read_person(s, actor, kari_id)

    assert record.person.home_org_unit.name == "Oslo"  # loaded for use after the session
    assert {c.id for c in record.cases} == {old_case_id, contact_case_id, index_case_id}
    assert record.cases[-1].id == old_case_id and record.cases[-1].org_unit.name == "Oslo"
    [came_from] = record.exposures_in
    assert (came_from.other_person_id, came_from.other_full_name, came_from.cluster_name) == (index_id, "Ida Indeks", "Julebord")
    [gave_to] = record.exposures_out
    assert not gave_to.can_open and gave_to.other_person_id is None and gave_to.other_full_name is None
    assert gave_to.other_org_unit_name == "Bergen"
    [in_cluster] = record.clusters
    assert (in_cluster.cluster_id, in_cluster.role, in_cluster.org_unit_name, in_cluster.can_open) == (cluster_id, "contact", "Oslo", True)
    assert [f.due_date for f in record.follow_ups] == [TODAY]
    assert [n.text for n in record.notes] == ["Ringt, ingen symptomer."]
    assert [t.external_id for t in record.test_results] == ["t-1"]

    [viewed] = _events(store, "person_viewed")
    assert (viewed.entity, viewed.entity_id, viewed.user_id, viewed.detail) == ("person", kari_id, actor.user_id, None)


def test_the_history_holds_person_and_case_events_newest_first(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        kari = _enrolled(s, "0301")
        other = _enrolled(s, "0301", first_name="Ola", birth_date=dt.date(1950, 1, 1))
        kari_id, data, case_id, other_case_id = kari.id, _as_input(kari), kari.cases[0].id, other.cases[0].id
    with store.session() as s:
        from data import audit

        audit.record(s, "case_created", user_id=actor.user_id, entity="case", entity_id=case_id)
        audit.record(s, "case_created", user_id=actor.user_id, entity="case", entity_id=other_case_id)
    with store.session() as s:
        update_person(s, actor, kari_id, replace(data, phone="91234567"), expected_version=1, today=TODAY)
    with store.session() as s:
        read_person(s, actor, kari_id)
    with store.session() as s:
        history = read_person(s, actor, kari_id).history

    assert [e.action for e in history] == ["person_viewed", "person_updated", "case_created"]
    assert history[-1].entity_id == case_id
