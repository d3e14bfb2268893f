"""Klynger: the clusters (events and places) in the user's org units, and the form to register a new one."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from auth.roles import CASE_WORK_ROLES
from components.access import page_layout
from components.forms import date_input, options_of, select, text_input, textarea
from tracing.vocabulary import CLUSTER_KIND_NB

dash.register_page(
    __name__, path="/klynger", name="Klynger", title="Klynger – Smittespor", roles=CASE_WORK_ROLES, nav_order=20
)


class ids:
    table = "clusters-table"
    name = "clusters-new-name"
    kind = "clusters-new-kind"
    org_unit = "clusters-new-org-unit"
    address = "clusters-new-address"
    start_date = "clusters-new-start-date"
    end_date = "clusters-new-end-date"
    description = "clusters-new-description"
    create_button = "clusters-create-button"
    create_feedback = "clusters-create-feedback"
    redirect = "clusters-redirect"


def _form() -> Any:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Ny klynge", className="h5 card-title"),
                dbc.Row(
                    [
                        text_input(ids.name, "Navn", width=6),
                        select(ids.kind, "Type", options_of(CLUSTER_KIND_NB), empty_label="– velg type –", width=3),
                        select(ids.org_unit, "Organisasjonsenhet", (), width=3),
                    ]
                ),
                dbc.Row(
                    [
                        text_input(ids.address, "Adresse", width=6),
                        date_input(ids.start_date, "Startdato", width=3),
                        date_input(ids.end_date, "Sluttdato", width=3),
                    ]
                ),
                textarea(ids.description, "Beskrivelse"),
                html.Div(id=ids.create_feedback),
                dbc.Button("Opprett klynge", id=ids.create_button, color="primary"),
            ]
        ),
        className="mb-4",
    )


@page_layout(CASE_WORK_ROLES)
def layout(**_query: Any) -> Any:
    return html.Div(
        [
            dcc.Location(id=ids.redirect, refresh="callback-nav"),
            html.H1("Klynger", className="h3"),
            html.P("Hendelser og steder der flere indekser og nærkontakter har vært.", className="text-body-secondary"),
            html.Div(id=ids.table, className="mb-4"),
            _form(),
        ]
    )
