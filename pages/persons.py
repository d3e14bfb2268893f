"""Personer: search before create. One search field (name, or an 11-digit fødselsnummer/D-nummer for the
national look-up), then the "Ny person" form, which shows possible duplicates before it creates anyone."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from auth.roles import CASE_WORK_ROLES
from components.access import page_layout
from components.forms import date_input, text_input, textarea
from components.person_card import person_field_ids, person_fields

dash.register_page(
    __name__, path="/personer", name="Personer", title="Personer – Smittespor", roles=CASE_WORK_ROLES, nav_order=5
)

NEW = "persons-new"


class ids:
    search_text = "persons-search-text"
    search_birth_date = "persons-search-birth-date"
    search_button = "persons-search-button"
    search_results = "persons-search-results"
    new_fields = person_field_ids(NEW)
    home_unit = f"{NEW}-home-org-unit-id"
    create_button = "persons-create-button"
    create_feedback = "persons-create-feedback"
    duplicates = "persons-duplicates"
    duplicate_list = "persons-duplicate-list"
    duplicate_reason = "persons-duplicate-reason"
    create_anyway = "persons-create-anyway"
    redirect = "persons-redirect"


def _search() -> Any:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Søk før du oppretter", className="h5 card-title"),
                html.P(
                    "Søk på navn, eventuelt med fødselsdato, i dine organisasjonsenheter. Et helt fødselsnummer "
                    "eller D-nummer (11 siffer) søkes opp i hele landet.",
                    className="text-body-secondary",
                ),
                dbc.Form(
                    dbc.Row(
                        [
                            text_input(ids.search_text, "Navn, fødselsnummer eller D-nummer", width=6),
                            date_input(ids.search_birth_date, "Fødselsdato (valgfritt)", width=3),
                            dbc.Col(
                                dbc.Button(
                                    "Søk", id=ids.search_button, type="submit", color="primary", className="mt-md-4"
                                ),
                                md=3,
                            ),
                        ],
                        className="align-items-start",
                    ),
                    id="persons-search-form",
                    prevent_default_on_submit=True,
                ),
                html.Div(
                    id=ids.search_results, role="region", **{"aria-live": "polite", "aria-label": "Søkeresultater"}
                ),
            ]
        ),
        className="mb-4",
    )


def _create() -> Any:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Ny person", className="h5 card-title"),
                person_fields(NEW),
                html.Div(id=ids.create_feedback),
                dbc.Button("Opprett person", id=ids.create_button, color="primary"),
                html.Div(
                    [
                        html.H3("Mulige duplikater", className="h6 mt-4"),
                        html.P(
                            "Det finnes allerede personer som ligner. Åpne den eksisterende, eller opprett likevel "
                            "med en begrunnelse.",
                            className="text-body-secondary",
                        ),
                        html.Div(id=ids.duplicate_list),
                        textarea(ids.duplicate_reason, "Begrunnelse for å opprette likevel"),
                        dbc.Button("Opprett likevel", id=ids.create_anyway, color="warning"),
                    ],
                    id=ids.duplicates,
                    hidden=True,
                ),
            ]
        )
    )


@page_layout(CASE_WORK_ROLES)
def layout(**_query: Any) -> Any:
    return html.Div(
        [
            dcc.Location(id=ids.redirect, refresh="callback-nav"),
            html.H1("Personer", className="h3"),
            _search(),
            _create(),
        ]
    )
