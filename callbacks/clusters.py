"""Klynger: the list of clusters in scope, and creating one (then opening its page)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.format import date_nb
from components.forms import (
    case_unit_options,
    clean,
    default_unit,
    error_alert,
    in_session,
    parse_date_nb,
    parse_id,
    require_text,
    unit_name,
)
from components.shell import ids as shell_ids
from pages.clusters import ids
from tracing.clusters import ClusterInput, create_cluster, list_clusters
from tracing.errors import DomainError
from tracing.vocabulary import CLUSTER_KIND_NB

HEADERS = ("Navn", "Type", "Organisasjonsenhet", "Periode", "Deltakere", "Handling")


def period(start: Any, end: Any) -> str:
    if not start and not end:
        return "–"
    return f"{date_nb(start) or '…'} – {date_nb(end) or '…'}"


def cluster_table(rows: list[tuple[Any, int, str]]) -> Any:
    """(cluster, member count, org unit name) rows as a table, newest first as given."""
    if not rows:
        return html.P("Ingen klynger registrert i dine enheter.", className="text-body-secondary", id="clusters-empty")
    body = [
        html.Tr(
            [
                html.Td(c.name),
                html.Td(CLUSTER_KIND_NB.get(c.kind, c.kind)),
                html.Td(unit),
                html.Td(period(c.start_date, c.end_date)),
                html.Td(str(count)),
                html.Td(
                    dcc.Link(
                        ["Åpne", html.Span(f" {c.name}", className="visually-hidden")],
                        href=f"/klynge/{c.id}",
                        id=f"clusters-open-{c.id}",
                    )
                ),
            ]
        )
        for c, count, unit in rows
    ]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h, scope="col") for h in HEADERS])), html.Tbody(body)],
        striped=True,
        hover=True,
        responsive=True,
    )


def fill(pathname: str | None, _changed: Any = None) -> tuple[Any, Any, Any]:
    if pathname != "/klynger":
        raise PreventUpdate

    def work(session: Any, actor: Any) -> tuple[Any, Any, Any]:
        rows = [(c, n, unit_name(session, c.org_unit_id)) for c, n in list_clusters(session, actor)]
        options = case_unit_options(session, actor)
        return cluster_table(rows), options, default_unit(actor, options)

    try:
        return in_session(work)
    except DomainError as error:
        return error_alert(error), [], None


def create(
    _clicks: int | None, name: Any, kind: Any, unit: Any, address: Any, start: Any, end: Any, description: Any
) -> tuple[Any, Any]:
    if not _clicks:
        raise PreventUpdate
    try:
        data = ClusterInput(
            name=require_text(name, "navn"),
            kind=require_text(kind, "type"),
            org_unit_id=parse_id(unit, "organisasjonsenhet"),  # type: ignore[arg-type]
            address=clean(address),
            start_date=parse_date_nb(start, "startdato"),
            end_date=parse_date_nb(end, "sluttdato"),
            description=clean(description),
        )
        cluster_id = in_session(lambda s, a: create_cluster(s, a, data).id)
    except DomainError as error:
        return error_alert(error), no_update
    return None, f"/klynge/{cluster_id}"


def register(app: Dash) -> None:
    app.callback(
        Output(ids.table, "children"),
        Output(ids.org_unit, "options"),
        Output(ids.org_unit, "value"),
        Input(shell_ids.url, "pathname"),
    )(fill)
    app.callback(
        Output(ids.create_feedback, "children"),
        Output(ids.redirect, "href"),
        Input(ids.create_button, "n_clicks"),
        State(ids.name, "value"),
        State(ids.kind, "value"),
        State(ids.org_unit, "value"),
        State(ids.address, "value"),
        State(ids.start_date, "value"),
        State(ids.end_date, "value"),
        State(ids.description, "value"),
        prevent_initial_call=True,
    )(create)
