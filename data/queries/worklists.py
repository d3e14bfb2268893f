"""The worklists' one query: a ``select()`` for (worklist, scope, filters, sort), paged on the server.

``worklist_statements`` builds the page statement (LIMIT/OFFSET) and its COUNT; ``fetch_worklist_page`` runs
them. The grid (AG Grid's infinite row model), the JSON API and the CSV/XLSX export all go through
``tracing.worklists``, which calls these two functions, so what a tracer sees, what a system client reads and
what is exported can never disagree.

Why it looks like this:

- Case worklists read ``case.next_follow_up`` (the earliest open follow-up, kept by tracing/) and filter on
  (org unit, status, next_follow_up), so the database walks the index ``ix_case_worklist`` for each org unit in
  scope instead of scanning follow-ups. Scope is ``case.org_unit_id IN (ids of the units whose path lies in the
  actor's subtrees)``, the ids looked up first (``units_in_scope``); the caller supplies the path clause
  (``tracing.access.scope_clause``), this module never decides who may see what.
- The page is cut before it is joined: a subquery picks the page's row ids (sorted, LIMIT/OFFSET) with only the
  joins its filters and sort need, and only those rows are joined to person, org unit and tracer. The COUNT
  joins only what the filters need.
- Sorting and filtering are allowed only on the columns listed here (AG Grid sends ``colId``s; anything else is
  refused with ``WorklistQueryError``, which tracing/ turns into a DomainError). Derived columns (age, days
  overdue) are filtered and sorted through the stored column they come from, so no expression has to be
  computed per row and the same SQL runs on SQLite and PostgreSQL.
- NULLs sort last in both directions on both backends, and every order ends with the row's id, so pages are
  stable and SQLite and PostgreSQL return the same rows.
- No fødselsnummer is selected: the grid, the API and the export cannot show one.

Filter models follow AG Grid's (text, number and date filters, one condition or ``operator`` + ``conditions``):
    {"phone": {"filterType": "text", "type": "contains", "filter": "9"},
     "next_follow_up": {"filterType": "date", "type": "lessThan", "dateFrom": "2026-11-23 00:00:00"},
     "age": {"filterType": "number", "operator": "OR", "conditions": [{"type": "lessThan", "filter": 16}, ...]}}
``inRange`` is inclusive at both ends (the grid is configured with ``inRangeInclusive``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from data.clock import OSLO
from data.models import Case, FollowUp, OrgUnit, Person, TestResult, User
from data.names import fold_name

__all__ = [
    "FILTER_TYPES",
    "MAX_PAGE_ROWS",
    "POSITIVE_RESULT_DAYS",
    "WORKLISTS",
    "Scope",
    "WorklistDef",
    "WorklistPage",
    "WorklistQueryError",
    "WorklistStatements",
    "column_header",
    "fetch_worklist_page",
    "normalise_sort",
    "open_follow_up_ids",
    "scope_units_statement",
    "units_in_scope",
    "worklist_statements",
]

MAX_PAGE_ROWS = 1000  # one request may ask for at most this many rows (the grid asks for blocks of 100)
POSITIVE_RESULT_DAYS = 7  # "Nye positive prøvesvar": received today or in the six days before


class WorklistQueryError(ValueError):
    """A sort, filter or page the query cannot run. ``field`` names the column (Norwegian header) or input."""

    def __init__(self, field: str, message_nb: str) -> None:
        super().__init__(message_nb)
        self.field = field
        self.message_nb = message_nb


# ---------------------------------------------------------------------------------------------------------
# The worklists

CASE_COLUMNS = (
    "case_id", "person_name", "birth_date", "age", "phone", "org_unit_name", "kind", "status", "enrolled_date",
    "period_end", "next_follow_up", "days_overdue", "overdue", "assigned_to_name", "rule_set", "chain_id",
)
RESULT_COLUMNS = (
    "result_id", "person_name", "birth_date", "age", "phone", "org_unit_name", "sample_date", "result_date",
    "test_method", "lab", "received_date", "case_id",
)

HEADERS_NB: dict[str, str] = {
    "case_id": "Saksnr.",
    "person_name": "Navn",
    "birth_date": "Fødselsdato",
    "age": "Alder",
    "phone": "Telefon",
    "org_unit_name": "Bydel/kommune",
    "kind": "Type",
    "status": "Status",
    "enrolled_date": "Registrert",
    "period_end": "Isolasjon/karantene til",
    "next_follow_up": "Neste oppfølging",
    "days_overdue": "Dager forfalt",
    "overdue": "Forfalt",
    "assigned_to_name": "Tildelt",
    "rule_set": "Regelsett",
    "chain_id": "Smittekjede",
    "result_id": "Prøvesvar-id",
    "sample_date": "Prøvedato",
    "result_date": "Svardato",
    "test_method": "Metode",
    "lab": "Laboratorium",
    "received_date": "Mottatt",
}
RESULT_HEADERS_NB = {**HEADERS_NB, "org_unit_name": "Bosted", "case_id": "Aktiv indekssak"}

# Which of AG Grid's filters each column takes (None: not filterable). Code columns (kind, status, method) are
# text-filtered on their Norwegian label.
FILTER_TYPES: dict[str, str | None] = {
    "case_id": "number", "person_name": "text", "birth_date": "date", "age": "number", "phone": "text",
    "org_unit_name": "text", "kind": "text", "status": "text", "enrolled_date": "date", "period_end": "date",
    "next_follow_up": "date", "days_overdue": "number", "overdue": None, "assigned_to_name": "text",
    "rule_set": "text", "chain_id": "number", "result_id": "number", "sample_date": "date", "result_date": "date",
    "test_method": "text", "lab": "text", "received_date": "date",
}


@dataclass(frozen=True)
class WorklistDef:
    key: str
    label_nb: str
    description_nb: str
    source: str  # "case" or "test_result": what one row is
    columns: tuple[str, ...]
    default_columns: tuple[str, ...]  # shown until the user chooses otherwise
    default_sort: tuple[tuple[str, str], ...]

    def header(self, column: str) -> str:
        return (RESULT_HEADERS_NB if self.source == "test_result" else HEADERS_NB)[column]

    @property
    def row_key(self) -> str:
        return "result_id" if self.source == "test_result" else "case_id"


_CASE_DEFAULT_COLUMNS = (
    "case_id", "person_name", "birth_date", "age", "phone", "org_unit_name", "kind", "period_end",
    "next_follow_up", "overdue", "days_overdue", "assigned_to_name",
)


def _case_list(key: str, label: str, description: str, default_sort: tuple[tuple[str, str], ...]) -> WorklistDef:
    return WorklistDef(key, label, description, "case", CASE_COLUMNS, _CASE_DEFAULT_COLUMNS, default_sort)


_DUE_FIRST = (("next_follow_up", "asc"),)

WORKLISTS: dict[str, WorklistDef] = {
    w.key: w
    for w in (
        _case_list(
            "index_today", "Indeksoppfølging i dag",
            "Aktive indekser med oppfølging i dag eller forfalt tidligere (forfalte øverst).", _DUE_FIRST,
        ),
        _case_list(
            "contacts_today", "Nærkontakter i dag",
            "Aktive nærkontakter med oppfølging i dag eller forfalt tidligere (forfalte øverst).", _DUE_FIRST,
        ),
        _case_list(
            "overdue", "Forfalte oppfølginger",
            "Aktive saker med en oppfølging som skulle vært gjort før i dag.", _DUE_FIRST,
        ),
        _case_list("assigned_to_me", "Tildelt meg", "Aktive saker som er tildelt deg.", _DUE_FIRST),
        _case_list(
            "self_registered", "Selvregistrerte personer",
            "Aktive saker som kom inn ved selvregistrering.", (("enrolled_date", "desc"),),
        ),
        WorklistDef(
            "new_positive_results", "Nye positive prøvesvar",
            f"Positive prøvesvar mottatt de siste {POSITIVE_RESULT_DAYS} dagene for personer i dine enheter.",
            "test_result", RESULT_COLUMNS,
            ("result_id", "person_name", "birth_date", "age", "phone", "org_unit_name", "sample_date", "test_method",
             "received_date", "case_id"),
            (("received_date", "desc"),),
        ),
    )
}


def column_header(key: str, column: str) -> str:
    return WORKLISTS[key].header(column)


# ---------------------------------------------------------------------------------------------------------
# Scope and results


@dataclass(frozen=True)
class Scope:
    """Who is asking, as SQL: ``units(path_column)`` is true for org units the actor may work in (and below);
    ``persons()`` is true for persons the actor may open (built only for the lists that need it); ``user_id`` is
    the actor's own id ("Tildelt meg")."""

    units: Callable[[Any], ColumnElement[bool]]
    persons: Callable[[], ColumnElement[bool]]
    user_id: int | None
    # What the clauses depend on (say the actor's case-work paths and user id); None: statements are not reused.
    key: Hashable | None = None


@dataclass(frozen=True)
class WorklistPage:
    rows: list[dict[str, Any]]
    total: int


@dataclass(frozen=True)
class WorklistStatements:
    page: Select[Any]
    count: Select[Any]


# ---------------------------------------------------------------------------------------------------------
# Columns as SQL

# Aliases are made once: a fresh alias per request costs SQLAlchemy milliseconds of column adaptation.
_UNIT = aliased(OrgUnit, name="unit")  # the case's org unit (shown)
_HOME_UNIT = aliased(OrgUnit, name="home_unit")  # the person's home unit (results list)

Interval = tuple[int | None, int | None]  # inclusive integer bounds (dates as ordinals); None is unbounded


@dataclass(frozen=True)
class _Col:
    """How one column sorts and filters. ``kind`` picks the filter: text, name, vocab, number, date, none."""

    kind: str
    sort: tuple[tuple[Any, bool], ...]  # (expression, reversed?) in order
    blank: Any = None  # the stored expression whose NULL means "blank"
    expr: Any = None  # text/vocab columns: the expression compared
    interval: Callable[[int | None, int | None], ColumnElement[bool]] | None = None
    needs: frozenset[str] = frozenset()  # joins that filtering or sorting on this column needs


def _between(expr: Any, lo: Any, hi: Any) -> ColumnElement[bool]:
    parts = []
    if lo is not None:
        parts.append(expr >= lo)
    if hi is not None:
        parts.append(expr <= hi)
    return and_(expr.is_not(None), *parts)


def _int_col(expr: Any, needs: frozenset[str] = frozenset()) -> _Col:
    return _Col("number", ((expr, False),), blank=expr, interval=lambda lo, hi: _between(expr, lo, hi), needs=needs)


def _day(ordinal: int | None) -> dt.date | None:
    return None if ordinal is None else dt.date.fromordinal(ordinal)


def _date_col(expr: Any, needs: frozenset[str] = frozenset()) -> _Col:
    return _Col("date", ((expr, False),), blank=expr, interval=lambda lo, hi: _between(expr, _day(lo), _day(hi)), needs=needs)


def _oslo_midnight(ordinal: int) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromordinal(ordinal), dt.time(), tzinfo=OSLO).astimezone(dt.timezone.utc)


def _moment_as_date_col(expr: Any) -> _Col:
    """A UTC timestamp shown and filtered as its calendar day in Europe/Oslo."""

    def interval(lo: int | None, hi: int | None) -> ColumnElement[bool]:
        parts = [expr.is_not(None)]
        if lo is not None:
            parts.append(expr >= _oslo_midnight(lo))
        if hi is not None:
            parts.append(expr < _oslo_midnight(hi + 1))
        return and_(*parts)

    return _Col("date", ((expr, False),), blank=expr, interval=interval)


def _text_col(expr: Any, needs: frozenset[str] = frozenset(), sort: tuple[tuple[Any, bool], ...] | None = None) -> _Col:
    return _Col("text", sort or ((expr, False),), blank=expr, expr=expr, needs=needs)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _age_col(birth_date: Any, today: dt.date) -> _Col:
    """Age in whole years today, filtered as a birth-date range: age in [a, b] <=> born in (today-b-1 y, today-a y]."""

    def interval(lo: int | None, hi: int | None) -> ColumnElement[bool]:
        if hi is not None and hi < 0:
            return false()
        parts = [birth_date.is_not(None)]
        if lo is not None and lo > 0:
            parts.append(birth_date <= _years_before(today, lo))
        if hi is not None:
            parts.append(birth_date > _years_before(today, hi + 1))
        return and_(*parts)

    return _Col("number", ((birth_date, True),), blank=birth_date, interval=interval, needs=frozenset({"person"}))


def _days_overdue_col(next_follow_up: Any, today: dt.date) -> _Col:
    """max(0, today - next_follow_up) in days, filtered as a range of next_follow_up."""
    t = today.toordinal()

    def interval(lo: int | None, hi: int | None) -> ColumnElement[bool]:
        if hi is not None and hi < 0:
            return false()
        if lo is None or lo <= 0:  # 0 is in the range: every follow-up due today or later counts too
            lo = None
        return _between(next_follow_up, _day(t - hi) if hi is not None else None, _day(t - lo) if lo is not None else None)

    return _Col("number", ((next_follow_up, True),), blank=next_follow_up, interval=interval)


def _name_col() -> _Col:
    return _Col(
        "name",
        ((Person.last_name, False), (Person.first_name, False), (Person.middle_name, False)),
        blank=Person.name_key,
        expr=Person.name_key,
        needs=frozenset({"person"}),
    )


def _vocab_col(expr: Any, labels: Mapping[str, str]) -> _Col:
    """A code column shown with Norwegian labels: sorted by label, text-filtered on the label."""
    ranks = {code: rank for rank, code in enumerate(sorted(labels, key=lambda c: labels[c].casefold()))}
    order = case(ranks, value=expr, else_=len(ranks)) if ranks else expr
    return _Col("vocab", ((order, False),), blank=expr, expr=expr)


def _case_columns(today: dt.date, unit: Any, labels: Mapping[str, Mapping[str, str]]) -> dict[str, _Col]:
    person, user = frozenset({"person"}), frozenset({"user"})
    period_end = func.coalesce(Case.isolation_end, Case.quarantine_end)
    return {
        "case_id": _int_col(Case.id),
        "person_name": _name_col(),
        "birth_date": _date_col(Person.birth_date, person),
        "age": _age_col(Person.birth_date, today),
        "phone": _text_col(Person.phone, person),
        "org_unit_name": _text_col(unit.name, frozenset({"unit"})),
        "kind": _vocab_col(Case.kind, labels.get("kind", {})),
        "status": _vocab_col(Case.status, labels.get("status", {})),
        "enrolled_date": _moment_as_date_col(Case.enrolled_at),
        "period_end": _date_col(period_end),
        "next_follow_up": _date_col(Case.next_follow_up),
        "days_overdue": _days_overdue_col(Case.next_follow_up, today),
        "overdue": _Col("none", ((Case.next_follow_up, True),)),  # sorted only: "Ja" first = earliest due first
        "assigned_to_name": _text_col(User.display_name, user),
        "rule_set": _text_col(Case.rule_set),
        "chain_id": _int_col(Case.chain_id),
    }


def _result_columns(today: dt.date, home: Any, active_case: Any, labels: Mapping[str, Mapping[str, str]]) -> dict[str, _Col]:
    person = frozenset({"person"})
    return {
        "result_id": _int_col(TestResult.id),
        "person_name": _name_col(),
        "birth_date": _date_col(Person.birth_date, person),
        "age": _age_col(Person.birth_date, today),
        "phone": _text_col(Person.phone, person),
        "org_unit_name": _text_col(home.name, frozenset({"unit"})),
        "sample_date": _date_col(TestResult.sample_date),
        "result_date": _date_col(TestResult.result_date),
        "test_method": _vocab_col(TestResult.method, labels.get("test_method", {})),
        "lab": _text_col(TestResult.lab),
        "received_date": _moment_as_date_col(TestResult.received_at),
        "case_id": _int_col(active_case),
    }


# ---------------------------------------------------------------------------------------------------------
# Filters: AG Grid's filter model -> WHERE clauses

_TEXT_TYPES = ("equals", "notEqual", "contains", "notContains", "startsWith", "endsWith", "blank", "notBlank")
_NUMBER_TYPES = (
    "equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual", "inRange", "blank",
    "notBlank",
)
_FILTER_TYPE_OF_KIND = {"text": "text", "name": "text", "vocab": "text", "number": "number", "date": "date"}
MAX_FILTER_TEXT = 200


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or value is None:
        raise WorklistQueryError(field, "Filteret må være et tall.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WorklistQueryError(field, "Filteret må være et tall.") from None
    if not math.isfinite(number):
        raise WorklistQueryError(field, "Filteret må være et tall.")
    return number


def _date_ordinal(value: Any, field: str) -> float:
    if not isinstance(value, str):
        raise WorklistQueryError(field, "Filteret må være en dato.")
    try:
        return float(dt.date.fromisoformat(value.strip()[:10]).toordinal())
    except ValueError:
        raise WorklistQueryError(field, "Filteret må være en gyldig dato (åååå-mm-dd).") from None


def _intervals(kind: str, x: float, y: float | None) -> list[Interval]:
    """The integer values satisfying ``value <kind> x`` (or in [x, y]), as inclusive intervals."""
    whole = float(x).is_integer()
    if kind == "equals":
        return [(int(x), int(x))] if whole else []
    if kind == "notEqual":
        return [(None, int(x) - 1), (int(x) + 1, None)] if whole else [(None, None)]
    if kind == "lessThan":
        return [(None, math.ceil(x) - 1)]
    if kind == "lessThanOrEqual":
        return [(None, math.floor(x))]
    if kind == "greaterThan":
        return [(math.floor(x) + 1, None)]
    if kind == "greaterThanOrEqual":
        return [(math.ceil(x), None)]
    assert kind == "inRange" and y is not None
    lo, hi = math.ceil(min(x, y)), math.floor(max(x, y))
    return [(lo, hi)] if lo <= hi else []


def _blank_clause(col: _Col, kind: str) -> ColumnElement[bool]:
    blank = col.blank.is_(None)
    if col.kind in ("text", "name"):
        blank = or_(blank, col.blank == "")
    return blank if kind == "blank" else not_(blank)


def _text_clause(col: _Col, kind: str, text: str, labels: Mapping[str, str]) -> ColumnElement[bool]:
    if col.kind == "vocab":
        return _vocab_clause(col, kind, text, labels)
    if col.kind == "name":
        return _name_clause(kind, text)
    value = func.lower(col.expr)
    needle = text.lower()
    match = {
        "equals": lambda: value == needle,
        "notEqual": lambda: value != needle,
        "contains": lambda: value.contains(needle, autoescape=True),
        "notContains": lambda: value.contains(needle, autoescape=True),
        "startsWith": lambda: value.startswith(needle, autoescape=True),
        "endsWith": lambda: value.endswith(needle, autoescape=True),
    }[kind]()
    if kind == "notContains":  # a row without a value does not contain the text either
        return or_(col.expr.is_(None), not_(match))
    if kind == "notEqual":
        return or_(col.expr.is_(None), match)
    return match


def _vocab_clause(col: _Col, kind: str, text: str, labels: Mapping[str, str]) -> ColumnElement[bool]:
    needle = text.casefold()
    tests: dict[str, Callable[[str], bool]] = {
        "equals": lambda s: s == needle,
        "notEqual": lambda s: s != needle,
        "contains": lambda s: needle in s,
        "notContains": lambda s: needle not in s,
        "startsWith": lambda s: s.startswith(needle),
        "endsWith": lambda s: s.endswith(needle),
    }
    codes = [code for code, label in labels.items() if tests[kind](label.casefold()) or code == text]
    return col.expr.in_(codes) if codes else false()


def _name_clause(kind: str, text: str) -> ColumnElement[bool]:
    """Names match on the folded name key ("nordmann kari"), so "Odegard" finds "Ødegård" on both backends."""
    folded = " ".join(fold_name(text.replace(",", " "), None, "").split())
    if not folded:
        return true() if kind in ("contains", "startsWith", "endsWith", "notEqual") else false()
    key = Person.name_key
    if kind in ("contains", "notContains"):
        every_word = and_(*(key.contains(word, autoescape=True) for word in folded.split()))
        return every_word if kind == "contains" else not_(every_word)
    return {
        "equals": lambda: key == folded,
        "notEqual": lambda: key != folded,
        "startsWith": lambda: key.startswith(folded, autoescape=True),
        "endsWith": lambda: key.endswith(folded, autoescape=True),
    }[kind]()


def _condition(col: _Col, field: str, model: Mapping[str, Any], labels: Mapping[str, str]) -> ColumnElement[bool]:
    if not isinstance(model, Mapping):
        raise WorklistQueryError(field, "Ugyldig filter.")
    kind = model.get("type")
    filter_type = _FILTER_TYPE_OF_KIND[col.kind]
    allowed = _TEXT_TYPES if filter_type == "text" else _NUMBER_TYPES
    if kind not in allowed:
        raise WorklistQueryError(field, "Filtertypen støttes ikke for denne kolonnen.")
    if kind in ("blank", "notBlank"):
        return _blank_clause(col, kind)
    if filter_type == "text":
        text = model.get("filter")
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            raise WorklistQueryError(field, "Filteret må være tekst.")
        text = str(text)
        if len(text) > MAX_FILTER_TEXT:
            raise WorklistQueryError(field, f"Filteret kan ha høyst {MAX_FILTER_TEXT} tegn.")
        return _text_clause(col, kind, text, labels)
    if filter_type == "number":
        x = _number(model.get("filter"), field)
        y = _number(model.get("filterTo"), field) if kind == "inRange" else None
    else:
        x = _date_ordinal(model.get("dateFrom"), field)
        y = _date_ordinal(model.get("dateTo"), field) if kind == "inRange" else None
    assert col.interval is not None
    parts = [col.interval(lo, hi) for lo, hi in _intervals(kind, x, y)]
    return or_(*parts) if parts else false()


def _filter_clause(col: _Col, field: str, model: Any, labels: Mapping[str, str]) -> ColumnElement[bool]:
    if not isinstance(model, Mapping):
        raise WorklistQueryError(field, "Ugyldig filter.")
    expected = _FILTER_TYPE_OF_KIND.get(col.kind)
    if expected is None:
        raise WorklistQueryError(field, "Det kan ikke filtreres på denne kolonnen.")
    if model.get("filterType", expected) != expected:
        raise WorklistQueryError(field, "Filtertypen passer ikke til kolonnen.")
    if "operator" in model:
        conditions = model.get("conditions")
        if conditions is None:  # AG Grid before v29: condition1/condition2
            conditions = [c for c in (model.get("condition1"), model.get("condition2")) if c is not None]
        if not isinstance(conditions, list) or not conditions or len(conditions) > 5:
            raise WorklistQueryError(field, "Ugyldig filter.")
        clauses = [_condition(col, field, c, labels) for c in conditions]
        operator = model.get("operator")
        if operator not in ("AND", "OR"):
            raise WorklistQueryError(field, "Ugyldig filter: operatoren må være AND eller OR.")
        return and_(*clauses) if operator == "AND" else or_(*clauses)
    return _condition(col, field, model, labels)


# ---------------------------------------------------------------------------------------------------------
# The statements


def normalise_sort(sort: Sequence[Any] | None) -> list[tuple[str, str]]:
    """[(column, "asc"|"desc")] from tuples or AG Grid sortModel dicts ({"colId", "sort"})."""
    out = []
    for item in sort or ():
        if isinstance(item, Mapping):
            column, direction = item.get("colId"), item.get("sort")
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            column, direction = item
        else:
            raise WorklistQueryError("sortering", "Ugyldig sortering.")
        if direction not in ("asc", "desc"):
            raise WorklistQueryError("sortering", "Sorteringen må være stigende (asc) eller synkende (desc).")
        if not isinstance(column, str):
            raise WorklistQueryError("sortering", "Ugyldig sortering.")
        out.append((column, direction))
    return out


def _order_by(
    columns: Mapping[str, _Col], definition: WorklistDef, sort: list[tuple[str, str]], row_id: Any
) -> tuple[list[Any], set[str]]:
    """The ORDER BY (ending with the row id, so pages are stable) and the joins it needs."""
    order: list[Any] = []
    needs: set[str] = set()
    seen = set()
    for column, direction in sort or list(definition.default_sort):
        if column not in columns:
            raise WorklistQueryError("kolonne", f"Ukjent kolonne «{column[:40]}».")
        if column in seen:
            continue
        seen.add(column)
        needs |= columns[column].needs
        for expr, flipped in columns[column].sort:
            descending = (direction == "desc") != flipped
            order.append(expr.desc().nulls_last() if descending else expr.asc().nulls_last())
    order.append(row_id.asc())
    return order, needs


def _kind_is(kind: str) -> ColumnElement[bool]:
    """``case.kind = kind``, written so that no index is used for it.

    SQLite plans without statistics and would otherwise walk ix_case_status_kind (status, kind), which at
    national scale is every active index case of the country, instead of ix_case_worklist (org unit, status,
    next follow-up), which is the actor's units only. Concatenating an empty string keeps the meaning and takes
    the column out of index selection on both backends (PostgreSQL plans from statistics and prefers
    ix_case_worklist anyway).
    """
    return Case.kind.concat("") == kind


def scope_units_statement(scope: Scope) -> Select[Any]:
    """The ids of the org units in scope (the actor's units and everything below them)."""
    return select(OrgUnit.id).where(scope.units(OrgUnit.path)).order_by(OrgUnit.id)


def units_in_scope(session: Session, scope: Scope) -> tuple[int, ...]:
    """The org units in scope, looked up before the worklist query.

    The query then says ``case.org_unit_id IN (<these ids>)``: PostgreSQL estimates that from its statistics
    and walks ix_case_worklist (Oslo's first page: 15-25 ms), where ``IN (SELECT ... WHERE path LIKE ...)`` left
    it guessing and scanning every active case of the country (100-180 ms). The tree has a few hundred units.
    """
    return tuple(session.scalars(scope_units_statement(scope)))


def _case_where(key: str, scope: Scope, unit_ids: Sequence[int], today: dt.date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Case.org_unit_id.in_(list(unit_ids)), Case.status == "active"]
    if key == "index_today":
        where += [_kind_is("index"), Case.next_follow_up <= today]
    elif key == "contacts_today":
        where += [_kind_is("contact"), Case.next_follow_up <= today]
    elif key == "overdue":
        where += [Case.next_follow_up < today]
    elif key == "assigned_to_me":
        where += [Case.assigned_to_id == scope.user_id] if scope.user_id is not None else [false()]
    elif key == "self_registered":
        where += [Case.self_registered.is_(True)]
    else:  # pragma: no cover - WORKLISTS and this function list the same keys
        raise AssertionError(key)
    return where


def worklist_statements(
    key: str,
    scope: Scope,
    *,
    unit_ids: Sequence[int],
    today: dt.date,
    sort: Sequence[Any] | None = None,
    filters: Mapping[str, Any] | None = None,
    start: int = 0,
    end: int | None = 100,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> WorklistStatements:
    """The page statement (rows ``start`` to ``end``, end exclusive; ``end=None`` for all) and its COUNT.

    ``unit_ids`` are ``units_in_scope(session, scope)``. Raises WorklistQueryError for an unknown worklist,
    column, filter, sort or page.

    Statements are immutable, so when the scope has a ``key`` the built pair is reused for the same request
    (building one costs about a millisecond of Python, a third of the app's own time on a small list).
    """
    if scope.key is not None:
        try:
            request = (
                key, _ByKey(scope), tuple(unit_ids), today, json.dumps(sort, sort_keys=True),
                json.dumps(filters, sort_keys=True), start, end, json.dumps(labels, sort_keys=True),
            )
            hash(request)
        except (TypeError, ValueError):  # not JSON (the query will refuse it): build without the memo
            pass
        else:
            return _remembered_statements(*request)
    return _build_statements(
        key, scope, unit_ids=unit_ids, today=today, sort=sort, filters=filters, start=start, end=end, labels=labels
    )


class _ByKey:
    """A scope that hashes and compares by its key, for the memo."""

    __slots__ = ("scope",)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def __hash__(self) -> int:
        return hash(self.scope.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByKey) and other.scope.key == self.scope.key


@functools.lru_cache(maxsize=512)
def _remembered_statements(
    key: str, scope: _ByKey, unit_ids: tuple[int, ...], today: dt.date, sort: str, filters: str, start: int,
    end: int | None, labels: str,
) -> WorklistStatements:
    return _build_statements(
        key, scope.scope, unit_ids=unit_ids, today=today, sort=json.loads(sort), filters=json.loads(filters),
        start=start, end=end, labels=json.loads(labels),
    )


def _build_statements(
    key: str,
    scope: Scope,
    *,
    unit_ids: Sequence[int],
    today: dt.date,
    sort: Sequence[Any] | None,
    filters: Mapping[str, Any] | None,
    start: int,
    end: int | None,
    labels: Mapping[str, Mapping[str, str]] | None,
) -> WorklistStatements:
    definition = WORKLISTS.get(key)
    if definition is None:
        raise WorklistQueryError("arbeidsliste", "Ukjent arbeidsliste.")
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        raise WorklistQueryError("startrad", "Startraden må være et heltall fra 0 og oppover.")
    if end is not None and (not isinstance(end, int) or isinstance(end, bool) or end < start or end - start > MAX_PAGE_ROWS):
        raise WorklistQueryError("sluttrad", f"Sluttraden må være etter startraden, og en side kan ha høyst {MAX_PAGE_ROWS} rader.")
    labels = labels or {}
    if filters is not None and not isinstance(filters, Mapping):
        raise WorklistQueryError("filter", "Ugyldig filter.")

    if definition.source == "case":
        unit = _UNIT
        columns = _case_columns(today, unit, labels)
        base, row_id = Case, Case.id
        where = _case_where(key, scope, unit_ids, today)
        joins = {
            "person": (Person, Person.id == Case.person_id, False),
            "unit": (unit, unit.id == Case.org_unit_id, False),
            "user": (User, User.id == Case.assigned_to_id, True),
        }
        selected = [
            Case.id.label("case_id"), Case.person_id, Person.first_name, Person.middle_name, Person.last_name,
            Person.birth_date, Person.phone, unit.name.label("org_unit_name"), Case.kind, Case.status,
            Case.enrolled_at, func.coalesce(Case.isolation_end, Case.quarantine_end).label("period_end"),
            Case.next_follow_up, Case.assigned_to_id, User.display_name.label("assigned_to_name"), Case.rule_set,
            Case.chain_id,
        ]
    else:
        home = _HOME_UNIT
        active_index = (
            select(Case.id)
            .where(
                Case.person_id == TestResult.person_id,
                Case.kind == "index",
                Case.status == "active",
                Case.org_unit_id.in_(list(unit_ids)),
            )
            .limit(1)
            .scalar_subquery()
        )
        columns = _result_columns(today, home, active_index, labels)
        base, row_id = TestResult, TestResult.id
        since = _oslo_midnight((today - dt.timedelta(days=POSITIVE_RESULT_DAYS - 1)).toordinal())
        where = [TestResult.result == "positive", TestResult.received_at >= since, scope.persons()]
        joins = {
            "person": (Person, Person.id == TestResult.person_id, False),
            "unit": (home, home.id == Person.home_org_unit_id, True),
        }
        selected = [
            TestResult.id.label("result_id"), TestResult.person_id, Person.first_name, Person.middle_name,
            Person.last_name, Person.birth_date, Person.phone, home.name.label("org_unit_name"),
            TestResult.sample_date, TestResult.result_date, TestResult.method.label("test_method"), TestResult.lab,
            TestResult.received_at, active_index.label("case_id"),
        ]

    needed = {"person"} if definition.source == "test_result" else set()  # the person scope is on Person
    for column, model in (filters or {}).items():
        if column not in columns or column not in definition.columns:
            raise WorklistQueryError("kolonne", f"Ukjent kolonne «{str(column)[:40]}».")
        col = columns[column]
        header = definition.header(column)
        where.append(_filter_clause(col, header, model, labels.get(column, {})))
        needed |= col.needs
    order, sort_needs = _order_by({c: columns[c] for c in definition.columns}, definition, normalise_sort(sort), row_id)

    def joined(stmt: Select[Any], names: set[str]) -> Select[Any]:
        if "unit" in names and definition.source == "test_result":
            names = names | {"person"}  # the home unit hangs on the person
        for name, (target, on, outer) in joins.items():
            if name in names:
                stmt = stmt.join(target, on, isouter=outer)
        return stmt

    # The page in two steps: first the ids of the page's rows, sorted and cut with only the joins the filters and
    # the sort need (on the default sort that is the worklist index alone), then the shown columns for just those
    # rows. Joining the person to every matching case before sorting made Oslo's first page 60 times slower.
    ids = joined(select(row_id.label("row_id")).select_from(base), needed | sort_needs).where(*where)
    ids = ids.order_by(*order).offset(start)
    if end is not None:
        ids = ids.limit(end - start)
    page_ids = ids.subquery("page_ids")
    page = joined(select(*selected).select_from(page_ids).join(base, row_id == page_ids.c.row_id), set(joins))
    page = page.order_by(*order)

    count = joined(select(func.count()).select_from(base), needed).where(*where)
    return WorklistStatements(page=page, count=count)


# ---------------------------------------------------------------------------------------------------------
# Running them


def _age(birth: dt.date | None, today: dt.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _name(first: str, middle: str | None, last: str) -> str:
    given = " ".join(p for p in (first, middle) if p)
    return f"{last}, {given}" if given else last


def _oslo_day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else moment.astimezone(OSLO).date()


def _case_row(r: Any, today: dt.date) -> dict[str, Any]:
    due = r.next_follow_up
    return {
        "case_id": r.case_id,
        "person_id": r.person_id,
        "person_name": _name(r.first_name, r.middle_name, r.last_name),
        "birth_date": r.birth_date,
        "age": _age(r.birth_date, today),
        "phone": r.phone,
        "org_unit_name": r.org_unit_name,
        "kind": r.kind,
        "status": r.status,
        "enrolled_date": _oslo_day(r.enrolled_at),
        "period_end": r.period_end,
        "next_follow_up": due,
        "days_overdue": None if due is None else max(0, (today - due).days),
        "overdue": due is not None and due < today,
        "assigned_to_id": r.assigned_to_id,
        "assigned_to_name": r.assigned_to_name,
        "rule_set": r.rule_set,
        "chain_id": r.chain_id,
    }


def _result_row(r: Any, today: dt.date) -> dict[str, Any]:
    return {
        "result_id": r.result_id,
        "person_id": r.person_id,
        "person_name": _name(r.first_name, r.middle_name, r.last_name),
        "birth_date": r.birth_date,
        "age": _age(r.birth_date, today),
        "phone": r.phone,
        "org_unit_name": r.org_unit_name,
        "sample_date": r.sample_date,
        "result_date": r.result_date,
        "test_method": r.test_method,
        "lab": r.lab,
        "received_date": _oslo_day(r.received_at),
        "case_id": r.case_id,
    }


def fetch_worklist_page(
    session: Session,
    key: str,
    scope: Scope,
    *,
    today: dt.date,
    sort: Sequence[Any] | None = None,
    filters: Mapping[str, Any] | None = None,
    start: int = 0,
    end: int | None = 100,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    with_total: bool = True,
) -> WorklistPage:
    """Run ``worklist_statements``: the rows of the page as plain dicts keyed by column id, and the total.

    Without ``with_total`` the COUNT is skipped and ``total`` is the number of rows returned; with ``end == start``
    only the COUNT runs.
    """
    unit_ids = units_in_scope(session, scope)
    statements = worklist_statements(
        key, scope, unit_ids=unit_ids, today=today, sort=sort, filters=filters, start=start, end=end, labels=labels
    )
    shape = _result_row if WORKLISTS[key].source == "test_result" else _case_row
    # An empty page (end == start) is a count only: the page query is not run.
    rows = [shape(r, today) for r in session.execute(statements.page)] if end != start else []
    total = session.execute(statements.count).scalar_one() if with_total else len(rows)
    return WorklistPage(rows=rows, total=total)


def open_follow_up_ids(session: Session, scope: Scope, case_ids: Sequence[int], today: dt.date) -> list[int]:
    """Open follow-ups due today or earlier of these cases, limited to active cases in scope."""
    if not case_ids:
        return []
    units = units_in_scope(session, scope)
    stmt = (
        select(FollowUp.id)
        .join(Case, Case.id == FollowUp.case_id)
        .where(
            FollowUp.case_id.in_(list(case_ids)),
            FollowUp.done_at.is_(None),
            FollowUp.due_date <= today,
            Case.status == "active",
            Case.org_unit_id.in_(list(units)),
        )
        .order_by(FollowUp.id)
    )
    return list(session.scalars(stmt))
