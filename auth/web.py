"""Login, logout and the gate in front of every request.

The login page is a plain server-rendered form (no JavaScript needed to log in). Every other request passes
``gate``: anonymous calls to Dash's endpoints (``/_dash-*``) and the API get 401, pages redirect to the login
page. Access to what a page shows is checked again where the data is read (tracing/), never only here.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from auth.actor import Actor, actor_of, audit_as, load_actor
from auth.users import authenticate
from data import audit
from data.db import Store

LOGIN_PATH = "/logg-inn"
LOGOUT_PATH = "/logg-ut"
# Reachable without logging in: the login form and the static files it needs.
PUBLIC_PREFIXES = ("/assets/", "/favicon.ico", LOGIN_PATH)
# The JSON API authenticates every request itself (session or bearer token) and answers 401 JSON (api/auth.py).
API_PREFIXES = ("/api/v1/",)
WRONG_LOGIN_NB = "Feil brukernavn eller passord."

bp = Blueprint("auth", __name__, template_folder="templates")


class WebUser(UserMixin):
    """flask-login's view of a user: carries the actor, nothing else."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def get_id(self) -> str:
        return str(self.actor.user_id)


def store() -> Store:
    return current_app.extensions["smittespor_store"]


def current_actor() -> Actor | None:
    """The logged-in actor, or None outside a request or for anonymous requests."""
    try:
        user = current_user._get_current_object()  # type: ignore[attr-defined]
    except (RuntimeError, AttributeError):
        return None
    return user.actor if isinstance(user, WebUser) else None


def init_app(server: Flask) -> None:
    manager = LoginManager()
    manager.init_app(server)
    manager.login_view = "auth.login"

    @manager.user_loader
    def _load(user_id: str) -> WebUser | None:
        with store().session() as s:
            actor = load_actor(s, int(user_id))
        return WebUser(actor) if actor else None

    server.register_blueprint(bp)
    server.before_request(gate)


def gate():  # type: ignore[no-untyped-def]
    path = request.path
    if path.startswith(PUBLIC_PREFIXES) or path.startswith(API_PREFIXES) or current_user.is_authenticated:
        return None
    if path.startswith("/_") or path.startswith("/api/"):
        return jsonify(error="Ikke innlogget."), 401
    target = path + (("?" + request.query_string.decode()) if request.query_string else "")
    return redirect(url_for("auth.login", next=target))


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the login form cannot be used to bounce users elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _csrf_token() -> str:
    token = session.get("csrf_token")
    if not token:
        token = session["csrf_token"] = secrets.token_urlsafe(32)
    return token


def _require_csrf() -> None:
    expected = session.get("csrf_token")
    if not expected or not secrets.compare_digest(request.form.get("csrf_token", ""), expected):
        abort(400)


@bp.route(LOGIN_PATH, methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    error = None
    username = ""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "POST":
        _require_csrf()
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        with store().session() as s:
            user = authenticate(s, username, password, demo_mode=current_app.config.get("DEMO", False))
            if user is None:
                audit.record(s, "login_failed", username=username[:80] or None)
                error = WRONG_LOGIN_NB
            else:
                actor = actor_of(user)
                audit.record(s, "login", user_id=user.id, username=user.username)
        if error is None:
            session.clear()  # a fresh session on login (no fixation)
            login_user(WebUser(actor))
            return redirect(next_url)
    status = 401 if error else 200
    return render_template("login.html", error=error, username=username, next_url=next_url, csrf_token=_csrf_token()), status


@bp.route(LOGOUT_PATH, methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    actor = current_actor()
    _require_csrf()
    if actor is not None:
        with store().session() as s:
            audit_as(s, actor, "logout")
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def csrf_token() -> str:
    """The form token for the logout button in the Dash navbar."""
    return _csrf_token()
