"""/api/v1 authentication, CSRF, API tokens (and their CLI), and the OpenAPI document, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from api.v1 import PREFIX, ROUTES
from data.models import ApiToken, AuditEvent
from tests.integration.test_api_support import (
    Api,
    anonymous,
    assert_refused,
    create_person,
    logged_in,
    make_server,
    person_body,
    with_token,
)


def _concrete(path: str) -> str:
    return re.sub(r"<int:[a-z_]+>", "1", path)


def test_anonymous_calls_to_every_endpoint_get_401_json(store):
    api = anonymous(make_server(store))
    for route in ROUTES:
        response = api._open(route.method, _concrete(route.path), json={} if route.method != "GET" else None)
        assert_refused(response, 401, "autentisering")
        assert response.json["message"] == "Ikke innlogget.", route.path
    assert_refused(api.get("/finnes-ikke"), 401, "autentisering")


def test_session_writes_need_the_csrf_header_and_reads_do_not(store):
    server = make_server(store)
    api = logged_in(server, store, "kari")
    bare = Api(api.client)  # same session, no X-Requested-With

    assert bare.get("/me").status_code == 200
    refused = bare.post("/persons", person_body())
    assert_refused(refused, 403, "csrf")

    csrf = bare.get("/me").json["csrf_token"]
    assert bare.post("/persons", person_body(), headers={"X-CSRF-Token": "feil"}).status_code == 403
    assert bare.post("/persons", person_body(), headers={"X-CSRF-Token": csrf}).status_code == 201
    assert api.post("/persons", person_body(first="Per", birth="1970-01-01")).status_code == 201


def test_me_describes_a_session_user(store):
    api = logged_in(make_server(store), store, "kari", code="4601")
    me = api.get("/me").json
    assert me["username"] == "kari" and me["authenticated_by"] == "session"
    assert me["permissions"] == ["read", "write"]
    assert me["grants"] == [{"role": "smittesporer", "org_unit": {"id": me["grants"][0]["org_unit"]["id"], "code": "4601", "name": "Bergen"}}]


def test_a_token_acts_as_a_tracer_in_its_org_unit_without_csrf(store):
    server = make_server(store)
    api = with_token(server, store, "fagsystem", "0301", ("read", "write"))

    me = api.get("/me").json
    assert (me["username"], me["user_id"], me["authenticated_by"]) == ("token:fagsystem", None, "token")
    assert me["grants"][0]["role"] == "smittesporer" and me["grants"][0]["org_unit"]["code"] == "0301"

    person = create_person(api)  # no X-Requested-With: tokens are exempt
    assert api.get(f"/persons/{person['id']}").status_code == 200
    with store.session() as s:
        created = s.scalar(select(AuditEvent).where(AuditEvent.action == "person_created"))
        assert (created.username, created.user_id) == ("token:fagsystem", None)
        assert s.scalar(select(ApiToken)).last_used_at is not None

    bergen = {"person_id": person["id"], "org_unit": "4601", "test_date": "2026-01-01", "test_method": "PCR"}
    assert_refused(api.post("/cases/index", bergen), 403, "tilgang")


def test_a_read_only_token_reads_but_cannot_write(store):
    server = make_server(store)
    writer = with_token(server, store, "skriver", permissions=("write",))
    person = create_person(writer)
    reader = with_token(server, store, "leser", permissions=("read",))

    assert reader.get("/me").json["permissions"] == ["read"]
    assert reader.get(f"/persons/{person['id']}").status_code == 200
    assert reader.post("/persons/search", {"text": "Kari Nordmann"}).status_code == 200
    refused = assert_refused(reader.post("/persons", person_body(first="Per")), 403, "tilgang")
    assert "lesetilgang" in refused["message"]
    assert_refused(reader.put(f"/persons/{person['id']}", person_body(version=1)), 403, "tilgang")
    assert writer.get("/me").json["permissions"] == ["read", "write"]  # write implies read


def test_revoked_unknown_and_malformed_tokens_get_401(store):
    server = make_server(store)
    api = with_token(server, store, "gammel")
    assert api.get("/me").status_code == 200
    with store.session() as s:
        from api.tokens import revoke_token

        revoke_token(s, s.scalar(select(ApiToken.id)))
    assert_refused(api.get("/me"), 401, "autentisering")
    client = server.test_client()
    for header in ("Bearer ssp_finnesikke", "Bearer ", "Basic dXNlcjpwYXNz", "ssp_utenskjema"):
        assert_refused(client.get(PREFIX + "/me", headers={"Authorization": header}), 401, "autentisering")


def test_a_bad_token_is_refused_even_with_a_session(store):
    server = make_server(store)
    api = logged_in(server, store, "kari")
    assert_refused(api.get("/me", headers={"Authorization": "Bearer ssp_feil"}), 401, "autentisering")


def test_cli_creates_a_token_once_lists_and_revokes_it_and_audits(store):
    server = make_server(store)
    runner = server.test_cli_runner()

    created = runner.invoke(args=["api-token", "create", "msis-kobling", "--org-unit", "0301", "--permission", "read", "--permission", "write"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("ssp_")
    with store.session() as s:
        row = s.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.permissions == ["read", "write"] and row.org_unit.code == "0301"
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "api_token_created"))
        assert event.entity_id == row.id and token not in str(event.detail) and row.token_hash not in str(event.detail)
        token_id = row.id

    listed = runner.invoke(args=["api-token", "list"])
    assert "msis-kobling" in listed.output and token not in listed.output and "active" in listed.output

    api = Api(server.test_client(), {"Authorization": f"Bearer {token}"})
    assert api.get("/me").status_code == 200
    revoked = runner.invoke(args=["api-token", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    assert api.get("/me").status_code == 401
    assert "revoked" in runner.invoke(args=["api-token", "list"]).output


def test_cli_refuses_an_unknown_org_unit_and_permission(store):
    runner = make_server(store).test_cli_runner()
    unknown_unit = runner.invoke(args=["api-token", "create", "x", "--org-unit", "9999"])
    assert unknown_unit.exit_code != 0 and "organisasjonsenhet" in unknown_unit.output
    unknown_permission = runner.invoke(args=["api-token", "create", "x", "--org-unit", "0301", "--permission", "admin"])
    assert unknown_permission.exit_code != 0
    with store.session() as s:
        assert s.scalar(select(ApiToken)) is None


def test_unknown_endpoints_and_query_parameters_are_refused_as_json(store):
    api = logged_in(make_server(store), store, "kari")
    assert_refused(api.get("/finnes-ikke"), 404, "forespørsel")
    assert_refused(api.get("/cases/abc"), 404, "forespørsel")
    assert_refused(api.get("/clusters?fnr=1"), 422, "forespørsel")


def test_openapi_document_lists_every_registered_api_route(store):
    server = make_server(store)
    api = logged_in(server, store, "kari")
    doc = api.get("/openapi.json").json

    assert doc["openapi"].startswith("3.1")
    assert set(doc["components"]["securitySchemes"]) == {"session", "bearer"}
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"

    registered = set()
    for rule in server.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX) or rule.endpoint in ("api_v1.unknown_endpoint", "api_v1.unknown_root"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            registered.add((path, method.lower()))
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert registered == documented
    assert len(documented) == len(ROUTES)


def test_openapi_operations_reference_existing_schemas(store):
    api = logged_in(make_server(store), store, "kari")
    doc = api.get("/openapi.json").json
    text = api.get("/openapi.json").get_data(as_text=True)
    for ref in set(re.findall(r'"\$ref": ?"#/components/schemas/([^"]+)"', text)):
        assert ref in doc["components"]["schemas"], ref
    create = doc["paths"]["/api/v1/persons"]["post"]
    assert create["x-permission"] == "write" and {"201", "400", "401", "403", "422"} <= set(create["responses"])
    body = doc["components"]["schemas"]["PersonCreateBody"]
    assert body["additionalProperties"] is False and "national_id" in body["properties"]
    for path in doc["paths"]:
        assert "national_id" not in path and "fnr" not in path
