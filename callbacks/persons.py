"""Personer: search (name in scope, or a national look-up by number), create with duplicate check."""

from __future__ import annotations

import re
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.format import date_nb
from components.forms import default_unit, error_alert, in_session, kommune_options, parse_date_nb, with_empty
from components.person_card import person_input
from components.shell import ids as shell_ids
from data.national_id import NationalIdError
from pages.persons import ids
from tracing.errors import DomainError
from tracing.persons import create_person, find_duplicates, lookup_national_id, search_persons

ELEVEN_DIGITS = re.compile(r"^\d{11}$")
NO_HITS = "Ingen treff."


def _compact(text: str | None) -> str:
    return "".join((text or "").split())


def open_link(person_id: int, name: str, text: str = "Åpne", link_id: str | None = None) -> Any:
    """A button-styled link to the person page; the name is in it for screen readers ("Åpne Kari Nordmann")."""
    kwargs = {"id": link_id} if link_id else {}
    return dcc.Link(
        [text, html.Span(f" {name}", className="visually-hidden")],
        href=f"/person/{person_id}",
        className="btn btn-sm btn-outline-primary",
        **kwargs,
    )


def hit_item(hit: Any, open_text: str = "Åpne") -> Any:
    """One search hit or duplicate: name, birth date, masked number, home kommune, and "Åpne" when in scope."""
    details = " · ".join(
        x for x in (date_nb(hit.birth_date), hit.masked_national_id or "", hit.home_org_unit_name or "") if x
    )
    action = (
        open_link(hit.person_id, hit.full_name, open_text, f"persons-open-{hit.person_id}")
        if hit.in_scope
        else html.Span("Utenfor dine enheter", className="text-body-secondary small")
    )
    return dbc.ListGroupItem(
        html.Div(
            [html.Div([html.Strong(hit.full_name), html.Div(details, className="small text-body-secondary")]), action],
            className="d-flex justify-content-between align-items-center",
        ),
        className="person-hit",
    )


def lookup_item(found: Any) -> Any:
    """A national look-up: in scope -> openable; elsewhere -> name, birth year and where the person belongs."""
    if not found.found:
        return html.P(NO_HITS, className="mb-0 mt-3", id="persons-no-hits")
    if found.in_scope and found.person_id is not None:
        link = open_link(found.person_id, found.full_name or "", link_id=f"persons-open-{found.person_id}")
        body = [
            html.Div([html.Strong(found.full_name), html.Div(f"Født {found.birth_year or '–'}", className="small")]),
            link,
        ]
    else:
        body = [
            html.Div(
                [
                    html.Strong(found.full_name),
                    html.Div(f"Født {found.birth_year or '–'}", className="small"),
                    html.Div(f"Registrert i {found.responsible_kommune or 'ukjent kommune'}", className="small"),
                ]
            ),
            html.Span("Du har ikke tilgang til å åpne personen.", className="text-body-secondary small"),
        ]
    item = dbc.ListGroupItem(
        html.Div(body, className="d-flex justify-content-between align-items-center"), className="person-hit"
    )
    return dbc.ListGroup([item], className="mt-3")


def hits_list(hits: list[Any], open_text: str = "Åpne") -> Any:
    if not hits:
        return html.P(NO_HITS, className="mb-0 mt-3", id="persons-no-hits")
    return dbc.ListGroup([hit_item(h, open_text) for h in hits], className="mt-3")


def search(_clicks: int | None, text: str | None, birth: str | None) -> Any:
    query = (text or "").strip()
    if not query:
        raise PreventUpdate
    try:
        birth_date = parse_date_nb(birth, "fødselsdato")
        if ELEVEN_DIGITS.match(_compact(query)):
            return in_session(lambda s, a: lookup_item(lookup_national_id(s, a, _compact(query))))
        return in_session(lambda s, a: hits_list(search_persons(s, a, query, birth_date)))
    except (DomainError, NationalIdError) as error:
        return error_alert(error)


def fill_home_units(pathname: str | None) -> tuple[Any, Any]:
    if pathname != "/personer":
        raise PreventUpdate

    def work(session: Any, actor: Any) -> tuple[Any, Any]:
        options = kommune_options(session, actor)
        return with_empty(options, "– ingen valgt –"), default_unit(actor, options)

    return in_session(work)


def create(_clicks: int | None, *values: Any) -> tuple[Any, bool, Any, Any]:
    """Check for duplicates first; create only when there are none. Returns feedback, duplicates hidden, list, href."""
    if not _clicks:
        raise PreventUpdate
    try:
        data = person_input(values)

        def work(session: Any, actor: Any) -> tuple[list[Any], int | None]:
            duplicates = find_duplicates(session, actor, data)
            return (duplicates, None) if duplicates else ([], create_person(session, actor, data).id)

        duplicates, person_id = in_session(work)
    except (DomainError, NationalIdError) as error:
        return error_alert(error), True, no_update, no_update
    if duplicates:
        return None, False, hits_list(duplicates, "Åpne eksisterende"), no_update
    return None, True, None, f"/person/{person_id}"


def create_anyway(_clicks: int | None, reason: str | None, *values: Any) -> tuple[Any, Any]:
    if not _clicks:
        raise PreventUpdate
    try:
        why = (reason or "").strip()
        if not why:
            raise DomainError("begrunnelse", "Skriv hvorfor personen opprettes selv om det finnes mulige duplikater.")
        data = person_input(values)
        person_id = in_session(lambda s, a: create_person(s, a, data, duplicate_reason=why).id)
    except (DomainError, NationalIdError) as error:
        return error_alert(error), no_update
    return None, f"/person/{person_id}"


def register(app: Dash) -> None:
    app.callback(
        Output(ids.search_results, "children"),
        Input(ids.search_button, "n_clicks"),
        State(ids.search_text, "value"),
        State(ids.search_birth_date, "value"),
        prevent_initial_call=True,
    )(search)
    app.callback(
        Output(ids.home_unit, "options"),
        Output(ids.home_unit, "value"),
        Input(shell_ids.url, "pathname"),
    )(fill_home_units)
    field_states = [State(i, "value") for i in ids.new_fields]
    app.callback(
        Output(ids.create_feedback, "children"),
        Output(ids.duplicates, "hidden"),
        Output(ids.duplicate_list, "children"),
        Output(ids.redirect, "href"),
        Input(ids.create_button, "n_clicks"),
        *field_states,
        prevent_initial_call=True,
    )(create)
    app.callback(
        Output(ids.create_feedback, "children", allow_duplicate=True),
        Output(ids.redirect, "href", allow_duplicate=True),
        Input(ids.create_anyway, "n_clicks"),
        State(ids.duplicate_reason, "value"),
        *field_states,
        prevent_initial_call=True,
    )(create_anyway)
