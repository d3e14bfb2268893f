"""/api/v1: the route table, and the Flask blueprint built from it.

``ROUTES`` is the one place an endpoint is declared. The blueprint's rules and the OpenAPI document
(``GET /api/v1/openapi.json``) are both generated from it, so the documentation cannot drift from the routes.
Handlers live in api/routes_*.py; each parses nothing itself (the pipeline in api/routing.py has done that) and
calls one tracing/ function with the actor.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, Flask
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from api import openapi, routes_analytics, routes_cases, routes_clusters, routes_meta, routes_persons, routes_worklists
from api import schemas as s
from api import schemas_analytics as sa
from api.auth import authenticate
from api.errors import ApiError
from api.routing import (
    Call,
    Route,
    json_response,
    on_api_error,
    on_domain_error,
    on_integrity,
    on_stale,
    on_unexpected,
    view_of,
)
from tracing.errors import DomainError

PREFIX = "/api/v1"
VERSION = "1.0.0"

PERSONS, CASES, FOLLOW_UPS, CLUSTERS, WORKLISTS, META = "persons", "cases", "follow-ups", "clusters", "worklists", "meta"
ANALYTICS = "analytics"
# Refusals documented per kind of endpoint (401 always; 422 when there is a body or query).
READ_ONE = (403, 404)
WRITE = (400, 403, 404)
LOCKED = (400, 403, 404, 409)


def openapi_document(call: Call) -> dict[str, Any]:
    return document()


ROUTES: tuple[Route, ...] = (
    # --- meta ---
    Route("GET", "/openapi.json", openapi_document, "This document (OpenAPI 3.1)", META, None, errors=()),
    Route("GET", "/me", routes_meta.who_am_i, "Who is calling: user or token, permissions, org units", META, s.MeOut, errors=()),
    # --- persons ---
    Route("POST", "/persons/search", routes_persons.search_persons, "Search persons by name (+ birth date), or by fødselsnummer",
          PERSONS, s.PersonHitsOut, body=s.PersonSearchBody, errors=(400, 403),
          description="Fuzzy name search within the caller's org units. A `text` of 11 digits is an exact, national, "
          "audited look-up instead; a person outside the caller's units then has `in_scope` false."),
    Route("POST", "/persons/lookup", routes_persons.lookup_national_id, "National look-up by fødselsnummer (audited)",
          PERSONS, s.NationalLookupOut, body=s.NationalIdLookupBody, errors=(400, 403)),
    Route("POST", "/persons/duplicates", routes_persons.find_duplicates, "Possible duplicates of a person about to be created",
          PERSONS, s.PersonHitsOut, body=s.PersonDuplicatesBody, errors=(400, 403)),
    Route("POST", "/persons", routes_persons.create_person, "Create a person (search before create)", PERSONS, s.PersonOut,
          body=s.PersonCreateBody, status=201, write=True, errors=(400, 403),
          description='Refused with 400 field "duplikat" (and the candidates in `duplicates`) when possible duplicates '
          "exist and no `duplicate_reason` is given; with field \"fødselsnummer\" when the number is registered already."),
    Route("GET", "/persons/<int:person_id>", routes_persons.get_person, "The person record (enrollment dashboard; audited)",
          PERSONS, s.PersonRecordOut, errors=READ_ONE),
    Route("PUT", "/persons/<int:person_id>", routes_persons.update_person, "Edit a person (all fields, with version)", PERSONS,
          s.PersonOut, body=s.PersonUpdateBody, write=True, errors=LOCKED),
    # --- cases ---
    Route("POST", "/cases/index", routes_cases.create_index_case, "Register an index case", CASES, s.CaseOut,
          body=s.IndexCreateBody, status=201, write=True, errors=WRITE,
          description="Isolation dates are computed by the rule set; follow-ups are scheduled."),
    Route("GET", "/cases/<int:case_id>", routes_cases.get_case, "A case with its sources, contacts, follow-ups and notes (audited)",
          CASES, s.CaseViewOut, errors=READ_ONE),
    Route("PUT", "/cases/<int:case_id>", routes_cases.update_index_case, "Correct an index case (with version)", CASES, s.CaseOut,
          body=s.IndexUpdateBody, write=True, errors=LOCKED),
    Route("POST", "/cases/<int:case_id>/contacts", routes_cases.add_contact, "Add a close contact to an active case", CASES,
          s.ContactOut, body=s.ContactBody, status=201, write=True, errors=WRITE,
          description="Contacts of contacts work the same way. A person already in quarantine keeps their contact case "
          "(the new exposure extends it)."),
    Route("POST", "/cases/<int:case_id>/convert", routes_cases.convert_to_index, "Convert a close contact to an index case",
          CASES, s.CaseOut, body=s.ConvertBody, status=201, write=True, errors=LOCKED,
          description='Closes the contact case with outcome "became_index" and returns the new index case.'),
    Route("POST", "/cases/<int:case_id>/close", routes_cases.close_case, "Close a case with an outcome", CASES, s.CaseOut,
          body=s.CloseBody, write=True, errors=LOCKED),
    Route("POST", "/cases/<int:case_id>/reopen", routes_cases.reopen_case, "Reopen a closed case (note required)", CASES,
          s.CaseOut, body=s.ReopenBody, write=True, errors=LOCKED),
    Route("POST", "/cases/<int:case_id>/assign", routes_cases.assign_case, "Assign a case to a tracer (or unassign)", CASES,
          s.CaseOut, body=s.AssignBody, write=True, errors=LOCKED),
    Route("GET", "/cases/<int:case_id>/assignable-users", routes_cases.list_assignable_users, "Tracers a case can be assigned to",
          CASES, s.AssignableUsersOut, errors=READ_ONE),
    Route("GET", "/cases/<int:case_id>/notes", routes_cases.list_notes, "The notes of a case (oldest first)", CASES, s.NotesOut,
          errors=READ_ONE),
    Route("POST", "/cases/<int:case_id>/notes", routes_cases.add_note, "Append a note to a case", CASES, s.NoteOut,
          body=s.NoteBody, status=201, write=True, errors=WRITE),
    Route("GET", "/cases/<int:case_id>/follow-ups", routes_cases.list_follow_ups, "The follow-ups of a case (by due date)",
          CASES, s.FollowUpsOut, errors=READ_ONE),
    # --- follow-ups ---
    Route("POST", "/follow-ups/<int:follow_up_id>", routes_cases.record_follow_up, "Record the outcome of a follow-up",
          FOLLOW_UPS, s.FollowUpOut, body=s.FollowUpBody, write=True, errors=WRITE,
          description="The next follow-up is scheduled when none is open and the period goes on."),
    Route("POST", "/follow-ups/bulk", routes_cases.record_follow_ups_bulk, "Record one outcome on many follow-ups", FOLLOW_UPS,
          s.BulkResultOut, body=s.FollowUpBulkBody, write=True, errors=WRITE,
          description="Follow-ups already recorded are skipped; `updated` counts those recorded now."),
    # --- clusters ---
    Route("GET", "/clusters", routes_clusters.list_clusters, "Clusters in the caller's org units, with member counts", CLUSTERS,
          s.ClustersOut, errors=(403,)),
    Route("POST", "/clusters", routes_clusters.create_cluster, "Register a cluster", CLUSTERS, s.ClusterOut, body=s.ClusterBody,
          status=201, write=True, errors=(400, 403)),
    Route("GET", "/clusters/<int:cluster_id>", routes_clusters.get_cluster, "A cluster with its members (audited)", CLUSTERS,
          s.ClusterViewOut, errors=READ_ONE),
    Route("PUT", "/clusters/<int:cluster_id>", routes_clusters.update_cluster, "Edit a cluster (all fields)", CLUSTERS,
          s.ClusterOut, body=s.ClusterBody, write=True, errors=WRITE),
    Route("POST", "/clusters/<int:cluster_id>/members", routes_clusters.add_cluster_member, "Add a person to a cluster",
          CLUSTERS, s.ClusterMemberOut, body=s.MemberBody, status=201, write=True, errors=WRITE),
    # --- worklists ---
    Route("GET", "/worklists", routes_worklists.list_worklists, "The worklists, their columns and row counts", WORKLISTS,
          s.WorklistsOut, errors=(403,)),
    Route("GET", "/worklists/<key>", routes_worklists.get_worklist, "A page of a worklist (server-side paging and sorting)",
          WORKLISTS, s.WorklistPageOut, query=s.WorklistQuery, errors=(400, 403),
          description="Rows `start`..`end` (end exclusive). The same query serves the app's grid and the export."),
    Route("POST", "/worklists/<key>/query", routes_worklists.query_worklist, "A page of a worklist with filters",
          WORKLISTS, s.WorklistPageOut, body=s.WorklistQueryBody, errors=(400, 403),
          description="Like GET /worklists/{key}, with AG Grid-style filters in the body (reads only; permission read)."),
    Route("GET", "/worklists/<key>/export", routes_worklists.export_worklist, "Export a worklist as CSV or XLSX (audited)",
          WORKLISTS, None, query=s.ExportQuery, errors=(400, 403),
          files=tuple(routes_worklists.MEDIA_TYPES.values())),
    Route("POST", "/worklists/assign", routes_worklists.assign_cases, "Assign many cases to a tracer (all or none)", WORKLISTS,
          s.BulkResultOut, body=s.BulkAssignBody, write=True, errors=WRITE),
    Route("POST", "/worklists/follow-ups-done", routes_worklists.mark_follow_ups_done,
          'Record the due follow-ups of many cases as "reached"', WORKLISTS, s.BulkResultOut, body=s.BulkCasesBody,
          write=True, errors=WRITE),
    # --- analytics ---
    Route("GET", "/analytics/outbreaks", routes_analytics.list_analysis_outbreaks,
          "Imported analysis outbreaks in the caller's org units", ANALYTICS, sa.OutbreaksOut, errors=(403,)),
    Route("GET", "/analytics/outbreaks/<int:outbreak_id>", routes_analytics.get_outbreak_report,
          "The spread report of an imported outbreak", ANALYTICS, sa.OutbreakReportOut, errors=READ_ONE,
          description="Attack rate, R and k, share of cases causing 80% of transmission, serial interval, growth, "
          "overall, per cluster and per setting, with 95% intervals; the chains and their KPIs. A measure without "
          "enough data has `value` null and `missing` set. The same JSON as `flask spread-report --label X --json`."),
    Route("GET", "/analytics/clusters/<int:cluster_id>", routes_analytics.get_cluster_report,
          "The spread report of one cluster", ANALYTICS, sa.ClusterReportOut, errors=READ_ONE),
    Route("GET", "/analytics/spread", routes_analytics.get_spread_report,
          "The spread report of an org unit and date window", ANALYTICS, sa.SpreadReportOut, query=sa.SpreadQuery,
          errors=(400, 403),
          description="Cases and exposures in `org_unit` and below, dated `from`..`to` (yyyy-mm-dd or dd.mm.yyyy), "
          "optionally one setting, one cluster kind, active chains only. FHI users get it in aggregate form "
          "(`aggregate` true): clusters without id or name, chains without case keys."),
)


@cache
def document() -> dict[str, Any]:
    return openapi.build(ROUTES, prefix=PREFIX, version=VERSION)


def unknown_endpoint(rest: str = "") -> Any:
    raise ApiError(404, "forespørsel", "Ukjent endepunkt eller metode. Se /api/v1/openapi.json.")


def on_http_error(error: HTTPException) -> Any:
    return json_response({"field": "forespørsel", "message": "Ugyldig forespørsel."}, error.code or 400)


def on_validation_error(error: ValidationError) -> Any:
    # A response model that does not fit the domain's object is a server bug, not the client's: but never echo.
    return on_unexpected(error)


def build_blueprint() -> Blueprint:
    bp = Blueprint("api_v1", __name__, url_prefix=PREFIX)
    bp.before_request(authenticate)
    for route in ROUTES:
        bp.add_url_rule(route.path, endpoint=route.endpoint, view_func=view_of(route), methods=[route.method])
    # Anything else below /api/v1 (after authentication): a JSON 404, never the Dash page shell.
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    bp.add_url_rule("/<path:rest>", endpoint="unknown_endpoint", view_func=unknown_endpoint, methods=methods)
    bp.add_url_rule("/", endpoint="unknown_root", view_func=unknown_endpoint, methods=methods)
    bp.register_error_handler(ApiError, on_api_error)
    bp.register_error_handler(DomainError, on_domain_error)
    bp.register_error_handler(StaleDataError, on_stale)
    bp.register_error_handler(IntegrityError, on_integrity)
    bp.register_error_handler(HTTPException, on_http_error)
    bp.register_error_handler(ValidationError, on_validation_error)
    bp.register_error_handler(Exception, on_unexpected)
    return bp


bp = build_blueprint()


def init_app(server: Flask) -> None:
    """Register the API and its token CLI on a Flask server (called by app.create_dash)."""
    from api.cli import api_token

    server.register_blueprint(bp)
    server.cli.add_command(api_token)


__all__ = ["PREFIX", "ROUTES", "bp", "document", "init_app"]
