"""/api/v1/analytics: spread reports of imported outbreaks, clusters and org units, on SQLite and PostgreSQL.

The register data is a small chain built with the tracer's own functions, dated five to six weeks back so every
case has had its 14 days to infect (nothing is censored) and no chain is still active:

    A (onset day -41) --household--> B (onset -37) --workplace--> E (onset -33)
      |--household--> C (onset -36)      |--workplace--> F (stays a contact)
      |--event (cluster "Julebord")--> D (stays a contact)

A and B are members of the cluster. Offspring A=2, B=1, C=0, E=0, so R = 0.75; 3 of the 5 contacts became
cases, so SAR = 0.6; serial intervals 4, 5 and 4 days.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest

from data.clock import today_oslo
from data.models import RoleAssignment
from tests.factories import make_actor, make_person, unit_id
from tests.integration.test_api_support import (
    assert_refused,
    logged_in,
    make_server,
    with_token,
)
from tracing import cases as tracing_cases
from tracing import clusters as tracing_clusters
from tracing.linelist.store import import_linelist

CLUSTER_NAME = "Julebord hos Kari Nordmann"  # a cluster name can name a person: FHI must never see it

# An imported line list: 1 -> 2, 1 -> 3, 2 -> 4, 3 -> 5, and 6 alone. Offspring 2, 1, 1, 0, 0, 0: R = 4/6.
# Serial intervals 4, 6, 5, 5 days: mean 5. Cases 1-3 are the cluster "Kor" (offspring 2, 1, 1: R = 4/3).
CASES_CSV = """Smittesporing, utbrudd i kor (eksport)
id;symptomstart;klynge;arena
1;01.03.2025;Kor;event
2;05.03.2025;Kor;event
3;07.03.2025;Kor;event
4;10.03.2025;;household
5;12.03.2025;;household
6;04.03.2025;;
"""
LINKS_CSV = "smitter;smittet\n1;2\n1;3\n2;4\n3;5\n"


def import_outbreak(store, label: str = "Kor 2025", code: str = "0301") -> int:  # type: ignore[no-untyped-def]
    """The line list above, imported as an analysis outbreak in ``code`` through the import's own function."""
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege", code)
        result = import_linelist(
            s, actor, CASES_CSV.encode("utf-8-sig"), "kor.csv", LINKS_CSV.encode(), "par.csv", unit_id(s, code), label
        )
        return result.outbreak_id


@dataclass(frozen=True)
class Register:
    cluster_id: int
    case_ids: dict[str, int]


def _day(n: int) -> dt.date:
    return today_oslo() - dt.timedelta(days=n)


def build_register(store, code: str = "0301") -> Register:  # type: ignore[no-untyped-def]
    """The chain of the module doc, registered as a tracer would."""
    with store.session() as s:
        actor = make_actor(s, "kommuneoverlege", code)
        unit = unit_id(s, code)
        people = {name: make_person(s, code, first_name=name, last_name="Testesen", with_national_id=False) for name in "ABCDEF"}
        cluster = tracing_clusters.create_cluster(
            s, actor, tracing_clusters.ClusterInput(CLUSTER_NAME, "private_gathering", unit, start_date=_day(41))
        )

        def index(name: str, onset: int) -> int:
            data = tracing_cases.IndexInput(people[name].id, unit, _day(onset - 1), "PCR", symptom_onset=_day(onset))
            return tracing_cases.register_index(s, actor, data).id

        def contact(source: int, name: str, day: int, setting: str, cluster_id: int | None = None) -> int:
            data = tracing_cases.ContactInput(source, people[name].id, _day(day), setting, cluster_id)
            case, _ = tracing_cases.add_contact(s, actor, data)
            return case.id

        def convert(contact_case: int, name: str, onset: int) -> int:
            data = tracing_cases.IndexInput(people[name].id, unit, _day(onset - 1), "PCR", symptom_onset=_day(onset))
            return tracing_cases.convert_to_index(s, actor, contact_case, data, expected_version=1).id

        ids = {"A": index("A", 41)}
        b, c = contact(ids["A"], "B", 40, "household"), contact(ids["A"], "C", 40, "household")
        contact(ids["A"], "D", 40, "event", cluster.id)
        ids["B"], ids["C"] = convert(b, "B", 37), convert(c, "C", 36)
        e = contact(ids["B"], "E", 36, "workplace")
        contact(ids["B"], "F", 36, "workplace")
        ids["E"] = convert(e, "E", 33)
        tracing_clusters.add_member(s, actor, cluster.id, people["B"].id, "index")  # A joined with D's exposure
        return Register(cluster.id, ids)


def spread_url(code: str = "0301", start: int = 60, end: int = 0, **extra: str) -> str:
    query = {"org_unit": code, "from": _day(start).isoformat(), "to": _day(end).isoformat(), **extra}
    return "/analytics/spread?" + "&".join(f"{k}={v}" for k, v in query.items())


def value(measure: dict) -> float | None:  # type: ignore[type-arg]
    return measure["value"]


# --- register: org unit and date window ---------------------------------------------------------------------


def test_spread_report_has_the_chain_s_r_sar_serial_interval_and_kpis(store):
    register = build_register(store)
    api = logged_in(make_server(store), store, "lege", role="kommuneoverlege")

    response = api.get(spread_url())
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["org_unit"]["code"], body["aggregate"], body["from"]) == ("0301", False, _day(60).isoformat())
    report = body["report"]
    overall = report["overall"]
    assert (report["cases"], report["contacts_only"]) == (4, 2)
    assert (overall["cases"], overall["contacts"], overall["contacts_became_cases"]) == (4, 5, 3)
    assert value(overall["attack_rate"]) == pytest.approx(0.6)
    low, high = overall["attack_rate"]["low"], overall["attack_rate"]["high"]
    assert low < 0.6 < high
    assert value(overall["offspring"]["r"]) == pytest.approx(0.75) and overall["offspring"]["n"] == 4
    serial = overall["serial_interval"]
    assert value(serial["mean"]) == pytest.approx(13 / 3) and (serial["pairs"], serial["negative"]) == (3, 0)
    assert report["kpis"] == {"chains": 1, "active_chains": 0, "largest": 4, "max_generations": 3}
    [chain] = report["chains"]
    assert (chain["id"], chain["size"], chain["contacts"], chain["active"]) == (f"c{register.case_ids['A']}", 4, 2, False)
    assert (chain["start"], chain["end"], chain["roots"]) == (_day(41).isoformat(), _day(33).isoformat(), [f"c{register.case_ids['A']}"])

    [cluster] = report["by_cluster"]
    assert (cluster["cluster_id"], cluster["name"], cluster["kind"]) == (register.cluster_id, CLUSTER_NAME, "private_gathering")
    assert cluster["measures"]["cases"] == 2  # A and B
    assert value(cluster["measures"]["offspring"]["r"]) == pytest.approx(1.5)
    settings = {row["setting"]: row["measures"] for row in report["by_setting"]}
    assert set(settings) == {"household", "workplace", "event"}
    assert value(settings["household"]["attack_rate"]) == pytest.approx(1.0)
    assert value(settings["workplace"]["attack_rate"]) == pytest.approx(0.5)
    assert value(settings["event"]["attack_rate"]) == pytest.approx(0.0)


def test_spread_filters_window_setting_and_active_only(store):
    build_register(store)
    api = logged_in(make_server(store), store, "lege", role="kommuneoverlege")

    only_e = api.get(spread_url(start=34, end=30)).json["report"]  # only E's onset lies in the window
    assert only_e["cases"] == 1
    household = api.get(spread_url(setting="household")).json["report"]
    assert household["cases"] == 3 and value(household["overall"]["offspring"]["r"]) == pytest.approx(2 / 3)

    nothing = api.get(spread_url(active_only="true")).json["report"]  # the chain ended five weeks ago
    assert nothing["cases"] == 0 and nothing["chains"] == []
    r = nothing["overall"]["offspring"]["r"]
    assert r["value"] is None and r["missing"]  # "not enough data", never NaN

    norwegian_dates = api.get(f"/analytics/spread?org_unit=0301&from={_day(60):%d.%m.%Y}&to={_day(0):%d.%m.%Y}&setting=")
    assert norwegian_dates.status_code == 200 and norwegian_dates.json["report"]["cases"] == 4


def test_a_bad_query_is_refused_with_the_field_named_in_norwegian(store):
    api = logged_in(make_server(store), store, "lege", role="kommuneoverlege")
    body = assert_refused(api.get("/analytics/spread?org_unit=0301&from=2026-13-01&to=2026-01-31"), 422, "fra")
    assert "åååå-mm-dd" in body["message"]
    assert_refused(api.get("/analytics/spread?org_unit=0301&from=2026-01-01"), 422, "til")
    assert_refused(api.get("/analytics/spread?org_unit=0301&from=2026-02-01&to=31.01.2026"), 422, "til")
    assert_refused(api.get(spread_url(setting="buss")), 422, "eksponeringssted")
    assert_refused(api.get(spread_url(cluster_kind="rave")), 422, "klyngetype")
    assert_refused(api.get(spread_url(active_only="kanskje")), 422, "bare_aktive")
    assert_refused(api.get(spread_url(code="Oslo")), 422, "organisasjonsenhet")
    assert_refused(api.get(spread_url(fnr="1")), 422, "fnr")
    assert_refused(api.get(spread_url(code="9999")), 400, "organisasjonsenhet")


# --- scope and aggregate form -------------------------------------------------------------------------------


def test_fhi_gets_the_spread_in_aggregate_form_without_cluster_names_or_case_keys(store):
    register = build_register(store)
    server = make_server(store)
    fhi = logged_in(server, store, "fhi", role="fhi", code="NO")

    response = fhi.get(spread_url())
    assert response.status_code == 200, response.json
    body = response.json
    assert body["aggregate"] is True
    report = body["report"]
    assert value(report["overall"]["offspring"]["r"]) == pytest.approx(0.75)  # the same numbers ...
    [cluster] = report["by_cluster"]
    assert cluster["cluster_id"] is None and cluster["name"] is None and cluster["measures"]["cases"] == 2
    assert [(c["id"], c["roots"], c["size"]) for c in report["chains"]] == [("kjede-1", [], 4)]  # ... no keys
    text = response.get_data(as_text=True)
    assert "Julebord" not in text and "Testesen" not in text
    assert not re.search(r'"c\d+"', text)

    assert_refused(fhi.get(f"/analytics/clusters/{register.cluster_id}"), 403, "tilgang")


def test_fhi_reads_imported_outbreaks_in_aggregate_form(store):
    outbreak_id = import_outbreak(store)
    fhi = logged_in(make_server(store), store, "fhi", role="fhi", code="NO")

    assert [o["id"] for o in fhi.get("/analytics/outbreaks").json["outbreaks"]] == [outbreak_id]
    body = fhi.get(f"/analytics/outbreaks/{outbreak_id}").json
    assert body["aggregate"] is True
    assert body["report"]["cases"] > 0
    assert all(c["name"] is None and c["cluster_id"] is None for c in body["report"]["by_cluster"])
    assert all(c["roots"] == [] for c in body["report"]["chains"])
    assert_refused(fhi.get(f"/analytics/outbreaks/{outbreak_id + 1000}"), 403, "tilgang")


def test_bergen_cannot_read_oslo_s_cluster_outbreak_or_spread(store):
    register = build_register(store)
    outbreak_id = import_outbreak(store)
    bergen = logged_in(make_server(store), store, "bjorn", role="kommuneoverlege", code="4601")

    assert_refused(bergen.get(f"/analytics/clusters/{register.cluster_id}"), 403, "tilgang")
    assert_refused(bergen.get(f"/analytics/outbreaks/{outbreak_id}"), 403, "tilgang")
    assert_refused(bergen.get(f"/analytics/outbreaks/{outbreak_id + 1000}"), 403, "tilgang")  # unknown looks alike
    assert_refused(bergen.get(spread_url()), 403, "tilgang")
    assert bergen.get("/analytics/outbreaks").json == {"outbreaks": []}
    own = bergen.get(spread_url(code="4601")).json["report"]
    assert own["cases"] == 0 and own["by_cluster"] == []  # Oslo's chain does not leak into Bergen's view


def test_a_doctor_with_an_fhi_grant_too_gets_other_kommuner_in_aggregate_form_only(store):
    register = build_register(store)
    server = make_server(store)
    bergen = logged_in(server, store, "bjorn", role="kommuneoverlege", code="4601")
    with store.session() as s:
        s.add(RoleAssignment(user_id=bergen.user_id, role="fhi", org_unit_id=unit_id(s, "NO")))

    oslo = bergen.get(spread_url()).json
    assert oslo["aggregate"] is True and oslo["report"]["cases"] == 4
    assert [c["name"] for c in oslo["report"]["by_cluster"]] == [None]
    assert bergen.get(spread_url(code="4601")).json["aggregate"] is False
    assert_refused(bergen.get(f"/analytics/clusters/{register.cluster_id}"), 403, "tilgang")


def test_a_token_reads_the_spread_of_its_org_unit_in_full(store):
    register = build_register(store)
    token = with_token(make_server(store), store, permissions=("read",))
    body = token.get(spread_url()).json
    assert body["aggregate"] is False
    assert [c["cluster_id"] for c in body["report"]["by_cluster"]] == [register.cluster_id]


# --- one cluster --------------------------------------------------------------------------------------------


def test_cluster_report_is_restricted_to_the_cluster_s_cases(store):
    register = build_register(store)
    api = logged_in(make_server(store), store, "lege", role="kommuneoverlege")

    response = api.get(f"/analytics/clusters/{register.cluster_id}")
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["cluster"]["id"], body["cluster"]["name"], body["cluster"]["kind"]) == (register.cluster_id, CLUSTER_NAME, "private_gathering")
    report = body["report"]
    assert report["cases"] == 2  # A and B; C and E are not in the cluster
    assert value(report["overall"]["offspring"]["r"]) == pytest.approx(0.5)  # within the cluster only A infected B
    assert report["kpis"]["largest"] == 2
    assert_refused(api.get("/analytics/clusters/999999"), 403, "tilgang")


# --- imported outbreaks -------------------------------------------------------------------------------------


def test_an_imported_outbreak_is_listed_and_its_report_has_the_line_list_s_measures(store):
    outbreak_id = import_outbreak(store)
    api = logged_in(make_server(store), store, "lege", role="kommuneoverlege")

    listed = api.get("/analytics/outbreaks").json["outbreaks"]
    assert [(o["id"], o["label"], o["org_unit"]["code"], o["mode"], o["case_count"], o["link_count"]) for o in listed] == [
        (outbreak_id, "Kor 2025", "0301", "analysis", 6, 4)
    ]

    response = api.get(f"/analytics/outbreaks/{outbreak_id}")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["outbreak"]["label"] == "Kor 2025"
    report = body["report"]
    assert report["as_of"] == "2025-03-13" and report["censor_days"] == 0  # a finished outbreak: nothing censored
    overall = report["overall"]
    assert overall["cases"] == 6
    assert value(overall["offspring"]["r"]) == pytest.approx(4 / 6)
    assert value(overall["attack_rate"]) == pytest.approx(1.0)  # every pair is a transmission
    assert value(overall["serial_interval"]["mean"]) == pytest.approx(5.0) and overall["serial_interval"]["pairs"] == 4
    assert report["kpis"] == {"chains": 2, "active_chains": 2, "largest": 5, "max_generations": 3}
    [kor] = report["by_cluster"]
    assert (kor["name"], kor["measures"]["cases"]) == ("Kor", 3)
    assert value(kor["measures"]["offspring"]["r"]) == pytest.approx(4 / 3)
    assert kor["measures"]["serial_interval_icc"] is not None
    k = overall["offspring"]["k"]
    assert k["value"] is None or k["value"] > 0  # a value or a reason, never NaN
    assert_refused(api.get("/analytics/outbreaks/999999"), 403, "tilgang")


# --- the OpenAPI document -----------------------------------------------------------------------------------


def test_openapi_documents_the_analytics_paths_with_their_schemas(store):
    api = logged_in(make_server(store), store, "lege", role="kommuneoverlege")
    doc = api.get("/openapi.json").json
    paths = doc["paths"]
    for path, schema in (
        ("/api/v1/analytics/outbreaks", "OutbreaksOut"),
        ("/api/v1/analytics/outbreaks/{outbreak_id}", "OutbreakReportOut"),
        ("/api/v1/analytics/clusters/{cluster_id}", "ClusterReportOut"),
        ("/api/v1/analytics/spread", "SpreadReportOut"),
    ):
        op = paths[path]["get"]
        assert op["tags"] == ["analytics"] and op["x-permission"] == "read"
        assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/" + schema)
    spread = paths["/api/v1/analytics/spread"]["get"]
    params = {p["name"]: p["required"] for p in spread["parameters"]}
    assert params == {"org_unit": True, "from": True, "to": True, "setting": False, "cluster_kind": False, "active_only": False}
    assert "422" in spread["responses"]
    schemas = doc["components"]["schemas"]
    assert {"value", "low", "high", "n", "missing", "method"} == set(schemas["EstimateOut"]["properties"])
    assert {"overall", "by_cluster", "by_setting", "chains", "kpis"} <= set(schemas["ReportOut"]["properties"])
    assert "from" in schemas["SpreadReportOut"]["properties"]
