"""The OpenAPI 3.1 document of /api/v1, generated from the route table and the pydantic models.

Nothing here is written by hand per endpoint: paths, methods, parameters, bodies and responses all come from
``api.v1.ROUTES`` and the models in ``api.schemas``, the same objects the Flask rules and the request parsing are
built from. A test checks that every registered /api/v1 rule appears in the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.routing import Route
from api.schemas import ErrorOut

REF = "#/components/schemas/{model}"
_RULE_ARG = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>[a-z_]+)>")

DESCRIPTION = """\
Smittespor's JSON API: the tracer workflow (person register, index cases, close contacts, conversion, closing,
notes, follow-ups, clusters and members, worklists) for other systems and for scripts.

**Authentication.** Either the browser session of a logged-in user (cookie `session`, from `/logg-inn`), or an
API token for a system client: `Authorization: Bearer ssp_...`. Tokens are created on the server with
`flask --app app api-token create NAME --org-unit 0301 --permission read [--permission write]` (the token is
printed once; only its SHA-256 hash is stored), listed with `api-token list` and revoked with
`api-token revoke ID`. A token acts as a tracer (smittesporer) in its org unit and below, as the user
`token:NAME` in the audit log. Permissions: `read` = every GET endpoint plus person search and national look-up;
`write` = also every create/change (implies `read`). A read-only token gets 403 on write endpoints; an unknown
or revoked token gets 401; no session and no token gets 401 `{"field": "autentisering", "message": "Ikke innlogget."}`.

**CSRF.** Session-authenticated POST and PUT requests must carry `X-Requested-With: XMLHttpRequest` or
`X-CSRF-Token: <token>` (the session's token, also given by `GET /me`); otherwise 403 with field `csrf`.
Token-authenticated requests are exempt (a browser never sends the token by itself).

**Access.** A caller sees and changes only cases, persons and clusters in their org units and below (403
otherwise, whether the id exists or not). The national look-up by fødselsnummer (`POST /persons/lookup`) says
that a person exists elsewhere (name, birth year, responsible kommune) without opening the record. Every read of
a person, every change, export and look-up is audited.

**Fødselsnummer.** Only ever in a request body, never in a URL or a query string; never echoed in an error.
Search hits and cluster members carry at most the masked number (`DDMMYY*****`). The person record
(`GET /persons/{person_id}`, and the replies to create and update) includes the full number, because the caller
may open that person and the reply is a body, like the person page; persons outside the caller's scope are never
returned as records.

**Formats.** Dates are ISO `yyyy-mm-dd`, times ISO 8601 in UTC. Org units are given by their code (kommune
number `0301`, bydel number `030101`). Bodies are strict JSON: unknown fields, wrong types and malformed dates
are refused with 422. Codes (settings, kinds, outcomes) are the English code words listed in each schema.

**Errors.** Always `{"field": "<Norwegian field name>", "message": "<Norwegian message>"}`: 400 refused by a
domain rule, 401 not authenticated, 403 no access / read-only token / CSRF, 404 unknown id or endpoint,
409 stale `version` (someone else saved first: reload and retry), 422 invalid body or query (with `errors`,
one item per problem).

**Optimistic locking.** Persons and cases carry `version`; edits send the version they read and are refused
with 409 when it is stale. Nothing is silently overwritten.
"""

ERROR_TEXT = {
    400: "Refused by a domain rule (field and Norwegian message).",
    401: "Not authenticated (no session, or an unknown or revoked token).",
    403: "No access to this org unit or record, a read-only token, or a missing CSRF header.",
    404: "Unknown id.",
    409: "Stale version: someone else saved first. Reload and retry.",
    422: "Invalid body or query: unknown field, wrong type or malformed value.",
}


def openapi_path(rule: str) -> str:
    """Flask's ``/cases/<int:case_id>`` as OpenAPI's ``/cases/{case_id}``."""
    return _RULE_ARG.sub(lambda m: "{" + m.group("name") + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    params = []
    for m in _RULE_ARG.finditer(rule):
        schema: dict[str, Any] = {"type": "integer", "minimum": 1} if m.group("converter") == "int" else {"type": "string"}
        params.append({"name": m.group("name"), "in": "path", "required": True, "schema": schema})
    return params


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def build(routes: Iterable[Route], *, prefix: str, version: str = "1.0.0") -> dict[str, Any]:
    routes = list(routes)
    wanted: list[tuple[type[BaseModel], str]] = [(ErrorOut, "serialization")]
    for r in routes:
        if r.body is not None:
            wanted.append((r.body, "validation"))
        if r.response is not None:
            wanted.append((r.response, "serialization"))
    wanted = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(wanted, ref_template=REF)
    error_ref = refs[(ErrorOut, "serialization")]

    paths: dict[str, dict[str, Any]] = {}
    for r in routes:
        op: dict[str, Any] = {
            "operationId": r.endpoint,
            "summary": r.summary,
            "tags": [r.tag],
            "x-permission": "write" if r.write else "read",
        }
        if r.description:
            op["description"] = r.description
        params = _path_parameters(r.path) + (_query_parameters(r.query) if r.query is not None else [])
        if params:
            op["parameters"] = params
        if r.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": refs[(r.body, "validation")]}}}
        responses: dict[str, Any] = {}
        if r.files:
            responses[str(r.status)] = {
                "description": "The file.",
                "content": {media: {"schema": {"type": "string", "contentMediaType": media}} for media in r.files},
            }
        elif r.response is not None:
            responses[str(r.status)] = {
                "description": r.response.__doc__.strip().splitlines()[0] if r.response.__doc__ else "OK",
                "content": {"application/json": {"schema": refs[(r.response, "serialization")]}},
            }
        else:
            responses[str(r.status)] = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
        codes = set(r.errors) | {401}
        if r.body is not None or r.query is not None:
            codes.add(422)
        for code in sorted(codes):
            responses[str(code)] = {"description": ERROR_TEXT[code], "content": {"application/json": {"schema": error_ref}}}
        op["responses"] = responses
        paths.setdefault(openapi_path(prefix + r.path), {})[r.method.lower()] = op

    return {
        "openapi": "3.1.0",
        "info": {"title": "Smittespor API", "version": version, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"session": []}, {"bearer": []}],
        "tags": [{"name": t} for t in dict.fromkeys(r.tag for r in routes)],
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "Browser session from /logg-inn; POST/PUT also need X-Requested-With or X-CSRF-Token.",
                },
                "bearer": {"type": "http", "scheme": "bearer", "description": "API token from `flask api-token create`."},
            },
        },
    }
