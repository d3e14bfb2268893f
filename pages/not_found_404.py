"""Shown for an unknown address."""

from __future__ import annotations

import dash
from dash import dcc, html

dash.register_page(__name__, title="Fant ikke siden – Smittespor")


def layout(**_query: object) -> html.Div:
    return html.Div(
        [
            html.H1("Fant ikke siden", className="h3"),
            html.P(["Adressen finnes ikke. ", dcc.Link("Gå til oversikten", href="/"), "."]),
        ]
    )
