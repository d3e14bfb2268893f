"""One cluster (klynge): details, and its members split into index cases, contacts, others and those another
kommune owns, each linking to the person page where the user may open it."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from auth.roles import CASE_WORK_ROLES
from components.access import page_layout
from components.forms import options_of, select, text_input
from tracing.vocabulary import CLUSTER_MEMBER_ROLE_NB

dash.register_page(__name__, path_template="/klynge/<cluster_id>", title="Klynge – Smittespor", roles=CASE_WORK_ROLES)


class ids:
    cluster_id = "cluster-id"
    changed = "cluster-changed"
    heading = "cluster-heading"
    error = "cluster-error"
    content = "cluster-content"
    details = "cluster-details"
    counts = "cluster-counts"
    index = "cluster-members-index"
    contacts = "cluster-members-contacts"
    others = "cluster-members-others"
    other_kommune = "cluster-members-other-kommune"
    search_text = "cluster-member-search-text"
    search_button = "cluster-member-search-button"
    person = "cluster-member-person"
    role = "cluster-member-role"
    add_button = "cluster-member-add"
    add_feedback = "cluster-member-feedback"


SECTIONS = (
    ("index", "Indekser", ids.index),
    ("contacts", "Nærkontakter", ids.contacts),
    ("others", "Andre deltakere", ids.others),
    ("other_kommune", "Tilhører annen kommune", ids.other_kommune),
)


def _members() -> Any:
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody([html.H2(title, className="h6 card-title", id=f"{div_id}-title"), html.Div(id=div_id)])
                ),
                md=6,
                xl=3,
                className="mb-3",
            )
            for _key, title, div_id in SECTIONS
        ]
    )


def _add_member() -> Any:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Legg til deltaker", className="h5 card-title"),
                dbc.Form(
                    dbc.Row(
                        [
                            text_input(ids.search_text, "Søk person (navn eller fødselsnummer)", width=6),
                            dbc.Col(
                                dbc.Button(
                                    "Søk", id=ids.search_button, type="submit", color="secondary", className="mt-md-4"
                                ),
                                md=2,
                            ),
                        ]
                    ),
                    prevent_default_on_submit=True,
                ),
                dbc.Row(
                    [
                        select(ids.person, "Person", (), empty_label="– søk først –", width=6),
                        select(ids.role, "Rolle", options_of(CLUSTER_MEMBER_ROLE_NB), value="other", width=3),
                    ]
                ),
                html.Div(id=ids.add_feedback),
                dbc.Button("Legg til", id=ids.add_button, color="primary"),
            ]
        ),
        className="mb-4",
    )


@page_layout(CASE_WORK_ROLES)
def layout(cluster_id: str | None = None, **_query: Any) -> Any:
    return html.Div(
        [
            dcc.Store(id=ids.cluster_id, data=int(cluster_id) if cluster_id and cluster_id.isdigit() else None),
            dcc.Store(id=ids.changed, data=0),
            html.P(dcc.Link("← Alle klynger", href="/klynger"), className="mb-2"),
            html.H1("Klynge", id=ids.heading, className="h3"),
            html.Div(id=ids.error),
            html.Div(
                [
                    html.Div(id=ids.details, className="mb-3"),
                    html.P(id=ids.counts, className="mb-3"),
                    _members(),
                    _add_member(),
                ],
                id=ids.content,
                hidden=True,
            ),
        ]
    )
