"""Klyngeforslag: list the suggestions as cards; accept one (then link to its cluster) or dismiss it."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.format import date_nb
from components.forms import error_alert, in_session
from components.person_card import person_link
from components.shell import ids as shell_ids
from pages.suggestions import PATH, ids
from tracing.errors import DomainError
from tracing.suggestions import (
    DOCTORS_ONLY,
    Suggestion,
    accept_suggestion,
    dismiss_suggestion,
    suggest_clusters,
)
from tracing.vocabulary import CASE_STATUS_NB, CLUSTER_KIND_NB

EVIDENCE_NB = {
    "workplace": "Samme arbeidsplass",
    "school": "Samme skole/barnehage",
    "address": "Samme adresse",
    "event": "Samme arrangement",
}
ALSO_NB = {"workplace": "arbeidsplass", "school": "skole/barnehage", "address": "adresse", "event": "arrangement"}
OUT_OF_SCOPE_NB = "Person som følges opp i en annen enhet"
MAX_CARDS = 100
MAX_CASES_PER_CARD = 50


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _case_item(case: Any) -> Any:
    facts = " · ".join(
        x
        for x in (
            f"sak {case.case_id}",
            date_nb(case.reference_date),
            CASE_STATUS_NB.get(case.status, case.status),
            case.org_unit_name,
            "allerede i klyngen" if case.in_existing else "",
        )
        if x
    )
    name = person_link(case.person_id, case.display_name, can_open=True) if case.can_open else html.Span(OUT_OF_SCOPE_NB)
    return html.Li([name, html.Span(f" – {facts}", className="text-body-secondary")], className="mb-1 suggestion-case")


def _proposal(s: Suggestion) -> Any:
    if s.existing is not None:
        missing = sum(1 for c in s.cases if not c.in_existing)
        return html.P(
            [
                "Klyngen ",
                dcc.Link(f"«{s.existing.name}»", href=f"/klynge/{s.existing.id}"),
                f" finnes allerede ({s.existing.members} av {len(s.cases)} er med). Forslag: legg til ",
                _plural(missing, "sak", "saker"),
                " som mangler.",
            ],
            className="mb-2",
        )
    kind = CLUSTER_KIND_NB.get(s.proposed_kind, s.proposed_kind)
    return html.P(f"Forslag: ny klynge «{s.proposed_name}» (type: {kind.lower()}).", className="mb-2")


def _buttons(s: Suggestion) -> Any:
    if not s.can_act:
        return html.P(DOCTORS_ONLY, className="small text-body-secondary mb-0")
    label = "Legg til i klyngen" if s.existing is not None else "Opprett klynge"
    hidden = html.Span(f" for {s.value}", className="visually-hidden")
    return html.Div(
        [
            dbc.Button([label, hidden], id={"type": ids.accept, "key": s.key}, color="primary", className="me-2"),
            dbc.Button(["Avvis", hidden], id={"type": ids.dismiss, "key": s.key}, color="secondary", outline=True),
        ]
    )


def _case_list(s: Suggestion) -> Any:
    items = [_case_item(c) for c in s.cases[:MAX_CASES_PER_CARD]]
    rest = len(s.cases) - len(items)
    if rest > 0:
        items.append(html.Li(f"… og {_plural(rest, 'sak', 'saker')} til (alle blir med i klyngen).", className="mb-1"))
    return html.Ul(items, className="list-unstyled mb-3")


def suggestion_card(s: Suggestion) -> Any:
    facts = [
        s.org_unit_name,
        f"{date_nb(s.first_date)} – {date_nb(s.last_date)}",
        _plural(len(s.cases), "indeks", "indekser"),
        _plural(s.households, "husstand", "husstander"),
    ]
    if s.also:
        facts.append("også samme " + " og ".join(ALSO_NB[k] for k in s.also))
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(
                    [html.Span(f"{EVIDENCE_NB[s.kind]}: ", className="text-body-secondary"), s.value],
                    className="h5 card-title",
                ),
                html.P(" · ".join(facts), className="small mb-2"),
                _proposal(s),
                _case_list(s),
                _buttons(s),
            ]
        ),
        className=f"mb-3 suggestion-card suggestion-{s.kind}",
    )


def shape(suggestions: list[Suggestion]) -> tuple[Any, Any]:
    if not suggestions:
        return html.P("Ingen forslag akkurat nå.", className="text-body-secondary", id="suggestions-empty"), None
    shown = suggestions[:MAX_CARDS]
    summary = _plural(len(suggestions), "forslag", "forslag")
    if len(shown) < len(suggestions):
        summary += f"; de {len(shown)} med flest saker vises"
    return [suggestion_card(s) for s in shown], summary + "."


def fill(pathname: str | None, _changed: Any = None) -> tuple[Any, Any]:
    if pathname != PATH:
        raise PreventUpdate
    try:
        return in_session(lambda s, a: shape(suggest_clusters(s, a)))
    except DomainError as error:
        return error_alert(error), None


def _accepted(cluster: Any, members: int) -> Any:
    text = f"Sakene er lagt i klyngen «{cluster.name}», som nå har {_plural(members, 'deltaker', 'deltakere')}. "
    return dbc.Alert(
        [text, dcc.Link("Åpne klyngen", href=f"/klynge/{cluster.id}", id=ids.open_cluster, className="alert-link")],
        color="success",
        className="mb-3",
    )


def decide(_accepts: list[Any], _dismisses: list[Any], changed: Any = 0) -> tuple[Any, Any]:
    """One callback for both buttons of every card; only a real click acts (not buttons appearing on re-render)."""
    if not ctx.triggered or not any(t.get("value") for t in ctx.triggered) or not isinstance(ctx.triggered_id, dict):
        raise PreventUpdate
    key = str(ctx.triggered_id.get("key", ""))
    accepting = ctx.triggered_id.get("type") == ids.accept

    def work(session: Any, actor: Any) -> Any:
        if not accepting:
            dismiss_suggestion(session, actor, key)
            return dbc.Alert(
                "Forslaget er avvist. Det vises igjen hvis nye saker kommer til.", color="info", className="mb-3"
            )
        cluster = accept_suggestion(session, actor, key)
        return _accepted(cluster, len(cluster.members))

    try:
        feedback = in_session(work)
    except DomainError as error:
        return error_alert(error), no_update
    return feedback, (changed or 0) + 1


def register(app: Dash) -> None:
    app.callback(
        Output(ids.cards, "children"),
        Output(ids.summary, "children"),
        Input(shell_ids.url, "pathname"),
        Input(ids.changed, "data"),
    )(fill)
    app.callback(
        Output(ids.feedback, "children"),
        Output(ids.changed, "data"),
        Input({"type": ids.accept, "key": ALL}, "n_clicks"),
        Input({"type": ids.dismiss, "key": ALL}, "n_clicks"),
        State(ids.changed, "data"),
        prevent_initial_call=True,
    )(decide)
