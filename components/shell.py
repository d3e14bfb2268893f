"""The frame around every page: navbar (user, org unit, the pages the user's roles allow) and the page container."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

INDEX_STRING = """<!DOCTYPE html>
<html lang="nb">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        <a class="visually-hidden-focusable" href="#innhold">Hopp til innholdet</a>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


class ids:
    url = "shell-url"
    nav_links = "shell-nav-links"
    user = "shell-user"
    logout_token = "shell-logout-token"


def navbar() -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Smittespor", href="/"),
                dbc.Nav(id=ids.nav_links, className="me-auto", navbar=True),
                html.Div(
                    [
                        html.Span(id=ids.user, className="navbar-text me-3 text-white"),
                        html.Form(
                            [
                                dcc.Input(type="hidden", name="csrf_token", id=ids.logout_token, value=""),
                                html.Button("Logg ut", type="submit", className="btn btn-outline-light btn-sm", id="logout-button"),
                            ],
                            method="POST",
                            action="/logg-ut",
                            className="d-inline",
                        ),
                    ],
                    className="d-flex align-items-center",
                ),
            ],
            fluid=True,
        ),
        color=None,
        dark=True,
        className="navbar-smittespor mb-4",
    )


def layout() -> Any:
    """The app's layout. Like every layout it assumes no request or user: the navbar is filled by a callback."""
    return html.Div(
        [
            dcc.Location(id=ids.url),
            html.Header(navbar()),
            html.Main(dbc.Container(dash.page_container, fluid=True), id="innhold"),
        ]
    )
