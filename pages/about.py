"""Om Smittespor: what the system is, and the attribution the reference data's licences require."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from auth.roles import ALL_ROLES
from components.access import page_layout

dash.register_page(__name__, path="/om", name="Om Smittespor", title="Om – Smittespor", roles=ALL_ROLES, nav_order=99)


@page_layout(ALL_ROLES)
def layout(**_query: Any) -> Any:
    return html.Div(
        [
            html.H1("Om Smittespor", className="h3"),
            html.P(
                "Smittespor er et åpent system for smittesporing og utbruddsanalyse i kommunene: "
                "registrering av indekser, nærkontakter og klynger, daglige arbeidslister, og analyser av smittekjeder."
            ),
            html.H2("Data og lisenser", className="h5 mt-4"),
            html.P("Inneholder data fra Statistisk sentralbyrå (SSB) og Kartverket, CC BY 4.0.", id="about-attribution"),
            html.P(
                "Alle personer i demodataene er syntetiske. Fødselsnumrene er syntetiske testnumre "
                "(måned + 80) og tilhører ingen virkelig person."
            ),
        ]
    )
