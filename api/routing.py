"""The machinery under /api/v1: a route table entry (``Route``), the per-request pipeline, and error rendering.

One ``Route`` says everything about an endpoint: method, path, handler, body and query models, response model,
status, whether it writes. The Flask rules are built from the table (api/v1.py) and so is the OpenAPI document
(api/openapi.py), so the two cannot drift apart.

The pipeline for each request: authenticate (api/auth.py) -> check the permission -> parse the query and the
body with their pydantic models -> open one unit of work (``Store.session()``) -> call the handler, which calls
one tracing/ function with the actor -> flush and serialise inside the unit of work -> commit. Any exception rolls
the whole request back, so a refused request stores nothing.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Response, current_app, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.auth import Caller, caller, require_permission
from api.errors import ApiError, domain_payload, status_of, validation_payload
from api.schemas import Body, Query
from auth.actor import Actor
from data.db import Store
from tracing.errors import DomainError, StaleVersion

log = logging.getLogger("smittespor.api")

CONFLICT_NB = "Endringen kom i konflikt med en annen lagring. Last inn på nytt og prøv igjen."
SERVER_ERROR_NB = "Noe gikk galt på serveren. Prøv igjen senere."


@dataclass(frozen=True)
class FileReply:
    """A file download (worklist export) instead of a JSON body."""

    content: bytes
    mimetype: str
    filename: str


@dataclass(frozen=True)
class Call:
    """What a handler gets: the unit of work, the actor, the parsed body and query, and the URL's ids."""

    session: Session
    actor: Actor
    caller: Caller
    body: Any
    query: Any
    args: Mapping[str, Any]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # Flask rule below /api/v1, e.g. "/cases/<int:case_id>"
    handler: Callable[[Call], Any]
    summary: str
    tag: str
    response: type[BaseModel] | None  # None: a file (see ``files``) or a free-form JSON object
    body: type[Body] | None = None
    query: type[Query] | None = None
    status: int = 200
    write: bool = False
    description: str = ""
    errors: tuple[int, ...] = (400, 403, 404)
    files: tuple[str, ...] = field(default=())  # media types of a file response

    @property
    def endpoint(self) -> str:
        return self.handler.__name__


def store() -> Store:
    return current_app.extensions["smittespor_store"]


def json_response(payload: Any, status: int = 200) -> Response:
    return current_app.response_class(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")


def _invalid(error: ValidationError, model: type[BaseModel]) -> ApiError:
    payload = validation_payload(error, model.__name__)
    return ApiError(422, payload["field"], payload["message"], errors=payload["errors"])


def _parse_body(model: type[Body]) -> Body:
    raw = request.get_data(cache=False) or b"{}"
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise _invalid(error, model) from None


def _parse_query(model: type[Query] | None) -> Query | None:
    args = request.args
    if model is None:
        if args:
            raise ApiError(422, "forespørsel", "Endepunktet tar ingen parametere i adressen.")
        return None
    if any(len(args.getlist(k)) > 1 for k in args):
        raise ApiError(422, "forespørsel", "Hver parameter kan bare oppgis én gang.")
    try:
        return model.model_validate(dict(args.items()))
    except ValidationError as error:
        raise _invalid(error, model) from None


def render(result: Any, status: int) -> Response:
    if isinstance(result, FileReply):
        response = current_app.response_class(result.content, status=status, mimetype=result.mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        return response
    if isinstance(result, BaseModel):
        return json_response(result.model_dump(mode="json"), status)
    return json_response(result, status)


def view_of(route: Route) -> Callable[..., Response]:
    """The Flask view for one route: the pipeline described in the module docstring."""

    def view(**args: Any) -> Response:
        who = caller()
        require_permission("write" if route.write else "read")
        query = _parse_query(route.query)
        body = _parse_body(route.body) if route.body is not None else None
        with store().session() as session:
            result = route.handler(Call(session, who.actor, who, body, query, args))
            session.flush()
            response = render(result, route.status)
        return response

    view.__name__ = route.endpoint
    view.__doc__ = route.summary
    return view


# --- error rendering (registered on the blueprint) --------------------------------------------------------------


def on_api_error(error: ApiError) -> Response:
    return json_response(error.payload(), error.status)


def on_domain_error(error: DomainError) -> Response:
    return json_response(domain_payload(error), status_of(error))


def on_stale(error: StaleDataError) -> Response:
    return on_domain_error(StaleVersion())


def on_integrity(error: IntegrityError) -> Response:
    # A concurrent save broke a unique rule (say two active cases): refuse like a stale version. The exception's
    # text holds the statement's parameters (maybe a fødselsnummer), so only its class is logged.
    log.warning("API conflict (%s) on %s %s", type(error.orig).__name__, request.method, request.url_rule)
    return json_response({"field": "versjon", "message": CONFLICT_NB}, 409)


def on_unexpected(error: Exception) -> Response:
    if current_app.testing:  # let the test show the real traceback
        raise error
    # Frames only: an exception's message may carry request data (a database error carries its parameters).
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("API error %s on %s %s\n%s", type(error).__name__, request.method, request.url_rule, frames)
    return json_response({"field": "server", "message": SERVER_ERROR_NB}, 500)
