"""Smittespredning: how infection spread - chains, the transmission network, and the measures per cluster and setting.

Kommuneoverleger see the network of their own units (or an imported analysis outbreak) and open a case from it;
FHI sees the same numbers in aggregate form only: KPIs, the chain-size histogram, the epicurve by setting and the
per-setting table - no network, no node, no cluster name. Everything that depends on the data is filled by
callbacks (callbacks/spread.py); the layout only decides which sections the user's roles get.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from auth.web import current_actor
from components.access import page_layout
from components.forms import NONE, date_input, options_of, select
from components.network import BASIS_NB, STACK_NB, figure_block
from data.clock import today_oslo
from tracing.vocabulary import CLUSTER_KIND_NB, EXPOSURE_SETTING_NB

ROLES = frozenset({"kommuneoverlege", "fhi"})
NETWORK_ROLES = frozenset({"kommuneoverlege"})  # who sees persons' nodes; everyone else gets the aggregate view
WINDOW_DAYS = 42
REGISTER = "register"
OUTBREAK_PREFIX = "utbrudd:"

dash.register_page(
    __name__,
    path="/smittespredning",
    name="Smittespredning",
    title="Smittespredning – Smittespor",
    roles=ROLES,
    nav_order=30,
)


class ids:
    source = "spread-source"
    unit = "spread-unit"
    start = "spread-start"
    end = "spread-end"
    kind = "spread-kind"
    setting = "spread-setting"
    active = "spread-active"
    apply = "spread-apply"
    message = "spread-message"
    kpis = "spread-kpis"
    histogram = "spread-histogram"
    curve = "spread-epicurve"
    curve_basis = "spread-epicurve-basis"
    curve_stack = "spread-epicurve-stack"
    curve_data = "spread-epicurve-data"
    settings = "spread-settings"
    settings_table = "spread-settings-table"
    clusters = "spread-clusters"
    cluster_grid = "spread-cluster-grid"
    network_section = "spread-network-section"
    # inside the network section (rebuilt with each load, case workers only)
    network = "spread-network"
    summary = "spread-network-summary"
    legend = "spread-legend"
    layout = "spread-layout"
    slider = "spread-day"
    highlight = "spread-highlight"  # "Marker klynge": fades everything outside one cluster
    highlight_status = "spread-highlight-status"
    play = "spread-play"
    ticker = "spread-ticker"
    replay_status = "spread-replay-status"
    replay_start = "spread-replay-start"  # day 0 of the slider (ISO date)
    panel = "spread-panel"
    back = "spread-back"
    # state kept by the page
    chain = "spread-chain"  # what was drilled into: {"chain": id} or {"cluster": id} (None: everything)
    layout_choice = "spread-layout-choice"  # the layout last chosen, so a reload keeps it
    loaded = "spread-loaded"  # the query behind what is shown (a blur without a change does not reload)
    aggregate = "spread-aggregate"  # True for the aggregate (FHI) view


def may_see_network(actor: Any) -> bool:
    return actor is not None and actor.has_any(NETWORK_ROLES)


def source_value(utbrudd: Any) -> str:
    """The data-source select's value for an ``utbrudd=<id>`` query parameter (the register otherwise)."""
    text = str(utbrudd or "").strip()
    return f"{OUTBREAK_PREFIX}{int(text)}" if text.isdigit() else REGISTER


def _filters(full: bool, source: str) -> Any:
    today = today_oslo()
    start = today - dt.timedelta(days=WINDOW_DAYS)
    unit_label = "Alle mine enheter" if full else "Hele landet"
    # The outbreak asked for in the URL stands in the list until the callback fills in the real choices.
    sources = [{"label": "Registeret", "value": REGISTER}]
    if source != REGISTER:
        sources.append({"label": "Valgt analyseutbrudd", "value": source})
    first_row = [
        select(ids.source, "Datakilde", sources, value=source, width=3),
        select(ids.unit, "Organisasjonsenhet", [{"label": unit_label, "value": NONE}], value=NONE, width=3),
        date_input(ids.start, "Fra dato", value=start, width=2),
        date_input(ids.end, "Til dato", value=today, width=2),
    ]
    second_row = [
        select(ids.kind, "Klyngetype", options_of(CLUSTER_KIND_NB), empty_label="Alle klyngetyper", width=3),
        select(ids.setting, "Smittearena", options_of(EXPOSURE_SETTING_NB), empty_label="Alle arenaer", width=3),
        dbc.Col(
            html.Div(
                dbc.Switch(id=ids.active, label="Bare aktive kjeder", value=False),
                className="mb-3 pt-md-4",
            ),
            md=3,
        ),
        dbc.Col(
            html.Div(dbc.Button("Oppdater", id=ids.apply, color="primary"), className="mb-3 pt-md-4"),
            md=3,
        ),
    ]
    return dbc.Card(
        dbc.CardBody(
            html.Fieldset(
                [
                    html.Legend("Utvalg", className="h6"),
                    dbc.Row(first_row),
                    dbc.Row(second_row),
                    html.P(
                        "Datoene skrives som dd.mm.åååå og brukes når du trykker Enter, forlater feltet eller "
                        "trykker Oppdater.",
                        className="small text-body-secondary mb-0",
                    ),
                ]
            )
        ),
        className="mb-3",
    )


def _curve_controls(full: bool) -> Any:
    stacks = STACK_NB if full else {"setting": STACK_NB["setting"]}

    def radios(control_id: str, legend: str, choices: dict[str, str], value: str) -> Any:
        return html.Fieldset(
            [
                html.Legend(legend, className="small mb-0 fw-semibold"),
                dbc.RadioItems(id=control_id, options=options_of(choices), value=value, inline=True),
            ],
            className="me-4",
        )

    return html.Div(
        [
            radios(ids.curve_basis, "Dato", BASIS_NB, "onset"),
            radios(ids.curve_stack, "Fordelt på", stacks, "setting"),
        ],
        className="d-flex flex-wrap mb-1",
    )


@page_layout(ROLES)
def layout(utbrudd: str | None = None, kjede: str | None = None, **_query: Any) -> Any:
    full = may_see_network(current_actor())
    intro = (
        "Kjeder, smittenettverk og smittsomhet per klynge og arena for dine enheter."
        if full
        else "Samlede tall for kjeder og smitte per arena. Enkeltpersoner og klynger vises ikke."
    )
    sections: list[Any] = [
        dcc.Store(id=ids.chain, data={"chain": str(kjede).strip()} if full and kjede else None),
        dcc.Store(id=ids.layout_choice, data="bubble"),
        dcc.Store(id=ids.loaded),
        dcc.Store(id=ids.aggregate, data=not full),
        dcc.Store(id=ids.curve_data),
        html.H1("Smittespredning", className="h3"),
        html.P(intro, className="text-body-secondary"),
        _filters(full, source_value(utbrudd)),
        html.Div(id=ids.message, **{"aria-live": "polite"}),
        dcc.Loading(html.Div(id=ids.kpis, className="mb-3"), type="default"),
        # Only the main load shows the spinner here: a tapped node (the side panel) must not blank the network.
        dcc.Loading(
            html.Div(id=ids.network_section),
            target_components={ids.network_section: "children"},
            delay_show=300,
            overlay_style={"visibility": "visible", "opacity": 0.5},
        ),
        dbc.Row(
            [
                dbc.Col(
                    dcc.Loading(
                        figure_block(
                            ids.histogram,
                            "Kjedestørrelser",
                            "Stolpediagram: antall kjeder etter hvor mange tilfeller kjeden har.",
                        )
                    ),
                    lg=5,
                ),
                dbc.Col(
                    dcc.Loading(
                        figure_block(
                            ids.curve,
                            "Epidemikurve",
                            "Stablet stolpediagram: nye tilfeller per dag, fordelt på smittearena"
                            + (" eller klynge." if full else ".")
                            + " Tallene per arena står også i tabellen under.",
                            controls=_curve_controls(full),
                        ),
                        target_components={ids.curve: "figure"},
                    ),
                    lg=7,
                ),
            ]
        ),
        html.Section(
            [html.H2("Smitte per arena", className="h5"), dcc.Loading(html.Div(id=ids.settings))],
            className="mb-4",
            **{"aria-label": "Smitte per arena"},
        ),
        html.Section(id=ids.clusters, className="mb-4"),
    ]
    return html.Div(sections)
