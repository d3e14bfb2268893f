"""The person page, the "enrollment dashboard": profile, cases, follow-ups, notes, tests, exposures both ways,
clusters and change history, with the actions of daily tracing work (register index, add close contacts, convert
a contact to an index, close and reopen, assign, record follow-ups, write notes).

The layout holds only empty containers and the forms (in modals); everything is filled by callbacks/person.py
from one audited ``read_person`` per load, and reloaded after every action.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from auth.roles import CASE_WORK_ROLES
from components.access import page_layout
from components.forms import date_input, options_of, select, text_input, textarea
from components.person_card import person_field_ids, person_fields
from tracing.rules import OUTCOMES_CLOSE
from tracing.vocabulary import CASE_OUTCOME_NB, EXPOSURE_SETTING_NB, FOLLOW_UP_OUTCOME_NB, TEST_METHOD_NB

dash.register_page(__name__, path_template="/person/<person_id>", title="Person – Smittespor", roles=CASE_WORK_ROLES)

EDIT = "person-edit"
CLOSE_OUTCOMES_NB = {code: CASE_OUTCOME_NB[code] for code in OUTCOMES_CLOSE}


class ids:
    # state
    person_id = "person-id"
    changed = "person-changed"
    version = "person-version"
    cases = "person-cases-store"
    # page frame
    heading = "person-heading"
    feedback = "person-feedback"
    denied = "person-denied"
    content = "person-content"
    stale = "person-stale"
    stale_message = "person-stale-message"
    reload = "person-reload"
    # profile
    profile = "person-profile"
    edit_toggle = "person-edit-toggle"
    edit_collapse = "person-edit-collapse"
    edit_fields = person_field_ids(EDIT)
    edit_home_unit = f"{EDIT}-home-org-unit-id"
    save = "person-save"
    save_error = "person-save-error"
    # sections
    register_index_open = "person-register-index-open"
    case_list = "person-cases"
    follow_ups = "person-follow-ups"
    notes = "person-notes"
    note_case = "person-note-case"
    note_text = "person-note-text"
    note_add = "person-note-add"
    note_error = "person-note-error"
    tests = "person-tests"
    exposures_in = "person-exposures-in"
    exposures_out = "person-exposures-out"
    clusters = "person-clusters"
    history = "person-history"
    # index modal (register / convert)
    index_modal = "person-index-modal"
    index_mode = "person-index-mode"
    index_title = "person-index-title"
    index_test_date = "person-index-test-date"
    index_method = "person-index-method"
    index_onset = "person-index-symptom-onset"
    index_asymptomatic = "person-index-asymptomatic"
    index_infected_where = "person-index-infected-where"
    index_workplace = "person-index-workplace"
    index_risk_group = "person-index-risk-group"
    index_org_unit = "person-index-org-unit"
    index_rule_set = "person-index-rule-set"
    index_save = "person-index-save"
    index_cancel = "person-index-cancel"
    index_error = "person-index-error"
    # contact modal
    contact_modal = "person-contact-modal"
    contact_source = "person-contact-source"
    contact_who = "person-contact-who"
    contact_existing = "person-contact-existing"
    contact_new = "person-contact-new"
    contact_search_text = "person-contact-search-text"
    contact_search = "person-contact-search"
    contact_pick = "person-contact-pick"
    contact_first_name = "person-contact-first-name"
    contact_last_name = "person-contact-last-name"
    contact_national_id = "person-contact-national-id"
    contact_birth_date = "person-contact-birth-date"
    contact_phone = "person-contact-phone"
    contact_exposure_date = "person-contact-exposure-date"
    contact_setting = "person-contact-setting"
    contact_cluster = "person-contact-cluster"
    contact_save = "person-contact-save"
    contact_cancel = "person-contact-cancel"
    contact_error = "person-contact-error"
    # close / reopen / assign / follow-up modals
    close_modal = "person-close-modal"
    close_target = "person-close-target"
    close_outcome = "person-close-outcome"
    close_note = "person-close-note"
    close_save = "person-close-save"
    close_cancel = "person-close-cancel"
    close_error = "person-close-error"
    reopen_modal = "person-reopen-modal"
    reopen_target = "person-reopen-target"
    reopen_note = "person-reopen-note"
    reopen_save = "person-reopen-save"
    reopen_cancel = "person-reopen-cancel"
    reopen_error = "person-reopen-error"
    assign_modal = "person-assign-modal"
    assign_target = "person-assign-target"
    assign_user = "person-assign-user"
    assign_save = "person-assign-save"
    assign_cancel = "person-assign-cancel"
    assign_error = "person-assign-error"
    follow_up_modal = "person-follow-up-modal"
    follow_up_target = "person-follow-up-target"
    follow_up_outcome = "person-follow-up-outcome"
    follow_up_note = "person-follow-up-note"
    follow_up_save = "person-follow-up-save"
    follow_up_cancel = "person-follow-up-cancel"
    follow_up_error = "person-follow-up-error"


def _card(title: str, body: Any, *, extra: Any = None, card_id: str | None = None) -> Any:
    header = html.Div(
        [html.H2(title, className="h5 mb-0"), extra], className="d-flex justify-content-between align-items-center mb-3"
    )
    kwargs = {"id": card_id} if card_id else {}
    return dbc.Card(dbc.CardBody([header, body]), className="mb-4", **kwargs)


def _modal(
    modal_id: str, title: Any, body: list[Any], save_id: str, cancel_id: str, save_text: str, size: str = "lg"
) -> Any:
    title_id = f"{modal_id}-label"
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(title, id=title_id), close_button=False),
            dbc.ModalBody(body),
            dbc.ModalFooter(
                [
                    dbc.Button("Avbryt", id=cancel_id, color="secondary", outline=True),
                    dbc.Button(save_text, id=save_id, color="primary"),
                ]
            ),
        ],
        id=modal_id,
        is_open=False,
        fade=False,
        size=size,
        backdrop="static",
        labelledby=title_id,
    )


def _profile() -> Any:
    edit = dbc.Collapse(
        html.Div(
            [
                html.H3("Endre personopplysninger", className="h6 mt-4"),
                person_fields(EDIT),
                html.Div(id=ids.save_error),
                dbc.Button("Lagre endringer", id=ids.save, color="primary"),
            ]
        ),
        id=ids.edit_collapse,
        is_open=False,
    )
    toggle = dbc.Button("Endre", id=ids.edit_toggle, color="secondary", outline=True, size="sm")
    return _card("Personopplysninger", html.Div([html.Div(id=ids.profile), edit]), extra=toggle)


def _cases() -> Any:
    register = dbc.Button("Registrer som indeks", id=ids.register_index_open, color="primary", size="sm")
    return _card("Saker", html.Div(id=ids.case_list), extra=html.Div(register, id=f"{ids.register_index_open}-wrap"))


def _notes() -> Any:
    form = html.Div(
        [
            html.H3("Nytt notat", className="h6 mt-3"),
            select(ids.note_case, "Sak", ()),
            textarea(ids.note_text, "Notat"),
            html.Div(id=ids.note_error),
            dbc.Button("Legg til notat", id=ids.note_add, color="primary", size="sm"),
        ],
        id=f"{ids.note_add}-form",
    )
    return _card("Notater", html.Div([html.Div(id=ids.notes), form]))


def _index_modal() -> Any:
    body = [
        dbc.Row(
            [
                date_input(ids.index_test_date, "Prøvedato", width=4),
                select(ids.index_method, "Testmetode", options_of(TEST_METHOD_NB), value="PCR", width=4),
                date_input(ids.index_onset, "Symptomdebut", width=4),
            ]
        ),
        html.Div(
            dbc.Checkbox(id=ids.index_asymptomatic, label="Uten symptomer (asymptomatisk)", value=False),
            className="mb-3",
        ),
        dbc.Row(
            [
                text_input(ids.index_infected_where, "Smittet hvor (hvis kjent)", width=6),
                text_input(ids.index_workplace, "Arbeidsplass eller skole", width=6),
            ]
        ),
        dbc.Row(
            [
                text_input(ids.index_risk_group, "Risikogruppe", width=4),
                select(ids.index_org_unit, "Ansvarlig enhet", (), width=4),
                select(ids.index_rule_set, "Regelsett", (), width=4),
            ]
        ),
        html.Div(id=ids.index_error),
    ]
    return _modal(ids.index_modal, "Registrer som indeks", body, ids.index_save, ids.index_cancel, "Lagre")


def _contact_modal() -> Any:
    existing = html.Div(
        [
            dbc.Row(
                [
                    text_input(ids.contact_search_text, "Søk person (navn eller fødselsnummer)", width=8),
                    dbc.Col(dbc.Button("Søk", id=ids.contact_search, color="secondary", className="mt-md-4"), md=4),
                ]
            ),
            select(ids.contact_pick, "Person", (), empty_label="– søk først –"),
        ],
        id=ids.contact_existing,
        hidden=True,
    )
    new = html.Div(
        [
            dbc.Row(
                [
                    text_input(ids.contact_first_name, "Fornavn", width=6),
                    text_input(ids.contact_last_name, "Etternavn", width=6),
                ]
            ),
            dbc.Row(
                [
                    text_input(ids.contact_national_id, "Fødselsnummer eller D-nummer", width=4),
                    date_input(ids.contact_birth_date, "Fødselsdato (uten nummer)", width=4),
                    text_input(ids.contact_phone, "Telefon", type="tel", width=4),
                ]
            ),
        ],
        id=ids.contact_new,
    )
    who = html.Fieldset(
        [
            html.Legend("Nærkontakten er", className="form-label fs-6"),
            dbc.RadioItems(
                id=ids.contact_who,
                options=[
                    {"label": "En ny person", "value": "new"},
                    {"label": "En person som finnes", "value": "existing"},
                ],
                value="new",
                inline=True,
            ),
        ],
        className="mb-3",
    )
    body = [
        who,
        new,
        existing,
        dbc.Row(
            [
                date_input(ids.contact_exposure_date, "Eksponeringsdato", width=4),
                select(
                    ids.contact_setting,
                    "Arena (hvor eksponeringen skjedde)",
                    options_of(EXPOSURE_SETTING_NB),
                    empty_label="– velg –",
                    width=4,
                ),
                select(ids.contact_cluster, "Klynge (valgfritt)", (), empty_label="– ingen –", width=4),
            ]
        ),
        html.Div(id=ids.contact_error),
    ]
    return _modal(ids.contact_modal, "Legg til nærkontakt", body, ids.contact_save, ids.contact_cancel, "Legg til")


def _small_modals() -> list[Any]:
    close = _modal(
        ids.close_modal,
        "Avslutt sak",
        [
            select(ids.close_outcome, "Utfall", options_of(CLOSE_OUTCOMES_NB), value="completed"),
            textarea(ids.close_note, "Notat (valgfritt)"),
            html.Div(id=ids.close_error),
        ],
        ids.close_save,
        ids.close_cancel,
        "Avslutt sak",
        size="md",
    )
    reopen = _modal(
        ids.reopen_modal,
        "Gjenåpne sak",
        [textarea(ids.reopen_note, "Hvorfor gjenåpnes saken? (påkrevd)"), html.Div(id=ids.reopen_error)],
        ids.reopen_save,
        ids.reopen_cancel,
        "Gjenåpne",
        size="md",
    )
    assign = _modal(
        ids.assign_modal,
        "Tildel sak",
        [select(ids.assign_user, "Smittesporer", ()), html.Div(id=ids.assign_error)],
        ids.assign_save,
        ids.assign_cancel,
        "Tildel",
        size="md",
    )
    follow_up = _modal(
        ids.follow_up_modal,
        "Registrer oppfølging",
        [
            html.Fieldset(
                [
                    html.Legend("Utfall", className="form-label fs-6"),
                    dbc.RadioItems(id=ids.follow_up_outcome, options=options_of(FOLLOW_UP_OUTCOME_NB), value="reached"),
                ],
                className="mb-3",
            ),
            textarea(ids.follow_up_note, "Notat (valgfritt)"),
            html.Div(id=ids.follow_up_error),
        ],
        ids.follow_up_save,
        ids.follow_up_cancel,
        "Lagre oppfølging",
        size="md",
    )
    return [close, reopen, assign, follow_up]


def _stores(person_id: str | None) -> list[Any]:
    return [
        dcc.Store(id=ids.person_id, data=int(person_id) if person_id and person_id.isdigit() else None),
        dcc.Store(id=ids.changed, data=0),
        dcc.Store(id=ids.version),
        dcc.Store(id=ids.cases, data={}),
        dcc.Store(id=ids.index_mode, data={"mode": "register"}),
        dcc.Store(id=ids.contact_source),
        dcc.Store(id=ids.close_target),
        dcc.Store(id=ids.reopen_target),
        dcc.Store(id=ids.assign_target),
        dcc.Store(id=ids.follow_up_target),
    ]


@page_layout(CASE_WORK_ROLES)
def layout(person_id: str | None = None, **_query: Any) -> Any:
    content = html.Div(
        [
            dbc.Row(
                [
                    dbc.Col([_profile(), _cases(), _card("Oppfølginger", html.Div(id=ids.follow_ups)), _notes()], xl=7),
                    dbc.Col(
                        [
                            _card("Prøvesvar", html.Div(id=ids.tests)),
                            _card(
                                "Eksponeringer",
                                html.Div(
                                    [
                                        html.H3("Smittet av", className="h6"),
                                        html.Div(id=ids.exposures_in, className="mb-3"),
                                        html.H3("Har eksponert", className="h6"),
                                        html.Div(id=ids.exposures_out),
                                    ]
                                ),
                            ),
                            _card("Klynger", html.Div(id=ids.clusters)),
                            _card("Endringshistorikk", html.Div(id=ids.history)),
                        ],
                        xl=5,
                    ),
                ]
            ),
        ],
        id=ids.content,
        hidden=True,
    )
    stale = dbc.Alert(
        [
            html.P(id=ids.stale_message, className="mb-2"),
            dbc.Button("Last inn på nytt", id=ids.reload, color="primary", size="sm"),
        ],
        id=ids.stale,
        color="warning",
        is_open=False,
    )
    return html.Div(
        [
            *_stores(person_id),
            html.H1("Person", id=ids.heading, className="h3"),
            html.Div(id=ids.denied),
            stale,
            html.Div(id=ids.feedback),
            content,
            _index_modal(),
            _contact_modal(),
            *_small_modals(),
        ]
    )
