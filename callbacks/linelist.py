"""Placeholder until the page's callbacks land (issue 4)."""

from __future__ import annotations

from dash import Dash


def register(app: Dash) -> None:
    return None
