"""Index cases and close contacts (tracing/cases.py) on both stores: registration, contacts, conversion,
closing and reopening, locking, access and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from auth.users import create_user
from auth.actor import actor_of
from data.models import AuditEvent, Case, Exposure, FollowUp, Note
from tests.factories import make_actor, make_case, make_person, unit_id
from tracing import cases
from tracing.cases import (
    OUT_OF_SCOPE_NAME,
    ContactInput,
    IndexInput,
    add_contact,
    assign_case,
    assignable_users,
    case_summary,
    close_case,
    convert_to_index,
    register_index,
    reopen_case,
    update_index,
)
from tracing.errors import AccessDenied, DomainError, StaleVersion
from tracing.followups import add_note

TODAY = dt.date(2026, 11, 23)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _index_input(s, person, code="0301", **fields) -> IndexInput:
    values = {"test_date": days(-1), "test_method": "PCR", "symptom_onset": days(-2)} | fields
    return IndexInput(person_id=person.id, org_unit_id=unit_id(s, code), **values)


def _index(s, actor, person, code="0301", **fields) -> Case:
    return register_index(s, actor, _index_input(s, person, code, **fields), today=TODAY)


def _contact(s, actor, source, person, exposure=-1, setting="household", **fields):
    data = ContactInput(source_case_id=source.id, person_id=person.id, exposure_date=days(exposure), setting=setting, **fields)
    return add_contact(s, actor, data, today=TODAY)


def _open_dates(s, case):
    return list(s.scalars(select(FollowUp.due_date).where(FollowUp.case_id == case.id, FollowUp.done_at.is_(None)).order_by(FollowUp.due_date)))


def _actions(s, entity_id=None):
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if entity_id is not None:
        query = query.where(AuditEvent.entity == "case", AuditEvent.entity_id == entity_id)
    return list(s.scalars(query))


# --- registering an index ----------------------------------------------------------------------------------------


def test_registering_an_index_computes_isolation_from_onset_and_schedules_daily_follow_ups(store):
    with store.session() as s:
        # given a tracer in Oslo and an Oslo resident who tested positive yesterday, with symptoms since two days
        actor = make_actor(s)
        person = make_person(s)
        # when the index is registered
        case = _index(s, actor, person, workplace_or_school="  Kampen skole ", risk_group="")
        # then isolation runs five days from onset, with a follow-up each day from today to its end
        assert (case.kind, case.status, case.rule_set) == ("index", "active", "standard")
        assert (case.isolation_start, case.isolation_end) == (days(-2), days(3))
        assert _open_dates(s, case) == [days(0), days(1), days(2), days(3)]
        assert case.next_follow_up == TODAY
        assert case.chain_id == case.id
        assert case.version == 1
        assert (case.workplace_or_school, case.risk_group) == ("Kampen skole", None)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "case_created"))
        assert (event.entity, event.entity_id, event.org_unit_id, event.user_id) == ("case", case.id, case.org_unit_id, actor.user_id)
        assert person.national_id not in str(event.detail)


def test_an_asymptomatic_index_is_isolated_from_the_test_date_under_its_rule_set(store):
    with store.session() as s:
        actor = make_actor(s)
        case = _index(s, actor, make_person(s), symptom_onset=None, asymptomatic=True, test_date=days(-3), rule_set="streng")
        assert (case.isolation_start, case.isolation_end, case.rule_set) == (days(-3), days(7), "streng")
        assert case_summary(s, actor, case.id).rule_set.code == "streng"


def test_an_index_whose_isolation_is_over_has_no_follow_ups(store):
    with store.session() as s:
        actor = make_actor(s)
        case = _index(s, actor, make_person(s), symptom_onset=None, test_date=days(-20))
        assert _open_dates(s, case) == []
        assert case.next_follow_up is None


def test_a_second_active_index_for_the_same_person_is_refused(store):
    with store.session() as s:
        actor = make_actor(s)
        person = make_person(s)
        _index(s, actor, person)
        with pytest.raises(DomainError) as refused:
            _index(s, actor, person, test_date=days(0))
        assert refused.value.field == "person"
        assert refused.value.message_nb == "Personen har allerede en aktiv indekssak."


def test_the_database_refuses_a_second_active_index_when_the_domain_check_is_bypassed(store, monkeypatch):
    # given a person with an active index, and a race in which the domain check saw none
    with store.session() as s:
        actor = make_actor(s)
        person = make_person(s)
        _index(s, actor, person)
    monkeypatch.setattr(cases, "_refuse_second_active", lambda *args, **kwargs: None)
    # when the second index reaches the database, then its partial unique index refuses it with the same message
    with pytest.raises(DomainError) as refused:
        with store.session() as s:
            _index(s, actor, s.get(type(person), person.id))
    assert (refused.value.field, refused.value.message_nb) == ("person", "Personen har allerede en aktiv indekssak.")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"test_date": days(1)}, "testdato"),
        ({"symptom_onset": days(1)}, "symptomstart"),
        ({"asymptomatic": True}, "symptomstart"),
        ({"test_method": "blodprøve"}, "testmetode"),
        ({"rule_set": "ukjent"}, "regelsett"),
        ({"infected_where": "x" * 201}, "smittested"),
    ],
)
def test_invalid_index_input_is_refused_naming_the_field_and_nothing_is_stored(store, fields, field):
    with store.session() as s:
        actor = make_actor(s)
        person = make_person(s)
        with pytest.raises(DomainError) as refused:
            _index(s, actor, person, **fields)
        assert refused.value.field == field
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_an_unknown_org_unit_is_refused_and_a_fylke_is_not_a_work_unit(store):
    with store.session() as s:
        actor = make_actor(s, code="0301")
        person = make_person(s)
        with pytest.raises(DomainError) as unknown:
            register_index(s, actor, IndexInput(person.id, 999_999, days(-1), "PCR"), today=TODAY)
        with pytest.raises(DomainError) as fylke:
            register_index(s, actor, IndexInput(person.id, unit_id(s, "03"), days(-1), "PCR"), today=TODAY)
        assert unknown.value.field == fylke.value.field == "organisasjonsenhet"


# --- close contacts ----------------------------------------------------------------------------------------------


def test_adding_a_contact_puts_them_in_quarantine_in_the_index_chain(store):
    with store.session() as s:
        actor = make_actor(s)
        index = _index(s, actor, make_person(s))
        person = make_person(s, first_name="Ola")
        contact, exposure = _contact(s, actor, index, person, exposure=-2)
        assert (contact.kind, contact.status, contact.org_unit_id) == ("contact", "active", index.org_unit_id)
        assert (contact.quarantine_start, contact.quarantine_end) == (days(-2), days(5))
        assert _open_dates(s, contact) == [days(n) for n in range(0, 6)]
        assert contact.next_follow_up == TODAY
        assert contact.chain_id == index.chain_id == index.id
        assert (exposure.source_case_id, exposure.contact_case_id, exposure.contact_person_id) == (index.id, contact.id, person.id)
        assert exposure.created_by_id == actor.user_id
        assert _actions(s, contact.id) == ["contact_added"]
        assert index.version == 1  # adding a contact is not an edit of the index


def test_a_contact_of_a_contact_joins_the_same_chain(store):
    with store.session() as s:
        actor = make_actor(s)
        index = _index(s, actor, make_person(s))
        contact, _ = _contact(s, actor, index, make_person(s, first_name="Ola"))
        second, exposure = _contact(s, actor, contact, make_person(s, first_name="Per"), exposure=0, setting="workplace")
        assert exposure.source_case_id == contact.id
        assert second.chain_id == index.id
        assert (second.quarantine_start, second.quarantine_end) == (days(0), days(7))


def test_a_contact_added_twice_keeps_one_case_quarantined_from_the_later_exposure_and_merges_chains(store):
    with store.session() as s:
        actor = make_actor(s)
        first_index = _index(s, actor, make_person(s, first_name="A"))
        second_index = _index(s, actor, make_person(s, first_name="B"))
        person = make_person(s, first_name="C")
        contact, _ = _contact(s, actor, first_index, person, exposure=-5)
        assert contact.quarantine_end == days(2)
        # when the same person is named again, exposed three days later by another index
        again, exposure = _contact(s, actor, second_index, person, exposure=-2)
        # then the same contact case is extended to seven days after the later exposure
        assert again.id == contact.id
        assert exposure.contact_case_id == contact.id
        assert (contact.quarantine_start, contact.quarantine_end) == (days(-5), days(5))
        assert _open_dates(s, contact) == [days(n) for n in range(0, 6)]
        assert s.scalar(select(func.count()).select_from(Case).where(Case.person_id == person.id)) == 1
        # and the two chains are now one, under the older id
        s.expire_all()
        chains = {c.chain_id for c in s.scalars(select(Case))}
        assert chains == {first_index.id}


def test_an_earlier_second_exposure_never_shortens_the_quarantine(store):
    with store.session() as s:
        actor = make_actor(s)
        index = _index(s, actor, make_person(s))
        person = make_person(s, first_name="C")
        contact, _ = _contact(s, actor, index, person, exposure=-1)
        _contact(s, actor, index, person, exposure=-3)
        assert (contact.quarantine_start, contact.quarantine_end) == (days(-3), days(6))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"exposure": 1}, "eksponeringsdato"),
        ({"setting": "cinema"}, "arena"),
        ({"org_unit_id": 999_999}, "organisasjonsenhet"),
    ],
)
def test_invalid_contact_input_is_refused_naming_the_field(store, change, field):
    with store.session() as s:
        actor = make_actor(s)
        index = _index(s, actor, make_person(s))
        with pytest.raises(DomainError) as refused:
            _contact(s, actor, index, make_person(s, first_name="Ola"), **change)
        assert refused.value.field == field
        assert s.scalar(select(func.count()).select_from(Exposure)) == 0


def test_a_person_cannot_be_their_own_contact_nor_named_twice_for_the_same_exposure(store):
    with store.session() as s:
        actor = make_actor(s)
        person = make_person(s)
        index = _index(s, actor, person)
        with pytest.raises(DomainError) as own:
            _contact(s, actor, index, person)
        assert own.value.field == "person"
        other = make_person(s, first_name="Ola")
        _contact(s, actor, index, other)
        with pytest.raises(DomainError) as twice:
            _contact(s, actor, index, other)
        assert twice.value.field == "eksponeringsdato"


def test_a_closed_case_cannot_be_the_source_of_a_contact(store):
    with store.session() as s:
        actor = make_actor(s)
        index = _index(s, actor, make_person(s))
        close_case(s, actor, index.id, "completed", index.version)
        with pytest.raises(DomainError) as refused:
            _contact(s, actor, index, make_person(s, first_name="Ola"))
        assert refused.value.field == "kilde"


# --- converting a contact ----------------------------------------------------------------------------------------


def test_converting_a_contact_keeps_one_person_history(store):
    with store.session() as s:
        # given a contact with a note and a recorded follow-up
        actor = make_actor(s)
        index = _index(s, actor, make_person(s))
        person = make_person(s, first_name="Ola")
        contact, exposure = _contact(s, actor, index, person, exposure=-3)
        add_note(s, actor, contact.id, "Hoste fra i går.")
        # when the contact tests positive and is converted
        new_index = convert_to_index(
            s, actor, contact.id, _index_input(s, person, symptom_onset=days(-1), test_date=days(0)), contact.version, today=TODAY
        )
        # then the contact case is closed as "became_index", without open follow-ups
        assert (contact.status, contact.outcome, contact.closed_at is not None) == ("closed", "became_index", True)
        assert _open_dates(s, contact) == []
        assert contact.next_follow_up is None
        # and the new index belongs to the same person, is active, keeps the chain, and is followed up
        assert (new_index.person_id, new_index.kind, new_index.status) == (person.id, "index", "active")
        assert new_index.chain_id == contact.chain_id == index.id
        assert (new_index.isolation_start, new_index.isolation_end) == (days(-1), days(4))
        assert new_index.next_follow_up == TODAY
        # the exposure still points to the contact case; the note stays on it
        assert s.get(Exposure, exposure.id).contact_case_id == contact.id
        assert [n.text for n in s.scalars(select(Note).where(Note.case_id == contact.id))] == ["Hoste fra i går."]
        # the index case page shows where the person was exposed
        view = case_summary(s, actor, new_index.id)
        assert [(r.exposure_id, r.source_case_id) for r in view.source_exposures] == [(exposure.id, index.id)]
        assert "converted_to_index" in _actions(s, contact.id)
        assert "converted_to_index" in _actions(s, new_index.id)


def test_converting_refuses_another_person_a_non_contact_and_a_stale_version(store):
    with store.session() as s:
        actor = make_actor(s)
        index_person = make_person(s)
        index = _index(s, actor, index_person)
        person = make_person(s, first_name="Ola")
        contact, _ = _contact(s, actor, index, person)
        with pytest.raises(DomainError) as other_person:
            convert_to_index(s, actor, contact.id, _index_input(s, index_person), contact.version, today=TODAY)
        assert other_person.value.field == "person"
        with pytest.raises(DomainError) as not_contact:
            convert_to_index(s, actor, index.id, _index_input(s, index_person), index.version, today=TODAY)
        assert not_contact.value.field == "sak"
        with pytest.raises(StaleVersion):
            convert_to_index(s, actor, contact.id, _index_input(s, person), contact.version - 1, today=TODAY)
        assert contact.status == "active"


# --- closing and reopening ---------------------------------------------------------------------------------------


def test_closing_and_reopening_a_case_with_a_note(store):
    with store.session() as s:
        actor = make_actor(s)
        case = _index(s, actor, make_person(s))
        close_case(s, actor, case.id, "completed", case.version, note="Frisk, avsluttet.")
        assert (case.status, case.outcome, case.next_follow_up) == ("closed", "completed", None)
        assert _open_dates(s, case) == []
        reopen_case(s, actor, case.id, "Fikk nye symptomer.", case.version, today=days(1))
        assert (case.status, case.outcome, case.closed_at) == ("active", None, None)
        assert _open_dates(s, case) == [days(1), days(2), days(3)]
        assert case.next_follow_up == days(1)
        assert [n.text for n in s.scalars(select(Note).where(Note.case_id == case.id).order_by(Note.id))] == [
            "Frisk, avsluttet.",
            "Fikk nye symptomer.",
        ]
        assert _actions(s, case.id) == ["case_created", "case_closed", "case_reopened"]


def test_a_reopened_case_whose_period_is_over_is_followed_up_today(store):
    with store.session() as s:
        actor = make_actor(s)
        case = _index(s, actor, make_person(s))
        close_case(s, actor, case.id, "completed", case.version)
        reopen_case(s, actor, case.id, "Ringte tilbake.", case.version, today=days(30))
        assert _open_dates(s, case) == [days(30)]


def test_registered_in_error_cancels_the_case_and_unknown_outcomes_are_refused(store):
    with store.session() as s:
        actor = make_actor(s)
        case = _index(s, actor, make_person(s))
        for outcome in ("became_index", "gone"):
            with pytest.raises(DomainError) as refused:
                close_case(s, actor, case.id, outcome, case.version)
            assert refused.value.field == "utfall"
        close_case(s, actor, case.id, "registered_in_error", case.version)
        assert case.status == "cancelled"
        with pytest.raises(DomainError) as again:
            close_case(s, actor, case.id, "completed", case.version)
        assert again.value.field == "status"


def test_reopening_is_refused_while_another_active_case_of_the_same_kind_exists_or_without_a_note(store):
    with store.session() as s:
        actor = make_actor(s)
        person = make_person(s)
        old = _index(s, actor, person)
        close_case(s, actor, old.id, "completed", old.version)
        with pytest.raises(DomainError) as no_note:
            reopen_case(s, actor, old.id, "   ", old.version, today=TODAY)
        assert no_note.value.field == "notat"
        _index(s, actor, person, test_date=days(0))
        with pytest.raises(DomainError) as refused:
            reopen_case(s, actor, old.id, "Feil sak lukket.", old.version, today=TODAY)
        assert (refused.value.field, refused.value.message_nb) == ("person", "Personen har allerede en aktiv indekssak.")
        assert old.status == "closed"


def test_a_stale_version_is_refused_and_nothing_is_overwritten(store):
    with store.session() as s:
        actor = make_actor(s)
        person = make_person(s)
        case = _index(s, actor, person)
        loaded_version = case.version
        update_index(s, actor, case.id, _index_input(s, person, risk_group="Hjertesykdom"), loaded_version, today=TODAY)
        assert case.version == loaded_version + 1
        with pytest.raises(StaleVersion) as stale:
            update_index(s, actor, case.id, _index_input(s, person, risk_group="Ingen"), loaded_version, today=TODAY)
        assert stale.value.field == "versjon"
        with pytest.raises(StaleVersion):
            close_case(s, actor, case.id, "completed", loaded_version)
        assert (case.risk_group, case.status) == ("Hjertesykdom", "active")


def test_a_concurrent_save_is_refused_by_the_version_counter(store):
    with store.session() as s:
        actor = make_actor(s)
        person = make_person(s)
        case_id = _index(s, actor, person).id
    # two tracers load the same case; the first one saves
    first, second = store.sessionmaker(), store.sessionmaker()
    try:
        loaded = second.get(Case, case_id)
        version = loaded.version
        close_case(first, actor, case_id, "completed", version)
        first.commit()
        # the second one's save, made on the copy it loaded, is refused
        with pytest.raises(StaleVersion):
            close_case(second, actor, case_id, "not_infected", version)
    finally:
        first.close()
        second.rollback()
        second.close()


def test_updating_an_index_recomputes_isolation_and_reschedules_follow_ups(store):
    with store.session() as s:
        actor = make_actor(s)
        person = make_person(s)
        case = _index(s, actor, person)
        update_index(s, actor, case.id, _index_input(s, person, symptom_onset=days(-4)), case.version, today=TODAY)
        assert (case.isolation_start, case.isolation_end) == (days(-4), days(1))
        assert _open_dates(s, case) == [days(0), days(1)]
        assert case.next_follow_up == TODAY
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "case_updated"))
        assert set(event.detail["changed"]) == {"symptom_onset", "isolation_start", "isolation_end"}


# --- assignment --------------------------------------------------------------------------------------------------


def test_a_case_is_assigned_only_to_case_workers_reaching_its_unit(store):
    with store.session() as s:
        actor = make_actor(s, username="sporer")
        doctor = make_actor(s, role="kommuneoverlege", username="overlege")
        reporter = make_actor(s, role="rapportuttak", username="rapport")
        bergen = make_actor(s, code="4601", username="bergen")
        case = _index(s, actor, make_person(s), code="030101")
        names = assignable_users(s, actor, case.org_unit_id)
        assert {uid for uid, _ in names} == {actor.user_id, doctor.user_id}
        assign_case(s, actor, case.id, doctor.user_id, case.version)
        assert case.assigned_to_id == doctor.user_id
        for user in (reporter, bergen):
            with pytest.raises(DomainError) as refused:
                assign_case(s, actor, case.id, user.user_id, case.version)
            assert refused.value.field == "saksbehandler"
        assign_case(s, actor, case.id, None)
        assert case.assigned_to_id is None
        assert _actions(s, case.id).count("case_assigned") == 2


# --- the case page -----------------------------------------------------------------------------------------------


def test_case_summary_lists_sources_contacts_follow_ups_and_notes_and_is_audited(store):
    with store.session() as s:
        actor = make_actor(s)
        index = _index(s, actor, make_person(s, first_name="Kari"))
        contact, exposure = _contact(s, actor, index, make_person(s, first_name="Ola"), setting="school")
        add_note(s, actor, index.id, "Ringt.")
        assign_case(s, actor, index.id, actor.user_id)
        view = case_summary(s, actor, index.id)
        assert (view.person_name, view.org_unit_name, view.rule_set.code) == ("Kari Nordmann", "Oslo", "standard")
        assert view.source_exposures == []
        assert [(r.contact_case_id, r.full_name, r.setting, r.case_status, r.can_open) for r in view.contacts] == [
            (contact.id, "Ola Nordmann", "school", "active", True)
        ]
        assert [f.due_date for f in view.follow_ups] == [days(n) for n in range(0, 4)]
        assert [n.text for n in view.notes] == ["Ringt."]
        assert view.assigned_to_name == view.user_names[actor.user_id]
        contact_view = case_summary(s, actor, contact.id)
        assert [(r.source_case_id, r.source_person_name, r.can_open) for r in contact_view.source_exposures] == [
            (index.id, "Kari Nordmann", True)
        ]
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "case_viewed").order_by(AuditEvent.id))
        assert (event.entity, event.entity_id, event.detail) == ("case", index.id, {"person_id": index.person_id})


def test_case_summary_does_not_name_a_source_outside_the_actors_units(store):
    with store.session() as s:
        # given an Oslo contact exposed by an index enrolled in Bergen (registered by a user working in both)
        both = actor_of(create_user(s, "begge", "passord-for-test", grants=[("smittesporer", "0301"), ("smittesporer", "4601")]))
        oslo = make_actor(s)
        bergen_index = _index(s, both, make_person(s, "4601", first_name="Berit"), code="4601")
        contact, _ = _contact(s, both, bergen_index, make_person(s, first_name="Ola"), org_unit_id=unit_id(s, "0301"))
        # when the Oslo tracer reads the contact case, then the source is there but not named
        view = case_summary(s, oslo, contact.id)
        assert [(r.source_person_name, r.can_open) for r in view.source_exposures] == [(OUT_OF_SCOPE_NAME, False)]


# --- access ------------------------------------------------------------------------------------------------------


def test_another_kommunes_tracer_is_refused_everywhere(store):
    with store.session() as s:
        oslo = make_actor(s)
        bergen = make_actor(s, code="4601")
        index_person = make_person(s)
        index = _index(s, oslo, index_person)
        contact, _ = _contact(s, oslo, index, make_person(s, first_name="Ola"))
        closed = _index(s, oslo, make_person(s, first_name="Per"))
        close_case(s, oslo, closed.id, "completed", closed.version)
        bergen_person = make_person(s, "4601")
        attempts = [
            lambda: register_index(s, bergen, _index_input(s, index_person, code="4601"), today=TODAY),
            lambda: register_index(s, bergen, _index_input(s, bergen_person, code="0301"), today=TODAY),
            lambda: _contact(s, bergen, index, bergen_person),
            lambda: convert_to_index(s, bergen, contact.id, _index_input(s, contact.person, code="4601"), contact.version, today=TODAY),
            lambda: close_case(s, bergen, index.id, "completed", index.version),
            lambda: reopen_case(s, bergen, closed.id, "Gjenåpnes.", closed.version, today=TODAY),
            lambda: update_index(s, bergen, index.id, _index_input(s, index_person, code="4601"), index.version, today=TODAY),
            lambda: assign_case(s, bergen, index.id, bergen.user_id),
            lambda: assignable_users(s, bergen, index.org_unit_id),
            lambda: case_summary(s, bergen, index.id),
            lambda: add_note(s, bergen, index.id, "Hei"),
        ]
        for attempt in attempts:
            with pytest.raises(AccessDenied):
                attempt()
        assert (index.status, contact.status, closed.status, index.assigned_to_id) == ("active", "active", "closed", None)
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.user_id == bergen.user_id)) == 0


def test_a_person_quarantined_in_another_kommune_cannot_be_added_as_contact_here(store):
    with store.session() as s:
        oslo = make_actor(s)
        index = _index(s, oslo, make_person(s))
        # an Oslo resident already in quarantine in Bergen
        person = make_person(s, first_name="Ola")
        make_case(s, person, kind="contact", code="4601", quarantine_start=days(-1), quarantine_end=days(6))
        # the person belongs to Bergen while that case is active: Oslo cannot enrol (or open) them
        with pytest.raises(AccessDenied):
            _contact(s, oslo, index, person)


def test_every_change_writes_an_audit_event(store):
    with store.session() as s:
        actor = make_actor(s)
        person = make_person(s)
        index = _index(s, actor, person)
        contact, _ = _contact(s, actor, index, make_person(s, first_name="Ola"))
        update_index(s, actor, index.id, _index_input(s, person, risk_group="Astma"), index.version, today=TODAY)
        assign_case(s, actor, index.id, actor.user_id, index.version)
        new_index = convert_to_index(s, actor, contact.id, _index_input(s, contact.person), contact.version, today=TODAY)
        close_case(s, actor, new_index.id, "completed", new_index.version, note="Ferdig.")
        reopen_case(s, actor, new_index.id, "Ikke ferdig.", new_index.version, today=TODAY)
        assert [a for a in _actions(s) if a != "user_created"] == [
            "case_created",
            "contact_added",
            "case_updated",
            "case_assigned",
            "converted_to_index",
            "converted_to_index",
            "note_added",
            "case_closed",
            "note_added",
            "case_reopened",
        ]
        events = s.scalars(select(AuditEvent).where(AuditEvent.action != "user_created")).all()
        assert all(e.user_id == actor.user_id and e.org_unit_id == unit_id(s, "0301") for e in events)
        assert all(person.national_id not in str(e.detail) for e in events)


def test_a_tracer_can_enrol_a_person_they_just_created_who_lives_in_another_kommune(store):
    from tracing.persons import PersonInput, create_person

    with store.session() as s:
        oslo = make_actor(s)
        # given a visitor from Bergen, entered by hand in Oslo and not enrolled anywhere yet
        visitor = create_person(
            s, oslo, PersonInput(first_name="Vilde", last_name="Besøk", birth_date=dt.date(1999, 3, 4), home_org_unit_id=unit_id(s, "4601"))
        )
        # when the Oslo tracer registers them as an index in Oslo
        case = _index(s, oslo, visitor)
        # then the case is Oslo's, and Bergen cannot open the person while it is active
        assert (case.status, case.org_unit_id) == ("active", unit_id(s, "0301"))
        with pytest.raises(AccessDenied):
            cases.case_summary(s, make_actor(s, code="4601"), case.id)
