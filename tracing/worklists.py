"""Worklists (arbeidslister): today's work for a tracer, scoped to their org units, paged on the server.

The six lists (``WORKLISTS``, defined with their SQL in ``data/queries/worklists.py``):

- "Indeksoppfølging i dag" / "Nærkontakter i dag": active index cases / close contacts whose next open
  follow-up is due today *or earlier*. A call that was missed yesterday is still today's work, so overdue cases
  are included and sorted first; the columns "Forfalt" (Ja) and "Dager forfalt" tell them apart.
- "Forfalte oppfølginger": active cases (both kinds) whose next open follow-up was due before today.
- "Tildelt meg": active cases assigned to the actor, whatever their follow-up date.
- "Selvregistrerte personer": active cases created from a self-registration (empty until self-registration exists).
- "Nye positive prøvesvar": positive test results received the last seven days (today included) for persons the
  actor may open (``tracing.access.person_scope_clause``); results not matched to a person are not shown here.

One function pages every list (``worklist_page``); the grid, the JSON API and the export (``export_worklist``) all
call it, so they show the same rows. Reading a worklist is not audited row by row (a tracer scrolls through
hundreds of rows a day); opening a person and exporting are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from auth.actor import Actor, audit_as
from auth.roles import CASE_WORK_ROLES
from data.clock import today_oslo
from data.models import OrgUnit, RoleAssignment, SavedView, User
from data.queries.worklists import (
    FILTER_TYPES,
    MAX_PAGE_ROWS,
    WORKLISTS,
    Scope,
    WorklistDef,
    WorklistPage,
    WorklistQueryError,
    WorklistStatements,
    fetch_worklist_page,
    normalise_sort,
    open_follow_up_ids,
    units_in_scope,
    worklist_statements,
)
from tracing.access import case_paths, person_scope_clause, require_case_work, scope_clause
from tracing.errors import DomainError, NotFound
from tracing.vocabulary import CASE_KIND_NB, CASE_STATUS_NB, TEST_METHOD_NB

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_MAX_ROWS",
    "FILTER_TYPES",
    "MAX_PAGE_ROWS",
    "WORKLISTS",
    "SavedViewInfo",
    "WorklistDef",
    "WorklistPage",
    "assign_cases",
    "delete_view",
    "display_row",
    "display_value",
    "export_filename",
    "export_worklist",
    "get_view",
    "list_views",
    "mark_follow_ups_done",
    "save_view",
    "scope_of",
    "statements_for",
    "tracer_choices",
    "worklist_counts",
    "worklist_page",
]

# The Norwegian words of the code columns; the query sorts and text-filters these columns by them.
LABELS: dict[str, dict[str, str]] = {"kind": CASE_KIND_NB, "status": CASE_STATUS_NB, "test_method": TEST_METHOD_NB}
EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_MAX_ROWS = 100_000
MAX_BULK_CASES = 500
MAX_VIEW_NAME = 100
BULK_OUTCOME = "reached"


def scope_of(actor: Actor) -> Scope:
    """The actor's access as SQL for the worklist query: case-work units and below, openable persons, own id."""
    return Scope(
        units=lambda path: scope_clause(actor, path),
        persons=lambda: person_scope_clause(actor),
        user_id=actor.user_id,
        key=(case_paths(actor), actor.user_id),
    )


def _definition(key: str) -> WorklistDef:
    definition = WORKLISTS.get(key) if isinstance(key, str) else None
    if definition is None:
        raise DomainError("arbeidsliste", "Ukjent arbeidsliste.")
    return definition


@contextmanager
def _as_domain_errors() -> Iterator[None]:
    try:
        yield
    except WorklistQueryError as error:
        raise DomainError(error.field, error.message_nb) from None


def statements_for(
    session: Session,
    actor: Actor,
    key: str,
    *,
    start: int = 0,
    end: int | None = 100,
    sort: Sequence[Any] | None = None,
    filters: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> WorklistStatements:
    """The very statements ``worklist_page`` runs (the benchmark compiles and runs them raw), after the org-unit
    look-up it runs first (``scope_units_statement(scope_of(actor))``)."""
    require_case_work(actor)
    _definition(key)
    scope = scope_of(actor)
    with _as_domain_errors():
        return worklist_statements(
            key, scope, unit_ids=units_in_scope(session, scope), today=today or today_oslo(), sort=sort, filters=filters,
            start=start, end=end, labels=LABELS,
        )


def worklist_page(
    session: Session,
    actor: Actor,
    key: str,
    *,
    start: int = 0,
    end: int = 100,
    sort: Sequence[Any] | None = None,
    filters: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
    with_total: bool = True,
) -> WorklistPage:
    """Rows ``start``..``end`` (end exclusive, at most MAX_PAGE_ROWS) of a worklist, and how many rows it has.

    ``sort`` is [(column id, "asc"|"desc"), ...] (AG Grid's sortModel dicts are accepted too); ``filters`` is AG
    Grid's filter model keyed by column id. Unknown columns, filters or worklists raise DomainError.
    ``with_total=False`` skips the COUNT (``total`` is then the number of rows returned): the grid counts once,
    on its first block, not on every block it scrolls to.
    """
    require_case_work(actor)
    _definition(key)
    with _as_domain_errors():
        return fetch_worklist_page(
            session, key, scope_of(actor), today=today or today_oslo(), sort=sort, filters=filters, start=start, end=end,
            labels=LABELS, with_total=with_total,
        )


def worklist_counts(session: Session, actor: Actor, today: dt.date | None = None) -> dict[str, int]:
    """How many rows each worklist has for the actor (the chooser shows them)."""
    require_case_work(actor)
    today = today or today_oslo()
    return {key: worklist_page(session, actor, key, start=0, end=0, today=today).total for key in WORKLISTS}


# ---------------------------------------------------------------------------------------------------------
# How values read (grid and export)


def _date_nb(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else ""


def display_value(column: str, value: Any) -> Any:
    """The value as a Norwegian user reads it: dd.mm.yyyy, labels for codes, "Ja" for flags; numbers stay numbers."""
    if value is None:
        return ""
    if column in LABELS:
        return LABELS[column].get(value, value)
    if isinstance(value, bool):
        return "Ja" if value else ""
    if isinstance(value, dt.date):
        return _date_nb(value)
    return value


def display_row(row: Mapping[str, Any], columns: Sequence[str]) -> list[Any]:
    return [display_value(c, row.get(c)) for c in columns]


# ---------------------------------------------------------------------------------------------------------
# Export


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _slug(text: str) -> str:
    folded = text.lower().translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a"}))
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def export_filename(key: str, fmt: str, today: dt.date | None = None) -> str:
    return f"{_slug(_definition(key).label_nb)}-{(today or today_oslo()).isoformat()}.{fmt}"


def _csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    # Semicolons and a byte-order mark: what Excel with Norwegian settings opens correctly (æøå, decimal comma).
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_safe_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_bytes(title: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, dt.date):
                cell.number_format = "DD.MM.YYYY"
            elif isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _export_value(column: str, value: Any, fmt: str) -> Any:
    if fmt == "xlsx" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # a real date cell, shown dd.mm.yyyy
    return display_value(column, value)


def export_columns(key: str, columns: Sequence[str] | None) -> list[str]:
    """The columns to export in order: the given visible columns (validated), else the list's default columns."""
    definition = _definition(key)
    chosen = list(columns) if columns else list(definition.default_columns)
    unknown = [c for c in chosen if c not in definition.columns]
    if unknown:
        raise DomainError("kolonner", f"Ukjent kolonne «{str(unknown[0])[:40]}».")
    return list(dict.fromkeys(chosen))


def export_worklist(
    session: Session,
    actor: Actor,
    key: str,
    fmt: str,
    sort: Sequence[Any] | None = None,
    filters: Mapping[str, Any] | None = None,
    columns: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> bytes:
    """The whole current view (its sort, filters and visible columns) as CSV or XLSX; audited as "export".

    The rows come from the same query as the grid's pages. Refused above EXPORT_MAX_ROWS rows (filter first).
    """
    require_case_work(actor)
    definition = _definition(key)
    if fmt not in EXPORT_FORMATS:
        raise DomainError("format", "Eksportformatet må være CSV eller XLSX.")
    chosen = export_columns(key, columns)
    today = today or today_oslo()
    total = worklist_page(session, actor, key, start=0, end=0, sort=sort, filters=filters, today=today).total
    if total > EXPORT_MAX_ROWS:
        raise DomainError(
            "eksport", f"Utvalget har {total} rader; eksport er begrenset til {EXPORT_MAX_ROWS}. Filtrer listen først."
        )
    with _as_domain_errors():
        rows = fetch_worklist_page(
            session, key, scope_of(actor), today=today, sort=sort, filters=filters, start=0, end=None, labels=LABELS,
            with_total=False,
        ).rows
    headers = [definition.header(c) for c in chosen]
    table = [[_export_value(c, row.get(c), fmt) for c in chosen] for row in rows]
    content = _csv_bytes(headers, table) if fmt == "csv" else _xlsx_bytes(definition.label_nb, headers, table)
    grant = next(iter(actor.grants_for(CASE_WORK_ROLES)), None)
    audit_as(
        session,
        actor,
        "export",
        entity="worklist",
        org_unit_id=grant.org_unit_id if grant else None,
        # Column ids only: filter values are whatever the user typed and stay out of the log.
        detail={"worklist": key, "rows": len(rows), "format": fmt, "columns": chosen, "filtered_columns": sorted(filters or {})},
    )
    return content


# ---------------------------------------------------------------------------------------------------------
# Saved views


@dataclass(frozen=True)
class SavedViewInfo:
    id: int
    worklist: str
    name: str
    columns: tuple[str, ...]
    sort: tuple[tuple[str, str], ...]
    filters: dict[str, Any]


def _view_info(view: SavedView) -> SavedViewInfo:
    state = view.state or {}
    return SavedViewInfo(
        id=view.id,
        worklist=view.worklist,
        name=view.name,
        columns=tuple(state.get("columns") or ()),
        sort=tuple((c, d) for c, d in state.get("sort") or ()),
        filters=dict(state.get("filters") or {}),
    )


def _require_user(actor: Actor) -> int:
    require_case_work(actor)
    if actor.user_id is None:
        raise DomainError("bruker", "Bare innloggede brukere kan ha lagrede visninger.")
    return actor.user_id


def save_view(
    session: Session,
    actor: Actor,
    worklist: str,
    name: str,
    *,
    columns: Sequence[str],
    sort: Sequence[Any] | None = None,
    filters: Mapping[str, Any] | None = None,
) -> SavedViewInfo:
    """Save (or overwrite, by name) the actor's view of a worklist: visible columns, sort and filters."""
    user_id = _require_user(actor)
    _definition(worklist)
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise DomainError("navn", "Gi visningen et navn.")
    if len(name) > MAX_VIEW_NAME:
        raise DomainError("navn", f"Navnet kan ha høyst {MAX_VIEW_NAME} tegn.")
    chosen = export_columns(worklist, columns)
    if not chosen:
        raise DomainError("kolonner", "Velg minst én kolonne.")
    # The sort and filters must be ones the query accepts; building the statement checks them.
    statements_for(session, actor, worklist, sort=sort, filters=filters)
    with _as_domain_errors():
        normal_sort = normalise_sort(sort)
    state = {"columns": chosen, "sort": [list(s) for s in normal_sort], "filters": dict(filters or {})}
    view = session.scalar(
        select(SavedView).where(SavedView.user_id == user_id, SavedView.worklist == worklist, SavedView.name == name)
    )
    if view is None:
        view = SavedView(user_id=user_id, worklist=worklist, name=name, state=state)
        session.add(view)
    else:
        view.state = state
    session.flush()
    audit_as(session, actor, "saved_view_saved", entity="saved_view", entity_id=view.id, detail={"worklist": worklist})
    return _view_info(view)


def list_views(session: Session, actor: Actor, worklist: str | None = None) -> list[SavedViewInfo]:
    """The actor's own saved views (of one worklist, or all), by name."""
    user_id = _require_user(actor)
    stmt = select(SavedView).where(SavedView.user_id == user_id)
    if worklist is not None:
        stmt = stmt.where(SavedView.worklist == worklist)
    return [_view_info(v) for v in session.scalars(stmt.order_by(SavedView.worklist, SavedView.name, SavedView.id))]


def _own_view(session: Session, actor: Actor, view_id: int) -> SavedView:
    user_id = _require_user(actor)
    view = session.get(SavedView, view_id) if isinstance(view_id, int) and not isinstance(view_id, bool) else None
    if view is None or view.user_id != user_id:  # another user's view looks like no view at all
        raise NotFound("visningen")
    return view


def get_view(session: Session, actor: Actor, view_id: int) -> SavedViewInfo:
    return _view_info(_own_view(session, actor, view_id))


def delete_view(session: Session, actor: Actor, view_id: int) -> None:
    view = _own_view(session, actor, view_id)
    worklist = view.worklist
    session.delete(view)
    session.flush()
    audit_as(session, actor, "saved_view_deleted", entity="saved_view", entity_id=view_id, detail={"worklist": worklist})


# ---------------------------------------------------------------------------------------------------------
# Bulk actions


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def tracer_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Active users with a case-work role in the actor's units, below them, or above them (who can take cases
    there): (user id, display name), by name. Whether a user may take a particular case is checked when assigning."""
    require_case_work(actor)
    above = sorted({a for p in case_paths(actor) for a in _ancestor_paths(p)})
    stmt = (
        select(User.id, User.display_name)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(
            User.active.is_(True),
            RoleAssignment.role.in_(sorted(CASE_WORK_ROLES)),
            or_(scope_clause(actor, OrgUnit.path), OrgUnit.path.in_(above)),
        )
        .distinct()
        .order_by(User.display_name, User.id)
    )
    return [(uid, name) for uid, name in session.execute(stmt)]


def _case_ids(case_ids: Sequence[Any]) -> list[int]:
    ids = []
    for value in case_ids or ():
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError("saker", "Ugyldig saksnummer.")
        ids.append(value)
    ids = sorted(set(ids))
    if not ids:
        raise DomainError("saker", "Velg minst én sak.")
    if len(ids) > MAX_BULK_CASES:
        raise DomainError("saker", f"Velg høyst {MAX_BULK_CASES} saker om gangen.")
    return ids


def assign_cases(session: Session, actor: Actor, case_ids: Sequence[int], user_id: int | None) -> int:
    """Assign the cases to a tracer (or clear with None), all or none; returns how many.

    Each case goes through ``tracing.cases.assign_case``, which checks access and audits.
    """
    from tracing.cases import assign_case  # imported here: the cases module is the owner of the rule

    require_case_work(actor)
    ids = _case_ids(case_ids)
    for case_id in ids:
        assign_case(session, actor, case_id, user_id)
    return len(ids)


def mark_follow_ups_done(session: Session, actor: Actor, case_ids: Sequence[int], today: dt.date | None = None) -> int:
    """Record the selected cases' open follow-ups due today or earlier as done, outcome "reached" (Nådd).

    Returns how many follow-ups were recorded; cases without a due follow-up are left alone.
    """
    from tracing.followups import mark_done_bulk

    require_case_work(actor)
    ids = _case_ids(case_ids)
    today = today or today_oslo()
    follow_up_ids = open_follow_up_ids(session, scope_of(actor), ids, today)
    if not follow_up_ids:
        return 0
    return mark_done_bulk(session, actor, follow_up_ids, BULK_OUTCOME, today=today)
