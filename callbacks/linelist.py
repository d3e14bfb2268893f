"""Importer linjeliste: the org-unit choices, the chosen files' names, and the import itself as a Dash background
callback with a progress bar.

A background callback runs in a worker process (DiskcacheManager: a forked process; Celery: a worker), outside
any request, so it has no logged-in user of its own. ``as_logged_in_user`` rebuilds the request from the cookies
Dash hands the job (its callback context), and the user is loaded from the session cookie exactly as for any
other request: a forged or expired cookie gives no actor, and the import is not run.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, callback_context, dcc, html
from dash.exceptions import PreventUpdate
from flask import has_request_context

from auth.web import store
from components.forms import case_unit_options, default_unit, error_alert, in_session, parse_id
from components.format import number_nb
from components.shell import ids as shell_ids
from pages.linelist import ids
from tracing.errors import DomainError
from tracing.linelist import ImportResult, LineListRejected, import_linelist
from tracing.linelist.columns import MappingError, parse_mapping_text

REPORT_ROWS = 500
MODE_NB = {"analysis": "analyseutbrudd", "cases": "ekte saker i registeret"}


# --- the worker's request -----------------------------------------------------------------------------------------


@contextmanager
def as_logged_in_user() -> Iterator[None]:
    """Run the body inside a request carrying the browser's cookies, so ``current_actor`` and ``store`` work in
    the background worker. Inside a real request (or a plain call in a test) nothing is added."""
    if has_request_context():
        yield
        return
    try:
        cookies = dict(callback_context.cookies)
        headers = dict(callback_context.headers)
        remote = callback_context.remote or "127.0.0.1"  # type: ignore[attr-defined]
        server = dash.get_app().server
    except Exception:  # no callback context: called as a plain function
        yield
        return
    cookie_header = "; ".join(f"{name}={value}" for name, value in cookies.items())
    with server.test_request_context(
        "/_dash-update-component",
        method="POST",
        headers={"Cookie": cookie_header, "User-Agent": headers.get("User-Agent", headers.get("user-agent", ""))},
        environ_base={"REMOTE_ADDR": remote},
    ):
        # A forked worker must not share the parent's pooled connections; it opens its own.
        store().engine.dispose(close=False)
        yield


# --- shaping ------------------------------------------------------------------------------------------------------


def decode_upload(contents: str | None, field_nb: str, *, required: bool = True) -> bytes | None:
    """dcc.Upload's "data:...;base64,..." as bytes."""
    if not contents:
        if required:
            raise DomainError(field_nb, f"Velg en {field_nb}.")
        return None
    try:
        _header, encoded = contents.split(",", 1)
        return base64.b64decode(encoded, validate=False)
    except (ValueError, binascii.Error):
        raise DomainError(field_nb, f"{field_nb.capitalize()} kunne ikke leses.") from None


def file_note(filename: str | None) -> Any:
    if not filename:
        return ""
    return [html.Span("Valgt fil: "), html.Strong(filename)]


def result_view(result: ImportResult) -> Any:
    """What was stored, and where to look at it."""
    lines = [
        f"{number_nb(result.cases)} tilfeller og {number_nb(result.links)} smittepar"
        + (f" ({number_nb(result.undirected_links)} urettede, gitt retning etter symptomstart)" if result.undirected_links else "")
        + f", {number_nb(result.clusters)} klynger.",
    ]
    if result.mode == "cases":
        lines.append(
            f"{number_nb(result.persons_created)} nye personer og {number_nb(result.persons_found)} som fantes fra før; "
            f"{number_nb(result.index_cases_active)} aktive og {number_nb(result.index_cases_closed)} avsluttede indekssaker; "
            f"{number_nb(result.exposures)} eksponeringer."
        )
    if result.ignored_columns:
        lines.append(f"Kolonner som ikke ble brukt: {', '.join(result.ignored_columns)}.")
    return dbc.Alert(
        [
            html.H2(f"«{result.label}» er importert i {result.org_unit_name} ({MODE_NB[result.mode]})", className="h5"),
            *[html.P(line, className="mb-1") for line in lines],
            dcc.Link("Se smittespredningen i utbruddet", href=f"/smittespredning?utbrudd={result.outbreak_id}",
                     id="linelist-open-outbreak", className="alert-link"),
        ],
        color="success",
        id="linelist-success",
    )


def report_view(error: LineListRejected) -> Any:
    """The row report as a table: file, row, field, message."""
    rows = [
        html.Tr([html.Td(e.file_nb), html.Td(str(e.row_number) if e.row_number else "–"), html.Td(e.field_nb), html.Td(e.message_nb)])
        for e in error.errors[:REPORT_ROWS]
    ]
    more = len(error.errors) - REPORT_ROWS
    return html.Div(
        [
            dbc.Alert([html.Strong("Fila ble avvist. "), error.message_nb], color="danger", className="mb-2"),
            dbc.Table(
                [html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Fil", "Rad", "Felt", "Feil")])), html.Tbody(rows)],
                size="sm", striped=True, bordered=True, responsive=True, id="linelist-report",
            ),
            html.P(f"… og {number_nb(more)} feil til.", className="text-body-secondary") if more > 0 else None,
        ]
    )


# --- callbacks ----------------------------------------------------------------------------------------------------


def fill(pathname: str | None) -> tuple[Any, Any]:
    if pathname != "/linjeliste":
        raise PreventUpdate

    def work(session: Any, actor: Any) -> tuple[Any, Any]:
        options = case_unit_options(session, actor)
        return options, default_unit(actor, options)

    return in_session(work)


def run_import(
    set_progress: Any,
    n_clicks: int | None,
    cases_contents: str | None,
    cases_name: str | None,
    links_contents: str | None,
    links_name: str | None,
    unit: Any,
    label: Any,
    mode: Any,
    mapping_text: Any,
) -> tuple[Any, Any, Any]:
    """Validate and store; returns (result or report, progress value, progress text)."""
    if not n_clicks:
        raise PreventUpdate

    def progress(done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 100
        set_progress((str(percent), f"{percent} %"))

    try:
        cases = decode_upload(cases_contents, "saksfil")
        links = decode_upload(links_contents, "parfil", required=False)
        try:
            mapping = parse_mapping_text(mapping_text)
        except MappingError as error:
            raise DomainError("kolonnekobling", error.message_nb) from None
        unit_id = parse_id(unit, "organisasjonsenhet")
        with as_logged_in_user():
            result = in_session(
                lambda s, a: import_linelist(
                    s, a, cases, cases_name or "saksfil", links, links_name, unit_id, label,  # type: ignore[arg-type]
                    mode=mode or "analysis", mapping=mapping, progress=progress,
                )
            )
    except LineListRejected as rejected:
        return report_view(rejected), "0", ""
    except DomainError as error:
        return error_alert(error), "0", ""
    return result_view(result), "100", "100 %"


def register(app: Dash) -> None:
    app.callback(Output(ids.org_unit, "options"), Output(ids.org_unit, "value"), Input(shell_ids.url, "pathname"))(fill)
    app.callback(Output(ids.cases_file, "children"), Input(ids.cases_upload, "filename"), prevent_initial_call=True)(file_note)
    app.callback(Output(ids.links_file, "children"), Input(ids.links_upload, "filename"), prevent_initial_call=True)(file_note)
    app.callback(
        Output(ids.result, "children"),
        Output(ids.progress, "value", allow_duplicate=True),
        Output(ids.progress_text, "children", allow_duplicate=True),
        Input(ids.import_button, "n_clicks"),
        State(ids.cases_upload, "contents"),
        State(ids.cases_upload, "filename"),
        State(ids.links_upload, "contents"),
        State(ids.links_upload, "filename"),
        State(ids.org_unit, "value"),
        State(ids.label, "value"),
        State(ids.mode, "value"),
        State(ids.mapping, "value"),
        background=True,
        progress=[Output(ids.progress, "value"), Output(ids.progress_text, "children")],
        progress_default=["0", ""],
        running=[
            (Output(ids.import_button, "disabled"), True, False),
            (Output(ids.progress_area, "className"), "mb-3", "mb-3"),
            (Output(ids.status, "children"), "Kontrollerer og lagrer …", ""),
        ],
        interval=400,
        prevent_initial_call=True,
    )(run_import)
