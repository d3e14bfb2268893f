"""The worklist grid: dash-ag-grid on AG Grid's infinite row model, fed one block at a time by the server.

The browser never holds the whole list. The grid asks for rows ``startRow``..``endRow`` with its sort and filter
models (``getRowsRequest``); a callback answers with that block and the total (``getRowsResponse``). Sorting and
filtering therefore happen in SQL (``data/queries/worklists.py``), on the columns that query allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dash_ag_grid as dag

from tracing.worklists import FILTER_TYPES, WORKLISTS, display_value

BLOCK_ROWS = 100  # rows per server request (AG Grid's cacheBlockSize)
MAX_BLOCKS = 10  # blocks kept in the browser; older ones are dropped and fetched again when scrolled back to

_FILTERS = {"text": "agTextColumnFilter", "number": "agNumberColumnFilter", "date": "agDateColumnFilter"}
_FILTER_OPTIONS = {
    "text": ["contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank", "notBlank"],
    "number": [
        "equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual", "inRange", "blank",
        "notBlank",
    ],
    "date": ["equals", "notEqual", "lessThan", "greaterThan", "inRange", "blank", "notBlank"],
}
_WIDTHS = {"case_id": 110, "result_id": 120, "person_name": 220, "age": 90, "kind": 120, "overdue": 100, "days_overdue": 130}

# AG Grid's words in Norwegian (bokmål); keys from AG Grid's localisation table.
LOCALE_NB: dict[str, str] = {
    "contains": "Inneholder",
    "notContains": "Inneholder ikke",
    "equals": "Er lik",
    "notEqual": "Er ikke lik",
    "startsWith": "Starter med",
    "endsWith": "Slutter med",
    "blank": "Tom",
    "notBlank": "Ikke tom",
    "lessThan": "Mindre enn",
    "lessThanOrEqual": "Mindre enn eller lik",
    "greaterThan": "Større enn",
    "greaterThanOrEqual": "Større enn eller lik",
    "inRange": "Mellom",
    "inRangeStart": "Fra",
    "inRangeEnd": "Til",
    "before": "Før",
    "after": "Etter",
    "andCondition": "OG",
    "orCondition": "ELLER",
    "filterOoo": "Filter …",
    "applyFilter": "Bruk",
    "resetFilter": "Nullstill",
    "clearFilter": "Tøm",
    "cancelFilter": "Avbryt",
    "dateFormatOoo": "dd.mm.åååå",
    "loadingOoo": "Laster …",
    "loadingError": "Feil",
    "noRowsToShow": "Ingen saker i denne listen",
    "page": "Side",
    "of": "av",
    "to": "til",
    "more": "flere",
    "columnFilter": "Kolonnefilter",
    "ariaFilterInput": "Filterverdi",
    "ariaFilterValue": "Filterverdi",
    "ariaFilterFromValue": "Filtrer fra verdi",
    "ariaFilterToValue": "Filtrer til verdi",
    "ariaFilteringOperator": "Filteroperator",
    "ariaDateFilterInput": "Datofilter",
    "ariaRowSelect": "Trykk mellomrom for å velge raden",
    "ariaRowDeselect": "Trykk mellomrom for å fjerne valget av raden",
    "ariaRowToggleSelection": "Trykk mellomrom for å velge eller fjerne valget av raden",
    "ariaChecked": "valgt",
    "ariaUnchecked": "ikke valgt",
    "ariaSortableColumn": "Trykk Enter for å sortere",
    "ariaMenuColumn": "Trykk Alt Pil ned for å åpne kolonnemenyen",
    "ariaFilterColumn": "Trykk Ctrl Enter for å åpne filteret",
    "ariaColumnFiltered": "Kolonnen er filtrert",
    "ariaSearch": "Søk",
    "ariaLabelColumnMenu": "Kolonnemeny",
    "ariaLabelDialog": "Dialog",
    "ariaLabelSelectField": "Velg felt",
    "ariaRowSelectionDisabled": "Raden kan ikke velges",
    "selectAll": "Velg alle",
    "selectAllSearchResults": "Velg alle søketreff",
    "searchOoo": "Søk …",
    "sortAscending": "Sorter stigende",
    "sortDescending": "Sorter synkende",
    "sortUnSort": "Fjern sortering",
}


def column_options(key: str) -> list[dict[str, str]]:
    """The column chooser's choices for a worklist: Norwegian header, column id."""
    definition = WORKLISTS[key]
    return [{"label": definition.header(c), "value": c} for c in definition.columns]


def column_defs(key: str, visible: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """AG Grid column definitions for a worklist; ``visible`` columns shown, the rest hidden (still choosable)."""
    definition = WORKLISTS[key]
    shown = set(definition.default_columns if visible is None else visible)
    defs = []
    for column in definition.columns:
        filter_type = FILTER_TYPES[column]
        col: dict[str, Any] = {
            "field": column,
            "colId": column,
            "headerName": definition.header(column),
            "hide": column not in shown,
            "sortable": True,
            "filter": _FILTERS[filter_type] if filter_type else False,
        }
        if filter_type:
            col["filterParams"] = {
                "buttons": ["apply", "reset"],
                "closeOnApply": True,
                "maxNumConditions": 2,
                "inRangeInclusive": True,
                "filterOptions": _FILTER_OPTIONS[filter_type],
            }
        if filter_type == "number":
            col["type"] = "numericColumn"
        if column in _WIDTHS:
            col["width"] = _WIDTHS[column]
        if column == "person_name":
            col["cellRenderer"] = "markdown"  # a link to the person page
        defs.append(col)
    return defs


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def _link(text: str, href: str) -> str:
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return f"[{escaped}]({href})"


def grid_rows(key: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the grid shows them: Norwegian values, the person's name as a link, a stable ``row_id``.

    ``case_id``/``person_id`` stay plain numbers, for the bulk actions on selected rows.
    """
    definition = WORKLISTS[key]
    out = []
    for row in rows:
        shown = {c: display_value(c, row.get(c)) for c in definition.columns}
        shown["person_name"] = _link(str(row.get("person_name") or ""), f"/person/{row['person_id']}")
        shown["row_id"] = f"{definition.row_key}-{row[definition.row_key]}"
        shown["person_id"] = row["person_id"]
        shown["case_id"] = row.get("case_id")
        out.append(shown)
    return out


def column_state(key: str, visible: Iterable[str], sort: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """A full AG Grid column state for a saved view: which columns show, and the sort order."""
    shown = set(visible)
    order = {column: (direction, i) for i, (column, direction) in enumerate(sort)}
    return [
        {
            "colId": c,
            "hide": c not in shown,
            "sort": order[c][0] if c in order else None,
            "sortIndex": order[c][1] if c in order else None,
        }
        for c in WORKLISTS[key].columns
    ]


def worklist_grid(grid_id: str, key: str, visible: Iterable[str] | None = None) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id,
        rowModelType="infinite",
        columnDefs=column_defs(key, visible),
        defaultColDef={"resizable": True, "minWidth": 90, "suppressHeaderMenuButton": False},
        getRowId="params.data.row_id",
        dashGridOptions={
            "cacheBlockSize": BLOCK_ROWS,
            "maxBlocksInCache": MAX_BLOCKS,
            "maxConcurrentDatasourceRequests": 1,
            "infiniteInitialRowCount": 1,
            "rowBuffer": 10,
            "rowSelection": {"mode": "multiRow", "checkboxes": True, "headerCheckbox": False, "enableClickSelection": False},
            "context": {"worklist": key},
            "localeText": LOCALE_NB,
            "enableCellTextSelection": True,
            "ensureDomOrder": True,
            "loadThemeGoogleFonts": False,
            "suppressDragLeaveHidesColumns": True,
        },
        style={"height": "65vh", "width": "100%"},
        className="worklist-grid",
    )
