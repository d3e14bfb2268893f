"""/api/v1/worklists: the lists, server-side pages, filters, export and bulk actions, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from data.models import AuditEvent
from tests.integration.test_api_support import (
    add_contact,
    assert_refused,
    create_person,
    index_with_contact,
    iso,
    logged_in,
    make_server,
    no_national_id_in,
    register_index,
    today,
    with_token,
)


def _three_index_cases(api):  # type: ignore[no-untyped-def]
    people = [("Anne", "Aas", "1950-01-01"), ("Berit", "Bø", "1960-01-01"), ("Cato", "Dahl", "1970-01-01")]
    return [register_index(api, create_person(api, first=f, last=l, birth=b)["id"]) for f, l, b in people]


def test_the_worklists_are_listed_with_their_counts(store):
    api = logged_in(make_server(store), store, "kari")
    index_with_contact(api)
    lists = {w["key"]: w for w in api.get("/worklists").json["worklists"]}
    assert set(lists) == {"index_today", "contacts_today", "overdue", "assigned_to_me", "self_registered", "new_positive_results"}
    assert lists["index_today"]["label"] == "Indeksoppfølging i dag" and lists["index_today"]["total"] == 1
    assert lists["contacts_today"]["label"] == "Nærkontakter i dag" and lists["contacts_today"]["total"] == 1
    assert lists["index_today"]["headers"]["person_name"] == "Navn"


def test_a_worklist_is_paged_and_sorted_on_the_server(store):
    api = logged_in(make_server(store), store, "kari")
    cases = _three_index_cases(api)

    first = api.get("/worklists/index_today?start=0&end=2&sort=person_name:desc")
    assert first.status_code == 200, first.json
    page = first.json
    assert (page["key"], page["label"], page["total"], page["start"], page["end"]) == ("index_today", "Indeksoppfølging i dag", 3, 0, 2)
    assert [r["person_name"] for r in page["rows"]] == ["Dahl, Cato", "Bø, Berit"]
    assert page["rows"][0]["next_follow_up"] == iso(today()) and page["rows"][0]["birth_date"] == "1970-01-01"
    rest = api.get("/worklists/index_today?start=2&end=4&sort=person_name:desc").json
    assert [r["case_id"] for r in rest["rows"]] == [cases[0]["id"]] and rest["end"] == 3
    assert no_national_id_in(first)


def test_a_worklist_page_with_filters_in_the_body(store):
    api = logged_in(make_server(store), store, "kari")
    _three_index_cases(api)
    body = {"start": 0, "end": 10, "sort": [["person_name", "asc"]], "filters": {"person_name": {"filterType": "text", "type": "contains", "filter": "berit"}}}
    page = api.post("/worklists/index_today/query", body)
    assert page.status_code == 200, page.json
    assert [r["person_name"] for r in page.json["rows"]] == ["Bø, Berit"] and page.json["total"] == 1


def test_worklist_refusals_unknown_list_column_and_bad_paging(store):
    api = logged_in(make_server(store), store, "kari")
    assert_refused(api.get("/worklists/alle_saker"), 400, "arbeidsliste")
    assert_refused(api.get("/worklists/index_today?sort=national_id:asc"), 400, "kolonne")
    assert_refused(api.get("/worklists/index_today?sort=navn:opp"), 422, "sortering")
    assert_refused(api.get("/worklists/index_today?start=5&end=2"), 422, "slutt")
    assert_refused(api.get("/worklists/index_today?start=0&end=5000"), 422, "slutt")
    assert_refused(api.get("/worklists/index_today?start=-1"), 422, "start")
    assert_refused(api.get("/worklists/index_today?start=0&start=1"), 422, "forespørsel")
    assert_refused(api.get("/worklists/index_today?filter=x"), 422, "filter")
    fhi = logged_in(make_server(store), store, "frida", role="fhi", code="NO")
    assert_refused(fhi.get("/worklists/index_today"), 403, "tilgang")


def test_another_kommunes_tracer_sees_none_of_the_rows(store):
    server = make_server(store)
    api = logged_in(server, store, "kari")
    index_with_contact(api)
    bergen = logged_in(server, store, "bjorn", code="4601")
    for key in ("index_today", "contacts_today"):
        page = bergen.get(f"/worklists/{key}").json
        assert (page["total"], page["rows"]) == (0, [])


def test_a_worklist_is_exported_as_csv_and_xlsx_and_audited(store):
    api = logged_in(make_server(store), store, "kari")
    _three_index_cases(api)

    csv = api.get("/worklists/index_today/export?format=csv&sort=person_name:asc&columns=case_id,person_name,next_follow_up")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "attachment" in csv.headers["Content-Disposition"] and ".csv" in csv.headers["Content-Disposition"]
    lines = csv.get_data().decode("utf-8-sig").splitlines()
    assert lines[0] == "Saksnr.;Navn;Neste oppfølging" and [line.split(";")[1] for line in lines[1:]] == ["Aas, Anne", "Bø, Berit", "Dahl, Cato"]

    xlsx = api.get("/worklists/index_today/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet.max_row == 4

    assert_refused(api.get("/worklists/index_today/export?format=pdf"), 422, "format")
    assert_refused(api.get("/worklists/index_today/export?columns=national_id"), 400, "kolonner")
    with store.session() as s:
        exports = s.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
        assert [e.detail["format"] for e in exports] == ["csv", "xlsx"]


def test_bulk_assign_and_mark_done_from_a_worklist(store):
    server = make_server(store)
    api = logged_in(server, store, "kari")
    cases = _three_index_cases(api)
    ids = [c["id"] for c in cases]

    assigned = api.post("/worklists/assign", {"case_ids": ids, "user_id": api.user_id})
    assert assigned.status_code == 200 and assigned.json == {"updated": 3}
    mine = api.get("/worklists/assigned_to_me").json
    assert sorted(r["case_id"] for r in mine["rows"]) == sorted(ids)

    done = api.post("/worklists/follow-ups-done", {"case_ids": ids[:2]})
    assert done.status_code == 200 and done.json == {"updated": 2}
    assert api.get("/worklists/index_today").json["total"] == 1
    assert_refused(api.post("/worklists/assign", {"case_ids": [], "user_id": None}), 422, "saker")

    reader = with_token(server, store, "rapport", permissions=("read",))
    assert reader.get("/worklists/index_today").status_code == 200
    assert_refused(reader.post("/worklists/follow-ups-done", {"case_ids": ids}), 403, "tilgang")


def test_contacts_today_lists_a_new_contact(store):
    api = logged_in(make_server(store), store, "kari")
    index = register_index(api, create_person(api)["id"])
    other = create_person(api, first="Ola", last="Hansen", birth="1990-02-01")
    contact = add_contact(api, index["id"], other["id"])
    rows = api.get("/worklists/contacts_today").json["rows"]
    assert [(r["case_id"], r["kind"]) for r in rows] == [(contact["case"]["id"], "contact")]
