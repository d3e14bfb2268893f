"""The person: the form used to create and edit one, and the pieces of the enrollment dashboard (/person/<id>).

The shaping functions take what tracing/ returned (a PersonRecord and its ORM rows) and build components; they
read only attributes already loaded or loadable through the caller's open session, and never decide access.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.format import date_nb, datetime_nb
from components.forms import NONE, clean, date_input, options_of, parse_date_nb, parse_id, select, text_input
from data.queries.users import display_names
from data.national_id import mask
from tracing.persons import PersonInput
from tracing.rules import stored_rule_set
from tracing.vocabulary import (
    CASE_KIND_NB,
    CASE_OUTCOME_NB,
    CASE_STATUS_NB,
    CLUSTER_KIND_NB,
    CLUSTER_MEMBER_ROLE_NB,
    EXPOSURE_SETTING_NB,
    FOLLOW_UP_OUTCOME_NB,
    SEX_NB,
    TEST_METHOD_NB,
)

# (key, label) of the person form, in order. The ids are f"{prefix}-{key with - for _}".
PERSON_FIELDS: tuple[tuple[str, str], ...] = (
    ("first_name", "Fornavn"),
    ("middle_name", "Mellomnavn"),
    ("last_name", "Etternavn"),
    ("national_id", "Fødselsnummer eller D-nummer"),
    ("birth_date", "Fødselsdato"),
    ("sex", "Kjønn"),
    ("phone", "Telefon"),
    ("email", "E-post"),
    ("address", "Adresse"),
    ("postcode", "Postnummer"),
    ("post_place", "Poststed"),
    ("home_org_unit_id", "Hjemkommune"),
)


def person_field_id(prefix: str, key: str) -> str:
    return f"{prefix}-{key.replace('_', '-')}"


def person_field_ids(prefix: str) -> list[str]:
    return [person_field_id(prefix, key) for key, _ in PERSON_FIELDS]


def person_fields(prefix: str) -> Any:
    """The person form's inputs (no buttons): names, number or birth date, sex, contact details, home kommune."""
    i = lambda key: person_field_id(prefix, key)  # noqa: E731
    sex_options = options_of(SEX_NB)
    return html.Div(
        [
            dbc.Row(
                [
                    text_input(i("first_name"), "Fornavn", width=4, autocomplete="off"),
                    text_input(i("middle_name"), "Mellomnavn", width=4),
                    text_input(i("last_name"), "Etternavn", width=4),
                ]
            ),
            dbc.Row(
                [
                    text_input(
                        i("national_id"),
                        "Fødselsnummer eller D-nummer",
                        width=4,
                        help_text="11 siffer. Fødselsdatoen hentes fra nummeret.",
                    ),
                    date_input(i("birth_date"), "Fødselsdato (uten fødselsnummer)", width=4),
                    select(i("sex"), "Kjønn", sex_options, empty_label="Ikke oppgitt (fra fødselsnummeret)", width=4),
                ]
            ),
            dbc.Row(
                [
                    text_input(i("phone"), "Telefon", type="tel", width=4),
                    text_input(i("email"), "E-post", type="email", width=4),
                ]
            ),
            dbc.Row(
                [
                    text_input(i("address"), "Adresse", width=4),
                    text_input(i("postcode"), "Postnummer", width=2),
                    text_input(i("post_place"), "Poststed", width=3),
                    select(i("home_org_unit_id"), "Hjemkommune", (), empty_label="– ingen valgt –", width=3),
                ]
            ),
        ]
    )


def person_input(values: Sequence[Any]) -> PersonInput:
    """The form's values (in PERSON_FIELDS order) as a ``tracing.persons.PersonInput``; bad dates/ids raise
    DomainError naming the field. Required fields and the number itself are checked by tracing/."""
    raw = dict(zip((key for key, _ in PERSON_FIELDS), values))
    national_id = clean(raw["national_id"])
    return PersonInput(
        first_name=clean(raw["first_name"]) or "",
        last_name=clean(raw["last_name"]) or "",
        middle_name=clean(raw["middle_name"]),
        national_id="".join(national_id.split()) if national_id else None,
        birth_date=parse_date_nb(raw["birth_date"], "fødselsdato"),
        sex=clean(raw["sex"]),
        phone=clean(raw["phone"]),
        email=clean(raw["email"]),
        address=clean(raw["address"]),
        postcode=clean(raw["postcode"]),
        post_place=clean(raw["post_place"]),
        home_org_unit_id=parse_id(raw["home_org_unit_id"], "hjemkommune", required=False),
    )


def person_values(person: Any) -> list[Any]:
    """A stored person as the edit form's values (PERSON_FIELDS order)."""
    return [
        person.first_name,
        person.middle_name,
        person.last_name,
        person.national_id,
        date_nb(person.birth_date) or None,
        person.sex or NONE,
        person.phone,
        person.email,
        person.address,
        person.postcode,
        person.post_place,
        str(person.home_org_unit_id) if person.home_org_unit_id else NONE,
    ]


def _row(label: str, value: Any) -> list[Any]:
    return [
        html.Dt(label, className="col-sm-4"),
        html.Dd(value if value not in (None, "") else "–", className="col-sm-8"),
    ]


def profile_summary(person: Any) -> Any:
    """The person at a glance. The number is masked here; the full number is only in the edit form."""
    home = person.home_org_unit.name if person.home_org_unit_id and person.home_org_unit else None
    address = ", ".join(
        p for p in (person.address, " ".join(x for x in (person.postcode, person.post_place) if x)) if p
    )
    rows = (
        _row("Navn", person.full_name)
        + _row("Fødselsdato", date_nb(person.birth_date))
        + _row("Fødselsnummer", mask(person.national_id) if person.national_id else None)
        + _row("Kjønn", SEX_NB.get(person.sex or "unknown", person.sex))
        + _row("Telefon", person.phone)
        + _row("E-post", person.email)
        + _row("Adresse", address)
        + _row("Hjemkommune", home)
    )
    return html.Dl(rows, className="row mb-0")


def birth_year(value: dt.date | None) -> str:
    return str(value.year) if value else ""


def person_link(person_id: int, text: str, *, can_open: bool = True) -> Any:
    return dcc.Link(text, href=f"/person/{person_id}") if can_open else html.Span(text)


def empty(text: str) -> Any:
    return html.P(text, className="text-body-secondary mb-0")


def when(value: dt.datetime | None) -> str:
    return datetime_nb(value)


# --- the enrollment dashboard ---------------------------------------------------------------------------------------


class ACTIONS:
    """Pattern-matching id types of the per-row buttons: ``{"type": ..., "index": case or follow-up id}``."""

    add_contact = "person-case-add-contact"
    convert = "person-case-convert"
    close = "person-case-close"
    reopen = "person-case-reopen"
    assign = "person-case-assign"
    follow_up = "person-follow-up-record"


AUDIT_ACTION_NB = {
    "person_created": "Person opprettet",
    "person_updated": "Personopplysninger endret",
    "person_viewed": "Personsiden åpnet",
    "national_id_lookup": "Oppslag på fødselsnummer",
    "case_created": "Sak registrert",
    "case_updated": "Sak endret",
    "contact_added": "Nærkontakt registrert",
    "converted_to_index": "Konvertert til indeks",
    "case_closed": "Sak avsluttet",
    "case_reopened": "Sak gjenåpnet",
    "case_assigned": "Sak tildelt",
    "follow_up_recorded": "Oppfølging registrert",
    "note_added": "Notat lagt til",
    "cluster_member_added": "Lagt til i klynge",
    "export": "Eksport",
}
TEST_RESULT_NB = {"positive": "Positiv", "negative": "Negativ", "inconclusive": "Usikker"}


user_names = display_names


def period_nb(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return "–"
    return f"{date_nb(start) or '…'}–{date_nb(end) or '…'}"


def case_label(case: Any) -> str:
    kind = CASE_KIND_NB.get(case.kind, case.kind)
    status = CASE_STATUS_NB.get(case.status, case.status).lower()
    return f"{kind} ({status}), registrert {date_nb(case.enrolled_at)}"


def _button(text: str, kind: str, case_id: int, color: str = "secondary") -> Any:
    return dbc.Button(
        text,
        id={"type": kind, "index": case_id},
        color=color,
        outline=color == "secondary",
        size="sm",
        className=f"me-2 mb-1 case-action {kind}",
    )


def case_buttons(case: Any) -> list[Any]:
    """The actions a case offers in its state. Active: add a close contact (contacts of contacts too), convert a
    contact to an index, close, assign. Closed or cancelled: reopen."""
    if case.status != "active":
        return [_button("Gjenåpne", ACTIONS.reopen, case.id)]
    first = [_button("Konverter til indeks", ACTIONS.convert, case.id, "primary")] if case.kind == "contact" else []
    add = _button(
        "Legg til nærkontakt", ACTIONS.add_contact, case.id, "primary" if case.kind == "index" else "secondary"
    )
    return first + [add, _button("Avslutt sak", ACTIONS.close, case.id), _button("Tildel", ACTIONS.assign, case.id)]


def case_card(case: Any, names: dict[int, str]) -> Any:
    rules = stored_rule_set(case.rule_set)
    if case.kind == "index":
        onset = "Asymptomatisk" if case.asymptomatic else date_nb(case.symptom_onset)
        test = " ".join(
            x
            for x in (
                date_nb(case.test_date),
                f"({TEST_METHOD_NB.get(case.test_method, case.test_method)})" if case.test_method else "",
            )
            if x
        )
        facts = [
            ("Isolasjon", period_nb(case.isolation_start, case.isolation_end)),
            ("Prøvedato", test),
            ("Symptomdebut", onset),
            ("Smittet hvor", case.infected_where),
            ("Arbeidsplass/skole", case.workplace_or_school),
            ("Risikogruppe", case.risk_group),
        ]
    else:
        facts = [("Karantene", period_nb(case.quarantine_start, case.quarantine_end))]
    facts += [
        ("Enhet", case.org_unit.name if case.org_unit else None),
        ("Regelsett", rules.name_nb),
        ("Neste oppfølging", date_nb(case.next_follow_up)),
        ("Tildelt", names.get(case.assigned_to_id) if case.assigned_to_id else None),
        ("Registrert", date_nb(case.enrolled_at)),
    ]
    if case.status != "active":
        facts += [("Avsluttet", date_nb(case.closed_at)), ("Utfall", CASE_OUTCOME_NB.get(case.outcome, case.outcome))]
    badge_color, badge_text = (
        ("danger", None) if case.kind == "index" else ("info", "dark")
    )  # dark on info: AA contrast
    header = html.Div(
        [
            dbc.Badge(
                CASE_KIND_NB.get(case.kind, case.kind), color=badge_color, text_color=badge_text, className="me-2"
            ),
            dbc.Badge(
                CASE_STATUS_NB.get(case.status, case.status),
                color="success" if case.status == "active" else "secondary",
            ),
            html.Span(f" Sak {case.id}", className="small text-body-secondary ms-2"),
        ],
        className="mb-2",
    )
    body = html.Dl(sum((_row(k, v) for k, v in facts), []), className="row mb-2 small")
    return html.Div(
        [header, body, html.Div(case_buttons(case))],
        id=f"person-case-{case.id}",
        className=f"case-card case-kind-{case.kind} case-status-{case.status} border rounded p-3 mb-3",
    )


def cases_section(cases: Sequence[Any], names: dict[int, str]) -> Any:
    if not cases:
        return empty("Ingen saker. Registrer personen som indeks, eller legg hen til som nærkontakt fra en indeks.")
    ordered = sorted(cases, key=lambda c: (c.status != "active", -(c.id or 0)))
    active = [case_card(c, names) for c in ordered if c.status == "active"]
    earlier = [case_card(c, names) for c in ordered if c.status != "active"]
    parts: list[Any] = []
    if active:
        parts += [html.H3("Aktive saker", className="h6"), *active]
    if earlier:
        parts += [html.H3("Tidligere saker", className="h6"), *earlier]
    return html.Div(parts)


def follow_ups_section(follow_ups: Sequence[Any], cases_by_id: dict[int, Any], today: dt.date) -> Any:
    """Open follow-ups first (earliest due first) with "Registrer oppfølging", then the recorded ones, newest first."""
    if not follow_ups:
        return empty("Ingen oppfølginger.")
    open_ = sorted((f for f in follow_ups if f.done_at is None), key=lambda f: f.due_date)
    done = sorted((f for f in follow_ups if f.done_at is not None), key=lambda f: (f.due_date, f.id), reverse=True)
    rows = []
    for f in open_ + done:
        case = cases_by_id.get(f.case_id)
        kind = CASE_KIND_NB.get(case.kind, "") if case else ""
        if f.done_at is None:
            state = "Forfalt" if f.due_date < today else ("I dag" if f.due_date == today else "Planlagt")
            action = (
                _button("Registrer oppfølging", ACTIONS.follow_up, f.id, "primary")
                if case is not None and case.status == "active"
                else None
            )
        else:
            state = f"{FOLLOW_UP_OUTCOME_NB.get(f.outcome, f.outcome)} ({datetime_nb(f.done_at)})"
            action = None
        rows.append(
            html.Tr(
                [html.Td(date_nb(f.due_date)), html.Td(kind), html.Td(state), html.Td(f.note or ""), html.Td(action)],
                className="follow-up-open" if f.done_at is None else "follow-up-done",
            )
        )
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Dato", "Sak", "Status", "Notat", "Handling")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, className="mb-0")


def notes_section(notes: Sequence[Any], cases_by_id: dict[int, Any], names: dict[int, str]) -> Any:
    if not notes:
        return empty("Ingen notater.")
    items = []
    for n in sorted(notes, key=lambda n: (n.created_at, n.id), reverse=True):
        case = cases_by_id.get(n.case_id)
        meta = " · ".join(
            x
            for x in (
                names.get(n.author_id, "Ukjent"),
                datetime_nb(n.created_at),
                CASE_KIND_NB.get(case.kind, "") if case else "",
            )
            if x
        )
        items.append(
            html.Li(
                [html.Div(meta, className="small text-body-secondary"), html.Div(n.text, className="note-text")],
                className="mb-2 note",
            )
        )
    return html.Ul(items, className="list-unstyled mb-0")


def note_case_options(cases: Sequence[Any]) -> tuple[list[dict[str, str]], str]:
    """Which case a new note goes on: active cases first; the newest active one is chosen."""
    ordered = sorted(cases, key=lambda c: (c.status != "active", -(c.id or 0)))
    options = [{"label": case_label(c), "value": str(c.id)} for c in ordered]
    return options, options[0]["value"] if options else NONE


def tests_section(results: Sequence[Any]) -> Any:
    if not results:
        return empty("Ingen prøvesvar.")
    rows = [
        html.Tr(
            [
                html.Td(date_nb(r.sample_date)),
                html.Td(TEST_METHOD_NB.get(r.method, r.method)),
                html.Td(TEST_RESULT_NB.get(r.result, r.result)),
                html.Td(r.lab or ""),
            ]
        )
        for r in results
    ]
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Prøvedato", "Metode", "Resultat", "Laboratorium")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, className="mb-0")


def exposures_section(rows: Sequence[Any], empty_text: str) -> Any:
    """Exposures in one direction (``tracing.persons.ExposureRow``); the other person is a link when the user may
    open them, else only "person i en annen enhet"."""
    if not rows:
        return empty(empty_text)
    items = []
    for r in rows:
        name = r.other_full_name if r.can_open and r.other_full_name else "Person i en annen enhet"
        link = person_link(r.other_person_id, name, can_open=bool(r.can_open and r.other_person_id))
        facts = " · ".join(
            x
            for x in (
                date_nb(r.exposure_date),
                EXPOSURE_SETTING_NB.get(r.setting, r.setting),
                r.other_org_unit_name or "",
                f"klynge: {r.cluster_name}" if r.cluster_name else "",
            )
            if x
        )
        items.append(html.Li([link, html.Div(facts, className="small text-body-secondary")], className="mb-2 exposure"))
    return html.Ul(items, className="list-unstyled mb-0")


def clusters_section(rows: Sequence[Any]) -> Any:
    """The person's clusters (``tracing.persons.ClusterRow``), linking to those in the user's units."""
    if not rows:
        return empty("Ikke med i noen klynge.")
    items = []
    for r in rows:
        link = dcc.Link(r.name, href=f"/klynge/{r.cluster_id}") if r.can_open else html.Span(r.name)
        facts = " · ".join(
            x
            for x in (
                CLUSTER_MEMBER_ROLE_NB.get(r.role, r.role),
                CLUSTER_KIND_NB.get(r.kind, r.kind),
                r.org_unit_name,
                period_nb(r.start_date, r.end_date),
            )
            if x
        )
        items.append(
            html.Li([link, html.Div(facts, className="small text-body-secondary")], className="mb-2 person-cluster")
        )
    return html.Ul(items, className="list-unstyled mb-0")


def history_section(events: Sequence[Any]) -> Any:
    if not events:
        return empty("Ingen endringer.")
    rows = [
        html.Tr(
            [
                html.Td(datetime_nb(e.at)),
                html.Td(AUDIT_ACTION_NB.get(e.action, e.action)),
                html.Td(e.username or "Systemet"),
            ]
        )
        for e in events
    ]
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in ("Tidspunkt", "Hendelse", "Bruker")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, className="mb-0 history")
