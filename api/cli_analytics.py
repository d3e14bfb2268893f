"""``flask --app app import-linelist ...`` and ``flask --app app spread-report ...`` (issue 4).

The commands live in api/cli_linelist.py and api/cli_spread.py; this module adds them to the app's CLI.
"""

from __future__ import annotations

from flask import Flask


def register_analytics_cli(server: Flask) -> None:
    from api.cli_linelist import import_linelist
    from api.cli_spread import spread_report

    server.cli.add_command(import_linelist)
    server.cli.add_command(spread_report)
