"""Smittespor: the application factory, the Flask CLI commands, and `python app.py` to serve.

``create_dash(config)`` builds the Flask server and the Dash app on it; ``create_app(config)`` returns the Flask
server, which is what ``flask --app app ...`` and WSGI servers (``gunicorn 'app:create_app()'``) expect.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from dash import Dash, DiskcacheManager
from flask import Flask, current_app
from flask.cli import AppGroup

import api.v1
import auth.web
from auth.users import DEMO_PASSWORD, DEMO_USERS, UserError, create_user, ensure_demo_users
from callbacks import register_all
from components import shell
from data.db import PROJECT_ROOT, Store, default_url
from data.migrate import upgrade
from data.orgunits import load_reference

log = logging.getLogger("smittespor")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
DEFAULT_DEMO_PERSONS = 3000
DEFAULT_DEMO_SEED = 2026


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/ (sessions survive restarts)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def create_dash(config: Mapping[str, Any] | None = None) -> Dash:
    """Build the app: upgrade the schema, load the org-unit tree, wire login, pages and callbacks.

    ``config`` keys: DATABASE_URL, DEMO (demo users may log in), SECRET_KEY, and any Flask setting.
    """
    config = dict(config or {})
    instance = PROJECT_ROOT / "instance"
    server = Flask(__name__, instance_path=str(instance))
    server.config.update(
        DATABASE_URL=default_url(),
        DEMO=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    server.config.update(config)
    if not server.config.get("SECRET_KEY"):
        server.config["SECRET_KEY"] = _secret_key(instance)

    store = Store(server.config["DATABASE_URL"])
    upgrade(store.engine)
    with store.session() as session:
        load_reference(session)
    server.extensions["smittespor_store"] = store

    auth.web.init_app(server)
    _register_cli(server)
    api.v1.init_app(server)  # /api/v1 and the `api-token` CLI

    app = Dash(
        __name__,
        background_callback_manager=background_manager(server),
        server=server,
        use_pages=True,
        pages_folder=str(PROJECT_ROOT / "pages"),
        assets_folder=str(PROJECT_ROOT / "assets"),
        title="Smittespor",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=True,  # network elements are large JSON; gzip cuts them several-fold (DESIGN.md perf notes)
    )
    app.index_string = shell.INDEX_STRING
    app.layout = shell.layout
    register_all(app)
    return app


def background_manager(server: Flask) -> Any:
    """Long callbacks (line-list import with its progress bar) run in worker processes.

    With REDIS_URL set they go through Celery and Redis (several app processes share the queue); otherwise a
    disk cache under instance/ (or BACKGROUND_CACHE_DIR) is enough for one machine.
    """
    redis_url = server.config.get("REDIS_URL") or os.environ.get("REDIS_URL")
    if redis_url:  # pragma: no cover - needs a Redis server and the celery package
        from celery import Celery
        from dash import CeleryManager

        return CeleryManager(Celery(__name__, broker=redis_url, backend=redis_url))
    import diskcache

    directory = server.config.get("BACKGROUND_CACHE_DIR") or str(Path(server.instance_path) / "background-cache")
    return DiskcacheManager(diskcache.Cache(directory))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    return create_dash(config).server


def store_of(server: Flask) -> Store:
    return server.extensions["smittespor_store"]


def refresh_demo(store: Store, *, seed: int = DEFAULT_DEMO_SEED, persons: int = DEFAULT_DEMO_PERSONS) -> Any:
    """Create the demo users, (re)generate the synthetic outbreak relative to today, and import a finished
    simulated outbreak as a line list in Oslo (graph/demo_outbreak.py)."""
    from data.clock import today_oslo
    from data.demo import DEMO_KOMMUNER, generate
    from graph.demo_outbreak import import_demo_outbreak

    with store.session() as session:
        users = ensure_demo_users(session)
        staff: dict[str, list[int]] = {}
        for demo, user in zip(DEMO_USERS, users):
            if demo.role in ("smittesporer", "kommuneoverlege"):
                staff.setdefault(demo.org_unit_code, []).append(user.id)
    with store.session() as session:
        summary = generate(session, seed=seed, persons=persons, staff=staff)
    with store.session() as session:
        import_demo_outbreak(session, DEMO_KOMMUNER[0], today_oslo())
    return summary


def demo_logins_text() -> str:
    lines = [f"Demo-brukere (passord: {DEMO_PASSWORD}):"]
    lines += [f"  {d.username:<22} {d.role} i {d.org_unit_code}" for d in DEMO_USERS]
    return "\n".join(lines)


def _register_cli(server: Flask) -> None:
    db = AppGroup("db", help="Database operations.")

    @db.command("upgrade", help="Upgrade the schema to the newest migration and load reference data.")
    def db_upgrade() -> None:
        store = store_of(current_app)
        upgrade(store.engine)
        with store.session() as session:
            added = load_reference(session)
        click.echo(f"Schema is up to date; {added} org units added.")

    @server.cli.command("demo", help="Create the demo users and refresh the synthetic demo data.")
    @click.option("--seed", default=DEFAULT_DEMO_SEED, show_default=True)
    @click.option("--persons", default=DEFAULT_DEMO_PERSONS, show_default=True)
    def demo(seed: int, persons: int) -> None:
        summary = refresh_demo(store_of(current_app), seed=seed, persons=persons)
        click.echo(f"Demo data: {summary.persons} persons, {summary.index_cases} index cases, {summary.contact_cases} contacts.")
        click.echo(demo_logins_text())

    @server.cli.command("create-user", help="Create a user with a role in an org unit (kommune number, or NO).")
    @click.argument("username")
    @click.option("--role", required=True)
    @click.option("--org-unit", "org_unit", required=True, help="Org unit code, e.g. 0301 or NO")
    @click.option("--name", "display_name", default=None)
    @click.password_option()
    def create_user_command(username: str, role: str, org_unit: str, display_name: str | None, password: str) -> None:
        try:
            with store_of(current_app).session() as session:
                create_user(session, username, password, display_name=display_name, grants=[(role, org_unit)])
        except UserError as error:
            raise click.ClickException(f"{error.field}: {error.message_nb}") from error
        click.echo(f"Created user {username.strip().lower()} ({role} in {org_unit}).")

    server.cli.add_command(db)
    from api.cli_analytics import register_analytics_cli

    register_analytics_cli(server)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Smittespor.")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--demo", action="store_true", help="create/refresh the synthetic demo data and demo users")
    parser.add_argument("--persons", type=int, default=DEFAULT_DEMO_PERSONS, help="demo persons (with --demo)")
    parser.add_argument("--seed", type=int, default=DEFAULT_DEMO_SEED, help="demo seed (with --demo)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app = create_dash({"DEMO": args.demo})
    if args.demo:
        summary = refresh_demo(store_of(app.server), seed=args.seed, persons=args.persons)
        print(f"Demo data: {summary.persons} persons, {summary.index_cases} index cases, {summary.contact_cases} contacts.")
        print(demo_logins_text())
    print(f"Smittespor: http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, debug=False)


if __name__ == "__main__":
    sys.exit(main())
