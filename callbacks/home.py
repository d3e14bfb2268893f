"""Oversikt: fills the counts for the user's org unit."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, no_update
from dash.exceptions import PreventUpdate

from auth.web import current_actor, store
from components.format import date_nb, number_nb
from components.shell import ids as shell_ids
from data.clock import today_oslo
from pages.home import ids
from tracing.errors import DomainError
from tracing.overview import unit_today

OUTPUTS = (
    ids.unit,
    ids.date,
    ids.active_index_cases,
    ids.active_contacts,
    ids.follow_ups_due_today,
    ids.follow_ups_overdue,
    ids.error,
)


def fill_counts(pathname: str | None) -> tuple[Any, ...]:
    if pathname != "/":
        raise PreventUpdate
    actor = current_actor()
    if actor is None:
        raise PreventUpdate
    try:
        with store().session() as session:
            view = unit_today(session, actor, today_oslo())
    except DomainError as error:
        return (no_update,) * 6 + (dbc.Alert(error.message_nb, color="warning"),)
    c = view.counts
    return (
        f"– {view.org_unit_name}",
        f"I dag {date_nb(view.today)}",
        number_nb(c.active_index_cases),
        number_nb(c.active_contacts),
        number_nb(c.follow_ups_due_today),
        number_nb(c.follow_ups_overdue),
        None,
    )


def register(app: Dash) -> None:
    app.callback([Output(i, "children") for i in OUTPUTS], Input(shell_ids.url, "pathname"))(fill_counts)
