"""The person page (enrollment dashboard): one audited load, and one thin callback per action.

Every action runs one domain call (or two in one unit of work: create a new contact, then add them), then bumps
``ids.changed`` so the loader reads the record again. A stale version closes the form and shows the reload box.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from components.forms import (
    NONE,
    case_unit_options,
    clean,
    default_unit,
    error_alert,
    in_session,
    list_cluster_options,
    parse_date_nb,
    parse_id,
    require_text,
    success_alert,
    with_empty,
)
from components.person_card import (
    ACTIONS,
    cases_section,
    clusters_section,
    exposures_section,
    follow_ups_section,
    history_section,
    note_case_options,
    notes_section,
    person_input,
    person_values,
    profile_summary,
    tests_section,
    user_names,
)
from data.clock import today_oslo
from data.national_id import NationalIdError
from pages.person import ids
from tracing.cases import (
    ContactInput,
    IndexInput,
    add_contact,
    assign_case,
    assignable_users,
    close_case,
    convert_to_index,
    register_index,
    reopen_case,
)
from tracing.errors import DomainError, StaleVersion
from tracing.followups import add_note, record_follow_up
from tracing.persons import PersonInput, create_person, lookup_national_id, read_person, search_persons, update_person
from tracing.rules import DEFAULT_RULE_SET, RULE_SETS

DOMAIN_ERRORS = (DomainError, NationalIdError)
# The change history lists what was done to the record; each view of the person or a case is audited too, but is
# not a change (look-ups by number stay: someone searched for this person).
HIDDEN_HISTORY = frozenset({"person_viewed", "case_viewed"})


# --- loading --------------------------------------------------------------------------------------------------------


def shape_record(session: Any, record: Any) -> dict[str, Any]:
    """A PersonRecord as the page's output values (run inside the session: it reads related rows)."""
    person, cases = record.person, record.cases
    names = user_names(session, [c.assigned_to_id for c in cases] + [n.author_id for n in record.notes])
    by_id = {c.id: c for c in cases}
    note_options, note_value = note_case_options(cases)
    # An active contact who tests positive is converted (one history), not registered a second time.
    has_active_case = any(c.status == "active" for c in cases)
    return {
        "heading": person.full_name,
        "profile": profile_summary(person),
        "version": person.version,
        "cases_store": {str(c.id): {"version": c.version, "org_unit_id": c.org_unit_id, "kind": c.kind} for c in cases},
        "register_hidden": has_active_case,
        "cases": cases_section(cases, names),
        "follow_ups": follow_ups_section(record.follow_ups, by_id, today_oslo()),
        "notes": notes_section(record.notes, by_id, names),
        "note_options": note_options,
        "note_value": note_value,
        "note_hidden": not cases,
        "tests": tests_section(record.test_results),
        "exposures_in": exposures_section(record.exposures_in, "Ingen kjent smittekilde."),
        "exposures_out": exposures_section(record.exposures_out, "Ingen registrerte nærkontakter."),
        "clusters": clusters_section(record.clusters),
        "history": history_section([e for e in record.history if e.action not in HIDDEN_HISTORY]),
        "fields": person_values(person),
    }


LOAD_OUTPUTS: dict[str, Output] = {
    "heading": Output(ids.heading, "children"),
    "denied": Output(ids.denied, "children"),
    "content_hidden": Output(ids.content, "hidden"),
    "stale_open": Output(ids.stale, "is_open"),
    "profile": Output(ids.profile, "children"),
    "version": Output(ids.version, "data"),
    "cases_store": Output(ids.cases, "data"),
    "register_hidden": Output(f"{ids.register_index_open}-wrap", "hidden"),
    "cases": Output(ids.case_list, "children"),
    "follow_ups": Output(ids.follow_ups, "children"),
    "notes": Output(ids.notes, "children"),
    "note_options": Output(ids.note_case, "options"),
    "note_value": Output(ids.note_case, "value"),
    "note_hidden": Output(f"{ids.note_add}-form", "hidden"),
    "tests": Output(ids.tests, "children"),
    "exposures_in": Output(ids.exposures_in, "children"),
    "exposures_out": Output(ids.exposures_out, "children"),
    "clusters": Output(ids.clusters, "children"),
    "history": Output(ids.history, "children"),
    "fields": [Output(i, "value") for i in ids.edit_fields],
}


def load(person_id: int | None, _changed: Any, _reload: Any) -> dict[str, Any]:
    """Read the person once (audited) and fill every section; a refusal shows "Ingen tilgang" and nothing else."""
    nothing = {key: no_update for key in LOAD_OUTPUTS} | {"fields": [no_update] * len(ids.edit_fields)}
    if person_id is None:
        return nothing | {"heading": "Fant ikke personen", "content_hidden": True, "denied": None, "stale_open": False}
    try:
        shaped = in_session(lambda s, a: shape_record(s, read_person(s, a, person_id)))
    except DomainError as error:
        return nothing | {
            "heading": "Ingen tilgang",
            "denied": error_alert(error, id="person-refused"),
            "content_hidden": True,
            "stale_open": False,
        }
    return shaped | {"denied": None, "content_hidden": False, "stale_open": False}


# --- shared action plumbing -------------------------------------------------------------------------------------


def clicked() -> Any:
    """The id of the button that really was clicked (not one that merely appeared when the lists re-rendered)."""
    if not ctx.triggered or not any(t.get("value") for t in ctx.triggered):
        raise PreventUpdate
    return ctx.triggered_id


def run_action(work: Callable[[Any, Any], Any], done_text: str) -> tuple[Any, ...]:
    """Run a domain action; returns (form error, form open, changed, feedback, stale open, stale message)."""
    try:
        in_session(work)
    except StaleVersion as error:
        return None, False, no_update, None, True, error.message_nb
    except DOMAIN_ERRORS as error:
        return error_alert(error), no_update, no_update, no_update, no_update, no_update
    return None, False, uuid.uuid4().hex, success_alert(done_text, id="person-done"), False, no_update


def action_outputs(error_id: str, open_id: str, open_prop: str = "is_open") -> list[Output]:
    return [
        Output(error_id, "children", allow_duplicate=True),
        Output(open_id, open_prop, allow_duplicate=True),
        Output(ids.changed, "data", allow_duplicate=True),
        Output(ids.feedback, "children", allow_duplicate=True),
        Output(ids.stale, "is_open", allow_duplicate=True),
        Output(ids.stale_message, "children", allow_duplicate=True),
    ]


def version_of(cases: dict[str, Any] | None, case_id: int) -> int | None:
    entry = (cases or {}).get(str(case_id))
    return entry["version"] if entry else None


# --- profile ----------------------------------------------------------------------------------------------------


def toggle_edit(_clicks: int | None, is_open: bool | None) -> bool:
    return not is_open


def save_profile(_clicks: int | None, person_id: int, version: int | None, *values: Any) -> tuple[Any, ...]:
    if not _clicks:
        raise PreventUpdate
    try:
        data = person_input(values)
    except DOMAIN_ERRORS as error:
        return error_alert(error), no_update, no_update, no_update, no_update, no_update
    return run_action(
        lambda s, a: update_person(s, a, person_id, data, expected_version=version), "Personopplysningene er lagret."
    )


# --- index: register and convert --------------------------------------------------------------------------------


def open_index(_register: Any, _convert: Any, _cancel: Any, cases: dict[str, Any] | None) -> tuple[Any, ...]:
    trigger = clicked()
    if trigger == ids.index_cancel:
        return False, no_update, no_update, no_update, no_update, no_update, no_update, None
    convert_id = trigger["index"] if isinstance(trigger, dict) else None
    mode = {"mode": "convert", "case_id": convert_id} if convert_id else {"mode": "register"}
    title = "Konverter nærkontakt til indeks" if convert_id else "Registrer som indeks"

    def work(session: Any, actor: Any) -> tuple[Any, Any]:
        options = case_unit_options(session, actor)
        case_unit = ((cases or {}).get(str(convert_id)) or {}).get("org_unit_id") if convert_id else None
        return options, str(case_unit) if case_unit else default_unit(actor, options)

    unit_options, unit_value = in_session(work)
    rules = [{"label": r.name_nb, "value": code} for code, r in RULE_SETS.items()]
    return True, mode, title, unit_options, unit_value, rules, DEFAULT_RULE_SET, None


def index_input(person_id: int, values: tuple[Any, ...]) -> IndexInput:
    test_date, method, onset, asymptomatic, where, workplace, risk, unit, rules = values
    return IndexInput(
        person_id=person_id,
        org_unit_id=parse_id(unit, "ansvarlig enhet"),  # type: ignore[arg-type]
        test_date=parse_date_nb(test_date, "prøvedato", required=True),  # type: ignore[arg-type]
        test_method=require_text(method, "testmetode"),
        symptom_onset=None if asymptomatic else parse_date_nb(onset, "symptomdebut"),
        asymptomatic=bool(asymptomatic),
        infected_where=clean(where),
        workplace_or_school=clean(workplace),
        risk_group=clean(risk),
        rule_set=clean(rules),
    )


def save_index(
    _clicks: int | None, person_id: int, mode: dict[str, Any], cases: dict[str, Any] | None, *values: Any
) -> tuple[Any, ...]:
    if not _clicks:
        raise PreventUpdate
    try:
        data = index_input(person_id, values)
    except DOMAIN_ERRORS as error:
        return error_alert(error), no_update, no_update, no_update, no_update, no_update
    if (mode or {}).get("mode") != "convert":
        return run_action(lambda s, a: register_index(s, a, data), "Personen er registrert som indeks.")
    case_id = mode["case_id"]
    version = version_of(cases, case_id)
    return run_action(
        lambda s, a: convert_to_index(s, a, case_id, data, expected_version=version),  # type: ignore[arg-type]
        "Nærkontakten er konvertert til indeks.",
    )


# --- close contacts ---------------------------------------------------------------------------------------------


CONTACT_RESET = (
    ids.contact_search_text,
    ids.contact_pick,
    ids.contact_first_name,
    ids.contact_last_name,
    ids.contact_national_id,
    ids.contact_birth_date,
    ids.contact_phone,
)


def open_contact(_add: Any, _cancel: Any) -> tuple[Any, ...]:
    """Open the contact form for the clicked index case, with the person fields emptied; Avbryt closes it."""
    trigger = clicked()
    if trigger == ids.contact_cancel:
        return (False, no_update, no_update, None) + (no_update,) * len(CONTACT_RESET)
    return (True, trigger["index"], in_session(list_cluster_options), None) + tuple(
        NONE if i == ids.contact_pick else "" for i in CONTACT_RESET
    )


def toggle_who(who: str | None) -> tuple[bool, bool]:
    """(new person fields hidden, search fields hidden)."""
    return who == "existing", who != "existing"


def search_contact(_clicks: int | None, text: str | None) -> tuple[Any, Any]:
    query, compact = (text or "").strip(), "".join((text or "").split())
    if not query:
        raise PreventUpdate
    try:
        if compact.isdigit() and len(compact) == 11:
            found = in_session(lambda s, a: lookup_national_id(s, a, compact))
            if found.found and not found.in_scope:
                raise DomainError(
                    "person",
                    f"Personen er registrert i {found.responsible_kommune or 'en annen kommune'}. Ta kontakt med kommunen.",
                )
            hits = [(found.person_id, found.full_name)] if found.person_id else []
        else:
            hits = in_session(
                lambda s, a: [(h.person_id, h.full_name) for h in search_persons(s, a, query) if h.in_scope]
            )
    except DOMAIN_ERRORS as error:
        return with_empty([], "– ingen treff –"), error_alert(error)
    if not hits:
        return with_empty([], "– ingen treff –"), error_alert(DomainError("søk", "Ingen treff."))
    return with_empty([{"label": name, "value": str(pid)} for pid, name in hits], "– velg person –"), None


def contact_person(session: Any, actor: Any, who: str, pick: Any, new: PersonInput) -> int:
    if who == "existing":
        return parse_id(pick, "person")  # type: ignore[return-value]
    return create_person(session, actor, new).id


def save_contact(
    _clicks: int | None,
    source: int | None,
    cases: dict[str, Any] | None,
    who: str,
    pick: Any,
    first: Any,
    last: Any,
    number: Any,
    birth: Any,
    phone: Any,
    exposure: Any,
    setting: Any,
    cluster: Any,
) -> tuple[Any, ...]:
    if not _clicks:
        raise PreventUpdate
    try:
        new = PersonInput(
            first_name=clean(first) or "",
            last_name=clean(last) or "",
            national_id="".join((number or "").split()) or None,
            birth_date=parse_date_nb(birth, "fødselsdato"),
            phone=clean(phone),
            home_org_unit_id=((cases or {}).get(str(source)) or {}).get("org_unit_id"),
        )
        exposure_date = parse_date_nb(exposure, "eksponeringsdato", required=True)
        setting_code, cluster_id = require_text(setting, "arena"), parse_id(cluster, "klynge", required=False)
    except DOMAIN_ERRORS as error:
        return error_alert(error), no_update, no_update, no_update, no_update, no_update

    def work(session: Any, actor: Any) -> Any:
        person_id = contact_person(session, actor, who, pick, new)
        data = ContactInput(source, person_id, exposure_date, setting_code, cluster_id)  # type: ignore[arg-type]
        return add_contact(session, actor, data)

    return run_action(work, "Nærkontakten er lagt til.")


# --- close, reopen, assign, follow-up, note ---------------------------------------------------------------------


def open_simple(_open: Any, _cancel: Any, reset_to: str = "") -> tuple[Any, Any, Any, Any]:
    """Open a small form for the clicked row (its id goes to the target store, its field is emptied to
    ``reset_to``); Avbryt closes it."""
    trigger = clicked()
    if isinstance(trigger, dict):
        return True, trigger["index"], None, reset_to
    return False, no_update, None, no_update


def save_close(_clicks: int | None, case_id: int, cases: Any, outcome: Any, note: Any) -> tuple[Any, ...]:
    if not _clicks:
        raise PreventUpdate
    version = version_of(cases, case_id)
    return run_action(
        lambda s, a: close_case(s, a, case_id, clean(outcome) or "", version, note=clean(note)),  # type: ignore[arg-type]
        "Saken er avsluttet.",
    )


def save_reopen(_clicks: int | None, case_id: int, cases: Any, note: Any) -> tuple[Any, ...]:
    if not _clicks:
        raise PreventUpdate
    version = version_of(cases, case_id)
    return run_action(
        lambda s, a: reopen_case(s, a, case_id, clean(note) or "", version), "Saken er gjenåpnet."  # type: ignore[arg-type]
    )


def fill_assignees(case_id: int | None, cases: dict[str, Any] | None) -> Any:
    unit_id = ((cases or {}).get(str(case_id)) or {}).get("org_unit_id")
    if unit_id is None:
        raise PreventUpdate
    users = in_session(lambda s, a: assignable_users(s, a, unit_id))
    return with_empty([{"label": name, "value": str(uid)} for uid, name in users], "– ingen (fjern tildeling) –")


def save_assign(_clicks: int | None, case_id: int, cases: Any, user: Any) -> tuple[Any, ...]:
    if not _clicks:
        raise PreventUpdate
    try:
        user_id = parse_id(user, "smittesporer", required=False)
    except DOMAIN_ERRORS as error:
        return error_alert(error), no_update, no_update, no_update, no_update, no_update
    return run_action(lambda s, a: assign_case(s, a, case_id, user_id, version_of(cases, case_id)), "Saken er tildelt.")


def save_follow_up(_clicks: int | None, follow_up_id: int, outcome: Any, note: Any) -> tuple[Any, ...]:
    if not _clicks:
        raise PreventUpdate
    return run_action(
        lambda s, a: record_follow_up(s, a, follow_up_id, clean(outcome) or "", note=clean(note)),
        "Oppfølgingen er registrert.",
    )


def save_note(_clicks: int | None, case: Any, text: Any) -> tuple[Any, ...]:
    if not _clicks:
        raise PreventUpdate
    try:
        case_id = parse_id(case, "sak")
    except DOMAIN_ERRORS as error:
        return error_alert(error), no_update, no_update, no_update, no_update, no_update
    error, _open, changed, *rest = run_action(
        lambda s, a: add_note(s, a, case_id, text or ""), "Notatet er lagt til."  # type: ignore[arg-type]
    )
    return (error, "" if changed is not no_update else no_update, changed, *rest)  # an added note empties the box


# --- wiring -----------------------------------------------------------------------------------------------------


def _simple_modal(app: Dash, action: str, modal: str, target: str, cancel: str, error: str, reset: str) -> None:
    reset_to = NONE if reset == ids.assign_user else ""  # a select's "no choice", or an empty text box
    app.callback(
        Output(modal, "is_open"),
        Output(target, "data"),
        Output(error, "children"),
        Output(reset, "value"),
        Input({"type": action, "index": ALL}, "n_clicks"),
        Input(cancel, "n_clicks"),
        prevent_initial_call=True,
    )(lambda opened, cancelled: open_simple(opened, cancelled, reset_to))


def register(app: Dash) -> None:
    for part in (_register_profile, _register_index, _register_contact, _register_row_actions):
        part(app)


def _register_profile(app: Dash) -> None:
    app.callback(
        output=LOAD_OUTPUTS,
        inputs=[Input(ids.person_id, "data"), Input(ids.changed, "data"), Input(ids.reload, "n_clicks")],
    )(load)
    app.callback(
        Output(ids.edit_collapse, "is_open"),
        Input(ids.edit_toggle, "n_clicks"),
        State(ids.edit_collapse, "is_open"),
        prevent_initial_call=True,
    )(toggle_edit)
    app.callback(
        *action_outputs(ids.save_error, ids.edit_collapse),
        Input(ids.save, "n_clicks"),
        State(ids.person_id, "data"),
        State(ids.version, "data"),
        *[State(i, "value") for i in ids.edit_fields],
        prevent_initial_call=True,
    )(save_profile)


def _register_index(app: Dash) -> None:
    app.callback(
        Output(ids.index_modal, "is_open"),
        Output(ids.index_mode, "data"),
        Output(f"{ids.index_modal}-label", "children"),
        Output(ids.index_org_unit, "options"),
        Output(ids.index_org_unit, "value"),
        Output(ids.index_rule_set, "options"),
        Output(ids.index_rule_set, "value"),
        Output(ids.index_error, "children"),
        Input(ids.register_index_open, "n_clicks"),
        Input({"type": ACTIONS.convert, "index": ALL}, "n_clicks"),
        Input(ids.index_cancel, "n_clicks"),
        State(ids.cases, "data"),
        prevent_initial_call=True,
    )(open_index)
    index_fields = (
        ids.index_test_date,
        ids.index_method,
        ids.index_onset,
        ids.index_asymptomatic,
        ids.index_infected_where,
        ids.index_workplace,
        ids.index_risk_group,
        ids.index_org_unit,
        ids.index_rule_set,
    )
    app.callback(
        *action_outputs(ids.index_error, ids.index_modal),
        Input(ids.index_save, "n_clicks"),
        State(ids.person_id, "data"),
        State(ids.index_mode, "data"),
        State(ids.cases, "data"),
        *[State(i, "value") for i in index_fields],
        prevent_initial_call=True,
    )(save_index)


def _register_contact(app: Dash) -> None:
    app.callback(
        Output(ids.contact_modal, "is_open"),
        Output(ids.contact_source, "data"),
        Output(ids.contact_cluster, "options"),
        Output(ids.contact_error, "children"),
        *[Output(i, "value") for i in CONTACT_RESET],
        Input({"type": ACTIONS.add_contact, "index": ALL}, "n_clicks"),
        Input(ids.contact_cancel, "n_clicks"),
        prevent_initial_call=True,
    )(open_contact)
    app.callback(
        Output(ids.contact_new, "hidden"), Output(ids.contact_existing, "hidden"), Input(ids.contact_who, "value")
    )(toggle_who)
    app.callback(
        Output(ids.contact_pick, "options"),
        Output(ids.contact_error, "children", allow_duplicate=True),
        Input(ids.contact_search, "n_clicks"),
        State(ids.contact_search_text, "value"),
        prevent_initial_call=True,
    )(search_contact)
    contact_fields = (
        ids.contact_who,
        ids.contact_pick,
        ids.contact_first_name,
        ids.contact_last_name,
        ids.contact_national_id,
        ids.contact_birth_date,
        ids.contact_phone,
        ids.contact_exposure_date,
        ids.contact_setting,
        ids.contact_cluster,
    )
    app.callback(
        *action_outputs(ids.contact_error, ids.contact_modal),
        Input(ids.contact_save, "n_clicks"),
        State(ids.contact_source, "data"),
        State(ids.cases, "data"),
        *[State(i, "value") for i in contact_fields],
        prevent_initial_call=True,
    )(save_contact)


def _register_row_actions(app: Dash) -> None:
    """Close, reopen, assign and follow-up open from a row's button; notes are added below the list."""
    _simple_modal(
        app, ACTIONS.close, ids.close_modal, ids.close_target, ids.close_cancel, ids.close_error, ids.close_note
    )
    app.callback(
        *action_outputs(ids.close_error, ids.close_modal),
        Input(ids.close_save, "n_clicks"),
        State(ids.close_target, "data"),
        State(ids.cases, "data"),
        State(ids.close_outcome, "value"),
        State(ids.close_note, "value"),
        prevent_initial_call=True,
    )(save_close)
    _simple_modal(
        app, ACTIONS.reopen, ids.reopen_modal, ids.reopen_target, ids.reopen_cancel, ids.reopen_error, ids.reopen_note
    )
    app.callback(
        *action_outputs(ids.reopen_error, ids.reopen_modal),
        Input(ids.reopen_save, "n_clicks"),
        State(ids.reopen_target, "data"),
        State(ids.cases, "data"),
        State(ids.reopen_note, "value"),
        prevent_initial_call=True,
    )(save_reopen)
    _simple_modal(
        app, ACTIONS.assign, ids.assign_modal, ids.assign_target, ids.assign_cancel, ids.assign_error, ids.assign_user
    )
    app.callback(
        Output(ids.assign_user, "options"),
        Input(ids.assign_target, "data"),
        State(ids.cases, "data"),
        prevent_initial_call=True,
    )(fill_assignees)
    app.callback(
        *action_outputs(ids.assign_error, ids.assign_modal),
        Input(ids.assign_save, "n_clicks"),
        State(ids.assign_target, "data"),
        State(ids.cases, "data"),
        State(ids.assign_user, "value"),
        prevent_initial_call=True,
    )(save_assign)
    _simple_modal(
        app,
        ACTIONS.follow_up,
        ids.follow_up_modal,
        ids.follow_up_target,
        ids.follow_up_cancel,
        ids.follow_up_error,
        ids.follow_up_note,
    )
    app.callback(
        *action_outputs(ids.follow_up_error, ids.follow_up_modal),
        Input(ids.follow_up_save, "n_clicks"),
        State(ids.follow_up_target, "data"),
        State(ids.follow_up_outcome, "value"),
        State(ids.follow_up_note, "value"),
        prevent_initial_call=True,
    )(save_follow_up)
    app.callback(
        *action_outputs(ids.note_error, ids.note_text, "value"),
        Input(ids.note_add, "n_clicks"),
        State(ids.note_case, "value"),
        State(ids.note_text, "value"),
        prevent_initial_call=True,
    )(save_note)
