"""``flask --app app import-linelist ...`` and ``flask --app app spread-report ...`` (issue 4).

The commands themselves live in api/cli_linelist.py and api/cli_spread.py; this module only adds them.
"""

from __future__ import annotations

from flask import Flask


def register_analytics_cli(server: Flask) -> None:
    import importlib

    for module_name, command_name in (("api.cli_linelist", "import_linelist"), ("api.cli_spread", "spread_report")):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:  # not written yet
            continue
        server.cli.add_command(getattr(module, command_name))
