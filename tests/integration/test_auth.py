"""Login, logout and the gate, through the Flask test client on both stores."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import create_dash
from auth.users import DEMO_USERS, create_user, ensure_demo_users
from data.models import AuditEvent, User


def _client(store, demo=True):
    app = create_dash({"DATABASE_URL": store.url, "DEMO": demo, "SECRET_KEY": "test", "TESTING": True})
    return app.server.test_client()


def _token(client, path="/logg-inn"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _log_in(client, username, password="demo", next_url=None):
    form = {"username": username, "password": password, "csrf_token": _token(client)}
    if next_url:
        form["next"] = next_url
    return client.post("/logg-inn", data=form)


def _actions(store):
    with store.session() as s:
        return [(e.action, e.username) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@pytest.fixture
def demo_store(store):
    with store.session() as s:
        ensure_demo_users(s)
    return store


def test_anonymous_requests_are_refused(demo_store):
    client = _client(demo_store)
    page = client.get("/klynger?x=1")
    assert page.status_code == 302 and page.headers["Location"].startswith("/logg-inn?next=")
    for path in ("/_dash-layout", "/_dash-dependencies", "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js"):
        assert client.get(path).status_code == 401, path
    assert client.post("/_dash-update-component", json={}).status_code == 401
    assert client.get("/assets/bootstrap.min.css").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_message_and_are_audited(demo_store):
    client = _client(demo_store)
    wrong_password = _log_in(client, "sporer.oslo", "feil")
    unknown_user = _log_in(client, "finnes.ikke", "demo")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert "Feil brukernavn eller passord." in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    assert _actions(demo_store)[-2:] == [("login_failed", "sporer.oslo"), ("login_failed", "finnes.ikke")]


def test_login_opens_the_app_and_logout_closes_it(demo_store):
    client = _client(demo_store)
    response = _log_in(client, "sporer.oslo", next_url="/om")
    assert response.status_code == 302 and response.headers["Location"] == "/om"
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/").status_code == 200

    logout = client.post("/logg-ut", data={"csrf_token": _token(client, "/logg-inn")})
    assert logout.status_code == 302
    assert client.get("/_dash-layout").status_code == 401
    assert [a for a, _ in _actions(demo_store)][-2:] == ["login", "logout"]


def test_login_never_redirects_off_site(demo_store):
    client = _client(demo_store)
    response = _log_in(client, "sporer.oslo", next_url="https://example.org/")
    assert response.headers["Location"] == "/"


def test_login_form_without_token_is_rejected(demo_store):
    client = _client(demo_store)
    response = client.post("/logg-inn", data={"username": "sporer.oslo", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_demo_users_cannot_log_in_outside_demo_mode(demo_store):
    client = _client(demo_store, demo=False)
    assert _log_in(client, "sporer.oslo").status_code == 401


def test_demo_mode_creates_one_user_per_role(demo_store):
    with demo_store.session() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        assert {d.username for d in DEMO_USERS} <= set(users)
        assert {"sporer.oslo", "overlege.oslo", "systemansvarlig.oslo", "rapport.oslo", "sporer.bergen", "fhi", "admin"} <= set(users)
        held = {r.role for u in users.values() for r in u.roles}
        assert held == {"smittesporer", "kommuneoverlege", "systemansvarlig", "rapportuttak", "fhi", "admin"}
        assert all(u.is_demo for u in users.values())


def test_real_users_log_in_outside_demo_mode(store):
    with store.session() as s:
        create_user(s, "kari.sporer", "et-langt-passord", grants=[("smittesporer", "4601")])
    client = _client(store, demo=False)
    assert _log_in(client, "kari.sporer", "et-langt-passord").status_code == 302
    assert client.get("/_dash-layout").status_code == 200


def test_cli_creates_users_and_upgrades(store):
    server = create_dash({"DATABASE_URL": store.url, "SECRET_KEY": "test"}).server
    runner = server.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "0 org units added" in result.output
    result = runner.invoke(args=["create-user", "ola", "--role", "kommuneoverlege", "--org-unit", "0301", "--password", "passord-passord"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(args=["create-user", "per", "--role", "sjef", "--org-unit", "0301", "--password", "passord-passord"])
    assert refused.exit_code != 0 and "rolle" in refused.output
    with store.session() as s:
        ola = s.scalar(select(User).where(User.username == "ola"))
        assert [(r.role, r.org_unit.code) for r in ola.roles] == [("kommuneoverlege", "0301")]
        assert s.scalar(select(User).where(User.username == "per")) is None


def test_no_log_line_carries_a_national_id(store, caplog):
    from app import refresh_demo

    caplog.set_level("DEBUG")
    refresh_demo(store, persons=200)
    client = _client(store)
    _log_in(client, "sporer.oslo")
    client.get("/")
    assert caplog.records, "the run should have logged something"
    assert not [r for r in caplog.records if re.search(r"(?<!\d)\d{11}(?!\d)", r.getMessage())]
