"""Arbeidslister: serves the grid's blocks, switches lists, columns and saved views, exports, bulk actions.

How the grid talks to the server: AG Grid's infinite row model sets ``getRowsRequest`` (startRow, endRow,
sortModel, filterModel, and the grid context naming the worklist); ``serve_rows`` answers with one block in
``getRowsResponse`` (rowData + rowCount) from ``tracing.worklists.worklist_page``. Switching the list resets the
grid on the client (sort, filters, cache) so it asks again.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from auth.web import current_actor, store
from components.shell import ids as shell_ids
from components.worklist_grid import column_defs, column_options, column_state, grid_rows
from data.clock import today_oslo
from pages.worklists import DEFAULT_WORKLIST, chooser_options, ids
from tracing.errors import DomainError
from tracing.worklists import (
    MAX_PAGE_ROWS,
    WORKLISTS,
    assign_cases,
    delete_view,
    export_filename,
    export_worklist,
    get_view,
    list_views,
    mark_follow_ups_done,
    save_view,
    tracer_choices,
    worklist_counts,
    worklist_page,
)

PATH = "/arbeidslister"
EMPTY = {"rowData": [], "rowCount": 0}


def _actor():  # type: ignore[no-untyped-def]
    actor = current_actor()
    if actor is None:
        raise PreventUpdate
    return actor


def _error(error: DomainError) -> Any:
    return dbc.Alert(f"{error.field.capitalize()}: {error.message_nb}", color="warning", dismissable=True)


def _done(message: str) -> Any:
    return dbc.Alert(message, color="success", dismissable=True, duration=6000)


def _key(value: Any) -> str:
    return value if isinstance(value, str) and value in WORKLISTS else DEFAULT_WORKLIST


def _valid_columns(key: str, columns: Any) -> dict[str, Any]:
    """Only the list's own columns: for a moment after a switch the grid may still send the old list's model."""
    allowed = set(WORKLISTS[key].columns)
    return {c: m for c, m in (columns or {}).items() if c in allowed} if isinstance(columns, dict) else {}


# --- the grid's rows -------------------------------------------------------------------------------------


def serve_rows(request: dict[str, Any] | None, chosen: str | None) -> tuple[Any, Any, Any, Any]:
    """One block of rows for the grid (getRowsRequest -> getRowsResponse), the query behind it, and the total."""
    if not request:
        raise PreventUpdate
    actor = _actor()
    # The grid's context names the list this request is for (set when the list is switched), so a request sent
    # just before a switch is still answered from its own list.
    context = request.get("context")
    key = _key(context.get("worklist") if isinstance(context, dict) and context.get("worklist") else chosen)
    start = int(request.get("startRow") or 0)
    end = min(int(request.get("endRow") or start + 100), start + MAX_PAGE_ROWS)
    sort = [s for s in request.get("sortModel") or [] if isinstance(s, dict) and s.get("colId") in WORKLISTS[key].columns]
    filters = _valid_columns(key, request.get("filterModel"))
    first = start == 0  # the grid learns the row count from its first block; later blocks skip the COUNT
    try:
        with store().session() as session:
            page = worklist_page(
                session, actor, key, start=start, end=end, sort=sort, filters=filters, today=today_oslo(), with_total=first
            )
    except DomainError as error:
        return EMPTY, no_update, "", _error(error)
    if not first:
        # rowCount left out: the grid keeps the count it has (unless this block is short: then the list ended here)
        response = {"rowData": grid_rows(key, page.rows)}
        if len(page.rows) < end - start:
            response["rowCount"] = start + len(page.rows)
        return response, no_update, no_update, None
    query = {"worklist": key, "sort": [[s["colId"], s["sort"]] for s in sort], "filters": filters}
    noun = "prøvesvar" if WORKLISTS[key].source == "test_result" else ("sak" if page.total == 1 else "saker")
    total = f"{page.total} {noun} i «{WORKLISTS[key].label_nb}»"
    return {"rowData": grid_rows(key, page.rows), "rowCount": page.total}, query, total, None


# --- the page around the grid -----------------------------------------------------------------------------


def fill_page(pathname: str | None, _refresh: Any) -> tuple[Any, Any]:
    """The list chooser with today's counts, and the tracers cases can be assigned to."""
    if pathname != PATH:
        raise PreventUpdate
    actor = _actor()
    try:
        with store().session() as session:
            counts = worklist_counts(session, actor, today_oslo())
            tracers = tracer_choices(session, actor)
    except DomainError:
        raise PreventUpdate from None
    return chooser_options(counts), [{"label": name, "value": str(uid)} for uid, name in tracers]


def switch_list(key: str | None) -> tuple[Any, Any, Any, Any]:
    """A new list: its description, its columns in the chooser (defaults shown), and the user's views of it."""
    key = _key(key)
    definition = WORKLISTS[key]
    return definition.description_nb, column_options(key), list(definition.default_columns), _view_options(key)


def _view_options(key: str) -> list[dict[str, str]]:
    actor = current_actor()
    if actor is None:
        return []
    try:
        with store().session() as session:
            views = list_views(session, actor, key)
    except DomainError:
        return []
    return [{"label": v.name, "value": str(v.id)} for v in views]


def show_columns(visible: list[str] | None, key: str | None) -> Any:
    return column_defs(_key(key), visible or [])


def show_selection(selected: list[dict[str, Any]] | None) -> tuple[str, bool, bool]:
    n = len([r for r in selected or [] if r.get("case_id")])
    text = "Ingen saker valgt" if n == 0 else ("1 sak valgt" if n == 1 else f"{n} saker valgt")
    return text, n == 0, n == 0


# --- export ----------------------------------------------------------------------------------------------


def _visible(key: str, visible: list[str] | None, state: list[dict[str, Any]] | None) -> list[str]:
    """Visible columns in the grid's own order (the user may have dragged them), else the chooser's."""
    allowed = set(WORKLISTS[key].columns)
    if state:
        from_grid = [c["colId"] for c in state if c.get("colId") in allowed and not c.get("hide")]
        if from_grid:
            return from_grid
    return [c for c in WORKLISTS[key].columns if c in set(visible or [])]


def export(_csv: Any, _xlsx: Any, query: dict[str, Any] | None, chosen: str | None, visible: list[str] | None,
           state: list[dict[str, Any]] | None) -> tuple[Any, Any]:
    fmt = {ids.export_csv: "csv", ids.export_xlsx: "xlsx"}.get(ctx.triggered_id)
    if fmt is None:
        raise PreventUpdate
    actor = _actor()
    key = _key((query or {}).get("worklist") or chosen)
    today = today_oslo()
    try:
        with store().session() as session:
            content = export_worklist(
                session, actor, key, fmt, sort=(query or {}).get("sort"), filters=(query or {}).get("filters"),
                columns=_visible(key, visible, state), today=today,
            )
    except DomainError as error:
        return no_update, _error(error)
    return dcc.send_bytes(content, export_filename(key, fmt, today)), None


# --- saved views -----------------------------------------------------------------------------------------


def save(_n: Any, name: str | None, query: dict[str, Any] | None, chosen: str | None, visible: list[str] | None,
         state: list[dict[str, Any]] | None) -> tuple[Any, Any, Any]:
    if not _n:
        raise PreventUpdate
    actor = _actor()
    key = _key(chosen)
    same_list = (query or {}).get("worklist") == key
    try:
        with store().session() as session:
            view = save_view(
                session, actor, key, name or "", columns=_visible(key, visible, state),
                sort=(query or {}).get("sort") if same_list else None,
                filters=(query or {}).get("filters") if same_list else None,
            )
    except DomainError as error:
        return no_update, no_update, _error(error)
    return _view_options(key), str(view.id), _done(f"Visningen «{view.name}» er lagret.")


def _view_id(value: str | None) -> int:
    if not value:
        raise DomainError("visning", "Velg en lagret visning først.")
    try:
        return int(value)
    except ValueError:
        raise DomainError("visning", "Ugyldig visning.") from None


def load(_n: Any, view_id: str | None, chosen: str | None) -> tuple[Any, Any, Any, Any]:
    if not _n:
        raise PreventUpdate
    actor = _actor()
    key = _key(chosen)
    try:
        with store().session() as session:
            view = get_view(session, actor, _view_id(view_id))
    except DomainError as error:
        return no_update, no_update, no_update, _error(error)
    if view.worklist != key:
        return no_update, no_update, no_update, _error(DomainError("visning", "Visningen hører til en annen arbeidsliste."))
    return (
        list(view.columns),
        view.filters or {},
        column_state(key, view.columns, view.sort),
        _done(f"Visningen «{view.name}» er i bruk."),
    )


def delete(_n: Any, view_id: str | None, chosen: str | None) -> tuple[Any, Any, Any]:
    if not _n:
        raise PreventUpdate
    actor = _actor()
    key = _key(chosen)
    try:
        with store().session() as session:
            delete_view(session, actor, _view_id(view_id))
    except DomainError as error:
        return no_update, no_update, _error(error)
    return _view_options(key), None, _done("Visningen er slettet.")


# --- bulk actions ----------------------------------------------------------------------------------------


def _selected_case_ids(selected: list[dict[str, Any]] | None) -> list[int]:
    return sorted({int(r["case_id"]) for r in selected or [] if isinstance(r.get("case_id"), int)})


def assign(_n: Any, selected: list[dict[str, Any]] | None, assignee: str | None, refresh: int | None) -> tuple[Any, Any]:
    if not _n:
        raise PreventUpdate
    actor = _actor()
    if not assignee:
        return _error(DomainError("smittesporer", "Velg hvem sakene skal tildeles.")), no_update
    try:
        with store().session() as session:
            n = assign_cases(session, actor, _selected_case_ids(selected), int(assignee))
    except DomainError as error:
        return _error(error), no_update
    return _done(f"{n} {'sak' if n == 1 else 'saker'} tildelt."), (refresh or 0) + 1


def mark_done(_n: Any, selected: list[dict[str, Any]] | None, refresh: int | None) -> tuple[Any, Any]:
    if not _n:
        raise PreventUpdate
    actor = _actor()
    try:
        with store().session() as session:
            n = mark_follow_ups_done(session, actor, _selected_case_ids(selected), today_oslo())
    except DomainError as error:
        return _error(error), no_update
    if n == 0:
        return dbc.Alert("De valgte sakene har ingen oppfølging som forfaller i dag.", color="info", dismissable=True), no_update
    return _done(f"{n} {'oppfølging' if n == 1 else 'oppfølginger'} registrert som gjort (nådd)."), (refresh or 0) + 1


# Client side: the grid's own API (dash_ag_grid.getApiAsync) for what has no prop: a new list resets sort,
# filters, selection and the row cache and tells the datasource which list to ask for; a bulk action reloads.
RESET_GRID_JS = """
async function(key) {
    const api = await dash_ag_grid.getApiAsync("%(grid)s");
    api.setGridOption("context", {worklist: key});
    api.deselectAll();
    api.applyColumnState({defaultState: {sort: null}});
    api.setFilterModel(null);
    api.purgeInfiniteCache();
    return key;
}
""" % {"grid": ids.grid}

RELOAD_GRID_JS = """
async function(n) {
    if (!n) { return window.dash_clientside.no_update; }
    const api = await dash_ag_grid.getApiAsync("%(grid)s");
    api.deselectAll();
    api.refreshInfiniteCache();
    return window.dash_clientside.no_update;
}
""" % {"grid": ids.grid}


def register(app: Dash) -> None:
    app.callback(
        Output(ids.grid, "getRowsResponse"),
        Output(ids.query, "data"),
        Output(ids.total, "children"),
        Output(ids.grid_alert, "children"),
        Input(ids.grid, "getRowsRequest"),
        State(ids.chooser, "value"),
        prevent_initial_call=True,
    )(serve_rows)
    app.callback(
        Output(ids.chooser, "options"),
        Output(ids.assignee, "options"),
        Input(shell_ids.url, "pathname"),
        Input(ids.refresh, "data"),
    )(fill_page)
    app.callback(
        Output(ids.description, "children"),
        Output(ids.columns, "options"),
        Output(ids.columns, "value"),
        Output(ids.views, "options"),
        Input(ids.chooser, "value"),
    )(switch_list)
    app.clientside_callback(
        RESET_GRID_JS, Output(ids.grid_reset, "data"), Input(ids.chooser, "value"), prevent_initial_call=True
    )
    app.clientside_callback(
        RELOAD_GRID_JS, Output(ids.grid_reset, "data", allow_duplicate=True), Input(ids.refresh, "data"),
        prevent_initial_call=True,
    )
    app.callback(Output(ids.grid, "columnDefs"), Input(ids.columns, "value"), State(ids.chooser, "value"))(show_columns)
    app.callback(
        Output(ids.selected, "children"),
        Output(ids.assign, "disabled"),
        Output(ids.mark_done, "disabled"),
        Input(ids.grid, "selectedRows"),
    )(show_selection)
    app.callback(
        Output(ids.download, "data"),
        Output(ids.alert, "children", allow_duplicate=True),
        Input(ids.export_csv, "n_clicks"),
        Input(ids.export_xlsx, "n_clicks"),
        State(ids.query, "data"),
        State(ids.chooser, "value"),
        State(ids.columns, "value"),
        State(ids.grid, "columnState"),
        prevent_initial_call=True,
    )(export)
    app.callback(
        Output(ids.views, "options", allow_duplicate=True),
        Output(ids.views, "value"),
        Output(ids.alert, "children", allow_duplicate=True),
        Input(ids.view_save, "n_clicks"),
        State(ids.view_name, "value"),
        State(ids.query, "data"),
        State(ids.chooser, "value"),
        State(ids.columns, "value"),
        State(ids.grid, "columnState"),
        prevent_initial_call=True,
    )(save)
    app.callback(
        Output(ids.columns, "value", allow_duplicate=True),
        Output(ids.grid, "filterModel"),
        Output(ids.grid, "columnState"),
        Output(ids.alert, "children", allow_duplicate=True),
        Input(ids.view_load, "n_clicks"),
        State(ids.views, "value"),
        State(ids.chooser, "value"),
        prevent_initial_call=True,
    )(load)
    app.callback(
        Output(ids.views, "options", allow_duplicate=True),
        Output(ids.views, "value", allow_duplicate=True),
        Output(ids.alert, "children", allow_duplicate=True),
        Input(ids.view_delete, "n_clicks"),
        State(ids.views, "value"),
        State(ids.chooser, "value"),
        prevent_initial_call=True,
    )(delete)
    app.callback(
        Output(ids.alert, "children", allow_duplicate=True),
        Output(ids.refresh, "data"),
        Input(ids.assign, "n_clicks"),
        State(ids.grid, "selectedRows"),
        State(ids.assignee, "value"),
        State(ids.refresh, "data"),
        prevent_initial_call=True,
    )(assign)
    app.callback(
        Output(ids.alert, "children", allow_duplicate=True),
        Output(ids.refresh, "data", allow_duplicate=True),
        Input(ids.mark_done, "n_clicks"),
        State(ids.grid, "selectedRows"),
        State(ids.refresh, "data"),
        prevent_initial_call=True,
    )(mark_done)
