"""Callbacks, one module per page (same name as the page). ``register_all`` wires them to one app."""

from __future__ import annotations

from dash import Dash


def register_all(app: Dash) -> None:
    from callbacks import cluster, clusters, home, linelist, person, persons, shell, spread, suggestions, worklists

    for module in (shell, home, persons, person, clusters, cluster, worklists, spread, linelist, suggestions):
        module.register(app)
