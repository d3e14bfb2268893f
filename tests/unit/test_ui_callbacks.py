"""The case-work pages' callbacks called as plain functions: form parsing, shaping, and a few actions end to end
through tracing/ on a real store (the logged-in actor and the store are replaced, no browser, no request).

The browser journey (tests/e2e/test_tracer_journey.py) covers the happy path once; these cover the shapes and
refusals below it.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import dash
import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

# Page modules register themselves, which Dash allows only once an app with pages exists.
dash.Dash(__name__, use_pages=True, pages_folder="")

import components.forms as forms  # noqa: E402
from callbacks import cluster as cluster_callbacks  # noqa: E402
from callbacks import person as person_callbacks  # noqa: E402
from callbacks import persons as persons_callbacks  # noqa: E402
from components.forms import NONE, error_alert, parse_date_nb  # noqa: E402
from components.person_card import (
    ACTIONS,
    PERSON_FIELDS,
    case_buttons,
    follow_ups_section,
    person_field_ids,
)  # noqa: E402
from data.models import Note  # noqa: E402
from tests.factories import make_actor, make_case, make_person, unit_id  # noqa: E402
from tracing.errors import DomainError  # noqa: E402
from tracing.persons import NationalLookup, PersonHit  # noqa: E402


def text_of(component: Any) -> str:
    """All the text a component tree shows, space-separated."""
    if component is None or component is no_update:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def hrefs_of(component: Any) -> list[str]:
    if isinstance(component, (list, tuple)):
        return [h for c in component for h in hrefs_of(c)]
    if not hasattr(component, "to_plotly_json"):
        return []
    own = [component.href] if getattr(component, "href", None) else []
    return own + hrefs_of(getattr(component, "children", None))


def ids_of(component: Any) -> list[Any]:
    if isinstance(component, (list, tuple)):
        return [i for c in component for i in ids_of(c)]
    if not hasattr(component, "to_plotly_json"):
        return []
    own = [component.id] if getattr(component, "id", None) is not None else []
    return own + ids_of(getattr(component, "children", None))


# --- forms ----------------------------------------------------------------------------------------------------------


def test_dates_are_typed_as_dd_mm_yyyy_and_a_bad_date_names_the_field():
    assert parse_date_nb("03.11.2026", "prøvedato") == dt.date(2026, 11, 3)
    assert parse_date_nb(" 3.1.2026 ", "prøvedato") == dt.date(2026, 1, 3)
    assert parse_date_nb("", "prøvedato") is None

    with pytest.raises(DomainError) as bad:
        parse_date_nb("2026/11/03", "prøvedato")
    assert bad.value.field == "prøvedato"
    with pytest.raises(DomainError) as impossible:
        parse_date_nb("31.02.2026", "symptomdebut")
    assert impossible.value.field == "symptomdebut"
    with pytest.raises(DomainError, match="må fylles ut"):
        parse_date_nb(None, "prøvedato", required=True)


def test_a_refusal_is_shown_with_the_field_named_first():
    alert = error_alert(DomainError("fødselsnummer", "Kontrollsifrene i fødselsnummeret stemmer ikke."))

    assert text_of(alert) == "Fødselsnummer:  Kontrollsifrene i fødselsnummeret stemmer ikke."
    assert alert.color == "danger"


def test_the_no_choice_option_of_a_select_reads_as_none():
    assert forms.clean(NONE) is None
    assert forms.parse_id(NONE, "klynge", required=False) is None
    with pytest.raises(DomainError, match="Velg organisasjonsenhet"):
        forms.parse_id(NONE, "organisasjonsenhet")


# --- shaping --------------------------------------------------------------------------------------------------------


def test_a_national_hit_in_another_kommune_shows_where_without_a_link():
    found = NationalLookup(
        found=True,
        person_id=None,
        full_name="Kari Nordmann",
        birth_year=1985,
        responsible_kommune="Bergen",
        in_scope=False,
    )

    shown = persons_callbacks.lookup_item(found)

    assert "Registrert i Bergen" in text_of(shown)
    assert "Født 1985" in text_of(shown)
    assert hrefs_of(shown) == []


def test_a_search_hit_links_to_the_person_page_by_id_and_shows_the_number_masked():
    hit = PersonHit(
        person_id=42,
        full_name="Ola Nordmann",
        birth_date=dt.date(1985, 6, 15),
        masked_national_id="158685*****",
        home_org_unit_name="Oslo",
        score=1.0,
        in_scope=True,
    )

    shown = persons_callbacks.hits_list([hit])

    assert hrefs_of(shown) == ["/person/42"]
    assert "15.06.1985 · 158685***** · Oslo" in text_of(shown)


def test_case_actions_follow_the_case_state():
    def types(case: Any) -> list[str]:
        return [i["type"] for i in ids_of(case_buttons(case))]

    assert types(SimpleNamespace(id=1, kind="index", status="active")) == [
        ACTIONS.add_contact,
        ACTIONS.close,
        ACTIONS.assign,
    ]
    assert types(SimpleNamespace(id=2, kind="contact", status="active")) == [
        ACTIONS.convert,
        ACTIONS.add_contact,  # contacts of contacts
        ACTIONS.close,
        ACTIONS.assign,
    ]
    assert types(SimpleNamespace(id=3, kind="contact", status="closed")) == [ACTIONS.reopen]


def test_open_follow_ups_come_first_with_a_record_button_and_done_ones_show_the_outcome():
    today = dt.date(2026, 11, 23)
    case = SimpleNamespace(id=7, kind="contact", status="active")
    done = SimpleNamespace(
        id=1,
        case_id=7,
        due_date=today - dt.timedelta(days=1),
        done_at=dt.datetime(2026, 11, 22, 9, tzinfo=dt.timezone.utc),
        outcome="reached",
        note="Alt vel",
    )
    due = SimpleNamespace(id=2, case_id=7, due_date=today, done_at=None, outcome=None, note=None)

    table = follow_ups_section([done, due], {7: case}, today)

    rows = table.children[1].children
    assert text_of(rows[0]).startswith("23.11.2026 Nærkontakt I dag")
    assert ids_of(rows[0]) == [{"type": ACTIONS.follow_up, "index": 2}]
    assert "Nådd (22.11.2026 10:00)" in text_of(rows[1])
    assert ids_of(rows[1]) == []


def test_save_callbacks_do_nothing_until_their_button_is_clicked():
    with pytest.raises(PreventUpdate):
        person_callbacks.save_follow_up(None, 1, "reached", None)
    with pytest.raises(PreventUpdate):
        persons_callbacks.create(None, *([None] * len(person_field_ids("x"))))


# --- actions on a real store ----------------------------------------------------------------------------------------


@pytest.fixture
def logged_in(store, monkeypatch):
    """Log an actor in for the callbacks: ``logged_in(actor)``."""
    monkeypatch.setattr(forms, "store", lambda: store)

    def log_in(actor: Any) -> None:
        monkeypatch.setattr(forms, "current_actor", lambda: actor)

    return log_in


def _form(**values: Any) -> list[Any]:
    """The person form's values in field order."""
    return [values.get(key) for key, _label in PERSON_FIELDS]


def test_person_page_in_another_kommune_shows_only_the_refusal(store, logged_in):
    with store.session() as s:
        bergen = make_actor(s, code="4601")
        person_id = make_case(s, make_person(s, "0301"), "index", code="0301").person_id
    logged_in(bergen)

    shown = person_callbacks.load(person_id, None, None)

    assert shown["heading"] == "Ingen tilgang"
    assert shown["content_hidden"] is True
    assert "Tilgang:" in text_of(shown["denied"])
    assert shown["profile"] is no_update and shown["cases"] is no_update


def test_person_page_shows_cases_notes_and_assignee_by_name(store, logged_in):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        person = make_person(s, "0301", first_name="Åse", last_name="Ødegård")
        case = make_case(
            s,
            person,
            "contact",
            code="0301",
            assigned_to_id=oslo.user_id,
            quarantine_start=dt.date(2026, 11, 20),
            quarantine_end=dt.date(2026, 11, 27),
        )
        s.add(Note(case_id=case.id, author_id=oslo.user_id, text="Ringte, ingen symptomer."))
        person_id, case_id = person.id, case.id
    logged_in(oslo)

    shown = person_callbacks.load(person_id, None, None)

    assert shown["heading"] == "Åse Ødegård"
    assert shown["register_hidden"] is True  # an active contact is converted, not registered again
    cases = text_of(shown["cases"])
    assert "Karantene 20.11.2026–27.11.2026" in cases
    assert f"Tildelt {oslo.display_name}" in cases
    assert oslo.display_name in text_of(shown["notes"]) and "Ringte, ingen symptomer." in text_of(shown["notes"])
    assert shown["cases_store"][str(case_id)]["version"] >= 1
    assert shown["fields"][0] == "Åse"


def test_a_stale_profile_save_is_refused_and_offers_a_reload(store, logged_in):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        person = make_person(s, "0301", first_name="Kari", last_name="Nordmann")
        person_id, version, number = person.id, person.version, person.national_id
    logged_in(oslo)
    values = _form(first_name="Kari", last_name="Nordmann-Li", national_id=number, home_org_unit_id=NONE)

    saved = person_callbacks.save_profile(1, person_id, version, *values)
    stale = person_callbacks.save_profile(1, person_id, version, *values)  # the version the page loaded is gone

    assert saved[0] is None and saved[3] is not no_update  # saved, and said so
    error, form_open, changed, _feedback, stale_open, stale_message = stale
    assert (form_open, stale_open, changed) == (False, True, no_update)
    assert "Last inn siden på nytt" in stale_message


def test_create_shows_possible_duplicates_and_creating_anyway_needs_a_reason(store, logged_in):
    with store.session() as s:
        oslo = make_actor(s, code="0301")
        existing = make_person(
            s, "0301", first_name="Kari", last_name="Nordmann", birth_date=dt.date(1985, 6, 15), with_national_id=False
        )
        make_case(s, existing, "index", code="0301")
        existing_id, oslo_unit = existing.id, str(unit_id(s, "0301"))
    logged_in(oslo)
    values = _form(first_name="Kari", last_name="Nordman", birth_date="15.06.1985", home_org_unit_id=oslo_unit)

    feedback, duplicates_hidden, duplicate_list, href = persons_callbacks.create(1, *values)
    assert duplicates_hidden is False and href is no_update
    assert f"/person/{existing_id}" in hrefs_of(duplicate_list)
    assert "Åpne eksisterende" in text_of(duplicate_list)

    refused, _ = persons_callbacks.create_anyway(1, "  ", *values)
    assert text_of(refused).startswith("Begrunnelse:")

    feedback, href = persons_callbacks.create_anyway(1, "Ulik person, bekreftet på telefon.", *values)
    assert feedback is None and href.startswith("/person/") and href != f"/person/{existing_id}"


def test_cluster_page_refuses_a_cluster_of_another_kommune(store, logged_in):
    from tracing.clusters import ClusterInput, create_cluster

    with store.session() as s:
        oslo = make_actor(s, code="0301")
        bergen = make_actor(s, code="4601")
        cluster_id = create_cluster(
            s, oslo, ClusterInput(name="Korøvelse", kind="event", org_unit_id=unit_id(s, "0301"))
        ).id
    logged_in(bergen)

    shown = cluster_callbacks.load(cluster_id, None)

    assert shown["cluster-heading"] == "Ingen tilgang"
    assert shown["cluster-content"] is True
