"""Oversikt: what waits today in the user's org unit."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from auth.roles import ALL_ROLES
from components.access import page_layout

dash.register_page(__name__, path="/", name="Oversikt", title="Oversikt – Smittespor", roles=ALL_ROLES, nav_order=0)


class ids:
    heading = "home-heading"
    unit = "home-unit"
    date = "home-date"
    error = "home-error"
    active_index_cases = "home-active-index-cases"
    active_contacts = "home-active-contacts"
    follow_ups_due_today = "home-follow-ups-due-today"
    follow_ups_overdue = "home-follow-ups-overdue"


def _count_card(title: str, value_id: str, help_text: str) -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2(title, className="h6 card-title text-body-secondary"),
                    html.P("–", id=value_id, className="display-6 mb-1"),
                    html.P(help_text, className="small text-body-secondary mb-0"),
                ]
            )
        ),
        md=6,
        xl=3,
        className="mb-3",
    )


@page_layout(ALL_ROLES)
def layout(**_query: Any) -> Any:
    return html.Div(
        [
            html.H1(["Oversikt ", html.Span(id=ids.unit)], id=ids.heading, className="h3"),
            html.P(id=ids.date, className="text-body-secondary"),
            html.Div(id=ids.error),
            dbc.Row(
                [
                    _count_card("Aktive indekser", ids.active_index_cases, "Smittede under oppfølging"),
                    _count_card("Aktive nærkontakter", ids.active_contacts, "Nærkontakter under oppfølging"),
                    _count_card("Oppfølginger i dag", ids.follow_ups_due_today, "Samtaler som skal gjøres i dag"),
                    _count_card("Forfalte oppfølginger", ids.follow_ups_overdue, "Ikke gjort innen fristen"),
                ]
            ),
        ]
    )
