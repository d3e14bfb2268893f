"""Smittespredning: load the graph for the chosen scope, show its measures, draw it, replay it, open a node.

How the page works:
- ``load`` reads the filters, loads the graph from graph/ (the register, or an imported analysis outbreak) and
  fills every section at once. Case workers also get the network section (Cytoscape, layout choice, replay
  slider, side panel), rebuilt with each load; FHI gets the same numbers with ``aggregate=True`` and no network.
- The network's positions are computed on the server for all three layouts at once (graph/layout.py) and kept in
  each node's data; switching layout moves the nodes in the browser (no round trip, no new stylesheet).
- The replay slider toggles the ``future`` class on the elements dated after the chosen day, in the browser.
- Above ``SPREAD_MAX_NODES`` nodes (Flask config) the network shows one node per chain and per cluster; tapping
  one drills into it (``ids.chain``), and "Tilbake til oversikten" leaves it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from auth.web import current_actor, store
from components.format import date_nb
from components.forms import NONE, case_unit_options, clean, error_alert, parse_date_nb, parse_id
from components.network import (
    chain_size_figure,
    cluster_grid,
    cluster_rows,
    day_marks,
    epicurve_counts,
    epicurve_figure,
    kpi_cards,
    legend_list,
    network,
    network_summary,
    overview_summary,
    panel_placeholder,
    setting_rows,
    setting_table,
)
from components.shell import ids as shell_ids
from data.queries.orgunits import all_kommuner
from graph.elements import (
    KIND_STYLE,
    edge_legend,
    elements,
    legend,
    overview_elements,
    replay_range,
    stylesheet,
    with_contacts,
)
from graph.layout import LAYOUTS, all_positions
from graph.measures import SpreadReport, spread_report
from graph.model import TransmissionGraph
from graph.outbreak import list_outbreaks, load_outbreak_graph
from graph.store import SpreadScope, load_graph
from pages.spread import OUTBREAK_PREFIX, REGISTER, ids, may_see_network
from tracing.cases import case_summary
from tracing.errors import DomainError
from tracing.vocabulary import CASE_KIND_NB, CASE_STATUS_NB, EXPOSURE_SETTING_NB

PATH = "/smittespredning"
DEFAULT_MAX_NODES = 2000  # Cytoscape stays interactive at about this many nodes (DESIGN.md, performance notes)
DEFAULT_MAX_CHAIN_NODES = 5000  # a drilled-into chain is drawn up to this size (its cases only above it)
LAYOUT_NB = {"bubble": "Boble", "hierarchical": "Hierarkisk", "timeline": "Tidslinje"}
OUTPUTS = 9  # of ``load``
FILTER_IDS = frozenset({ids.source, ids.unit, ids.kind, ids.setting, ids.active, ids.start, ids.end, ids.apply})


# --- reading the filters -------------------------------------------------------------------------------------


def _drill(value: Any) -> dict[str, Any] | None:
    """``{"chain": "c12"}`` or ``{"cluster": 4}`` from the drill store (anything else: nothing drilled into)."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("chain"), str) and value["chain"].strip():
        return {"chain": value["chain"].strip()}
    if isinstance(value.get("cluster"), int) and not isinstance(value.get("cluster"), bool):
        return {"cluster": value["cluster"]}
    return None


def read_query(source: Any, unit: Any, kind: Any, setting: Any, active: Any, start: Any, end: Any, drill: Any) -> dict[str, Any]:
    """The filters as one JSON-able dict (also what ``loaded`` remembers); raises DomainError naming a bad field."""
    first = parse_date_nb(start, "fra dato")
    last = parse_date_nb(end, "til dato")
    if first and last and first > last:
        raise DomainError("fra dato", "Fra dato må være før eller lik til dato.")
    source = clean(source) or REGISTER
    outbreak = None
    if source.startswith(OUTBREAK_PREFIX):
        outbreak = parse_id(source[len(OUTBREAK_PREFIX) :], "datakilde")
    return {
        "outbreak": outbreak,
        "unit": parse_id(unit, "organisasjonsenhet", required=False),
        "kind": clean(kind),
        "setting": clean(setting),
        "active": bool(active),
        "start": first.isoformat() if first else None,
        "end": last.isoformat() if last else None,
        "drill": _drill(drill),
    }


def scope_of(query: dict[str, Any]) -> SpreadScope:
    drill = query["drill"] or {}
    return SpreadScope(
        org_unit_id=query["unit"],
        start=dt.date.fromisoformat(query["start"]) if query["start"] else None,
        end=dt.date.fromisoformat(query["end"]) if query["end"] else None,
        cluster_id=drill.get("cluster"),
        cluster_kind=query["kind"],
        setting=query["setting"],
        active_only=query["active"],
    )


def _actor_on(pathname: str | None) -> Any:
    """The logged-in actor, when this page is the one shown (otherwise nothing to do)."""
    actor = current_actor() if pathname == PATH else None
    if actor is None:
        raise PreventUpdate
    return actor


def _config(name: str, default: int) -> int:
    try:
        return max(1, int(current_app.config.get(name, default)))
    except (TypeError, ValueError, RuntimeError):
        return default


def load_scope(session: Any, actor: Any, query: dict[str, Any], full: bool) -> tuple[TransmissionGraph, SpreadReport, bool]:
    """The graph and its report for the query, and whether its drill-down applied. A drilled-into chain is found
    among the chains of the same scope, so it is exactly the chain the overview showed; when it is not there (an
    old link, other filters) the whole scope comes back instead."""
    drill = query["drill"] or {}
    if query["outbreak"] is not None:
        graph = load_outbreak_graph(session, actor, query["outbreak"], aggregate=not full)
        if drill.get("cluster") is not None:
            cases = [k for k in graph.case_keys if drill["cluster"] in graph.nodes[k].cluster_ids]
            graph = graph.subgraph(with_contacts(graph, cases))
    else:
        graph = load_graph(session, actor, scope_of(query), aggregate=not full)
    report = spread_report(graph)
    if drill.get("chain") is None:
        return graph, report, True
    chain = next((c for c in report.chains if c.id == drill["chain"]), None)
    if chain is None:
        return graph, report, False
    graph = graph.subgraph(with_contacts(graph, chain.case_keys))
    return graph, spread_report(graph), True


# --- the network section -------------------------------------------------------------------------------------


def positioned_elements(graph: TransmissionGraph, report: SpreadReport, layout: str, keys: list[str] | None) -> list[dict[str, Any]]:
    """Elements positioned for ``layout``; each node also carries its position in every layout (``data.pos``),
    so the browser can switch layouts without asking the server."""
    els = elements(graph, layout, keys=keys, chains=report.chains)
    every = all_positions(graph, keys)
    for el in els:
        data = el["data"]
        if "source" in data:
            continue
        key = data["id"]
        data["pos"] = {name: [round(p[key][0], 1), round(p[key][1], 1)] for name, p in every.items() if key in p}
    return els


def cluster_choices(graph: TransmissionGraph, els: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The clusters that have drawn nodes, by name: the options of "Marker klynge"."""
    present: set[str] = set()
    for e in els:
        if "source" not in e["data"]:
            present.update(c[len("cluster-"):] for c in e.get("classes", "").split() if c.startswith("cluster-"))
    named = [(graph.clusters[int(c)].name, c) for c in present if int(c) in graph.clusters]
    return [{"label": name, "value": value} for name, value in sorted(named)]


NO_CLUSTER = "ingen"


def _highlight(choices: list[dict[str, str]]) -> Any:
    return html.Div(
        [
            html.Label("Marker klynge", htmlFor=ids.highlight, className="small fw-semibold mb-0 d-block"),
            dbc.Select(id=ids.highlight, options=[{"label": "– ingen –", "value": NO_CLUSTER}, *choices], value=NO_CLUSTER, size="sm"),
            html.P(id=ids.highlight_status, className="small mb-0", **{"aria-live": "polite"}),
        ],
        className="me-4 mb-2",
        style={"minWidth": "14rem", "maxWidth": "20rem"},
    )


def _controls(layout: str, last: int, zero: dt.date | None, choices: list[dict[str, str]] | None = None) -> Any:
    layout_choice = html.Fieldset(
        [
            html.Legend("Oppsett", className="small mb-0 fw-semibold"),
            dbc.RadioItems(
                id=ids.layout,
                options=[{"label": LAYOUT_NB[name], "value": name} for name in LAYOUTS],
                value=layout,
                inline=True,
            ),
        ],
        className="me-4 mb-2",
    )
    marks = day_marks(zero, last) if zero else {0: "Dag 0", last: f"Dag {last}"}
    replay = html.Div(
        [
            html.Div(
                [
                    html.Span("Spill av spredningen dag for dag", id=f"{ids.slider}-label", className="small fw-semibold me-2"),
                    dbc.Button("Spill av", id=ids.play, color="secondary", outline=True, size="sm", n_clicks=0),
                ],
                className="d-flex align-items-center mb-1",
            ),
            html.Div(
                dcc.Slider(
                    id=ids.slider, min=0, max=last, step=1, value=last, marks=marks, allow_direct_input=False,
                    updatemode="drag",
                ),
                role="group",
                **{"aria-labelledby": f"{ids.slider}-label"},
            ),
            html.P(id=ids.replay_status, className="small mb-0", **{"aria-live": "polite"}),
            dcc.Store(id=ids.replay_start, data=zero.isoformat() if zero else None),
            dcc.Interval(id=ids.ticker, interval=700, disabled=True),
        ],
        className="flex-grow-1 mb-2",
        style={"minWidth": "18rem"},
    )
    blocks = [layout_choice, _highlight(choices)] if choices else [layout_choice]
    return html.Div([*blocks, replay], className="d-flex flex-wrap align-items-start")


def _legend(overview: bool) -> Any:
    if overview:
        entries = [
            ("Aktiv kjede", KIND_STYLE["index-active"][1]),
            ("Avsluttet kjede", KIND_STYLE["index-closed"][1]),
            ("Klynge (linjer til kjedene den har tilfeller i)", "#FFFFFF"),
        ]
        return legend_list(entries, list_id=ids.legend)
    nodes = [(label, colour) for _cls, label, colour in legend()]
    return html.Div(
        [
            legend_list(nodes, list_id=ids.legend),
            html.P(
                "Piler: smitteoverføring. Tynne grå linjer: eksponering uten kjent smitte. Linjetype viser arena: "
                + ", ".join(f"{label} ({_LINE_NB.get(css, css)})" for cls, label, css in edge_legend() if cls.startswith("setting-"))
                + ".",
                className="small text-body-secondary mb-2",
            ),
        ]
    )


_LINE_NB = {"solid": "hel", "dashed": "stiplet", "dotted": "prikket"}


def _panel(overview: bool) -> Any:
    if overview:
        title = "Velg kjede"
        hint = html.P("Velg en kjede eller en klynge i oversikten for å se den tegnet.", className="text-body-secondary mb-0")
    else:
        title, hint = "Valgt tilfelle", panel_placeholder()
    return dbc.Card(
        dbc.CardBody([html.H3(title, className="h6 card-title"), html.Div(hint, id=ids.panel)]),
        className="h-100",
    )


def _frame(body: list[Any], drilled: bool) -> Any:
    back = (
        dbc.Button("Tilbake til oversikten", id=ids.back, color="secondary", outline=True, size="sm", className="mb-2")
        if drilled
        else None
    )
    return html.Section(
        [html.H2("Smittenettverk", className="h5"), back, *body], className="mb-4", **{"aria-label": "Smittenettverk"}
    )


def network_section(graph: TransmissionGraph, report: SpreadReport, query: dict[str, Any], layout: str) -> tuple[Any, Any]:
    """The network block for case workers and a message (or None): the whole graph, a chain, or the overview."""
    limit = _config("SPREAD_MAX_NODES", DEFAULT_MAX_NODES)
    cap = max(limit, _config("SPREAD_MAX_CHAIN_NODES", DEFAULT_MAX_CHAIN_NODES))
    drilled = query["drill"] is not None
    if not graph.nodes:
        return _frame([html.P("Ingen tilfeller i utvalget.", className="text-body-secondary")], drilled), None
    if not drilled and len(graph.nodes) > limit:
        summary = overview_summary(report.chains, len(graph.nodes))
        els = overview_elements(graph, report.chains)
        body = [
            html.P(summary, id=ids.summary, className="small"),
            _picture(els, ids.summary, overview=True),
        ]
        return _frame(body, drilled), None
    keys = None
    message = None
    if len(graph.nodes) > cap:
        keys = graph.case_keys
        message = dbc.Alert("Utvalget er stort: bare tilfellene er tegnet, ikke nærkontaktene.", color="info")
        if len(keys) > cap:
            text = f"Utvalget har {len(keys)} tilfeller, for mange til å tegne. Tallene under gjelder hele utvalget."
            return _frame([html.P(text)], drilled), None
    els = positioned_elements(graph, report, layout, keys)
    zero, last = replay_range(els)
    shown = sum(1 for e in els if "source" not in e["data"])
    body = [
        _controls(layout, last, zero, cluster_choices(graph, els)),
        html.P(network_summary(graph, report, shown=shown), id=ids.summary, className="visually-hidden"),
        _picture(els, ids.summary),
    ]
    return _frame(body, drilled), message


def _picture(els: list[dict[str, Any]], summary_id: str, *, overview: bool = False) -> Any:
    return dbc.Row(
        [
            dbc.Col([_legend(overview), network(ids.network, els, stylesheet(), summary_id=summary_id)], lg=8, className="mb-3"),
            dbc.Col(_panel(overview), lg=4, className="mb-3"),
        ]
    )


# --- the main load -----------------------------------------------------------------------------------------------


def load(
    pathname: str | None,
    source: Any, unit: Any, kind: Any, setting: Any, active: Any,
    _s1: Any, _s2: Any, _e1: Any, _e2: Any, _apply: Any,
    drill: Any,
    start: Any, end: Any, layout: Any, loaded: Any,
) -> tuple[Any, ...]:
    """Every section from one load of the graph (outputs: message, KPIs, histogram, epicurve data, setting table,
    cluster table, network section, the query loaded, and the drill-down when it is left)."""
    actor = _actor_on(pathname)
    full = may_see_network(actor)
    # A new filter starts from the whole scope again: the chain drilled into may not be in it.
    leave = bool(drill) and ctx.triggered_id in FILTER_IDS
    try:
        query = read_query(source, unit, kind, setting, active, start, end, None if leave or not full else drill)
    except DomainError as error:
        return (error_alert(error),) + (no_update,) * (OUTPUTS - 1)
    if query == loaded and ctx.triggered_id != ids.apply:
        raise PreventUpdate
    try:
        with store().session() as session:
            graph, report, drilled = load_scope(session, actor, query, full)
    except DomainError as error:
        return (error_alert(error), None, chain_size_figure([]), None, None, None, None, query, no_update)
    message = None
    if not drilled:
        leave = True
        query = {**query, "drill": None}
        message = dbc.Alert("Fant ikke kjeden i utvalget. Hele utvalget vises.", color="warning")
    section = None
    clusters = None
    if full:
        section, note = network_section(graph, report, query, layout if layout in LAYOUTS else "bubble")
        message = message or note
        clusters = [
            html.H2("Klynger", className="h5"),
            cluster_grid(ids.cluster_grid, cluster_rows(report, graph, link=query["outbreak"] is None)),
        ]
    if query["outbreak"] is not None and message is None:
        message = dbc.Alert(
            "Et importert utbrudd vises helt: dato-, enhets-, klynge- og arenafiltrene gjelder bare registeret.",
            color="info", className="small py-2",
        )
    cases = len(graph.case_keys)
    return (
        message,
        kpi_cards(report.kpis, cases=cases, contacts=len(graph.nodes) - cases),
        chain_size_figure(c.size for c in report.chains),
        epicurve_counts(graph, with_clusters=full),
        setting_table(setting_rows(report), table_id=ids.settings_table),
        clusters,
        section,
        query,
        None if leave else no_update,
    )


def fill_choices(pathname: str | None) -> tuple[Any, Any]:
    """The data sources (the register and the analysis outbreaks) and the org units the user may choose."""
    actor = _actor_on(pathname)
    full = may_see_network(actor)
    with store().session() as session:
        if full:
            units = case_unit_options(session, actor)
        else:
            units = [{"label": u.name, "value": str(u.id)} for u in all_kommuner(session)]
        try:
            outbreaks = [(o.id, o.label) for o in list_outbreaks(session, actor, aggregate=not full)]
        except DomainError:
            outbreaks = []
    sources = [{"label": "Registeret", "value": REGISTER}] + [
        {"label": f"Analyse: {label}", "value": f"{OUTBREAK_PREFIX}{oid}"} for oid, label in outbreaks
    ]
    first = {"label": "Alle mine enheter" if full else "Hele landet", "value": NONE}
    return sources, [first, *units]


# --- the side panel and drilling -------------------------------------------------------------------------------


def _dl(rows: list[tuple[str, Any]]) -> Any:
    items: list[Any] = []
    for term, value in rows:
        items += [html.Dt(term, className="col-5 fw-normal text-body-secondary"), html.Dd(value or "–", className="col-7 mb-1")]
    return html.Dl(items, className="row small mb-2")


def case_panel(view: Any) -> Any:
    """The case at a glance, without the person's name (the person page, one click away, shows it)."""
    case = view.case
    source = view.source_exposures[0] if view.source_exposures else None
    infected_by = "Ukjent"
    if source is not None:
        setting = EXPOSURE_SETTING_NB.get(source.setting, source.setting)
        infected_by = f"Sak {source.source_case_id} ({date_nb(source.exposure_date)}, {setting})"
    rows = [
        ("Type", CASE_KIND_NB.get(case.kind, case.kind)),
        ("Status", CASE_STATUS_NB.get(case.status, case.status)),
        ("Enhet", view.org_unit_name),
        ("Symptomdato", date_nb(case.symptom_onset)),
        ("Prøvedato", date_nb(case.test_date)),
        ("Smittet av", infected_by),
        ("Nærkontakter", str(len(view.contacts))),
    ]
    return html.Div(
        [
            html.P(f"Sak {case.id}", className="fw-semibold mb-2", id="spread-panel-case"),
            _dl(rows),
            dcc.Link("Åpne personen", href=f"/person/{view.person_id}", id="spread-panel-person", className="btn btn-sm btn-primary"),
        ]
    )


def analysis_panel(graph: TransmissionGraph, key: str) -> Any:
    """A line-list row: its dates, setting and cluster (there is no person page behind it)."""
    node = graph.nodes.get(key)
    if node is None:
        return html.P("Fant ikke tilfellet i utbruddet.", className="mb-0")
    cluster = ", ".join(graph.clusters[c].name for c in node.cluster_ids if c in graph.clusters)
    rows = [
        ("Symptomdato", date_nb(node.onset)),
        ("Prøvedato", date_nb(node.test_date)),
        ("Meldt", date_nb(node.report_date)),
        ("Smittearena", EXPOSURE_SETTING_NB.get(node.setting or "", node.setting or "")),
        ("Klynge", cluster),
    ]
    return html.Div(
        [
            html.P(node.label, className="fw-semibold mb-2", id="spread-panel-case"),
            _dl(rows),
            html.P("Tilfelle fra en importert linjeliste: ingen personside.", className="small text-body-secondary mb-0"),
        ]
    )


def open_node(data: Any, source: Any) -> tuple[Any, Any]:
    """A tapped node: a case opens in the side panel (an audited read); an overview node drills into its chain
    or cluster."""
    if not isinstance(data, dict) or not data.get("id"):
        raise PreventUpdate
    actor = current_actor()
    if actor is None or not may_see_network(actor):
        raise PreventUpdate
    drill = _drill(data.get("drill"))
    if drill is not None:
        return no_update, drill
    key = str(data["id"])
    source = str(source or "")
    try:
        with store().session() as session:
            if source.startswith(OUTBREAK_PREFIX):
                graph = load_outbreak_graph(session, actor, int(source[len(OUTBREAK_PREFIX) :]))
                return analysis_panel(graph, key), no_update
            if not (key.startswith("c") and key[1:].isdigit()):
                return html.P(f"{data.get('label') or 'Nærkontakt'}: nærkontakt som ikke ble tilfelle.", className="mb-0"), no_update
            return case_panel(case_summary(session, actor, int(key[1:]))), no_update
    except (DomainError, ValueError) as error:
        if isinstance(error, DomainError):
            return error_alert(error), no_update
        raise PreventUpdate from None


def leave_drill(n: Any) -> Any:
    if not n:
        raise PreventUpdate
    return None


def show_curve(counts: Any, basis: Any, stack: Any, aggregate: Any) -> Any:
    return epicurve_figure(counts, basis or "onset", "setting" if aggregate else (stack or "setting"))


# --- client side: layout switch, replay ---------------------------------------------------------------------------

# Moves every node to its position in the chosen layout (kept in its data by the server) and fits the view.
SWITCH_LAYOUT_JS = """
function(layout) {
    const el = document.getElementById("%(net)s");
    const cy = el && el._cyreg && el._cyreg.cy;
    if (!cy || !layout) { return layout || window.dash_clientside.no_update; }
    cy.batch(function() {
        cy.nodes().forEach(function(n) {
            const p = n.data("pos");
            if (p && p[layout]) { n.position({x: p[layout][0], y: p[layout][1]}); }
        });
    });
    cy.fit(undefined, 30);
    return layout;
}
""" % {"net": ids.network}

# Hides what happened after the chosen day: a class toggled in one batch, never a new stylesheet. Also names the
# slider's handle and says its day as a date (dcc.Slider has no aria-label of its own).
REPLAY_JS = """
async function(day, last, start) {
    const sleep = function(ms) { return new Promise(function(resolve) { setTimeout(resolve, ms); }); };
    let when = "dag " + day;
    if (start && typeof day === "number") {
        const d = new Date(start + "T12:00:00Z");
        d.setUTCDate(d.getUTCDate() + day);
        const pad = function(x) { return String(x).padStart(2, "0"); };
        when = pad(d.getUTCDate()) + "." + pad(d.getUTCMonth() + 1) + "." + d.getUTCFullYear();
    }
    // The slider and the network may still be on their way (lazy-loaded, or arriving with new elements).
    let thumb = null, cy = null;
    for (let i = 0; i < 100; i++) {
        await sleep(i ? 100 : 0);
        thumb = document.querySelector("#%(slider)s [role=slider]");
        const el = document.getElementById("%(net)s");
        cy = el && el._cyreg && el._cyreg.cy;
        if (thumb && cy) { break; }
    }
    if (thumb) {
        thumb.setAttribute("aria-label", "Vis spredningen fram til dato");
        thumb.setAttribute("aria-valuetext", when);
    }
    if (!cy || day === undefined || day === null) { return window.dash_clientside.no_update; }
    cy.batch(function() {
        cy.elements().forEach(function(e) {
            const d = e.data("day");
            e.toggleClass("future", typeof d === "number" && d > day);
        });
    });
    const total = cy.nodes().length;
    const shown = total - cy.nodes(".future").length;
    if (day >= last) { return "Hele perioden vises: " + total + " noder."; }
    return "Tilstanden per " + when + ": " + shown + " av " + total + " noder vises.";
}
""" % {"net": ids.network, "slider": ids.slider}

# "Marker klynge": the cluster's nodes (and the edges between them) keep their colour, the rest fade. Clusters are
# grouped by highlighting rather than drawn as boxes: a box round one cluster's members would cover other chains.
HIGHLIGHT_JS = """
function(choice) {
    const el = document.getElementById("%(net)s");
    const cy = el && el._cyreg && el._cyreg.cy;
    if (!cy) { return window.dash_clientside.no_update; }
    const value = choice === "%(none)s" ? "" : choice;
    const cls = "cluster-" + value;
    let marked = 0;
    cy.batch(function() {
        cy.nodes().forEach(function(n) {
            const inside = !value || n.hasClass(cls);
            n.toggleClass("faded", !inside);
            if (value && inside) { marked += 1; }
        });
        cy.edges().forEach(function(e) {
            e.toggleClass("faded", !!value && !(e.source().hasClass(cls) && e.target().hasClass(cls)));
        });
    });
    return value ? marked + " noder i klyngen er markert." : "";
}
""" % {"net": ids.network, "none": NO_CLUSTER}

# The play button starts (from day 0 when at the end) or pauses the ticker.
PLAY_JS = """
function(n, disabled, day, last) {
    const no = window.dash_clientside.no_update;
    if (!n) { return [no, no, no]; }
    if (disabled) { return [false, "Pause", day >= last ? 0 : no]; }
    return [true, "Spill av", no];
}
"""

# Each tick moves the slider one day; at the last day the ticker stops.
TICK_JS = """
function(n, day, last) {
    const no = window.dash_clientside.no_update;
    if (!n) { return [no, no, no]; }
    const next = Math.min((day || 0) + 1, last);
    if (next >= last) { return [next, true, "Spill av"]; }
    return [next, no, no];
}
"""


def register(app: Dash) -> None:
    app.callback(
        Output(ids.message, "children"),
        Output(ids.kpis, "children"),
        Output(ids.histogram, "figure"),
        Output(ids.curve_data, "data"),
        Output(ids.settings, "children"),
        Output(ids.clusters, "children"),
        Output(ids.network_section, "children"),
        Output(ids.loaded, "data"),
        Output(ids.chain, "data"),
        Input(shell_ids.url, "pathname"),
        Input(ids.source, "value"),
        Input(ids.unit, "value"),
        Input(ids.kind, "value"),
        Input(ids.setting, "value"),
        Input(ids.active, "value"),
        Input(ids.start, "n_submit"),
        Input(ids.start, "n_blur"),
        Input(ids.end, "n_submit"),
        Input(ids.end, "n_blur"),
        Input(ids.apply, "n_clicks"),
        Input(ids.chain, "data"),
        State(ids.start, "value"),
        State(ids.end, "value"),
        State(ids.layout_choice, "data"),
        State(ids.loaded, "data"),
    )(load)
    app.callback(Output(ids.source, "options"), Output(ids.unit, "options"), Input(shell_ids.url, "pathname"))(fill_choices)
    app.callback(
        Output(ids.curve, "figure"),
        Input(ids.curve_data, "data"),
        Input(ids.curve_basis, "value"),
        Input(ids.curve_stack, "value"),
        State(ids.aggregate, "data"),
    )(show_curve)
    app.callback(
        Output(ids.panel, "children"),
        Output(ids.chain, "data", allow_duplicate=True),
        Input(ids.network, "tapNodeData"),
        State(ids.source, "value"),
        prevent_initial_call=True,
    )(open_node)
    app.callback(
        Output(ids.chain, "data", allow_duplicate=True), Input(ids.back, "n_clicks"), prevent_initial_call=True
    )(leave_drill)
    app.clientside_callback(
        HIGHLIGHT_JS, Output(ids.highlight_status, "children"), Input(ids.highlight, "value"), prevent_initial_call=True
    )
    app.clientside_callback(
        SWITCH_LAYOUT_JS, Output(ids.layout_choice, "data"), Input(ids.layout, "value"), prevent_initial_call=True
    )
    app.clientside_callback(
        REPLAY_JS,
        Output(ids.replay_status, "children"),
        Input(ids.slider, "value"),
        State(ids.slider, "max"),
        State(ids.replay_start, "data"),
    )
    app.clientside_callback(
        PLAY_JS,
        Output(ids.ticker, "disabled"),
        Output(ids.play, "children"),
        Output(ids.slider, "value"),
        Input(ids.play, "n_clicks"),
        State(ids.ticker, "disabled"),
        State(ids.slider, "value"),
        State(ids.slider, "max"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        TICK_JS,
        Output(ids.slider, "value", allow_duplicate=True),
        Output(ids.ticker, "disabled", allow_duplicate=True),
        Output(ids.play, "children", allow_duplicate=True),
        Input(ids.ticker, "n_intervals"),
        State(ids.slider, "value"),
        State(ids.slider, "max"),
        prevent_initial_call=True,
    )
