"""Page-level access: a page declares the roles that may open it; the guard shows a refusal to others.

This is for navigation only. The data a page shows is checked again in tracing/, where it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from auth.actor import Actor
from auth.web import current_actor


def no_access() -> Any:
    return html.Div(
        [
            html.H1("Ingen tilgang", className="h3"),
            dbc.Alert("Rollen din gir ikke tilgang til denne siden.", color="warning"),
        ]
    )


def page_layout(roles: Iterable[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a page's layout function; outside a request (Dash's start-up validation) it passes through."""
    allowed = frozenset(roles)

    def decorate(layout: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(layout)
        def guarded(**query: Any) -> Any:
            actor = current_actor()
            if actor is not None and not actor.has_any(allowed):
                return no_access()
            return layout(**query)

        return guarded

    return decorate


def visible_pages(actor: Actor | None) -> list[dict[str, Any]]:
    """Pages to show in the navbar for this actor, in their declared order."""
    if actor is None:
        return []
    pages = [p for p in dash.page_registry.values() if p.get("nav_order") is not None]
    pages = [p for p in pages if actor.has_any(p.get("roles", ()))]
    return sorted(pages, key=lambda p: p["nav_order"])
