"""Arbeidslister: today's work for the tracer, one server-paged grid with a list chooser, columns, views,
export and bulk actions. Everything that depends on the user is filled by callbacks (callbacks/worklists.py)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from auth.roles import CASE_WORK_ROLES
from components.access import page_layout
from components.worklist_grid import column_options, worklist_grid
from tracing.worklists import WORKLISTS

dash.register_page(
    __name__, path="/arbeidslister", name="Arbeidslister", title="Arbeidslister – Smittespor", roles=CASE_WORK_ROLES,
    nav_order=10,
)

DEFAULT_WORKLIST = "index_today"


class ids:
    chooser = "worklists-chooser"
    description = "worklists-description"
    grid = "worklists-grid"
    total = "worklists-total"
    alert = "worklists-alert"  # the outcome of an action (export, views, bulk)
    grid_alert = "worklists-grid-alert"  # a refused sort or filter
    columns = "worklists-columns"
    columns_toggle = "worklists-columns-toggle"
    views = "worklists-views"
    view_name = "worklists-view-name"
    view_save = "worklists-view-save"
    view_load = "worklists-view-load"
    view_delete = "worklists-view-delete"
    export_csv = "worklists-export-csv"
    export_xlsx = "worklists-export-xlsx"
    download = "worklists-download"
    selected = "worklists-selected"
    assignee = "worklists-assignee"
    assign = "worklists-assign"
    mark_done = "worklists-mark-done"
    query = "worklists-query"  # the sort and filters of the last page served (export and views use them)
    refresh = "worklists-refresh"  # bumped after a bulk action: counts and grid reload
    grid_reset = "worklists-grid-reset"  # output of the client-side grid reset


def chooser_options(counts: dict[str, int] | None = None) -> list[dict[str, str]]:
    def label(key: str) -> str:
        name = WORKLISTS[key].label_nb
        return f"{name} ({counts[key]})" if counts and key in counts else name

    return [{"label": label(key), "value": key} for key in WORKLISTS]


def _toolbar(key: str) -> Any:
    definition = WORKLISTS[key]
    column_chooser = html.Details(
        [
            html.Summary("Velg kolonner", id=ids.columns_toggle, className="btn btn-outline-secondary btn-sm"),
            html.Fieldset(
                [
                    html.Legend("Synlige kolonner", className="h6"),
                    dbc.Checklist(id=ids.columns, options=column_options(key), value=list(definition.default_columns)),
                ],
                className="border rounded p-2 mt-1 bg-body shadow position-absolute z-3",
                style={"columnCount": 2, "minWidth": "26rem"},
            ),
        ],
        className="me-3 mb-2 position-relative",
    )
    views = html.Div(
        [
            dbc.Label("Lagrede visninger", html_for=ids.views, className="small mb-0"),
            dbc.InputGroup(
                [
                    dbc.Select(id=ids.views, options=[], placeholder="Velg visning", size="sm"),
                    dbc.Button("Bruk", id=ids.view_load, color="secondary", outline=True, size="sm"),
                    dbc.Button("Slett", id=ids.view_delete, color="danger", outline=True, size="sm"),
                ],
                size="sm",
            ),
        ],
        className="me-3 mb-2",
    )
    save = html.Div(
        [
            dbc.Label("Lagre som ny visning", html_for=ids.view_name, className="small mb-0"),
            dbc.InputGroup(
                [
                    dbc.Input(id=ids.view_name, placeholder="Navn på visningen", maxLength=100, size="sm"),
                    dbc.Button("Lagre visning", id=ids.view_save, color="secondary", outline=True, size="sm"),
                ],
                size="sm",
            ),
        ],
        className="me-3 mb-2",
    )
    export = html.Div(
        [
            html.Span("Eksporter visningen", className="d-block small", id="worklists-export-label"),
            html.Div(
                [
                    dbc.Button("CSV", id=ids.export_csv, color="secondary", outline=True, size="sm"),
                    dbc.Button("Excel (XLSX)", id=ids.export_xlsx, color="secondary", outline=True, size="sm"),
                ],
                className="btn-group btn-group-sm",
                role="group",
                **{"aria-labelledby": "worklists-export-label"},
            ),
        ],
        className="mb-2",
    )
    return html.Div([column_chooser, views, save, export], className="d-flex flex-wrap align-items-end")


def _bulk_bar() -> Any:
    return html.Div(
        [
            html.Span("Ingen saker valgt", id=ids.selected, className="me-3", **{"aria-live": "polite"}),
            html.Div(
                [
                    dbc.Label("Tildel valgte saker til", html_for=ids.assignee, className="small mb-0"),
                    dbc.InputGroup(
                        [
                            dbc.Select(id=ids.assignee, options=[], placeholder="Velg smittesporer", size="sm"),
                            dbc.Button("Tildel", id=ids.assign, color="primary", size="sm", disabled=True),
                        ],
                        size="sm",
                    ),
                ],
                className="me-3",
            ),
            dbc.Button(
                "Marker dagens oppfølging som gjort (nådd)", id=ids.mark_done, color="primary", outline=True, size="sm",
                disabled=True,
            ),
        ],
        className="d-flex flex-wrap align-items-end mb-2",
    )


@page_layout(CASE_WORK_ROLES)
def layout(liste: str | None = None, **_query: Any) -> Any:
    key = liste if liste in WORKLISTS else DEFAULT_WORKLIST
    return html.Div(
        [
            html.H1("Arbeidslister", className="h3"),
            html.Fieldset(
                [
                    html.Legend("Velg arbeidsliste", className="visually-hidden"),
                    dbc.RadioItems(
                        id=ids.chooser,
                        options=chooser_options(),
                        value=key,
                        inline=True,
                        class_name="btn-group flex-wrap",
                        input_class_name="btn-check",
                        label_class_name="btn btn-outline-primary",
                        label_checked_class_name="active",
                    ),
                ],
                className="mb-2",
            ),
            html.P(WORKLISTS[key].description_nb, id=ids.description, className="text-body-secondary mb-2"),
            _toolbar(key),
            _bulk_bar(),
            html.Div(id=ids.alert),
            html.Div(id=ids.grid_alert),
            html.P(id=ids.total, className="small mb-1", **{"aria-live": "polite"}),
            worklist_grid(ids.grid, key),
            dcc.Download(id=ids.download),
            dcc.Store(id=ids.query),
            dcc.Store(id=ids.refresh, data=0),
            dcc.Store(id=ids.grid_reset),
        ]
    )
