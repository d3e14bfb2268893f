"""Klyngeforslag: index cases of the last 14 days that share a workplace, school, address or event but are not in
a common cluster yet. Every case worker may look; the kommuneoverlege accepts or dismisses."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from auth.roles import CASE_WORK_ROLES
from components.access import page_layout

dash.register_page(
    __name__,
    path="/klyngeforslag",
    name="Klyngeforslag",
    title="Klyngeforslag – Smittespor",
    roles=CASE_WORK_ROLES,
    nav_order=25,
)

PATH = "/klyngeforslag"


class ids:
    changed = "suggestions-changed"
    feedback = "suggestions-feedback"
    summary = "suggestions-summary"
    cards = "suggestions-list"
    open_cluster = "suggestions-open-cluster"
    # pattern-matching button types; each button's id is {"type": ..., "key": suggestion key}
    accept = "suggestion-accept"
    dismiss = "suggestion-dismiss"


@page_layout(CASE_WORK_ROLES)
def layout(**_query: Any) -> Any:
    return html.Div(
        [
            dcc.Store(id=ids.changed, data=0),
            html.H1("Klyngeforslag", className="h3"),
            html.P(
                "Indekser fra de siste 14 dagene som har samme arbeidsplass, skole eller barnehage, adresse eller "
                "arrangement, men som ikke er i en felles klynge ennå. Saker fra én og samme husstand alene blir "
                "ikke foreslått.",
                className="text-body-secondary",
            ),
            html.Div(id=ids.feedback, role="status", **{"aria-live": "polite"}),
            html.P(id=ids.summary, className="mb-3"),
            html.Div(id=ids.cards),
        ]
    )
