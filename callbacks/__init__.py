"""Callbacks, one module per page (same name as the page). ``register_all`` wires them to one app."""

from __future__ import annotations

from dash import Dash


def register_all(app: Dash) -> None:
    from callbacks import home, shell

    for module in (shell, home):
        module.register(app)
