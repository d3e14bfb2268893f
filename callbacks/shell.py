"""The navbar: who is logged in, in which org unit, and the pages their roles open."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output

from auth.roles import ROLE_LABELS
from auth.web import csrf_token, current_actor
from components.access import visible_pages
from components.shell import ids


def fill_navbar(_pathname: str | None) -> tuple[list[Any], str, str]:
    actor = current_actor()
    links = [dbc.NavItem(dbc.NavLink(p["name"], href=p["relative_path"], active="exact")) for p in visible_pages(actor)]
    if actor is None:
        return links, "", ""
    grant = actor.primary_grant
    where = f" · {ROLE_LABELS[grant.role]}, {grant.org_unit_name}" if grant else ""
    return links, f"{actor.display_name}{where}", csrf_token()


def register(app: Dash) -> None:
    app.callback(
        Output(ids.nav_links, "children"),
        Output(ids.user, "children"),
        Output(ids.logout_token, "value"),
        Input(ids.url, "pathname"),
    )(fill_navbar)
