"""Endpoints for worklists: the list of lists, a page (server-side paging, sorting, filtering), export, bulk actions.

The same ``tracing.worklists`` functions serve the grid, this API and the export, so they show the same rows.
"""

from __future__ import annotations

from api.routing import Call, FileReply
from api.schemas import BulkResultOut, WorklistOut, WorklistPageOut, WorklistsOut, parse_sort
from tracing import worklists

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def list_worklists(call: Call) -> WorklistsOut:
    totals = worklists.worklist_counts(call.session, call.actor)
    return WorklistsOut(
        worklists=[
            WorklistOut(
                key=d.key,
                label=d.label_nb,
                description=d.description_nb,
                columns=list(d.columns),
                headers={c: d.header(c) for c in d.columns},
                default_columns=list(d.default_columns),
                default_sort=list(d.default_sort),
                total=totals[d.key],
            )
            for d in worklists.WORKLISTS.values()
        ]
    )


def _page(call: Call, key: str, start: int, end: int, sort: list[tuple[str, str]], filters: dict) -> WorklistPageOut:  # type: ignore[type-arg]
    page = worklists.worklist_page(call.session, call.actor, key, start=start, end=end, sort=sort, filters=filters)
    label = worklists.WORKLISTS[key].label_nb
    return WorklistPageOut(key=key, label=label, start=start, end=start + len(page.rows), total=page.total, rows=page.rows)


def get_worklist(call: Call) -> WorklistPageOut:
    q = call.query
    return _page(call, call.args["key"], q.start, q.end, parse_sort(q.sort), {})


def query_worklist(call: Call) -> WorklistPageOut:
    b = call.body
    return _page(call, call.args["key"], b.start, b.end, [tuple(s) for s in b.sort], dict(b.filters))  # type: ignore[misc]


def export_worklist(call: Call) -> FileReply:
    q, key = call.query, call.args["key"]
    columns = q.columns.split(",") if q.columns else None
    content = worklists.export_worklist(call.session, call.actor, key, q.format, sort=parse_sort(q.sort), columns=columns)
    return FileReply(content, MEDIA_TYPES[q.format], worklists.export_filename(key, q.format))


def assign_cases(call: Call) -> BulkResultOut:
    return BulkResultOut(updated=worklists.assign_cases(call.session, call.actor, list(call.body.case_ids), call.body.user_id))


def mark_follow_ups_done(call: Call) -> BulkResultOut:
    return BulkResultOut(updated=worklists.mark_follow_ups_done(call.session, call.actor, list(call.body.case_ids)))
