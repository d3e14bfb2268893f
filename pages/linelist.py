"""Importer linjeliste: upload a line list (and its pairs) as an analysis outbreak or as real cases, with a
progress bar while it is stored and a row-by-row report when it is refused (callbacks/linelist.py)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.access import page_layout
from components.forms import field, select, text_input
from tracing.linelist.columns import documentation, setting_documentation
from tracing.linelist.read import MAX_BYTES

ROLES = frozenset({"kommuneoverlege"})

dash.register_page(
    __name__, path="/linjeliste", name="Importer linjeliste", title="Importer linjeliste – Smittespor", roles=ROLES,
    nav_order=40,
)

MODE_OPTIONS = [
    {"label": "Analyseutbrudd (bare til analyse; ingen personer eller saker opprettes)", "value": "analysis"},
    {"label": "Ekte saker i registeret (krever fødselsnummer; oppretter personer, indekssaker og klynger)", "value": "cases"},
]
ACCEPT = ".csv,.txt,.tsv,.xlsx,.xlsm,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMATS = ("dd.mm.åååå", "dd/mm/åååå", "d/m/åå", "åååå-mm-dd", "åååå/mm/dd", "Excel-datoceller")


class ids:
    cases_upload = "linelist-cases-upload"
    cases_file = "linelist-cases-file"
    links_upload = "linelist-links-upload"
    links_file = "linelist-links-file"
    org_unit = "linelist-org-unit"
    label = "linelist-label"
    mode = "linelist-mode"
    mapping = "linelist-mapping"
    import_button = "linelist-import"
    progress_area = "linelist-progress-area"
    progress = "linelist-progress"
    progress_text = "linelist-progress-text"
    status = "linelist-status"
    result = "linelist-result"
    docs = "linelist-docs"


def _upload(upload_id: str, file_id: str, title: str, hint: str) -> Any:
    """A drop zone inside a <label>: the label names dcc.Upload's (transparent) file input for screen readers, and
    a click anywhere on it opens the file chooser once, through the label (the zone's own click is turned off)."""
    return html.Div(
        [
            html.Label(
                [
                    html.Span(title, className="form-label d-block"),
                    dcc.Upload(
                        id=upload_id,
                        accept=ACCEPT,
                        max_size=MAX_BYTES,
                        multiple=False,
                        disable_click=True,
                        children=html.Span(["Dra fila hit, eller ", html.Span("velg fil", className="text-primary text-decoration-underline")]),
                        className="border border-2 rounded p-3 text-center bg-body-tertiary",
                        style={"borderStyle": "dashed", "cursor": "pointer"},
                    ),
                ],
                className="d-block",
                id=f"{upload_id}-label",
            ),
            dbc.FormText(hint),
            html.Div(id=file_id, className="small mt-1", **{"aria-live": "polite"}),
        ],
        className="mb-3",
    )


def _documentation() -> Any:
    rows = [html.Tr([html.Td(f), html.Td(name), html.Td(names), html.Td(text)]) for f, name, names, text in documentation()]
    settings = [html.Tr([html.Td(name), html.Td(words)]) for name, words in setting_documentation()]
    return html.Details(
        [
            html.Summary("Kolonner, datoformater og eksempler", className="fw-semibold"),
            html.Div(
                [
                    html.P(
                        "Overskriftene kan stå på norsk eller engelsk, med store eller små bokstaver, mellomrom eller "
                        "understrek. Tittelrader over overskriftsraden hoppes over. Andre kolonnenavn kan kobles til våre "
                        "felt i «Kolonnekobling». Ukjente kolonner brukes ikke."
                    ),
                    dbc.Table(
                        [html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Fil", "Felt", "Godtatte kolonnenavn", "Beskrivelse")])),
                         html.Tbody(rows)],
                        size="sm", bordered=True, responsive=True,
                    ),
                    html.P(
                        ["Datoer: ", ", ".join(DATE_FORMATS), ". «ukjent», «unknown», «-» og tomme celler betyr at verdien mangler."]
                    ),
                    html.P(
                        "Par: enten rettede par (smitter, smittet; en kolonne «retning» med nei gjør et par urettet), eller "
                        "urettede par (sak, relatert sak). Urettede par får retning etter symptomstart: tidligst symptomstart "
                        "er smitter; ved lik eller manglende symptomstart brukes testdato, ellers rekkefølgen i saksfila. "
                        "Tilfeller uten par er med i utbruddet (de har ikke smittet noen kjente)."
                    ),
                    dbc.Table(
                        [html.Thead(html.Tr([html.Th("Arena", scope="col"), html.Th("Godtatte ord", scope="col")])), html.Tbody(settings)],
                        size="sm", bordered=True, responsive=True,
                    ),
                    html.P("Eksempel på saksfil (semikolon, norske overskrifter):"),
                    html.Pre(
                        "Løpenr;Symptomstart;Testdato;Klynge;Arena;Kommune;Alder;Kjønn\n"
                        "1;14.12.2020;15.12.2020;Julebord;arrangement;0301;34;K\n"
                        "2;17/12/2020;ukjent;Julebord;fest;0301;45;M",
                        className="bg-body-tertiary p-2 border rounded",
                    ),
                    html.P("Eksempel på parfil:"),
                    html.Pre("smitter;smittet;arena;eksponeringsdato\n1;2;arrangement;12.12.2020", className="bg-body-tertiary p-2 border rounded"),
                ],
                className="mt-2",
            ),
        ],
        id=ids.docs,
        className="mb-4",
    )


@page_layout(ROLES)
def layout(**_query: Any) -> Any:
    return html.Div(
        [
            html.H1("Importer linjeliste", className="h3"),
            html.P(
                "Last opp en linjeliste (CSV eller Excel) med ett tilfelle per rad, og eventuelt en fil med smittepar. "
                "Hele fila kontrolleres først: har den feil, lagres ingenting, og du får en liste over radene som må rettes.",
                className="text-body-secondary",
            ),
            _documentation(),
            dbc.Card(
                dbc.CardBody(
                    [
                        dbc.Row(
                            [
                                dbc.Col(_upload(ids.cases_upload, ids.cases_file, "Saksfil (påkrevd)", "Ett tilfelle per rad, med id."), md=6),
                                dbc.Col(_upload(ids.links_upload, ids.links_file, "Parfil (valgfri)", "Smitter og smittet, eller sak og relatert sak."), md=6),
                            ]
                        ),
                        dbc.Row(
                            [
                                select(ids.org_unit, "Organisasjonsenhet", (), width=6),
                                text_input(ids.label, "Etikett", width=6, help_text="Navnet på utbruddet, unikt i enheten."),
                            ]
                        ),
                        html.Fieldset(
                            [
                                html.Legend("Hva skal lista bli?", className="form-label fs-6"),
                                dbc.RadioItems(id=ids.mode, options=MODE_OPTIONS, value="analysis"),
                            ],
                            className="mb-3",
                        ),
                        field(
                            "Kolonnekobling (valgfri)",
                            dbc.Textarea(id=ids.mapping, rows=3, placeholder="Pasientnr = id\nDato syk = symptomstart"),
                            ids.mapping,
                            help_text="Én kobling per linje: deres kolonnenavn = vårt felt.",
                        ),
                        dbc.Button("Importer", id=ids.import_button, color="primary", className="mb-3"),
                        html.Div(
                            [
                                html.Label("Fremdrift for importen", htmlFor=ids.progress, className="form-label small mb-1"),
                                html.Div(
                                    [
                                        html.Progress(id=ids.progress, value="0", max="100", className="flex-grow-1", style={"height": "1.25rem"}),
                                        html.Span("", id=ids.progress_text, className="ms-2 small", style={"minWidth": "3.5rem"}),
                                    ],
                                    className="d-flex align-items-center",
                                ),
                                html.Div(id=ids.status, className="small text-body-secondary mt-1", **{"aria-live": "polite"}),
                            ],
                            id=ids.progress_area,
                            className="mb-3 d-none",
                        ),
                        html.Div(id=ids.result, **{"aria-live": "polite"}),
                    ]
                ),
                className="mb-4",
            ),
        ]
    )
