"""Form pieces shared by the case-work pages: labelled inputs, dd.mm.åååå dates, selects, and domain-error alerts.

Every input comes with a visible ``<label for=...>`` (axe and screen readers need it). Dates are plain text inputs
showing and accepting dd.mm.åååå, parsed here; a wrong date is a ``DomainError`` naming the field, rendered by
``error_alert`` exactly like the refusals from tracing/.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import dash_bootstrap_components as dbc
from dash import html
from dash.exceptions import PreventUpdate
from sqlalchemy.orm import Session

from auth.actor import Actor
from auth.web import current_actor, store
from data.models import OrgUnit
from data.queries import orgunits as orgunit_queries
from data.national_id import NationalIdError
from tracing.access import scope_clause
from tracing.clusters import list_clusters
from tracing.errors import DomainError

T = TypeVar("T")

DATE_PLACEHOLDER = "dd.mm.åååå"
# The value of a select's "no choice" option. Not "": dbc.Select keeps a hidden placeholder option with value "".
NONE = "__none__"
_DATE_NB = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
_DATE_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


# --- running a domain call --------------------------------------------------------------------------------------


def in_session(work: Callable[[Session, Actor], T]) -> T:
    """Run ``work(session, actor)`` in one unit of work for the logged-in actor (rolled back on any exception).

    No actor (anonymous, or outside a request) is a no-op for the callback: ``PreventUpdate``.
    """
    actor = current_actor()
    if actor is None:
        raise PreventUpdate
    with store().session() as session:
        return work(session, actor)


# --- parsing ------------------------------------------------------------------------------------------------------


def clean(value: Any) -> str | None:
    """A text input's value, stripped; empty becomes None."""
    if value is None or value == NONE:
        return None
    text = str(value).strip()
    return text or None


def parse_date_nb(value: Any, field_nb: str, *, required: bool = False) -> dt.date | None:
    """Parse dd.mm.åååå (also d.m.åååå and åååå-mm-dd); raise DomainError naming the field otherwise."""
    text = clean(value)
    if text is None:
        if required:
            raise DomainError(field_nb, f"{field_nb.capitalize()} må fylles ut.")
        return None
    match = _DATE_NB.match(text)
    parts = (int(match[3]), int(match[2]), int(match[1])) if match else None
    if parts is None and (iso := _DATE_ISO.match(text)):
        parts = (int(iso[1]), int(iso[2]), int(iso[3]))
    if parts is None:
        raise DomainError(field_nb, f"Skriv {field_nb} som {DATE_PLACEHOLDER}.")
    try:
        return dt.date(*parts)
    except ValueError:
        raise DomainError(field_nb, f"{field_nb.capitalize()} er ikke en gyldig dato.") from None


def require_text(value: Any, field_nb: str) -> str:
    text = clean(value)
    if text is None:
        raise DomainError(field_nb, f"{field_nb.capitalize()} må fylles ut.")
    return text


def parse_id(value: Any, field_nb: str, *, required: bool = True) -> int | None:
    """A select's value (a string) as an int id."""
    text = clean(value)
    if text is None:
        if required:
            raise DomainError(field_nb, f"Velg {field_nb}.")
        return None
    try:
        return int(text)
    except ValueError:
        raise DomainError(field_nb, f"Ugyldig valg for {field_nb}.") from None


# --- rendering errors -------------------------------------------------------------------------------------------


def error_alert(error: DomainError | NationalIdError, *, id: str | None = None) -> dbc.Alert:
    """A refusal as the user sees it: the field named in bold, then the Norwegian message. Never a traceback."""
    field = getattr(error, "field", None) or "feil"
    message = getattr(error, "message_nb", None) or getattr(error, "message", None) or str(error)
    kwargs = {"id": id} if id else {}
    return dbc.Alert(
        [html.Strong(f"{field[:1].upper()}{field[1:]}: "), message],
        color="warning" if field == "tilgang" else "danger",
        className="mb-3 domain-error",
        **kwargs,
    )


def success_alert(text: str, *, id: str | None = None) -> dbc.Alert:
    kwargs = {"id": id} if id else {}
    return dbc.Alert(text, color="success", className="mb-3", dismissable=True, **kwargs)


# --- inputs ---------------------------------------------------------------------------------------------------------


def field(label: str, control: Any, control_id: str, *, help_text: str | None = None, width: int | None = None) -> Any:
    """A label above its control (``for`` points at the control), with optional help text."""
    children = [dbc.Label(label, html_for=control_id, className="form-label")]
    children.append(control)
    if help_text:
        children.append(dbc.FormText(help_text))
    div = html.Div(children, className="mb-3")
    return dbc.Col(div, md=width) if width else div


def text_input(
    control_id: str,
    label: str,
    *,
    value: str | None = None,
    type: str = "text",
    help_text: str | None = None,
    width: int | None = None,
    autocomplete: str = "off",
    placeholder: str | None = None,
) -> Any:
    control = dbc.Input(id=control_id, type=type, value=value, autocomplete=autocomplete, placeholder=placeholder)
    return field(label, control, control_id, help_text=help_text, width=width)


def date_input(control_id: str, label: str, *, value: dt.date | None = None, width: int | None = None) -> Any:
    """A date typed as dd.mm.åååå (a text input: predictable for users, screen readers and tests alike)."""
    control = dbc.Input(
        id=control_id,
        type="text",
        value=value.strftime("%d.%m.%Y") if value else None,
        placeholder=DATE_PLACEHOLDER,
        inputmode="numeric",
        autocomplete="off",
    )
    return field(label, control, control_id, width=width)


def textarea(control_id: str, label: str, *, rows: int = 3, width: int | None = None) -> Any:
    return field(label, dbc.Textarea(id=control_id, rows=rows), control_id, width=width)


def options_of(labels: dict[str, str]) -> list[dict[str, str]]:
    return [{"label": text, "value": code} for code, text in labels.items()]


def select(
    control_id: str,
    label: str,
    options: Sequence[dict[str, Any]] = (),
    *,
    value: Any = None,
    empty_label: str | None = None,
    width: int | None = None,
) -> Any:
    """A native <select> (keyboard and screen-reader friendly); ``empty_label`` adds a first "no choice" option."""
    opts = with_empty(options, empty_label) if empty_label is not None else list(options)
    control = dbc.Select(
        id=control_id, options=opts, value=value if value is not None else (NONE if empty_label is not None else None)
    )
    return field(label, control, control_id, width=width)


def with_empty(options: Iterable[dict[str, Any]], empty_label: str = "– velg –") -> list[dict[str, Any]]:
    return [{"label": empty_label, "value": NONE}, *options]


# --- choices read from the store (org units, clusters) --------------------------------------------------------------


def case_unit_options(session: Session, actor: Actor) -> list[dict[str, str]]:
    """The org units where the actor does case work, and the bydeler below them (kommuner first)."""
    units = orgunit_queries.units_in_scope(session, scope_clause(actor, OrgUnit.path))
    return [{"label": u.name if u.level == 3 else f"{u.name} (bydel)", "value": str(u.id)} for u in units]


def kommune_options(session: Session, actor: Actor) -> list[dict[str, str]]:
    """Home kommune choices: the actor's own units (and bydeler) first, then every kommune in Norway."""
    own = case_unit_options(session, actor)
    seen = {o["value"] for o in own}
    return own + [{"label": u.name, "value": str(u.id)} for u in orgunit_queries.all_kommuner(session) if str(u.id) not in seen]


def default_unit(actor: Actor, options: Sequence[dict[str, str]]) -> str:
    """The actor's primary unit when it is among ``options``, else the first option (or empty)."""
    grant = actor.primary_grant
    values = [o["value"] for o in options if o.get("value") not in (None, "", NONE)]
    if grant is not None and str(grant.org_unit_id) in values:
        return str(grant.org_unit_id)
    return values[0] if values else NONE


unit_name = orgunit_queries.unit_name


def list_cluster_options(session: Session, actor: Actor) -> list[dict[str, str]]:
    """Clusters of the actor's units to link an exposure to, with "none" first."""
    return with_empty(
        [
            {"label": f"{c.name} ({c.start_date.strftime('%d.%m.%Y')})" if c.start_date else c.name, "value": str(c.id)}
            for c, _n in list_clusters(session, actor)
        ],
        "– ingen –",
    )
