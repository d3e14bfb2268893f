"""One cluster: load its view (members in four groups), search a person and add them as a member."""

from __future__ import annotations

import re
from typing import Any

from dash import Dash, Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate

from components.format import date_nb
from components.forms import clean, error_alert, in_session, parse_id, success_alert, with_empty
from components.person_card import empty, person_link
from pages.cluster import SECTIONS, ids
from tracing.clusters import add_member, cluster_view
from tracing.errors import DomainError
from tracing.persons import lookup_national_id, search_persons
from tracing.vocabulary import CASE_STATUS_NB, CLUSTER_KIND_NB, CLUSTER_MEMBER_ROLE_NB

ELEVEN_DIGITS = re.compile(r"^\d{11}$")


def member_list(rows: list[Any]) -> Any:
    if not rows:
        return empty("Ingen.")
    items = []
    for m in rows:
        facts = " · ".join(
            x
            for x in (
                f"f. {m.birth_year}" if m.birth_year else "",
                CLUSTER_MEMBER_ROLE_NB.get(m.role, m.role),
                CASE_STATUS_NB.get(m.case_status, m.case_status) if m.case_status else "",
                m.org_unit_name or "",
            )
            if x
        )
        name = person_link(m.person_id, m.full_name, can_open=m.can_open)
        items.append(
            html.Li([name, html.Div(facts, className="small text-body-secondary")], className="mb-2 cluster-member")
        )
    return html.Ul(items, className="list-unstyled mb-0")


def details(view: Any) -> Any:
    c = view.cluster
    rows = [
        ("Type", CLUSTER_KIND_NB.get(c.kind, c.kind)),
        ("Organisasjonsenhet", view.org_unit_name),
        ("Adresse", c.address or "–"),
        ("Periode", f"{date_nb(c.start_date) or '…'} – {date_nb(c.end_date) or '…'}"),
        ("Beskrivelse", c.description or "–"),
    ]
    return html.Dl(
        sum(([html.Dt(k, className="col-sm-3"), html.Dd(v, className="col-sm-9")] for k, v in rows), []),
        className="row",
    )


def shape_view(view: Any) -> dict[str, Any]:
    groups = {key: getattr(view, key) for key, _title, _id in SECTIONS}
    counts = ", ".join(f"{title}: {len(groups[key])}" for key, title, _id in SECTIONS)
    out = {div_id: member_list(groups[key]) for key, _title, div_id in SECTIONS}
    out.update({f"{div_id}-title": f"{title} ({len(groups[key])})" for key, title, div_id in SECTIONS})
    out.update({ids.heading: view.cluster.name, ids.details: details(view), ids.counts: f"Deltakere: {counts}"})
    return out


def load(cluster_id: int | None, _changed: Any) -> dict[str, Any]:
    blank = {k: no_update for k in _outputs()}
    if cluster_id is None:
        return blank | {ids.heading: "Fant ikke klyngen", ids.error: None, ids.content: True}
    try:
        shaped = in_session(lambda s, a: shape_view(cluster_view(s, a, cluster_id)))
    except DomainError as error:
        return blank | {ids.heading: "Ingen tilgang", ids.error: error_alert(error), ids.content: True}
    return blank | shaped | {ids.error: None, ids.content: False}


def search(_clicks: int | None, text: str | None) -> Any:
    query = (text or "").strip()
    if not query:
        raise PreventUpdate
    compact = "".join(query.split())
    try:
        if ELEVEN_DIGITS.match(compact):
            found = in_session(lambda s, a: lookup_national_id(s, a, compact))
            hits = [(found.person_id, found.full_name)] if found.in_scope and found.person_id else []
        else:
            hits = in_session(
                lambda s, a: [
                    (h.person_id, f"{h.full_name} ({date_nb(h.birth_date) or 'ukjent fødselsdato'})")
                    for h in search_persons(s, a, query)
                    if h.in_scope
                ]
            )
    except DomainError as error:
        return with_empty([], "– ingen treff –"), error_alert(error)
    if not hits:
        return with_empty([], "– ingen treff –"), html.P("Ingen treff.", className="text-body-secondary")
    return with_empty([{"label": name, "value": str(pid)} for pid, name in hits], "– velg person –"), None


def add(_clicks: int | None, cluster_id: int | None, person: Any, role: Any) -> tuple[Any, Any]:
    if not _clicks or cluster_id is None:
        raise PreventUpdate
    try:
        person_id = parse_id(person, "person")
        in_session(lambda s, a: add_member(s, a, cluster_id, person_id, clean(role) or "other"))
    except DomainError as error:
        return error_alert(error), no_update
    return success_alert("Deltakeren er lagt til."), _clicks


def _outputs() -> dict[str, Output]:
    out = {div_id: Output(div_id, "children") for _k, _t, div_id in SECTIONS}
    out.update({f"{div_id}-title": Output(f"{div_id}-title", "children") for _k, _t, div_id in SECTIONS})
    out.update(
        {
            ids.heading: Output(ids.heading, "children"),
            ids.details: Output(ids.details, "children"),
            ids.counts: Output(ids.counts, "children"),
            ids.error: Output(ids.error, "children"),
            ids.content: Output(ids.content, "hidden"),
        }
    )
    return out


def register(app: Dash) -> None:
    app.callback(output=_outputs(), inputs=[Input(ids.cluster_id, "data"), Input(ids.changed, "data")])(load)
    app.callback(
        Output(ids.person, "options"),
        Output(ids.add_feedback, "children"),
        Input(ids.search_button, "n_clicks"),
        State(ids.search_text, "value"),
        prevent_initial_call=True,
    )(search)
    app.callback(
        Output(ids.add_feedback, "children", allow_duplicate=True),
        Output(ids.changed, "data"),
        Input(ids.add_button, "n_clicks"),
        State(ids.cluster_id, "data"),
        State(ids.person, "value"),
        State(ids.role, "value"),
        prevent_initial_call=True,
    )(add)
