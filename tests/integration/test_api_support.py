"""Helpers shared by the /api/v1 tests (test_api_*.py): an app on the test's store, logged-in and token clients.

No tests here. It lives beside the API tests (not in tests/factories.py) because it drives the Flask app, not the
store; the lead may move it into a conftest when another suite needs it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from app import create_dash
from api.tokens import create_token
from auth.users import create_user
from data.clock import today_oslo

PASSWORD = "passord-for-api-test"
XHR = {"X-Requested-With": "XMLHttpRequest"}
ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")


def make_server(store):  # type: ignore[no-untyped-def]
    return create_dash({"DATABASE_URL": store.url, "SECRET_KEY": "t", "TESTING": True}).server


@dataclass
class Api:
    """A test client for /api/v1 with default headers (the CSRF header for sessions, the bearer token for tokens)."""

    client: Any
    headers: dict[str, str] = field(default_factory=dict)
    user_id: int | None = None

    def _open(self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None, **kw: Any):  # type: ignore[no-untyped-def]
        merged = {**self.headers, **(headers or {})}
        return self.client.open("/api/v1" + path, method=method, json=json, headers=merged, **kw)

    def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self._open("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
        return self._open("POST", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
        return self._open("PUT", path, json=json, **kw)


def anonymous(server) -> Api:  # type: ignore[no-untyped-def]
    return Api(server.test_client())


def logged_in(server, store, username: str, role: str = "smittesporer", code: str = "0301") -> Api:  # type: ignore[no-untyped-def]
    """A new user holding ``role`` in ``code``, logged in through the login form; POST/PUT carry X-Requested-With."""
    with store.session() as s:
        user = create_user(s, username, PASSWORD, display_name=username.title(), grants=[(role, code)], hash_method="pbkdf2:sha256:1000")
        s.flush()
        user_id = user.id
    client = server.test_client()
    page = client.get("/logg-inn").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post("/logg-inn", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return Api(client, dict(XHR), user_id)


def with_token(server, store, name: str = "fagsystem", code: str = "0301", permissions=("read", "write")) -> Api:  # type: ignore[no-untyped-def]
    with store.session() as s:
        _, token = create_token(s, name, code, list(permissions))
    return Api(server.test_client(), {"Authorization": f"Bearer {token}"})


def today() -> dt.date:
    return today_oslo()


def iso(day: dt.date) -> str:
    return day.isoformat()


def days_ago(n: int) -> str:
    return iso(today() - dt.timedelta(days=n))


def person_body(first: str = "Kari", last: str = "Nordmann", birth: str = "1985-06-15", code: str | None = "0301", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"first_name": first, "last_name": last, "birth_date": birth, **extra}
    if code is not None:
        body["home_org_unit"] = code
    return body


def create_person(api: Api, **kw: Any) -> dict[str, Any]:
    response = api.post("/persons", person_body(**kw))
    assert response.status_code == 201, response.json
    return response.json


def register_index(api: Api, person_id: int, code: str = "0301", **extra: Any) -> dict[str, Any]:
    body = {"person_id": person_id, "org_unit": code, "test_date": days_ago(1), "test_method": "PCR", **extra}
    response = api.post("/cases/index", body)
    assert response.status_code == 201, response.json
    return response.json


def add_contact(api: Api, case_id: int, person_id: int, **extra: Any) -> dict[str, Any]:
    body = {"person_id": person_id, "exposure_date": days_ago(2), "setting": "household", **extra}
    response = api.post(f"/cases/{case_id}/contacts", body)
    assert response.status_code == 201, response.json
    return response.json


def index_with_contact(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """An index case (Kari) with one close contact (Ola): (index case, contact reply {case, exposure})."""
    kari = create_person(api, first="Kari", last="Nordmann", birth="1985-06-15")
    ola = create_person(api, first="Ola", last="Hansen", birth="1990-02-01")
    index = register_index(api, kari["id"])
    return index, add_contact(api, index["id"], ola["id"])


def assert_refused(response, status: int, field: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.json
    assert body["field"] == field, body
    assert body["message"], body
    return body


def no_national_id_in(response) -> bool:  # type: ignore[no-untyped-def]
    return ELEVEN_DIGITS.search(response.get_data(as_text=True)) is None
