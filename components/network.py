"""The explorer's pieces (Smittespredning): the Cytoscape network with its text alternative, the chain KPI cards,
the chain-size histogram, the epicurve, the cluster table and the per-setting table.

Why here and not in the page: the page and its callbacks only wire inputs to graph/; everything a user sees of a
``TransmissionGraph`` or a ``SpreadReport`` is shaped here, as plain functions the unit tests can call.

Privacy: nothing here puts a name or a fødselsnummer anywhere. Nodes carry ids and dates (graph/elements.py),
the tables carry cluster names (shown to case workers only) and numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
import plotly.graph_objects as go
from dash import dcc, html

from graph.estimate import Estimate
from graph.measures import Measures, SpreadReport
from graph.model import TransmissionGraph
from tracing.vocabulary import CLUSTER_KIND_NB, EXPOSURE_SETTING_NB

TOO_LITTLE = "for lite data"
NO_CLUSTER = "Ingen klynge"
UNKNOWN_SETTING = "Ukjent arena"
OTHER_CLUSTERS = "Andre klynger"
MAX_STACKED_CLUSTERS = 10  # beyond this the epicurve's colours stop meaning anything

# Okabe-Ito: told apart by people with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999", "#6A3D9A")
FUTURE_STYLE = {"selector": ".future", "style": {"display": "none"}}
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
BASIS_NB = {"onset": "Symptomdato", "test": "Prøvedato"}
STACK_NB = {"setting": "Smittearena", "cluster": "Klynge"}


# --- numbers as a Norwegian reader reads them ---------------------------------------------------------------


def decimal_nb(value: float, digits: int = 2) -> str:
    """1234.5 -> "1 234,50": decimal comma, non-breaking space between thousands."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")


def estimate_text(estimate: Estimate | None, *, digits: int = 2, percent: bool = False, unit: str = "") -> str:
    """"verdi (KI lav–høy)", or "for lite data"; a value without a finite interval says so."""
    if estimate is None or not estimate.ok:
        return TOO_LITTLE
    scale = 100.0 if percent else 1.0
    suffix = " %" if percent else unit

    def show(x: float) -> str:
        return decimal_nb(x * scale, digits)

    value = f"{show(estimate.value)}{suffix}"  # type: ignore[arg-type]
    if estimate.low is None or estimate.high is None:
        return f"{value} (KI\u00a0mangler)"
    # The interval never breaks inside: no-break space and word joiners around the dash.
    return f"{value} (KI\u00a0{show(estimate.low)}\u2060–\u2060{show(estimate.high)})"


def growth_text(measures: Measures) -> tuple[float | None, str]:
    """A cluster's growth over the last 14 days as a sortable number (daily rate) and its text."""
    g = measures.growth
    if g.doubling_days.ok:
        return g.rate.value, f"Dobling {estimate_text(g.doubling_days, digits=1, unit=' d')}"
    if g.halving_days.ok:
        return g.rate.value, f"Halvering {estimate_text(g.halving_days, digits=1, unit=' d')}"
    if g.rate.ok:
        return g.rate.value, f"Vekstrate {estimate_text(g.rate, digits=3, unit=' /d')}"
    return None, TOO_LITTLE


def serial_text(measures: Measures) -> tuple[float | None, str]:
    """Mean serial interval from infector-infectee pairs; else the case-to-case estimate (marked ICC)."""
    si = measures.serial_interval
    if si.mean.ok:
        return si.mean.value, estimate_text(si.mean, digits=1, unit=" d")
    icc = measures.serial_interval_icc
    if icc is not None and icc.mean.ok:
        return icc.mean.value, f"{estimate_text(icc.mean, digits=1, unit=' d')} ICC"
    return None, TOO_LITTLE


def _value(estimate: Estimate) -> float | None:
    return estimate.value if estimate.ok else None


# --- KPI cards --------------------------------------------------------------------------------------------


def kpi_cards(kpis: Any, *, cases: int, contacts: int) -> Any:
    """The four chain numbers the doctor looks at first, plus what they are counted from."""
    items = (
        ("kjeder", "Kjeder", kpis.chains),
        ("aktive", "Aktive kjeder", kpis.active_chains),
        ("storste", "Største kjede", kpis.largest),
        ("generasjoner", "Generasjoner", kpis.max_generations),
    )
    cards = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.P(label, className="small text-body-secondary mb-1"),
                        html.P(f"{value:,}".replace(",", "\u00a0"), className="h3 mb-0", id=f"spread-kpi-{key}"),
                    ]
                ),
                className="h-100",
            ),
            xs=6,
            lg=3,
            className="mb-2",
        )
        for key, label, value in items
    ]
    note = html.P(
        f"Regnet ut fra {cases} tilfeller og {contacts} nærkontakter som ikke ble tilfeller.",
        className="small text-body-secondary mb-0",
    )
    return html.Div([dbc.Row(cards), note])


# --- figures ----------------------------------------------------------------------------------------------

_SIZE_BINS = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 10), (11, 20), (21, 50), (51, 100), (101, 500), (501, None))


def _bin_label(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"{lo}+"
    return str(lo) if lo == hi else f"{lo}–{hi}"


def chain_size_bins(sizes: Iterable[int]) -> list[tuple[str, int]]:
    """Chain sizes counted in fixed bins (1, 2, ... 6–10, ... 501+), up to the bin of the largest chain."""
    sizes = list(sizes)
    if not sizes:
        return []
    largest = max(sizes)
    out = []
    for lo, hi in _SIZE_BINS:
        if lo > largest:
            break
        n = sum(1 for s in sizes if s >= lo and (hi is None or s <= hi))
        out.append((_bin_label(lo, hi), n))
    return out


def _base_layout(x_title: str, y_title: str, top: int | None = None) -> dict[str, Any]:
    """Axis titles in Norwegian, decimal comma, whole-number counts. The figure's title is the heading above it."""
    y_axis: dict[str, Any] = {"title": {"text": y_title}, "rangemode": "tozero", "tickformat": ",d"}
    if top is not None and top <= 10:
        y_axis["dtick"] = 1  # otherwise plotly puts ticks at 0,5 and prints them as whole numbers twice
    return {
        "xaxis": {"title": {"text": x_title}},
        "yaxis": y_axis,
        "separators": ", ",
        "margin": {"l": 60, "r": 20, "t": 30, "b": 60},
        "template": "plotly_white",
        "legend": {"title": {"text": ""}},
        "height": 360,
    }


def chain_size_figure(sizes: Iterable[int]) -> go.Figure:
    bins = chain_size_bins(sizes)
    fig = go.Figure(
        go.Bar(
            x=[label for label, _ in bins],
            y=[n for _, n in bins],
            marker_color=PALETTE[0],
            hovertemplate="Kjeder med %{x} tilfeller: %{y}<extra></extra>",
            name="Kjeder",
        )
    )
    fig.update_layout(**_base_layout("Kjedestørrelse (antall tilfeller)", "Antall kjeder", max((n for _, n in bins), default=0)))
    fig.update_xaxes(type="category")
    if not bins:
        fig.add_annotation(text="Ingen kjeder i utvalget", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return fig


def epicurve_counts(graph: TransmissionGraph, *, with_clusters: bool) -> dict[str, Any]:
    """Cases per day, by symptom onset and by test date, stacked by setting and (for case workers) by cluster.

    JSON-ready (kept in a dcc.Store, so switching basis or stacking needs no new load):
    ``{basis: {stack: {group label: {iso date: n}}}}`` plus ``missing[basis]``, the cases without that date.
    Line-list cases without a test date count by their report date.
    """
    out: dict[str, Any] = {"onset": {"setting": {}, "cluster": {}}, "test": {"setting": {}, "cluster": {}}}
    missing = {"onset": 0, "test": 0}
    cluster_sizes: Counter[int] = Counter()
    cases = [graph.nodes[k] for k in graph.case_keys]
    if with_clusters:
        for node in cases:
            cluster_sizes.update(node.cluster_ids[:1])
    top = {cid for cid, _ in cluster_sizes.most_common(MAX_STACKED_CLUSTERS)}

    def cluster_label(node: Any) -> str:
        if not node.cluster_ids:
            return NO_CLUSTER
        cid = node.cluster_ids[0]
        if cid not in top:
            return OTHER_CLUSTERS
        info = graph.clusters.get(cid)
        return info.name if info else f"Klynge {cid}"

    for node in cases:
        dates = {"onset": node.onset, "test": node.test_date or node.report_date}
        setting = EXPOSURE_SETTING_NB.get(node.setting or "", UNKNOWN_SETTING)
        for basis, day in dates.items():
            if day is None:
                missing[basis] += 1
                continue
            iso = day.isoformat()
            groups = out[basis]["setting"].setdefault(setting, {})
            groups[iso] = groups.get(iso, 0) + 1
            if with_clusters:
                groups = out[basis]["cluster"].setdefault(cluster_label(node), {})
                groups[iso] = groups.get(iso, 0) + 1
    out["missing"] = missing
    return out


def _group_order(stack: str, groups: Mapping[str, Mapping[str, int]]) -> list[str]:
    if stack == "setting":
        known = [label for label in EXPOSURE_SETTING_NB.values() if label in groups]
        return known + [g for g in groups if g not in known]
    tail = [g for g in (OTHER_CLUSTERS, NO_CLUSTER) if g in groups]
    head = sorted((g for g in groups if g not in tail), key=lambda g: -sum(groups[g].values()))
    return head + tail


def epicurve_figure(counts: Mapping[str, Any] | None, basis: str, stack: str) -> go.Figure:
    basis = basis if basis in BASIS_NB else "onset"
    stack = stack if stack in STACK_NB else "setting"
    groups: Mapping[str, Mapping[str, int]] = ((counts or {}).get(basis) or {}).get(stack) or {}
    fig = go.Figure()
    for i, label in enumerate(_group_order(stack, groups)):
        series = sorted(groups[label].items())
        fig.add_bar(
            x=[dt.date.fromisoformat(d) for d, _ in series],
            y=[n for _, n in series],
            name=label,
            marker_color=PALETTE[i % len(PALETTE)],
            hovertemplate="%{x|%d.%m.%Y}: %{y} tilfeller<extra>" + label.replace("<", "&lt;") + "</extra>",
        )
    per_day: Counter[str] = Counter()
    for series in groups.values():
        per_day.update(series)
    layout = _base_layout(BASIS_NB[basis], "Antall tilfeller", max(per_day.values(), default=0))
    fig.update_layout(**layout, barmode="stack", bargap=0.1)
    fig.update_xaxes(type="date", tickformat="%d.%m", hoverformat="%d.%m.%Y")
    missing = ((counts or {}).get("missing") or {}).get(basis) or 0
    if not groups:
        fig.add_annotation(text="Ingen tilfeller med dato i utvalget", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    elif missing:
        fig.add_annotation(
            text=f"{missing} tilfeller uten {BASIS_NB[basis].lower()} er ikke med",
            showarrow=False, xref="paper", yref="paper", x=0, y=1.02, xanchor="left", yanchor="bottom",
            font={"size": 11},
        )
    return fig


def figure_block(graph_id: str, title: str, description: str, *, controls: Any = None) -> Any:
    """A figure with a heading, its controls, and a text description screen readers get instead of the plot."""
    return html.Figure(
        [
            html.H2(title, className="h6", id=f"{graph_id}-title"),
            controls,
            dcc.Graph(id=graph_id, figure=go.Figure(), config=PLOT_CONFIG),
            html.Figcaption(description, id=f"{graph_id}-description", className="small text-body-secondary"),
        ],
        className="mb-3",
        **{"aria-labelledby": f"{graph_id}-title"},
    )


# --- the cluster table and the per-setting table -------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def _markdown_link(text: str, href: str) -> str:
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return f"[{escaped}]({href})"


def measure_cells(measures: Measures) -> dict[str, Any]:
    """The measure columns of one row: a sortable number and its "verdi (KI lav–høy)" text for each."""
    growth_value, growth_nb = growth_text(measures)
    si_value, si_nb = serial_text(measures)
    return {
        "cases": measures.cases,
        "growth": growth_value,
        "growth_text": growth_nb,
        "sar": _value(measures.attack_rate),
        "sar_text": estimate_text(measures.attack_rate, digits=1, percent=True),
        "r": _value(measures.offspring.r),
        "r_text": estimate_text(measures.offspring.r),
        "k": _value(measures.offspring.k),
        "k_text": estimate_text(measures.offspring.k),
        "si": si_value,
        "si_text": si_nb,
    }


def cluster_rows(report: SpreadReport, graph: TransmissionGraph, *, link: bool = True) -> list[dict[str, Any]]:
    """One row per cluster, largest first; the name links to the cluster's own page (register clusters)."""
    rows = []
    for cluster_id, measures in report.by_cluster.items():
        info = graph.clusters.get(cluster_id)
        name = info.name if info else f"Klynge {cluster_id}"
        rows.append(
            {
                "row_id": str(cluster_id),
                "cluster": _markdown_link(name, f"/klynge/{cluster_id}") if link and cluster_id > 0 else name,
                "kind": CLUSTER_KIND_NB.get(info.kind or "", info.kind or "–") if info else "–",
                **measure_cells(measures),
            }
        )
    rows.sort(key=lambda r: (-r["cases"], r["row_id"]))
    return rows


def _measure_columns() -> list[dict[str, Any]]:
    def col(field: str, header: str, text: str, width: int = 130) -> dict[str, Any]:
        return {
            "field": field,
            "headerName": header,
            "type": "numericColumn",
            "valueFormatter": {"function": f"params.data.{text}"},
            "minWidth": width,
            "flex": 1,
            "wrapText": True,
            "autoHeight": True,
        }

    return [
        {"field": "cases", "headerName": "Tilfeller", "type": "numericColumn", "width": 100},
        col("growth", "Vekst (14 d)", "growth_text", 150),
        col("sar", "SAR", "sar_text"),
        col("r", "R", "r_text"),
        col("k", "k", "k_text"),
        col("si", "Serieintervall", "si_text"),
    ]


GRID_LOCALE_NB = {
    "noRowsToShow": "Ingen klynger i utvalget",
    "loadingOoo": "Laster …",
    "ariaSortableColumn": "Trykk Enter for å sortere",
    "ariaMenuColumn": "Trykk Alt Pil ned for å åpne kolonnemenyen",
    "sortAscending": "Sorter stigende",
    "sortDescending": "Sorter synkende",
    "sortUnSort": "Fjern sortering",
}


def cluster_grid(grid_id: str, rows: list[dict[str, Any]]) -> Any:
    """Sortable on every column; sorting the measure columns sorts by the number behind the text."""
    columns = [
        {"field": "cluster", "headerName": "Klynge", "cellRenderer": "markdown", "minWidth": 180, "flex": 1.5,
         "wrapText": True, "autoHeight": True},
        {"field": "kind", "headerName": "Type", "width": 130, "wrapText": True, "autoHeight": True},
        *_measure_columns(),
    ]
    return dag.AgGrid(
        id=grid_id,
        rowData=rows,
        columnDefs=columns,
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "cellStyle": {"lineHeight": "1.35", "paddingTop": "0.6rem", "paddingBottom": "0.6rem"},
        },
        getRowId="params.data.row_id",
        dashGridOptions={
            "localeText": GRID_LOCALE_NB,
            "domLayout": "autoHeight" if len(rows) <= 15 else "normal",
            "enableCellTextSelection": True,
            "ensureDomOrder": True,
            "loadThemeGoogleFonts": False,
        },
        style={"width": "100%"} if len(rows) <= 15 else {"width": "100%", "height": "32rem"},
        className="spread-cluster-grid",
    )


SETTING_HEADERS = ("Smittearena", "Tilfeller", "Nærkontakter", "SAR", "R", "k", "Serieintervall", "Vekst (14 d)")


def setting_rows(report: SpreadReport) -> list[dict[str, Any]]:
    rows = []
    for setting, measures in report.by_setting.items():
        rows.append(
            {
                "setting": EXPOSURE_SETTING_NB.get(setting, setting),
                "contacts": measures.contacts,
                **measure_cells(measures),
            }
        )
    rows.sort(key=lambda r: (-r["cases"], r["setting"]))
    return rows


def setting_table(rows: Sequence[Mapping[str, Any]], *, table_id: str) -> Any:
    if not rows:
        return html.P("Ingen eksponeringer med smittearena i utvalget.", className="text-body-secondary", id=table_id)
    body = [
        html.Tr(
            [
                html.Th(r["setting"], scope="row"),
                html.Td(str(r["cases"])),
                html.Td(str(r["contacts"])),
                html.Td(r["sar_text"]),
                html.Td(r["r_text"]),
                html.Td(r["k_text"]),
                html.Td(r["si_text"]),
                html.Td(r["growth_text"]),
            ]
        )
        for r in rows
    ]
    return dbc.Table(
        [
            html.Caption("Smitte per arena: sekundær angrepsrate (SAR), R, k og serieintervall med 95 % KI"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in SETTING_HEADERS])),
            html.Tbody(body),
        ],
        id=table_id,
        striped=True,
        hover=True,
        responsive=True,
        size="sm",
        className="caption-top",
    )


# --- the network ------------------------------------------------------------------------------------------


def network_summary(graph: TransmissionGraph, report: SpreadReport, *, shown: int | None = None) -> str:
    """The sentence that stands in for the picture (screen readers, and a caption for everyone)."""
    cases = len(graph.case_keys)
    contacts = len(graph.nodes) - cases
    active = report.kpis.active_chains
    text = (
        f"Nettverket viser {cases} tilfeller i {report.kpis.chains} kjeder ({active} aktive) og {contacts} "
        f"nærkontakter som ikke ble tilfeller. Største kjede har {report.kpis.largest} tilfeller over "
        f"{report.kpis.max_generations} generasjoner."
    )
    if shown is not None:
        text += f" {shown} noder er tegnet."
    return text


def overview_summary(chains: Sequence[Any], nodes: int) -> str:
    return (
        f"Utvalget har {nodes} noder, for mange til å tegne hver for seg. Oversikten viser én node per kjede "
        f"({len(chains)} kjeder); velg en kjede for å se den."
    )


def stylesheet_with_replay(base: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The graph's stylesheet plus the replay's ``future`` class (hidden), unless graph/elements.py has one."""
    sheet = [dict(rule) for rule in base]
    if not any(rule.get("selector") == FUTURE_STYLE["selector"] for rule in sheet):
        sheet.append(dict(FUTURE_STYLE))
    return sheet


def network(net_id: str, elements: list[dict[str, Any]], stylesheet: Sequence[Mapping[str, Any]], *, summary_id: str) -> Any:
    """Positions come from the server (``preset``): nothing is laid out in the browser, nodes cannot be dragged."""
    return html.Div(
        cyto.Cytoscape(
            id=net_id,
            elements=elements,
            layout={"name": "preset", "fit": True, "padding": 30, "animate": False},
            stylesheet=stylesheet_with_replay(stylesheet),
            autoungrabify=True,
            boxSelectionEnabled=False,
            minZoom=0.05,
            maxZoom=4,
            responsive=True,
            style={"width": "100%", "height": "60vh", "minHeight": "420px"},
            className="border rounded bg-body",
        ),
        role="img",
        **{"aria-label": "Smittenettverk", "aria-describedby": summary_id},
    )


def legend_list(items: Iterable[Mapping[str, Any]] | Iterable[tuple[str, str]], *, list_id: str) -> Any:
    """The legend as a list of swatches and words (colours alone are never the only cue: the tables say it too)."""
    entries = []
    for item in items:
        if isinstance(item, Mapping):
            label = str(item.get("label") or item.get("text") or "")
            colour = str(item.get("color") or item.get("colour") or "#999")
            shape = str(item.get("shape") or "ellipse")
        else:
            label, colour = item[0], item[1]
            shape = "ellipse"
        radius = "50%" if shape in ("ellipse", "circle") else "0.15rem"
        entries.append(
            html.Li(
                [
                    html.Span(
                        className="d-inline-block me-1 align-middle border",
                        style={"width": "0.9rem", "height": "0.9rem", "backgroundColor": colour, "borderRadius": radius},
                        **{"aria-hidden": "true"},
                    ),
                    label,
                ],
                className="list-inline-item small me-3",
            )
        )
    return html.Ul(entries, className="list-inline mb-2", id=list_id, **{"aria-label": "Tegnforklaring"})


def day_marks(start: dt.date, days: int, *, max_marks: int = 8) -> dict[int, str]:
    """Slider marks as dd.mm, at most ``max_marks`` of them, always the first and the last day."""
    if days <= 0:
        return {0: start.strftime("%d.%m")}
    step = max(1, -(-days // (max_marks - 1)))
    marks = {d: (start + dt.timedelta(days=d)).strftime("%d.%m") for d in range(0, days, step)}
    marks[days] = (start + dt.timedelta(days=days)).strftime("%d.%m")
    return marks


def panel_placeholder() -> Any:
    return html.P("Velg et tilfelle i nettverket for å se saken.", className="text-body-secondary mb-0")

