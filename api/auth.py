"""Who is calling the API: a logged-in browser session or a system client with a bearer token.

``authenticate`` runs before every /api/v1 request (``auth.web.gate`` lets /api/v1/ through to it):

* ``Authorization: Bearer <token>`` - a token from ``flask api-token create``; a missing, unknown or revoked
  token gets 401 even if the request also carries a session cookie. Tokens are exempt from the CSRF check
  (a browser never attaches them by itself).
* otherwise the session user (flask-login). Session-authenticated POST/PUT requests must also carry
  ``X-Requested-With: XMLHttpRequest`` or ``X-CSRF-Token: <the session's token>``: a page on another site cannot
  set either header without a CORS preflight, which this API never grants.
* neither: 401 ``{"field": "autentisering", "message": "Ikke innlogget."}``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, g, request, session

import auth.web
from api.errors import AUTH_FIELD_NB, ApiError, not_logged_in
from api.tokens import PERMISSIONS, authenticate_token
from auth.actor import Actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
AJAX_HEADER = "X-Requested-With"
CSRF_FIELD_NB = "csrf"
CSRF_MESSAGE_NB = "Forespørselen mangler CSRF-beskyttelse (X-Requested-With: XMLHttpRequest eller X-CSRF-Token)."
READ_ONLY_MESSAGE_NB = "API-nøkkelen har bare lesetilgang."


@dataclass(frozen=True)
class Caller:
    actor: Actor
    via: str  # "session" or "token"
    permissions: frozenset[str]


def authenticate() -> None:
    """Blueprint ``before_request``: resolve the caller into ``g.api_caller`` or refuse with 401/403."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, AUTH_FIELD_NB, "Ugyldig Authorization-header. Bruk «Bearer <nøkkel>».")
        with current_app.extensions["smittespor_store"].session() as s:
            found = authenticate_token(s, token.strip())
        if found is None:
            raise ApiError(401, AUTH_FIELD_NB, "Ugyldig eller tilbakekalt API-nøkkel.")
        g.api_caller = Caller(found[0], "token", found[1])
        return
    actor = auth.web.current_actor()
    if actor is None:
        raise not_logged_in()
    g.api_caller = Caller(actor, "session", frozenset(PERMISSIONS))
    if request.method not in SAFE_METHODS and not _csrf_ok():
        raise ApiError(403, CSRF_FIELD_NB, CSRF_MESSAGE_NB)


def _csrf_ok() -> bool:
    if request.headers.get(AJAX_HEADER, "") == "XMLHttpRequest":
        return True
    expected = session.get("csrf_token")
    given = request.headers.get(CSRF_HEADER, "")
    return bool(expected) and secrets.compare_digest(given, expected)


def caller() -> Caller:
    return g.api_caller


def require_permission(permission: str) -> None:
    if permission not in caller().permissions:
        raise ApiError(403, "tilgang", READ_ONLY_MESSAGE_NB if permission == "write" else "API-nøkkelen mangler tilgang.")
